"""`prorated(param.NAME)` (PLAN_LANGUAGE.md 7.6): an annual Money assignment parameter
divided over the fiscal year's payout periods and prorated for the window, as target
incentive is. Figures worked out by hand."""
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import calc, icm, import_files, payee

PLAN = textwrap.dedent("""\
    plan: mbo
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: {window}
    fields:
      param.base_salary: Money
    measures:
      bookings: sum(credit.amount)
    components:
      - id: mbo
        type: formula
        amount: 10% * prorated(param.base_salary)
      - id: ti
        type: formula
        amount: target_incentive
    """)


def _ledger(tmp_path, db, window):
    plan = tmp_path / "mbo.yaml"
    plan.write_text(PLAN.format(window=window))
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, {
        "payees": "id,name\nrep-1,Ravi\nrep-2,Rosa\n",
        # rep-1 is hired on 2026-02-15; rep-2 has no salary on her assignment
        "assignments": "payee_id,plan,effective_from,target_incentive,base_salary\n"
                       "rep-1,mbo,2026-02-15,120000.00,120000.00\n"
                       "rep-2,mbo,2026-01-01,,\n"})


def test_a_salary_prorated_like_target_incentive_for_a_mid_quarter_hire(tmp_path,
                                                                        ledger_url):
    _ledger(tmp_path, ledger_url, "period")
    # 120,000.00 a year over four quarters is 30,000.00 a quarter. Q1 2026 has 31 + 28 + 31
    # = 90 days; rep-1 covers 2026-02-15 to 2026-03-31, 14 + 31 = 45 of them: 30,000.00 x
    # 45/90 = 15,000.00, and 10% of it is 1,500.00; target incentive the same: 15,000.00.
    # rep-2 has no salary: 0, and no line.
    q1 = calc("2026-Q1", ledger_url)
    rep1 = payee(q1, "rep-1")
    assert rep1["components"]["mbo"]["earned_to_date"] == "1500.00"
    assert rep1["components"]["ti"]["earned_to_date"] == "15000.00"
    assert payee(q1, "rep-2")["payout"] == "0.00"
    # Q2 is covered whole: 30,000.00 x 10% = 3,000.00 more (a period window: Q1 + Q2)
    q2 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert q2["components"]["mbo"]["earned_to_date"] == "4500.00"


def test_an_annual_window_reads_the_whole_years_prorated_salary(tmp_path, ledger_url):
    _ledger(tmp_path, ledger_url, "annual")
    # the annual window sums every payout period of the year: 15,000.00 (Q1, prorated) +
    # 3 x 30,000.00 = 105,000.00, and 10% of it is 10,500.00
    rep1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    assert rep1["components"]["mbo"]["earned_to_date"] == "10500.00"


@pytest.mark.parametrize("amount, col, message", [
    ("prorated(param.rate)", 22, "prorated(...) takes an annual Money parameter; `param.rate` "
                                 "is Number"),
    ("prorated(target_incentive)", 13, "prorated(param.NAME) takes one assignment parameter"),
    ("prorated(param.base_salary, param.base_salary)", 13,
     "prorated(param.NAME) takes one assignment parameter"),
    ("prorated(param.salary)", 22, "unknown field `param.salary`"),
])
def test_check_reports_prorated_misuse_at_its_line_and_column(tmp_path, amount, col, message):
    text = PLAN.format(window="period").replace("param.base_salary: Money",
                                                "param.base_salary: Money\n  param.rate: Number")
    text = text.replace("amount: 10% * prorated(param.base_salary)", f"amount: {amount}")
    path = tmp_path / "mbo.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:15:{col}: {message}" in result.output, result.output


def test_prorated_is_refused_per_deal(tmp_path):
    text = PLAN.format(window="period") + textwrap.indent(textwrap.dedent("""\
        - id: spiff
          type: spiff
          when: deal.amount > 0 USD
          amount: prorated(param.base_salary)
        """), "  ")
    path = tmp_path / "mbo.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert (f"{path}:21:13: prorated(...) is a payee-level value; it cannot be used per deal "
            "in component 'spiff'") in result.output, result.output
