"""From earnings to pay (PLAN_LANGUAGE.md section 5), per payee.

Each line key's earnings to date now, less what the last close recorded for it, gives the
period's lines: new keys are ordinary lines, changed ones true-ups, gone ones clawbacks. Their
sum is earned(P); with the adjustments dated in P it is E, which settlement turns into pay
against the balance B carried from the last close, and the draw D.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
from engine.attainment import measure_context
from engine.history import Prior
from engine.lines import KEY
from engine.money import format_minor_units, rounded_text
from engine.statement_text import line_text, money, rate_text


@dataclass
class PayeeLines:
    """One payee's lines of one plan year against the last close: what settlement reads."""
    changes: list = field(default_factory=list)  # (key, line or None, before, now, recorded
    # date) of each key whose earnings to date changed; the line is None once it has gone
    components: dict = field(default_factory=dict)  # component -> (earned to date, change)
    earned_to_date: int = 0


def compare(earned: pd.DataFrame, recorded: pd.DataFrame, payees: list[str]) -> pd.DataFrame:
    """Every line key of ``payees`` that is earned now or that the last close recorded: the
    line's columns, ``current`` and ``before`` (0 where missing), ``recorded_date`` and
    ``present`` (False for a recorded key that is gone). No money column passes through a
    float on the way."""
    now = earned[earned["payee"].isin(payees)].reset_index(drop=True)
    before = recorded[recorded["payee"].isin(payees)].reset_index(drop=True)
    match = now[KEY].merge(before[KEY].assign(row=np.arange(len(before))), on=KEY,
                           how="left", sort=False)["row"]
    hit = match.notna().to_numpy()
    row = match.fillna(0).to_numpy(dtype=np.int64)
    amounts = before["before"].to_numpy(dtype=np.int64)
    dates = before["recorded_date"].to_numpy(dtype=object)
    now = now.assign(current=now["amount"],
                     before=np.where(hit, amounts[row], 0) if len(before) else 0,
                     recorded_date=np.where(hit, dates[row], None) if len(before) else None,
                     present=True)
    gone_rows = np.ones(len(before), dtype=bool)
    gone_rows[row[hit]] = False
    gone = before[gone_rows]
    gone = lines.table(len(gone), payee=gone["payee"].to_numpy(dtype=object),
                       component=gone["component"].to_numpy(dtype=object),
                       kind=gone["kind"].to_numpy(dtype=object), amount=0,
                       deal=gone["deal"].to_numpy(dtype=object),
                       seq=gone["seq"].to_numpy(dtype=np.int64)).assign(
        current=0, before=gone["before"].to_numpy(dtype=np.int64),
        recorded_date=gone["recorded_date"].to_numpy(dtype=object), present=False)
    return lines.combine([now, gone])


def payee_lines(compared: pd.DataFrame, plan) -> dict[str, PayeeLines]:
    """Per payee: the changed keys (only these become dicts), and sums per component."""
    found: dict[str, PayeeLines] = defaultdict(PayeeLines)
    change = compared["current"] - compared["before"]
    shown = compared[compared["present"] | (change != 0)]
    sums = shown.assign(change=change).groupby(["payee", "component"], sort=False)[
        ["current", "change"]].sum()
    for (payee, component), current, changed in zip(sums.index, sums["current"].tolist(),
                                                    sums["change"].tolist()):
        found[payee].components[component] = (current, changed)
        found[payee].earned_to_date += current
    changed = compared[change != 0]
    present = changed["present"].to_numpy()
    dicts = iter(lines.line_dicts(changed[present], lines.tier_starts(plan)))
    for payee, component, capped, deal, seq, before, current, recorded_date, here in zip(
            *[changed[c].tolist() for c in KEY + ["before", "current", "recorded_date"]],
            present.tolist()):
        key = (plan.id, component, "cap" if capped else "line", deal or None, seq or None)
        found[payee].changes.append((key, next(dicts) if here else None, before, current,
                                     recorded_date))
    return found


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
        changes = mine.changes
        if not this_year:
            changes.sort(key=lambda c: (c[0][1] or "", _date(c[1], c[4]), c[0][3] or "",
                                        c[0][4] or 0))
            for key, line, before, current, _ in changes:
                change = _change_json(key, line, before, current, currency)
                change["kind"] = "clawback" if change["kind"] == "clawback" else "true-up"
                change["text"] = f"Fiscal {year.fiscal_year}: {change['text']}"
                lines_json.append(change)
            earned += sum(current - before for _, _, before, current, _ in changes)
            continue
        order = {c.id: i for i, c in enumerate(plan.components)}
        order["plan_cap"] = len(order)
        changes.sort(key=lambda c: (order.get(c[0][1], len(order)), c[0][2] == "cap",
                                    _date(c[1], c[4]), c[0][3] or "", c[0][4] or 0))
        for key, line, before, current, _ in changes:
            lines_json.append(_change_json(key, line, before, current, currency))
        by_component = mine.components
        for component in [c.id for c in plan.components] + (
                ["plan_cap"] if "plan_cap" in by_component else []):
            etd, payout = by_component.get(component, (0, 0))
            components[prefix + component] = {
                "earned_to_date": format_minor_units(etd, currency),
                "payout": format_minor_units(payout, currency)}
        earned += sum(current - before for _, _, before, current, _ in changes)
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
