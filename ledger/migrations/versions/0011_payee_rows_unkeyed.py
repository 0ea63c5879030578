"""A close's rows under each payee but the payee's own row (result_plans, result_attainment,
result_components, result_measures, result_boundaries) lose their primary key, as the
statement lines did at 0010: an index on (run_id, payee_id) finds a run's rows, or one
payee's of a run; BRIN on PostgreSQL, a b-tree on SQLite.

Only a run's own close writes these rows, in the transaction that inserts the run, each
payee's positions numbered there, so the key never refused anything; payee_results, one row
per payee, which the next close settles against, keeps its key. At 1M deals and 10,000
payees a close writes 80,000 such rows: their server COPY, rolled back, 5 rounds, took
0.475 s with the keys and 0.309 s with BRIN indexes (medians; each table vacuumed between
rounds), about 0.17 s of a close.

Revision ID: 0011
Revises: 0010
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

KEYS = {'result_plans': ['run_id', 'payee_id', 'position'],
        'result_attainment': ['run_id', 'payee_id', 'position'],
        'result_components': ['run_id', 'payee_id', 'position'],
        'result_measures': ['run_id', 'payee_id', 'position'],
        'result_boundaries': ['run_id', 'payee_id', 'measure_position', 'position']}


def upgrade() -> None:
    for table in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
        op.create_index(f'ix_{table}_run_id_payee_id', table, ['run_id', 'payee_id'],
                        postgresql_using='brin', postgresql_with={'autosummarize': 'on'})


def downgrade() -> None:
    for table, key in KEYS.items():
        op.drop_index(f'ix_{table}_run_id_payee_id', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_primary_key(f'pk_{table}', key)
