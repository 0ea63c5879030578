"""The calculation engine: plans and ledger frames in, payout lines and statements out.

Money is int64 minor units and rates are exact rationals (see ``rules_dsl.money``); the engine
never imports the ORM, it receives plain frames from ``ledger``.
"""
