"""A close's result as typed rows: each payee's record (plans, attainment, component totals,
measures and tier boundaries; paid to date, name and target incentives on payee_results) and
the statement lines with their used tier slices. Closes from here on write these instead of
the JSON statement in payee_results.statement, which stays for the closes that kept it.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('result_attainment',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measure', sa.String(), nullable=False),
    sa.Column('numerator', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('denominator', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_attainment_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', name=op.f('pk_result_attainment'))
    )
    op.create_table('result_boundaries',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('measure_position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('component', sa.String(), nullable=False),
    sa.Column('start_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('basis', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_boundaries_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'measure_position', 'position', name=op.f('pk_result_boundaries'))
    )
    op.create_table('result_components',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('component', sa.String(), nullable=False),
    sa.Column('earned_to_date', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payout', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_components_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', name=op.f('pk_result_components'))
    )
    op.create_table('result_measures',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measure', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('value_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('value_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quota_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quota_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('attainment_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('attainment_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_measures_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', name=op.f('pk_result_measures'))
    )
    op.create_table('result_plans',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_plans_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', name=op.f('pk_result_plans'))
    )
    op.create_table('statement_lines',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('plan_id', sa.String(), nullable=True),
    sa.Column('fiscal_year', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('line_kind', sa.String(), nullable=True),
    sa.Column('component', sa.String(), nullable=True),
    sa.Column('deal_id', sa.String(), nullable=True),
    sa.Column('credit_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('deal_date', sa.Date(), nullable=True),
    sa.Column('report', sa.String(), nullable=True),
    sa.Column('base', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rate_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rate_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tier_basis', sa.String(), nullable=True),
    sa.Column('cap', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earned_before', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earned_now', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cause', sa.String(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('draw', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_statement_lines_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', name=op.f('pk_statement_lines'))
    )
    op.create_table('statement_slices',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tier', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('base', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rate_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rate_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_statement_slices_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('run_id', 'payee_id', 'position', 'tier', name=op.f('pk_statement_slices'))
    )
    with op.batch_alter_table('payee_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_to_date', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('target_incentive', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('period_target_incentive', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payee_results', schema=None) as batch_op:
        batch_op.drop_column('period_target_incentive')
        batch_op.drop_column('target_incentive')
        batch_op.drop_column('name')
        batch_op.drop_column('paid_to_date')

    op.drop_table('statement_slices')
    op.drop_table('statement_lines')
    op.drop_table('result_plans')
    op.drop_table('result_measures')
    op.drop_table('result_components')
    op.drop_table('result_boundaries')
    op.drop_table('result_attainment')
