"""A window per component and the names of other windows (PLAN_LANGUAGE.md 7.2), end to end.

The plan pays quarterly over a year-to-date window; rep-1's 400,000.00 annual quota spreads
100,000.00 to each quarter. Q1 books 120,000.00 and Q2 30,000.00, so:

| name                          | in Q1's window         | in Q2's window              |
|-------------------------------|------------------------|-----------------------------|
| attainment (the Q's own)      | 120,000 / 100,000 = 120% | 30,000 / 100,000 = 30%    |
| ytd.attainment.bookings       | 120,000 / 100,000 = 120% | 150,000 / 200,000 = 75%   |
| annual.attainment.bookings    | 120,000 / 400,000 = 30%  | 150,000 / 400,000 = 37.5% |
"""
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import import_files, payee

PLAN = textwrap.dedent("""\
    plan: gated
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: ytd
    measures:
      bookings: sum(credit.amount)
    components:
      - id: base
        type: commission
        measure: bookings
        rate: 5%
      - id: quarter-bonus
        type: bonus
        window: period
        when: attainment.bookings >= 100%
        amount: 2000 USD
      - id: accelerator
        type: commission
        window: period
        measure: bookings
        rate: 2%
        threshold: ytd.attainment.bookings >= 100%
      - id: gated
        type: commission
        window: period
        measure: bookings
        rate: 1%
        threshold: annual.attainment.bookings >= 30%
      - id: quarter-share
        type: formula
        amount: 1% * period.bookings * (period.quota.bookings / ytd.quota.bookings)
    """)

FILES = {
    "payees": "id,name\nrep-1,Ravi\n",
    "assignments": "payee_id,plan,effective_from\nrep-1,gated,2026-01-01\n",
    "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,400000.00\n",
    "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-10,rep-1,120000.00,USD\n",
}


def icm(*args, db, code=0):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def build(tmp_path, db, plan_text=PLAN):
    plan = tmp_path / "gated.yaml"
    plan.write_text(plan_text)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, FILES)


def run(command, period, db):
    return payee(json.loads(icm(command, "--period", period, "--json", db=db).stdout), "rep-1")


def components(record):
    return {name: c["earned_to_date"] for name, c in record["components"].items()}


def test_each_component_is_earned_over_its_own_window(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    q1 = run("close", "2026-Q1", ledger_url)
    # base 5% x 120,000 = 6,000; the quarter's bonus at 120%; the accelerator 2% x 120,000
    # (ytd 120%); gated 1% x 120,000 (annual 30%); quarter-share: the formula is over the
    # plan's ytd window, where period.* is Q1's and ytd.quota is Q1's: 1% x 120,000 x 1
    assert components(q1) == {"base": "6000.00", "quarter-bonus": "2000.00",
                              "accelerator": "2400.00", "gated": "1200.00",
                              "quarter-share": "1200.00"}
    assert q1["payout"] == "12800.00"
    assert q1["attainment"] == {"bookings": "1.2000"}

    import_files(tmp_path, ledger_url, {"deals": "id,date,owner_id,amount,currency\n"
                                                  "D-2,2026-05-05,rep-1,30000.00,USD\n"},
                 prefix="q2-")
    q2 = run("calc", "2026-Q2", ledger_url)
    # base: 5% x 150,000 = 7,500 (1,500 new). The period components keep Q1's judgement on
    # Q1's figures and judge Q2 on Q2's: the bonus misses (30%), the accelerator misses (ytd
    # 75%), gated pays 1% x 30,000 = 300 (annual 37.5%). quarter-share (ytd window, Q2):
    # 1% x 30,000 x 100,000 / 200,000 = 150, replacing Q1's 1,200: a -1,050 true-up.
    assert components(q2) == {"base": "7500.00", "quarter-bonus": "2000.00",
                              "accelerator": "2400.00", "gated": "1500.00",
                              "quarter-share": "150.00"}
    assert q2["payout"] == "750.00"  # 1,500 + 300 - 1,050
    assert q2["attainment"] == {"bookings": "0.7500"}  # the plan's ytd window


def test_without_its_own_window_a_bonus_is_judged_again_on_the_year(tmp_path, ledger_url):
    build(tmp_path, ledger_url, PLAN.replace("    window: period\n    when:",
                                             "    when:"))
    run("close", "2026-Q1", ledger_url)
    import_files(tmp_path, ledger_url, {"deals": "id,date,owner_id,amount,currency\n"
                                                  "D-2,2026-05-05,rep-1,30000.00,USD\n"},
                 prefix="q2-")
    # over the ytd window Q2's attainment is 75%: the Q1 bonus is taken back
    assert components(run("calc", "2026-Q2", ledger_url))["quarter-bonus"] == "0.00"


def test_an_annual_component_in_a_period_plan_reads_the_whole_years_quota(tmp_path,
                                                                         ledger_url):
    plan = PLAN.replace("attainment_window: ytd", "attainment_window: period").replace(
        "  - id: quarter-share\n    type: formula\n",
        "  - id: quarter-share\n    type: formula\n    window: annual\n")
    build(tmp_path, ledger_url, plan)
    q1 = run("calc", "2026-Q1", ledger_url)
    # the formula over the annual window at Q1: period.* is Q1's, ytd.quota 100,000:
    # 1% x 120,000 x 100,000 / 100,000 = 1,200; the plan's attainment is Q1's own, 120%
    assert components(q1)["quarter-share"] == "1200.00"
    assert q1["attainment"] == {"bookings": "1.2000"}


@pytest.mark.parametrize("when, message", [
    ("    when: earned.base > 0 USD\n",
     "17:11: `earned.base` is earned over a ytd window and this component over another"),
    ("    when: annual.bookings > 0 USD\n",
     "17:11: `annual.bookings` is not a name: a measure over the whole year is not known "
     "before it ends; write `ytd.bookings` (fiscal year start to the end of the period) or "
     "`annual.quota.bookings`"),
    ("    when: ytd.target_incentive > 0 USD\n",
     "17:11: unknown name `ytd.target_incentive`: after `ytd.` write `ytd.M`, `ytd.quota.M`, "
     "`ytd.attainment.M`"),
    ("    window: month\n", "16:13: `window` is one of period, ytd, annual, not 'month'"),
])
def test_check_names_a_misused_window_at_its_place(tmp_path, when, message):
    # line 16 is the quarter bonus's `window: period`, line 17 its `when:`
    line = "    window: period\n" if "window" in when else "    when: attainment.bookings >= 100%\n"
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace(line, when, 1))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"plan.yaml:{message}" in result.output


