"""Warnings: what a plan that checks clean says that its author probably did not mean.

`rate: 10` is a valid Number (1000%), tiers may pay less as a payee sells more, and a bonus
in a quarterly plan with an annual window is judged at every quarter's close. None of these is
an error, but each deserves a second look: `icm check` prints them at their line and column
and exits 0 (1 with --strict), and `icm plans add` prints them and registers the plan.

In: checked ``Plan`` records. Out: ``PlanError`` values with severity "warning". The rules are
written down in docs/decisions.md; the reference plans in plans/ raise none of them. A
warning about one component type lives with its type (rules_dsl/components/rated.py: rates
above 100%, falling tiers); this module asks the registry for them.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from rules_dsl import nodes
from rules_dsl.components import registry
from rules_dsl.errors import PlanError, warning_at
from rules_dsl.plan import Component, Expression, Plan

PERIODS_IN_A_YEAR = {"month": 12, "quarter": 4, "half": 2}  # payout periods shorter than a year
WINDOW_NAMESPACES = ("attainment", "team", "team_all")  # figures that grow through the year
PERIOD_NAMES = ("period.number", "period.start", "period.end")


def plan_warnings(plans: Iterable[Plan]) -> list[PlanError]:
    """Every warning of every plan, in file order."""
    return sorted(warning for plan in plans for warning in _warnings_of(plan))


def _warnings_of(plan: Plan) -> Iterator[PlanError]:
    for component in plan.components:
        yield from registry.lookup(component.type).warnings(plan, component)
        yield from _conditions_on_the_wrong_window(plan, component)


def _warning(expression: Expression, node: nodes.Node, message: str) -> PlanError:
    return warning_at(expression.source_at(node.span[0]), message)


# -- payee-level conditions judged on the year to date ---------------------------------------


def _conditions_on_the_wrong_window(plan: Plan, component: Component) -> Iterator[PlanError]:
    """A bonus's `when` or a threshold, in a plan paid monthly or quarterly on an annual
    window, reading a figure that grows through the year, and not pinned to a period. A
    component that sets its own `window:` has said how it is judged: no warning."""
    periods = PERIODS_IN_A_YEAR.get(plan.payout_period)
    if plan.window_of(component) != "annual" or component.window is not None \
            or periods is None:
        return
    conditions = _payee_conditions(component)
    if any(_reads(condition.node, PERIOD_NAMES) for _, condition in conditions):
        return  # e.g. `period.number == 4`: the author has said when it is judged
    measures = {measure.name for measure in plan.measures}
    for name, condition in conditions:
        figure = _first_growing_figure(condition.node, measures)
        if figure is not None:
            yield _warning(condition, figure, _window_message(
                name, component, nodes.dotted_name(figure), plan.payout_period, periods))


def _payee_conditions(component: Component) -> list[tuple[str, Expression]]:
    """The keys its type judges once per payee at each close (a bonus's `when`, not a
    spiff's, which is per deal), and any component's `threshold`."""
    found = [(key, getattr(component, key))
             for key in registry.lookup(component.type).payee_conditions]
    found.append(("threshold", component.threshold))
    return [(key, condition) for key, condition in found if condition is not None]


def _reads(node: nodes.Node, names: tuple[str, ...]) -> bool:
    return any(nodes.dotted_name(sub) in names for sub in nodes.walk(node))


def _first_growing_figure(node: nodes.Node, measures: set[str]) -> nodes.Node | None:
    """The first name in the condition whose value is a sum from the fiscal year's start: a
    measure, or its attainment or team figure (a quota alone is the same all year)."""
    figures = [sub for sub in nodes.walk(node) if _is_growing_figure(sub, measures)]
    return min(figures, key=lambda sub: sub.span[0], default=None)


def _is_growing_figure(node: nodes.Node, measures: set[str]) -> bool:
    if isinstance(node, nodes.Name):
        return node.name in measures
    namespace, _, measure = (nodes.dotted_name(node) or "").partition(".")
    return isinstance(node, nodes.Member) and namespace in WINDOW_NAMESPACES and \
        measure in measures


def _window_message(key: str, component: Component, figure: str, period: str,
                    periods: int) -> str:
    namespace, _, measure = figure.rpartition(".")
    read = {"attainment": f"{measure} from the fiscal year's start against the full-year quota",
            "team": f"the team's {measure} from the fiscal year's start",
            "team_all": f"the whole team's {measure} from the fiscal year's start",
            "": f"{measure} from the fiscal year's start"}[namespace]
    effect = (f"the bonus pays in the first {period} where it holds and is taken back if it "
              "stops holding" if key == "when" else
              f"the {component.type} earns nothing until the first {period} where it holds, "
              "then all it has earned since the year's start, and gives that back if it stops "
              "holding")
    ytd = (", or `ytd` to judge the year to date against the quota to date"
           if namespace == "attainment" else "")
    return (f"`{key}` is judged at every {period}'s close on {read} (attainment_window: "
            f"annual): {effect}. To judge it once at the year's end, add `and period.number "
            f"== {periods}`; to judge each {period} on its own figures, use "
            f"`attainment_window: period`{ytd}")
