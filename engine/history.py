"""What earlier closes recorded, as the settlement of a period needs it.

For a payout period P of one length: the earnings to date per line key of P's fiscal year and
of every earlier one, as the latest close to record each payee's year on each plan recorded
it, what this fiscal year's earlier closes paid, the balance each payee carries out of the
last close, and the manual adjustments dated in P.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, select

from rules_dsl.calendar import period_span
from engine.lines import KEY, NO_DEAL, NO_SEQ
from ledger.schema import Adjustment, CalculationRun, PayeeResult, ResultLine

RECORDED = ["fiscal_year", "plan", *KEY, "kind", "before", "recorded_date"]


@dataclass
class Prior:
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


def read_prior(connection: Connection, length: str, period: str, fiscal_year: int,
               period_start) -> Prior:
    """The closes of ``length`` in force before ``period``, seen from ``period``."""
    runs = connection.execute(
        select(CalculationRun.id, CalculationRun.period).where(
            CalculationRun.length == length, CalculationRun.status == "active")
        .order_by(CalculationRun.id)).all()
    earlier = [(run_id, name) for run_id, name in runs
               if name != period and period_span(name)[0] < period_start]
    prior = Prior()
    if earlier:
        prior.last_run, prior.last_period = earlier[-1]
        run_ids = [run_id for run_id, _ in earlier]
        prior.recorded = _recorded_lines(connection, run_ids, fiscal_year)
        for result in connection.execute(select(PayeeResult).where(
                PayeeResult.run_id.in_(run_ids))
                .order_by(PayeeResult.run_id)):
            if result.fiscal_year == fiscal_year:
                prior.paid[result.payee_id] = prior.paid.get(result.payee_id, 0) + \
                    result.payout
            if result.run_id == prior.last_run:
                prior.balance[result.payee_id] = result.carried_balance
            prior.currency[result.payee_id] = result.currency
    adjustments: dict[str, list] = defaultdict(list)
    for adjustment in connection.execute(select(Adjustment).where(
            Adjustment.period == period).order_by(Adjustment.id)):
        adjustments[adjustment.payee_id].append((adjustment.amount, adjustment.reason))
        prior.currency.setdefault(adjustment.payee_id, adjustment.currency)
    prior.adjustments = dict(adjustments)
    return prior


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
