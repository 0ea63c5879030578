"""Fiscal calendar: period names to date spans (PLAN_LANGUAGE.md section 3).

A fiscal year is named by the calendar year in which it ends: with a February start, fiscal
2027 runs from 2026-02-01 to 2027-01-31. Months keep calendar names (`2026-03`); quarters,
halves and years are fiscal (`2027-Q1`, `2027-H1`, `2027`).
"""
from __future__ import annotations

import datetime
import re

from rules_dsl.icm_error import IcmError

_PERIOD = re.compile(r"([0-9]{4})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?")
LENGTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}
# The years a period may name. From the ledger's beginning (a payee row without a start date
# holds from 1900-01-01) to the last year whose periods, the period after each and the fiscal
# years around them all fall inside Python's dates (which end on 9999-12-31).
FIRST_YEAR, LAST_YEAR = 1900, 9997


class PeriodError(IcmError, ValueError):
    """Not a period name, or one outside the years the calendar covers (a usage error)."""

    exit_code = 2


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, second: datetime.date) -> int:
    """``months(d1, d2)``: whole calendar months from ``first`` to ``second``. A month counts
    when ``second`` reaches ``first``'s day of the month, or is its month's last day (so
    2026-01-31 to 2026-02-28 is one month); negative when ``second`` is earlier."""
    if second < first:
        return -months_between(second, first)
    count = (second.year - first.year) * 12 + second.month - first.month
    last_day = (second + datetime.timedelta(days=1)).day == 1
    return count - 1 if second.day < first.day and not last_day else count


def fiscal_year_start(fiscal_year: int, start_month: int) -> datetime.date:
    return datetime.date(fiscal_year if start_month == 1 else fiscal_year - 1, start_month, 1)


def parse_period(name: str) -> tuple[str, int, int]:
    """(length, year, index): `2026-Q2` is ("quarter", 2026, 2); `2026-03` ("month", 2026, 3).

    Strict, because the name is a key: ` 2026-01` or `٢٠٢٦-01` read as 2026-01 would be
    stored, closed and looked up under a name that is not 2026-01.
    """
    match = _PERIOD.fullmatch(name)
    if not match:
        raise PeriodError(f"{name!r} is not a period: {_how_to_write(name)}")
    year, part = int(match.group(1)), match.group(2)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"{name!r} is not a period: the year must be from {FIRST_YEAR} to "
                          f"{LAST_YEAR}")
    if part is None:
        return "year", year, 1
    if part[0] == "Q":
        return "quarter", year, int(part[1])
    if part[0] == "H":
        return "half", year, int(part[1])
    return "month", year, int(part)


def _how_to_write(name: str) -> str:
    if name != name.strip():
        return "remove the spaces around it"
    if any(character.isdigit() and not "0" <= character <= "9" for character in name):
        return "write its digits as 0-9"
    return "write 2026, 2026-H1, 2026-Q1 or 2026-03"


def period_span(name: str, start_month: int = 1) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period, both inclusive."""
    length, year, index = parse_period(name)
    if length == "month":
        first = datetime.date(year, index, 1)
        months = 1
    else:
        months = LENGTHS[length]
        first = add_months(fiscal_year_start(year, start_month), months * (index - 1))
    return first, add_months(first, months) - datetime.timedelta(days=1)


def fiscal_year_of(day: datetime.date, start_month: int = 1) -> int:
    """The fiscal year (named by the calendar year it ends in) that contains ``day``."""
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year
