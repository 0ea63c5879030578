"""From earnings to pay (PLAN_LANGUAGE.md section 5), per payee.

The period's lines are the keys whose earnings to date changed since the last close
(``engine.changes``): new keys are ordinary lines, changed ones true-ups, gone ones clawbacks.
Their sum is earned(P); with the adjustments dated in P it is E, which settlement turns into pay
against the balance B carried from the last close, and the draw D.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from engine.attainment import measure_columns, measure_context
from engine.payee_table import ABSENT
from engine.changes import PayeeLines
from engine.earnings import CalculationError
from ledger.history import Prior
from ledger.records import DRAFT, ComponentTotal, PayeeRecord, SettlementLine, \
    StatementContext
from rules_dsl.figures import money
from rules_dsl.money import fits_int64


def settled_names(plan) -> list[str]:
    """The payee-level names of a plan's last window that settlement reads."""
    return ["payee.name", "target_incentive"] + [
        name for measure in plan.measures for name in (
            measure.name, f"quota.{measure.name}", f"attainment.{measure.name}",
            f"team.{measure.name}", f"team_all.{measure.name}")]


def settle_payee(payee: str, results: list, prior: Prior, fiscal_year: int) -> PayeeRecord:
    """The payee's record of the period. ``results`` are (plan year, result) pairs: this
    fiscal year's, then any earlier year that today's ledger changes; a result holds the
    payee's ``PayeeLines`` as "lines". The changed lines themselves are the period's line
    table (``engine.changes.changed_lines``)."""
    current_year = [(y, r) for y, r in results if y.fiscal_year == fiscal_year]
    several = len(current_year) > 1
    currency = results[0][0].plan.currency if results else prior.currency.get(payee, "USD")
    components, attainment, measures = [], [], []
    name = target_incentive = period_target_incentive = None
    earned = earned_to_date = draw = held = whole_draw = 0
    negative_payout = "carry_forward"
    recoverable = None
    for year, result in sorted(results, key=_newest_first) if len(results) > 1 else results:
        plan = year.plan
        prefix = f"{plan.id}/" if several else ""
        mine: PayeeLines = result["lines"]
        earned += mine.earned
        held += mine.held  # every fiscal year's (PLAN_LANGUAGE.md 7.3)
        if year.fiscal_year != fiscal_year:
            continue
        shape = _shape(plan)
        negative_payout = plan.negative_payout
        if plan.draw is not None:
            recoverable = plan.draw.recoverable
            whole_draw += plan.draw.amount
        draw += result["draw"]
        by_component = mine.components
        for component in shape.components + (("plan_cap",) if "plan_cap" in by_component
                                             else ()):
            etd, payout, component_held = by_component.get(component, (0, 0, 0))
            components.append(ComponentTotal(prefix + component, etd, payout,
                                             component_held))
        earned_to_date += mine.earned_to_date
        values = result["values"] if result["values"] is not None else {}
        measures += measure_context(plan, values, prefix)
        name = name or values.get("payee.name")
        period_target_incentive = (period_target_incentive or 0) + \
            result.get("period_target_incentive", 0)
        if values.get("target_incentive") is not None:
            target_incentive = (target_incentive or 0) + int(values["target_incentive"])
        for measure, key in shape.attainment:
            value = values.get(key)
            if value is not None:
                attainment.append((prefix + measure,
                                   value if type(value) is Fraction else Fraction(value)))
    return _record(payee, prior, current_year, currency,
                   _shape(results[0][0].plan).plans if len(results) == 1 else
                   tuple(_shape(y.plan).key for y, _ in results),
                   results[0][0].fiscal_year if results else None, earned, earned_to_date,
                   draw, recoverable, negative_payout, attainment, components,
                   StatementContext(name, target_incentive, period_target_incentive,
                                    tuple(measures)), held, whole_draw)


