"""A statement line carries its first used tier slice (tier, base, rate, where the tier
starts); statement_slices keeps only the further slices of a line across tiers.

Nearly every deal line falls inside one tier, so a close wrote a slice row per deal line:
164,000 of a 1M-deal close's 676,000 bulk rows. Existing slices move onto their lines.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        for name in ('tier', 'tier_base', 'tier_rate_num', 'tier_rate_den', 'tier_start_num',
                     'tier_start_den'):
            batch_op.add_column(sa.Column(name, _INT, nullable=True))
    op.execute("UPDATE statement_lines SET (tier, tier_base, tier_rate_num, tier_rate_den, "
               "tier_start_num, tier_start_den) = (SELECT s.tier, s.base, s.rate_num, "
               "s.rate_den, s.start_num, s.start_den FROM statement_slices s WHERE "
               "s.run_id = statement_lines.run_id AND s.payee_id = statement_lines.payee_id "
               "AND s.position = statement_lines.position ORDER BY s.tier LIMIT 1)")
    op.execute("DELETE FROM statement_slices WHERE tier = (SELECT l.tier FROM "
               "statement_lines l WHERE l.run_id = statement_slices.run_id AND "
               "l.payee_id = statement_slices.payee_id AND "
               "l.position = statement_slices.position)")


def downgrade() -> None:
    op.execute("INSERT INTO statement_slices (run_id, payee_id, position, tier, base, "
               "rate_num, rate_den, start_num, start_den) SELECT run_id, payee_id, position, "
               "tier, tier_base, tier_rate_num, tier_rate_den, tier_start_num, tier_start_den "
               "FROM statement_lines WHERE tier IS NOT NULL")
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        for name in ('tier_start_den', 'tier_start_num', 'tier_rate_den', 'tier_rate_num',
                     'tier_base', 'tier'):
            batch_op.drop_column(name)
