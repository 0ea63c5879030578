"""The ledger: payees, plans, assignments, quotas, FX, deals and credits in SQLAlchemy.

Built under issue 3. The engine reads it only through frames of int64 minor units; no ORM
object crosses into ``engine``.
"""
