"""Warnings (issue 10): what a plan that checks clean says that its author probably did not mean.

Each rule with the exact line, column and message of its warning, and the cases it must leave
alone. Positions are 1-based into the YAML file, as for errors.
"""
import textwrap

import pytest

from rules_dsl import load_plan_text, load_plans, plan_warnings
from tests.paths import PLANS

HEADER = """\
plan: warn-test
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: quarter
attainment_window: annual
measures:
  bookings: sum(credit.amount)
components:
"""


def warnings_of(text):
    plan, errors = load_plan_text(text, "plan.yaml")
    assert errors == [], errors
    found = plan_warnings([plan])
    assert all(warning.is_warning and warning.file == "plan.yaml" for warning in found)
    return [(warning.line, warning.col, warning.message) for warning in found]


def plan_with(components, header=HEADER):
    return header + textwrap.indent(textwrap.dedent(components), "  ")


def commission(rate):
    return plan_with(f"""\
        - id: commission
          type: commission
          measure: bookings
          rate: {rate}
        """)


def test_the_reference_plans_raise_no_warning():
    plans, errors = load_plans(sorted(PLANS.glob("*.yaml")))
    assert errors == [] and len(plans) >= 9
    assert plan_warnings(plans) == []


# -- rates above 100% -----------------------------------------------------------------------

ABOVE = "more than the whole amount it is paid on"


@pytest.mark.parametrize("rate, warnings", [
    ("10", [(13, 11, f"this rate is 1000%, {ABOVE}; did you mean `10%`?")]),
    ("150%", [(13, 11, f"this rate is 150%, {ABOVE}")]),
    ("2 * 60%", [(13, 11, f"this rate is 120%, {ABOVE}")]),
    ("1.5", [(13, 11, f"this rate is 150%, {ABOVE}; did you mean `1.5%`?")]),
    ("-(-2)", [(13, 11, f"this rate is 200%, {ABOVE}")]),
    ("250", [(13, 11, f"this rate is 25000%, {ABOVE}")]),  # no percent hint above 100
    ('12% if deal.type == "new" else 8', [(13, 42, f"this rate is 800%, {ABOVE}; did you "
                                                   "mean `8%`?")]),
    ("100%", []),
    ("1", []),
    ("10 / 10", []),
    ("5%", []),
    ("credit.share * 10", []),  # reads a name: cannot be known before the deals are read
    ("min(10, credit.share)", []),
])
def test_a_rate_above_100_percent(rate, warnings):
    assert warnings_of(commission(rate)) == warnings


def test_tier_and_override_rates_above_100_percent():
    text = plan_with("""\
        - id: commission
          type: commission
          measure: bookings
          tiers:
            method: marginal
            table:
              - {from: 0%, rate: 5%}
              - {from: 100%, rate: 12}
        - id: over
          type: override
          measure: bookings
          team: direct
          rate: 3
        """)
    assert warnings_of(text) == [
        (17, 30, f"this rate is 1200%, {ABOVE}; did you mean `12%`?"),
        (22, 11, f"this rate is 300%, {ABOVE}; did you mean `3%`?"),
    ]


def test_amounts_of_other_components_are_not_rates():
    text = plan_with("""\
        - id: formula
          type: formula
          amount: 10 * target_incentive
        """)
    assert warnings_of(text) == []


# -- tiers whose rates fall ------------------------------------------------------------------


def tiers(method, *rates):
    rows = "".join(f"        - {{from: {start}%, rate: {rate}}}\n"
                   for start, rate in zip((0, 100, 150), rates))
    return plan_with(f"""\
        - id: commission
          type: commission
          measure: bookings
          tiers:
            method: {method}
            table:
        """) + rows


def test_tier_rates_that_fall_are_warned_at_the_lower_rate():
    # line 16 is the first row; `rate:` of `- {from: 100%, rate: 8%}` is at column 30
    assert warnings_of(tiers("marginal", "10%", "8%", "12%")) == [
        (17, 30, "the tier rates fall here, from 10% to 8%: what is booked past its start "
                 "earns less than what was booked before")]
    assert warnings_of(tiers("retroactive", "10%", "12%", "11.5%")) == [
        (18, 30, "the tier rates fall here, from 12% to 11.5%: reaching it lowers the rate of "
                 "every deal in the window, so selling more can pay less")]


