"""Names that read another window of the same payout period (PLAN_LANGUAGE.md 7.2).

`period.M`, `ytd.quota.M`, `annual.attainment.M`: in a window whose payout period is P, each
prefix names a span of days and the payout periods whose quota it sums: `period` is P alone,
`ytd` the fiscal year's start to the end of P, and `annual` the same days over the whole
year's quota. The engine computes the plan's measures over that span into a table of the
same payees and adopts the names read, so every evaluator sees them as plain payee names.
"""
from __future__ import annotations

from collections import defaultdict

from engine.names import used_names
from engine.payee_table import PayeeTable
from rules_dsl.plan import Plan

PREFIXES = ("period", "ytd", "annual")
_PERIOD_FIELDS = ("start", "end", "number")  # the payout period's own, not another window


def names_read(plan: Plan) -> dict[str, list[str]]:
    """Each prefix the plan reads another window by, and the names read under it."""
    found: dict[str, set[str]] = defaultdict(set)
    for expression in plan.expressions():
        for name in used_names(expression.node):
            prefix, _, rest = name.partition(".")
            if prefix in PREFIXES and rest not in _PERIOD_FIELDS:
                found[prefix].add(name)
    return {prefix: sorted(found[prefix]) for prefix in PREFIXES if prefix in found}


def span(prefix: str, periods: list, own: int) -> tuple:
    """(first day, last day, the payout periods whose quota it sums) of the window the
    prefix names, for the payout period at ``own`` among the fiscal year's ``periods``."""
    if prefix == "period":
        return periods[own].start, periods[own].end, [periods[own]]
    return periods[0].start, periods[own].end, \
        periods[:own + 1] if prefix == "ytd" else list(periods)


def adopt(table: PayeeTable, prefix: str, names: list[str], other: PayeeTable) -> None:
    """The names read under ``prefix`` into ``table``, from ``other``: the same payees'
    measures, quota and attainment over that window (`ytd.quota.M` is its `quota.M`)."""
    for name in names:
        table.adopt(name, other, name[len(prefix) + 1:])
