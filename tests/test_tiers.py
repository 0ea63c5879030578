"""Marginal and retroactive tiers on published worked examples (shared/worked_examples.yaml).

Amounts are in cents. Each case has its source and the hand calculation beside it.
"""
from fractions import Fraction

import numpy as np
import pytest

from engine.tiers import attainment_starts, marginal, retroactive, running_totals

F = Fraction


def per_row(rates, rows):
    """Constant tier rates as the engine passes them: (numerators, denominators) per tier."""
    return [(np.full(rows, rate.numerator, dtype=np.int64),
             np.full(rows, rate.denominator, dtype=np.int64)) for rate in rates]


def money_starts(rows, *starts_in_units):
    return np.tile(np.array([s * 100 for s in starts_in_units], dtype=np.int64), (rows, 1))


def one_row(total_cents, starts, rates, method, mode="half_up"):
    amounts = np.array([total_cents], dtype=np.int64)
    table = money_starts(1, *starts)
    if method == "marginal":
        return marginal(amounts, np.zeros(1, np.int64), table, per_row(rates, 1), mode)
    return retroactive(amounts, amounts, table, per_row(rates, 1), mode)


@pytest.mark.parametrize("case, sales, starts, rates, expected, slices", [
    # salestool-marginal-30k: 5% to 10,000, 7% to 25,000, 10% above; on 30,000:
    # 10,000 x 5% = 500 + 15,000 x 7% = 1,050 + 5,000 x 10% = 500 -> 2,050
    ("salestool", 30_000, (0, 10_000, 25_000), (F(5, 100), F(7, 100), F(10, 100)),
     2_050, (10_000, 15_000, 5_000)),
    # mathtutor-graduated-9000: 6% on 3,000 = 180, 8% on 5,000 = 400, 10% on 1,000 = 100
    ("mathtutor", 9_000, (0, 3_000, 8_000), (F(6, 100), F(8, 100), F(10, 100)),
     680, (3_000, 5_000, 1_000)),
    # excelforum-quarterly-accelerator-150k: 5% to 100k = 5,000, 6% to 125k = 1,500,
    # 7% above = 1,750 -> 8,250
    ("excelforum", 150_000, (0, 100_000, 125_000), (F(5, 100), F(6, 100), F(7, 100)),
     8_250, (100_000, 25_000, 25_000)),
    # gist-cucumber: 10% to 5,000 and 12% above; 6,000 -> 500 + 120 = 620; exactly at the
    # boundary 5,000 -> 500
    ("gist-6000", 6_000, (0, 5_000), (F(10, 100), F(12, 100)), 620, (5_000, 1_000)),
    ("gist-5000", 5_000, (0, 5_000), (F(10, 100), F(12, 100)), 500, (5_000, 0)),
    # oracle-split-options step allocation on 60,000: 1% of 10k + 2% of 40k + 3% of 10k
    ("oracle", 60_000, (0, 10_000, 50_000, 100_000),
     (F(1, 100), F(2, 100), F(3, 100), F(4, 100)), 1_200, (10_000, 40_000, 10_000, 0)),
])
def test_marginal_published_examples(case, sales, starts, rates, expected, slices):
    result = one_row(sales * 100, starts, rates, "marginal")
    assert result.amounts.tolist() == [expected * 100]
    assert tuple(result.slice_bases[0] // 100) == slices


def test_regressive_marginal_trakitrak_order_of_37_50():
    # 21% on the first 25.00 = 5.25, 14% on 12.50 = 1.75 -> 7.00 (rates may fall)
    result = one_row(3_750, (0, 25, 40, 100), (F(21, 100), F(14, 100), F(11, 100),
                                               F(6, 100)), "marginal")
    assert result.amounts.tolist() == [700]


@pytest.mark.parametrize("sales, expected", [
    # oracle-split-options 'rate not split': the highest tier reached pays on everything:
    # 5,000 at 1% = 50; 15,000 at 2% = 300; 60,000 at 3% = 1,800
    (5_000, 50), (15_000, 300), (60_000, 1_800),
])
def test_retroactive_published_examples(sales, expected):
    result = one_row(sales * 100, (0, 10_000, 50_000, 100_000),
                     (F(1, 100), F(2, 100), F(3, 100), F(4, 100)), "retroactive")
    assert result.amounts.tolist() == [expected * 100]


def test_salestool_retroactive_alternative():
    # the same table retroactively: 30,000 reaches the 10% tier, so 3,000 on all of it
    result = one_row(3_000_000, (0, 10_000, 25_000), (F(5, 100), F(7, 100), F(10, 100)),
                     "retroactive")
    assert result.amounts.tolist() == [300_000]


def test_a_deal_straddling_a_boundary_is_split_and_lines_add_up():
    # quota-like boundary at 100,000: deals of 60,000, 50,000 (straddles: 40,000 at 5% and
    # 10,000 at 10%), then 20,000 all at 10%
    amounts = np.array([6_000_000, 5_000_000, 2_000_000], dtype=np.int64)
    starts = money_starts(3, 0, 100_000)
    before = running_totals(amounts, np.array([True, False, False]))
    assert before.tolist() == [0, 6_000_000, 11_000_000]
    result = marginal(amounts, before, starts, per_row((F(5, 100), F(10, 100)), 3), "half_up")
    assert result.amounts.tolist() == [300_000, 300_000, 200_000]  # 3,000; 2,000+1,000; 2,000
    assert result.slice_bases.tolist() == [[6_000_000, 0], [4_000_000, 1_000_000],
                                           [0, 2_000_000]]
    # the lines add up to F(total): 100,000 x 5% + 30,000 x 10% = 8,000
    assert result.amounts.sum() == 800_000


def test_a_credit_memo_gives_back_at_the_rates_it_takes_back():
    # 120,000 booked (5,000 + 2,000 above the 100,000 boundary), then a -30,000 memo: it
    # takes back 20,000 at 10% and 10,000 at 5% = -2,500
    amounts = np.array([12_000_000, -3_000_000], dtype=np.int64)
    before = running_totals(amounts, np.array([True, False]))
    result = marginal(amounts, before, money_starts(2, 0, 100_000),
                      per_row((F(5, 100), F(10, 100)), 2), "half_up")
    assert result.amounts.tolist() == [700_000, -250_000]


def test_negative_totals_extend_the_first_tier():
    # a memo before any booking: -1,000 at the first rate 5% = -50
    result = one_row(-100_000, (0, 100_000), (F(5, 100), F(10, 100)), "marginal")
    assert result.amounts.tolist() == [-5_000]


def test_groups_keep_their_own_running_totals():
    amounts = np.array([5, 5, 7, 1], dtype=np.int64)
    starts = np.array([True, False, True, False])
    assert running_totals(amounts, starts).tolist() == [0, 5, 0, 7]


@pytest.mark.parametrize("mode, expected", [("half_up", [1, 1]), ("half_even", [0, 0])])
def test_each_line_is_rounded_once_with_the_plan_mode(mode, expected):
    # 0.10 at 5% = 0.005 per line: half_up gives 0.01, half_even 0.00
    amounts = np.array([10, 10], dtype=np.int64)
    result = marginal(amounts, np.array([0, 10]), money_starts(2, 0), per_row((F(5, 100),), 2),
                      mode)
    assert result.amounts.tolist() == expected


def test_attainment_boundaries_become_money_rounded():
    # quota 333.33: 100% is 333.33, 150% is 499.995 -> 500.00 half_up, 499.99... half_even
    # gives 500.00 too (499.995 -> nearest even cent is 500.00)
    quotas = np.array([33_333], dtype=np.int64)
    starts = attainment_starts((F(0), F(1), F(3, 2)), quotas, "half_up")
    assert starts.tolist() == [[0, 33_333, 50_000]]
    starts = attainment_starts((F(0), F(1), F(3, 2)), quotas, "half_even")
    assert starts.tolist() == [[0, 33_333, 50_000]]


def test_huge_amounts_do_not_wrap():
    # 90 trillion dollars at 12.5%: computed on Python ints, exact
    result = one_row(9_000_000_000_000_000, (0,), (F(1, 8),), "marginal")
    assert result.amounts.tolist() == [1_125_000_000_000_000]
