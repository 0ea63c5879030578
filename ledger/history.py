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
from sqlalchemy import Connection, and_, func, select

from ledger.database import LedgerDb, reading
from ledger.line_key import NO_DEAL, NO_SEQ
from ledger.schema import Adjustment, CalculationRun, PayeeResult, Period, ResultLine
from rules_dsl.calendar import parse_period, period_span

RECORDED = ["fiscal_year", "plan", "payee", "component", "capped", "deal", "seq", "kind",
            "before", "recorded_date"]


def active_runs(ledger_db: LedgerDb | Connection, length: str) -> list[tuple[int, str]]:
    """(run id, period) of every close in force of one length, oldest first: the one query
    for "the active run" of a length or of a period."""
    with reading(ledger_db) as connection:
        return [tuple(row) for row in connection.execute(
            select(CalculationRun.id, CalculationRun.period).where(
                CalculationRun.length == length, CalculationRun.status == "active")
            .order_by(CalculationRun.id))]


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
        return connection.execute(select(Period.status).where(
            Period.length == length, Period.name == period)).scalar_one_or_none()


def recorded_statements(ledger_db: LedgerDb | Connection, run_id: int, payee: str | None = None
                        ) -> list[tuple[str, dict | None]]:
    """(payee, the statement the close kept: its document and context) of one run, by payee,
    or of one payee; None for a close made before statements were kept."""
    query = select(PayeeResult.payee_id, PayeeResult.statement).where(
        PayeeResult.run_id == run_id).order_by(PayeeResult.payee_id)
    if payee is not None:
        query = query.where(PayeeResult.payee_id == payee)
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
            recorded = _recorded_lines(connection, run_ids, fiscal_year)
            for result in connection.execute(select(PayeeResult).where(
                    PayeeResult.run_id.in_(run_ids))
                    .order_by(PayeeResult.run_id)):
                if result.fiscal_year == fiscal_year:
                    paid[result.payee_id] = paid.get(result.payee_id, 0) + result.payout
                if result.run_id == last_run:
                    balance[result.payee_id] = result.carried_balance
                currency[result.payee_id] = result.currency
        adjustments: dict[str, list] = defaultdict(list)
        for adjustment in connection.execute(select(Adjustment).where(
                Adjustment.period == period).order_by(Adjustment.id)):
            adjustments[adjustment.payee_id].append((adjustment.amount, adjustment.reason))
            currency.setdefault(adjustment.payee_id, adjustment.currency)
    return Prior(last_run, last_period, recorded, paid, balance, dict(adjustments), currency)


def _recorded_lines(connection: Connection, run_ids: list[int], fiscal_year: int
                    ) -> pd.DataFrame:
    """Each payee's fiscal years up to ``fiscal_year``, plan by plan, each from the latest of
    the runs that recorded that payee on that plan in that year. A close records the whole
    year of each plan that lists the payee in its period (a payee who left a plan is not
    listed), and of an earlier year only the payees whose year changed."""
    latest = select(ResultLine.fiscal_year, ResultLine.plan_id, ResultLine.payee_id,
                    func.max(ResultLine.run_id).label("run_id")).where(
        ResultLine.run_id.in_(run_ids), ResultLine.fiscal_year.is_not(None),
        ResultLine.fiscal_year <= fiscal_year).group_by(
        ResultLine.fiscal_year, ResultLine.plan_id, ResultLine.payee_id).subquery()
    rows = connection.execute(select(
        ResultLine.fiscal_year, ResultLine.plan_id, ResultLine.payee_id, ResultLine.component,
        ResultLine.kind, ResultLine.deal_id, ResultLine.credit_seq, ResultLine.earned_to_date,
        ResultLine.deal_date).join(latest, and_(
            ResultLine.run_id == latest.c.run_id,
            ResultLine.fiscal_year == latest.c.fiscal_year,
            ResultLine.plan_id == latest.c.plan_id,
            ResultLine.payee_id == latest.c.payee_id))).all()
    return _recorded_frame(rows)


def _recorded_frame(rows: list) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(row) for row in rows], columns=[
        "fiscal_year", "plan", "payee", "component", "kind", "deal", "seq", "before",
        "recorded_date"])
    frame["capped"] = frame["kind"] == "cap"
    frame["deal"] = frame["deal"].fillna(NO_DEAL)
    frame["seq"] = frame["seq"].fillna(NO_SEQ).astype(np.int64)
    frame["before"] = frame["before"].astype(np.int64)
    frame["fiscal_year"] = frame["fiscal_year"].astype(np.int64)
    return frame[RECORDED]
