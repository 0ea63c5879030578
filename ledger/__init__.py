"""The ledger: payees, plans, assignments, quotas, FX, deals, credits and closes in SQLAlchemy.

Every read and write of the database is here, and only here imports SQLAlchemy, Alembic or a
driver: imports (``importing``, each kind's writes in ``import_writes``), plans (``plans``),
the window a calculation reads (``window``), what earlier closes recorded (``history``), a
close's transaction and the reopen, adjust and export writes (``closes``), the one audit-log
writer (``audit``) and the small reads the views need (``reads``). What crosses out is plain:
frames of int64 minor units and frozen records, never a database row nor a connection. Callers
hold the database as ``ledger_db`` (``database.LedgerDb``) and hand it back. May import
``rules_dsl`` and ``plans`` only.
"""