class PlanSettlement:
    """``settle_payee`` for the payees whose one result is this fiscal year's plan (all
    but a few: a manager on two plans, a payee whose earlier year changed), a plan's worth
    at once: what they share made once, their values read a column at a time. The same
    records, figure for figure (tests/test_settlement_paths.py).

    ``values`` holds the payee-level names of the last window (``settled_names``);
    ``draws`` and ``period_target_incentive`` are by payee."""

    def __init__(self, year, values, draws: dict[str, int],
                 period_target_incentive: dict[str, int]):
        plan = year.plan
        self.year, self.plan, self.shape = year, plan, _shape(plan)
        self.values, self.draws = values, draws
        self.period_target_incentive = period_target_incentive
        self.recoverable = plan.draw.recoverable if plan.draw is not None else None
        self.whole_draw = plan.draw.amount if plan.draw is not None else 0
        self.results = [(year, None)]  # what an error names

    def records(self, payees: list[str], lines: list[PayeeLines], prior: Prior
                ) -> list[PayeeRecord]:
        """Each payee's record, its lines against the last close being ``lines``."""
        plan, shape = self.plan, self.shape
        positions = [self.values.position.get(payee) for payee in payees]
        converted: dict[str, list] = {}

        def column(name: str) -> list:
            if name not in converted:
                found = self.values.python_column(name)
                converted[name] = [None if i is None or found[i] is ABSENT else found[i]
                                   for i in positions]
            return converted[name]

        measures = measure_columns(plan, column, len(payees))
        names, incentives = column("payee.name"), column("target_incentive")
        attainments = [(measure, column(key)) for measure, key in shape.attainment]
        nothing = {c: ComponentTotal(c, 0, 0) for c in shape.components}  # shared: frozen
        found = []
        for k, (payee, mine) in enumerate(zip(payees, lines)):
            by_component = mine.components
            components = [nothing[component] if figures is None else
                          ComponentTotal(component, *figures)
                          for component in shape.components
                          for figures in [by_component.get(component)]]
            if "plan_cap" in by_component:
                components.append(ComponentTotal("plan_cap", *by_component["plan_cap"]))
            incentive = incentives[k]
            found.append(_record(
                payee, prior, self.results, plan.currency, shape.plans,
                self.year.fiscal_year, mine.earned, mine.earned_to_date,
                self.draws.get(payee, 0), self.recoverable, plan.negative_payout,
                [(measure, value if type(value) is Fraction else Fraction(value))
                 for measure, values in attainments for value in [values[k]]
                 if value is not None], components,
                StatementContext(names[k], None if incentive is None else int(incentive),
                                 self.period_target_incentive.get(payee, 0), measures[k]),
                mine.held, self.whole_draw))
        return found


def _record(payee: str, prior: Prior, current_year: list, currency: str, plans: tuple,
            fiscal_year: int | None, earned: int, earned_to_date: int, draw: int,
            recoverable: bool | None, negative_payout: str, attainment: list,
            components: list, context: StatementContext, held: int = 0,
            whole_draw: int = 0) -> PayeeRecord:
    """The record from what the payee's plans earned: adjustments, the balance carried in,
    the draw and the pay (PLAN_LANGUAGE.md section 5). ``whole_draw`` is the plans' draw
    for a whole payout period, of which ``draw`` is the part for the payee's days."""
    adjustments = prior.adjustments.get(payee)
    if adjustments:
        adjusted = sum(amount for amount, _ in adjustments)
        settlement = [SettlementLine("adjustment", amount, reason)
                      for amount, reason in adjustments]
    else:
        adjusted, settlement = 0, []
    balance = prior.balance.get(payee, 0)
    if not (_LOW <= min(draw, adjusted, earned + adjusted, earned_to_date)
            and max(draw, adjusted, earned + adjusted, earned_to_date) < _HIGH):
        _require_fit(payee, current_year, draw=draw, adjusted=adjusted,
                     earned=earned + adjusted, earned_to_date=earned_to_date)
    pay, carried = settle(earned + adjusted, balance, draw, recoverable, negative_payout)
    if not (_LOW <= min(pay, carried) and max(pay, carried) < _HIGH):
        _require_fit(payee, current_year, pay=pay, carried=carried)
    if balance > 0:
        settlement.append(SettlementLine("balance", -balance))
    has_draw = recoverable is not None and draw > 0
    top_up = pay - (earned + adjusted - balance) if has_draw else 0
    if top_up > 0:
        reason = "recoverable: recovered from later pay" if recoverable else \
            "not recoverable: kept whatever is earned later"
        if whole_draw and draw != whole_draw:  # a payee on the plan for part of the period
            reason += (f"; the plan's draw is {money(whole_draw, currency)} a period, "
                       "prorated to the days on the plan")
        settlement.append(SettlementLine("draw", top_up, reason, draw))
    elif pay == 0 and earned + adjusted < balance:
        settlement.append(SettlementLine("carried-forward", balance - earned - adjusted))
    return PayeeRecord(
        payee=payee, currency=currency, plans=plans, status=DRAFT, fiscal_year=fiscal_year,
        earned_to_date=earned_to_date, paid_to_date=prior.paid.get(payee, 0), earned=earned,
        adjustments=adjusted, draw=max(top_up, 0), payout=pay, carried_balance=carried,
        attainment=tuple(attainment), components=tuple(components),
        settlement=tuple(settlement), context=context, held=held)


