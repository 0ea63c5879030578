"""Figures as a rep reads them: rates, percents and money, one at a time or a column at a
time (the sentences beside each line are put together in ``engine.changes``)."""
from __future__ import annotations

import datetime
import functools
from fractions import Fraction

import numpy as np

from rules_dsl.money import Money, decimal_text, format_grouped, minor_digits, \
    round_fraction, rounded_text


@functools.lru_cache(maxsize=4096)  # a plan has a handful of distinct rates
def rate_text(rate: Fraction) -> str:
    """A rate as exact decimal text, or to ten places when it has no finite expansion."""
    try:
        return decimal_text(rate)
    except ValueError:
        return decimal_text(Fraction(round_fraction(rate * 10 ** 10, "half_even"), 10 ** 10))


@functools.lru_cache(maxsize=4096)
def percent(rate: Fraction) -> str:
    return f"{rate_text(rate * 100)}%"


def short_percent(value: Fraction) -> str:
    """A ratio as a percent to two places (half even), for attainment read by a person."""
    return f"{rounded_text(value * 100, 2)}%"


def money(units: int, currency: str) -> str:
    return f"{format_grouped(units, currency)} {currency}"


@functools.lru_cache(maxsize=4096)
def rate_text_of(numerator: int, denominator: int) -> str:
    """``rate_text`` of numerator/denominator: a line table holds its rates as such pairs."""
    return rate_text(Fraction(numerator, denominator))


@functools.lru_cache(maxsize=4096)
def percent_of(numerator: int, denominator: int) -> str:
    return percent(Fraction(numerator, denominator))


def amount_texts(units: np.ndarray, currency: str) -> list[str]:
    """``format_minor_units`` of a whole column: 123456 USD -> '1234.56'."""
    return _fixed_point_texts(units, currency, grouped=False)


def money_texts(units: np.ndarray, currency: str) -> list[str]:
    """``money`` of a whole column: 123456789 USD -> '1,234,567.89 USD'."""
    return _fixed_point_texts(units, currency, grouped=True)


def _fixed_point_texts(units: np.ndarray, currency: str, grouped: bool) -> list[str]:
    digits = minor_digits(currency)
    units = np.asarray(units)
    negative = (units < 0).tolist()
    whole, fraction = np.divmod(np.abs(units), 10 ** digits)
    rows = zip(negative, whole.tolist(), fraction.tolist())
    if grouped and digits:
        return [f"{'-' if minus else ''}{w:,}.{f:0{digits}d} {currency}" for minus, w, f in rows]
    if grouped:
        return [f"{'-' if minus else ''}{w:,} {currency}" for minus, w, _ in rows]
    if digits:
        return [f"{'-' if minus else ''}{w}.{f:0{digits}d}" for minus, w, f in rows]
    return [f"{'-' if minus else ''}{w}" for minus, w, _ in rows]


def figure_text(value, name: str, currency: str) -> str:
    """A payee-level value as a sentence shows it beside its name: money with its currency,
    attainment and other ratios as percents, whole numbers and dates as they are."""
    if isinstance(value, Money):
        return money(int(value), currency)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "none"}[value]
    if isinstance(value, Fraction):
        return short_percent(value) if "attainment." in name else rate_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
