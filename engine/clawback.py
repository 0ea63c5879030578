"""Partial clawback (PLAN_LANGUAGE.md 7.5): how much of a cancelled deal a plan takes back.

A plan's ``clawback`` schedule or share gives each cancelled credit row a share s taken back.
At 100% the row leaves its windows, as a whole clawback does; below it the row stays and
counts (1 - s) of its credit amount, rounded once with the plan's mode, so every measure,
tier and commission that reads ``credit.amount`` sees the smaller amount and the true-up of
section 5 turns the difference into lines. ``reference_evaluator.partial_clawback`` is the
same rule a row at a time, which the tests compare this with.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from engine import reference_evaluator, vector
from engine.names import deal_columns, used_names
from engine.reference_evaluator import EvaluationError
from rules_dsl.figures import percent
from rules_dsl.icm_error import IcmError
from rules_dsl.money import Money, divide_rounded
from rules_dsl.plan import Plan

# what the statement lines of a partly clawed back credit row are told (engine.changes)
CLAWED_COLUMNS = ["payee", "deal", "seq", "cancel_date", "age", "taken", "taken_per"]


class ClawbackError(IcmError):
    """A clawback share that cannot be evaluated or falls outside 0% to 100%, naming the
    deal and the share's place in the plan file."""


def taken_back(rows: pd.DataFrame, cancelled: np.ndarray, plan: Plan, fields: dict
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows as a window counts them: the ``cancelled`` ones (judged cancelled by the
    period being computed) taken back by the plan's schedule or share; and a frame of the
    rows kept at part of their amount (``CLAWED_COLUMNS``), for their lines' sentences."""
    picked = np.flatnonzero(cancelled)
    cancelled_rows = rows.iloc[picked]
    age = (cancelled_rows["cancel_date"] - cancelled_rows["date"]).dt.days.to_numpy(
        dtype=np.int64)
    taken, per = shares(cancelled_rows, age, plan, fields)
    amounts = rows["credit_amount"].to_numpy(dtype=np.int64).copy()
    amounts[picked] = divide_rounded(vector._mul(amounts[picked], per - taken), per,
                                     plan.rounding)
    whole = np.zeros(len(rows), dtype=bool)
    whole[picked] = taken == per
    part = (taken > 0) & (taken < per)
    clawed = pd.DataFrame({
        "payee": cancelled_rows["payee_id"].to_numpy(dtype=object)[part],
        "deal": cancelled_rows["deal_id"].to_numpy(dtype=object)[part],
        "seq": cancelled_rows["seq"].to_numpy(dtype=np.int64)[part],
        "cancel_date": cancelled_rows["cancel_date"].to_numpy()[part],
        "age": age[part], "taken": taken[part].astype(np.int64),
        "taken_per": per[part].astype(np.int64)})
    return rows.assign(credit_amount=amounts)[~whole], clawed


def shares(rows: pd.DataFrame, age: np.ndarray, plan: Plan, fields: dict
           ) -> tuple[np.ndarray, np.ndarray]:
    """The share taken back of each row, as (numerators, positive denominators): by the
    schedule, the last point whose days are not more than the row's ``age`` (days from the
    deal's date to its cancel date); or by the share expression over the rows."""
    if plan.clawback_schedule is not None:
        days = np.array([point for point, _ in plan.clawback_schedule], dtype=np.int64)
        points = [Fraction(share) for _, share in plan.clawback_schedule]
        at = np.maximum(np.searchsorted(days, age, side="right") - 1, 0)
        return (np.array([p.numerator for p in points], dtype=np.int64)[at],
                np.array([p.denominator for p in points], dtype=np.int64)[at])
    expression = plan.clawback_share
    columns = deal_columns(rows, used_names(expression.node), fields, plan.currency)
    try:
        col = vector.evaluate(expression.node, columns, len(rows), plan.currency,
                              plan.rounding)
    except EvaluationError as error:
        raise ClawbackError(f"{expression.source_at(error.span[0])}: {error.message} in the "
                            f"clawback share of deal {_failing(rows, columns, plan)}"
                            ) from None
    taken, per = (np.asarray(part) for part in vector._number(col).data)
    outside = (taken < 0) | (taken > per)
    if outside.any():
        raise ClawbackError(f"{expression.source}: the clawback share of deal "
                            f"{_first(rows, outside)} is "
                            f"{percent(Fraction(int(taken[outside][0]), int(per[outside][0])))}, "
                            "outside 0% to 100%")
    return _int64(taken), _int64(per)


def _int64(values: np.ndarray) -> np.ndarray:
    """A share's numerators or denominators as int64: a share from 0 to 1 of exact dates
    and amounts is small, except one read from a Number field with many digits."""
    try:
        return values.astype(np.int64)
    except OverflowError:
        raise ClawbackError("a clawback share has more digits than 64-bit integers hold; "
                            "round the figures it reads") from None


def _failing(rows: pd.DataFrame, columns: dict, plan: Plan) -> str:
    """The first deal whose share the reference evaluator cannot evaluate either (the
    vectorised evaluator says only that some row failed)."""
    values = {name: [Money(v) if col.kind == "money" else v for v in vector.as_fractions(col)]
              for name, col in columns.items()}
    for i, deal in enumerate(rows["deal_id"].tolist()):
        try:
            reference_evaluator.evaluate(plan.clawback_share.node, {
                name: column[i] for name, column in values.items()}, plan.currency,
                plan.rounding)
        except (EvaluationError, OverflowError):
            return str(deal)
    return "(one of the cancelled deals)"


def _first(rows: pd.DataFrame, mask: np.ndarray) -> str:
    return str(rows["deal_id"].to_numpy(dtype=object)[mask][0])
