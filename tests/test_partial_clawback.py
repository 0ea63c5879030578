"""Partial clawback (PLAN_LANGUAGE.md 7.5) end to end through the CLI, each figure worked out
by hand: a schedule by the deal's age at its cancellation, a share expression with months(),
and the lines that name the deal and the share taken back."""
import textwrap

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from tests.test_calc import calc, icm, import_files, payee

SCHEDULE_PLAN = textwrap.dedent("""\
    plan: flat-10
    version: 1
    effective: 2026-01-01 .. 2027-12-31
    currency: USD
    payout_period: quarter
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    clawback: {schedule: [[0, 100%], [365, 50%], [548, 0%]]}
    """)

SHARE_PLAN = textwrap.dedent("""\
    plan: term-10
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    fields:
      deal.end_date: Date
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    clawback:
      share: months(deal.cancel_date, deal.end_date) / months(deal.date, deal.end_date)
    """)

PEOPLE = {"payees": "id,name\nrep-1,Ravi\n"}


def _ledger(tmp_path, db, plan_text, plan_id, deals):
    plan = tmp_path / f"{plan_id}.yaml"
    plan.write_text(plan_text)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, {
        **PEOPLE, "assignments": f"payee_id,plan,effective_from\nrep-1,{plan_id},2026-01-01\n",
        "deals": deals})


def _cancel(tmp_path, db, header, row):
    import_files(tmp_path, db, {"deals": header + row}, prefix="later-")


