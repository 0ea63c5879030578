"""A payee-level expression said in words, so a statement never shows plan-language syntax:
`attainment.bookings >= 120%` reads "bookings attainment reached the 120% needed", and
`20% * target_incentive` reads "20% of the target incentive". Each payee-level name is
followed by a ``Slot`` that a line fills with that payee's figure, so the words are made
once per expression and a line per payee only puts its figures in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rules_dsl import nodes
from rules_dsl.figures import money, percent
from rules_dsl.money import decimal_text, group_thousands, minor_digits


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a name's figure goes: " (6,464,300.00 USD)" after "team bookings"."""
    name: str


Words = list  # of str and Slot, in reading order

# a comparison that holds (a paid bonus's condition), and one that may not (under `or`)
_FACT = {">=": "reached", ">": "is above", "<=": "is at most", "<": "is below", "==": "is",
         "!=": "is not"}
_OPEN = {">=": "is at least", ">": "is above", "<=": "is at most", "<": "is below",
         "==": "is", "!=": "is not"}
_ARITHMETIC = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}
_SCOPES = {"period": "this period", "ytd": "for the year to date",
           "annual": "for the whole year"}
_LITERALS = (nodes.Number, nodes.Percent, nodes.Money, nodes.String, nodes.Date, nodes.Bool)


def said(node: nodes.Node, title: Callable[[str], str], figured: Callable[[str], bool],
         fact: bool = False) -> Words:
    """``node`` in words. ``title(name)`` is what a measure or component is called;
    ``figured(dotted name)`` says whether a line has a figure for the name (a Slot follows
    it then). With ``fact`` the expression is known to hold (a paid bonus's `when`): its
    comparisons are said as what happened ("reached"), down through `and`."""
    return _Sayer(title, figured).say(node, fact)


def filled(words: Words, figure: Callable[[str], str | None]) -> str:
    """The words with each slot's figure in parentheses, or nothing where there is none."""
    out = []
    for piece in words:
        if isinstance(piece, Slot):
            text = figure(piece.name)
            if text is not None:
                out.append(f" ({text})")
        else:
            out.append(piece)
    return "".join(out)


def slots(words: Words) -> list[str]:
    """The names whose figures the words show, once each, in reading order."""
    return list(dict.fromkeys(piece.name for piece in words if isinstance(piece, Slot)))


