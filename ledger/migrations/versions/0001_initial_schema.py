"""Initial schema: payees, plan versions, assignments, quotas, deals, credits, FX,
periods, calculation runs, result lines, adjustments, imports and the audit log.

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('adjustments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('period', sa.String(), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments'))
    )
    op.create_table('assignments',
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('target_incentive', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('payee_id', 'plan_id', 'effective_from', name=op.f('pk_assignments'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=True),
    sa.Column('table_name', sa.String(), nullable=False),
    sa.Column('row_key', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('calculation_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(), nullable=False),
    sa.Column('length', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('plan_versions', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calculation_runs'))
    )
    op.create_table('credits',
    sa.Column('deal_id', sa.String(), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('share_e9', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('deal_id', 'seq', name=op.f('pk_credits'))
    )
    op.create_table('deals',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.String(), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=True),
    sa.Column('product', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('cancel_date', sa.Date(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_deals'))
    )
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deals_current_date'), ['current', 'date'], unique=False)

    op.create_table('fx_rates',
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('from_currency', sa.String(), nullable=False),
    sa.Column('to_currency', sa.String(), nullable=False),
    sa.Column('rate', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('date', 'from_currency', 'to_currency', name=op.f('pk_fx_rates'))
    )
    op.create_table('imports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('file', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('rows', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_table('payees',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('manager_id', sa.String(), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('termination_date', sa.Date(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'effective_from', name=op.f('pk_payees'))
    )
    op.create_table('periods',
    sa.Column('length', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('length', 'name', name=op.f('pk_periods'))
    )
    op.create_table('plan_versions',
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('payout_period', sa.String(), nullable=False),
    sa.Column('fiscal_year_start', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'version', name=op.f('pk_plan_versions'))
    )
    op.create_table('quotas',
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('measure', sa.String(), nullable=False),
    sa.Column('period', sa.String(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('payee_id', 'measure', 'period', name=op.f('pk_quotas'))
    )
    op.create_table('result_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('plan_id', sa.String(), nullable=True),
    sa.Column('component', sa.String(), nullable=True),
    sa.Column('deal_id', sa.String(), nullable=True),
    sa.Column('credit_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('earned_to_date', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_result_lines_run_id_calculation_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_lines'))
    )
    with op.batch_alter_table('result_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_lines_run_id_payee_id'), ['run_id', 'payee_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('result_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_lines_run_id_payee_id'))

    op.drop_table('result_lines')
    op.drop_table('quotas')
    op.drop_table('plan_versions')
    op.drop_table('periods')
    op.drop_table('payees')
    op.drop_table('imports')
    op.drop_table('fx_rates')
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deals_current_date'))

    op.drop_table('deals')
    op.drop_table('credits')
    op.drop_table('calculation_runs')
    op.drop_table('audit_log')
    op.drop_table('assignments')
    op.drop_table('adjustments')
