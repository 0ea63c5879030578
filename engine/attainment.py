"""What a statement shows of each measure besides the lines: its value for the window, the
quota, the attainment and the tier boundaries that apply to it, as exact figures
(``ledger.records.MeasureFigures``).

This is computed with the period and kept with a close, so a statement of a closed period
draws the chart the close saw.
"""
from __future__ import annotations

from fractions import Fraction

from rules_dsl.components.rated import RatedComponent
from rules_dsl.money import Money
from ledger.records import MeasureFigures, TierBoundary
from rules_dsl.plan import Plan
from rules_dsl.types import Type


def measure_context(plan: Plan, names: dict, prefix: str) -> list[MeasureFigures]:
    """One entry per measure of ``plan``: ``value`` and ``quota`` (money as ``Money``,
    numbers as Fractions), ``attainment`` (None without a quota) and ``boundaries``, the
    tier starts above 0 of the commissions on that measure (a fraction of quota for basis
    attainment, money for basis amount).

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
                if value is not None and not any(e.measure == prefix + scope + measure.name
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


def _entry(name, measure_type, value, quota, attainment, boundaries, currency
           ) -> MeasureFigures:
    return MeasureFigures(name, measure_type.name.lower(), _number(value, measure_type),
                          _number(quota, measure_type),
                          Fraction(attainment) if attainment is not None else None,
                          tuple(boundaries))


def _boundaries(plan: Plan, measure: str, overrides: bool) -> list[TierBoundary]:
    """The tier starts of the plan's rated components on ``measure``, made once per plan
    (every payee of a plan shares them)."""
    key = (id(plan), measure, overrides)
    cached = _BOUNDARIES.get(key)
    if cached is None or cached[0] is not plan:
        if len(_BOUNDARIES) > 1_000:
            _BOUNDARIES.clear()
        cached = _BOUNDARIES[key] = (plan, tuple(_find_boundaries(plan, measure, overrides)))
    return cached[1]


_BOUNDARIES: dict[tuple, tuple] = {}  # (id(plan), measure, overrides) -> (plan, boundaries)


def _find_boundaries(plan: Plan, measure: str, overrides: bool) -> list[TierBoundary]:
    found = []
    for component in plan.components:
        if not isinstance(component, RatedComponent) or component.measure != measure or \
                component.tiers is None or _on_team(component) != overrides:
            continue
        for tier in component.tiers.table[1:]:
            start = _start(tier.start, component.tiers.basis)
            if start not in [b.start for b in found]:
                found.append(TierBoundary(component.id, start, component.tiers.basis))
    return found


def _on_team(component) -> bool:
    """Paid per credit row of the payee's team (an override)."""
    return isinstance(component, RatedComponent) and component.team_scope() is not None


def _start(start, basis: str):
    return Fraction(start) if basis == "attainment" else Money(int(start))


def _number(value, measure_type: Type):
    """Money as ``Money`` (minor units), anything else as an exact Fraction."""
    if value is None:
        return None
    if measure_type == Type.MONEY or isinstance(value, Money):
        return Money(int(value))
    return Fraction(value)
