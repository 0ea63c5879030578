"""From earnings to pay (PLAN_LANGUAGE.md section 5), per payee.

The period's lines are the keys whose earnings to date changed since the last close
(``engine.changes``): new keys are ordinary lines, changed ones true-ups, gone ones clawbacks.
Their sum is earned(P); with the adjustments dated in P it is E, which settlement turns into pay
against the balance B carried from the last close, and the draw D.
"""
from __future__ import annotations

from fractions import Fraction

from engine.attainment import measure_context
from engine.changes import PayeeLines
from engine.earnings import CalculationError
from ledger.history import Prior
from rules_dsl.money import fits_int64, format_minor_units, rounded_text
from rules_dsl.figures import money


def settle_payee(payee: str, results: list, prior: Prior, fiscal_year: int
                 ) -> tuple[dict, dict]:
    """(the payee's JSON, what a close records for the payee). ``results`` are (plan year,
    result) pairs: this fiscal year's, then any earlier year that today's ledger changes;
    a result holds the payee's ``PayeeLines`` as "lines"."""
    current_year = [(y, r) for y, r in results if y.fiscal_year == fiscal_year]
    several = len(current_year) > 1
    currency = results[0][0].plan.currency if results else prior.currency.get(payee, "USD")
    components, attainment, lines_json = {}, {}, []
    context = {"name": None, "target_incentive": None, "period_target_incentive": None,
               "measures": []}
    earned = earned_to_date = draw = 0
    negative_payout = "carry_forward"
    recoverable = None
    for year, result in sorted(results, key=lambda pair: -pair[0].fiscal_year):
        plan = year.plan
        prefix = f"{plan.id}/" if several else ""
        this_year = year.fiscal_year == fiscal_year
        mine: PayeeLines = result["lines"]
        if this_year:
            negative_payout = plan.negative_payout
            if plan.draw is not None:
                recoverable = plan.draw.recoverable
            draw += result["draw"]
        changes = mine.changes  # (key, JSON line, change, (deal date, deal, seq))
        earned += sum(change for _, _, change, _ in changes)
        if not this_year:
            changes.sort(key=lambda c: (c[0][1] or "", c[0][2] == "cap", c[3]))
            for _, document, _, _ in changes:
                document = dict(document, text=f"Fiscal {year.fiscal_year}: "
                                               f"{document['text']}")
                if document["kind"] != "clawback":
                    document["kind"] = "true-up"
                lines_json.append(document)
            continue
        order = {c.id: i for i, c in enumerate(plan.components)}
        order["plan_cap"] = len(order)
        changes.sort(key=lambda c: (order.get(c[0][1], len(order)), c[0][2] == "cap", c[3]))
        lines_json += [document for _, document, _, _ in changes]
        by_component = mine.components
        for component in [c.id for c in plan.components] + (
                ["plan_cap"] if "plan_cap" in by_component else []):
            etd, payout = by_component.get(component, (0, 0))
            components[prefix + component] = {
                "earned_to_date": format_minor_units(etd, currency),
                "payout": format_minor_units(payout, currency)}
        earned_to_date += mine.earned_to_date
        values = result["values"].names if result["values"] else {}
        context["measures"] += measure_context(plan, values, prefix)
        context["name"] = context["name"] or values.get("payee.name")
        context["period_target_incentive"] = (context["period_target_incentive"] or 0) + \
            result.get("period_target_incentive", 0)
        if values.get("target_incentive") is not None:
            context["target_incentive"] = (context["target_incentive"] or 0) + int(
                values["target_incentive"])
        for measure in plan.measures:
            value = values.get(f"attainment.{measure.name}")
            if value is not None:
                attainment[prefix + measure.name] = rounded_text(Fraction(value), 4)
    adjustments = prior.adjustments.get(payee, [])
    adjusted = sum(amount for amount, _ in adjustments)
    for amount, reason in adjustments:
        lines_json.append(_plain_line("adjustment", amount, currency,
                                      f"Adjustment: {money(amount, currency)}: {reason}"))
    balance = prior.balance.get(payee, 0)
    _require_fit(payee, current_year, draw=draw, adjusted=adjusted, earned=earned + adjusted,
                 earned_to_date=earned_to_date)
    pay, carried = settle(earned + adjusted, balance, draw, recoverable, negative_payout)
    _require_fit(payee, current_year, pay=pay, carried=carried)
    settlement = []
    if balance > 0:
        settlement.append(("balance", -balance, f"Balance brought forward from earlier "
                                                f"periods: {money(-balance, currency)}"))
    has_draw = recoverable is not None and draw > 0
    top_up = pay - (earned + adjusted - balance) if has_draw else 0
    if top_up > 0:
        settlement.append(("draw", top_up, f"Draw: {money(top_up, currency)} brings the pay "
                                           f"up to the {money(draw, currency)} draw"))
    elif pay == 0 and earned + adjusted < balance:
        settlement.append(("carried-forward", balance - earned - adjusted,
                           f"Carried forward: {money(carried, currency)} to be recovered "
                           "from later pay"))
    for kind, amount, text in settlement:
        lines_json.append(_plain_line(kind, amount, currency, text))
    document = {
        "payee": payee, "plans": [f"{y.plan.id}@{y.plan.version}" for y, _ in results],
        "currency": currency, "attainment": attainment, "components": components,
        "earned_to_date": format_minor_units(earned_to_date, currency),
        "paid_to_date": format_minor_units(prior.paid.get(payee, 0), currency),
        "adjustments": format_minor_units(adjusted, currency),
        "draw": format_minor_units(max(top_up, 0), currency),
        "payout": format_minor_units(pay, currency),
        "carried_balance": format_minor_units(carried, currency),
        "lines": lines_json}
    record = {"payee": payee, "currency": currency,
              "settlement": [(kind, amount, text) for kind, amount, text in settlement]
              + [("adjustment", amount, reason) for amount, reason in adjustments],
              "earned_to_date": earned_to_date, "earned": earned, "adjustments": adjusted,
              "draw": max(top_up, 0), "payout": pay, "carried_balance": carried,
              "fiscal_year": results[0][0].fiscal_year if results else None,
              "document": document, "context": context}
    return document, record


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


def _plain_line(kind: str, amount: int, currency: str, text: str) -> dict:
    return {"kind": kind, "component": None, "deal": None, "base": None, "rate": None,
            "slices": [], "amount": format_minor_units(amount, currency), "text": text + "."}