@pytest.mark.parametrize("rates", [
    ("5%", "8%", "12%"),
    ("8%", "8%", "12%"),  # level is not falling
    ("10%", "credit.share * 5%", "8%"),  # each pair has a rate that cannot be known
    ("10%", "8% if deal.type == \"new\" else 12%", "12%"),
])
def test_tier_rates_that_do_not_fall(rates):
    assert warnings_of(tiers("marginal", *rates)) == []


# -- payee-level conditions judged on the year to date ---------------------------------------


def bonus(when, header=HEADER, threshold=None):
    return plan_with(f"""\
        - id: club
          type: bonus
          when: {when}
          amount: 10% * target_incentive
        """ + (f"  threshold: {threshold}\n" if threshold else ""), header)


def judged(key, figure, effect, period="quarter", periods=4, ytd=False):
    return (f"`{key}` is judged at every {period}'s close on {figure} (attainment_window: "
            f"annual): {effect}. To judge it once at the year's end, add `and period.number == "
            f"{periods}`; to judge each {period} on its own figures, use `attainment_window: "
            "period`" + (", or `ytd` to judge the year to date against the quota to date"
                         if ytd else ""))


BONUS_EFFECT = ("the bonus pays in the first quarter where it holds and is taken back if it "
                "stops holding")


def test_a_bonus_on_annual_attainment_in_a_quarterly_plan():
    # Issue 10: it pays at the first quarter's close where the year's bookings so far reach
    # 120% of the full-year quota, not once at the year's end.
    assert warnings_of(bonus("attainment.bookings >= 120%")) == [
        (12, 11, judged("when", "bookings from the fiscal year's start against the full-year "
                                "quota", BONUS_EFFECT, ytd=True))]


def test_the_warning_points_at_the_figure_that_grows_through_the_year():
    assert warnings_of(bonus('payee.role == "ae" and bookings >= 1000000 USD')) == [
        (12, 34, judged("when", "bookings from the fiscal year's start", BONUS_EFFECT))]


def test_a_threshold_on_annual_attainment_in_a_monthly_plan():
    header = HEADER.replace("payout_period: quarter", "payout_period: month")
    text = plan_with("""\
        - id: commission
          type: commission
          measure: bookings
          rate: 5%
          threshold: attainment.bookings >= 50%
        """, header)
    assert warnings_of(text) == [
        (14, 16, judged("threshold", "bookings from the fiscal year's start against the "
                                     "full-year quota",
                        "the commission earns nothing until the first month where it holds, "
                        "then all it has earned since the year's start, and gives that back "
                        "if it stops holding", period="month", periods=12, ytd=True))]


def test_a_bonus_on_annual_attainment_in_a_half_yearly_plan():
    header = HEADER.replace("payout_period: quarter", "payout_period: half")
    assert warnings_of(bonus("attainment.bookings >= 120%", header=header)) == [
        (12, 11, judged("when", "bookings from the fiscal year's start against the full-year "
                                "quota", BONUS_EFFECT.replace("quarter", "half"), period="half",
                        periods=2, ytd=True))]


def test_team_figures_are_judged_on_the_year_to_date_too():
    assert warnings_of(bonus("team_all.bookings >= quota.bookings")) == [
        (12, 11, judged("when", "the whole team's bookings from the fiscal year's start",
                        BONUS_EFFECT))]


@pytest.mark.parametrize("when, threshold, header", [
    # pinned to a period by the condition, or by the component's threshold
    ("attainment.bookings >= 120% and period.number == 4", None, HEADER),
    ("attainment.bookings >= 120%", "period.number == 4", HEADER),
    ("attainment.bookings >= 120% and period.end >= 2026-12-31", None, HEADER),
    # a quota alone is the same whole-year figure at every close
    ("quota.bookings >= 1000000 USD", None, HEADER),
    # windows that are what they say: the period alone, the year to date against the quota
    # to date, or a year paid once
    ("attainment.bookings >= 120%", None,
     HEADER.replace("attainment_window: annual", "attainment_window: period")),
    ("attainment.bookings >= 120%", None,
     HEADER.replace("attainment_window: annual", "attainment_window: ytd")),
    ("attainment.bookings >= 120%", None,
     HEADER.replace("payout_period: quarter", "payout_period: year")),
])
def test_conditions_whose_window_is_clear(when, threshold, header):
    assert warnings_of(bonus(when, header, threshold)) == []


def test_a_spiff_when_is_per_deal_and_not_judged_on_a_window():
    text = plan_with("""\
        - id: logo
          type: spiff
          when: deal.amount >= 100000 USD
          amount: 500 USD
        """)
    assert warnings_of(text) == []