def test_a_deal_cancelled_400_days_after_booking_gives_back_half_next_year(tmp_path,
                                                                            ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date\n"
    _ledger(tmp_path, ledger_url, SCHEDULE_PLAN, "flat-10",
            header + "D-7,2026-01-29,rep-1,100000.00,USD,booked,\n")
    # Q1 pays 10% of 100,000.00 = 10,000.00
    assert payee(calc("2026-Q1", ledger_url), "rep-1")["payout"] == "10000.00"
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        icm("close", "--period", quarter, db=ledger_url)
    # 2026-01-29 + 400 days: 365 days to 2027-01-29, then 2 in January, 28 in February and
    # 5 in March = 2027-03-05. The last point whose days are not more than 400 is [365, 50%]:
    # the row now counts 50% of 100,000.00 = 50,000.00, which earns 10% = 5,000.00. The
    # period containing the cancel date, 2027-Q1, pays 5,000.00 - 10,000.00 = -5,000.00 for
    # D-7, as a prior-year line (D-7 is dated in fiscal 2026); nothing else is earned, so
    # E = -5,000.00: pay 0.00 and carry 5,000.00 (carry_forward).
    _cancel(tmp_path, ledger_url, header, "D-7,2026-01-29,rep-1,100000.00,USD,cancelled,"
                                          "2027-03-05\n")
    # the period before the cancel date does not see it
    assert payee(calc("2026-Q4", ledger_url), "rep-1")["payout"] == "0.00"
    q1 = payee(calc("2027-Q1", ledger_url), "rep-1")
    assert (q1["payout"], q1["carried_balance"]) == ("0.00", "5000.00")
    assert [(line["kind"], line["deal"], line["amount"]) for line in q1["lines"]] == [
        ("true-up", "D-7", "-5000.00"), ("carried-forward", None, "5000.00")]
    assert q1["lines"][0]["text"] == (
        "Fiscal 2026: True-up: 10,000.00 USD earned before, 5,000.00 USD now (D-7 cancelled "
        "2027-03-05, 400 days after booking: 50% taken back). Deal D-7 on 2026-01-29, base "
        "50,000.00 USD at 10% = 5,000.00 USD.")
    # the statement and explain say the same sentence
    icm("statements", "--period", "2027-Q1", "--payee", "rep-1", "--format", "md", "--out",
        str(tmp_path / "out"), db=ledger_url)
    statement = "".join(path.read_text() for path in (tmp_path / "out").glob("*.md"))
    assert "D-7 cancelled 2027-03-05, 400 days after booking: 50% taken back" in statement
    explained = icm("explain", "--period", "2027-Q1", "--payee", "rep-1",
                    db=ledger_url).stdout
    assert "D-7 cancelled 2027-03-05, 400 days after booking: 50% taken back" in explained


def test_the_schedule_decides_at_every_age(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date\n"
    _ledger(tmp_path, ledger_url, SCHEDULE_PLAN, "flat-10", header
            + "D-1,2026-01-10,rep-1,20000.00,USD,booked,\n"
            + "D-2,2026-01-10,rep-1,30000.00,USD,booked,\n")
    icm("close", "--period", "2026-Q1", db=ledger_url)
    # D-1 cancelled 2026-04-20, 100 days after booking: [0, 100%] takes back all its
    # 2,000.00 (the deal leaves its window, as a whole clawback does); D-2 cancelled
    # 2026-04-20 too. Both are in Q2, outside their own payout period and with no
    # within_days: the schedule alone decides.
    _cancel(tmp_path, ledger_url, header,
            "D-1,2026-01-10,rep-1,20000.00,USD,cancelled,2026-04-20\n"
            "D-2,2026-01-10,rep-1,30000.00,USD,booked,\n")
    q2 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert [(line["kind"], line["deal"], line["amount"]) for line in q2["lines"]] == [
        ("clawback", "D-1", "-2000.00"), ("carried-forward", None, "2000.00")]


def test_a_deal_cancelled_after_the_last_point_keeps_everything(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date\n"
    # 2026-01-10 + 548 days = 2027-07-12 (365 to 2027-01-10, then 21 + 28 + 31 + 30 + 31 +
    # 30 + 12 = 183): [548, 0%] takes back nothing, so nothing changes and D-3 keeps 3,000.00
    _ledger(tmp_path, ledger_url, SCHEDULE_PLAN, "flat-10", header
            + "D-3,2026-01-10,rep-1,30000.00,USD,cancelled,2027-07-12\n")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"):
        icm("close", "--period", quarter, db=ledger_url)
    q3 = payee(calc("2027-Q3", ledger_url), "rep-1")
    assert (q3["payout"], q3["lines"]) == ("0.00", [])


def test_a_share_by_the_months_left_of_the_term(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date,end_date\n"
    _ledger(tmp_path, ledger_url, SHARE_PLAN, "term-10", header
            + "D-8,2026-01-15,rep-1,40000.00,USD,booked,,2027-01-15\n")
    # Q1: 10% of 40,000.00 = 4,000.00
    assert payee(calc("2026-Q1", ledger_url), "rep-1")["payout"] == "4000.00"
    icm("close", "--period", "2026-Q1", db=ledger_url)
    # cancelled 2026-04-15: months(2026-04-15, 2027-01-15) = 9 of months(2026-01-15,
    # 2027-01-15) = 12, so 9/12 = 75% is taken back; days from 2026-01-15 to 2026-04-15 are
    # 16 + 28 + 31 + 15 = 90. The row counts 25% of 40,000.00 = 10,000.00, earning 1,000.00:
    # Q2 pays 1,000.00 - 4,000.00 = -3,000.00 for D-8
    _cancel(tmp_path, ledger_url, header,
            "D-8,2026-01-15,rep-1,40000.00,USD,cancelled,2026-04-15,2027-01-15\n")
    q2 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert [(line["kind"], line["deal"], line["amount"]) for line in q2["lines"]] == [
        ("true-up", "D-8", "-3000.00"), ("carried-forward", None, "3000.00")]
    assert q2["lines"][0]["text"] == (
        "True-up: 4,000.00 USD earned before, 1,000.00 USD now (D-8 cancelled 2026-04-15, 90 "
        "days after booking: 75% taken back). Deal D-8 on 2026-01-15, base 10,000.00 USD at "
        "10% = 1,000.00 USD.")


def test_a_deal_cancelled_before_its_first_close_is_paid_its_kept_part(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date,end_date\n"
    # booked 2026-01-15 on a 12-month term and cancelled 2026-02-15 (31 days): months
    # 11 of 12 left, 11/12 taken back. 40,000.00 x 1/12 = 3,333.333... -> 3,333.33 (half_up)
    # counted; 10% of it = 333.333 -> 333.33
    _ledger(tmp_path, ledger_url, SHARE_PLAN, "term-10", header
            + "D-9,2026-01-15,rep-1,40000.00,USD,cancelled,2026-02-15,2027-01-15\n")
    q1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    assert [(line["kind"], line["amount"]) for line in q1["lines"]] == [("deal", "333.33")]
    assert q1["lines"][0]["text"] == (
        "Deal D-9 on 2026-01-15, base 3,333.33 USD at 10% = 333.33 USD. D-9 cancelled "
        "2026-02-15, 31 days after booking: 91.6666666667% taken back.")


HEADER = ("plan: p\nversion: 1\neffective: 2026-01-01 .. 2026-12-31\ncurrency: USD\n"
          "payout_period: quarter\n")
BODY = ("fields:\n  deal.end_date: Date\nmeasures:\n  bookings: sum(credit.amount)\n"
        "components:\n  - id: c\n    type: commission\n    measure: bookings\n    rate: 5%\n")


@pytest.mark.parametrize("line, col, message", [
    ("clawback: {within_days: 90, schedule: [[0, 100%]]}", 29,
     "the clawback takes one of within_days, schedule and share: `within_days` and "
     "`schedule` cannot both be given"),
    ("clawback: {schedule: [[1, 100%]]}", 24, "a clawback schedule starts at 0 days"),
    ("clawback: {schedule: [[0, 100%], [365, 50%], [200, 0%]]}", 47,
     "schedule days must ascend: 200 does not come after 365"),
    ("clawback: {schedule: [[0, 100%], [365, 50%], [365, 0%]]}", 47,
     "schedule days must ascend: 365 does not come after 365"),
    ("clawback: {schedule: [[0, 150%]]}", 27, "a share taken back is from 0% to 100%"),
    ("clawback: {schedule: [[0, -5%]]}", 27, "a share taken back is from 0% to 100%"),
    ("clawback: {schedule: [[0, deal.amount]]}", 27,
     "a schedule point's share must be written as a constant"),
    ("clawback: {schedule: 90}", 22, "a clawback schedule is a list of [days, share] points"),
    ("clawback: {share: deal.amount}", 19,
     "the clawback share must be Number, but this is Money"),
    ("clawback: {share: deal.date}", 19, "the clawback share must be Number, but this is Date"),
    ("clawback: {share: 1 - credit.amount / target_incentive}", 39,
     "the clawback share reads only deal.* and credit.* names, not `target_incentive`"),
    ("clawback: {share: months(deal.date)}", 19, "months(d1, d2) takes two dates"),
    ("clawback: {}", 11, "clawback needs `within_days:`, `schedule:` or `share:`"),
])
def test_check_reports_clawback_misuse_at_its_line_and_column(tmp_path, line, col, message):
    path = tmp_path / "p.yaml"
    path.write_text(HEADER + line + "\n" + BODY)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:6:{col}: {message}" in result.output, result.output


def test_a_share_outside_0_to_100_percent_stops_the_calculation(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date,end_date\n"
    plan = SHARE_PLAN.replace("months(deal.cancel_date, deal.end_date) / ",
                              "months(deal.date, deal.end_date) / ")
    plan = plan.replace("/ months(deal.date, deal.end_date)", "/ months(deal.cancel_date, "
                                                                "deal.end_date)")
    # 12 months of term over 9 left: 133.33...% is more than the deal
    _ledger(tmp_path, ledger_url, plan, "term-10", header
            + "D-8,2026-01-15,rep-1,40000.00,USD,cancelled,2026-04-15,2027-01-15\n")
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q2", "--db", ledger_url])
    assert result.exit_code == 1
    # the share stands on line 16 of the plan, after `  share: `
    assert result.output == ("Error: term-10@1:16:10: the clawback share of deal D-8 is "
                             "133.3333333333%, outside 0% to 100%\n")


PROPERTY_PLAN = """\
plan: prop
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: year
rounding: {mode}
measures:
  bookings: sum(credit.amount)
components:
  - id: commission
    type: commission
    measure: bookings
{rate}
clawback: {{schedule: [[0, {first}%], [90, {second}%], [365, 0%]]}}
"""
RATES = {
    "flat": "    rate: 7.5%",
    "ascending": "    tiers:\n      method: marginal\n      table:\n"
                 "        - {from: 0%, rate: 4%}\n        - {from: 50%, rate: 9%}\n"
                 "        - {from: 100%, rate: 15%}",
    "retroactive": "    tiers:\n      method: retroactive\n      table:\n"
                   "        - {from: 0%, rate: 4%}\n        - {from: 100%, rate: 12%}",
}


@settings(max_examples=60, deadline=None)
@given(rate=st.sampled_from(sorted(RATES)), first=st.integers(0, 100),
       second=st.integers(0, 100), mode=st.sampled_from(["half_up", "half_even"]),
       deals=st.lists(st.tuples(st.integers(1, 50_000_000), st.integers(0, 364),
                                st.sampled_from(["a", "b"]), st.one_of(
                                    st.none(), st.integers(0, 500))),
                      min_size=1, max_size=15))
def test_a_partial_clawback_never_takes_back_more_than_was_earned(rate, first, second,
                                                                   mode, deals):
    """Per payee, what a window earns after the cancellations are taken back is between 0
    and what it earned before them, for flat and ascending rates."""
    import datetime

    import numpy as np
    import pandas as pd

    from engine.clawback import taken_back
    from engine.earnings import Window, earn
    from engine.payee_table import PayeeTable
    from rules_dsl import load_plan_text
    from rules_dsl.money import Money
    plan, errors = load_plan_text(PROPERTY_PLAN.format(
        mode=mode, rate=RATES[rate], first=first, second=second), "prop.yaml")
    assert errors == [], errors
    start = np.datetime64("2026-01-01")
    deals = sorted(deals, key=lambda deal: deal[1])
    rows = pd.DataFrame({
        "deal_id": [f"D-{i:02d}" for i in range(len(deals))],
        "date": (start + np.array([d for _, d, _, _ in deals]).astype("timedelta64[D]")
                 ).astype("datetime64[s]"),
        "payee_id": pd.array([p for _, _, p, _ in deals], dtype="str"),
        "seq": np.ones(len(deals), dtype=np.int64),
        "credit_amount": np.array([a for a, _, _, _ in deals], dtype=np.int64)})
    rows["amount"] = rows["credit_amount"]
    rows["cancel_date"] = rows["date"] + pd.to_timedelta(
        [age or 0 for _, _, _, age in deals], unit="D")
    cancelled = np.array([age is not None for _, _, _, age in deals], dtype=bool)
    window = Window("2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 1)

    def earned(frame):
        payees = PayeeTable.from_names({p: {"quota.bookings": Money(60_000_000)}
                                        for p in ("a", "b")})
        found = earn(plan, window, frame.reset_index(drop=True), payees, {})
        return found.groupby("payee")["amount"].sum().to_dict()

    before = earned(rows)
    after = earned(taken_back(rows, cancelled, plan, {})[0])
    for payee_id, amount in before.items():
        assert 0 <= after.get(payee_id, 0) <= amount


def test_a_share_that_divides_by_zero_names_the_deal(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date,end_date\n"
    # D-5's term ends 20 days after its date: months(deal.date, deal.end_date) is 0
    _ledger(tmp_path, ledger_url, SHARE_PLAN, "term-10", header
            + "D-4,2026-01-15,rep-1,40000.00,USD,cancelled,2026-04-15,2027-01-15\n"
            + "D-5,2026-01-15,rep-1,40000.00,USD,cancelled,2026-01-20,2026-02-04\n")
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q2", "--db", ledger_url])
    assert result.exit_code == 1
    # the division is the whole share, from column 10 of line 16 (after `  share: `)
    assert result.output == ("Error: term-10@1:16:10: division by zero in the clawback share "
                             "of deal D-5\n"), result.output


OVERRIDE_PLAN = textwrap.dedent("""\
    plan: team-10
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
      - id: override
        type: override
        measure: bookings
        team: direct
        rate: 2%
    clawback: {schedule: [[0, 50%], [365, 0%]]}
    """)


def test_a_managers_override_line_names_the_reports_cancelled_deal(tmp_path, ledger_url):
    header = "id,date,owner_id,amount,currency,status,cancel_date\n"
    plan = tmp_path / "team-10.yaml"
    plan.write_text(OVERRIDE_PLAN)
    icm("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name,manager_id\nM,Maria,\nR1,Ravi,M\n",
        "assignments": "payee_id,plan,effective_from\nM,team-10,2026-01-01\n"
                       "R1,team-10,2026-01-01\n",
        "deals": header + "D-1,2026-01-20,R1,50000.00,USD,booked,\n"})
    icm("close", "--period", "2026-Q1", db=ledger_url)
    # cancelled 2026-04-10, 11 + 28 + 31 + 10 = 80 days after booking: [0, 50%] takes back
    # half. R1's row counts 25,000.00: commission 5,000.00 -> 2,500.00 (-2,500.00), and M's
    # override on it 1,000.00 -> 500.00 (-500.00)
    _cancel(tmp_path, ledger_url, header, "D-1,2026-01-20,R1,50000.00,USD,cancelled,"
                                          "2026-04-10\n")
    document = calc("2026-Q2", ledger_url)
    rep, manager = payee(document, "R1"), payee(document, "M")
    assert [(line["deal"], line["amount"]) for line in rep["lines"]][0] == ("D-1", "-2500.00")
    assert manager["lines"][0]["amount"] == "-500.00"
    assert manager["lines"][0]["text"] == (
        "True-up: 1,000.00 USD earned before, 500.00 USD now (D-1 cancelled 2026-04-10, 80 "
        "days after booking: 50% taken back). Deal D-1 credited to R1 on 2026-01-20, base "
        "25,000.00 USD at 2% = 500.00 USD.")
