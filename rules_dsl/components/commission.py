"""commission: a share of the payee's own credited sales, per credit row, at a rate or
through tiers on the payee's attainment or amount."""
from __future__ import annotations

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.components.rated import KEYS, RatedComponent, rated_warnings, read_rated


def read(body: Body, common: dict) -> RatedComponent:
    return RatedComponent(**common, **read_rated(body))


def earn(component: RatedComponent, context: EvaluationContext):
    return context.rated_lines(component, team=None)


TYPE = ComponentType("commission", KEYS, ("measure",), read, earn, rated_warnings)
