"""The money module: exact decimal text, minor units and the two rounding modes."""
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.lines import group_sums
from rules_dsl.money import (MoneyError, decimal_text, difference, format_minor_units,
                          minor_digits, parse_decimal, round_fraction, to_minor_units)


@pytest.mark.parametrize("text, value", [
    ("0.1", Fraction(1, 10)),
    ("12", Fraction(12)),
    ("-300.5", Fraction(-601, 2)),
    ("1_000_000", Fraction(1_000_000)),
    ("1_250.50", Fraction(2501, 2)),
    ("0.075", Fraction(3, 40)),
])
def test_decimal_text_is_read_exactly(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["", "1.", ".5", "1e3", "1__0", "abc", "1.2.3", "_1"])
def test_malformed_decimal_text_is_refused(text):
    with pytest.raises(MoneyError):
        parse_decimal(text)


@pytest.mark.parametrize("currency, digits", [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_minor_digits_follow_iso_4217(currency, digits):
    assert minor_digits(currency) == digits


def test_amounts_become_minor_units_only_when_exact():
    assert to_minor_units(Fraction(125050, 100), "USD") == 125050
    assert to_minor_units(Fraction(1500), "JPY") == 1500
    with pytest.raises(MoneyError, match="more than the 2 decimal places"):
        to_minor_units(Fraction(1, 1000), "USD")
    with pytest.raises(MoneyError):
        to_minor_units(Fraction(1, 2), "JPY")


@pytest.mark.parametrize("value, half_up, half_even", [
    (Fraction(5, 2), 3, 2),      # 2.5
    (Fraction(7, 2), 4, 4),      # 3.5
    (Fraction(-5, 2), -3, -2),   # half_up rounds away from zero
    (Fraction(-7, 2), -4, -4),
    (Fraction(249, 100), 2, 2),
    (Fraction(251, 100), 3, 3),
    (Fraction(-251, 100), -3, -3),
    (Fraction(4), 4, 4),
])
def test_rounding_modes(value, half_up, half_even):
    assert round_fraction(value, "half_up") == half_up
    assert round_fraction(value, "half_even") == half_even


@given(st.fractions())
def test_rounding_agrees_with_the_definitions(value):
    # Python's round() of a Fraction is half even; half up is half away from zero
    assert round_fraction(value, "half_even") == round(value)
    away = math.floor(abs(value) + Fraction(1, 2))
    assert round_fraction(value, "half_up") == (away if value >= 0 else -away)


def test_formatting():
    assert decimal_text(Fraction(3, 40)) == "0.075"
    assert decimal_text(Fraction(-601, 2)) == "-300.5"
    assert decimal_text(Fraction(7)) == "7"
    assert format_minor_units(123456, "USD") == "1234.56"
    assert format_minor_units(-5, "USD") == "-0.05"
    assert format_minor_units(1500, "JPY") == "1500"
    assert format_minor_units(1, "KWD") == "0.001"


INT64 = st.integers(-(2 ** 63) + 1, 2 ** 63 - 1)


@given(st.lists(st.tuples(st.sampled_from("abc"), INT64 | st.integers(-1000, 1000)),
                min_size=1, max_size=12))
def test_group_sums_are_exact_or_refused(rows):
    groups, values = zip(*rows)
    exact = {g: sum(v for h, v in rows if h == g) for g in set(groups)}
    series = pd.Series(np.array(values, dtype=np.int64))
    if all(-(2 ** 63) <= total < 2 ** 63 for total in exact.values()):
        assert group_sums(series, pd.Series(groups)).to_dict() == exact
    else:
        with pytest.raises(OverflowError, match="does not fit in 64-bit minor units"):
            group_sums(series, pd.Series(groups))


@given(st.lists(st.tuples(INT64, INT64), min_size=1, max_size=8))
def test_a_difference_is_exact_or_refused(pairs):
    after, before = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    if all(-(2 ** 63) <= a - b < 2 ** 63 for a, b in pairs):
        assert difference(after, before).tolist() == [a - b for a, b in pairs]
    else:
        with pytest.raises(OverflowError, match="does not fit in 64-bit minor units"):
            difference(after, before)
