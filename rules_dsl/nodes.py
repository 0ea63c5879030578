"""The expression AST: frozen dataclasses, one per grammar alias, each knowing where it stands.

``span`` is (start, end) as character offsets into the expression text; the loader maps them
into the YAML file. Spans take no part in equality, so an expression printed and parsed again
compares equal to the original.
"""
from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

Span = tuple[int, int]
NO_SPAN: Span = (0, 0)


@dataclass(frozen=True, slots=True)
class Node:
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: Fraction
    is_whole_literal: bool = True  # `12` is an Int, `12.0` and `7.5%` are Numbers


@dataclass(frozen=True, slots=True)
class Percent(Node):
    value: Fraction  # 7.5% is stored as 3/40


@dataclass(frozen=True, slots=True)
class Money(Node):
    amount: Fraction
    currency: str
    text: str = field(default="", compare=False)  # the literal's digits, to count its decimals


@dataclass(frozen=True, slots=True)
class String(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Date(Node):
    value: datetime.date


@dataclass(frozen=True, slots=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    obj: Node
    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]
    where: Node | None = None


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    item: Node
    container: Node
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Logical(Node):
    op: str  # and | or
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    then: Node
    condition: Node
    otherwise: Node


def dotted_name(node: Node) -> str | None:
    """`deal.region` for Member(Name('deal'), 'region'); None for anything that is not a path."""
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Member):
        head = dotted_name(node.obj)
        return f"{head}.{node.name}" if head is not None else None
    return None


def prorated_name(node: Node) -> str | None:
    """The payee-level name ``prorated(param.NAME)`` stands for: the parameter prorated
    for the window (PLAN_LANGUAGE.md 7.6); None for any other node."""
    if isinstance(node, Call) and node.function == "prorated" and len(node.args) == 1:
        inner = dotted_name(node.args[0])
        return f"prorated({inner})" if inner is not None else None
    return None


def children(node: Node) -> tuple[Node, ...]:
    """The sub-expressions of a node, left to right."""
    if isinstance(node, (Negate, Not)):
        return (node.operand,)
    if isinstance(node, (Arithmetic, Compare, Logical)):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.item, node.container)
    if isinstance(node, Conditional):
        return (node.then, node.condition, node.otherwise)
    if isinstance(node, Member):
        return (node.obj,)
    if isinstance(node, Call):
        return node.args + ((node.where,) if node.where is not None else ())
    if isinstance(node, ListExpr):
        return node.items
    return ()


def walk(node: Node) -> Iterator[Node]:
    """The node and every sub-expression under it, in reading order."""
    yield node
    for child in children(node):
        yield from walk(child)


def constant_value(node: Node) -> Fraction | None:
    """The exact value of literals combined by arithmetic (`2 * 60%` is 6/5), or None when the
    expression reads a name, calls a function or divides by zero."""
    if isinstance(node, (Number, Percent)):
        return node.value
    if isinstance(node, Money):
        return node.amount
    if isinstance(node, Negate):
        inner = constant_value(node.operand)
        return -inner if inner is not None else None
    if not isinstance(node, Arithmetic):
        return None
    left, right = constant_value(node.left), constant_value(node.right)
    if left is None or right is None or (node.op == "/" and right == 0):
        return None
    return _OPERATORS[node.op](left, right)


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
