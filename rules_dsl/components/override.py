"""override: a manager's share of the team's credited sales (direct reports, or everyone
below), per credit row, at a rate or through tiers over the manager's own quota."""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.components.rated import RatedComponent, rated_warnings, read_rated

TEAMS = ("direct", "all")


@dataclass(frozen=True, slots=True, kw_only=True)
class Override(RatedComponent):
    team: str | None = None  # direct | all

    def team_scope(self) -> str:
        return "direct" if self.team == "direct" else "all"


def read(body: Body, common: dict) -> Override:
    team = body.reader.choice(body.keys.get("team"), "team", TEAMS, None)
    return Override(**common, **read_rated(body), team=team)


def earn(component: Override, context: EvaluationContext):
    return context.rated_lines(component, team=component.team_scope())


TYPE = ComponentType("override", ("measure", "team", "rate", "tiers"), ("measure", "team"),
                     read, earn, rated_warnings)
