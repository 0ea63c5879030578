"""The calculation engine: plans and the ledger's frames in, payout lines and statements out.

Money is int64 minor units and rates are exact rationals (see ``rules_dsl.money``). The engine
runs no SQL and never imports SQLAlchemy: it reads the ledger through ``ledger``
functions that return frames and frozen records (``ledger.window.read_window``,
``ledger.history.read_prior``, ``ledger.plans.registered_plans``), and a close records its
result through ``ledger.closes.record_close``, which runs the close's transaction.
May import ``rules_dsl``, ``plans`` and ``ledger``; never ``views`` or the CLI
(``tests/test_import_flow.py``).
"""
