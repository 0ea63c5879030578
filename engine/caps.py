"""Thresholds and caps: a component's threshold and cap, and the plan's cap, judged for
every payee of a window at once by the vectorised evaluator over the payee table
(``engine.payee_table``).

Where that cannot be done (a name missing or None for some payee, an expression failing for
some payee), the reference evaluator judges payee by payee, threshold then cap, as it always
did, so an error names the payee it always named. In: a component's (or every component's)
earnings per payee position. Out: which payees fell below the threshold, what each keeps,
and the cap lines (``engine.lines``) of what a cap took off.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine import lines
from engine.payee_table import PayeeTable
from rules_dsl.money import SAFE_INT64, difference
from rules_dsl.plan import Component, Expression, Plan

Scalar = Callable[[Expression, str], Any]  # a payee-level expression's value for one payee


def judged(plan: Plan, component: Component, totals: np.ndarray, payees: PayeeTable,
           scalar: Scalar) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The component's threshold and cap for every payee: (payees below the threshold, what
    each keeps, the cap lines as (positions, amounts taken off, caps)). For every payee at
    once where the expressions allow it, else payee by payee with the reference evaluator,
    threshold then cap, so an error names the payee it always named."""
    below = np.zeros(len(payees), dtype=bool)
    total, cap = totals, None
    if component.threshold is not None:
        held = payees.evaluate(component.threshold, plan.currency, plan.rounding)
        if held is None:
            return _judged_by_payee(component, totals, payees, scalar)
        below = ~held.data.astype(bool)
        total = np.where(below, 0, total)
    if component.cap is not None:
        cap = payees.evaluate(component.cap, plan.currency, plan.rounding)
        if cap is None:
            return _judged_by_payee(component, totals, payees, scalar)
        return below, *_capped(total, cap.data)
    return below, total, _NO_CAPS


_NO_CAPS = (np.zeros(0, dtype=np.int64),) * 3


def _capped(total: np.ndarray, cap: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Totals above their cap brought down to it, and the cap lines that say so."""
    over = np.flatnonzero(total > cap)
    if not len(over):
        return total, _NO_CAPS
    caps = np.asarray(cap, dtype=np.int64)[over]
    taken = difference(caps, total[over])
    total = total.copy()
    total[over] = caps
    return total, (over, taken, caps)


def _judged_by_payee(component, totals, payees: PayeeTable, scalar: Scalar
                     ) -> tuple[np.ndarray, np.ndarray, tuple]:
    """``judged`` by the reference evaluator, payee by payee."""
    below = np.zeros(len(payees), dtype=bool)
    kept, caps = [], []
    for i, payee in enumerate(payees.ids):  # the table holds earned.C of earlier ones
        total = int(totals[i])
        if component.threshold is not None and not scalar(component.threshold, payee):
            below[i] = True
            total = 0
        if component.cap is not None:
            cap = scalar(component.cap, payee)
            if total > cap:
                caps.append((i, cap - total, cap))
                total = cap
        kept.append(total)
    return below, np.array(kept, dtype=np.int64), _cap_columns(caps)


def _cap_columns(caps: list[tuple[int, int, int]]) -> tuple:
    position, taken, cap = zip(*caps) if caps else ((), (), ())
    return (np.array(position, dtype=np.int64), np.array(taken, dtype=np.int64),
            np.array(cap, dtype=np.int64))


def plan_cap(plan: Plan, earned: list[np.ndarray], payees: PayeeTable, scalar: Scalar
             ) -> tuple:
    """The plan's cap over the sum of its components, for every payee at once where the
    expression allows it, else payee by payee."""
    total = _exact_sum(earned, len(payees))
    cap = payees.evaluate(plan.cap, plan.currency, plan.rounding)
    if cap is not None and total.dtype != object:
        return _capped(total, cap.data)[1]
    caps = []
    for i, payee in enumerate(payees.ids):
        cap = scalar(plan.cap, payee)
        if int(total[i]) > cap:
            caps.append((i, cap - int(total[i]), cap))
    return _cap_columns(caps)


def _exact_sum(columns: list[np.ndarray], count: int) -> np.ndarray:
    """The columns added up row by row: int64, or Python integers where int64 could wrap."""
    if not columns:
        return np.zeros(count, dtype=np.int64)
    largest = max(max(int(c.max()), -int(c.min())) if len(c) else 0 for c in columns)
    if largest * len(columns) < SAFE_INT64:
        return np.sum(columns, axis=0, dtype=np.int64)
    return np.sum([c.astype(object) for c in columns], axis=0)


def cap_lines(component: str, payees: PayeeTable, caps: tuple) -> pd.DataFrame:
    """(payee positions, amounts above the cap taken off, caps) -> cap lines."""
    position, taken, cap = caps
    return lines.table(len(position), payee=payees.id_array[position], component=component,
                       kind="cap", amount=taken, cap=cap)
