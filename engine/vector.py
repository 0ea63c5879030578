"""The vectorised evaluator: one expression over every credit row at once, exactly.

Values are ``Col``s: whole arrays of one kind. Money and Int are int64 minor units and counts;
a Number is a pair of integer arrays (numerator, positive denominator), so a rate stays an exact
rational on every row; Bool, String and Date are numpy arrays. Integer products that might not
fit int64 are done on Python integers (object arrays): never a silent wrap. Rounding happens
where the reference evaluator rounds, through ``rules_dsl.money.divide_rounded``.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from rules_dsl.money import SAFE_INT64, divide_rounded, minor_digits
from engine.lines import repeated
from engine.reference_evaluator import OVERFLOW, EvaluationError
from rules_dsl import nodes


@dataclass(frozen=True)
class Col:
    kind: str  # money | int | number | bool | string | date | list
    data: Any  # ndarray, or (numerator, denominator) for number, or a list for list
    bad: Any = None  # rows whose value is an error (a division by zero, an overflow), or None
    bad_span: Any = None  # where the first such error stands
    bad_message: str = "division by zero"


def _bad(*cols: Col):
    """The error rows of the operands, combined, with the first one's place and message."""
    marked = [c for c in cols if c.bad is not None]
    if not marked:
        return None, None, None
    mask = marked[0].bad
    for other in marked[1:]:
        mask = mask | other.bad
    return mask, marked[0].bad_span, marked[0].bad_message


def _with_bad(col: Col, *operands: Col) -> Col:
    mask, span, message = _bad(*operands)
    if mask is None:
        return col
    if col.bad is not None:
        mask = mask | col.bad
    return Col(col.kind, col.data, mask, span, message)


def broadcast(value: Any, kind: str, rows: int) -> Col:
    """A payee-level or literal value as a column of ``rows`` equal values."""
    if kind == "number":
        value = Fraction(value)
        return Col("number", (_full(rows, value.numerator), _full(rows, value.denominator)))
    if kind in ("money", "int"):
        return Col(kind, _full(rows, int(value)))
    if kind == "bool":
        return Col("bool", np.full(rows, bool(value)))
    if kind == "date":
        return Col("date", np.full(rows, np.datetime64(value, "D")))
    return Col("string", repeated(value, rows))  # one shared string, not one made per row


def evaluate(node: nodes.Node, names: Mapping[str, Col], rows: int, currency: str,
             mode: str) -> Col:
    """The expression's column; raises EvaluationError when a row that the result really
    depends on divides by zero (a branch that `if`, `and` or `or` skips does not count)."""
    result = _Vector(names, rows, currency, mode).visit(node)
    if result.bad is not None and result.bad.any():
        raise EvaluationError(result.bad_message, result.bad_span)
    return Col(result.kind, result.data)


def as_fractions(col: Col) -> list:
    """A column back to plain Python values, for comparing with the reference evaluator."""
    if col.kind == "number":
        return [Fraction(int(n), int(d)) for n, d in zip(*col.data)]
    if col.kind == "date":
        return [value.astype(datetime.date) for value in col.data]
    return [v.item() if hasattr(v, "item") else v for v in col.data]


