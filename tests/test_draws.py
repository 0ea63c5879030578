"""Settlement with draws and balances (PLAN_LANGUAGE.md section 5), on published examples."""
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from engine.settle import settle
from tests.test_calc import plan_ledger


@pytest.mark.parametrize("e, b, d, recoverable, mode, pay, carried", [
    # no draw: pay what is earned less what is owed, or carry the shortfall
    (500_00, 0, 0, None, "carry_forward", 500_00, 0),
    (500_00, 200_00, 0, None, "carry_forward", 300_00, 0),
    (-300_00, 0, 0, None, "carry_forward", 0, 300_00),
    (-300_00, 0, 0, None, "deduct", -300_00, 0),
    # siebel-draw-guarantee-top-up: 800 earned against a 2,000 draw -> 2,000 paid
    (800_00, 0, 2_000_00, False, "carry_forward", 2_000_00, 0),
    # qcommission non-recoverable guarantee: 1,000 then 4,000 earned against 2,000
    (1_000_00, 0, 2_000_00, False, "carry_forward", 2_000_00, 0),
    (4_000_00, 0, 2_000_00, False, "carry_forward", 4_000_00, 0),
    # visdum case 2: a 3,000 recoverable draw, 2,000 earned -> 1,000 owed
    (2_000_00, 0, 3_000_00, True, "carry_forward", 3_000_00, 1_000_00),
    # visdum case 1 (the draw not yet owed): 6,000 earned against 4,000 -> 6,000 paid
    (6_000_00, 0, 4_000_00, True, "carry_forward", 6_000_00, 0),
])
def test_settle(e, b, d, recoverable, mode, pay, carried):
    assert settle(e, b, d, recoverable, mode) == (pay, carried)


PLAN = textwrap.dedent("""\
    plan: draw-plan
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: month
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    draw: {amount: 1000 USD, recoverable: true}
    """)


def _draw_ledger(tmp_path, ledger_url, files: dict) -> CliRunner:
    """A ledger with the draw plan and ``files`` (kind -> CSV text) imported."""
    plan_ledger(tmp_path, ledger_url, PLAN, files)
    return CliRunner()


def test_oracle_recoverable_draw_over_three_months(tmp_path, ledger_url):
    # oracle-fusion-draw-recovery-p1-p3: a 1,000 minimum each month, earnings 500, 700, 400:
    #   P1: pay max(1,000, 500 - 0)     = 1,000; balance 0 + 1,000 - 500     =   500
    #   P2: pay max(1,000, 700 - 500)   = 1,000; balance 500 + 1,000 - 700   =   800
    #   P3: pay max(1,000, 400 - 800)   = 1,000; balance 800 + 1,000 - 400   = 1,400
    files = {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from\nrep-1,draw-plan,2025-06-01\n",
        "deals": "id,date,owner_id,amount,currency\nD-1,2026-01-15,rep-1,5000.00,USD\n"
                 "D-2,2026-02-15,rep-1,7000.00,USD\nD-3,2026-03-15,rep-1,4000.00,USD\n",
    }
    runner = _draw_ledger(tmp_path, ledger_url, files)
    seen = []
    for month in ("2026-01", "2026-02", "2026-03"):
        result = runner.invoke(main, ["close", "--period", month, "--json", "--db",
                                      ledger_url])
        assert result.exit_code == 0, result.output
        (rep,) = json.loads(result.stdout)["payees"]
        seen.append((rep["payout"], rep["draw"], rep["carried_balance"]))
        total = sum(round(float(line["amount"]) * 100) for line in rep["lines"])
        assert total == round(float(rep["payout"]) * 100)  # the statement foots
    assert seen == [("1000.00", "500.00", "500.00"),
                    ("1000.00", "800.00", "800.00"),
                    ("1000.00", "1400.00", "1400.00")]
    # February's lines: the deal, the balance brought forward, the draw top-up
    february = json.loads(runner.invoke(main, ["calc", "--period", "2026-02", "--json",
                                               "--db", ledger_url]).stdout)
    assert [(l["kind"], l["amount"]) for l in february["payees"][0]["lines"]] == [
        ("deal", "700.00"), ("balance", "-500.00"), ("draw", "800.00")]
    # the draw line says what it is and that it is recovered later
    assert february["payees"][0]["lines"][-1]["text"] == (
        "Draw: 800.00 USD brings the pay up to the 1,000.00 USD draw (recoverable: "
        "recovered from later pay).")
    # February's pay card says what its 1,000.00 is made of, nothing with a minus sign:
    # 700.00 earned, less the 500.00 brought forward, and an 800.00 draw; 800.00 owed after
    out = tmp_path / "out"
    assert runner.invoke(main, ["statements", "--period", "2026-02", "--format", "md",
                                "--out", str(out), "--db", ledger_url]).exit_code == 0
    card = (out / "rep-1-2026-02.md").read_text().split("## ")[0]
    assert "- This period: commission 700.00 · less Balance brought forward 500.00 · " \
           "Draw 800.00\n" in card
    assert "- You owe, recovered from future pay: 800.00 USD\n" in card


def test_a_draw_for_part_of_a_period_says_it_is_prorated(tmp_path, ledger_url):
    """rep-2 joins on 16 January: the 1,000.00 monthly draw covers 16 of January's 31 days,
    1,000.00 x 16 / 31 = 516.129..., 516.13 half up; earning nothing, rep-2 is paid that,
    and the draw line says the plan's draw is 1,000.00 a period, prorated."""
    files = {
        "payees": "id,name\nrep-2,Rosa\n",
        "assignments": "payee_id,plan,effective_from\nrep-2,draw-plan,2026-01-16\n",
    }
    runner = _draw_ledger(tmp_path, ledger_url, files)
    result = runner.invoke(main, ["calc", "--period", "2026-01", "--json", "--db", ledger_url])
    assert result.exit_code == 0, result.output
    (rep,) = json.loads(result.stdout)["payees"]
    assert (rep["payout"], rep["draw"]) == ("516.13", "516.13")
    assert rep["lines"][-1]["text"] == (
        "Draw: 516.13 USD brings the pay up to the 516.13 USD draw (recoverable: recovered "
        "from later pay; the plan's draw is 1,000.00 USD a period, prorated to the days on "
        "the plan).")
