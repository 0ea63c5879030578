"""A statement's attainment beside the fiscal year's earlier closed periods (issue 15): the
year's trend under each measure, read from the closes in force."""
import textwrap

from tests.test_calc import icm, import_files, plan_ledger

PLAN = textwrap.dedent("""\
    plan: ytd-ae
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: ytd
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 5%
    """)

FILES = {
    "payees": "id,name\nrep-1,Ravi\n",
    "assignments": "payee_id,plan,effective_from\nrep-1,ytd-ae,2026-01-01\n",
    "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,100000.00\n"
              "rep-1,bookings,2026-Q2,100000.00\nrep-1,bookings,2026-Q3,100000.00\n",
    "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-01,rep-1,50000.00,USD\n"
             "D-2,2026-05-01,rep-1,100000.00,USD\nD-3,2026-08-01,rep-1,30000.00,USD\n",
}


def statement(tmp_path, db, period: str) -> str:
    out = tmp_path / f"out-{period}"
    icm("statements", "--period", period, "--payee", "rep-1", "--out", str(out),
        "--format", "md", db=db)
    return (out / f"rep-1-{period}.md").read_text()


def test_each_measure_shows_the_years_earlier_periods_beside_this_one(tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, PLAN, FILES)
    # Q1 on its own: no earlier period, no trend line
    assert "This fiscal year:" not in statement(tmp_path, ledger_url, "2026-Q1")
    icm("close", "--period", "2026-Q1", db=ledger_url)
    icm("close", "--period", "2026-Q2", db=ledger_url)
    # year to date: Q1 50,000 of 100,000 = 50.00%; Q2 150,000 of 200,000 = 75.00%;
    # Q3 (a draft) 180,000 of 300,000 = 60.00%
    assert "This fiscal year: 2026-Q1 50.00%, 2026-Q2 75.00%" in statement(
        tmp_path, ledger_url, "2026-Q2")
    assert "This fiscal year: 2026-Q1 50.00%, 2026-Q2 75.00%, 2026-Q3 60.00%" in statement(
        tmp_path, ledger_url, "2026-Q3")
    # a later close does not reach back into an earlier period's statement
    assert "This fiscal year:" not in statement(tmp_path, ledger_url, "2026-Q1")


def test_a_reopened_period_drops_out_of_the_trend_until_it_is_closed_again(tmp_path,
                                                                           ledger_url):
    plan_ledger(tmp_path, ledger_url, PLAN, FILES)
    icm("close", "--period", "2026-Q1", db=ledger_url)
    icm("close", "--period", "2026-Q2", db=ledger_url)
    icm("reopen", "--period", "2026-Q2", "--reason", "late deal", db=ledger_url)
    import_files(tmp_path, ledger_url, {"deals": "id,date,owner_id,amount,currency\n"
                                                 "D-4,2026-06-01,rep-1,50000.00,USD\n"},
                 prefix="late-")
    # Q2 is open: its statement is a draft, 200,000 of 200,000 = 100.00%, beside Q1's close
    assert "This fiscal year: 2026-Q1 50.00%, 2026-Q2 100.00%" in statement(
        tmp_path, ledger_url, "2026-Q2")
    # Q3 sees only the closes in force: Q1 (Q2 is open again), then its own
    # 50,000 + 100,000 + 50,000 + 30,000 = 230,000 of 300,000 = 76.67%
    assert "This fiscal year: 2026-Q1 50.00%, 2026-Q3 76.67%" in statement(
        tmp_path, ledger_url, "2026-Q3")
