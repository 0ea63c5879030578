"""spiff: a fixed amount per credit row whose deal meets a condition; both are deal-level
expressions, evaluated over every row at once."""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.plan import Component, Expression
from rules_dsl.types import Type


@dataclass(frozen=True, slots=True, kw_only=True)
class Spiff(Component):
    when: Expression | None = None
    amount: Expression | None = None

    def body_expressions(self) -> tuple[Expression | None, ...]:
        return (self.when, self.amount)


def read(body: Body, common: dict) -> Spiff:
    reader, keys = body.reader, body.keys
    when = reader.expression(keys["when"], body.deal, (Type.BOOL,), "`when`") \
        if "when" in keys else None
    amount = reader.expression(keys["amount"], body.deal, (Type.MONEY,), "the amount") \
        if "amount" in keys else None
    return Spiff(**common, when=when, amount=amount)


def earn(component: Spiff, context: EvaluationContext):
    when = context.deal_values(component, "when")
    amount = context.deal_values(component, "amount")
    return context.deal_lines(component, when & (amount != 0), "spiff", amount)


TYPE = ComponentType("spiff", ("when", "amount"), ("when", "amount"), read, earn)
