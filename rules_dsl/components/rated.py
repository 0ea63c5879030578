"""What commissions and overrides share: a sum-of-Money measure paid per credit row at a
rate or through tiers. Its record, its reader and its warnings; each of the two types is a
module of its own (commission.py, override.py) built on these.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import yaml

from rules_dsl import nodes
from rules_dsl.checker import suggest
from rules_dsl.components.contract import Body
from rules_dsl.errors import PlanError, warning_at
from rules_dsl.figures import percent
from rules_dsl.money import to_minor_units
from rules_dsl.plan import Component, Expression, Plan, Tier, Tiers
from rules_dsl.types import Type

KEYS = ("measure", "rate", "tiers")
TIERS_KEYS = ("basis", "method", "table", "min", "above")
TIER_KEYS = ("from", "rate")


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedComponent(Component):
    measure: str | None = None
    rate: Expression | None = None
    tiers: Tiers | None = None

    def body_expressions(self) -> tuple[Expression | None, ...]:
        tier_rates = tuple(tier.rate for tier in self.tiers.table) if self.tiers else ()
        floor = (self.tiers.min,) if self.tiers else ()
        return (self.rate, *tier_rates, *floor)


def read_rated(body: Body) -> dict:
    """measure, and rate or tiers, as the record's fields."""
    reader, keys, kind = body.reader, body.keys, body.kind
    fields: dict = {}
    measure = reader.scalar(keys.get("measure"), "measure")
    if measure is not None:
        info = reader.measures.get(measure)
        if info is None:
            reader.error(keys["measure"], f"there is no measure {measure!r}"
                                          f"{suggest(measure, reader.measures)}")
        elif info.type is None:
            pass  # the measure's own error says what is wrong
        elif info.aggregate != "sum" or info.type != Type.MONEY:
            reader.error(keys["measure"], f"a {kind} is paid on a sum of Money; measure "
                                          f"{measure!r} is a {info.aggregate} of {info.type}")
        fields["measure"] = measure
    if "rate" in keys and "tiers" in keys:
        reader.error(reader.key_node(keys["tiers"]),
                     f"{_a(kind)} has either `rate:` or `tiers:`, not both")
    elif "rate" not in keys and "tiers" not in keys:
        reader.error(body.node, f"{_a(kind)} needs `rate:` or `tiers:`")
    if "rate" in keys:
        fields["rate"] = reader.expression(keys["rate"], body.deal, (Type.NUMBER,), "the rate")
    if "tiers" in keys:
        fields["tiers"] = _read_tiers(body, keys["tiers"])
    return fields


def _read_tiers(body: Body, node) -> Tiers | None:
    reader = body.reader
    if not isinstance(node, yaml.MappingNode):
        reader.error(node, "tiers is a mapping with basis, method and table")
        return None
    keys = reader.mapping(node, TIERS_KEYS, "tiers", ("method", "table"))
    basis = reader.choice(keys.get("basis"), "basis", ("attainment", "amount"), "attainment")
    method = reader.choice(keys.get("method"), "method",
                           ("marginal", "retroactive", "landing", "per_deal"), None)
    if method == "per_deal" and basis == "attainment":
        reader.error(keys["method"], "per_deal tiers are on each row's own amount: add "
                                     "`basis: amount` and write `from` in money")
    floor = None
    if "min" in keys:
        if method not in (None, "per_deal"):
            reader.error(keys["min"], f"`min:` is a floor per row of per_deal tiers, not of "
                                      f"{method} ones: remove it or use `method: per_deal`")
        else:
            floor = reader.expression(keys["min"], body.deal, (Type.MONEY,), "the minimum")
    above = None
    if "above" in keys:
        if method not in (None, "retroactive"):
            reader.error(keys["above"], f"`above:` is where retroactive tiers start paying, "
                                        f"not {method} ones: remove it or use `method: "
                                        "retroactive`")
        else:
            above = _tier_start(reader, keys["above"], basis, "`above`")
    rows = keys.get("table")
    if rows is None:
        return None
    if not isinstance(rows, yaml.SequenceNode) or not rows.value:
        reader.error(rows, "the tier table is a list of rows {from: ..., rate: ...}")
        return None
    table, previous = [], None
    for row in rows.value:
        if not isinstance(row, yaml.MappingNode):
            reader.error(row, "a tier row is {from: ..., rate: ...}")
            continue
        cells = reader.mapping(row, TIER_KEYS, "tier row", TIER_KEYS)
        start = _tier_start(reader, cells.get("from"), basis)
        rate = reader.expression(cells["rate"], body.deal, (Type.NUMBER,), "a tier rate") \
            if "rate" in cells else None
        if start is None:
            continue
        if previous is None and start != 0:
            reader.error(cells["from"], "the first tier starts from 0" +
                         (f" {reader.currency}" if basis == "amount" else "%"))
        elif previous is not None and start <= previous:
            reader.error(cells["from"], "tier `from` values must be strictly ascending")
        previous = start
        if rate is not None:
            table.append(Tier(start, rate, reader.source(row)))
    if basis is None or method is None or len(table) != len(rows.value):
        return None
    return Tiers(basis, method, tuple(table), floor, above)


def _tier_start(reader, node, basis: str | None, what: str = "a tier's `from`"
                ) -> Fraction | int | None:
    if node is None or basis is None:
        return None
    expected = Type.MONEY if basis == "amount" else Type.NUMBER
    literal = reader.literal(node, expected, what + (
        " (basis: amount)" if basis == "amount" else " (basis: attainment)"))
    if literal is None:
        return None
    if basis == "amount":
        return to_minor_units(literal, reader.currency)
    return literal


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


# -- warnings --------------------------------------------------------------------------------


def rated_warnings(plan: Plan, component: RatedComponent) -> Iterator[PlanError]:
    """Rates above 100%, and tiers whose rates fall."""
    yield from _rates_above_one(component)
    if component.tiers is not None:
        yield from _falling_tiers(component.tiers)


def _warning(expression: Expression, node: nodes.Node, message: str) -> PlanError:
    return warning_at(expression.source_at(node.span[0]), message)


def _rates_above_one(component: RatedComponent) -> Iterator[PlanError]:
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
