"""formula: any payee-level Money expression, such as a share of earlier components."""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.components.contract import Body, ComponentType, EvaluationContext
from rules_dsl.plan import Component, Expression
from rules_dsl.types import Type


@dataclass(frozen=True, slots=True, kw_only=True)
class Formula(Component):
    amount: Expression | None = None

    def body_expressions(self) -> tuple[Expression | None, ...]:
        return (self.amount,)


def read(body: Body, common: dict) -> Formula:
    amount = body.reader.expression(body.keys["amount"], body.payee, (Type.MONEY,),
                                    "the amount") if "amount" in body.keys else None
    return Formula(**common, amount=amount)


def earn(component: Formula, context: EvaluationContext):
    return context.payee_amounts(component, component.amount, None)


TYPE = ComponentType("formula", ("amount",), ("amount",), read, earn)
