"""Each measure's attainment in the fiscal year's earlier periods beside this one's, so a rep
sees the year's trend under the bar ("2026-Q1 41.2%, 2026-Q2 80.1%, 2026-Q3 98.0%"): read
from the closes in force of the same period length and fiscal year, never recomputed."""
from __future__ import annotations

import dataclasses

from ledger.database import LedgerDb
from ledger.history import active_runs, recorded_statements
from ledger.records import CLOSED
from ledger.results import has_result, recorded_attainment
from views.document import read_kept
from rules_dsl.calendar import parse_period


def with_year_so_far(ledger_db: LedgerDb, period: str, statements: list,
                     payee: str | None = None) -> list:
    """The statements, each with ``year_so_far``: per measure, the (period, attainment) of
    the earlier closed periods of its fiscal year, oldest first."""
    length, year, index = parse_period(period)
    earlier = {run_id: name for run_id, name in active_runs(ledger_db, length)
               if parse_period(name)[1:] < (year, index)}
    if not earlier or not statements:
        return statements
    found: dict[str, dict[str, list]] = {}  # payee -> measure -> (period, attainment)
    years = {s.payee: _fiscal_year(s.record.fiscal_year, period) for s in statements}
    typed = [run_id for run_id in sorted(earlier) if has_result(ledger_db, run_id)]
    rows = recorded_attainment(ledger_db, typed, None if payee is None else [payee])
    for run_id in sorted(set(earlier) - set(typed)):
        rows += _kept_attainment(ledger_db, run_id, payee)
    for run_id, payee_id, fiscal_year, measure, attainment in rows:
        if payee_id in years and years[payee_id] is not None and \
                _fiscal_year(fiscal_year, earlier[run_id]) == years[payee_id]:
            found.setdefault(payee_id, {}).setdefault(measure, []).append(
                (earlier[run_id], attainment))
    return [dataclasses.replace(s, year_so_far={
        measure: tuple(sorted(values, key=lambda item: parse_period(item[0])))
        for measure, values in found[s.payee].items()}) if s.payee in found else s
        for s in statements]


def _kept_attainment(ledger_db: LedgerDb, run_id: int, payee: str | None) -> list[tuple]:
    """``recorded_attainment``'s rows of a close made before typed results (revision 0004),
    from the statements it kept."""
    kept = [(stored["document"], stored["context"])
            for _, stored in recorded_statements(ledger_db, run_id, payee) if stored]
    records, _ = read_kept(kept, CLOSED)
    return [(run_id, record.payee, record.fiscal_year, measure.measure, measure.attainment)
            for record in records for measure in record.context.measures
            if measure.attainment is not None]


def _fiscal_year(recorded: int | None, period: str) -> int | None:
    """A result's fiscal year; one kept before revision 0004 has none recorded, and then a
    quarter's, half's or year's name says it (a month's does not: its year is the
    calendar's)."""
    if recorded is not None:
        return recorded
    length, year, _ = parse_period(period)
    return None if length == "month" else year