def _newest_first(pair) -> int:
    return -pair[0].fiscal_year


_LOW, _HIGH = -(2 ** 63), 2 ** 63  # what 64-bit minor units hold: _LOW <= figure < _HIGH


@dataclass(frozen=True)
class _PlanShape:
    """What settlement reads of a plan for every payee on it, made once per plan."""
    key: str  # id@version
    plans: tuple[str]  # (key,): the record's plans when the payee has this plan alone
    components: tuple[str, ...]  # component ids in plan order
    attainment: tuple[tuple[str, str], ...]  # (measure, attainment.measure)


def _shape(plan) -> _PlanShape:
    cached = _SHAPES.get(id(plan))
    if cached is None or cached[0] is not plan:
        if len(_SHAPES) > 1_000:
            _SHAPES.clear()
        key = f"{plan.id}@{plan.version}"
        cached = _SHAPES[id(plan)] = (plan, _PlanShape(
            key, (key,), tuple(c.id for c in plan.components),
            tuple((m.name, f"attainment.{m.name}") for m in plan.measures)))
    return cached[1]


_SHAPES: dict[int, tuple] = {}  # id(plan) -> (plan, its shape)


_WHAT = {"draw": "the draw of the period", "adjusted": "the period's adjustments",
         "earned": "the earnings and adjustments of the period",
         "earned_to_date": "the earnings to date", "pay": "the pay",
         "carried": "the balance carried forward"}


def _require_fit(payee: str, results: list, **figures: int) -> None:
    """Refuse a figure a close could not record (64-bit minor units), naming the payee, the
    plan and, for a draw, the plan expression: calc fails exactly where close would."""
    for name, value in figures.items():
        if fits_int64(value):
            continue
        plans = ", ".join(year.plan.key for year, _ in results) or "no plan"
        where = ""
        if name == "draw":
            where = "; " + ", ".join(f"{year.plan.draw.source}: draw"
                                     for year, _ in results if year.plan.draw is not None)
        elif name == "adjusted":
            where = "; see the period's adjustments (icm adjust)"
        raise CalculationError(f"payee {payee} ({plans}): {_WHAT[name]} ({value} minor "
                               f"units) does not fit in 64-bit minor units{where}")


def settle(e: int, b: int, d: int, recoverable: bool | None, negative_payout: str
           ) -> tuple[int, int]:
    """(pay, balance carried) for E earned, B owed, D drawn (PLAN_LANGUAGE.md section 5)."""
    if recoverable is None or d == 0:
        if e - b >= 0:
            return e - b, 0
        return (0, b - e) if negative_payout == "carry_forward" else (e - b, 0)
    pay = max(d, e - b)
    return (pay, b + pay - e) if recoverable else (pay, max(0, b - e))
