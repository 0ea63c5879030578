"""Payee results: each recorded run keeps every payee's settlement (pay, carried
balance) for the next close to settle against; result lines gain their fiscal year and deal date.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payee_results',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('fiscal_year', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('earned_to_date', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earned', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('adjustments', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('draw', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payout', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('carried_balance', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_payee_results_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', name=op.f('pk_payee_results'))
    )
    with op.batch_alter_table('result_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fiscal_year', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('deal_date', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('result_lines', schema=None) as batch_op:
        batch_op.drop_column('deal_date')
        batch_op.drop_column('fiscal_year')

    op.drop_table('payee_results')
