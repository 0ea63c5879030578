"""A period's result as data: the records that cross package lines, defined once.

The engine produces them, the close records them, the views render them; nothing here is
text for a person. Money is int minor units, ratios are exact ``Fraction``s. There is a
frozen record per payee (few), and one table with a declared schema for the statement lines
(many): a line is a row of typed columns, never a Python object.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

CLOSED, DRAFT = "closed", "draft"


@dataclass(frozen=True, slots=True)
class TierBoundary:
    """Where a tier of ``component`` starts: a share of quota (basis attainment, a
    Fraction) or money in minor units (basis amount, an int)."""
    component: str
    start: Fraction | int
    basis: str


@dataclass(frozen=True, slots=True)
class MeasureFigures:
    """A measure of the statement against its quota. ``value`` and ``quota`` are ``Money``
    (int minor units) for money and Fractions otherwise; None when not known."""
    measure: str  # with the plan prefix ("plan/measure") when a payee has several plans
    type: str  # money | number | count
    value: int | Fraction | None
    quota: int | Fraction | None
    attainment: Fraction | None
    boundaries: tuple[TierBoundary, ...]


@dataclass(frozen=True, slots=True)
class StatementContext:
    """What a statement shows besides its lines."""
    name: str | None
    target_incentive: int | None  # of the attainment window
    period_target_incentive: int | None  # the payout period's own share
    measures: tuple[MeasureFigures, ...]


@dataclass(frozen=True, slots=True)
class ComponentTotal:
    component: str  # with the plan prefix when a payee has several plans this year
    earned_to_date: int
    payout: int
    held: int = 0  # earned and not yet payable (PLAN_LANGUAGE.md 7.3)


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """A line from earned to paid: adjustment (with its reason), balance, draw (``draw``
    is the draw the pay is brought up to) or carried-forward."""
    kind: str
    amount: int
    reason: str | None = None
    draw: int = 0


@dataclass(frozen=True, slots=True)
class PayeeRecord:
    """One payee's result for a payout period."""
    payee: str
    currency: str
    plans: tuple[str, ...]  # "id@version", as settled
    status: str  # closed | draft
    fiscal_year: int | None
    earned_to_date: int
    paid_to_date: int
    earned: int  # the period's changed lines
    adjustments: int
    draw: int  # the top-up a draw added
    payout: int
    carried_balance: int
    attainment: tuple[tuple[str, Fraction], ...]  # per measure, exact
    components: tuple[ComponentTotal, ...]
    settlement: tuple[SettlementLine, ...]  # in statement order: adjustments first
    context: StatementContext
    held: int = 0  # earned and not yet payable, over every fiscal year (7.3)

    @property
    def name(self) -> str | None:
        return self.context.name


@dataclass(frozen=True, slots=True)
class PeriodResult:
    """Every payee's record of a period and their statement lines (``LINES``), sorted by
    payee and, within a payee, in statement order."""
    period: str
    status: str
    run_id: int | None
    payees: tuple[PayeeRecord, ...]
    lines: pd.DataFrame


OBJECT, INT, BOOL = np.dtype(object), np.dtype(np.int64), np.dtype(bool)
NULLABLE_INT = pd.Int64Dtype()
DATE = np.dtype("datetime64[s]")

