"""The six types of the plan language and the rules that combine them (spec section 2).

Int widens to Number; Money is always in the plan's currency, so there is one Money type.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Type(enum.Enum):
    MONEY = "Money"
    NUMBER = "Number"
    INT = "Int"
    BOOL = "Bool"
    STRING = "String"
    DATE = "Date"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Type | None  # None: the empty list, whose items could be anything

    def __str__(self) -> str:
        return f"List of {self.item}" if self.item else "an empty list"


AnyType = Type | ListOf

TYPE_NAMES = {t.value: t for t in Type}
NUMERIC = (Type.INT, Type.NUMBER)
ORDERED = (Type.MONEY, Type.NUMBER, Type.INT, Type.DATE, Type.STRING)


def is_numeric(t: AnyType | None) -> bool:
    return t in NUMERIC


def unify(a: AnyType, b: AnyType) -> AnyType | None:
    """The common type of two values that may be compared or chosen between, or None."""
    if a == b:
        return a
    if is_numeric(a) and is_numeric(b):
        return Type.NUMBER
    return None


def accepts(expected: AnyType, actual: AnyType) -> bool:
    """Whether a value of ``actual`` type may stand where ``expected`` is wanted."""
    return actual == expected or (expected == Type.NUMBER and actual == Type.INT)


def arithmetic_result(op: str, left: Type, right: Type) -> Type | None:
    """Result type of ``left op right``, or None where the spec calls it a type error."""
    both_numeric = is_numeric(left) and is_numeric(right)
    if op in "+-":
        if left == right == Type.MONEY:
            return Type.MONEY
        if both_numeric:
            return Type.INT if left == right == Type.INT else Type.NUMBER
    elif op == "*":
        if both_numeric:
            return Type.INT if left == right == Type.INT else Type.NUMBER
        if (left == Type.MONEY and is_numeric(right)) or (is_numeric(left) and right == Type.MONEY):
            return Type.MONEY
    elif op == "/":
        if left == Type.MONEY and is_numeric(right):
            return Type.MONEY
        if left == right == Type.MONEY or both_numeric:
            return Type.NUMBER
    return None
