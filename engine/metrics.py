"""`metric.NAME`: the sum of a metric's rows whose period lies inside the window
(PLAN_LANGUAGE.md 7.4), one figure for every payee of the window.

In: the ledger's metrics rows (``ledger.window``), each a period name, exact decimal text and,
for a money metric, a currency. A period's days are those of the plan's fiscal year, so they
are worked out here, not at import. A Money metric must be in the plan's currency
(docs/decisions.md): a figure of another currency is refused, never converted at a rate the
plan does not name.
"""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from engine.earnings import CalculationError, Window
from engine.names import typed_column
from engine.payee_table import PayeeTable
from rules_dsl.calendar import period_span
from rules_dsl.money import Money, fits_int64, parse_decimal, to_minor_units
from rules_dsl.plan import Plan
from rules_dsl.types import Type


class MetricError(CalculationError):
    """A declared metric the window cannot be given: no row inside it, rows that overlap, or
    a row of the wrong kind (money in another currency, a number with a currency)."""


def declared_metrics(fields: dict[str, Type]) -> dict[str, Type]:
    """The plan's declared metrics, by name (`revenue` for `metric.revenue`)."""
    return {name.split(".", 1)[1]: kind for name, kind in fields.items()
            if name.startswith("metric.")}


def set_metrics(table: PayeeTable, plan: Plan, window: Window, metrics: pd.DataFrame,
                fields: dict[str, Type]) -> None:
    """Each declared metric's figure over the window, the same for every payee of it; a
    window without payees evaluates nothing and needs none."""
    if not len(table):
        return
    for name, kind in declared_metrics(fields).items():
        value = metric_value(plan, window, metrics, name, kind)
        table.set_column(f"metric.{name}", typed_column([value] * len(table),
                                                        "money" if kind == Type.MONEY
                                                        else "number"))


def metric_value(plan: Plan, window: Window, metrics: pd.DataFrame, name: str, kind: Type
                 ) -> Money | Fraction:
    """The sum of metric ``name``'s rows whose period lies inside the window."""
    where = (f"metric.{name} in {window.start}..{window.end} (period {window.name}, "
             f"plan {plan.id})")
    rows = metrics[(metrics["metric"] == name).to_numpy(dtype=bool)]
    inside = []
    for period, value, currency in zip(rows["period"].tolist(), rows["value"].tolist(),
                                       rows["currency"].tolist()):
        start, end = period_span(period, plan.fiscal_year_start)
        if start >= window.start and end <= window.end:
            inside.append((start, end, period, value, currency))
    if not inside:
        raise MetricError(f"{where}: no metrics row of {name!r} has a period inside the "
                          "window; import one with `icm import metrics`")
    inside.sort()
    for (_, end, period, *_), (start, _, later, *_) in zip(inside, inside[1:]):
        if start <= end:
            raise MetricError(f"{where}: the rows for {period} and {later} overlap, so the "
                              "window would count some days twice; keep one of them")
    total = Fraction(0)
    for _, _, period, value, currency in inside:
        currency = currency if isinstance(currency, str) and currency else None
        if kind == Type.MONEY and currency != plan.currency:
            raise MetricError(
                f"{where}: the row for {period} is "
                + (f"in {currency}" if currency else "a number without a currency")
                + f", and the plan pays in {plan.currency}: import the figure in "
                  f"{plan.currency} (icm does not convert metrics)")
        if kind == Type.NUMBER and currency is not None:
            raise MetricError(f"{where}: the row for {period} has the currency {currency}, "
                              f"but the plan declares the metric a Number: declare "
                              f"`metric.{name}: Money`, or clear the row's currency")
        total += parse_decimal(value)
    if kind == Type.NUMBER:
        return total
    units = to_minor_units(total, plan.currency)
    if not fits_int64(units):
        raise MetricError(f"{where}: the sum does not fit in 64-bit minor units")
    return Money(units)


