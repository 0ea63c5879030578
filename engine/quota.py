"""Quota and target incentive per payout period (PLAN_LANGUAGE.md section 3).

A quota row spanning several payout periods is divided among them equally into whole minor
units by largest remainder, earlier periods first; a row shorter than a payout period counts in
full in the period that contains it. Each payout period's figure is then prorated for the part
of it that the assignments cover (days, whole months, or none), rounded with the plan's mode,
and divided between assignments sharing the period by largest remainder. This works per payee
and per period, never per deal, so plain Python is the right tool here.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from rules_dsl.calendar import LENGTHS, add_months, fiscal_year_start
from rules_dsl.money import allocate, round_fraction

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class PayoutPeriod:
    name: str  # 2026-03 | 2026-Q1 | 2026
    start: datetime.date
    end: datetime.date
    number: int  # 1-based within the fiscal year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def payout_periods(fiscal_year: int, start_month: int, length: str) -> list[PayoutPeriod]:
    """The payout periods of one fiscal year, in order."""
    months = LENGTHS[length]
    first = fiscal_year_start(fiscal_year, start_month)
    periods = []
    for number in range(1, 12 // months + 1):
        start = add_months(first, months * (number - 1))
        end = add_months(start, months) - ONE_DAY
        if length == "month":
            name = f"{start.year}-{start.month:02d}"
        elif length == "quarter":
            name = f"{fiscal_year}-Q{number}"
        elif length == "half":
            name = f"{fiscal_year}-H{number}"
        else:
            name = str(fiscal_year)
        periods.append(PayoutPeriod(name, start, end, number))
    return periods


def spread_row(start: datetime.date, end: datetime.date, amount: int,
               periods: list[PayoutPeriod]) -> dict[str, int]:
    """A quota row's amount in each payout period it touches."""
    inside = [p for p in periods if p.start >= start and p.end <= end]
    if inside:
        return dict(zip((p.name for p in inside), equal_parts(amount, len(inside))))
    containing = [p for p in periods if p.start <= start <= p.end]
    return {containing[0].name: amount} if containing else {}


def equal_parts(total: int, count: int) -> list[int]:
    """``allocate(total, [Fraction(1)] * count)`` without a Fraction: |total| in ``count``
    equal whole parts, the units left over to the earlier ones, the sign restored (a
    hundred thousand payees' quotas and target incentives are divided this way)."""
    magnitude, sign = abs(total), (-1 if total < 0 else 1)
    share, left = divmod(magnitude, count)
    return [sign * (share + (i < left)) for i in range(count)]


def coverage(period: PayoutPeriod, spans: list[tuple[datetime.date, datetime.date | None]],
             proration: str) -> list[Fraction]:
    """The share of the period each assignment covers, under the plan's proration."""
    shares = []
    for span_start, span_end in spans:
        first = max(period.start, span_start)
        last = min(period.end, span_end or period.end)
        if first > last:
            shares.append(Fraction(0))
        elif proration == "days":
            shares.append(Fraction((last - first).days + 1, period.days))
        elif proration == "months":
            shares.append(Fraction(_whole_months(first, last), _whole_months(period.start,
                                                                            period.end)))
        else:  # none: the whole figure to the assignment in force on the period's last day
            shares.append(Fraction(1 if first <= period.end <= last else 0))
    return shares


def prorate(figure: int, period: PayoutPeriod,
            spans: list[tuple[datetime.date, datetime.date | None]], proration: str,
            mode: str) -> list[int]:
    """The period's figure for each assignment: prorated once, then split by largest
    remainder in proportion to what each covers."""
    if len(spans) == 1 and spans[0][0] <= period.start and (
            spans[0][1] is None or spans[0][1] >= period.end):
        return [figure]  # one assignment over the whole period: nothing to prorate
    shares = coverage(period, spans, proration)
    covered = min(sum(shares), Fraction(1))
    total = round_fraction(figure * covered, mode)
    return allocate(total, shares)


def _whole_months(first: datetime.date, last: datetime.date) -> int:
    """Calendar months lying wholly inside first..last."""
    count, month = 0, datetime.date(first.year, first.month, 1)
    if month < first:
        month = add_months(month, 1)
    while add_months(month, 1) - ONE_DAY <= last:
        count += 1
        month = add_months(month, 1)
    return count
