"""The one sentence a rep reads beside each line: which deal, which base, which rate, which tier."""
from __future__ import annotations

import functools
from fractions import Fraction

from engine.money import decimal_text, format_grouped, round_fraction, rounded_text


@functools.lru_cache(maxsize=4096)  # a plan has a handful of distinct rates
def rate_text(rate: Fraction) -> str:
    """A rate as exact decimal text, or to ten places when it has no finite expansion."""
    try:
        return decimal_text(rate)
    except ValueError:
        return decimal_text(Fraction(round_fraction(rate * 10 ** 10, "half_even"), 10 ** 10))


@functools.lru_cache(maxsize=4096)
def percent(rate: Fraction) -> str:
    return f"{rate_text(rate * 100)}%"


def short_percent(value: Fraction) -> str:
    """A ratio as a percent to two places (half even), for attainment read by a person."""
    return f"{rounded_text(value * 100, 2)}%"


def money(units: int, currency: str) -> str:
    return f"{format_grouped(units, currency)} {currency}"


def line_text(line: dict, currency: str) -> str:
    amount = money(line["amount"], currency)
    if line["kind"] == "cap":
        what = "the plan" if line["component"] == "plan_cap" else line["component"]
        return f"Cap on {what}: earnings above {money(line['cap'], currency)} are not paid " \
               f"({amount})."
    if line["deal"] is None:
        how = f"{line['note']} = " if line.get("note") else ""
        return f"{line['component']}: {how}{amount}."
    credited = f" credited to {line['report']}" if line.get("report") else ""
    head = f"Deal {line['deal']}{credited} on {line['date'].date()}"
    if line.get("note"):
        return f"{head}: {line['note']}."
    if line["kind"] == "spiff":
        return f"{head}: SPIFF {line['component']}, {amount}."
    if line["slices"]:
        parts = [f"{money(s['base'], currency)} at {percent(Fraction(*s['rate']))} "
                 f"(tier from {_from(s['from'], currency)})" for s in line["slices"]]
        return f"{head}, base {money(line['base'], currency)}: {', '.join(parts)} = {amount}."
    rate = Fraction(*line["rate"]) if line["rate"] else None
    rated = f" at {percent(rate)}" if rate is not None else ""
    return f"{head}, base {money(line['base'], currency)}{rated} = {amount}."


def _from(start, currency: str) -> str:
    if isinstance(start, Fraction):
        return f"{percent(start)} of quota"
    return money(start, currency)
