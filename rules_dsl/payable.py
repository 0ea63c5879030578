"""`payable:` on a component: when its lines are paid, apart from when they are earned
(PLAN_LANGUAGE.md 7.3). Read here from the plan's YAML into a ``Payable`` record; the
engine's ``engine.payable`` turns it into each line's share payable by a period's end.
"""
from __future__ import annotations

import re
from fractions import Fraction

import yaml

from rules_dsl.checker import Scope
from rules_dsl.nodes import dotted_name, walk
from rules_dsl.plan import Payable, PayableStep
from rules_dsl.types import Type

TYPES = ("commission", "spiff", "override")  # the components whose lines are per deal
_AFTER = re.compile(r"(0|[1-9][0-9]{0,4}) (day|days|month|months)")
_MAX_STEPS = 24


def read_payable(reader, node, deal: Scope) -> Payable | None:
    """The component's `payable:`, or None with errors told to ``reader`` (the plan reader:
    its ``error``, ``mapping``, ``scalar``, ``expression`` and ``literal``)."""
    if isinstance(node, yaml.ScalarNode):
        if node.value == "collected":
            return Payable(kind="collected", source=reader.source(node))
        reader.error(node, f"payable is `collected`, `{{on: DATE}}` or `{{schedule: [...]}}`, "
                           f"not {node.value!r}")
        return None
    if not isinstance(node, yaml.MappingNode):
        reader.error(node, "payable is `collected`, `{on: deal.FIELD}` or "
                           "`{schedule: [{after: 0 days, share: 70%}, ...]}`")
        return None
    keys = reader.mapping(node, ("schedule", "on"), "payable")
    if len(keys) != 1:
        if len(keys) > 1:
            reader.error(node, "payable takes one of `schedule:` and `on:`, not both")
        elif not reader.errors:
            reader.error(node, "payable needs `schedule:` or `on:`")
        return None
    if "on" in keys:
        return _read_on(reader, keys["on"], deal)
    return _read_schedule(reader, keys["schedule"])


def _read_on(reader, node, deal: Scope) -> Payable | None:
    expression = reader.expression(node, deal, (Type.DATE,), "payable `on`")
    if expression is None:
        return None
    other = [name for sub in walk(expression.node) for name in [dotted_name(sub)]
             if name is not None and "." in name and not name.startswith("deal.")]
    if other:
        reader.error(node, f"payable `on` reads the deal alone (a deal date field such as "
                           f"deal.go_live, or a date such as 2027-01-31), not `{other[0]}`")
        return None
    return Payable(kind="on", on=expression, source=reader.source(node))


def _read_schedule(reader, node) -> Payable | None:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        reader.error(node, "schedule is a list such as [{after: 0 days, share: 70%}, "
                           "{after: 90 days, share: 30%}]")
        return None
    if len(node.value) > _MAX_STEPS:
        reader.error(node, f"a schedule has at most {_MAX_STEPS} steps")
        return None
    steps, errors = [], len(reader.errors)
    for item in node.value:
        keys = reader.mapping(item, ("after", "share"), "schedule step", ("after", "share"))
        after = _after(reader, keys.get("after"))
        share = reader.literal(keys["share"], Type.NUMBER, "a share") if "share" in keys \
            else None
        if share is not None and not 0 < share <= 1:
            reader.error(keys["share"], f"a share is above 0% and at most 100%, not "
                                        f"{keys['share'].value}")
            share = None
        if after is not None and share is not None:
            steps.append(PayableStep(after[0], after[1], Fraction(share),
                                     reader.source(item)))
    if len(reader.errors) > errors:
        return None
    return _ordered(reader, node, steps)


def _after(reader, node) -> tuple[int, str] | None:
    text = reader.scalar(node, "after")
    if text is None:
        return None
    found = _AFTER.fullmatch(text)
    if found is None:
        reader.error(node, f"after is a whole number of days or months, such as `90 days` or "
                           f"`3 months`, not {text!r}")
        return None
    return int(found.group(1)), "days" if found.group(2).startswith("day") else "months"


def _ordered(reader, node, steps: list[PayableStep]) -> Payable | None:
    """The schedule, if its `after`s ascend from zero in one unit and its shares sum to 1."""
    if steps[0].count != 0:
        reader.error(node.value[0], "a schedule starts `after: 0 days`: what is payable when "
                                    "the deal is booked (its share may be small)")
        return None
    units = {step.unit for step in steps[1:]}
    if len(units) > 1:
        reader.error(node, "write every `after` of a schedule in days, or every one in months")
        return None
    for before, step, item in zip(steps, steps[1:], node.value[1:]):
        if step.count <= before.count:
            reader.error(item, "each `after` is later than the one before it")
            return None
    total = sum(step.share for step in steps)
    if total != 1:
        reader.error(node, f"the shares of a schedule add up to 100%, not "
                           f"{_percent(total)}")
        return None
    return Payable(kind="schedule", schedule=tuple(steps), source=reader.source(node))


def _percent(value: Fraction) -> str:
    shown = value * 100
    return f"{shown.numerator}%" if shown.denominator == 1 else f"{float(shown):g}%"
