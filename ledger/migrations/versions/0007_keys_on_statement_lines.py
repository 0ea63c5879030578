"""A line key whose earnings to date changed is recorded once, as its statement line;
result_lines keeps only the keys that did not change. run_plan_years names each plan year a
close compared, so a statement line of the run's own year (whose fiscal_year is null) can be
read back as a key of that year.

A close wrote every compared key to result_lines beside the statement line of each changed
one: at a first close every key changed, so 211,000 of a 1M-deal close's rows were written
twice (0.4 s of the close on SQLite, 1 s on PostgreSQL). Closes recorded before this revision
have no run_plan_years rows and keep every key in result_lines, which is how a reader tells
them apart (``ledger.history``). They are left as they are. Settlement lines, which no
reader looked at in result_lines, are no longer written there either.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'run_plan_years',
        sa.Column('run_id', _INT, nullable=False),
        sa.Column('plan_id', sa.String(), nullable=False),
        sa.Column('fiscal_year', _INT, nullable=False),
        sa.Column('prior', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('run_id', 'plan_id', 'fiscal_year',
                                name=op.f('pk_run_plan_years')))


def downgrade() -> None:
    """Every changed key back into result_lines beside the unchanged ones, as the closes
    before 0007 recorded them (but their settlement lines, which nothing read)."""
    op.execute(
        "INSERT INTO result_lines (run_id, payee_id, plan_id, component, deal_id, credit_seq, "
        "kind, earned_to_date, amount, currency, text, fiscal_year, deal_date) "
        "SELECT s.run_id, s.payee_id, s.plan_id, s.component, s.deal_id, "
        "NULLIF(s.credit_seq, 0), s.line_kind, "
        "s.earned_now, s.earned_now - s.earned_before, s.currency, '', y.fiscal_year, "
        "CASE WHEN s.cause IN ('gone-deal', 'gone-earning') THEN NULL ELSE s.deal_date END "
        "FROM statement_lines s JOIN run_plan_years y ON y.run_id = s.run_id "
        "AND y.plan_id = s.plan_id AND ((s.fiscal_year IS NULL AND NOT y.prior) "
        "OR (s.fiscal_year = y.fiscal_year AND y.prior)) WHERE s.line_kind IS NOT NULL")
    op.drop_table('run_plan_years')
