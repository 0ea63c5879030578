"""The period's statement lines in statement order: the earning lines in one sort over
every payee, then each payee's settlement lines after theirs.

Per payee: this fiscal year's plans first, in the order they were settled, then earlier
fiscal years, newest first; within this year's plan, its components in plan order (the plan
cap last), a component's own lines before its cap line, then by deal date (undated last),
deal and credit row; within an earlier year the same, components by name. The settlement
lines (adjustments, balance, draw, carried forward) close each payee's statement.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.lines import sorted_codes
from ledger.records import conform, empty_lines, lines_frame, slice_count, with_slices

_NO_DATE = np.iinfo(np.int64).max


def ordered_earnings(changed: list[pd.DataFrame], years: list) -> pd.DataFrame:
    """The changed lines of every plan year (``changed[i]`` of ``years[i]``) in statement
    order, settlement aside: they are final before any payee is settled, so a close writes
    them meanwhile. ``changed`` is emptied: its frames are let go column by column."""
    frames, keys = [], []
    for position, (frame, year) in enumerate(zip(changed, years)):
        if not len(frame):
            continue
        codes, components = pd.factorize(frame["component"].to_numpy(dtype=object))
        if frame["fiscal_year"].isna().all():  # this year: components in plan order
            order = {c.id: i for i, c in enumerate(year.plan.components)}
            order["plan_cap"] = len(order)
            ranks = [order.get(c, len(order)) for c in components] + [len(order)]
        else:  # an earlier year: components by name, a line without one first
            named = sorted(components)
            ranks = [named.index(c) + 1 for c in components] + [0]
        frames.append(frame)
        keys.append(np.column_stack([
            np.full(len(frame), -year.fiscal_year, dtype=np.int64),
            np.full(len(frame), position, dtype=np.int64),
            np.array(ranks, dtype=np.int64)[codes],  # code -1 (no component) takes the last
            (frame["line_kind"] == "cap").to_numpy(dtype=np.int64),
            _dates(frame["date"])]))
    frame = None
    changed.clear()
    if not frames:
        return conform(empty_lines())
    slices = max(slice_count(frame) for frame in frames)
    frames = [with_slices(frame, slices) for frame in frames]
    key = np.concatenate(keys)
    del keys
    deal = _joined(frames, "deal")
    deal[_missing(deal)] = ""
    deal = sorted_codes(deal)
    payee = _text_ranks(_joined(frames, "payee"))
    order = _stable_order([payee] + [key[:, i] for i in range(5)],
                          [deal, _joined(frames, "seq").astype(np.int64)])
    del key, deal, payee
    return _taken(frames, order)


def with_settlement(earnings: pd.DataFrame, settlement: pd.DataFrame) -> pd.DataFrame:
    """Every line in statement order: each payee's earning lines (``ordered_earnings``),
    then their settlement lines (``settlement_lines``), which close a statement. The
    earning lines' columns are taken: ``earnings`` is emptied unless nothing follows."""
    if not len(settlement):
        return earnings
    slices = max(slice_count(earnings), slice_count(settlement))
    frames = [with_slices(frame, slices) for frame in (earnings, settlement) if len(frame)]
    order = np.argsort(_text_ranks(_joined(frames, "payee")), kind="stable")
    return _taken(frames, order)


def _taken(frames: list[pd.DataFrame], order: np.ndarray) -> pd.DataFrame:
    """The frames end to end, rows in ``order``: column by column, each frame's column
    let go once taken, so the frames, the result and one column are all that is held,
    never a whole concatenated copy besides."""
    lines = {}
    for column in list(frames[0].columns):
        joined = _joined(frames, column)
        lines[column] = pd.Series(joined[order], dtype=joined.dtype, copy=False) \
            if isinstance(joined, np.ndarray) else pd.Series(joined.take(order), copy=False)
        for frame in frames:
            del frame[column]
    return conform(pd.DataFrame(lines, copy=False))


