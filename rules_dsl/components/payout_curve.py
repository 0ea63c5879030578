"""payout_curve: target incentive x weight x the curve's payout at the payee's attainment,
rounded once per payee and window; or, for a curve whose payouts are Money, that amount x
weight (PLAN_LANGUAGE.md 7.6). Points are payee-level expressions, evaluated per payee."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import yaml

from rules_dsl import nodes
from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.figures import money, percent, short_percent
from rules_dsl.icm_error import IcmError
from rules_dsl.money import round_fraction
from rules_dsl.plan import Component, CurvePoint, Expression, Source
from rules_dsl.types import Type


@dataclass(frozen=True, slots=True)
class PointExpression:
    """A curve point as written: its attainment and payout, payee-level expressions."""
    x: Expression
    y: Expression
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutCurve(Component):
    attainment: Expression | None = None
    curve: tuple[PointExpression, ...] = ()
    weight: Expression | None = None
    interpolate: str = "linear"  # linear | step | step_after

    @property
    def pays_money(self) -> bool:
        """Money payouts are paid as they are, not as a share of target incentive."""
        return bool(self.curve) and self.curve[0].y.type == Type.MONEY

    def body_expressions(self) -> tuple[Expression | None, ...]:
        return (self.attainment, self.weight,
                *(e for point in self.curve for e in (point.x, point.y)))


class CurveError(IcmError):
    """A curve whose points, evaluated for a payee, go back."""


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
        fields["curve"] = _read_curve(reader, body, keys["curve"])
    return PayoutCurve(**common, **fields)


def _read_curve(reader, body: Body, node) -> tuple[PointExpression, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        reader.error(node, "a curve is a list of points [attainment, payout], e.g. "
                           "[[0%, 0%], [100%, 100%]]")
        return ()
    points, first_type, last_x = [], None, None
    for point in node.value:
        if not (isinstance(point, yaml.SequenceNode) and len(point.value) == 2):
            reader.error(point, "a curve point is a pair [attainment, payout], e.g. "
                                "[100%, 100%]")
            continue
        x = reader.expression(point.value[0], body.payee, (Type.NUMBER,),
                              "a curve point's attainment")
        y = reader.expression(point.value[1], body.payee, (Type.NUMBER, Type.MONEY),
                              "a curve point's payout")
        if x is None or y is None:
            continue
        kind = Type.MONEY if y.type == Type.MONEY else Type.NUMBER
        if first_type is not None and kind != first_type:
            reader.error(point.value[1], f"the payouts of one curve are of one type: this "
                                         f"is {kind}, the first point's is {first_type} "
                                         "(Money pays the amount, a Number a share of "
                                         "target incentive)")
        first_type = first_type or kind
        value = nodes.constant_value(x.node)
        if value is not None and last_x is not None and value < last_x:
            reader.error(point.value[0], "curve points must not go back: each attainment is "
                                         "at least the one before")
        last_x = value if value is not None else last_x
        points.append(PointExpression(x, y, reader.source(point)))
    return tuple(points)


def earn(component: PayoutCurve, context: EvaluationContext):
    return context.payee_lines(component, lambda payee: _amount_and_note(component, context,
                                                                         payee))


def _amount_and_note(component: PayoutCurve, context: EvaluationContext,
                     payee: str) -> tuple[int, str]:
    attainment = Fraction(context.scalar(component.attainment, payee))
    weight = Fraction(context.scalar(component.weight, payee)) \
        if component.weight is not None else Fraction(1)
    points = _points(component, context, payee)
    factor = curve_value(points, attainment, component.interpolate)
    band = ""
    if component.interpolate == "step_after" and attainment > points[0].x:
        start = points[_last_below(points, attainment)].x
        band = f" (the band above {short_percent(start)})"
    if component.pays_money:
        paid = round_fraction(factor, context.rounding)
        note = (f"the curve at {short_percent(attainment)} attainment pays "
                f"{money(paid, context.currency)}{band} x weight {percent(weight)}")
        return round_fraction(weight * factor, context.rounding), note
    target = int(context.value("target_incentive", payee))
    note = (f"target incentive {money(target, context.currency)} x "
            f"weight {percent(weight)} x the curve at {short_percent(attainment)} attainment, "
            f"{percent(factor)}{band}")
    return round_fraction(target * weight * factor, context.rounding), note


def _points(component: PayoutCurve, context: EvaluationContext, payee: str
            ) -> list[CurvePoint]:
    """The curve's points for one payee: Money payouts in minor units."""
    points = []
    for point in component.curve:
        x = Fraction(context.scalar(point.x, payee))
        if points and x < points[-1].x:
            raise CurveError(f"{point.x.source}: the curve's points go back for payee "
                             f"{payee}: {short_percent(x)} comes after "
                             f"{short_percent(points[-1].x)}")
        points.append(CurvePoint(x, Fraction(int(context.scalar(point.y, payee)))
                                 if component.pays_money else
                                 Fraction(context.scalar(point.y, payee)), point.source))
    return points


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
