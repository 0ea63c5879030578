"""plans/enterprise-ae.yaml written out by hand in numpy: the arithmetic of the bound.

What the plan pays for one payout period of 2026 under ``attainment_window: annual`` (the
window runs from 2026-01-01 to the period's last day, against the full-year quota and target
incentive), for the data bench_pipeline generates: every payee on the plan all year (so
nothing is prorated), deals in USD with no credit rows (each deal is 100 % its owner's) and
none cancelled. The rules, as icm applies them (engine/earnings.py, engine/tiers.py):

* bookings = new and expansion deals, product not services;
* commission: marginal tiers on attainment of the annual quota, 8 % from 0, 12 % from 100 %,
  16 % from 150 %; each boundary is ``from x quota`` rounded half up to a cent; a line is
  F(total after the deal) - F(total before) over the payee's running total in (date, deal
  id) order, rounded half up once; a zero quota earns nothing; capped at 2 x target
  incentive by a cap line of its own;
* logo SPIFF: 1,000 USD per new deal of 100,000 USD or more;
* club: 10 % of target incentive for attainment >= 120 %, in the fourth quarter only;
* plan cap: 3 x target incentive on the sum, by a cap line of its own;
* pay of a first close = what was earned (nothing paid before, no adjustments or draws).

Money is int64 cents throughout; the tier sums are in 1/25 of a cent (8 %, 12 %, 16 % are
2/25, 3/25, 4/25), so the only rounding is the one per line.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE_DENOMINATOR = 25
TIER_RATES = (2, 3, 4)  # numerators over RATE_DENOMINATOR: 8 %, 12 %, 16 %
COMMISSION_CAP = 2  # x target incentive
PLAN_CAP = 3  # x target incentive
SPIFF = 100_000  # cents
SPIFF_FROM = 10_000_000  # cents: a new deal of 100,000.00 USD or more
CLUB_SHARE = (1, 10)  # 10 % of target incentive
CLUB_FROM = (6, 5)  # attainment >= 120 %
COMMISSION, SPIFF_ID, COMMISSION_CAP_ID, PLAN_CAP_ID, CLUB_ID = range(5)
COMPONENTS = ("commission", "logo-spiff", "commission", "plan_cap", "club")
KINDS = ("deal", "deal", "cap", "cap", "component")


@dataclass(frozen=True)
class Deals:
    """The window's deals, one entry per deal, as dense codes and int64 cents."""
    payee: np.ndarray  # int32: index into the payees' arrays (-1: not on the plan)
    day: np.ndarray  # int32: days since 1970-01-01
    rank: np.ndarray  # int64: the deal id's place in code point order
    amount: np.ndarray  # int64 cents
    is_bookings: np.ndarray  # bool: new or expansion, not services, payee on the plan
    is_new: np.ndarray  # bool: new, payee on the plan


@dataclass(frozen=True)
class Lines:
    """Every line key of the period, a row each; ``deal`` is -1 on cap and club lines."""
    payee: np.ndarray  # int32
    deal: np.ndarray  # int64: index into the window's deals
    component: np.ndarray  # int8: index into COMPONENTS / KINDS
    amount: np.ndarray  # int64 cents


@dataclass(frozen=True)
class Payouts:
    lines: Lines
    earned: np.ndarray  # int64 cents per payee: the pay of a first close
    commission: np.ndarray  # int64 cents per payee, after its cap


