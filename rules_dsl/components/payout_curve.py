"""payout_curve: target incentive x weight x the curve's payout at the payee's attainment,
rounded once per payee and window."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import yaml

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.figures import money, percent, short_percent
from rules_dsl.money import round_fraction
from rules_dsl.plan import Component, CurvePoint, Expression
from rules_dsl.types import Type


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutCurve(Component):
    attainment: Expression | None = None
    curve: tuple[CurvePoint, ...] = ()
    weight: Expression | None = None
    interpolate: str = "linear"  # linear | step | step_after

    def body_expressions(self) -> tuple[Expression | None, ...]:
        return (self.attainment, self.weight)


def read(body: Body, common: dict) -> PayoutCurve:
    reader, keys = body.reader, body.keys
    fields: dict = {}
    if "attainment" in keys:
        fields["attainment"] = reader.expression(keys["attainment"], body.payee,
                                                 (Type.NUMBER,), "the curve's attainment")
    if "weight" in keys:
        fields["weight"] = reader.expression(keys["weight"], body.payee, (Type.NUMBER,),
                                             "the weight")
    fields["interpolate"] = reader.choice(keys.get("interpolate"), "interpolate",
                                          ("linear", "step", "step_after"), "linear")
    if "curve" in keys:
        fields["curve"] = _read_curve(reader, keys["curve"])
    return PayoutCurve(**common, **fields)


def _read_curve(reader, node) -> tuple[CurvePoint, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        reader.error(node, "a curve is a list of points [attainment, payout], e.g. "
                           "[[0%, 0%], [100%, 100%]]")
        return ()
    points = []
    for point in node.value:
        if not (isinstance(point, yaml.SequenceNode) and len(point.value) == 2):
            reader.error(point, "a curve point is a pair [attainment, payout], e.g. "
                                "[100%, 100%]")
            continue
        x = reader.literal(point.value[0], Type.NUMBER, "a curve point's attainment")
        y = reader.literal(point.value[1], Type.NUMBER, "a curve point's payout")
        if x is None or y is None:
            continue
        if points and x < points[-1].x:
            reader.error(point.value[0], "curve points must not go back: each attainment is "
                                         "at least the one before")
        points.append(CurvePoint(x, y, reader.source(point)))
    return tuple(points)


def earn(component: PayoutCurve, context: EvaluationContext):
    return context.payee_lines(component, lambda payee: _amount_and_note(component, context,
                                                                         payee))


def _amount_and_note(component: PayoutCurve, context: EvaluationContext,
                     payee: str) -> tuple[int, str]:
    attainment = Fraction(context.scalar(component.attainment, payee))
    weight = Fraction(context.scalar(component.weight, payee)) \
        if component.weight is not None else Fraction(1)
    factor = curve_value(component.curve, attainment, component.interpolate)
    target = int(context.value("target_incentive", payee))
    band = ""
    if component.interpolate == "step_after" and attainment > component.curve[0].x:
        start = component.curve[_last_below(component.curve, attainment)].x
        band = f" (the band above {short_percent(start)})"
    note = (f"target incentive {money(target, context.currency)} x "
            f"weight {percent(weight)} x the curve at {short_percent(attainment)} attainment, "
            f"{percent(factor)}{band}")
    return round_fraction(target * weight * factor, context.rounding), note


def curve_value(points, attainment: Fraction, interpolate: str) -> Fraction:
    """Flat below the first point and beyond the last; at a repeated x the later point
    applies from that x on. ``step_after``: the last point whose x is below the attainment
    (a band "above 70% to 80%" includes 80%), the first point's value at or below it."""
    if interpolate == "step_after":
        if attainment <= points[0].x:
            return points[0].y
        return points[_last_below(points, attainment)].y
    if attainment < points[0].x:
        return points[0].y
    last = max(i for i, p in enumerate(points) if p.x <= attainment)
    if interpolate == "step" or last == len(points) - 1:
        return points[last].y
    low, high = points[last], points[last + 1]
    if high.x == low.x:
        return high.y
    return low.y + (high.y - low.y) * (attainment - low.x) / (high.x - low.x)


def _last_below(points, attainment: Fraction) -> int:
    """The last point whose x is below ``attainment`` (above the first point's x): where
    its ``step_after`` band starts."""
    return max(i for i, p in enumerate(points) if p.x < attainment)


TYPE = ComponentType("payout_curve", ("attainment", "curve", "weight", "interpolate"),
                     ("attainment", "curve"), read, earn)
