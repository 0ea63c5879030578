"""From earnings to pay (PLAN_LANGUAGE.md section 5), per payee.

Each line key's earnings to date now, less what the last close recorded for it, gives the
period's lines: new keys are ordinary lines, changed ones true-ups, gone ones clawbacks. Their
sum is earned(P); with the adjustments dated in P it is E, which settlement turns into pay
against the balance B carried from the last close, and the draw D.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import pandas as pd

from engine.attainment import measure_context
from engine.history import Prior, key_of
from engine.money import format_minor_units, rounded_text
from engine.statement_text import line_text, money, rate_text


def settle_payee(payee: str, results: list, prior: Prior, fiscal_year: int
                 ) -> tuple[dict, dict]:
    """(the payee's JSON, what a close records for the payee). ``results`` are (plan year,
    result) pairs: this fiscal year's, then any earlier year that today's ledger changes."""
    current_year = [(y, r) for y, r in results if y.fiscal_year == fiscal_year]
    several = len(current_year) > 1
    currency = results[0][0].plan.currency if results else prior.currency.get(payee, "USD")
    components, attainment, lines, records = {}, {}, [], []
    context = {"name": None, "target_incentive": None, "period_target_incentive": None,
               "measures": []}
    earned = earned_to_date = draw = 0
    negative_payout = "carry_forward"
    recoverable = None
    for year, result in sorted(results, key=lambda pair: -pair[0].fiscal_year):
        plan = year.plan
        prefix = f"{plan.id}/" if several else ""
        this_year = year.fiscal_year == fiscal_year
        recorded = prior.recorded.get(year.fiscal_year, {}).get(payee, {})
        if this_year:
            negative_payout = plan.negative_payout
            if plan.draw is not None:
                recoverable = plan.draw.recoverable
            draw += result["draw"]
        now = {key_of(plan.id, l["component"], l["kind"], l["deal"], l["seq"]): l
               for l in result["lines"]}
        mine = {key: etd for key, (etd, _) in recorded.items() if key[0] == plan.id}
        dates = {key: day for key, (_, day) in recorded.items() if key[0] == plan.id}
        changes = []
        for key in list(now) + [k for k in mine if k not in now]:
            line = now.get(key)
            current = line["amount"] if line else 0
            before = mine.get(key, 0)
            records.append({"key": key, "line": line, "earned_to_date": current,
                            "amount": current - before, "fiscal_year": year.fiscal_year})
            if current != before:
                changes.append((key, line, before, current))
        if not this_year:
            changes.sort(key=lambda c: (c[0][1] or "", _date(c[1], dates.get(c[0])),
                                        c[0][3] or "", c[0][4] or 0))
            for key, line, before, current in changes:
                change = _change_json(key, line, before, current, currency)
                change["kind"] = "clawback" if change["kind"] == "clawback" else "true-up"
                change["text"] = f"Fiscal {year.fiscal_year}: {change['text']}"
                lines.append(change)
            earned += sum(current - before for _, _, before, current in changes)
            continue
        order = {c.id: i for i, c in enumerate(plan.components)}
        order["plan_cap"] = len(order)
        changes.sort(key=lambda c: (order.get(c[0][1], len(order)), c[0][2] == "cap",
                                    _date(c[1], dates.get(c[0])), c[0][3] or "",
                                    c[0][4] or 0))
        by_component = defaultdict(lambda: [0, 0])
        for key, line, before, current in changes:
            lines.append(_change_json(key, line, before, current, currency))
            by_component[key[1]][1] += current - before
        for key, line in now.items():
            by_component[key[1]][0] += line["amount"]
        for component in [c.id for c in plan.components] + (
                ["plan_cap"] if "plan_cap" in by_component else []):
            etd, payout = by_component.get(component, (0, 0))
            components[prefix + component] = {
                "earned_to_date": format_minor_units(etd, currency),
                "payout": format_minor_units(payout, currency)}
        earned += sum(current - before for _, _, before, current in changes)
        earned_to_date += sum(line["amount"] for line in now.values())
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
        lines.append(_plain_line("adjustment", amount, currency,
                                 f"Adjustment: {money(amount, currency)}: {reason}"))
    balance = prior.balance.get(payee, 0)
    pay, carried = settle(earned + adjusted, balance, draw, recoverable, negative_payout)
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
        lines.append(_plain_line(kind, amount, currency, text))
    document = {
        "payee": payee, "plans": [f"{y.plan.id}@{y.plan.version}" for y, _ in results],
        "currency": currency, "attainment": attainment, "components": components,
        "earned_to_date": format_minor_units(earned_to_date, currency),
        "paid_to_date": format_minor_units(prior.paid.get(payee, 0), currency),
        "adjustments": format_minor_units(adjusted, currency),
        "draw": format_minor_units(max(top_up, 0), currency),
        "payout": format_minor_units(pay, currency),
        "carried_balance": format_minor_units(carried, currency),
        "lines": lines}
    record = {"payee": payee, "currency": currency, "records": records,
              "settlement": [(kind, amount, text) for kind, amount, text in settlement]
              + [("adjustment", amount, reason) for amount, reason in adjustments],
              "earned_to_date": earned_to_date, "earned": earned, "adjustments": adjusted,
              "draw": max(top_up, 0), "payout": pay, "carried_balance": carried,
              "fiscal_year": results[0][0].fiscal_year if results else None,
              "document": document, "context": context}
    return document, record


def settle(e: int, b: int, d: int, recoverable: bool | None, negative_payout: str
           ) -> tuple[int, int]:
    """(pay, balance carried) for E earned, B owed, D drawn (PLAN_LANGUAGE.md section 5)."""
    if recoverable is None or d == 0:
        if e - b >= 0:
            return e - b, 0
        return (0, b - e) if negative_payout == "carry_forward" else (e - b, 0)
    pay = max(d, e - b)
    return (pay, b + pay - e) if recoverable else (pay, max(0, b - e))


def _date(line, recorded_date=None):
    """A line's deal date; a gone line keeps the date its close recorded."""
    if line and line["date"] is not None:
        return line["date"]
    return pd.Timestamp(recorded_date) if recorded_date is not None else pd.Timestamp.max


