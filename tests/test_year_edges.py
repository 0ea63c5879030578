"""Two pay bugs at the edges of a fiscal year, each worked out by hand.

- An `annual` window's quota is the whole fiscal year's, however the quota rows are cut
  (PLAN_LANGUAGE.md section 3), even for the rows that start after the period being paid.
- A deal cancelled after the end of the fiscal year it was booked in is clawed back when it
  falls inside the plan's clawback window: an earlier fiscal year recomputed for the close of
  P judges cancellations against the end of P (section 5).
"""
import textwrap

from tests.test_calc import calc, icm, import_files, payee

ANNUAL_PLAN = textwrap.dedent("""\
    plan: annual-ae
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
            - {from: 0%, rate: 8%}
            - {from: 100%, rate: 12%}
    """)


def test_an_annual_window_sums_the_quota_rows_of_the_whole_fiscal_year(tmp_path, ledger_url):
    plan = tmp_path / "annual-ae.yaml"
    plan.write_text(ANNUAL_PLAN)
    icm("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from\nrep-1,annual-ae,2026-01-01\n",
        # the year's 1,000,000 quota loaded as four quarterly rows
        "quotas": "payee_id,measure,period,amount\n" + "".join(
            f"rep-1,bookings,2026-Q{q},250000.00\n" for q in range(1, 5)),
        "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-10,rep-1,300000.00,USD\n"})
    rep = payee(calc("2026-Q1", ledger_url), "rep-1")
    # 300,000 of an annual 1,000,000 is 30%, all of it in the 8% tier: 24,000.00
    # (against a quota of only Q1's 250,000 it would be 250,000 x 8% + 50,000 x 12%)
    assert rep["attainment"] == {"bookings": "0.3000"}
    assert rep["payout"] == "24000.00"
    icm("close", "--period", "2026-Q1", db=ledger_url)
    # Q2 has nothing new: no true-up takes anything back
    later = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert (later["payout"], later["lines"]) == ("0.00", [])
    assert later["attainment"] == {"bookings": "0.3000"}


CLAWBACK_PLAN = textwrap.dedent("""\
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
    clawback: {within_days: 90}
    """)


def test_a_deal_cancelled_after_its_fiscal_year_is_clawed_back(tmp_path, ledger_url):
    plan = tmp_path / "flat-10.yaml"
    plan.write_text(CLAWBACK_PLAN)
    icm("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from\nrep-1,flat-10,2026-01-01\n",
        "deals": "id,date,owner_id,amount,currency\nD-1,2026-12-10,rep-1,20000.00,USD\n"})
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        icm("close", "--period", quarter, db=ledger_url)
    q4 = payee(calc("2026-Q4", ledger_url), "rep-1")
    assert q4["payout"] == "2000.00"  # 10% of 20,000.00
    icm("close", "--period", "2026-Q4", db=ledger_url)
    # cancelled on 2027-02-01, 53 days after its date: inside the 90 days, so it is taken
    # back; a new 5,000.00 deal earns 500.00 beside it
    import_files(tmp_path, ledger_url, {"deals": (
        "id,date,owner_id,amount,currency,status,cancel_date\n"
        "D-1,2026-12-10,rep-1,20000.00,USD,cancelled,2027-02-01\n"
        "D-2,2027-02-15,rep-1,5000.00,USD,booked,\n")}, prefix="later-")
    q1 = payee(calc("2027-Q1", ledger_url), "rep-1")
    # E = 500.00 - 2,000.00 = -1,500.00: pay nothing and carry 1,500.00
    assert (q1["payout"], q1["carried_balance"]) == ("0.00", "1500.00")
    assert [(line["kind"], line["deal"], line["amount"]) for line in q1["lines"]] == [
        ("deal", "D-2", "500.00"), ("clawback", "D-1", "-2000.00"),
        ("carried-forward", None, "1500.00")]


PARAM_PLAN = textwrap.dedent("""\
    plan: param-bonus
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    fields:
      param.rate: Number
      param.bonus: Money
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: param.rate
      - id: bonus
        type: bonus
        when: bookings > 0 USD
        amount: param.bonus
    """)


def test_payee_level_params_come_from_the_assignment_in_force_at_the_windows_end(
        tmp_path, ledger_url):
    plan = tmp_path / "param-bonus.yaml"
    plan.write_text(PARAM_PLAN)
    icm("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\n",
        # the second half's terms are already loaded, its bonus not yet decided
        "assignments": "payee_id,plan,effective_from,effective_to,bonus,rate\n"
                       "rep-1,param-bonus,2026-01-01,2026-06-30,1000.00,0.05\n"
                       "rep-1,param-bonus,2026-07-01,,TBD,0.10\n",
        "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-10,rep-1,10000.00,USD\n"})
    rep = payee(calc("2026-Q1", ledger_url), "rep-1")
    # 5% of 10,000.00 and the first half's 1,000.00 bonus
    assert rep["components"] == {"commission": {"earned_to_date": "500.00", "held": "0.00", "payout": "500.00"},
                                 "bonus": {"earned_to_date": "1000.00", "held": "0.00", "payout": "1000.00"}}


MONTHLY_FEBRUARY_PLAN = textwrap.dedent("""\
    plan: flat-monthly
    version: 1
    effective: 2026-02-01 .. 2027-01-31
    currency: USD
    payout_period: month
    fiscal_year_start: 02-01
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
    clawback: {within_days: 90}
    """)


def test_a_monthly_plan_of_a_february_year_claws_back_after_its_year(tmp_path, ledger_url):
    plan = tmp_path / "flat-monthly.yaml"
    plan.write_text(MONTHLY_FEBRUARY_PLAN)
    icm("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": "payee_id,plan,effective_from\nrep-1,flat-monthly,2026-02-01\n",
        "deals": "id,date,owner_id,amount,currency\nD-1,2027-01-10,rep-1,20000.00,USD\n"})
    months = [f"2026-{m:02d}" for m in range(2, 13)] + ["2027-01"]
    for month in months[:-1]:
        icm("close", "--period", month, db=ledger_url)
    assert payee(calc("2027-01", ledger_url), "rep-1")["payout"] == "2000.00"
    icm("close", "--period", "2027-01", db=ledger_url)
    # fiscal 2027 is over and no plan is in force in 2027-02 (fiscal 2028); the deal is
    # cancelled 26 days after its date, inside the 90 days: its 2,000.00 comes back
    import_files(tmp_path, ledger_url, {"deals": (
        "id,date,owner_id,amount,currency,status,cancel_date\n"
        "D-1,2027-01-10,rep-1,20000.00,USD,cancelled,2027-02-05\n")}, prefix="later-")
    february = payee(calc("2027-02", ledger_url), "rep-1")
    assert (february["payout"], february["carried_balance"]) == ("0.00", "2000.00")
    assert [(line["kind"], line["deal"], line["amount"]) for line in february["lines"]] == [
        ("clawback", "D-1", "-2000.00"), ("carried-forward", None, "2000.00")]
