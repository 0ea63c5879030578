"""A credit row's share of its deal is stored as an integer number of billionths."""

SHARE_SCALE = 1_000_000_000
