"""statement_lines and statement_slices no longer have a primary key: an index on (run_id,
payee_id) finds a run's rows, or one payee's of a run. On PostgreSQL it is a BRIN index.

Only a run's own close writes these rows, in the transaction that inserts the run, each
payee's positions (and a line's tiers) numbered there, so the key never refused anything.
But PostgreSQL maintained a b-tree entry per line: at 1M deals and 10,000 payees that was
about a third of the server's COPY of a close's 210,864 statement lines. That COPY alone,
into a ledger about to close 2026-Q1, rolled back, 15 pairs, medians: 0.46 s without any
index against 0.71 s with the key (0.67x); with a BRIN index 0.54 s against 0.75 s (0.74x).
A plain b-tree on (run_id, payee_id) cost what the key did (1.03x), and so did the key with
payee_id in COLLATE "C" (0.96x, within the noise): the cost is the entry per row, not the
collation. The whole `icm close` took 0.88x the wall time (3.28 s against 3.94 s, medians of
11 pairs, each on its own copy of the same ledger).

A close appends its rows in (run_id, payee_id, position) order, so a BRIN range (128 pages)
holds rows of one run, and of a band of its payees: a payee's lines of a run read in about a
millisecond. ``autosummarize`` has autovacuum summarize each range as it fills; a range not
summarized yet (the newest close's) is read whole, about 30 ms for that close's 50 MB. A
whole run's lines are now always sorted on reading: with fresh statistics and more than one
run, PostgreSQL read them in the key's order, and the query of a 1M-deal run's lines took
0.91 s against 0.75 s (medians of 9, alternating: about 0.1 s of the server's sort, in an
`icm statements` of every payee that takes 9-20 s); with one run, or statistics not yet
gathered after a close, it sorted them before too (0.87 s against 0.85 s).

On SQLite, which has no BRIN, a plain index on (run_id, payee_id) replaces the key
(each table is copied once); a close there took 0.94x the wall time (2.71 s against
2.89 s, medians of 15 pairs, each copying the same 133 MB ledger first), and the query of a
whole run's lines, which now sorts each payee's by position, 0.86 s against 0.76 s (in an
`icm statements` of every payee that takes 17 s). A non-unique index with position as well
read as fast as the key and closed as slowly.

Revision ID: 0010
Revises: 0009
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KEYS = {'statement_lines': ['run_id', 'payee_id', 'position'],
        'statement_slices': ['run_id', 'payee_id', 'position', 'tier']}


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
