"""What a statement shows of each measure besides the lines: its value for the window, the
quota, the attainment and the tier boundaries that apply to it, as decimal text.

This is computed with the period and kept with a close, so a statement of a closed period
draws the chart the close saw.
"""
from __future__ import annotations

from fractions import Fraction

from engine.money import format_minor_units
from engine.reference import Money
from engine.statement_text import rate_text
from rules_dsl.plan import Plan
from rules_dsl.types import Type


def measure_context(plan: Plan, names: dict, prefix: str) -> list[dict]:
    """One entry per measure of ``plan``: ``value`` and ``quota`` (money as decimal text,
    numbers exactly), ``attainment`` (exact decimal or 10 places, null without a quota) and
    ``boundaries``, the tier starts above 0 of the commissions on that measure (a fraction
    of quota for basis attainment, money for basis amount)."""
    measures = []
    for measure in plan.measures:
        value = names.get(measure.name)
        quota = names.get(f"quota.{measure.name}")
        attainment = names.get(f"attainment.{measure.name}")
        boundaries = []
        for component in plan.components:
            if component.measure == measure.name and component.tiers is not None:
                for tier in component.tiers.table[1:]:
                    text = _value_text(tier.start, plan.currency, component.tiers.basis)
                    if text not in [b["from"] for b in boundaries]:
                        boundaries.append({"component": component.id, "from": text,
                                           "basis": component.tiers.basis})
        measures.append({
            "measure": prefix + measure.name, "type": measure.type.name.lower(),
            "value": _number_text(value, measure.type, plan.currency),
            "quota": _number_text(quota, measure.type, plan.currency),
            "attainment": rate_text(Fraction(attainment)) if attainment is not None
            else None,
            "boundaries": boundaries})
    return measures


def _value_text(start, currency: str, basis: str) -> str:
    if basis == "attainment":
        return rate_text(Fraction(start))
    return format_minor_units(int(start), currency)


def _number_text(value, measure_type: Type, currency: str) -> str | None:
    if value is None:
        return None
    if measure_type == Type.MONEY or isinstance(value, Money):
        return format_minor_units(int(value), currency)
    return rate_text(Fraction(value))
