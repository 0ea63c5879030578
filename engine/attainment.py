"""What a statement shows of each measure besides the lines: its value for the window, the
quota, the attainment and the tier boundaries that apply to it, as exact figures
(``ledger.records.MeasureFigures``).

This is computed with the period and kept with a close, so a statement of a closed period
draws the chart the close saw.
"""
from __future__ import annotations

from dataclasses import dataclass
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
    for shape in _shapes(plan):
        quota = names.get(shape.quota)
        for scoped, boundaries in shape.team:
            value = names.get(scoped)
            if value is not None and not any(e.measure == prefix + scoped
                                             for e in team_entries):
                team_entries.append(_entry(
                    prefix + scoped, shape.type, value, quota,
                    Fraction(value) / Fraction(quota) if quota else None, boundaries))
        own_entries.append(_entry(prefix + shape.name, shape.type, names.get(shape.name),
                                  quota, names.get(shape.attainment), shape.boundaries))
    return team_entries + own_entries


def measure_columns(plan: Plan, column, count: int) -> list[tuple[MeasureFigures, ...]]:
    """``measure_context(plan, names, "")`` of ``count`` payees at once, their names read
    as columns: ``column(name)`` lists each payee's value, None where it has none."""
    team = [[] for _ in range(count)]
    own = [[] for _ in range(count)]
    for shape in _shapes(plan):
        quotas = column(shape.quota)
        # a scope once per measure (two overrides on it share the measure's boundaries)
        for scoped, boundaries in dict(shape.team).items():
            for entries, value, quota in zip(team, column(scoped), quotas):
                if value is not None:
                    entries.append(_entry(scoped, shape.type, value, quota,
                                          Fraction(value) / Fraction(quota) if quota else None,
                                          boundaries))
        for entries, value, quota, attainment in zip(own, column(shape.name), quotas,
                                                      column(shape.attainment)):
            entries.append(_entry(shape.name, shape.type, value, quota, attainment,
                                  shape.boundaries))
    return [tuple(t + o) for t, o in zip(team, own)]


@dataclass(frozen=True)
class _Shape:
    """What every payee's entry of one measure shares: its names and tier boundaries."""
    name: str
    type: Type
    quota: str  # quota.M
    attainment: str  # attainment.M
    team: tuple  # (team.M or team_all.M, the overrides' boundaries) per override on M
    boundaries: tuple  # the commissions' boundaries on M


def _shapes(plan: Plan) -> tuple[_Shape, ...]:
    """The plan's measure shapes, made once per plan (``measure_context`` runs per payee)."""
    cached = _SHAPES.get(id(plan))
    if cached is None or cached[0] is not plan:
        if len(_SHAPES) > 1_000:
            _SHAPES.clear()
        shapes = tuple(_Shape(
            measure.name, measure.type, f"quota.{measure.name}", f"attainment.{measure.name}",
            tuple(("team." if component.team_scope() == "direct" else "team_all.")
                  + measure.name for component in plan.components
                  if _on_team(component) and component.measure == measure.name),
            tuple(_find_boundaries(plan, measure.name, overrides=False)))
            for measure in plan.measures)
        team = {measure.name: tuple(_find_boundaries(plan, measure.name, overrides=True))
                for measure in plan.measures}
        shapes = tuple(_Shape(s.name, s.type, s.quota, s.attainment,
                              tuple((scoped, team[s.name]) for scoped in s.team), s.boundaries)
                       for s in shapes)
        cached = _SHAPES[id(plan)] = (plan, shapes)
    return cached[1]


_SHAPES: dict[int, tuple] = {}  # id(plan) -> (plan, its measure shapes)


def _entry(name, measure_type, value, quota, attainment, boundaries) -> MeasureFigures:
    return MeasureFigures(name, measure_type.name.lower(), _number(value, measure_type),
                          _number(quota, measure_type),
                          None if attainment is None else attainment
                          if type(attainment) is Fraction else Fraction(attainment),
                          boundaries)


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
    if type(value) is Money or (type(value) is Fraction and measure_type != Type.MONEY):
        return value  # already what the conversion below would make, and immutable
    if measure_type == Type.MONEY or isinstance(value, Money):
        return Money(int(value))
    return Fraction(value)