# The statement lines. Money columns are int64 minor units. A rate is numerator/denominator
# (denominator 0: no rate); numerators and denominators are int64, or Python ints (object)
# where one does not fit. Text columns hold None where a value is missing.
LINES: dict[str, object] = {
    "payee": OBJECT,
    "currency": OBJECT,
    "plan": OBJECT,  # None on a settlement line
    "fiscal_year": NULLABLE_INT,  # an earlier fiscal year's line; <NA> for this year's
    "kind": OBJECT,  # deal true-up clawback cap component adjustment balance draw
    #                  carried-forward: as the statement shows it
    "line_kind": OBJECT,  # the key's kind: deal spiff cap component (None: settlement)
    "component": OBJECT,
    "deal": OBJECT,
    "seq": INT,  # credit row; 0 on a line that is not a deal's
    "date": DATE,  # the deal's date (as recorded, for a line gone since); NaT without one
    "report": OBJECT,  # whose credit a manager's line is
    "base": NULLABLE_INT,  # a deal line's base
    "rate": INT, "rate_per": INT,
    "tier_basis": OBJECT,  # attainment | amount: how the slices' starts read
    "cap": INT,  # a cap line's cap
    "amount": INT,  # the change this period
    "before": INT,  # earned to date at the last close
    "current": INT,  # earned to date now
    "cause": OBJECT,  # of a true-up or clawback: changed | gone-deal | gone-earning
    "note": OBJECT,  # the plan's own account of a component line
    "reason": OBJECT,  # an adjustment's reason
    "draw": INT,  # a draw line's draw
    "text": OBJECT,  # the sentence a close kept (read back); None: render it from the data
}
# tier K's slice: its base, its rate and where the tier starts
SLICE: dict[str, object] = {"slice_base_{k}": INT, "slice_rate_{k}": INT,
                            "slice_per_{k}": INT, "slice_from_{k}": INT,
                            "slice_from_per_{k}": INT}
EXACT = {"rate", "rate_per", "slice_rate", "slice_per", "slice_from", "slice_from_per"}


def slice_count(lines: pd.DataFrame) -> int:
    return sum(1 for c in lines.columns if c.startswith("slice_base_"))


def line_schema(slices: int) -> dict[str, object]:
    """The columns and dtypes of a lines table with ``slices`` tiers."""
    schema = dict(LINES)
    for k in range(slices):
        schema.update({name.format(k=k): dtype for name, dtype in SLICE.items()})
    return schema


def conform(lines: pd.DataFrame) -> pd.DataFrame:
    """``lines`` with exactly the schema's columns in its order; a wrong dtype is a bug."""
    schema = line_schema(slice_count(lines))
    missing = set(schema) - set(lines.columns)
    if missing:
        raise TypeError(f"statement lines lack {sorted(missing)}")
    lines = lines[list(schema)]
    # pandas' own string columns: Python strings, None where missing
    lines = lines.assign(**{c: lines[c].astype(object).where(lines[c].notna(), None)
                            for c, dtype in schema.items()
                            if dtype == OBJECT and lines[c].dtype != OBJECT})
    for column, dtype in schema.items():
        if lines[column].dtype != dtype and not (
                column.rstrip("_0123456789") in EXACT and lines[column].dtype == OBJECT):
            raise TypeError(f"statement lines: {column} is {lines[column].dtype}, not {dtype}")
    return lines


def with_slices(lines: pd.DataFrame, slices: int) -> pd.DataFrame:
    """``lines`` with at least ``slices`` tiers: the missing ones are zero (unused)."""
    missing = {name.format(k=k): np.zeros(len(lines), dtype=np.int64)
               for k in range(slice_count(lines), slices) for name in SLICE}
    return lines.assign(**missing) if missing else lines


def lines_frame(columns: dict) -> pd.DataFrame:
    """A lines table of columns (arrays, or one value for every row), text kept as Python
    objects: from an object array pandas would infer its own string dtype, with NaN where
    a value is None."""
    rows = max((len(v) for v in columns.values()
                if isinstance(v, (np.ndarray, pd.api.extensions.ExtensionArray))), default=0)

    def column(name, value):
        if LINES.get(name) != OBJECT:
            return value
        if value is None or isinstance(value, str):
            value, filled = np.empty(rows, dtype=object), value
            value[:] = filled  # one shared string, not one made per row
        return pd.Series(value, dtype=object, copy=False)
    # the columns as given, not copied nor consolidated: a million lines are some 300 MB
    return pd.DataFrame({name: column(name, value) for name, value in columns.items()},
                        index=pd.RangeIndex(rows), copy=False)


def empty_lines() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=dtype) for column, dtype in LINES.items()})
