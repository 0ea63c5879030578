"""What earlier closes recorded: the runs in force, a period's status, the statements a close
kept, and what the settlement of a period needs of the closes before it.

For a payout period P of one length, ``read_prior`` gives the earnings to date per line key of
P's fiscal year and of every earlier one, as the latest close to record each payee's year on
each plan recorded it, what this fiscal year's earlier closes paid, the balance each payee
carries out of the last close, and the manual adjustments dated in P.
"""
from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, select

from ledger.database import LedgerDb, reading
from ledger.line_key import NO_DEAL, NO_SEQ
from ledger.window import read_arrow
from ledger.schema import adjustments, calculation_runs, payee_results, periods
from rules_dsl.calendar import parse_period, period_span

RECORDED = ["fiscal_year", "plan", "payee", "component", "capped", "deal", "seq", "kind",
            "before", "recorded_date"]


def active_runs(ledger_db: LedgerDb | Connection, length: str) -> list[tuple[int, str]]:
    """(run id, period) of every close in force of one length, oldest first: the one query
    for "the active run" of a length or of a period."""
    with reading(ledger_db) as connection:
        return [tuple(row) for row in connection.execute(
            select(calculation_runs.c.id, calculation_runs.c.period).where(
                calculation_runs.c.length == length, calculation_runs.c.status == "active")
            .order_by(calculation_runs.c.id))]


def last_closed(ledger_db: LedgerDb | Connection, length: str) -> str | None:
    """The period of the newest close in force of ``length``."""
    runs = active_runs(ledger_db, length)
    return runs[-1][1] if runs else None


def active_run(ledger_db: LedgerDb | Connection, period: str) -> int | None:
    """The run of the close in force for ``period``, None when it is open."""
    length, _, _ = parse_period(period)
    return next((run_id for run_id, name in active_runs(ledger_db, length) if name == period), None)


def period_status(ledger_db: LedgerDb | Connection, period: str) -> str | None:
    """``closed`` or ``open`` as `periods` records it; None for a period never closed."""
    length, _, _ = parse_period(period)
    with reading(ledger_db) as connection:
        return connection.execute(select(periods.c.status).where(
            periods.c.length == length, periods.c.name == period)).scalar_one_or_none()


def recorded_statements(ledger_db: LedgerDb | Connection, run_id: int, payee: str | None = None
                        ) -> list[tuple[str, dict | None]]:
    """(payee, the statement the close kept: its document and context) of one run, by payee,
    or of one payee; None for a close made before statements were kept."""
    query = select(payee_results.c.payee_id, payee_results.c.statement).where(
        payee_results.c.run_id == run_id).order_by(payee_results.c.payee_id)
    if payee is not None:
        query = query.where(payee_results.c.payee_id == payee)
    with reading(ledger_db) as connection:
        rows = connection.execute(query).all()
    return [(payee_id, None if text is None else json.loads(text)) for payee_id, text in rows]


@dataclass(frozen=True)
class Prior:
    """The closes of one length in force before a period, as its settlement needs them."""

    last_run: int | None = None
    last_period: str | None = None
    # a row per line key of each payee's fiscal year on each plan, as the latest close that
    # recorded it recorded it: columns RECORDED, ``before`` being its earnings to date
    recorded: pd.DataFrame = field(default_factory=lambda: _recorded_frame([]))
    paid: dict[str, int] = field(default_factory=dict)  # payee -> pay this fiscal year
    balance: dict[str, int] = field(default_factory=dict)  # payee -> carried balance B
    adjustments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # payee -> the currency its latest close or adjustment was in: a leaver with only a
    # balance or an adjustment left keeps being paid in it
    currency: dict[str, str] = field(default_factory=dict)

    def recorded_for(self, fiscal_year: int, plan_id: str) -> pd.DataFrame:
        """The recorded lines of one plan in one fiscal year."""
        recorded = self.recorded
        return recorded[(recorded["fiscal_year"] == fiscal_year)
                        & (recorded["plan"] == plan_id)]


def read_prior(ledger_db: LedgerDb | Connection, length: str, period: str, fiscal_year: int,
               period_start: datetime.date) -> Prior:
    """The closes of ``length`` in force before ``period``, seen from ``period``."""
    with reading(ledger_db) as connection:
        earlier = [(run_id, name) for run_id, name in active_runs(connection, length)
                   if name != period and period_span(name)[0] < period_start]
        last_run = last_period = None
        recorded = _recorded_frame([])
        paid: dict[str, int] = {}
        balance: dict[str, int] = {}
        currency: dict[str, str] = {}
        if earlier:
            last_run, last_period = earlier[-1]
            run_ids = [run_id for run_id, _ in earlier]
            recorded = _recorded_lines(ledger_db, run_ids, fiscal_year)
            for result in connection.execute(select(payee_results).where(
                    payee_results.c.run_id.in_(run_ids))
                    .order_by(payee_results.c.run_id)):
                if result.fiscal_year == fiscal_year:
                    paid[result.payee_id] = paid.get(result.payee_id, 0) + result.payout
                if result.run_id == last_run:
                    balance[result.payee_id] = result.carried_balance
                currency[result.payee_id] = result.currency
        adjusted: dict[str, list] = defaultdict(list)
        for adjustment in connection.execute(select(adjustments).where(
                adjustments.c.period == period).order_by(adjustments.c.id)):
            adjusted[adjustment.payee_id].append((adjustment.amount, adjustment.reason))
            currency.setdefault(adjustment.payee_id, adjustment.currency)
    return Prior(last_run, last_period, recorded, paid, balance, dict(adjusted), currency)


