"""`icm close`: compute a period, then record it in one transaction, in order.

Periods of one length close in order: the first close of a length is the first period of a
fiscal year, each later one the period right after the last close. The order is checked before
computing and again inside the write transaction, under the ledger-wide lock, with the
ledger's state read before the plans: a change that landed meanwhile refuses the close. The
period's row in `periods` is the last guard: two closes racing for one period cannot both flip
it to closed, so the loser is refused (exit 3) and writes nothing. The transaction begins
once the earning lines are final (``engine.calculate.Earned``): the database takes them
while the payees are settled, which at a million deals hides the settlement behind the
write. Every read and write is a ``ledger`` function (``ledger.closes`` holds the close's
transaction and calls back the order check and the settlement here); this module decides
and holds no connection. (Reopen, adjust and the export record are plain writes:
``ledger.closes``.)
"""
from __future__ import annotations

import datetime
from collections.abc import Callable

from engine.calculate import earn_period
from engine.read_ahead import Ahead, read_ahead
from ledger.closes import CloseOrder, RecordedKeys, Settlement, close_order, record_close
from ledger.database import LedgerDb
from ledger.errors import LedgerRefused
from ledger.progress import quiet
from ledger.records import PeriodResult
from rules_dsl.calendar import add_months, parse_period, period_span


def next_period(name: str) -> str:
    length, year, index = parse_period(name)
    if length == "year":
        return str(year + 1)
    if length == "month":
        following = add_months(datetime.date(year, index, 1), 1)
        return f"{following.year}-{following.month:02d}"
    count = {"quarter": 4, "half": 2}[length]
    prefix = "Q" if length == "quarter" else "H"
    return f"{year + 1}-{prefix}1" if index == count else f"{year}-{prefix}{index + 1}"


_ADVERB = {"month": "monthly", "quarter": "quarterly", "half": "half-yearly", "year": "yearly"}
_EXAMPLE = {"month": "2026-01", "quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}


def _check_paid(plans: list, period: str) -> None:
    """Refuse a period of a length that no registered plan pays: closing it would record an
    empty run and pay nobody."""
    length, _, _ = parse_period(period)
    paid = {plan.payout_period for plan in plans}
    if length in paid:
        return
    if not paid:
        raise LedgerRefused(f"no plan is registered, so {period} has nothing to close: add "
                            "plans with `icm plans add`")
    lengths = [name for name in _ADVERB if name in paid]
    raise LedgerRefused(
        f"no plan is paid {_ADVERB[length]}, so {period} has nothing to close; the plans are "
        f"paid {' and '.join(_ADVERB[name] for name in lengths)}: close periods such as "
        f"{' or '.join(_EXAMPLE[name] for name in lengths)}")


def _check_in_force(paying: list, period: str) -> None:
    """The first close of a length must be a period that a plan paid at that length is in
    force in: closing 2025-01 under plans of 2026 would record an empty run and then force
    every 2025 month to close before 2026-01. (Later closes follow the order, and may pay
    only an earlier year's changes, balances and adjustments.)"""
    for plan in paying:
        first, last = period_span(period, plan.fiscal_year_start)
        if plan.effective_from <= last and plan.effective_to >= first:
            return
    spans = ", ".join(sorted({f"{plan.key} {plan.effective_from}..{plan.effective_to}"
                              for plan in paying}))
    raise LedgerRefused(f"no plan paid {_ADVERB[parse_period(period)[0]]} is in force in "
                        f"{period} ({spans}): the first close of a length must be a period "
                        "a plan pays")


def _check_order(order: CloseOrder, plans: list, period: str) -> None:
    length, year, index = parse_period(period)
    if order.status == "closed":
        raise LedgerRefused(f"{period} is closed already; to change it, reopen it with "
                            f"`icm reopen --period {period} --reason ...` and close again")
    last = order.last_closed
    if last is None:
        paying = [plan for plan in plans if plan.payout_period == length]
        starts = {plan.fiscal_year_start for plan in paying} or {1}
        first = index in starts if length == "month" else index == 1
        if not first:
            raise LedgerRefused(f"{period} cannot be the first close of its length: close "
                                "the first period of a fiscal year first")
        _check_in_force(paying, period)
    elif next_period(last) != period:
        raise LedgerRefused(f"periods close in order: the last close is {last}, so close "
                            f"{next_period(last)} before {period}")


def close_period(ledger_db: LedgerDb, period: str, actor: str | None = None,
                 status: Callable[[str], None] = quiet, ahead: Ahead | None = None
                 ) -> tuple[PeriodResult, int]:
    """Compute P, record its run, its result (as data: the views render it) and
    settlement, and lock it. ``ahead`` (``engine.read_ahead``) has noted the ledger's state
    and read the plans, and may be reading the window."""
    length, _, _ = parse_period(period)
    if ahead is None:
        status("reading the plans")
        ahead = read_ahead(ledger_db, period)
    seen, versions_by_plan = ahead.seen, ahead.versions_by_plan  # plans read once
    plans = [version.plan for versions in versions_by_plan.values() for version in versions]
    _check_paid(plans, period)
    ahead.wait()
    _check_order(close_order(ledger_db, period), plans, period)
    earned = earn_period(ledger_db, period, status=status, ahead=ahead)
    status(f"recording {len(earned.lines):,} statement lines of earnings")
    now = datetime.datetime.now(datetime.timezone.utc)
    versions = sorted(f"{p.id}@{p.version} {p.sha256}" for p in plans
                      if p.payout_period == length)  # every version the run may have used
    calculation = None

    def settle() -> Settlement:  # while the ledger writes the earning lines
        nonlocal calculation
        calculation = earned.settle(status)
        status(f"recording {len(calculation.payees):,} payees")
        return Settlement(calculation.payees, calculation.settlement_lines,
                          RecordedKeys(calculation.plan_years, calculation.lines))

    run_id = record_close(ledger_db, period, seen,
                          lambda order: _check_order(order, plans, period),  # again, locked
                          versions, earned.lines, settle, now, actor)
    return calculation.result, run_id
