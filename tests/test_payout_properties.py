"""Invariants of pay, checked by Hypothesis over generated inputs: credit splits add back to
the deal, marginal payouts never fall as the amount rises, caps are never exceeded, and every
statement and payroll row foots to the cent."""
import csv
import datetime
import io
import json
import tempfile
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from engine import lines, tiers
from engine.payable import payable_lines
from engine.tiers import marginal
from rules_dsl.components.payout_curve import curve_value
from rules_dsl.plan import CurvePoint
from ledger.window import credit_amounts
from rules_dsl.loader import load_plan_text
from rules_dsl.money import round_fraction

SCALE = 1_000_000_000


@st.composite
def split_deals(draw):
    """Deals with 1 to 4 credit rows whose shares (in billionths) add up to 100%."""
    amounts, shares, ids = [], [], []
    for deal in range(draw(st.integers(1, 8))):
        amount = draw(st.integers(-10**12, 10**12))
        cuts = sorted(draw(st.lists(st.integers(0, SCALE), max_size=3)))
        parts = [b - a for a, b in zip([0] + cuts, cuts + [SCALE])]
        for part in parts:
            amounts.append(amount)
            shares.append(part)
            ids.append(f"D-{deal}")
    return np.array(amounts, np.int64), np.array(shares, np.int64), np.array(ids, object)


@given(split_deals())
def test_credit_splits_add_back_to_the_deal_and_each_is_within_a_cent(deals):
    amounts, shares, ids = deals
    credited = credit_amounts(amounts, shares, ids)
    for deal in set(ids):
        rows = ids == deal
        assert credited[rows].sum() == amounts[rows][0]
        for amount, share, got in zip(amounts[rows], shares[rows], credited[rows]):
            assert abs(Fraction(int(got)) - Fraction(int(amount) * int(share), SCALE)) < 1


@st.composite
def tier_tables(draw):
    """Tier starts from 0 up, in cents, and any non-negative rates (regressive ones too)."""
    starts = sorted(set(draw(st.lists(st.integers(1, 10**9), max_size=3))))
    rates = draw(st.lists(st.fractions(0, 1, max_denominator=400),
                          min_size=len(starts) + 1, max_size=len(starts) + 1))
    return np.array([0] + starts, np.int64), tuple(rates)


@given(table=tier_tables(), before=st.integers(0, 10**10), amount=st.integers(0, 10**10),
       more=st.integers(1, 10**9), mode=st.sampled_from(["half_up", "half_even"]))
def test_a_larger_deal_never_earns_less_on_marginal_tiers(table, before, amount, more, mode):
    starts, rates = table

    def earned(value):
        result = marginal(np.array([value], np.int64), np.array([before], np.int64),
                          starts[None, :], [(np.array([rate.numerator], np.int64),
                                             np.array([rate.denominator], np.int64))
                                            for rate in rates], mode)
        assert result.slice_bases.sum() == value  # the slices make up the deal
        return int(result.amounts[0])
    assert earned(amount + more) >= earned(amount) >= 0


PLAN = textwrap.dedent("""\
    plan: prop
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
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
            - {from: 100%, rate: 12.5%}
        cap: 9000 USD
      - id: logo
        type: spiff
        when: deal.type == "new"
        amount: 333.33 USD * credit.share
    cap: 12000 USD
    clawback: {within_days: 365}
    """)

deal_rows = st.lists(st.tuples(
    st.integers(1, 30_000_000),                       # cents
    st.sampled_from(["new", "expansion"]),
    st.integers(1, 180),                              # day of the year
    st.sampled_from(["rep-1", "rep-2", "split"]),
    st.integers(0, 400)), min_size=1, max_size=12)   # cancelled that many days later; 0: never


