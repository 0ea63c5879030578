"""What earlier closes recorded, as the settlement of a period needs it.

For a payout period P of one length: the earnings to date per line key of P's fiscal year and
of every earlier one, as the latest close to record each payee's year recorded it, what this
fiscal year's earlier closes paid, the balance each payee carries out of the last close, and
the manual adjustments dated in P.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, select

from engine.calendar import period_span
from ledger.schema import Adjustment, CalculationRun, PayeeResult, ResultLine

LineKey = tuple  # (plan, component, cap|line, deal, credit seq)


@dataclass
class Prior:
    last_run: int | None = None
    last_period: str | None = None
    # fiscal year -> payee -> key -> (earned to date, deal date), each payee's year as the
    # latest close that recorded it
    recorded: dict[int, dict[str, dict[LineKey, tuple]]] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)  # payee -> pay this fiscal year
    balance: dict[str, int] = field(default_factory=dict)  # payee -> carried balance B
    adjustments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # payee -> the currency its latest close or adjustment was in: a leaver with only a
    # balance or an adjustment left keeps being paid in it
    currency: dict[str, str] = field(default_factory=dict)


def key_of(plan_id: str, component: str | None, kind: str, deal: str | None,
           seq: int | None) -> LineKey:
    return (plan_id, component, "cap" if kind == "cap" else "line", deal, seq)


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
        # a close records a payee's whole fiscal year whenever it records any of it, so each
        # (year, payee) is read from the latest close that recorded that payee in that year
        latest = select(ResultLine.fiscal_year, ResultLine.payee_id,
                        func.max(ResultLine.run_id).label("run_id")).where(
            ResultLine.run_id.in_(run_ids), ResultLine.fiscal_year.is_not(None),
            ResultLine.fiscal_year <= fiscal_year).group_by(
            ResultLine.fiscal_year, ResultLine.payee_id).subquery()
        for line in connection.execute(select(ResultLine).join(latest, and_(
                ResultLine.run_id == latest.c.run_id,
                ResultLine.fiscal_year == latest.c.fiscal_year,
                ResultLine.payee_id == latest.c.payee_id))):
            recorded = prior.recorded.setdefault(line.fiscal_year, {})
            key = key_of(line.plan_id, line.component, line.kind, line.deal_id,
                         line.credit_seq)
            recorded.setdefault(line.payee_id, {})[key] = (line.earned_to_date,
                                                           line.deal_date)
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
