"""Benchmark: the evaluation itself, a marginal-tier commission over every deal of a window.

Three ways, in the same process, on the same generated deals (no ledger I/O):
  * icm's engine (``engine.earnings.earn``: vectorised measures, rates and tiers);
  * the reference evaluator, row by row with exact Python numbers, on a sample;
  * a hand-written numpy computation of the same plan: sort once, cumulative sums, clip the
    running totals at the tier boundaries, F(after) - F(before).
The engine's total is checked against numpy's to the cent.

    python bench/bench_engine.py --deals 1000000 --payees 10000
"""
from __future__ import annotations

import argparse
import datetime
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import reference_evaluator  # noqa: E402
from engine.earnings import Window, earn  # noqa: E402
from engine.payee_table import PayeeTable  # noqa: E402
from rules_dsl.money import round_fraction  # noqa: E402
from rules_dsl.money import Money  # noqa: E402
from timing import timed  # noqa: E402
from rules_dsl import load_plan_text  # noqa: E402

PLAN = """\
plan: bench
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: year
attainment_window: annual
measures:
  bookings: sum(credit.amount)
components:
  - id: commission
    type: commission
    measure: bookings
    tiers:
      method: marginal
      table:
        - {from: 0%, rate: 5%}
        - {from: 100%, rate: 8%}
        - {from: 150%, rate: 12%}
"""
FROMS = (Fraction(0), Fraction(1), Fraction(3, 2))


def generate(deals: int, payees: int, seed: int = 20261123):
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, payees, deals)
    amount = rng.integers(100, 20_000_000, deals)  # 1.00 to 200,000.00
    amount[rng.random(deals) < 0.02] *= -1  # some credit memos
    days = rng.integers(0, 365, deals)
    frame = pd.DataFrame({
        "deal_id": [f"D-{i:08d}" for i in range(deals)],
        "date": (np.datetime64("2026-01-01") + days.astype("timedelta64[D]")
                 ).astype("datetime64[s]"),
        "payee_id": [f"p{i:05d}" for i in owner],
        "seq": np.ones(deals, dtype=np.int64),
        "credit_amount": amount.astype(np.int64),
    })
    frame["amount"] = frame["credit_amount"]
    quotas = {f"p{i:05d}": int(q) for i, q in enumerate(
        rng.integers(50_000_000, 300_000_000, payees))}  # 500,000.00 to 3,000,000.00
    return frame.sort_values(["date", "deal_id"], kind="stable").reset_index(drop=True), quotas


def run_engine(plan, frame, quotas):
    payees = PayeeTable.from_names({p: {"quota.bookings": Money(q), "target_incentive": Money(0)}
                                    for p, q in quotas.items()})
    window = Window("2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 1)
    lines = earn(plan, window, frame, payees, {})
    return int(lines["amount"].sum()), len(lines)


def run_numpy(frame, quotas):
    """The plan by hand: one sort on a combined key, cumsum, clip, difference."""
    codes, uniques = pd.factorize(frame["payee_id"], sort=True)
    order = np.lexsort((frame["deal_id"].to_numpy(), frame["date"].to_numpy(), codes))
    amount = frame["credit_amount"].to_numpy()[order]
    payee = codes[order]
    cumulative = np.cumsum(amount)
    first = np.r_[True, payee[1:] != payee[:-1]]
    start_index = np.maximum.accumulate(np.where(first, np.arange(len(amount)), 0))
    after = cumulative - (cumulative - amount)[start_index]
    before = after - amount
    quota = np.array([quotas[p] for p in uniques], dtype=np.int64)[payee]
    bounds = [np.zeros_like(quota), quota, (quota * 3 + 1) // 2]  # 150% rounded half_up
    scaled = [5, 8, 12]  # rates in hundredths

    def cumulative_f(total):
        value = scaled[0] * np.minimum(total, bounds[1])
        value += scaled[1] * np.clip(total - bounds[1], 0, bounds[2] - bounds[1])
        value += scaled[2] * np.maximum(total - bounds[2], 0)
        return value

    exact = cumulative_f(after) - cumulative_f(before)  # in hundredths of a cent
    lines = np.where(exact >= 0, (exact + 50) // 100, -((-exact + 50) // 100))
    return int(lines.sum()), len(lines)


def run_reference(plan, frame, quotas):
    """Row by row, exact: the running total per payee and the tier function in Fractions."""
    rate_nodes = [tier.rate.node for tier in plan.components[0].tiers.table]
    totals: dict[str, int] = {}
    ordered = frame.sort_values(["payee_id", "date", "deal_id"], kind="stable")
    paid = 0
    for payee, amount in zip(ordered["payee_id"], ordered["credit_amount"]):
        rates = [reference_evaluator.evaluate(node, {}, "USD", "half_up") for node in rate_nodes]
        quota = quotas[payee]
        bounds = [round_fraction(start * quota, "half_up") for start in FROMS]
        before = totals.get(payee, 0)
        after = before + int(amount)
        totals[payee] = after
        paid += round_fraction(_f(after, bounds, rates) - _f(before, bounds, rates), "half_up")
    return paid, len(ordered)


def _f(total: int, bounds: list[int], rates: list[Fraction]) -> Fraction:
    value = rates[0] * min(total, bounds[1])
    value += rates[1] * min(max(total - bounds[1], 0), bounds[2] - bounds[1])
    return value + rates[2] * max(total - bounds[2], 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=20_000,
                        help="deals for the reference evaluator")
    options = parser.parse_args()
    plan, errors = load_plan_text(PLAN, "bench.yaml")
    assert not errors, errors
    frame, quotas = generate(options.deals, options.payees)
    (engine_total, count), engine_seconds = timed(run_engine, plan, frame, quotas)
    (numpy_total, _), numpy_seconds = timed(run_numpy, frame, quotas)
    assert engine_total == numpy_total, (engine_total, numpy_total)
    sample = frame[frame["payee_id"].isin(sorted(quotas)[:max(1, options.payees
                                                             * options.sample
                                                             // options.deals)])]
    sample_quotas = {p: quotas[p] for p in sample["payee_id"].unique()}
    (ref_total, ref_count), ref_seconds = timed(run_reference, plan, sample, sample_quotas)
    (check_total, _), _ = timed(run_engine, plan, sample.reset_index(drop=True),
                                sample_quotas)
    assert ref_total == check_total, (ref_total, check_total)
    print(f"{options.deals:,} deals, {options.payees:,} payees; engine total "
          f"{engine_total / 100:,.2f} USD = numpy's, to the cent")
    print(f"{'how':<38}{'deals':>11}{'seconds':>9}{'deals/s':>12}{'vs numpy':>10}")
    numpy_rate = options.deals / numpy_seconds
    for label, deals, seconds in (
            ("hand-written numpy (baseline)", options.deals, numpy_seconds),
            ("icm engine (earn, vectorised)", count, engine_seconds),
            ("reference evaluator (row by row)", ref_count, ref_seconds)):
        rate = deals / seconds
        print(f"{label:<38}{deals:>11,}{seconds:>9.2f}{rate:>12,.0f}{rate / numpy_rate:>9.2f}x")


if __name__ == "__main__":
    main()
