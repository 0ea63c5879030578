"""Payments on deals, and what is held: `payable:` (PLAN_LANGUAGE.md 7.3).

`payments` holds money customers paid on deals, for plans paid on collection. A close
records, beside each component's and payee's earnings to date, what of them is held (earned
and not yet payable); closes before this revision held nothing, so the columns are null
there and read as 0.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'payments',
        sa.Column('deal_id', sa.String(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('amount', _INT, nullable=False),
        sa.Column('currency', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('deal_id', 'date', name=op.f('pk_payments')))
    with op.batch_alter_table('result_components') as batch:
        batch.add_column(sa.Column('held', _INT, nullable=True))
    with op.batch_alter_table('payee_results') as batch:
        batch.add_column(sa.Column('held', _INT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payee_results') as batch:
        batch.drop_column('held')
    with op.batch_alter_table('result_components') as batch:
        batch.drop_column('held')
    op.drop_table('payments')
