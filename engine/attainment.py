"""What a statement shows of each measure besides the lines: its value for the window, the
quota, the attainment and the tier boundaries that apply to it, as decimal text.

This is computed with the period and kept with a close, so a statement of a closed period
draws the chart the close saw.
"""
from __future__ import annotations

from fractions import Fraction

from rules_dsl.components.rated import RatedComponent
from rules_dsl.money import Money, format_minor_units
from rules_dsl.figures import rate_text
from rules_dsl.plan import Plan
from rules_dsl.types import Type


def measure_context(plan: Plan, names: dict, prefix: str) -> list[dict]:
    """One entry per measure of ``plan``: ``value`` and ``quota`` (money as decimal text,
    numbers exactly), ``attainment`` (exact decimal or 10 places, null without a quota) and
    ``boundaries``, the tier starts above 0 of the commissions on that measure (a fraction
    of quota for basis attainment, money for basis amount).

    A measure that an override pays on comes first as its team measure (`team.M` over the
    payee's quota.M, which is what the override's tiers read), carrying the override's tier
    starts: a manager's own bookings over the team's quota says nothing."""
    team_entries, own_entries = [], []
    for measure in plan.measures:
        quota = names.get(f"quota.{measure.name}")
        for component in plan.components:
            if _on_team(component) and component.measure == measure.name:
                scope = "team." if component.team_scope() == "direct" else "team_all."
                value = names.get(scope + measure.name)
                if value is not None and not any(e["measure"] == prefix + scope + measure.name
                                                 for e in team_entries):
                    team_entries.append(_entry(
                        prefix + scope + measure.name, measure.type, value, quota,
                        Fraction(value) / Fraction(quota) if quota else None,
                        _boundaries(plan, measure.name, overrides=True), plan.currency))
        own_entries.append(_entry(prefix + measure.name, measure.type, names.get(measure.name),
                                  quota, names.get(f"attainment.{measure.name}"),
                                  _boundaries(plan, measure.name, overrides=False),
                                  plan.currency))
    return team_entries + own_entries


def _entry(name, measure_type, value, quota, attainment, boundaries, currency) -> dict:
    return {"measure": name, "type": measure_type.name.lower(),
            "value": _number_text(value, measure_type, currency),
            "quota": _number_text(quota, measure_type, currency),
            "attainment": rate_text(Fraction(attainment)) if attainment is not None else None,
            "boundaries": boundaries}


def _boundaries(plan: Plan, measure: str, overrides: bool) -> list[dict]:
    found = []
    for component in plan.components:
        if not isinstance(component, RatedComponent) or component.measure != measure or \
                component.tiers is None or _on_team(component) != overrides:
            continue
        for tier in component.tiers.table[1:]:
            text = _value_text(tier.start, plan.currency, component.tiers.basis)
            if text not in [b["from"] for b in found]:
                found.append({"component": component.id, "from": text,
                              "basis": component.tiers.basis})
    return found


def _on_team(component) -> bool:
    """Paid per credit row of the payee's team (an override)."""
    return isinstance(component, RatedComponent) and component.team_scope() is not None


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