class _Sayer:
    def __init__(self, title, figured):
        self.title, self.figured = title, figured

    def say(self, node: nodes.Node, fact: bool = False) -> Words:
        if isinstance(node, _LITERALS):
            return [_literal(node)]
        if isinstance(node, (nodes.Name, nodes.Member)):
            return self._name(nodes.dotted_name(node) or "")
        if isinstance(node, nodes.Compare):
            return self._compare(node, fact)
        if isinstance(node, nodes.Logical):
            keep = fact and node.op == "and"
            return [*self.say(node.left, keep), f" {node.op} ", *self.say(node.right, keep)]
        if isinstance(node, nodes.Not):
            return ["it is not so that ", *self.say(node.operand)]
        if isinstance(node, nodes.Negate):
            return ["minus ", *self._operand(node.operand)]
        if isinstance(node, nodes.In):
            verb = " is not one of " if node.negated else " is one of "
            return [*self.say(node.item), verb, *self.say(node.container)]
        if isinstance(node, nodes.ListExpr):
            return _joined([self.say(item) for item in node.items], "or")
        if isinstance(node, nodes.Conditional):
            return [*self.say(node.then), " if ", *self.say(node.condition), ", otherwise ",
                    *self.say(node.otherwise)]
        if isinstance(node, nodes.Arithmetic):
            return self._arithmetic(node)
        if isinstance(node, nodes.Call):
            return self._call(node)
        return [str(node)]

    def _name(self, name: str) -> Words:
        words = [_name_words(name, self.title)]
        if self.figured(name):
            words.append(Slot(name))
        return words

    def _compare(self, node: nodes.Compare, fact: bool) -> Words:
        if node.op == ">=" and fact and isinstance(node.right, _LITERALS):
            return [*self.say(node.left), f" reached the {_literal(node.right)} needed"]
        verb = (_FACT if fact else _OPEN)[node.op]
        return [*self.say(node.left), f" {verb} ", *self.say(node.right)]

    def _arithmetic(self, node: nodes.Arithmetic) -> Words:
        if node.op == "*" and isinstance(node.left, nodes.Percent):
            return [percent(node.left.value), " of ", *self._operand(node.right)]
        if node.op == "*" and isinstance(node.right, nodes.Percent):
            return [percent(node.right.value), " of ", *self._operand(node.left)]
        return [*self._operand(node.left), f" {_ARITHMETIC[node.op]} ",
                *self._operand(node.right)]

    def _operand(self, node: nodes.Node) -> Words:
        """An arithmetic operand; a compound one is bracketed, as a sum said aloud would
        need a pause."""
        words = self.say(node)
        if isinstance(node, (nodes.Arithmetic, nodes.Conditional, nodes.Logical)):
            return ["[", *words, "]"]
        return words

    def _call(self, node: nodes.Call) -> Words:
        args = [self.say(arg) for arg in node.args]
        prorated = nodes.prorated_name(node)
        if prorated is not None:
            inner = _name_words(nodes.dotted_name(node.args[0]) or "", self.title)
            words = [f"{inner} prorated to the days on the plan"]
            return words + ([Slot(prorated)] if self.figured(prorated) else [])
        if node.function in ("min", "max") and len(args) > 1:
            which = "lesser" if node.function == "min" else "greater"
            return [f"the {which} of ", *_joined(args, "and")]
        if node.function == "clamp" and len(args) == 3:
            return [*args[0], " kept between ", *args[1], " and ", *args[2]]
        if node.function == "abs" and len(args) == 1:
            return ["the size of ", *args[0]]
        if node.function == "rank" and len(args) == 1:  # the rank itself is said apart
            return [f"the rank by {_name_words(nodes.dotted_name(node.args[0]) or '', self.title)}"]
        if node.function in ("days", "months") and len(args) == 2:
            return [f"the whole {node.function} from ", *args[0], " to ", *args[1]]
        return [f"{node.function} of ", *_joined(args, "and")]


def _joined(parts: list[Words], last: str) -> Words:
    words: Words = []
    for i, part in enumerate(parts):
        if i:
            words.append(f" {last} " if i == len(parts) - 1 else ", ")
        words.extend(part)
    return words


def _literal(node: nodes.Node) -> str:
    if isinstance(node, nodes.Percent):
        return percent(node.value)
    if isinstance(node, nodes.Money):  # in minor units where it is whole in them
        units = node.amount * 10 ** minor_digits(node.currency)
        if units.denominator == 1:
            return money(int(units), node.currency)
        return f"{group_thousands(decimal_text(node.amount))} {node.currency}"
    if isinstance(node, nodes.Number):
        return group_thousands(decimal_text(node.value))
    if isinstance(node, nodes.String):
        return f"“{node.value}”"
    if isinstance(node, nodes.Date):
        return node.value.isoformat()
    return "yes" if node.value else "no"


def _name_words(name: str, title: Callable[[str], str]) -> str:
    """What a payee-level name means, in words (PLAN_LANGUAGE.md 2, 7.2, 7.4)."""
    parts = name.split(".")
    scope = ""
    if len(parts) > 1 and parts[0] in _SCOPES and parts[1] not in ("start", "end", "number"):
        scope, parts = f" {_SCOPES[parts[0]]}", parts[1:]
    head, rest = parts[0], ".".join(parts[1:])
    if head == "attainment" and rest:
        return f"{title(rest)} attainment{scope}"
    if head == "quota" and rest:
        return f"the {title(rest)} quota{scope}"
    if head == "team" and rest:
        return f"team {title(rest)}{scope}"
    if head == "team_all" and rest:
        return f"the whole team's {title(rest)}{scope}"
    if head == "earned" and rest:
        return f"earned on {title(rest)}"
    if head == "period" and rest in ("start", "end", "number"):
        return {"start": "the period's first day", "end": "the period's last day",
                "number": "the period's number in the fiscal year"}[rest]
    if head == "target_incentive" and not rest:
        return "the target incentive"
    if head == "payee" and rest:
        return f"the payee's {rest.replace('_', ' ')}"
    if head in ("param", "metric") and rest:
        return rest.replace("_", " ")
    return f"{title(name)}{scope}"