def _plain_line(kind: str, amount: int, currency: str, text: str) -> dict:
    return {"kind": kind, "component": None, "deal": None, "base": None, "rate": None,
            "slices": [], "amount": format_minor_units(amount, currency), "text": text + "."}


def _change_json(key, line, before: int, current: int, currency: str) -> dict:
    if line is None:  # the key has gone: a cancelled deal, or a bonus no longer earned
        kind = "clawback" if key[3] is not None else "true-up"
        what = f"Deal {key[3]}" if key[3] else key[1]
        return {"kind": kind, "component": key[1], "deal": key[3], "base": None,
                "rate": None, "slices": [], "amount": format_minor_units(-before, currency),
                "text": f"{what}: {money(before, currency)} paid before is taken back "
                        f"({money(-before, currency)})."}
    rate = line["rate"]
    document = {
        # a SPIFF is a deal line to the rep; a changed line of any kind is a true-up
        "kind": ("deal" if line["kind"] == "spiff" else line["kind"]) if before == 0
        else "true-up",
        "component": line["component"],
        "deal": line["deal"],
        "base": format_minor_units(line["base"], currency) if line["base"] is not None
        else None,
        "rate": rate_text(Fraction(*rate)) if rate else None,
        "slices": [{"base": format_minor_units(s["base"], currency),
                    "rate": rate_text(Fraction(*s["rate"])),
                    "from": _from_text(s["from"], currency)} for s in line["slices"] or []],
        "amount": format_minor_units(current - before, currency),
        "text": line_text(dict(line, amount=current), currency)}
    if before:
        why = ("its amount, credit or tier slices changed since the last close" if line["deal"]
               else "the figures it is computed from changed since the last close")
        document["text"] = (f"True-up: {money(before, currency)} earned before, "
                            f"{money(current, currency)} now ({why}). " + document["text"])
    return document


def _from_text(start, currency: str) -> str:
    if isinstance(start, Fraction):
        return rate_text(start)
    return format_minor_units(start, currency)
