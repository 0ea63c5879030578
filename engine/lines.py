"""The line table: every line a plan earns, one row each, held in columns.

A window has a line per credit row and component, so lines stay in numpy columns from the
tiers through earnings to date, the comparison with the last close (``engine.changes``) and
the close's insert; only the lines a statement shows become JSON.

A line's key is (payee, component, capped, deal, seq): ``capped`` tells a component's cap line
from the component's own line, and a line that is not a deal's has deal "" and seq 0. Tier
slices are the columns ``slice_base_K``, ``slice_rate_K`` (numerator) and ``slice_per_K``
(denominator) for tier K; each tier's ``from`` lives in the plan, not in the rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ledger.line_key import NO_DEAL, NO_SEQ  # a line key without a deal
from rules_dsl.components.rated import RatedComponent
from rules_dsl.money import as_int64, may_wrap

KEY = ["payee", "component", "capped", "deal", "seq"]


def table(rows: int, *, payee, component, kind, amount, deal=NO_DEAL, seq=NO_SEQ,
          date=None, base=0, rate=None, slices=None, note=None, report=None, cap=0
          ) -> pd.DataFrame:
    """A line table of ``rows`` lines; each argument is one value for every row or a column.
    ``rate`` is (numerators, denominators); ``slices`` is [(bases, numerators,
    denominators)] per tier."""
    def column(value, dtype=None):
        if isinstance(value, pd.Series) and dtype is object:  # text: keep pandas' strings
            return value.array
        if isinstance(value, (np.ndarray, pd.Series, list)):
            return np.asarray(value, dtype=dtype)
        if dtype is object and isinstance(value, str) and rows:
            # one text on every row as pandas' string column, made by Arrow at once: an
            # object column of it would be converted string by string when framed
            return pd.array(pa.repeat(pa.scalar(value, pa.large_string()), rows), dtype="str")
        if dtype is None and isinstance(value, int) and -2 ** 63 <= value < 2 ** 63:
            return np.full(rows, value, dtype=np.int64)
        if dtype is None or dtype is object:
            return repeated(value, rows)
        return np.full(rows, value, dtype=dtype)

    numerators, denominators = rate if rate is not None else (0, 0)
    frame = {
        "payee": column(payee, object), "component": column(component, object),
        "kind": column(kind, object), "capped": column(kind == "cap", bool),
        "deal": column(deal, object), "seq": column(seq, np.int64),
        "date": column(date if date is not None else np.datetime64("NaT", "s"),
                       "datetime64[s]"),
        "base": column(base, np.int64), "amount": column(amount, np.int64),
        "rate": _exact(column(numerators)), "rate_per": _exact(column(denominators)),
        "note": column(note, object), "report": column(report, object),
        "cap": column(cap, np.int64)}
    for k, (bases, numerators, denominators) in enumerate(slices or []):
        frame[f"slice_base_{k}"] = column(bases, np.int64)
        frame[f"slice_rate_{k}"] = _exact(column(numerators))
        frame[f"slice_per_{k}"] = _exact(column(denominators))
    return pd.DataFrame(frame, copy=False)  # each column its own block, not copied


def repeated(value, rows: int) -> np.ndarray:
    """An object column of one value, shared by every row: ``np.full`` makes a new Python
    string per row (20 ms for 250,000 rows)."""
    column = np.empty(rows, dtype=object)
    column[:] = value
    return column


def _exact(values: np.ndarray) -> np.ndarray:
    """int64 where the integers fit, Python integers (object) where they do not."""
    if values.dtype == object and all(isinstance(v, int) and -2 ** 63 <= v < 2 ** 63
                                      for v in values):
        return values.astype(np.int64)
    return values


def empty() -> pd.DataFrame:
    return table(0, payee="", component="", kind="deal", amount=0)


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One table of several; a table without tier slices gets zero slices, never NaN."""
    if not any(len(frame) for frame in frames):
        return frames[0] if frames else empty()
    frames = [frame for frame in frames if len(frame)]
    if len(frames) == 1:
        return frames[0]
    columns = list(dict.fromkeys(c for frame in frames for c in frame.columns))
    # column by column, each frame's column let go once joined (the frames are the
    # caller's temporaries): a million lines are never held twice whole
    joined = {}
    for column in columns:
        joined[column] = pd.concat(
            [frame[column] if column in frame.columns
             else pd.Series(np.zeros(len(frame), dtype=np.int64)) for frame in frames],
            ignore_index=True)
        for frame in frames:
            if column in frame.columns:
                del frame[column]
    return pd.DataFrame(joined, copy=False)