def _icm(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.stdout


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=deal_rows)
def test_every_statement_foots_caps_hold_and_payroll_adds_up(deals):
    import datetime
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        db = ["--db", f"sqlite:///{root / 'icm.db'}"]
        files = {
            "payees": "id,name\nrep-1,Ana\nrep-2,Bo\n",
            "assignments": "payee_id,plan,effective_from\nrep-1,prop,2026-01-01\n"
                           "rep-2,prop,2026-01-01\n",
            "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,100000.00\n"
                      "rep-2,bookings,2026,50000.00\n",
            "deals": "id,date,owner_id,amount,currency,type,status,cancel_date\n",
            "credits": "deal_id,payee_id,share\n"}
        start = datetime.date(2026, 1, 1)
        for i, (cents, kind, day, owner, cancel) in enumerate(deals):
            date = start + datetime.timedelta(days=day - 1)
            cancelled = date + datetime.timedelta(days=cancel) if cancel else None
            files["deals"] += (f"D-{i},{date},{'rep-1' if owner != 'rep-2' else 'rep-2'},"
                               f"{cents // 100}.{cents % 100:02d},USD,{kind},"
                               f"{'cancelled' if cancelled else 'booked'},"
                               f"{cancelled or ''}\n")
            if owner == "split":
                files["credits"] += f"D-{i},rep-1,60%\nD-{i},rep-2,40%\n"
        (root / "prop.yaml").write_text(PLAN)
        _icm("plans", "add", str(root / "prop.yaml"), *db)
        for kind, text in files.items():
            (root / f"{kind}.csv").write_text(text)
            if text.count("\n") > 1:
                _icm("import", kind, str(root / f"{kind}.csv"), *db)
        for period in ("2026-Q1", "2026-Q2"):
            document = json.loads(_icm("close", "--period", period, "--json", *db))
            for payee in document["payees"]:
                lines = sum(_cents(line["amount"]) for line in payee["lines"])
                assert lines == _cents(payee["payout"])  # the statement foots
                commission = payee["components"]["commission"]["earned_to_date"]
                assert 0 <= _cents(commission) <= 900_000  # the component cap
                assert _cents(payee["earned_to_date"]) <= 1_200_000  # the plan cap
            rows = csv.DictReader(io.StringIO(_icm("export", "payroll", "--period", period,
                                                   *db)))
            for row in rows:
                parts = [v for k, v in row.items() if k not in ("period", "run_id",
                         "payee_id", "payee_name", "currency", "gross") and v]
                assert sum(_cents(v) for v in parts) == _cents(row["gross"])


def _cents(text: str) -> int:
    whole, _, fraction = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int(fraction or 0)
    return -value if text.startswith("-") else value


@st.composite
def curves(draw):
    """Payout curve points: x non-decreasing (a repeat allowed), any y, and an attainment."""
    xs = sorted(draw(st.lists(st.integers(0, 300), min_size=1, max_size=6)))
    points = [CurvePoint(Fraction(x, 100), Fraction(draw(st.integers(0, 300)), 100), None)
              for x in xs]
    return points, Fraction(draw(st.integers(0, 400)), 100)


@given(curves())
def test_step_after_differs_from_step_only_on_a_point_and_then_keeps_the_band_below(found):
    """``step_after`` takes the last point below the attainment, ``step`` the last at or
    below it: they agree off the points; on a point past the first, step_after pays the
    band that ends there; at or below the first point both pay its value."""
    points, attainment = found
    after = curve_value(points, attainment, "step_after")
    assert after in {p.y for p in points}
    if attainment <= points[0].x:
        assert after == points[0].y
    elif attainment in {p.x for p in points}:
        assert after == [p.y for p in points if p.x < attainment][-1]
    else:
        assert after == curve_value(points, attainment, "step")


@st.composite
def ascending_tiers(draw):
    """One payee's rows (whole currency units, so every slice x whole-percent rate is exact
    in cents) and a table of ascending rates from 0."""
    amounts = np.array(draw(st.lists(st.integers(0, 5_000), min_size=1, max_size=12)),
                       np.int64) * 100
    steps = draw(st.lists(st.integers(1, 4_000), max_size=3))
    starts = np.cumsum([0] + steps).astype(np.int64) * 100
    rates = sorted(draw(st.lists(st.integers(0, 40), min_size=len(starts),
                                 max_size=len(starts))))
    return amounts, starts, [Fraction(rate, 100) for rate in rates]


def _tiers_of(amounts, starts, rates):
    rows = len(amounts)
    return (np.tile(starts, (rows, 1)),
            [(np.full(rows, r.numerator, np.int64), np.full(rows, r.denominator, np.int64))
             for r in rates])


@given(ascending_tiers())
def test_landing_pays_each_row_at_its_landing_tier_and_between_marginal_and_retroactive(found):
    """Row by row, as PLAN_LANGUAGE 7.1 words it; and under ascending rates the total lies
    between the marginal and the retroactive pay of the same rows."""
    amounts, starts, rates = found
    table, rated = _tiers_of(amounts, starts, rates)
    before = np.r_[0, np.cumsum(amounts)[:-1]]
    landing = tiers.landing(amounts, before, table, rated, "half_up").amounts
    total = 0
    for amount, paid in zip(amounts.tolist(), landing.tolist()):
        total += amount
        rate = rates[max(k for k, start in enumerate(starts.tolist()) if total >= start)]
        assert paid == amount * rate
    marginal_pay = tiers.marginal(amounts, before, table, rated, "half_up").amounts.sum()
    retroactive_pay = tiers.retroactive(amounts, np.full(len(amounts), amounts.sum()), table,
                                        rated, "half_up").amounts.sum()
    assert marginal_pay <= landing.sum() <= retroactive_pay


