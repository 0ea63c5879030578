"""A manager's team on their statement: one row per report whose deals pay the manager this
period (the deals, what they pay the manager, and the report's own attainment), so a manager
reads the team before the deal lines, which the statement then groups per report.

What a row says comes from the manager's own lines (each override line names the report
credited, ``report``) and from the report's own result of the same period: nothing is
computed here that the close did not record."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from ledger.database import LedgerDb
from ledger.records import PayeeRecord
from ledger.results import read_result


@dataclass(frozen=True)
class ReportRow:
    report: str  # the report's payee id
    name: str
    deals: int  # distinct deals of theirs on the manager's lines this period
    lines: int
    pay: int  # what those lines pay the manager this period, in minor units
    plan: str | None  # the report's plan (unversioned), for the measure's title
    measure: str | None  # the report's first measure with attainment, and that attainment
    attainment: Fraction | None


def with_teams(ledger_db: LedgerDb, run_id: int | None, statements: list,
               records: dict[str, PayeeRecord], names: dict[str, str]) -> list:
    """The statements, each manager's with its ``team`` rows, sorted by report name then
    id. ``records`` are the period's records at hand (every payee's, or one); a report's
    missing from them is read from the close ``run_id``."""
    per_table: dict[int, pd.DataFrame] = {}
    for statement in statements:
        if statement.shared is not None and id(statement.shared) not in per_table:
            per_table[id(statement.shared)] = _report_sums(statement.shared.table)
    found = []
    for statement in statements:
        sums = per_table.get(id(statement.shared)) if statement.shared is not None \
            else _report_sums(statement.lines)
        mine = sums[sums["payee"] == statement.payee] if sums is not None and len(sums) \
            else None
        if mine is None or not len(mine):
            found.append(statement)
            continue
        rows = []
        for report, deals, lines, pay in mine[["report", "deals", "lines", "pay"]].itertuples(
                index=False):
            record = records.get(report) or _read_record(ledger_db, run_id, report)
            plan, measure, attainment = _attainment(record)
            rows.append(ReportRow(report, names.get(report, report), int(deals), int(lines),
                                  int(pay), plan, measure, attainment))
        rows.sort(key=lambda row: (row.name, row.report))
        found.append(dataclasses.replace(statement, team=tuple(rows)))
    return found


def _report_sums(lines: pd.DataFrame) -> pd.DataFrame:
    """Per (payee, report) of the lines that name a report: distinct deals, lines, pay."""
    named = lines[lines["report"].notna()]
    if not len(named):
        return named.iloc[:0]
    grouped = named.groupby(["payee", "report"], sort=True)
    return pd.DataFrame({"deals": grouped["deal"].nunique(), "lines": grouped.size(),
                         "pay": grouped["amount"].sum()}).reset_index()


def _read_record(ledger_db: LedgerDb, run_id: int | None, payee: str
                 ) -> PayeeRecord | None:
    if run_id is None:
        return None
    records, _ = read_result(ledger_db, run_id, payee)
    return records[0] if records else None


def _attainment(record: PayeeRecord | None) -> tuple[str | None, str | None,
                                                    Fraction | None]:
    """The report's plan, and their first measure with attainment and that attainment (the
    one the KPI pages rank on)."""
    if record is None or not record.attainment:
        return None, None, None
    plan = record.plans[0].split("@")[0] if record.plans else None
    measure, attainment = record.attainment[0]
    return plan, measure, attainment