def _recorded_lines(ledger_db: LedgerDb | Connection, run_ids: list[int], fiscal_year: int
                    ) -> pd.DataFrame:
    """Each payee's fiscal years up to ``fiscal_year``, plan by plan, each from the latest of
    the runs that recorded that payee on that plan in that year. A close records the whole
    year of each plan that lists the payee in its period (a payee who left a plan is not
    listed), and of an earlier year only the payees whose year changed.

    A run's keys are its unchanged keys in ``result_lines`` and, for a run that names its
    plan years in ``run_plan_years`` (from revision 0007), its changed keys as its statement
    lines but the settlement lines (``_RECORDED_KEYS``); a run before 0007 wrote every key
    to ``result_lines`` (and settlement lines there, with no fiscal year).

    Read as Arrow columns (``ledger.window.read_arrow``): a close of Q4 reads a line per
    deal of the year, and a Python row object per line cost a second and hundreds of MB."""
    runs = ", ".join(str(int(run_id)) for run_id in run_ids)
    keys = _RECORDED_KEYS.format(runs=runs, fiscal_year=int(fiscal_year))
    sql = (f"WITH recorded AS ({keys}) "
           "SELECT r.fiscal_year, r.plan_id, r.payee_id, r.component, r.kind, r.deal_id, "
           "r.credit_seq, r.earned_to_date, r.deal_date FROM recorded r JOIN ("
           "SELECT fiscal_year, plan_id, payee_id, MAX(run_id) AS run_id FROM recorded "
           "GROUP BY fiscal_year, plan_id, payee_id) latest ON r.run_id = latest.run_id "
           "AND r.fiscal_year = latest.fiscal_year AND r.plan_id = latest.plan_id "
           "AND r.payee_id = latest.payee_id")
    names = ["fiscal_year", "plan", "payee", "component", "kind", "deal", "seq", "before",
             "recorded_date"]
    table = read_arrow(ledger_db, sql, names)
    columns = {name: table.column(name) for name in names}
    del table
    frame = {}
    for name in names:
        column = columns.pop(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if name in ("fiscal_year", "seq", "before"):
            column = column.cast(pa.int64())
            frame[name] = column.fill_null(NO_SEQ).to_numpy() if name == "seq" else \
                column.to_numpy(zero_copy_only=False)
        elif name == "recorded_date":
            if column.null_count == len(column):
                frame[name] = np.full(len(column), np.datetime64("NaT", "s"))
                continue
            if not pa.types.is_date(column.type) and not pa.types.is_timestamp(column.type):
                column = column.cast(pa.string()).cast(pa.date32())
            frame[name] = column.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)
        elif column.null_count == len(column):
            frame[name] = pd.Series(np.full(len(column), NO_DEAL if name == "deal" else None,
                                            dtype=object), dtype=object)
        else:
            if name == "deal":
                column = column.fill_null(NO_DEAL)
            frame[name] = pd.array(column.cast(pa.large_string()), dtype="str")
    return _recorded_frame(frame)


# The line keys of the runs {runs} up to {fiscal_year}: the unchanged ones, then the
# changed ones as their statement lines (of a run from 0007: its plan years say which fiscal
# year a line of the run's own year, fiscal_year null, belongs to). A gone key's statement
# line shows the date last recorded; as a key it has none, as in result_lines.
_RECORDED_KEYS = (
    "SELECT run_id, fiscal_year, plan_id, payee_id, component, kind, deal_id, credit_seq, "
    "earned_to_date, deal_date FROM result_lines WHERE run_id IN ({runs}) "
    "AND fiscal_year IS NOT NULL AND fiscal_year <= {fiscal_year} "
    "UNION ALL "
    "SELECT s.run_id, y.fiscal_year, s.plan_id, s.payee_id, s.component, s.line_kind, "
    "s.deal_id, s.credit_seq, s.earned_now, "
    "CASE WHEN s.cause IN ('gone-deal', 'gone-earning') THEN NULL ELSE s.deal_date END "
    "FROM statement_lines s JOIN run_plan_years y ON y.run_id = s.run_id "
    "AND y.plan_id = s.plan_id AND ((s.fiscal_year IS NULL AND NOT y.prior) "
    "OR (s.fiscal_year = y.fiscal_year AND y.prior)) "
    "WHERE s.run_id IN ({runs}) AND s.line_kind IS NOT NULL "
    "AND y.fiscal_year <= {fiscal_year}")


def _recorded_frame(columns: dict | list) -> pd.DataFrame:
    """The recorded lines as RECORDED columns (``recorded_date`` datetime64[s], NaT without
    a date), from columns by name, or from no row at all (``[]``)."""
    if not len(columns):
        columns = {name: np.zeros(0, dtype=np.int64) for name in ("fiscal_year", "seq",
                                                                   "before")}
        columns.update({name: pd.Series([], dtype="str") for name in (
            "plan", "payee", "component", "kind", "deal")})
        columns["recorded_date"] = np.zeros(0, dtype="datetime64[s]")
    frame = pd.DataFrame(columns, copy=False)
    frame["capped"] = (frame["kind"] == "cap").to_numpy(dtype=bool)
    return frame[RECORDED]