@given(ascending_tiers(), st.integers(0, 50_000))
def test_per_deal_pays_each_row_from_zero_and_never_below_its_floor(found, floor_units):
    """Row by row, as PLAN_LANGUAGE 7.1 words it: each row is the marginal pay of itself
    alone, a positive row raised to the floor; under ascending rates a row alone never
    earns more than it would at the top of the running total (marginal on the whole)."""
    amounts, starts, rates = found
    table, rated = _tiers_of(amounts, starts, rates)
    floor = np.full(len(amounts), floor_units, np.int64)
    alone = tiers.per_deal(amounts, table, rated, "half_up")
    paid, raised = tiers.raised_to(alone, amounts, floor)
    for amount, own, pay, up in zip(amounts.tolist(), alone.amounts.tolist(),
                                    paid.amounts.tolist(), raised.tolist()):
        by_hand = sum((min(amount, end) - start) * rate for start, end, rate in zip(
            starts.tolist(), starts.tolist()[1:] + [amount], rates) if amount > start)
        assert own == by_hand
        assert pay == (max(by_hand, floor_units) if amount > 0 else by_hand)
        assert up == (amount > 0 and by_hand < floor_units)
    before = np.r_[0, np.cumsum(amounts)[:-1]]
    assert alone.amounts.sum() <= tiers.marginal(amounts, before, table, rated,
                                                 "half_up").amounts.sum()


@st.composite
def held_lines(draw):
    """A schedule (shares in whole percents adding to 100%, `after` ascending from 0 days),
    and lines of it: earned amounts (credit memos too) and deal dates."""
    cuts = sorted(set(draw(st.lists(st.integers(1, 99), max_size=3))))
    shares = [b - a for a, b in zip([0] + cuts, cuts + [100])]
    afters = [0] + sorted(draw(st.sets(st.integers(1, 400), min_size=len(shares) - 1,
                                      max_size=len(shares) - 1)))
    count = draw(st.integers(1, 12))
    earned = draw(st.lists(st.integers(-10**9, 10**12), min_size=count, max_size=count))
    days = draw(st.lists(st.integers(0, 364), min_size=count, max_size=count))
    judged = draw(st.integers(0, 800))
    return list(zip(afters, shares)), earned, days, judged


@settings(max_examples=150, deadline=None)
@given(held_lines(), st.sampled_from(["half_up", "half_even"]))
def test_payable_to_date_never_exceeds_earned_and_equals_it_once_all_is_due(case, mode):
    schedule, earned, days, judged = case
    steps = ", ".join(f"{{after: {after} days, share: {share}%}}" for after, share in schedule)
    plan, errors = load_plan_text(textwrap.dedent(f"""\
        plan: held
        version: 1
        effective: 2026-01-01 .. 2027-12-31
        currency: USD
        payout_period: quarter
        rounding: {mode}
        measures:
          bookings: sum(credit.amount)
        components:
          - id: commission
            type: commission
            measure: bookings
            rate: 10%
            payable: {{schedule: [{steps}]}}
        """), "held.yaml")
    assert errors == []
    first = datetime.date(2026, 1, 1)
    dates = np.array([np.datetime64(first + datetime.timedelta(days=d), "s") for d in days])
    frame = lines.table(len(earned), payee="rep-1", component="commission", kind="deal",
                        amount=np.array(earned, np.int64),
                        deal=np.array([f"D-{k}" for k in range(len(earned))], object),
                        seq=1, date=dates)
    judged_on = first + datetime.timedelta(days=judged)
    payable = payable_lines(plan, frame, None, None, judged_on)["amount"].to_numpy()
    earned = np.array(earned, np.int64)
    # row by row, as PLAN_LANGUAGE 7.3 words it: each share whose day (the deal's date
    # plus its `after`) is on or before the day judged, times the line, rounded once
    for line, (amount, day) in enumerate(zip(earned.tolist(), days)):
        share = sum(Fraction(part, 100) for after, part in schedule if day + after <= judged)
        expected = amount if amount < 0 else round_fraction(amount * share, mode)
        assert payable[line] == expected
    assert (payable <= earned).all()
    assert (payable[earned < 0] == earned[earned < 0]).all()  # a take-back is never held
    assert (payable[earned >= 0] >= 0).all()
    last_due = np.array(days) + schedule[-1][0]
    assert (payable[last_due <= judged] == earned[last_due <= judged]).all()
