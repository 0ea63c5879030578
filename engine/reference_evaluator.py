"""The reference evaluator: one expression, one context, exact Python numbers, obviously right.

It is the engine for payee-level values (bonus, formula, curve, caps, thresholds: one value
per payee, not per deal) and the yardstick the vectorised evaluator is tested against on
generated plans and ledgers. Money is a ``Money`` (an int of minor units); a Number is a
Fraction; an Int is an int. An operation that yields a fraction of a minor unit rounds at once
with the plan's mode (PLAN_LANGUAGE.md section 2).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from rules_dsl.calendar import months_between
from rules_dsl.money import OVERFLOW, Money, minor_digits, round_fraction
from rules_dsl import nodes
from rules_dsl.icm_error import IcmError


class EvaluationError(IcmError):
    """Division by zero and the like, at the offset of the offending sub-expression."""

    def __init__(self, message: str, span: nodes.Span):
        super().__init__(message)
        self.message, self.span = message, span


def evaluate(node: nodes.Node, names: Mapping[str, Any], currency: str, mode: str) -> Any:
    """The value of a checked expression, given the values of the names it uses."""
    return _Evaluator(names, currency, mode).visit(node)


class _Evaluator:
    def __init__(self, names: Mapping[str, Any], currency: str, mode: str):
        self.names, self.currency, self.mode = names, currency, mode

    def visit(self, node: nodes.Node) -> Any:
        try:
            return getattr(self, f"visit_{type(node).__name__}")(node)
        except OverflowError:  # at the innermost node that left int64; outer ones pass it on
            raise EvaluationError(OVERFLOW, node.span) from None

    def visit_Number(self, node):
        return int(node.value) if node.is_whole_literal else node.value

    def visit_Percent(self, node):
        return node.value

    def visit_Money(self, node):
        return Money(int(node.amount * 10 ** minor_digits(node.currency)))

    def visit_String(self, node):
        return node.value

    def visit_Date(self, node):
        return node.value

    def visit_Bool(self, node):
        return node.value

    def visit_Name(self, node):
        return self.names[node.name]

    def visit_Member(self, node):
        return self.names[nodes.dotted_name(node)]

    def visit_ListExpr(self, node):
        return [self.visit(item) for item in node.items]

    def visit_Negate(self, node):
        value = self.visit(node.operand)
        return Money(-value) if isinstance(value, Money) else -value

    def visit_Not(self, node):
        return not self.visit(node.operand)

    def visit_Logical(self, node):
        left = self.visit(node.left)
        if node.op == "and":
            return left and self.visit(node.right)
        return left or self.visit(node.right)

    def visit_Conditional(self, node):
        return self.visit(node.then) if self.visit(node.condition) else self.visit(node.otherwise)

    def visit_Compare(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        return {"==": left == right, "!=": left != right, "<": left < right,
                "<=": left <= right, ">": left > right, ">=": left >= right}[node.op]

    def visit_In(self, node):
        found = self.visit(node.item) in self.visit(node.container)
        return not found if node.negated else found

    def visit_Arithmetic(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        return arithmetic(node.op, left, right, self.mode, node.span)

    def visit_Call(self, node):
        if node.function == "prorated":  # a payee-level name of its own
            return self.names[nodes.prorated_name(node)]
        if node.function == "rank":
            return self.rank(node.args[0].name)
        args = [self.visit(arg) for arg in node.args]
        if node.function == "min":
            return min(args)
        if node.function == "max":
            return max(args)
        if node.function == "clamp":
            value, low, high = args
            return min(max(value, low), high)
        if node.function == "abs":
            return Money(abs(args[0])) if isinstance(args[0], Money) else abs(args[0])
        if node.function == "days":
            first, second = args
            return (second - first).days
        if node.function == "months":
            return months_between(*args)
        raise EvaluationError(f"{node.function}(...) cannot be evaluated here", node.span)

    def rank(self, measure: str) -> int:
        """rank(M), one payee at a time: 1 + the payees of the window with more of M."""
        own = self.names[measure]
        return 1 + sum(1 for other in self.names[RANKED + measure] if other > own)


RANKED = "ranked."  # `ranked.M`: every payee's value of measure M in the window, for rank(M)


def arithmetic(op: str, left: Any, right: Any, mode: str, span: nodes.Span) -> Any:
    """One arithmetic step under the spec's type rules; money rounds at once."""
    money_left, money_right = isinstance(left, Money), isinstance(right, Money)
    if op in "+-":
        value = left + right if op == "+" else left - right
        return Money(value) if money_left or money_right else value
    if op == "*":
        if money_left or money_right:
            return Money(round_fraction(Fraction(left) * Fraction(right), mode))
        return left * right
    if right == 0:
        raise EvaluationError("division by zero", span)
    if money_left and money_right:
        return Fraction(int(left), int(right))
    if money_left:
        return Money(round_fraction(Fraction(int(left)) / Fraction(right), mode))
    return Fraction(left) / Fraction(right)


def partial_clawback(plan, names: Mapping[str, Any]) -> tuple[Fraction, Money]:
    """One cancelled credit row under the plan's clawback schedule or share
    (PLAN_LANGUAGE.md 7.5), a row at a time: the share taken back, and the credit amount
    the row still counts, (1 - share) of ``credit.amount`` rounded with the plan's mode.
    ``engine.clawback`` does the same over every row at once."""
    if plan.clawback_schedule is not None:
        age = (names["deal.cancel_date"] - names["deal.date"]).days
        share = plan.clawback_schedule[0][1]
        for days, point in plan.clawback_schedule:
            if days <= age:
                share = point
    else:
        share = evaluate(plan.clawback_share.node, names, plan.currency, plan.rounding)
    share = Fraction(share)
    return share, Money(round_fraction((1 - share) * int(names["credit.amount"]),
                                       plan.rounding))
