"""Warnings: what a plan that checks clean says that its author probably did not mean.

`rate: 10` is a valid Number (1000%), tiers may pay less as a payee sells more, and a bonus
in a quarterly plan with an annual window is judged at every quarter's close. None of these is
an error, but each deserves a second look: `icm check` prints them at their line and column
and exits 0 (1 with --strict), and `icm plans add` prints them and registers the plan.

In: checked ``Plan`` records. Out: ``PlanError`` values with severity "warning". The rules are
written down in docs/decisions.md; the reference plans in plans/ raise none of them.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Iterator

from rules_dsl.figures import percent
from rules_dsl import nodes
from rules_dsl.errors import WARNING, PlanError
from rules_dsl.plan import Component, Expression, Plan, Tiers

RATED = ("commission", "override")
PERIODS_IN_A_YEAR = {"month": 12, "quarter": 4}  # payout periods shorter than a year
WINDOW_NAMESPACES = ("attainment", "team", "team_all")  # figures that grow through the year
PERIOD_NAMES = ("period.number", "period.start", "period.end")


def plan_warnings(plans: Iterable[Plan]) -> list[PlanError]:
    """Every warning of every plan, in file order."""
    return sorted(warning for plan in plans for warning in _warnings_of(plan))


def _warnings_of(plan: Plan) -> Iterator[PlanError]:
    for component in plan.components:
        if component.type in RATED:
            yield from _rates_above_one(component)
            if component.tiers is not None:
                yield from _falling_tiers(component.tiers)
        yield from _conditions_on_the_wrong_window(plan, component)


def _warning(expression: Expression, node: nodes.Node, message: str) -> PlanError:
    source = expression.source_at(node.span[0])
    return PlanError(source.file, source.line, source.col, message, WARNING)


# -- rates above 100% -----------------------------------------------------------------------


def _rates_above_one(component: Component) -> Iterator[PlanError]:
    rates = [component.rate] if component.rate is not None else []
    rates += [tier.rate for tier in component.tiers.table] if component.tiers else []
    for rate in rates:
        for node, value in _constant_outcomes(rate.node):
            if value > 1:
                yield _warning(rate, node, f"this rate is {percent(value)}, more than the whole "
                                           f"amount it is paid on{_percent_hint(node)}")


def _constant_outcomes(node: nodes.Node) -> list[tuple[nodes.Node, Fraction]]:
    """The values an expression can take that are known before any deal is read: its own,
    or those of the branches of an `if ... else`. A value that reads a name is not known."""
    value = nodes.constant_value(node)
    if value is not None:
        return [(node, value)]
    if isinstance(node, nodes.Conditional):
        return _constant_outcomes(node.then) + _constant_outcomes(node.otherwise)
    return []


def _percent_hint(node: nodes.Node) -> str:
    """`rate: 10` is most likely 10% written without its percent sign."""
    if isinstance(node, nodes.Number) and node.value <= 100:
        return f"; did you mean `{percent(node.value / 100)}`?"
    return ""


# -- tiers whose rates fall ----------------------------------------------------------------


def _falling_tiers(tiers: Tiers) -> Iterator[PlanError]:
    for lower, upper in zip(tiers.table, tiers.table[1:]):
        below, above = (nodes.constant_value(t.rate.node) for t in (lower, upper))
        if below is None or above is None or above >= below:
            continue
        effect = ("reaching it lowers the rate of every deal in the window, so selling more "
                  "can pay less" if tiers.method == "retroactive" else
                  "what is booked past its start earns less than what was booked before")
        message = f"the tier rates fall here, from {percent(below)} to {percent(above)}: {effect}"
        yield _warning(upper.rate, upper.rate.node, message)


# -- payee-level conditions judged on the year to date ---------------------------------------


def _conditions_on_the_wrong_window(plan: Plan, component: Component) -> Iterator[PlanError]:
    """A bonus's `when` or a threshold, in a plan paid monthly or quarterly on an annual
    window, reading a figure that grows through the year, and not pinned to a period."""
    periods = PERIODS_IN_A_YEAR.get(plan.payout_period)
    if plan.attainment_window != "annual" or periods is None:
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
    """A bonus's `when` and any component's `threshold` (a spiff's `when` is per deal)."""
    found = [("when", component.when)] if component.type == "bonus" else []
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
