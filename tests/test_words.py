"""Payee-level expressions said in words (rules_dsl.words): what a statement shows for a
bonus or formula line instead of plan-language syntax."""
from __future__ import annotations

import pytest

from rules_dsl import words
from rules_dsl.parser import parse_expression

TITLES = {"bookings": "bookings", "arr": "ARR", "club": "President's Club bonus"}


def title(name: str) -> str:
    return TITLES.get(name, name.replace("_", " "))


FIGURES = {"attainment.bookings": "124.10%", "target_incentive": "90,000.00 USD",
           "team.bookings": "6,464,300.00 USD", "quota.bookings": "5,620,000.00 USD",
           "earned.club": "9,000.00 USD", "ytd.attainment.arr": "80.00%"}


def in_words(text: str, fact: bool = False, figures=FIGURES) -> str:
    node, problems = parse_expression(text)
    assert not problems
    said = words.said(node, title, lambda name: name in figures, fact)
    return words.filled(said, figures.get)


@pytest.mark.parametrize("text, fact, expected", [
    # the issue's own example: a threshold that was reached, and a share of a figure
    ("attainment.bookings >= 120%", True,
     "bookings attainment (124.10%) reached the 120% needed"),
    ("10% * target_incentive", False, "10% of the target incentive (90,000.00 USD)"),
    ("team.bookings >= quota.bookings", True,
     "team bookings (6,464,300.00 USD) reached the bookings quota (5,620,000.00 USD)"),
    # under `or` a comparison may not hold: it is said as a condition, not as an event
    ("attainment.bookings >= 120% or ytd.attainment.arr > 100%", True,
     "bookings attainment (124.10%) is at least 120% or ARR attainment for the year to "
     "date (80.00%) is above 100%"),
    ("attainment.bookings >= 100% and earned.club > 0 USD", True,
     "bookings attainment (124.10%) reached the 100% needed and earned on President's Club "
     "bonus (9,000.00 USD) is above 0.00 USD"),
    ("min(2 * target_incentive, 150000 USD)", False,
     "the lesser of 2 times the target incentive (90,000.00 USD) and 150,000.00 USD"),
    ("(team.bookings - quota.bookings) * 1.5%", False,
     "1.5% of [team bookings (6,464,300.00 USD) minus the bookings quota "
     "(5,620,000.00 USD)]"),
    ("500 USD if payee.region in [\"EMEA\", \"APAC\"] else 0 USD", False,
     "500.00 USD if the payee's region is one of “EMEA” or “APAC”, otherwise 0.00 USD"),
    ("prorated(param.base_salary) * 5%", False,
     "5% of base salary prorated to the days on the plan"),
])
def test_an_expression_reads_as_words_with_each_names_figure(text, fact, expected):
    assert in_words(text, fact) == expected


def test_a_name_without_a_figure_for_the_line_is_said_without_one():
    assert in_words("10% * target_incentive", figures={}) == "10% of the target incentive"


def test_no_plan_language_operator_is_left_in_the_words():
    text = ("max(attainment.bookings, 50%) * target_incentive / 4 + 100 USD "
            "if not (period.number == 4) else 0 USD")
    said = in_words(text)
    for syntax in ("*", "/", "==", ">=", "period.number", "target_incentive", "not ("):
        assert syntax not in said, said
