"""Metrics (a figure per metric and period that belongs to no deal: company revenue, EBITDA,
read by plans as `metric.NAME`) and overlay credit rows (credited beside the 100% split).

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'metrics',
        sa.Column('metric', sa.String(), nullable=False),
        sa.Column('period', sa.String(), nullable=False),
        sa.Column('value', sa.String(), nullable=False),
        sa.Column('currency', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('metric', 'period', name=op.f('pk_metrics')))
    with op.batch_alter_table('credits') as batch:
        batch.add_column(sa.Column('overlay', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    """The metrics go, and so do the overlay credit rows: a ledger before 0008 reads every
    credit row as part of the 100% split, so an overlay row kept would pay it twice."""
    op.execute("DELETE FROM credits WHERE overlay")
    with op.batch_alter_table('credits') as batch:
        batch.drop_column('overlay')
    op.drop_table('metrics')
