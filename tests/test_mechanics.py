"""One mechanic a test, through the CLI, each payout worked out by hand beside it."""
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main


def ledger_with(tmp_path, db, plan: str, files: dict[str, str]):
    runner = CliRunner()
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(plan))
    result = runner.invoke(main, ["plans", "add", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    for kind in ("payees", "assignments", "quotas", "fx", "deals", "credits"):
        if kind in files:
            csv = tmp_path / f"{kind}.csv"
            csv.write_text(textwrap.dedent(files[kind]))
            result = runner.invoke(main, ["import", kind, str(csv), "--db", db])
            assert result.exit_code == 0, result.output


def run(db, *args):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.stdout


def payouts(db, command, period):
    document = json.loads(run(db, command, "--period", period, "--json"))
    return {p["payee"]: p for p in document["payees"]}


HEADER = ("    plan: p\n"
          "    version: 1\n"
          "    effective: 2026-01-01 .. 2026-12-31\n"
          "    currency: USD\n")


def test_retroactive_tiers_oracle_rate_not_split(tmp_path, ledger_url):
    # oracle-split-options-flat-vs-step, 'rate not split': the rate of the highest tier the
    # year's total reaches applies to all of it: 5,000 at 1% = 50; 15,000 at 2% = 300;
    # 60,000 at 3% = 1,800
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: year
    measures:
      sales: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: sales
        tiers:
          basis: amount
          method: retroactive
          table:
            - {from: 0 USD, rate: 1%}
            - {from: 10000 USD, rate: 2%}
            - {from: 50000 USD, rate: 3%}
            - {from: 100000 USD, rate: 4%}
    """, {
        "payees": "id,name\na,A\nb,B\nc,C\n",
        "assignments": "payee_id,plan,effective_from\na,p,2026-01-01\nb,p,2026-01-01\n"
                       "c,p,2026-01-01\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-03-01,a,5000,USD\n"
                 "D2,2026-03-01,b,10000,USD\nD3,2026-04-01,b,5000,USD\n"
                 "D4,2026-05-01,c,60000,USD\n",
    })
    result = payouts(ledger_url, "calc", "2026")
    assert {k: v["payout"] for k, v in result.items()} == {
        "a": "50.00", "b": "300.00", "c": "1800.00"}
    # b's first 10,000 is paid at 2% too, because the year reached the 2% tier
    assert [line["amount"] for line in result["b"]["lines"]] == ["200.00", "100.00"]


def test_a_decelerator_trakitrak(tmp_path, ledger_url):
    # trakitrak-regressive-marginal: 21% to 25, 14% to 40, 11% to 100, 6% above; an order of
    # 37.50 pays 25 x 21% = 5.25 + 12.50 x 14% = 1.75 = 7.00
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: month
    measures:
      orders: sum(credit.amount)
    components:
      - id: fee
        type: commission
        measure: orders
        tiers:
          basis: amount
          method: marginal
          table:
            - {from: 0 USD, rate: 21%}
            - {from: 25 USD, rate: 14%}
            - {from: 40 USD, rate: 11%}
            - {from: 100 USD, rate: 6%}
    """, {
        "payees": "id,name\ns,Store\n",
        "assignments": "payee_id,plan,effective_from\ns,p,2026-01-01\n",
        "deals": "id,date,owner_id,amount,currency\nO1,2026-01-05,s,37.50,USD\n",
    })
    assert payouts(ledger_url, "calc", "2026-01")["s"]["payout"] == "7.00"


def test_new_hire_proration_seanmasters(tmp_path, ledger_url):
    # seanmasters-new-hire-proration: hired June 1 on a yearly plan, 214 of 365 days:
    # quota 800,000 -> 469,041.10 and target incentive 75,000 -> 43,972.60. Booking exactly
    # the prorated quota is 100% attainment, and the 10% bonus is 4,397.26
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: year
    proration: days
    measures:
      bookings: sum(credit.amount)
    components:
      - id: bonus
        type: bonus
        when: attainment.bookings >= 100%
        amount: 10% * target_incentive
    """, {
        "payees": "id,name\nn,Nina\n",
        "assignments": "payee_id,plan,effective_from,target_incentive\nn,p,2026-06-01,75000\n",
        "quotas": "payee_id,measure,period,amount\nn,bookings,2026,800000\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-09-01,n,469041.10,USD\n",
    })
    nina = payouts(ledger_url, "calc", "2026")["n"]
    assert nina["attainment"] == {"bookings": "1.0000"}
    assert nina["payout"] == "4397.26"


def test_a_deal_in_another_currency_is_converted_once(tmp_path, ledger_url):
    # 25,000 EUR at 1.0825 = 27,062.50 USD; 10% = 2,706.25
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: quarter
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    """, {
        "payees": "id,name\ne,Emil\n",
        "assignments": "payee_id,plan,effective_from\ne,p,2026-01-01\n",
        "fx": "date,from,to,rate\n2026-01-01,EUR,USD,1.0825\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-02-01,e,25000,EUR\n",
    })
    emil = payouts(ledger_url, "calc", "2026-Q1")["e"]
    assert emil["lines"][0]["base"] == "27062.50"
    assert emil["payout"] == "2706.25"


