"""Name resolution and type checking of one expression against a ``Scope``.

The loader builds a scope per place an expression stands (a measure, a deal-level rate, a
payee-level bonus) and asks ``check`` for the expression's type. Problems come back as values,
each at the offsets of the offending sub-expression, with a suggestion where one helps.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping

from rules_dsl.money import decimal_places, decimal_text, is_currency, minor_digits, to_minor_units
from rules_dsl import nodes
from rules_dsl.errors import ExprProblem
from rules_dsl.types import (ORDERED, AnyType, ListOf, Type, accepts, arithmetic_result,
                             is_numeric, unify)

MEASURE, DEAL, PAYEE = "measure", "deal", "payee"

# The ledger's BIGINT and the engine's int64 columns: the largest money in minor units, and the
# largest plan version.
INT64_MAX = 2 ** 63 - 1

# Built-in fields of each namespace beside the deal's (rules_dsl/deal_fields.py); declared
# extra columns are added to these by the loader.
CREDIT_FIELDS = {"share": Type.NUMBER, "amount": Type.MONEY, "role": Type.STRING,
                 "overlay": Type.BOOL}
PAYEE_FIELDS = {"id": Type.STRING, "name": Type.STRING, "role": Type.STRING,
                "hire_date": Type.DATE}
PERIOD_FIELDS = {"start": Type.DATE, "end": Type.DATE, "number": Type.INT}
DECLARABLE_NAMESPACES = ("deal", "payee", "param", "metric")
METRIC_TYPES = (Type.MONEY, Type.NUMBER)  # a metric is a figure: money or a number
MEASURE_NAMESPACES = ("quota", "attainment", "team", "team_all")
# Another window of the same payout period (PLAN_LANGUAGE.md 7.2): which names each reads
# beside a measure's own (`ytd.M`): `annual` has only quota and attainment.
WINDOW_NAMESPACES = {"period": ("", "quota", "attainment"), "ytd": ("", "quota", "attainment"),
                     "annual": ("quota", "attainment")}
FUNCTIONS = ("min", "max", "clamp", "abs", "days", "months", "prorated", "sum", "count",
             "rank")
_PER_DEAL = ("deal", "credit")


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    """What the checker needs to know of a measure: its aggregate and its value type."""

    aggregate: str  # sum | count | min | max
    type: Type | None  # None: the measure has errors, already reported


@dataclass(frozen=True)
class Scope:
    """The names an expression may use where it stands in the plan."""

    context: str  # measure | deal | payee
    currency: str
    fields: Mapping[str, Mapping[str, Type]]  # namespace -> field -> type (deal, payee, ...)
    measures: Mapping[str, MeasureInfo] = field(default_factory=dict)
    earlier_components: tuple[str, ...] = ()
    later_components: tuple[str, ...] = ()  # this one and those after it, for messages
    where: str = "here"  # how messages name the place: "in a bonus", "in a measure"
    other_windows: Mapping[str, str] = field(default_factory=dict)  # earlier components
    # over another kind of window than this one, by id: their earned.* is not readable here


def check(node: nodes.Node, scope: Scope) -> tuple[AnyType | None, list[ExprProblem]]:
    """The expression's type, or None, and every problem found in it."""
    checker = _Checker(scope)
    return checker.visit(node), checker.problems


def check_expecting(node: nodes.Node, scope: Scope, expected: Iterable[Type],
                    what: str) -> tuple[AnyType | None, list[ExprProblem]]:
    """Check and also require one of the ``expected`` types, naming the value as ``what``."""
    expected = tuple(expected)
    found, problems = check(node, scope)
    if found is not None and not any(accepts(t, found) for t in expected):
        wanted = " or ".join(str(t) for t in expected)
        hint = ""
        if Type.MONEY in expected and is_numeric(found) and _is_number_literal(node):
            hint = f": write {_money_hint(node, scope.currency)}"
        problems.append(ExprProblem(node.span, f"{what} must be {wanted}, but this is "
                                               f"{found}{hint}"))
        found = None
    return found, problems


