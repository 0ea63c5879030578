"""Each line's share payable by a period's end (PLAN_LANGUAGE.md 7.3), for every line at once.

A component with `payable:` earns its lines as any other; here each of its deal lines gets
the share of it payable by the last day of the period being computed (``judged_on``), and
its amount becomes payable_to_date = earned_to_date x share, rounded once with the plan's
mode. Everything after (the comparison with the last close, settlement, the close's
records) reads that amount, so pay follows payable. Three columns say the rest: ``earned``
(the line's earnings to date), ``share``/``share_per`` (the share payable) and ``due_day``
(the day the next share falls due, as days since 1970-01-01; 0 for none known). A line
earned negative (a credit memo) is payable at once and in full: a take-back is never held,
so payable to date never exceeds earned to date.
"""
from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd

from engine import vector
from engine.earnings import CalculationError
from engine.lines import NO_DEAL
from engine.names import deal_columns, used_names
from rules_dsl.money import divide_rounded
from rules_dsl.plan import Payable, Plan

HELD_COLUMNS = ("earned", "share", "share_per", "due_day")
_EPOCH = np.datetime64("1970-01-01", "D")


def uses_payable(plan: Plan) -> bool:
    return any(c.payable is not None for c in plan.components)


def payable_lines(plan: Plan, frame: pd.DataFrame, credits: pd.DataFrame,
                  payments: pd.DataFrame | None, judged_on: datetime.date) -> pd.DataFrame:
    """``frame`` (earnings to date per line key) with payable amounts and the held columns.
    ``credits`` are the fiscal year's credit rows (the deals' fields); ``payments`` the
    payments dated up to ``judged_on`` (deal_id, amount, currency), for `collected`."""
    count = len(frame)
    earned = frame["amount"].to_numpy(dtype=np.int64)
    share = np.ones(count, dtype=np.int64)
    share_per = np.ones(count, dtype=np.int64)
    due_day = np.zeros(count, dtype=np.int64)
    deal_line = (frame["deal"] != NO_DEAL).to_numpy(dtype=bool) & \
        ~frame["capped"].to_numpy(dtype=bool) & (earned > 0)
    component = frame["component"].to_numpy(dtype=object)
    end = np.datetime64(judged_on, "D")
    for held in plan.components:
        if held.payable is None:
            continue
        rows = np.flatnonzero(deal_line & (component == held.id))
        if not len(rows):
            continue
        found = _shares(plan, held.payable, frame.iloc[rows], credits, payments, end)
        share[rows], share_per[rows], due_day[rows] = found
    payable = np.where(share == share_per, earned,
                       divide_rounded(earned * share, share_per, plan.rounding))
    return frame.assign(amount=payable.astype(np.int64), earned=earned, share=share,
                        share_per=share_per, due_day=due_day)


def _shares(plan: Plan, payable: Payable, lines: pd.DataFrame, credits: pd.DataFrame,
            payments: pd.DataFrame | None, end: np.datetime64) -> tuple[np.ndarray, ...]:
    """(share, share_per, due_day) of each line by ``end``."""
    if payable.kind == "schedule":
        return _scheduled(payable, lines["date"].to_numpy(dtype="datetime64[D]"), end)
    if payable.kind == "on":
        due = _due_dates(plan, payable, credits)
        days = pd.Series(lines["deal"].to_numpy(dtype=object)).map(due).to_numpy(
            dtype="datetime64[D]")
        known = ~np.isnat(days)
        paid = known & (days <= end)
        waiting = np.where(known & ~paid, (days - _EPOCH).astype(np.int64), 0)
        return paid.astype(np.int64), np.ones(len(lines), dtype=np.int64), waiting
    return _collected(lines, credits, payments)


def _scheduled(payable: Payable, dates: np.ndarray, end: np.datetime64
               ) -> tuple[np.ndarray, ...]:
    """Each step's share once the deal's date plus its `after` is on or before ``end``."""
    per = math.lcm(*(step.share.denominator for step in payable.schedule))
    share = np.zeros(len(dates), dtype=np.int64)
    due_day = np.zeros(len(dates), dtype=np.int64)
    for step in reversed(payable.schedule):  # the earliest not yet due is kept last
        if step.unit == "days":
            due = dates + np.timedelta64(step.count, "D")
        else:  # keeps the day of the month, or the month's last day
            due = (pd.DatetimeIndex(dates) + pd.DateOffset(months=step.count)).to_numpy(
                dtype="datetime64[D]")
        fallen = due <= end
        share += np.where(fallen, step.share.numerator * (per // step.share.denominator), 0)
        due_day = np.where(fallen, due_day, (due - _EPOCH).astype(np.int64))
    return share, np.full(len(dates), per, dtype=np.int64), due_day


def _due_dates(plan: Plan, payable: Payable, credits: pd.DataFrame) -> dict:
    """The `on` date of each deal of the year, None where it is empty."""
    deals = credits.drop_duplicates("deal_id")
    node = payable.on.node
    columns = deal_columns(deals, used_names(node), dict(plan.fields), plan.currency)
    found = vector.evaluate(node, columns, len(deals), plan.currency, plan.rounding)
    days = np.asarray(found.data).astype("datetime64[D]")
    return dict(zip(deals["deal_id"].tolist(), days.tolist()))


def _collected(lines: pd.DataFrame, credits: pd.DataFrame, payments: pd.DataFrame | None
               ) -> tuple[np.ndarray, ...]:
    """min(1, collected / the deal's amount), both in the deal's currency; a deal of no
    positive amount has nothing to collect."""
    deals = credits.drop_duplicates("deal_id").set_index("deal_id")
    ids = lines["deal"].to_numpy(dtype=object)
    amount = deals["original_amount"].reindex(ids).to_numpy(dtype=np.int64)
    paid = np.zeros(len(lines), dtype=np.int64)
    if payments is not None and len(payments):
        wrong = payments.merge(deals[["deal_currency"]], left_on="deal_id", right_index=True)
        wrong = wrong[wrong["currency"] != wrong["deal_currency"]]
        if len(wrong):
            first = wrong.iloc[0]
            raise CalculationError(
                f"a payment on deal {first['deal_id']} is in {first['currency']} and the "
                f"deal in {first['deal_currency']}: pay-on-collection compares them as they "
                "are; import the payment in the deal's currency")
        totals = payments.groupby("deal_id")["amount"].sum()
        paid = totals.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    positive = amount > 0
    share = np.where(positive, np.clip(paid, 0, np.where(positive, amount, 0)), 1)
    return share, np.where(positive, amount, 1), np.zeros(len(lines), dtype=np.int64)