@pytest.mark.parametrize("mode, lines, total", [
    # 5% of 0.10 is 0.005 and of 0.30 is 0.015: half_up 0.01 and 0.02; half_even 0.00, 0.02
    ("half_up", ["0.01", "0.02"], "0.03"),
    ("half_even", ["0.02"], "0.02"),  # the 0.00 line is left out
])
def test_rounding_modes_once_per_line(tmp_path, ledger_url, mode, lines, total):
    ledger_with(tmp_path, ledger_url, HEADER + f"""\
    payout_period: month
    rounding: {mode}
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 5%
    """, {
        "payees": "id,name\nr,R\n",
        "assignments": "payee_id,plan,effective_from\nr,p,2026-01-01\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-01-02,r,0.10,USD\n"
                 "D2,2026-01-03,r,0.30,USD\n",
    })
    rep = payouts(ledger_url, "calc", "2026-01")["r"]
    assert [line["amount"] for line in rep["lines"]] == lines
    assert rep["payout"] == total


def test_non_recoverable_draw_qcommission(tmp_path, ledger_url):
    # qcommission-draw-advance-vs-guarantee, non-recoverable: a 2,000 guarantee; 1,000 earned
    # in January -> 2,000 paid, nothing owed; 4,000 in February -> 4,000 paid
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: month
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    draw: {amount: 2000 USD, recoverable: false}
    """, {
        "payees": "id,name\nq,Q\n",
        "assignments": "payee_id,plan,effective_from\nq,p,2025-01-01\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-01-10,q,10000,USD\n"
                 "D2,2026-02-10,q,40000,USD\n",
    })
    january = payouts(ledger_url, "close", "2026-01")["q"]
    assert (january["payout"], january["draw"], january["carried_balance"]) == (
        "2000.00", "1000.00", "0.00")
    february = payouts(ledger_url, "close", "2026-02")["q"]
    assert (february["payout"], february["carried_balance"]) == ("4000.00", "0.00")


def test_period_windows_sum_each_periods_own_earnings(tmp_path, ledger_url):
    # quarterly windows with a 100,000 quota each, 5% to quota and 10% above:
    #   Q1: 50,000 booked -> 2,500.00
    #   Q2: 150,000 booked -> 100,000 x 5% + 50,000 x 10% = 10,000.00
    # computed in Q2 with no close: earned to date 12,500.00, all of it payable
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: quarter
    attainment_window: period
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
            - {from: 100%, rate: 10%}
    """, {
        "payees": "id,name\nr,R\n",
        "assignments": "payee_id,plan,effective_from\nr,p,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nr,bookings,2026,400000\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-02-01,r,50000,USD\n"
                 "D2,2026-05-01,r,150000,USD\n",
    })
    rep = payouts(ledger_url, "calc", "2026-Q2")["r"]
    assert rep["attainment"] == {"bookings": "1.5000"}  # Q2's own window
    assert (rep["earned_to_date"], rep["payout"]) == ("12500.00", "12500.00")


def test_a_deal_reads_the_params_of_the_assignment_in_force_on_its_date(tmp_path,
                                                                          ledger_url):
    # a raise of the accelerator from 1 to 1.5 on March 1: February's 10,000 earns
    # 10% x 1 = 1,000.00 and March's 10,000 earns 10% x 1.5 = 1,500.00
    ledger_with(tmp_path, ledger_url, HEADER + """\
    payout_period: quarter
    fields:
      param.accelerator: Number
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10% * param.accelerator
    """, {
        "payees": "id,name\nr,R\n",
        "assignments": "payee_id,plan,effective_from,effective_to,accelerator\n"
                       "r,p,2026-01-01,2026-02-28,1\nr,p,2026-03-01,,1.5\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-02-10,r,10000,USD\n"
                 "D2,2026-03-10,r,10000,USD\n",
    })
    rep = payouts(ledger_url, "calc", "2026-Q1")["r"]
    assert [line["amount"] for line in rep["lines"]] == ["1000.00", "1500.00"]
    assert rep["lines"][1]["rate"] == "0.15"


def test_a_number_measure_sums_exactly(tmp_path, ledger_url):
    # deals_credited sums credit shares: 60% + 100% + 33.3333333% = 1.933333333 deals; with a
    # quota of 2 that is 96.67% attainment (0.9666666665 -> 0.9667), under the 100% bonus bar;
    # one more 10% share makes 2.033333333 and the bonus of 500.00 pays
    plan = HEADER + """\
    payout_period: year
    measures:
      deals_credited: sum(credit.share)
    components:
      - id: bonus
        type: bonus
        when: attainment.deals_credited >= 100%
        amount: 500 USD
    """
    files = {
        "payees": "id,name\nr,R\no,Other\n",
        "assignments": "payee_id,plan,effective_from\nr,p,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nr,deals_credited,2026,2\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-02-01,r,100,USD\n"
                 "D2,2026-03-01,r,100,USD\nD3,2026-04-01,r,100,USD\n",
        "credits": "deal_id,payee_id,share\nD1,r,60%\nD1,o,40%\n"
                   "D3,r,33.3333333%\nD3,o,66.6666667%\n",
    }
    ledger_with(tmp_path, ledger_url, plan, files)
    rep = payouts(ledger_url, "calc", "2026")["r"]
    assert rep["attainment"] == {"deals_credited": "0.9667"}
    assert rep["payout"] == "0.00"
    more = tmp_path / "more.csv"
    more.write_text("id,date,owner_id,amount,currency\nD4,2026-05-01,o,100,USD\n")
    run(ledger_url, "import", "deals", str(more))
    split = tmp_path / "split.csv"
    split.write_text("deal_id,payee_id,share\nD4,r,10%\nD4,o,90%\n")
    run(ledger_url, "import", "credits", str(split))
    rep = payouts(ledger_url, "calc", "2026")["r"]
    assert rep["attainment"] == {"deals_credited": "1.0167"}
    assert rep["payout"] == "500.00"