def earned_to_date(frame: pd.DataFrame) -> pd.DataFrame:
    """One line per key, amounts summed: a bonus or cap line earned in several windows.
    Every other column comes from the key's first line. Only a line without a deal can
    repeat: a credit row is in one window (by its deal's date) and in one line of each
    component there, so the keys of deals' lines are looked at no further."""
    candidates = np.flatnonzero((frame["deal"] == NO_DEAL).to_numpy(dtype=bool))
    repeated = np.zeros(len(frame), dtype=bool)
    if len(candidates) > 1:
        repeated[candidates] = frame[KEY].take(candidates).duplicated(
            keep=False).to_numpy()
    if not repeated.any():
        return frame
    several = frame[repeated]
    firsts = several.drop_duplicates(KEY).set_index(KEY)
    noted = zero_quota_lines(several)
    if noted.any():  # a window that earned beside one with a zero quota speaks for the key
        order = firsts.index
        firsts = several.take(np.argsort(noted, kind="stable")).drop_duplicates(
            KEY).set_index(KEY).reindex(order)
    firsts["amount"] = group_sums(several["amount"], [several[c] for c in KEY])
    return pd.concat([frame[~repeated], firsts.reset_index()[frame.columns]],
                     ignore_index=True)


def zero_quota_lines(frame: pd.DataFrame) -> np.ndarray:
    """The lines that say a zero quota left their component nothing (engine.zero_quota):
    shown on a statement even at zero."""
    if "zero_quota" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame["zero_quota"].to_numpy().astype(bool)


def with_none(column: pd.Series) -> pd.Series:
    """A text column as Python objects with None where a value is missing: pandas' string
    columns hold NaN there, which a dict, a database row or a test of ``is None`` misreads."""
    return column.astype(object).where(column.notna(), None)


def among(column: pd.Series, values: list[str]) -> np.ndarray:
    """``column.isin(values)`` by one Arrow lookup: pandas' own isin on an Arrow string
    column makes an Arrow scalar of each value, a second for a hundred thousand payees."""
    if not len(column) or not len(values):
        return np.zeros(len(column), dtype=bool)
    arrow = pa.array(column.array, from_pandas=True)
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return column.isin(values).to_numpy(dtype=bool)
    found = pc.is_in(arrow, value_set=pa.array(values, type=arrow.type))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def positions_of(values, among_ids: pa.Array) -> np.ndarray:
    """The position of each text value in ``among_ids`` (Arrow text), -1 where it is not
    there or missing: one Arrow hash lookup, not a Python dict lookup per row."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    if isinstance(values, pd.Series):
        values = values.to_numpy() if values.dtype == object else values.array
    arrow = pa.array(values, from_pandas=True)
    if arrow.type != among_ids.type:
        arrow = arrow.cast(among_ids.type)
    found = pc.index_in(arrow, value_set=among_ids)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def tier_count(frame: pd.DataFrame) -> int:
    return sum(1 for c in frame.columns if c.startswith("slice_base_"))


def tier_starts(plan) -> dict[str, tuple]:
    """Each tiered component's tier starts: Fractions of quota, or minor units of money."""
    return {c.id: tuple(tier.start for tier in c.tiers.table)
            for c in plan.components if isinstance(c, RatedComponent) and c.tiers is not None}


def sorted_codes(values) -> np.ndarray:
    """int64 codes of text values in code point order, equal values sharing one: what
    ``pd.factorize(values, sort=True)[0]`` gives for values without a missing one, by one
    Arrow rank instead of sorting Python strings (UTF-8 byte order is code point order)."""
    if isinstance(values, pd.Series):
        values = values.array
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    arrow = pa.array(values, from_pandas=True)
    if arrow.null_count or not (pa.types.is_string(arrow.type)
                                or pa.types.is_large_string(arrow.type)):
        return pd.factorize(values, sort=True)[0].astype(np.int64)
    return pc.rank(arrow, sort_keys="ascending", tiebreaker="dense"
                   ).to_numpy().astype(np.int64) - 1


def group_sums(values: pd.Series, groups) -> pd.Series:
    """Sums per group of int64 minor units that never wrap silently: computed in numpy when
    no sum can overflow, else exactly, and beyond int64 an AmountTooLargeError."""
    grouped = values.groupby(groups, sort=False)
    if not may_wrap(values.to_numpy()):
        return grouped.sum()
    exact = values.astype(object).groupby(groups, sort=False).sum()
    return pd.Series(as_int64(exact.to_numpy()), index=exact.index)
