"""A quota of zero gives no attainment (PLAN_LANGUAGE.md 3 and 7.6): a component that reads
`attainment.M` earns nothing in a window where the payee's quota of M is zero, with a line
that says so, instead of failing on the attainment that is not there.

While such a component earns, the zero-quota payees' attainment reads as 0 (so its
expressions, thresholds and caps evaluate for every payee at once, as usual); then their
lines are brought to zero and carry the note. Tiered commissions on attainment say the same
on their deal lines (``engine.earnings``).
"""
from __future__ import annotations

import contextlib
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
from engine.names import used_names
from engine.payee_table import ABSENT, PayeeTable


def note(measure: str) -> str:
    return f"zero quota for {measure}: no attainment, so it earns nothing in this window"


def read_attainments(component) -> list[str]:
    """The measures whose attainment the component's expressions read, in name order."""
    return sorted({name.split(".", 1)[1] for expression in component.expressions()
                   for name in used_names(expression.node) if name.startswith("attainment.")})


def zero_payees(measures: list[str], payees: PayeeTable) -> tuple[np.ndarray, list]:
    """Which payees have a quota of zero for one of ``measures``, and for each the first
    such measure (None for the others)."""
    zero = np.zeros(len(payees), dtype=bool)
    first: list = [None] * len(payees)
    for measure in measures:
        numeric = payees.numeric(f"quota.{measure}")
        if numeric is not None and numeric[0].kind in ("money", "int"):
            col, present = numeric
            found = present & (np.asarray(col.data) == 0)
        else:
            found = np.array([q is not ABSENT and q is not None and q == 0 for q in
                              payees.python_column(f"quota.{measure}")], dtype=bool)
        for i in np.flatnonzero(found & ~zero).tolist():
            first[i] = measure
        zero |= found
    return zero, first


@contextlib.contextmanager
def attainment_as_zero(payees: PayeeTable, measures: list[str], zero: np.ndarray):
    """For the duration, the zero-quota payees' attainment of ``measures`` reads as 0; the
    table is as it was afterwards (its attainment figures are what statements show)."""
    if not zero.any():
        yield
        return
    restore = []
    for measure in measures:
        name = f"attainment.{measure}"
        numeric = payees.numeric(name)
        if numeric is not None:
            col, present = numeric
            restore.append(lambda name=name, col=col, present=present: payees.set_column(
                name, col, None if present.all() else present))
        else:
            values = payees.python_column(name)
            restore.append(lambda name=name, values=values: payees.set_values(name, values))
        payees.set_values(name, [Fraction(0) if z else value for value, z in
                                 zip(payees.python_column(name), zero.tolist())])
    try:
        yield
    finally:
        for undo in restore:
            undo()


def said(component_lines: pd.DataFrame, component: str, payees: PayeeTable,
         zero: np.ndarray, measures: list) -> pd.DataFrame:
    """The component's lines with the zero-quota payees' brought to zero and noted, and a
    line of zero for each such payee the component gave no line."""
    codes = payees.codes_of(component_lines["payee"])
    hit = np.zeros(len(codes), dtype=bool)
    hit[codes >= 0] = zero[codes[codes >= 0]]
    if hit.any():
        component_lines = component_lines.copy()
        component_lines["amount"] = np.where(hit, 0, component_lines["amount"].to_numpy(
            dtype=np.int64))
        notes = component_lines["note"].to_numpy(dtype=object).copy()
        for i in np.flatnonzero(hit).tolist():
            notes[i] = note(measures[codes[i]])
        component_lines["note"] = notes
        component_lines["zero_quota"] = hit | lines.zero_quota_lines(component_lines)
    lineless = np.flatnonzero(zero & ~np.isin(np.arange(len(payees)), codes))
    added = lines.table(len(lineless), payee=payees.id_array[lineless], component=component,
                        kind="component", amount=0,
                        note=np.array([note(measures[i]) for i in lineless.tolist()],
                                      dtype=object))
    added["zero_quota"] = True
    return lines.combine([component_lines, added])