def suggest(name: str, candidates: Iterable[str], prefix: str = "") -> str:
    """`; did you mean X?` for the closest candidate (shown after ``prefix``), or nothing."""
    candidates = list(candidates)
    close = [c for c in candidates if c.startswith(name) and len(name) >= 3] or \
        difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean `{prefix}{close[0]}`?" if close else ""


def _is_number_literal(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Number) or (
        isinstance(node, nodes.Negate) and isinstance(node.operand, nodes.Number))


def _money_hint(node: nodes.Node, currency: str) -> str:
    negative = isinstance(node, nodes.Negate)
    number = node.operand if negative else node
    return f"{'-' if negative else ''}{decimal_text(number.value)} {currency}"


class _Checker:
    def __init__(self, scope: Scope):
        self.scope = scope
        self.problems: list[ExprProblem] = []
        self.in_aggregate = False

    def fail(self, node: nodes.Node, message: str) -> None:
        self.problems.append(ExprProblem(node.span, message))

    def visit(self, node: nodes.Node) -> AnyType | None:
        if self.scope.context == MEASURE and not self.in_aggregate:
            return self.visit_measure(node)
        method = getattr(self, f"visit_{type(node).__name__}")
        return method(node)

    # -- literals -------------------------------------------------------------------------

    def visit_Number(self, node):
        return Type.INT if node.is_whole_literal else Type.NUMBER

    def visit_Percent(self, node):
        return Type.NUMBER

    def visit_Money(self, node):
        if not is_currency(node.currency):
            self.fail(node, f"{node.currency} is not an ISO 4217 currency code")
            return None
        if node.currency != self.scope.currency:
            self.fail(node, f"{node.text} {node.currency} is not in the plan's currency: "
                            f"every amount in this plan is in {self.scope.currency}")
            return None
        digits = minor_digits(node.currency)
        if decimal_places(node.text) > digits:
            self.fail(node, f"{node.currency} has {digits} decimal places; "
                            f"{node.text} {node.currency} has more")
            return None
        if to_minor_units(node.amount, node.currency) > INT64_MAX:
            largest = decimal_text(Fraction(INT64_MAX, 10 ** digits))
            self.fail(node, f"{node.text} {node.currency} does not fit in 64-bit minor units: "
                            f"an amount is at most {largest} {node.currency}")
            return None
        return Type.MONEY

    def visit_String(self, node):
        return Type.STRING

    def visit_Date(self, node):
        return Type.DATE

    def visit_Bool(self, node):
        return Type.BOOL

    def visit_ListExpr(self, node):
        item_type = None
        for item in node.items:
            found = self.visit(item)
            if found is None:
                return None
            if isinstance(found, ListOf):
                self.fail(item, "a list cannot hold lists")
                return None
            common = found if item_type is None else unify(item_type, found)
            if common is None:
                self.fail(item, f"a list holds one type: this is {found}, "
                                f"the items before it are {item_type}")
                return None
            item_type = common
        return ListOf(item_type)

    # -- names ----------------------------------------------------------------------------

    def visit_Name(self, node):
        return self.resolve(node)

    def visit_Member(self, node):
        return self.resolve(node)

    def resolve(self, node: nodes.Node) -> AnyType | None:
        path = nodes.dotted_name(node)
        if path is None:
            self.fail(node, "only names such as deal.amount have fields")
            return None
        parts = path.split(".")
        if len(parts) == 1:
            return self.resolve_bare(node, parts[0])
        if parts[0] in WINDOW_NAMESPACES and not (
                len(parts) == 2 and parts[1] in self.scope.fields.get(parts[0], {})):
            return self.resolve_other_window(node, parts)
        if len(parts) > 2:
            self.fail(node, f"unknown name `{path}`: names have at most one '.'")
            return None
        namespace, name = parts
        if namespace in MEASURE_NAMESPACES:
            return self.resolve_measure_field(node, namespace, name)
        if namespace == "earned":
            return self.resolve_earned(node, name)
        fields = self.scope.fields.get(namespace)
        if fields is None:
            known = [*self.scope.fields, *MEASURE_NAMESPACES, "earned"]
            self.fail(node, f"unknown name `{namespace}`{suggest(namespace, known)}")
            return None
        if namespace == "metric" and self.scope.context == MEASURE:
            self.fail(node, f"a measure cannot use `{path}`: measures add up credit rows; use "
                            "the metric in a component, e.g. a bonus's `when:` or `amount:`")
            return None
        if namespace in _PER_DEAL and self.scope.context == PAYEE:
            self.fail(node, f"`{path}` is known only per deal; {self.scope.where} use a "
                            "measure over the deals instead")
            return None
        if name not in fields:
            hint = suggest(name, fields, prefix=f"{namespace}.")
            if not hint and namespace == "metric":
                hint = f"; declare metrics under `fields:`, e.g. `{path}: Money`"
            elif not hint and namespace in DECLARABLE_NAMESPACES:
                hint = f"; declare extra columns under `fields:`, e.g. `{path}: String`"
            self.fail(node, f"unknown field `{path}`{hint}")
            return None
        return fields[name]

    def resolve_bare(self, node: nodes.Node, name: str) -> AnyType | None:
        if name == "target_incentive":
            return Type.MONEY
        if name in self.scope.measures:
            if self.scope.context == MEASURE:
                self.fail(node, "a measure cannot use another measure")
                return None
            return self.scope.measures[name].type  # None for a broken one: said already
        if name in self.scope.fields or name in (*MEASURE_NAMESPACES, "earned"):
            self.fail(node, f"`{name}` is a group of names: write `{name}.` and a field")
            return None
        if name in FUNCTIONS:
            self.fail(node, f"`{name}` is a function: call it as {name}(...)")
            return None
        candidates = [*self.scope.measures, "target_incentive", *self.scope.fields]
        self.fail(node, f"unknown name `{name}`{suggest(name, candidates)}")
        return None

    def resolve_measure_field(self, node, namespace: str, name: str,
                              written: str | None = None) -> AnyType | None:
        """`quota.M`, `attainment.M`, `team.M`, `team_all.M`, and with ``written`` the same
        of another window (namespace "" for the measure itself)."""
        written = written or f"{namespace}.{name}"
        if self.scope.context == MEASURE:
            self.fail(node, f"a measure cannot use `{written}`")
            return None
        info = self.scope.measures.get(name)
        if info is None:
            self.fail(node, f"`{written}`: there is no measure `{name}`"
                            f"{suggest(name, self.scope.measures)}")
            return None
        if info.type is None:
            return None
        if namespace == "":
            return info.type
        if info.aggregate not in ("sum", "count"):
            self.fail(node, f"`{written}` needs a sum or count measure; "
                            f"`{name}` is a {info.aggregate}")
            return None
        return Type.NUMBER if namespace == "attainment" else info.type

    def resolve_other_window(self, node, parts: list[str]) -> AnyType | None:
        """`period.M`, `ytd.quota.M`, `annual.attainment.M`: a measure's figures over
        another window of the same payout period."""
        window, rest = parts[0], parts[1:]
        allowed = WINDOW_NAMESPACES[window]
        written = ".".join(parts)
        if len(rest) == 1 and "" in allowed and rest[0] in self.scope.measures:
            return self.resolve_measure_field(node, "", rest[0], written)
        if len(rest) == 2 and rest[0] in allowed and rest[0]:
            return self.resolve_measure_field(node, rest[0], rest[1], written)
        if window == "annual" and len(rest) == 1 and rest[0] in self.scope.measures:
            self.fail(node, f"`{written}` is not a name: a measure over the whole year is not "
                            f"known before it ends; write `ytd.{rest[0]}` (fiscal year start "
                            f"to the end of the period) or `annual.quota.{rest[0]}`")
            return None
        builtin = [f"{window}.{f}" for f in self.scope.fields.get(window, {})]
        forms = [f"{window}.{a}.M" if a else f"{window}.M" for a in allowed]
        self.fail(node, f"unknown name `{written}`: after `{window}.` write "
                        f"{', '.join(f'`{f}`' for f in forms + builtin)} (M a measure)")
        return None

    def resolve_earned(self, node, name: str) -> AnyType | None:
        if self.scope.context != PAYEE:
            self.fail(node, f"`earned.{name}` is a payee-level value; it cannot be used "
                            f"{self.scope.where}")
            return None
        if name in self.scope.earlier_components:
            return Type.MONEY
        if name in self.scope.other_windows:
            self.fail(node, f"`earned.{name}` is earned over a {self.scope.other_windows[name]}"
                            " window and this component over another; `earned.*` reads only "
                            "earlier components over the same kind of window (set `window:` "
                            "alike on both)")
            return None
        if self.scope.later_components and name == self.scope.later_components[0]:
            self.fail(node, f"a component cannot use its own earnings (`earned.{name}`)")
        elif name in self.scope.later_components:
            self.fail(node, f"`earned.{name}` is listed after this component; only "
                            "components listed earlier can be used")
        else:
            known = (*self.scope.earlier_components, *self.scope.later_components)
            self.fail(node, f"`earned.{name}`: there is no component `{name}`"
                            f"{suggest(name, known)}")
        return None

    # -- operators ------------------------------------------------------------------------

    def visit_Negate(self, node):
        found = self.visit(node.operand)
        if found is None:
            return None
        if found not in (Type.MONEY, Type.NUMBER, Type.INT):
            self.fail(node, f"cannot negate {found}")
            return None
        return found

    def visit_Not(self, node):
        return self.require_bool(node.operand, "`not`")

    def visit_Logical(self, node):
        left = self.require_bool(node.left, f"`{node.op}`")
        right = self.require_bool(node.right, f"`{node.op}`")
        return Type.BOOL if left and right else None

    def require_bool(self, node: nodes.Node, what: str) -> Type | None:
        found = self.visit(node)
        if found is None:
            return None
        if found != Type.BOOL:
            self.fail(node, f"{what} needs a true/false value, but this is {found}")
            return None
        return Type.BOOL

    _VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}

    def visit_Arithmetic(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if left is None or right is None:
            return None
        result = None
        if isinstance(left, Type) and isinstance(right, Type):
            result = arithmetic_result(node.op, left, right)
        if result is None:
            self.fail(node, self.arithmetic_message(node, left, right))
            return None
        if node.op == "/" and _is_zero_literal(node.right):
            self.fail(node.right, "division by zero")
            return None
        return result

    def arithmetic_message(self, node, left, right) -> str:
        verb = self._VERBS[node.op]
        message = f"cannot {verb} {left} and {right}"
        money_side = (node.right if left == Type.MONEY else node.left)
        if Type.MONEY in (left, right) and node.op in "+-" and _is_number_literal(money_side):
            message += f": write {_money_hint(money_side, self.scope.currency)}"
        elif left == right == Type.MONEY and node.op == "*":
            message += ": multiply money by a number such as a rate (5%)"
        elif right == Type.MONEY and node.op == "/":
            message = "cannot divide a number by Money"
        return message

    def visit_Compare(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if left is None or right is None:
            return None
        common = unify(left, right) if not isinstance(left, ListOf) else None
        if common is None:
            message = f"cannot compare {left} with {right}"
            if Type.MONEY in (left, right):
                other = node.right if left == Type.MONEY else node.left
                if _is_number_literal(other):
                    message += f": write {_money_hint(other, self.scope.currency)}"
            self.fail(node, message)
            return None
        if node.op not in ("==", "!=") and common not in ORDERED:
            self.fail(node, f"{common} values have no order; only == and != compare them")
            return None
        return Type.BOOL

    def visit_In(self, node):
        item = self.visit(node.item)
        if not isinstance(node.container, nodes.ListExpr):
            self.fail(node.container, "`in` needs a list written out: [\"a\", \"b\"]")
            return None
        container = self.visit(node.container)
        if item is None or container is None:
            return None
        if container.item is not None and unify(item, container.item) is None:
            self.fail(node, f"cannot look for {item} in a list of {container.item}")
            return None
        return Type.BOOL

    def visit_Conditional(self, node):
        condition = self.require_bool(node.condition, "the condition after `if`")
        then, otherwise = self.visit(node.then), self.visit(node.otherwise)
        if condition is None or then is None or otherwise is None:
            return None
        common = unify(then, otherwise)
        if common is None:
            self.fail(node, f"both sides of `if ... else` must have one type: "
                            f"{then} and {otherwise} differ")
        return common

    # -- calls ----------------------------------------------------------------------------

    def visit_Call(self, node):
        name, args = node.function, node.args
        if name not in FUNCTIONS:
            self.fail(node, f"unknown function `{name}`{suggest(name, FUNCTIONS)}")
            return None
        if name == "rank":
            return self.visit_rank(node)
        if _is_aggregate(node):
            self.fail(node, f"`{name}(...)` over deals is allowed only in `measures:`; "
                            "define a measure and use its name")
            return None
        if node.where is not None:
            self.fail(node.where, f"`where` belongs to aggregates in measures, not to {name}")
            return None
        if name == "prorated":
            return self.visit_prorated(node)
        types = [self.visit(arg) for arg in args]
        if any(t is None for t in types):
            return None
        if name in ("days", "months"):
            if len(args) != 2 or any(t != Type.DATE for t in types):
                self.fail(node, f"{name}(d1, d2) takes two dates")
                return None
            return Type.INT
        if name == "abs":
            if len(args) != 1 or types[0] not in (Type.MONEY, Type.NUMBER, Type.INT):
                self.fail(node, "abs(x) takes one Money or Number")
                return None
            return types[0]
        if name in ("min", "max") and len(args) < 2:
            self.fail(node, f"{name}(a, b, ...) takes two or more values")
            return None
        if name == "clamp" and len(args) != 3:
            self.fail(node, "clamp(x, lo, hi) takes three values")
            return None
        common = types[0]
        for arg, found in zip(args[1:], types[1:]):
            common = unify(common, found)
            if common is None:
                hint = ""
                if Type.MONEY in (types[0], found) and _is_number_literal(arg):
                    hint = f": write {_money_hint(arg, self.scope.currency)}"
                self.fail(arg, f"{name}(...) takes values of one type; this is {found}{hint}")
                return None
        if common not in (Type.MONEY, Type.NUMBER, Type.INT, Type.DATE):
            self.fail(node, f"{name}(...) takes Money, Numbers or Dates, not {common}")
            return None
        return common

    def visit_prorated(self, node) -> AnyType | None:
        """`prorated(param.NAME)`: an annual Money parameter over the window's payout
        periods, prorated as target incentive is; a payee-level value."""
        args = node.args
        path = nodes.dotted_name(args[0]) if len(args) == 1 else None
        if path is None or not path.startswith("param."):
            self.fail(node, "prorated(param.NAME) takes one assignment parameter, such as "
                            "prorated(param.base_salary)")
            return None
        if self.scope.context != PAYEE:
            self.fail(node, f"prorated(...) is a payee-level value; it cannot be used per "
                            f"deal {self.scope.where}")
            return None
        found = self.visit(args[0])
        if found is not None and found != Type.MONEY:
            self.fail(args[0], f"prorated(...) takes an annual Money parameter; `{path}` "
                               f"is {found}")
            return None
        return Type.MONEY if found is not None else None

    def visit_rank(self, node: nodes.Call) -> Type | None:
        """rank(M): the payee's place by measure M among the payees of the plan in the
        window (PLAN_LANGUAGE.md 7.4), an Int; payee context only, M a measure's name."""
        if self.scope.context != PAYEE:
            self.fail(node, f"rank(...) compares payees over the whole window, so it cannot be "
                            f"used {self.scope.where}, which is evaluated per "
                            f"{'credit row' if self.scope.context == MEASURE else 'deal'}; use "
                            "it in a bonus's `when:` or `amount:`, a formula, a threshold or "
                            "a cap")
            return None
        if node.where is not None:
            self.fail(node.where, "`where` belongs to aggregates in measures, not to rank: "
                                  "make a measure with the `where` and rank by it")
            return None
        if len(node.args) != 1:
            self.fail(node, "rank(M) takes one measure's name, e.g. rank(bookings)")
            return None
        arg = node.args[0]
        name = arg.name if isinstance(arg, nodes.Name) else None
        info = self.scope.measures.get(name) if name is not None else None
        if info is None:
            shown = nodes.dotted_name(arg) if isinstance(arg, (nodes.Name, nodes.Member)) \
                else None
            hint = suggest(name, self.scope.measures) if name is not None else ""
            self.fail(arg, f"rank(...) takes a measure's name, such as "
                           f"rank({next(iter(self.scope.measures), 'bookings')})"
                           + (f"; `{shown}` is not a measure" if shown else
                              "; to rank by a figure, define it as a measure")
                           + hint)
            return None
        if info.type is None:
            return None  # the measure's own error is reported already
        if info.type not in (Type.MONEY, Type.NUMBER, Type.INT):
            self.fail(arg, f"rank(...) orders payees by an amount or a count; `{name}` is a "
                           f"{info.type} measure")
            return None
        return Type.INT

    # -- measures -------------------------------------------------------------------------

    def visit_measure(self, node: nodes.Node) -> AnyType | None:
        """A measure is one aggregate over the payee's credit rows in the window."""
        if not (isinstance(node, nodes.Call) and _is_aggregate(node)):
            self.fail(node, "a measure is one aggregate: sum(EXPR where COND), "
                            "count(where COND), min(EXPR where COND) or max(EXPR where COND)")
            return None
        wanted = 0 if node.function == "count" else 1
        if len(node.args) != wanted:
            self.fail(node, "count(where COND) takes no value before `where`" if not wanted
                      else f"{node.function}(EXPR where COND) takes one value")
            return None
        self.in_aggregate = True
        try:
            condition_ok = node.where is None or self.require_bool(node.where, "`where`")
            found = Type.INT if node.function == "count" else self.visit(node.args[0])
            if not condition_ok or node.function == "count":
                return found if condition_ok else None
            allowed = (Type.MONEY, Type.NUMBER, Type.INT) + ((Type.DATE,)
                                                              if node.function != "sum" else ())
            if found is not None and found not in allowed:
                self.fail(node.args[0], f"{node.function}(...) cannot add up {found} values"
                          if node.function == "sum" else
                          f"{node.function}(...) needs Money, Numbers or Dates, not {found}")
                return None
            return found
        finally:
            self.in_aggregate = False


def _is_aggregate(node: nodes.Call) -> bool:
    """sum/count always aggregate; min/max aggregate with one argument or a where clause."""
    if node.function in ("sum", "count"):
        return True
    return node.function in ("min", "max") and (len(node.args) == 1 or node.where is not None)


def _is_zero_literal(node: nodes.Node) -> bool:
    return isinstance(node, (nodes.Number, nodes.Percent)) and node.value == 0 or (
        isinstance(node, nodes.Money) and node.amount == 0)
