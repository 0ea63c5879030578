"""Vectorised parsing of CSV text columns: dates, money, shares, rates, choices.

Each parser takes a column of strings (index: the file's row numbers) and returns the parsed
column and the bad rows as ``(row, message)``. Nothing loops over rows in Python except to
word the messages of rows that are already known to be bad.

Numbers and dates are ASCII digits only: the patterns say ``[0-9]``, never ``\\d``, which in
Python (and so in pandas) also matches ``١٠٠``, ``１０００`` and ``²``, and ``int()`` would read
them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rules_dsl.money import ISO_4217_CODES, minor_digits
from rules_dsl.loader import ISO_DATE

Problems = list[tuple[int, str]]

_DECIMAL = r"-?[0-9]+(\.[0-9]+)?"
_UNSIGNED = r"[0-9]+(\.[0-9]+)?"
# An amount has at most this many digits in minor units, so it is below 10**17 and far inside
# int64 whatever its currency's minor digits: 15 before the point for USD, 13 for CLF.
MAX_AMOUNT_DIGITS = 17


def blank(column: pd.Series) -> pd.Series:
    return column.str.strip() == ""


def required(column: pd.Series) -> Problems:
    return [(row, "a value is required") for row in column.index[blank(column)]]


def dates(column: pd.Series, optional: bool = False) -> tuple[pd.Series, Problems]:
    """ISO dates as 'YYYY-MM-DD' strings (None where blank and optional)."""
    text = column.str.strip()
    empty = text == ""
    parsed = pd.to_datetime(text.where(text.str.fullmatch(ISO_DATE.pattern), None),
                            format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() & ~empty
    problems = [(row, f"{value!r} is not a date: write YYYY-MM-DD")
                for row, value in text[bad].items()]
    if not optional:
        problems += [(row, "a date is required") for row in text.index[empty]]
    return text.where(~empty & ~bad, None), problems


def currencies(column: pd.Series, optional: bool = False) -> tuple[pd.Series, Problems]:
    text = column.str.strip()
    empty = text == ""
    bad = ~text.isin(ISO_4217_CODES) & ~(empty & optional)
    problems = [(row, f"{value!r} is not an ISO 4217 currency code such as USD")
                for row, value in text[bad].items()]
    return text.where(~empty, None), problems


def money(column: pd.Series, currency: pd.Series, optional: bool = False,
          allow_negative: bool = True) -> tuple[pd.Series, Problems]:
    """Exact decimal text to integer minor units of each row's currency (Int64, NA if blank).

    More decimals than the currency has is an error, never a rounding, and so is an amount
    of more than MAX_AMOUNT_DIGITS digits in minor units: what is left fits in int64.
    """
    text = column.str.strip().str.replace("_", "", regex=False)
    empty = text == ""
    shaped = text.str.fullmatch(_DECIMAL)
    whole = text.str.extract(r"^-?([0-9]*)", expand=False).fillna("")
    fraction = text.str.extract(r"\.([0-9]+)$", expand=False).fillna("")
    codes = currency.fillna("").astype(str)
    digits = codes.map({code: minor_digits(code) for code in codes.unique()}).astype("int64")
    problems: Problems = []
    bad_shape = ~shaped & ~empty
    problems += [(row, f"{value!r} is not an amount: write digits with an optional '.', "
                       "such as 12500.00") for row, value in column[bad_shape].items()]
    too_precise = shaped & (fraction.str.len() > digits)
    problems += [(row, f"{text[row]} has more decimals than {currency[row]}'s "
                       f"{digits[row]}") for row in text.index[too_precise]]
    whole_digits = MAX_AMOUNT_DIGITS - digits
    too_big = shaped & (whole.str.lstrip("0").str.len() > whole_digits)
    problems += [(row, f"{text[row]} is too large an amount: {currency[row]} amounts have at "
                       f"most {whole_digits[row]} digits before the point")
                 for row in text.index[too_big]]
    negative = shaped & text.str.startswith("-")
    if not allow_negative:
        problems += [(row, f"{text[row]} is negative; it must be 0 or more")
                     for row in text.index[negative]]
    if not optional:
        problems += [(row, "an amount is required") for row in text.index[empty]]
    good = shaped & ~too_precise & ~too_big
    units = pd.Series(pd.NA, index=column.index, dtype="Int64")
    if good.any():
        g_whole = whole[good].replace("", "0").astype("int64")
        g_digits = digits[good]
        g_fraction = pd.Series(0, index=g_whole.index, dtype="int64")
        for places in g_digits.unique():  # a handful of currencies, not a loop per row
            rows = g_digits == places
            if places:
                g_fraction[rows] = fraction[good][rows].str.pad(int(places), side="right",
                                                                fillchar="0").astype("int64")
        value = g_whole * (10 ** g_digits) + g_fraction
        units[good] = np.where(negative[good], -value, value)
    return units, problems


SHARE_SCALE = 1_000_000_000  # shares are stored in billionths


def shares(column: pd.Series) -> tuple[pd.Series, Problems]:
    """`60%` or `0.6` to billionths (600_000_000); exact, at most nine decimals of one."""
    text = column.str.strip()
    percent = text.str.endswith("%")
    number = text.str.rstrip("%").str.strip()
    shaped = number.str.fullmatch(_UNSIGNED)
    whole = number.str.extract(r"^([0-9]+)", expand=False).fillna("0")
    fraction = number.str.extract(r"\.([0-9]+)$", expand=False).fillna("")
    places = fraction.str.len() + np.where(percent, 2, 0)  # 60% is 0.60
    problems: Problems = [(row, f"{value!r} is not a share: write 60% or 0.6")
                          for row, value in text[~shaped].items()]
    too_precise = shaped & (places > 9)
    problems += [(row, f"{text[row]} has more than nine decimals of one")
                 for row in text.index[too_precise]]
    values = pd.Series(0, index=column.index, dtype="int64")
    good = shaped & ~too_precise & (whole.str.lstrip("0").str.len() <= 3)  # 0060% is 60%
    problems += [(row, f"{text[row]} is more than 100%") for row in text.index[shaped & ~good
                                                                              & ~too_precise]]
    if good.any():
        scaled = [int(w + f) * 10 ** (9 - p) for w, f, p in
                  zip(whole[good], fraction[good], places[good])]
        values[good] = scaled
    over = good & (values > SHARE_SCALE)
    problems += [(row, f"{text[row]} is more than 100%") for row in text.index[over]]
    zero = good & (values <= 0)
    problems += [(row, "a share must be more than 0%") for row in text.index[zero]]
    return values, problems


def positive_decimals(column: pd.Series) -> tuple[pd.Series, Problems]:
    """Exact positive decimal text, normalised (no '_', no leading '+'); for FX rates."""
    text = column.str.strip().str.replace("_", "", regex=False)
    shaped = text.str.fullmatch(_UNSIGNED)
    problems: Problems = [(row, f"{value!r} is not a positive decimal rate")
                          for row, value in column[~shaped].items()]
    zero = shaped & (text.str.replace(".", "", regex=False).str.strip("0") == "")
    problems += [(row, "a rate must be more than 0") for row in text.index[zero]]
    return text, problems


def choices(column: pd.Series, allowed: tuple[str, ...], default: str | None = None
            ) -> tuple[pd.Series, Problems]:
    text = column.str.strip()
    if default is not None:
        text = text.where(text != "", default)
    bad = ~text.isin(allowed)
    problems = [(row, f"{value!r} is not one of {', '.join(allowed)}")
                for row, value in text[bad].items()]
    return text, problems


def duplicates(frame: pd.DataFrame, key: list[str]) -> Problems:
    """Rows whose key repeats an earlier row of the same file."""
    repeated = frame.duplicated(subset=key, keep="first")
    if not repeated.any():
        return []
    involved = frame.duplicated(subset=key, keep=False)
    first_rows = frame[involved].drop_duplicates(subset=key, keep="first")
    first_of = {tuple(values): row for row, values in
                zip(first_rows.index, first_rows[key].itertuples(index=False))}
    return [(row, f"repeats the key ({', '.join(map(str, values))}) of row "
                  f"{first_of[tuple(values)]}")
            for row, values in zip(frame.index[repeated],
                                   frame.loc[repeated, key].itertuples(index=False))]
