"""bonus: an amount a payee earns when a payee-level condition holds at the close."""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.plan import Component, Expression
from rules_dsl.types import Type


@dataclass(frozen=True, slots=True, kw_only=True)
class Bonus(Component):
    when: Expression | None = None
    amount: Expression | None = None

    def body_expressions(self) -> tuple[Expression | None, ...]:
        return (self.when, self.amount)


def read(body: Body, common: dict) -> Bonus:
    reader, keys = body.reader, body.keys
    when = reader.expression(keys["when"], body.payee, (Type.BOOL,), "`when`") \
        if "when" in keys else None
    amount = reader.expression(keys["amount"], body.payee, (Type.MONEY,), "the amount") \
        if "amount" in keys else None
    return Bonus(**common, when=when, amount=amount)


def earn(component: Bonus, context: EvaluationContext):
    return context.payee_amounts(component, component.amount, component.when)


TYPE = ComponentType("bonus", ("when", "amount"), ("when", "amount"), read, earn,
                     payee_conditions=("when",))
