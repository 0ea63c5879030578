"""The rows a close writes in bulk (its result lines, statement lines and slices, and each
payee's result and child rows) no longer declare a foreign key to calculation_runs.

PostgreSQL checks such a key with a trigger per inserted row: at 1M deals and 10,000 payees
that was 2 s of a close's 5.5 s write. A run's rows are written only by its own close, in the
transaction that inserts the run, and runs are never deleted (a reopen supersedes), so the
key never refused anything. Existing rows stay as they are (SQLite copies each table once).

Revision ID: 0005
Revises: 0004
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ['result_lines', 'payee_results', 'result_plans', 'result_attainment',
          'result_components', 'result_measures', 'result_boundaries', 'statement_lines',
          'statement_slices']


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_run_id_calculation_runs', type_='foreignkey')


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_run_id_calculation_runs',
                                        'calculation_runs', ['run_id'], ['id'])
