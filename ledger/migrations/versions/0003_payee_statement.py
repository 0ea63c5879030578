"""Payee results keep the statement as the close printed it, so statements and the payroll
file of a closed period show what was closed, whatever the ledger holds later.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payee_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payee_results', schema=None) as batch_op:
        batch_op.drop_column('statement')
