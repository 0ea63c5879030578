"""Quota spreading and proration, checked against hand calculations and a published example."""
import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules_dsl.money import allocate
from engine.quota import coverage, payout_periods, prorate, spread_row

D = datetime.date


def test_payout_periods_follow_the_fiscal_calendar():
    quarters = payout_periods(2027, 2, "quarter")
    assert [(p.name, p.start, p.end) for p in quarters] == [
        ("2027-Q1", D(2026, 2, 1), D(2026, 4, 30)),
        ("2027-Q2", D(2026, 5, 1), D(2026, 7, 31)),
        ("2027-Q3", D(2026, 8, 1), D(2026, 10, 31)),
        ("2027-Q4", D(2026, 11, 1), D(2027, 1, 31)),
    ]
    months = payout_periods(2027, 2, "month")
    assert [m.name for m in months][:2] == ["2026-02", "2026-03"] and months[-1].name == "2027-01"
    assert months[-1].number == 12
    assert [(p.name, p.days) for p in payout_periods(2026, 1, "year")] == [("2026", 365)]


def test_allocate_by_largest_remainder():
    assert allocate(100, [Fraction(1)] * 3) == [34, 33, 33]  # ties go to the earlier part
    assert allocate(-100, [Fraction(1)] * 3) == [-34, -33, -33]
    assert allocate(1000, [Fraction(1, 3), Fraction(2, 3)]) == [333, 667]
    assert allocate(7, []) == []
    # equal weights take a shortcut; 2 units over 4 equal parts go to the first two
    assert allocate(2, [Fraction(1, 4)] * 4) == [1, 1, 0, 0]
    # the shortcut and the general rule agree: a near-equal weight takes the general path
    assert allocate(10, [Fraction(1)] * 3) == [4, 3, 3]
    assert allocate(10, [Fraction(1)] * 2 + [Fraction(1000001, 1000000)]) == [3, 3, 4]


@given(st.integers(-10 ** 15, 10 ** 15), st.integers(1, 24))
def test_equal_shares_add_up_and_differ_by_one_unit_at_most(total, parts):
    shares = allocate(total, [Fraction(1)] * parts)
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert [abs(s) for s in shares] == sorted((abs(s) for s in shares), reverse=True)


def test_an_annual_row_is_spread_evenly_over_the_quarters():
    quarters = payout_periods(2026, 1, "quarter")
    assert spread_row(D(2026, 1, 1), D(2026, 12, 31), 80_000_000, quarters) == {
        "2026-Q1": 20_000_000, "2026-Q2": 20_000_000, "2026-Q3": 20_000_000,
        "2026-Q4": 20_000_000}


def test_an_uneven_row_gives_the_extra_cents_to_the_earlier_months():
    # 800,000.00 over 12 months: 6,666,666.67 cents each; floors of 6,666,666 leave 8 cents,
    # which go to January..August
    months = payout_periods(2026, 1, "month")
    spread = spread_row(D(2026, 1, 1), D(2026, 12, 31), 80_000_000, months)
    assert list(spread.values()) == [6_666_667] * 8 + [6_666_666] * 4
    assert sum(spread.values()) == 80_000_000


def test_a_row_shorter_than_the_payout_period_counts_in_the_period_containing_it():
    quarters = payout_periods(2026, 1, "quarter")
    assert spread_row(D(2026, 5, 1), D(2026, 5, 31), 1_000_000, quarters) == {
        "2026-Q2": 1_000_000}


def test_new_hire_proration_by_days_seanmasters():
    # seanmasters-new-hire-proration: hired June 1 on a yearly plan, 214 of 365 days:
    # 800,000 x 214/365 = 469,041.0958... -> 469,041.10 (the source's figure), and
    # 75,000 x 214/365 = 43,972.6027... -> 43,972.60
    year = payout_periods(2026, 1, "year")[0]
    assert prorate(80_000_000, year, [(D(2026, 6, 1), None)], "days", "half_up") == [46_904_110]
    assert prorate(7_500_000, year, [(D(2026, 6, 1), None)], "days", "half_up") == [4_397_260]


def test_quarterly_proration_by_days_months_and_none():
    # hired 2026-05-16 on a quarterly plan: Q2 (91 days) is covered 46 days
    q2 = payout_periods(2026, 1, "quarter")[1]
    hire = [(D(2026, 5, 16), None)]
    # 200,000.00 x 46/91 = 101,098.9010... -> 101,098.90
    assert prorate(20_000_000, q2, hire, "days", "half_up") == [10_109_890]
    # whole months covered: June only, 1 of 3 -> 66,666.666... -> 66,666.67
    assert prorate(20_000_000, q2, hire, "months", "half_up") == [6_666_667]
    # none: in force on June 30, so the whole figure
    assert prorate(20_000_000, q2, hire, "none", "half_up") == [20_000_000]
    # a leaver on May 15 is not in force on the last day: nothing
    assert prorate(20_000_000, q2, [(D(2026, 1, 1), D(2026, 5, 15))], "none",
                   "half_up") == [0]


def test_two_assignments_sharing_a_period_split_its_figure():
    # a raise on March 11: January 1..March 10 (69 days) and March 11..31 (21 days) of Q1's
    # 90 days; the whole quarter is covered, so 150,000.00 is split 69:21 by largest
    # remainder: 115,000.00 and 35,000.00
    q1 = payout_periods(2026, 1, "quarter")[0]
    spans = [(D(2026, 1, 1), D(2026, 3, 10)), (D(2026, 3, 11), None)]
    assert coverage(q1, spans, "days") == [Fraction(69, 90), Fraction(21, 90)]
    assert prorate(15_000_000, q1, spans, "days", "half_up") == [11_500_000, 3_500_000]
    # 100.00 split 69:21 -> 76.666.. and 23.333..: floors 7666 + 2333 = 9999, one cent left
    # goes to the larger remainder (0.666.. of the first)
    assert prorate(10_000, q1, spans, "days", "half_up") == [7_667, 2_333]


@pytest.mark.parametrize("mode, expected", [("half_up", [3]), ("half_even", [2])])
def test_proration_rounds_with_the_plan_mode(mode, expected):
    # 0.05 x 1/2 = 0.025 -> 0.03 half_up, 0.02 half_even (a two-day period, one day covered)
    from engine.quota import PayoutPeriod
    period = PayoutPeriod("x", D(2026, 1, 1), D(2026, 1, 2), 1)
    assert prorate(5, period, [(D(2026, 1, 2), None)], "days", mode) == expected
