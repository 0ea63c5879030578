"""A line key's deal and credit row when the line is not a deal's: how the engine's line table
holds them (``engine.lines``) and how a recorded line whose columns are NULL reads back
(``ledger.history``)."""

NO_DEAL, NO_SEQ = "", 0