class _Vector:
    def __init__(self, names, rows, currency, mode):
        self.names, self.rows, self.currency, self.mode = names, rows, currency, mode

    def visit(self, node: nodes.Node) -> Col:
        return getattr(self, f"visit_{type(node).__name__}")(node)

    # literals and names
    def visit_Number(self, node):
        if node.is_whole_literal:
            return broadcast(int(node.value), "int", self.rows)
        return broadcast(node.value, "number", self.rows)

    def visit_Percent(self, node):
        return broadcast(node.value, "number", self.rows)

    def visit_Money(self, node):
        return broadcast(node.amount * 10 ** minor_digits(node.currency), "money", self.rows)

    def visit_String(self, node):
        return broadcast(node.value, "string", self.rows)

    def visit_Date(self, node):
        return broadcast(node.value, "date", self.rows)

    def visit_Bool(self, node):
        return broadcast(node.value, "bool", self.rows)

    def visit_Name(self, node):
        return self.names[node.name]

    def visit_Member(self, node):
        return self.names[nodes.dotted_name(node)]

    def visit_ListExpr(self, node):
        return Col("list", [self.visit(item) for item in node.items])

    # operators
    def visit_Negate(self, node):
        col = self.visit(node.operand)
        if col.kind == "number":
            return _with_bad(Col("number", (-col.data[0], col.data[1])), col)
        return _with_bad(Col(col.kind, -col.data), col)

    def visit_Not(self, node):
        col = self.visit(node.operand)
        return _with_bad(Col("bool", ~col.data), col)

    def visit_Logical(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op == "and":
            result = Col("bool", left.data & right.data)
            reached = left.data  # the right side counts only where the left is true
        else:
            result = Col("bool", left.data | right.data)
            reached = ~left.data
        return _with_bad(result, left, _only(right, reached))

    def visit_Conditional(self, node):
        condition = self.visit(node.condition)
        then, otherwise = self.visit(node.then), self.visit(node.otherwise)
        chosen = condition.data
        return _with_bad(choose(chosen, then, otherwise), condition, _only(then, chosen),
                         _only(otherwise, ~chosen))

    def visit_Compare(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        return _with_bad(Col("bool", _compare(node.op, left, right)), left, right)

    def visit_In(self, node):
        item, options = self.visit(node.item), self.visit(node.container).data
        found = np.zeros(self.rows, dtype=bool)
        for option in options:
            found |= _compare("==", item, option)
        return _with_bad(Col("bool", ~found if node.negated else found), item, *options)

    def visit_Arithmetic(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        return _with_bad(_arithmetic(node.op, left, right, self.mode, node.span), left, right)

    def visit_Call(self, node):
        if node.function == "prorated":  # a payee-level name of its own
            return self.names[nodes.prorated_name(node)]
        args = [self.visit(arg) for arg in node.args]
        return _with_bad(self.call(node, args), *args)

    def call(self, node, args):
        name = node.function
        if name == "abs":
            col = args[0]
            if col.kind == "number":
                return Col("number", (_abs(col.data[0]), col.data[1]))
            return Col(col.kind, _abs(col.data))
        if name == "days":
            first, second = args
            return Col("int", (second.data - first.data).astype("timedelta64[D]").astype(
                np.int64))
        if name == "months":
            return Col("int", months_between(args[0].data, args[1].data))
        if name == "clamp":
            value, low, high = args
            return _pick("min", [_pick("max", [value, low]), high])
        if name == "rank":  # payee context: the rows are the plan's payees in the window
            return Col("int", competition_ranks(args[0]))
        return _pick(name, args)


def months_between(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``months(d1, d2)`` of date columns (rules_dsl.calendar.months_between, a row at a
    time): the month difference, less one where ``second`` falls short of ``first``'s day
    of the month and is not its month's last day; negative where ``second`` is earlier."""
    later = second >= first
    low, high = np.where(later, first, second), np.where(later, second, first)
    low_month, high_month = (d.astype("datetime64[M]") for d in (low, high))
    low_day = (low - low_month.astype("datetime64[D]")).astype(np.int64)
    high_day = (high - high_month.astype("datetime64[D]")).astype(np.int64)
    last_day = (high + np.timedelta64(1, "D")).astype("datetime64[M]") != high_month
    count = (high_month - low_month).astype(np.int64) - ((high_day < low_day) & ~last_day)
    return np.where(later, count, -count)


def competition_ranks(col: Col) -> np.ndarray:
    """Each row's rank by value, 1 the highest: 1 + how many rows hold a strictly greater
    value, so equal values share the better rank (1, 1, 3). Exact: Numbers compare as
    Fractions."""
    if col.kind == "number":
        values = np.array([Fraction(int(n), int(d)) for n, d in zip(*col.data)], dtype=object)
    else:
        values = np.asarray(col.data)
    ordered = np.sort(values)
    return (len(values) - np.searchsorted(ordered, values, side="right") + 1).astype(np.int64)


def _full(rows: int, value: int) -> np.ndarray:
    if -SAFE_INT64 < value < SAFE_INT64:
        return np.full(rows, value, dtype=np.int64)
    return repeated(value, rows)


def choose(mask: np.ndarray, chosen: Col, other: Col) -> Col:
    """Per row, ``chosen`` where ``mask`` holds and ``other`` elsewhere (an Int beside a
    Number as Numbers); a column of rows of several values, such as tier starts, takes or
    leaves each row whole. Error rows are the caller's to carry."""
    if chosen.kind != other.kind or chosen.kind == "number":
        chosen, other = _number(chosen), _number(other)
        return Col("number", (_where(mask, chosen.data[0], other.data[0]),
                              _where(mask, chosen.data[1], other.data[1])))
    rows = mask[:, None] if np.ndim(chosen.data) == 2 else mask
    return Col(chosen.kind, _where(rows, chosen.data, other.data))


def _where(condition, then, otherwise):
    if then.dtype == object or otherwise.dtype == object:
        return np.where(condition, then.astype(object), otherwise.astype(object))
    return np.where(condition, then, otherwise)


def _abs(values):
    return np.where(values < 0, -values, values)


def _big(values) -> int:
    if values.dtype == object:
        return SAFE_INT64
    return int(np.abs(values).max(initial=0))


def _mul(a, b):
    """Elementwise product, on Python integers where int64 could overflow."""
    if a.dtype != object and b.dtype != object and _big(a) * _big(b) < SAFE_INT64:
        return a * b
    return a.astype(object) * b.astype(object)


def _add(a, b, sign: int = 1):
    if a.dtype != object and b.dtype != object and _big(a) + _big(b) < SAFE_INT64:
        return a + sign * b
    return a.astype(object) + sign * b.astype(object)


def _number(col: Col) -> Col:
    if col.kind == "number":
        return col
    return Col("number", (col.data, np.ones(len(col.data), dtype=np.int64)))


def _compare(op: str, left: Col, right: Col) -> np.ndarray:
    if left.kind == "number" or right.kind == "number":
        (a, b), (c, d) = _number(left).data, _number(right).data
        left_data, right_data = _mul(a, d), _mul(c, b)
    else:
        left_data, right_data = left.data, right.data
    return {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}[op](left_data, right_data).astype(bool)


def _pick(name: str, args: list[Col]) -> Col:
    result = args[0]
    for other in args[1:]:
        take_other = _compare("<" if name == "min" else ">", other, result)
        result = choose(take_other, other, result)
    return result


def _only(col: Col, rows) -> Col:
    """The operand's error rows, kept only where its value is used."""
    if col.bad is None:
        return col
    return Col(col.kind, col.data, col.bad & rows, col.bad_span, col.bad_message)


def _zero_rows(divisor, span):
    """Zero divisors become 1 so the arithmetic runs; those rows are marked as errors."""
    zero = divisor == 0
    if not zero.any():
        return divisor, None
    return np.where(zero, 1, divisor).astype(divisor.dtype), zero


def _arithmetic(op: str, left: Col, right: Col, mode: str, span) -> Col:
    kinds = (left.kind, right.kind)
    if op in "+-":
        sign = 1 if op == "+" else -1
        if "money" in kinds or kinds == ("int", "int"):
            return Col(left.kind, _add(left.data, right.data, sign))
        (a, b), (c, d) = _number(left).data, _number(right).data
        if b.dtype != object and d.dtype != object and np.array_equal(b, d):
            return Col("number", (_add(a, c, sign), b))
        return Col("number", (_add(_mul(a, d), _mul(c, b), sign), _mul(b, d)))
    if op == "*":
        if kinds == ("int", "int"):
            return Col("int", _mul(left.data, right.data))
        if "money" in kinds:
            money, factor = (left, right) if left.kind == "money" else (right, left)
            numerator, denominator = _number(factor).data
            return _money(divide_rounded(_mul(money.data, numerator), denominator, mode),
                          span)
        (a, b), (c, d) = _number(left).data, _number(right).data
        return Col("number", (_mul(a, c), _mul(b, d)))
    # division: rows dividing by zero are computed as if by 1 and marked as errors
    if kinds == ("money", "money"):
        divisor, zero = _zero_rows(right.data, span)
        return _marked(_signed(left.data, divisor), zero, span)
    if left.kind == "money":
        numerator, denominator = _number(right).data
        numerator, zero = _zero_rows(numerator, span)
        sign = np.where(numerator < 0, -1, 1)
        return _marked(_money(divide_rounded(
            _mul(_mul(left.data, denominator), sign), _abs(numerator), mode), span), zero, span)
    (a, b), (c, d) = _number(left).data, _number(right).data
    c, zero = _zero_rows(c, span)
    return _marked(_signed(_mul(a, d), _mul(b, c)), zero, span)


def _marked(col: Col, zero, span) -> Col:
    if zero is None:
        return col
    return Col(col.kind, col.data, zero if col.bad is None else zero | col.bad, span)


def _signed(numerator, denominator) -> Col:
    sign = np.where(denominator < 0, -1, 1)
    return Col("number", (numerator * sign, denominator * sign))


def _money(values, span) -> Col:
    """Money from exact integers. A row that does not fit in int64 is an error of that row
    only, so a branch that `if` does not take cannot fail the expression."""
    values = np.asarray(values)
    if values.dtype != object:
        return Col("money", values)
    over = ((values >= 2 ** 63) | (values < -(2 ** 63))).astype(bool)
    if not over.any():
        return Col("money", values.astype(np.int64))
    return Col("money", np.where(over, 0, values).astype(np.int64), over, span, OVERFLOW)
