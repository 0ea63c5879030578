"""Tiered rates over running totals, vectorised and exact (PLAN_LANGUAGE.md section 4).

``marginal``: with F the cumulative tier function (extended below zero at the first tier's
rate), a row earns F(total after it) - F(total before it), so one deal can span tiers and a
credit memo gives back at the rates it takes back. ``retroactive``: every row is paid at the
rate of the highest tier its group's total reaches. ``landing``: each row is paid whole at the
rate of the tier its group's running total reaches with it; earlier rows keep their rate.
Boundaries are money in minor units (for attainment tiers, ``from x quota`` already rounded),
one row of boundaries per input row, so each payee can have its own.

Exactness: the tier rates are put over one common denominator L, F is computed in whole
units of 1/L of a minor unit, and each line is rounded once, at the end, with the plan's mode.
Products that might not fit int64 are computed on Python integers instead: never a silent wrap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from rules_dsl.money import SAFE_INT64, as_int64, divide_rounded, may_wrap


@dataclass(frozen=True)
class TierResult:
    amounts: np.ndarray  # int64 minor units per row, each rounded once
    slice_bases: np.ndarray  # [rows, tiers] int64: how much of each row fell in each tier


def running_totals(amounts: np.ndarray, group_starts: np.ndarray) -> np.ndarray:
    """Total of each row's group before the row; rows of a group stand together, in order.

    ``group_starts`` is True on the first row of each group.
    """
    exact = may_wrap(amounts)  # a running total could leave int64: work in exact integers
    values = amounts.astype(object) if exact else amounts
    cumulative = np.cumsum(values)
    before = cumulative - values
    first_index = np.maximum.accumulate(np.where(group_starts, np.arange(len(amounts)), 0))
    totals = before - before[first_index]
    if exact:
        as_int64(totals + values, "a running total")  # the total after each row, too
        return as_int64(totals, "a running total")
    return totals


Rates = list[tuple[np.ndarray, np.ndarray]]  # per tier: (numerator, denominator) per row


def _weighted_sum(slices: np.ndarray, rates: Rates, mode: str) -> np.ndarray:
    """Round once: sum over tiers of slice x rate, over one common denominator per row."""
    common = rates[0][1].astype(object) if any(d.dtype == object for _, d in rates) \
        else rates[0][1]
    for _, denominator in rates[1:]:
        common = np.lcm(common, denominator) if common.dtype != object else \
            np.array([math.lcm(int(a), int(b)) for a, b in zip(common, denominator)],
                     dtype=object)
    big = max(int(np.abs(slices).max(initial=0)), 1)
    scales = [common // denominator for _, denominator in rates]
    weights = [numerator * scale for (numerator, _), scale in zip(rates, scales)]
    reach = big * max((int(np.abs(w).max(initial=0)) for w in weights), default=1)
    if reach * len(rates) < SAFE_INT64 and all(w.dtype != object for w in weights):
        total = sum(slices[:, k] * weights[k] for k in range(len(rates)))
    else:
        total = sum(slices[:, k].astype(object) * weights[k].astype(object)
                    for k in range(len(rates)))
    return as_int64(divide_rounded(total, common, mode), "a payout line")


def _clipped(totals: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """[rows, tiers]: the part of each running total inside each tier (the first tier also
    takes everything below zero, so negative totals are rated at the first tier's rate)."""
    tiers = starts.shape[1]
    widths = np.empty_like(starts)
    widths[:, :-1] = starts[:, 1:] - starts[:, :-1]
    parts = np.empty((len(totals), tiers), dtype=totals.dtype)
    for k in range(tiers):  # a handful of tiers, never a loop over rows
        above = totals - starts[:, k]
        if k == 0:
            parts[:, 0] = above if tiers == 1 else np.minimum(above, widths[:, 0])
        elif k == tiers - 1:
            parts[:, k] = np.maximum(above, 0)
        else:
            parts[:, k] = np.clip(above, 0, widths[:, k])
    return parts


def marginal(amounts: np.ndarray, before: np.ndarray, starts: np.ndarray,
             rates: Rates, mode: str) -> TierResult:
    """Each row's F(before + amount) - F(before), rounded once; ``rates`` holds one exact
    rational per row for each tier (a constant rate repeated)."""
    after = before + amounts
    slices = _clipped(after, starts) - _clipped(before, starts)
    return TierResult(_weighted_sum(slices, rates, mode), slices)


def retroactive(amounts: np.ndarray, group_totals: np.ndarray, starts: np.ndarray,
                rates: Rates, mode: str) -> TierResult:
    """Each row at the rate of the highest tier its group's total reaches (``from`` is
    inclusive), rounded once."""
    return _one_tier_each(amounts, group_totals, starts, rates, mode)


def per_deal(amounts: np.ndarray, starts: np.ndarray, rates: Rates, mode: str
             ) -> TierResult:
    """Each row its own total from zero: ``marginal`` of the row alone."""
    return marginal(amounts, np.zeros_like(amounts), starts, rates, mode)


def raised_to(result: TierResult, amounts: np.ndarray, floors: np.ndarray
              ) -> tuple[TierResult, np.ndarray]:
    """Each row with a positive amount that earns less than its floor raised to it; and
    which rows were raised."""
    raised = (amounts > 0) & (result.amounts < floors)
    return TierResult(np.where(raised, floors, result.amounts), result.slice_bases), raised


def above(amounts: np.ndarray, before: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Each row's slice of its group's running total above ``floor`` (a value per row)."""
    return np.maximum(before + amounts - floor, 0) - np.maximum(before - floor, 0)


def landing(amounts: np.ndarray, before: np.ndarray, starts: np.ndarray,
            rates: Rates, mode: str) -> TierResult:
    """Each row whole at the rate of the tier in which the running total after it falls
    (``from`` is inclusive; below the first tier, the first tier's rate), rounded once."""
    return _one_tier_each(amounts, before + amounts, starts, rates, mode)


def _one_tier_each(amounts: np.ndarray, reached: np.ndarray, starts: np.ndarray,
                   rates: Rates, mode: str) -> TierResult:
    """Each row whole in the tier that ``reached`` (a total per row) falls in."""
    tier = np.maximum((reached[:, None] >= starts).sum(axis=1) - 1, 0)
    slices = np.zeros((len(amounts), len(rates)), dtype=np.int64)
    slices[np.arange(len(amounts)), tier] = amounts
    return TierResult(_weighted_sum(slices, rates, mode), slices)


def attainment_starts(froms: tuple[Fraction, ...], quotas: np.ndarray, mode: str
                      ) -> np.ndarray:
    """[rows, tiers] money boundaries: each attainment ``from`` times the row's quota, rounded
    to minor units with the plan's mode."""
    columns = []
    largest = int(np.abs(quotas).max(initial=0))
    for start in froms:
        fits = largest * abs(start.numerator) < SAFE_INT64
        product = (quotas if fits else quotas.astype(object)) * start.numerator
        columns.append(as_int64(divide_rounded(product, start.denominator, mode),
                                "a payout line"))
    return np.stack(columns, axis=1) if columns else np.zeros((len(quotas), 0), np.int64)
