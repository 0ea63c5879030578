"""The grammar as a table: expression text, and the fully parenthesised form it parses to.

The printed form makes precedence and associativity visible: `1 + 2 * 3` must print as
`1 + (2 * 3)`. The second table is syntax errors with the offset and message a comp admin sees.
"""
import datetime
from fractions import Fraction

import pytest

from rules_dsl import nodes
from rules_dsl.parser import MAX_DEPTH, MAX_EXPRESSION_CHARS, parse_expression
from rules_dsl.printer import to_text


def parse(text):
    node, problems = parse_expression(text)
    assert problems == [], problems
    return node


@pytest.mark.parametrize("text, printed", [
    # precedence, loosest first: if/else, or, and, not, comparison, + -, * /, unary -, member
    ("1 + 2 * 3", "1 + (2 * 3)"),
    ("1 * 2 + 3", "(1 * 2) + 3"),
    ("1 - 2 - 3", "(1 - 2) - 3"),
    ("8 / 4 / 2", "(8 / 4) / 2"),
    ("(1 + 2) * 3", "(1 + 2) * 3"),
    ("-a * b", "(-a) * b"),
    ("- -a", "-(-a)"),
    ("a or b and c", "a or (b and c)"),
    ("not a and b", "(not a) and b"),
    ("not a == b", "not (a == b)"),
    ("a + 1 > b * 2", "(a + 1) > (b * 2)"),
    ("x if a or b else y", "x if (a or b) else y"),
    ("x if a else y if b else z", "x if a else (y if b else z)"),
    ("a.b.c", "a.b.c"),
    ("-deal.amount", "-deal.amount"),
    # literals
    ("1_000_000", "1000000"),
    ("0.075", "0.075"),
    ("12.0", "12.0"),
    ("7.5%", "7.5%"),
    ("1_250.50 EUR", "1250.5 EUR"),
    ("50000USD", "50000 USD"),
    ('"new"', '"new"'),
    ('"say \\"hi\\""', '"say \\"hi\\""'),
    ("2026-03-31", "2026-03-31"),
    ("true", "true"),
    ("false", "false"),
    ('["a", "b"]', '["a", "b"]'),
    ("[]", "[]"),
    # membership, calls and aggregates
    ('deal.type in ["new", "expansion"]', 'deal.type in ["new", "expansion"]'),
    ('deal.type not in ["renewal"]', 'deal.type not in ["renewal"]'),
    ("min(a, b, c)", "min(a, b, c)"),
    ("clamp(x, 0, 1)", "clamp(x, 0, 1)"),
    ("days(deal.date, period.end)", "days(deal.date, period.end)"),
    ("sum(credit.amount where deal.type == \"new\")",
     "sum(credit.amount where deal.type == \"new\")"),
    ("count(where deal.amount >= 50000 USD)", "count(where deal.amount >= 50000 USD)"),
    ("count()", "count()"),
    ("max(deal.amount)", "max(deal.amount)"),
    # a component id with '-' after a dot is one name; spaced, it is a subtraction
    ("earned.club-bonus", "earned.club-bonus"),
    ("earned.club - bonus", "earned.club - bonus"),
    ("10% * param.accelerator", "10% * param.accelerator"),
])
def test_parses_with_precedence(text, printed):
    assert to_text(parse(text)) == printed


def test_literal_values_are_exact():
    assert parse("0.1") == nodes.Number(Fraction(1, 10), False)
    assert parse("12") == nodes.Number(Fraction(12), True)
    assert parse("7.5%") == nodes.Percent(Fraction(3, 40))
    assert parse("1_250.50 EUR") == nodes.Money(Fraction(2501, 2), "EUR")
    assert parse("2026-02-28") == nodes.Date(datetime.date(2026, 2, 28))
    assert parse('"a\\nb"') == nodes.String("a\nb")


def test_spans_cover_the_source_text():
    node = parse("deal.amount >= 50000 USD")
    assert node.span == (0, 24)
    assert node.left.span == (0, 11)
    assert node.right.span == (15, 24)


@pytest.mark.parametrize("text, offset, message", [
    ("a = b", 2, "use == to compare, not ="),
    ("a && b", 2, "use `and`, not &"),
    ("a || b", 2, "use `or`, not |"),
    ("'new'", 0, 'strings are written in double quotes: "new"'),
    ("$500", 0, "write money as a number and a currency code: 50000 USD"),
    ("5 usd", 2, "currency codes are upper case: USD"),
    ("Deal.amount", 0, "unexpected 'Deal': names are lowercase"),
    ("a < b < c", 6, "comparisons cannot be chained: write `a < b and b < c`"),
    ("a b", 2, "unexpected 'b' after a complete value; is an operator"),
    ("f(a", 1, "this '(' is never closed"),
    ("[1, 2", 0, "this '[' is never closed"),
    ("a +", 3, "the expression ends too early; expected an expression"),
    ("x if a", 6, "the expression ends too early; expected `else`"),
    ("deal.", 5, "the expression ends too early; expected a field name after '.'"),
    ("a)", 1, "unexpected ')'"),
    ('"open', 0, 'a string is not closed: end it with "'),
    ("2026-13-01", 0, "2026-13-01 is not a calendar date"),
    # issue 11: digits of other scripts are not numbers
    ("١٠%", 0, "'١' is not an ASCII digit: write numbers with ASCII digits (0-9)"),
    ("1０ USD", 1, "'０' is not an ASCII digit: write numbers with ASCII digits (0-9)"),
    ("100 USD١", 7, "'١' is not an ASCII digit: write numbers with ASCII digits (0-9)"),
    ("x * ²", 4, "'²' is not an ASCII digit: write numbers with ASCII digits (0-9)"),
    ("", 0, "an expression is needed here"),
    ("   ", 0, "an expression is needed here"),
])
def test_syntax_errors_say_where_and_what(text, offset, message):
    node, problems = parse_expression(text)
    assert node is None
    (problem,) = problems
    assert problem.span[0] == offset
    assert problem.message.startswith(message)


def test_expression_size_is_bounded():
    long_text = "1 + " * (MAX_EXPRESSION_CHARS // 4) + "1"
    node, problems = parse_expression(long_text)
    assert node is None and "at most 4096 are allowed" in problems[0].message


def test_nesting_is_bounded_without_crashing():
    deep = "(" * 200 + "1" + ")" * 200
    assert parse(deep) == nodes.Number(Fraction(1), True)  # parentheses make no nodes
    too_deep = "-" * (MAX_DEPTH + 1) + "1"
    node, problems = parse_expression(too_deep)
    assert node is None and "nests more than 64 deep" in problems[0].message
    assert parse_expression("-" * (MAX_DEPTH - 2) + "1")[1] == []
    chain = " + ".join(["1"] * 1000)
    node, problems = parse_expression(chain)
    assert node is None and "nests more than 64 deep" in problems[0].message