def _stable_order(major: list[np.ndarray], minor: list[np.ndarray]) -> np.ndarray:
    """The stable order by the keys of ``major`` then ``minor`` (most significant first):
    ``np.lexsort`` of all of them (a pass per key), done as one stable argsort of them all
    packed into one int64 when their ranges allow, else a lexsort of each group packed."""
    every = _packed(major + minor)
    if every is not None:
        return np.argsort(every, kind="stable")
    packed = [_packed(keys) for keys in (major, minor)]
    if any(key is None for key in packed):
        return np.lexsort(tuple(reversed(major + minor)))  # sorts by its last key first
    return np.lexsort((packed[1], packed[0]))


def _packed(keys: list[np.ndarray]) -> np.ndarray | None:
    """The keys as one int64 that sorts as they do together, or None when they cannot fit.
    A key's missing value (_NO_DATE, the largest) is packed as one past its largest other."""
    packed, span = np.zeros(len(keys[0]), dtype=np.int64), 1
    for key in keys:
        missing = key == _NO_DATE
        present = key[~missing]
        low, high = (int(present.min()), int(present.max())) if len(present) else (0, 0)
        width = high - low + 2
        span *= width
        if span >= 2 ** 62:
            return None
        packed = packed * width + np.where(missing, width - 1, key - low)
    return packed


def _joined(frames: list[pd.DataFrame], column: str):
    """One column of every frame, end to end: an array (numpy, or pandas' nullable)."""
    parts = [frame[column].array for frame in frames]
    if all(isinstance(part, pd.arrays.NumpyExtensionArray) for part in parts):
        return np.concatenate([part.to_numpy() for part in parts])
    return pd.concat([frame[column] for frame in frames], ignore_index=True).array


def _missing(values: np.ndarray) -> np.ndarray:
    return pd.isna(values) if values.dtype == object else np.zeros(len(values), dtype=bool)


def _text_ranks(values: np.ndarray) -> np.ndarray:
    """Code point ranks of text values with few distinct ones (payee ids): the distinct
    values ranked, then spread."""
    codes, distinct = pd.factorize(values)
    return sorted_codes(np.asarray(distinct, dtype=object))[codes]


def _dates(dates: pd.Series) -> np.ndarray:
    """A sort key of the dates, in days where every one is a whole day (a deal's always
    is), and _NO_DATE where missing."""
    values = dates.to_numpy(dtype="datetime64[s]").astype(np.int64)
    missing = dates.isna().to_numpy()
    if not (values[~missing] % 86_400).any():
        values = values // 86_400
    return np.where(missing, _NO_DATE, values)


def settlement_lines(records) -> pd.DataFrame:
    """The settlement lines of the payees' records (adjustments, balance, draw, carried
    forward), each payee's in its record's order, payees in the records' order."""
    rows = [(record.payee, record.currency, line) for record in records
            for line in record.settlement]
    count = len(rows)
    if not count:
        return empty_lines().iloc[0:0]
    payee, currency, line = zip(*rows)
    none = np.full(count, None, dtype=object)
    zero = np.zeros(count, dtype=np.int64)
    return lines_frame({
        "payee": np.array(payee, dtype=object), "currency": np.array(currency, dtype=object),
        "plan": none, "fiscal_year": pd.array([None] * count, dtype="Int64"),
        "kind": np.array([x.kind for x in line], dtype=object), "line_kind": none,
        "component": none, "deal": none, "seq": zero,
        "date": np.full(count, np.datetime64("NaT", "s")), "report": none,
        "base": pd.array([None] * count, dtype="Int64"), "rate": zero, "rate_per": zero,
        "tier_basis": none, "cap": zero,
        "amount": np.array([x.amount for x in line], dtype=np.int64), "before": zero,
        "current": zero, "cause": none, "note": none,
        "reason": np.array([x.reason for x in line], dtype=object),
        "draw": np.array([x.draw for x in line], dtype=np.int64), "text": none})