def round_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """numerator / denominator to the nearest integer, halves away from zero."""
    sign = np.where(numerator < 0, -1, 1)
    return sign * ((2 * np.abs(numerator) + denominator) // (2 * denominator))


def sums_by_payee(payee: np.ndarray, values: np.ndarray, payees: int) -> np.ndarray:
    """int64 sum of ``values`` per payee, for rows already grouped by payee (np.bincount
    would sum in float64)."""
    result = np.zeros(payees, np.int64)
    if len(payee):
        starts = np.flatnonzero(np.r_[True, payee[1:] != payee[:-1]])
        result[payee[starts]] = np.add.reduceat(values.astype(np.int64), starts)
    return result


def tier_starts(quota: np.ndarray) -> np.ndarray:
    """[payees, 3] boundaries in cents: 0 %, 100 % and 150 % of quota, rounded half up."""
    return np.stack([np.zeros_like(quota), quota, round_half_up(3 * quota, 2)], axis=1)


def cumulative_tiers(total: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """F(total) in 1/25 cent: the commission on a running total, tier by tier (the first
    tier also rates anything below zero, as icm does)."""
    first = np.minimum(total, starts[:, 1])
    second = np.clip(total - starts[:, 1], 0, starts[:, 2] - starts[:, 1])
    third = np.maximum(total - starts[:, 2], 0)
    return TIER_RATES[0] * first + TIER_RATES[1] * second + TIER_RATES[2] * third


def running_order(deals: Deals) -> np.ndarray:
    """Positions of the bookings deals in (payee, date, deal id) order, by one sort on a
    combined int64 key."""
    counted = np.flatnonzero(deals.is_bookings)
    days = deals.day[counted].astype(np.int64)
    day_span = int(days.max() - days.min() + 1) if len(days) else 1
    ranks = deals.rank[counted]
    rank_span = int(ranks.max()) + 1 if len(ranks) else 1
    key = (deals.payee[counted].astype(np.int64) * day_span + (days - days.min(initial=0))) \
        * rank_span + ranks
    return counted[np.argsort(key, kind="stable")]


def commission_lines(deals: Deals, order: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Each counted deal's commission in cents, in ``order``: F(after) - F(before) on the
    payee's running total, rounded once."""
    payee = deals.payee[order]
    amount = deals.amount[order]
    after = np.cumsum(amount)
    first = np.r_[True, payee[1:] != payee[:-1]] if len(payee) else np.zeros(0, bool)
    offsets = np.maximum.accumulate(np.where(first, np.arange(len(payee)), 0))
    before_all = after - amount
    before = before_all - before_all[offsets]
    starts = tier_starts(quota)[payee]
    lines = round_half_up(cumulative_tiers(before + amount, starts)
                          - cumulative_tiers(before, starts), RATE_DENOMINATOR)
    return np.where(quota[payee] == 0, 0, lines)


def pay(deals: Deals, quota: np.ndarray, target_incentive: np.ndarray,
        period_number: int) -> Payouts:
    """What the plan earns for each payee and every line of it, for a window ending in the
    payout period ``period_number`` (1..4) of 2026."""
    payees = len(quota)
    order = running_order(deals)
    commission = commission_lines(deals, order, quota)
    commission_total = sums_by_payee(deals.payee[order], commission, payees)
    bookings = sums_by_payee(deals.payee[order], deals.amount[order], payees)
    commission_cap = COMMISSION_CAP * target_incentive
    capped = np.minimum(commission_total, commission_cap)
    spiff_deals = np.flatnonzero(deals.is_new & (deals.amount >= SPIFF_FROM))
    spiff_total = np.bincount(deals.payee[spiff_deals], minlength=payees) * SPIFF
    club = np.zeros(payees, np.int64)
    if period_number == 4:
        reached = (quota > 0) & (bookings * CLUB_FROM[1] >= quota * CLUB_FROM[0])
        club = np.where(reached, round_half_up(target_incentive * CLUB_SHARE[0],
                                               CLUB_SHARE[1]), 0)
    before_plan_cap = capped + spiff_total + club
    earned = np.minimum(before_plan_cap, PLAN_CAP * target_incentive)
    every = np.arange(payees, dtype=np.int32)
    over_cap, over_plan_cap, has_club = (commission_total > capped,
                                         before_plan_cap > earned, club != 0)
    parts = [  # (payee, deal, component, amount) per kind of line
        (deals.payee[order], order, COMMISSION, commission),
        (deals.payee[spiff_deals], spiff_deals, SPIFF_ID, np.full(len(spiff_deals), SPIFF)),
        (every[over_cap], None, COMMISSION_CAP_ID, (capped - commission_total)[over_cap]),
        (every[has_club], None, CLUB_ID, club[has_club]),
        (every[over_plan_cap], None, PLAN_CAP_ID, (earned - before_plan_cap)[over_plan_cap])]
    lines = Lines(
        payee=np.concatenate([p for p, _, _, _ in parts]).astype(np.int32),
        deal=np.concatenate([np.full(len(p), -1) if d is None else d for p, d, _, _ in parts]
                            ).astype(np.int64),
        component=np.concatenate([np.full(len(p), c, np.int8) for p, _, c, _ in parts]),
        amount=np.concatenate([a for _, _, _, a in parts]).astype(np.int64))
    return Payouts(lines, earned, capped)
