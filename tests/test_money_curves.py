"""Payout curves whose points are expressions, and curves that pay Money (PLAN_LANGUAGE.md
7.6): `[70%, 30% * prorated(param.base_salary)]` pays the amount (times `weight`) instead of
a share of target incentive. Figures worked out by hand."""
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import calc, icm, import_files, payee

PLAN = textwrap.dedent("""\
    plan: salary-curve
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    fields:
      param.base_salary: Money
    measures:
      bookings: sum(credit.amount)
    components:
      - id: curve
        type: payout_curve
        attainment: attainment.bookings
        curve: [[0%, 0 USD], [70%, 30% * prorated(param.base_salary)], [100%, 50% * prorated(param.base_salary)]]
      - id: half-step
        type: payout_curve
        attainment: attainment.bookings
        weight: 50%
        interpolate: step
        curve: [[0%, 0 USD], [70%, 30% * prorated(param.base_salary)], [100%, 50% * prorated(param.base_salary)]]
      - id: share
        type: payout_curve
        attainment: attainment.bookings
        curve: [[0%, 0%], [100%, 10% + 10%]]
    """)


def _ledger(tmp_path, db):
    plan = tmp_path / "salary-curve.yaml"
    plan.write_text(PLAN)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from,target_incentive,base_salary\n"
                       "rep-1,salary-curve,2026-01-01,40000.00,120000.00\n",
        "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,100000.00\n",
        "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-10,rep-1,85000.00,USD\n"})


def test_a_curve_of_money_pays_the_amount_at_the_attainment(tmp_path, ledger_url):
    _ledger(tmp_path, ledger_url)
    rep = payee(calc("2026-Q1", ledger_url), "rep-1")
    # Q1's share of the 120,000.00 salary is 30,000.00; the points are (0%, 0.00),
    # (70%, 9,000.00) and (100%, 15,000.00). 85,000 of a 100,000 quota is 85%:
    #   curve (linear): 9,000 + (15,000 - 9,000) x (85 - 70)/(100 - 70) = 12,000.00
    #   half-step (step, weight 50%): the last point at or below 85% is 70%: 9,000.00 x 50%
    #             = 4,500.00
    #   share (a Number curve, as before): 40,000.00 / 4 = 10,000.00 of target incentive x
    #         (0% + 20% x 85/100 = 17%) = 1,700.00
    assert {name: c["earned_to_date"] for name, c in rep["components"].items()} == {
        "curve": "12000.00", "half-step": "4500.00", "share": "1700.00"}
    texts = [line["text"] for line in rep["lines"]]
    assert texts == [
        "curve: the curve at 85.00% attainment pays 12,000.00 USD x weight 100% = "
        "12,000.00 USD.",
        "half-step: the curve at 85.00% attainment pays 9,000.00 USD x weight 50% = "
        "4,500.00 USD.",
        "share: target incentive 10,000.00 USD x weight 100% x the curve at 85.00% "
        "attainment, 17% = 1,700.00 USD."]
    explained = icm("explain", "--period", "2026-Q1", "--payee", "rep-1",
                    db=ledger_url).stdout
    assert texts[0] in explained
    icm("statements", "--period", "2026-Q1", "--payee", "rep-1", "--format", "md", "--out",
        str(tmp_path / "out"), db=ledger_url)
    statement = "".join(path.read_text() for path in (tmp_path / "out").glob("*.md"))
    assert texts[0] in statement


@pytest.mark.parametrize("curve, col, message", [
    ("[[0%, 0%], [100%, 5000 USD]]", 30,
     "the payouts of one curve are of one type: this is Money, the first point's is Number"),
    ("[[0%, 0 USD], [100%, 50%]]", 33,
     "the payouts of one curve are of one type: this is Number, the first point's is Money"),
    ("[[0%, true]]", 18, "a curve point's payout must be Number or Money, but this is Bool"),
    ("[[0%, 0%], [deal.amount / 1000 USD, 5%]]", 24,
     "`deal.amount` is known only per deal"),
    ("[[0%, 0%], [100%, 10% * prorated(param.base_salary)]]", 30,
     "the payouts of one curve are of one type: this is Money, the first point's is Number"),
])
def test_check_reports_curve_misuse_at_its_line_and_column(tmp_path, curve, col, message):
    text = PLAN.replace("curve: [[0%, 0%], [100%, 10% + 10%]]", f"curve: {curve}")
    path = tmp_path / "salary-curve.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    # the share curve stands on line 24; its first point at column 12
    assert f"{path}:24:{col}: {message}" in result.output, result.output


def test_points_that_go_back_for_a_payee_stop_the_calculation(tmp_path, ledger_url):
    # the middle point's attainment is a parameter: 120% for rep-1, after the last point's
    # 100%, so the curve goes back for her; the check cannot know it, the calculation says it
    text = PLAN.replace("param.base_salary: Money", "param.base_salary: Money\n  "
                        "param.knee: Number").replace(
        "curve: [[0%, 0%], [100%, 10% + 10%]]", "curve: [[0%, 0%], [param.knee, 10%], "
                                                "[100%, 20%]]")
    path = tmp_path / "salary-curve.yaml"
    path.write_text(text)
    icm("plans", "add", str(path), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from,target_incentive,base_salary,knee\n"
                       "rep-1,salary-curve,2026-01-01,40000.00,120000.00,1.2\n",
        "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,100000.00\n"})
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--db", ledger_url])
    assert result.exit_code == 1
    # line 25 (a field more), the last point's attainment at column 43
    assert result.output == ("Error: salary-curve@1:25:43: the curve's points go back for "
                             "payee rep-1: 100.00% comes after 120.00%\n"), result.output