def test_a_plan_cap_over_components_of_two_windows_is_refused(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + "cap: 50000 USD\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "plan.yaml:34:6: a plan-level cap adds up components over one window, but these " \
           "are over period and ytd windows" in result.output


def test_a_measure_may_not_be_named_as_a_window_figure(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("  bookings: sum(credit.amount)\n",
                                 "  bookings: sum(credit.amount)\n  number: count()\n"))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "measure name 'number'" in result.output


def test_the_quarterly_accelerators_reference_plan_gates_each_quarter_on_the_year(
        tmp_path, ledger_url):
    """plans/quarterly-accelerators.yaml over a year: rep-1 starts strong, rep-2 weak.
    Each has a 400,000.00 annual quota (100,000.00 a quarter) and 20,000.00 target
    incentive; every deal is new business."""
    from plans import reference_plan
    icm("plans", "add", str(reference_plan("quarterly-accelerators")), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\nrep-2,Rosa\n",
        "assignments": "payee_id,plan,effective_from,target_incentive\n"
                       "rep-1,quarterly-accelerators,2026-01-01,20000.00\n"
                       "rep-2,quarterly-accelerators,2026-01-01,20000.00\n",
        "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,400000.00\n"
                  "rep-2,bookings,2026,400000.00\n",
        "deals": "id,date,owner_id,amount,currency,type\n"
                 "D-1,2026-02-10,rep-1,160000.00,USD,new\n"
                 "D-2,2026-05-20,rep-1,130000.00,USD,expansion\n"
                 "D-3,2026-08-05,rep-1,50000.00,USD,new\n"
                 "D-4,2026-11-10,rep-1,140000.00,USD,new\n"
                 "R-1,2026-03-01,rep-2,20000.00,USD,new\n"
                 "R-2,2026-06-01,rep-2,160000.00,USD,new\n"})
    paid = {}
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        document = json.loads(icm("close", "--period", quarter, "--json",
                                  db=ledger_url).stdout)
        paid[quarter] = {p["payee"]: p["payout"] for p in document["payees"]}
    # rep-1, Q1: base 8% x 160,000 = 12,800; ytd 160% opens the gate: 4% x 50,000
    # (100%-150% of 100,000) + 8% x 10,000 (above 150%) = 2,800; 15,600 in all.
    # Q2: base 10,400; own 130%, ytd 290,000 / 200,000 = 145%: 4% x 30,000 = 1,200.
    # Q3: base 4,000; own 50%: no accelerator. Q4: base 11,200; own 140%, ytd 480,000 /
    # 400,000 = 120%: 4% x 40,000 = 1,600; the year reaches 120% of the annual quota:
    # the bonus, 15% x 20,000 = 3,000; 15,800 in all.
    # rep-2, Q1: base 8% x 20,000 = 1,600. Q2: own 160% but ytd 180,000 / 200,000 = 90%:
    # the gate is shut, base only, 8% x 160,000 = 12,800. Q3, Q4: nothing booked.
    assert [paid[q]["rep-1"] for q in sorted(paid)] == \
        ["15600.00", "11600.00", "4000.00", "15800.00"]
    assert [paid[q]["rep-2"] for q in sorted(paid)] == ["1600.00", "12800.00", "0.00", "0.00"]


def test_a_component_with_its_own_window_is_not_warned_about_the_plans(tmp_path):
    # the plan's annual window would warn about a quarter bonus on attainment; one that sets
    # `window: period` is judged on each quarter alone and needs no warning
    text = PLAN.replace("attainment_window: ytd", "attainment_window: annual")
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    assert CliRunner().invoke(main, ["check", "--strict", str(path)]).exit_code == 0
    path.write_text(text.replace("    window: period\n    when:", "    when:"))
    result = CliRunner().invoke(main, ["check", "--strict", str(path)])
    assert result.exit_code == 1 and "plan.yaml:16:11: warning: `when` is judged at every " \
        "quarter's close" in result.output
