"""`payable:` (PLAN_LANGUAGE.md 7.3) end to end: lines earned now and paid as shares fall due,
on a date, or as the customer pays; what is held, in the JSON, the statements and payroll.

Every plan here pays 10% commission on bookings, quarterly unless said otherwise.
"""
import csv
import io
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import import_files, payee

PLAN = textwrap.dedent("""\
    plan: holdback
    version: 1
    effective: 2026-01-01 .. 2027-12-31
    currency: USD
    payout_period: quarter
    fields:
      deal.go_live: Date
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 10%
        payable: {schedule: [{after: 0 days, share: 70%}, {after: 90 days, share: 30%}]}
      - id: go-live
        type: spiff
        when: deal.amount >= 50000 USD
        amount: 500 USD
        payable: {on: deal.go_live}
    """)

PEOPLE = {"payees": "id,name\nrep-1,Ravi\n",
          "assignments": "payee_id,plan,effective_from\nrep-1,holdback,2026-01-01\n"}


def icm(*args, db, code=0):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def build(tmp_path, db, plan=PLAN, deals="", **files):
    path = tmp_path / "plan.yaml"
    path.write_text(plan)
    icm("plans", "add", str(path), db=db)
    import_files(tmp_path, db, {**PEOPLE, "deals": "id,date,owner_id,amount,currency,go_live\n"
                                + deals, **files})


def close(period, db):
    return payee(json.loads(icm("close", "--period", period, "--json", db=db).stdout),
                 "rep-1")


def test_a_70_30_holdback_pays_the_rest_when_it_falls_due(tmp_path, ledger_url):
    build(tmp_path, ledger_url, deals="D-1,2026-02-10,rep-1,100000.00,USD,2026-05-01\n"
                                      "D-2,2026-03-20,rep-1,20000.00,USD,\n")
    q1 = close("2026-Q1", ledger_url)
    # D-1 earns 10,000.00: 70% payable now (7,000.00), 3,000.00 held until 2026-05-11 (90
    # days on); D-2 earns 2,000.00: 1,400.00 now, 600.00 held until 2026-06-18. The go-live
    # SPIFF of D-1 (500.00) waits for 2026-05-01; D-2 is below 50,000.00.
    assert q1["components"]["commission"] == {"earned_to_date": "12000.00", "held": "3600.00",
                                              "payout": "8400.00"}
    assert q1["components"]["go-live"] == {"earned_to_date": "500.00", "held": "500.00",
                                           "payout": "0.00"}
    assert (q1["earned_to_date"], q1["held"], q1["payout"]) == ("12500.00", "4100.00",
                                                                 "8400.00")
    assert [line["text"] for line in q1["lines"]][0] == (
        "Deal D-1 on 2026-02-10, base 100,000.00 USD at 10% = 10,000.00 USD earned; 70% "
        "payable (7,000.00 USD), 3,000.00 USD held until 2026-05-11.")
    # a line held whole is shown at 0.00, saying until when, so the held total is explained
    spiff = next(line for line in q1["lines"] if line["component"] == "go-live")
    assert (spiff["kind"], spiff["amount"], spiff["text"]) == (
        "deal", "0.00", "Deal D-1 on 2026-02-10: SPIFF go-live, 500.00 USD earned; held until "
        "2026-05-01.")
    q2 = close("2026-Q2", ledger_url)
    # both held shares and the SPIFF fall due in Q2: 3,000 + 600 + 500
    assert (q2["held"], q2["payout"]) == ("0.00", "4100.00")
    released = next(line for line in q2["lines"] if line["deal"] == "D-1"
                    and line["component"] == "commission")
    assert (released["kind"], released["amount"]) == ("true-up", "3000.00")
    assert "3,000.00 USD of it released; all of it now payable" in released["text"]
    spiff = next(line for line in q2["lines"] if line["component"] == "go-live")
    assert (spiff["kind"], spiff["amount"]) == ("deal", "500.00")
    assert spiff["text"].endswith("SPIFF go-live, 500.00 USD earned; all of it payable.")


def test_a_share_held_over_the_year_end_is_paid_as_a_prior_year_line(tmp_path, ledger_url):
    build(tmp_path, ledger_url, plan=PLAN.replace("90 days", "3 months"),
          deals="D-1,2026-11-15,rep-1,50000.00,USD,2026-11-20\n")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        close(quarter, ledger_url)
    q4 = close("2026-Q4", ledger_url)
    # 10% of 50,000.00 = 5,000.00: 3,500.00 now, 1,500.00 held until 2027-02-15 (3 months
    # on, the same day of the month); the SPIFF's go-live date is in Q4: 500.00 paid
    assert (q4["held"], q4["payout"]) == ("1500.00", "4000.00")
    next_year = close("2027-Q1", ledger_url)
    line = next(line for line in next_year["lines"] if line["deal"] == "D-1")
    assert (next_year["payout"], next_year["held"]) == ("1500.00", "0.00")
    assert (line["kind"], line["amount"]) == ("true-up", "1500.00")
    assert line["text"].startswith("Fiscal 2026: True-up: 3,500.00 USD payable before, "
                                   "5,000.00 USD now.")
    assert "1,500.00 USD of it released" in line["text"]


def test_months_keep_the_day_of_the_month_or_take_the_months_last(tmp_path, ledger_url):
    monthly = PLAN.replace("payout_period: quarter", "payout_period: month").replace(
        "{after: 0 days, share: 70%}, {after: 90 days, share: 30%}",
        "{after: 0 days, share: 50%}, {after: 1 month, share: 50%}")
    build(tmp_path, ledger_url, plan=monthly,
          deals="D-1,2026-01-31,rep-1,10000.00,USD,\n")
    # 10% of 10,000.00 = 1,000.00: 500.00 in January; the rest falls due 2026-02-28 (one
    # month after the 31st is February's last day), so February pays it
    assert close("2026-01", ledger_url)["payout"] == "500.00"
    assert close("2026-02", ledger_url)["payout"] == "500.00"


def test_pay_on_collection_follows_what_the_customer_paid(tmp_path, ledger_url):
    collected = PLAN.replace(
        "payable: {schedule: [{after: 0 days, share: 70%}, {after: 90 days, share: 30%}]}",
        "payable: collected")
    build(tmp_path, ledger_url, plan=collected,
          deals="D-1,2026-02-10,rep-1,40000.00,USD,\nD-2,2026-03-01,rep-1,-5000.00,USD,\n",
          payments="deal_id,date,amount\nD-1,2026-03-15,10000.00\nD-1,2026-04-15,40000.00\n")
    q1 = close("2026-Q1", ledger_url)
    # D-1 earns 4,000.00 and 10,000.00 of 40,000.00 is collected by 2026-03-31: 25%,
    # 1,000.00; D-2 (a credit memo, -500.00) is taken back at once, never held
    assert (q1["components"]["commission"]["held"], q1["payout"]) == ("3000.00", "500.00")
    assert "25% payable (1,000.00 USD), 3,000.00 USD held until the customer pays" in \
        q1["lines"][0]["text"]
    # by 2026-06-30 50,000.00 is collected, more than the deal: all of it payable
    assert close("2026-Q2", ledger_url)["payout"] == "3000.00"


def test_a_cancelled_deal_releases_nothing_further(tmp_path, ledger_url):
    build(tmp_path, ledger_url, deals="D-1,2026-02-10,rep-1,100000.00,USD,\n")
    assert close("2026-Q1", ledger_url)["payout"] == "7000.00"
    import_files(tmp_path, ledger_url, {
        "deals": "id,date,owner_id,amount,currency,status,cancel_date\n"
                 "D-1,2026-02-10,rep-1,100000.00,USD,cancelled,2026-03-30\n"}, prefix="late-")
    q2 = close("2026-Q2", ledger_url)
    # cancelled inside its own quarter: the deal leaves the year; the 7,000.00 paid is taken
    # back and the 3,000.00 held is never paid
    assert (q2["payout"], q2["held"], q2["carried_balance"]) == ("0.00", "0.00", "7000.00")
    assert q2["lines"][0]["text"] == ("Deal D-1: the deal was cancelled on 2026-03-30, so "
                                      "7,000.00 USD paid before is taken back (-7,000.00 USD).")
    # the statement's pay card says it in words, every figure positive
    icm("statements", "--period", "2026-Q2", "--out", str(tmp_path / "st"), "--format", "md",
        db=ledger_url)
    text = (tmp_path / "st" / "rep-1-2026-Q2.md").read_text()
    assert "**Your pay for 2026-Q2: 0.00 USD**\n\n- Earned this fiscal year: 0.00 USD\n" \
        "- Paid in earlier periods: 7,000.00 USD\n" \
        "- You owe, recovered from future pay: 7,000.00 USD\n" in text


def test_held_pay_is_on_the_statement_and_a_memo_column_of_the_payroll_file(tmp_path,
                                                                            ledger_url):
    build(tmp_path, ledger_url, deals="D-1,2026-02-10,rep-1,100000.00,USD,2026-05-01\n")
    close("2026-Q1", ledger_url)
    icm("statements", "--period", "2026-Q1", "--out", str(tmp_path / "st"), "--format", "md",
        db=ledger_url)
    text = (tmp_path / "st" / "rep-1-2026-Q1.md").read_text()
    assert "| Held: earned, not yet payable | 3,500.00 |" in text  # 3,000.00 + the SPIFF
    assert "| Payable this period | 7,000.00 |" in text  # not "earned": 10,500.00 was
    assert "| Component | Earned to date | Held | This period |" in text
    assert "| commission | 10,000.00 | 3,000.00 | 7,000.00 |" in text
    out = tmp_path / "payroll.csv"
    icm("export", "payroll", "--period", "2026-Q1", "--out", str(out), db=ledger_url)
    row = next(csv.DictReader(io.StringIO(out.read_text())))
    assert (row["gross"], row["held"]) == ("7000.00", "3500.00")


@pytest.mark.parametrize("payable, where, message", [
    ("{schedule: [{after: 0 days, share: 70%}, {after: 90 days, share: 20%}]}", "15:25",
     "the shares of a schedule add up to 100%, not 90%"),
    ("{schedule: [{after: 10 days, share: 100%}]}", "15:26",
     "a schedule starts `after: 0 days`"),
    ("{schedule: [{after: 0 days, share: 50%}, {after: 2 weeks, share: 50%}]}", "15:63",
     "after is a whole number of days or months, such as `90 days` or `3 months`"),
    ("{schedule: [{after: 0 days, share: 50%}, {after: 30 days, share: 25%}, "
     "{after: 1 month, share: 25%}]}", "15:25",
     "write every `after` of a schedule in days, or every one in months"),
    ("{on: payee.hire_date}", "15:19", "payable `on` reads the deal alone"),
    ("{on: deal.amount}", "15:19", "payable `on` must be Date, but this is Money"),
    ("later", "15:14", "payable is `collected`, `{on: DATE}` or `{schedule: [...]}`"),
])
def test_check_names_a_wrong_payable_at_its_place(tmp_path, payable, where, message):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace(
        "{schedule: [{after: 0 days, share: 70%}, {after: 90 days, share: 30%}]}", payable, 1))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"plan.yaml:{where}: {message}" in result.output


def test_payable_is_refused_on_a_payee_level_component(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + "  - id: club\n    type: bonus\n    when: bookings > 0 USD\n"
                           "    amount: 100 USD\n    payable: collected\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "plan.yaml:25:5: `payable` does not apply to a bonus component" in result.output


def test_payments_are_checked_row_by_row(tmp_path, ledger_url):
    build(tmp_path, ledger_url, deals="D-1,2026-02-10,rep-1,100000.00,USD,\n")
    path = tmp_path / "bad-payments.csv"
    path.write_text("deal_id,date,amount,currency\nD-9,2026-03-01,10.00,\n"
                    "D-1,2026-03-01,10.001,\nD-1,2026-03-02,10.00,EUR\n")
    result = icm("import", "payments", str(path), db=ledger_url, code=1)
    assert "bad-payments.csv:2: deal_id: unknown deal 'D-9': import the deal first" \
        in result.output
    assert "bad-payments.csv:3: amount: 10.001 has more decimals than USD's" in result.output
    assert "bad-payments.csv:4: currency: a payment is in its deal's currency, USD" in \
        result.output


def reference_run(tmp_path, db, plan_id, files, periods):
    """Each period's payout and held for rep-1 under a reference plan from plans/."""
    from plans import reference_plan
    icm("plans", "add", str(reference_plan(plan_id)), db=db)
    import_files(tmp_path, db, {"payees": "id,name\nrep-1,Ravi\n",
                                "assignments": f"payee_id,plan,effective_from\n"
                                               f"rep-1,{plan_id},2026-01-01\n", **files})
    return [(record["payout"], record["held"]) for record in
            (close(period, db) for period in periods)]


def test_the_pay_on_collection_reference_plan(tmp_path, ledger_url):
    paid = reference_run(tmp_path, ledger_url, "pay-on-collection", {
        "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,100000.00\n",
        "deals": "id,date,owner_id,amount,currency,type\n"
                 "D-1,2026-01-20,rep-1,80000.00,USD,new\n"
                 "D-2,2026-02-10,rep-1,40000.00,USD,renewal\n",
        "payments": "deal_id,date,amount\nD-1,2026-01-25,20000.00\nD-1,2026-03-05,60000.00\n"
                    "D-2,2026-02-20,40000.00\n"}, ["2026-01", "2026-02", "2026-03"])
    # D-1 earns 8% x 80,000 = 6,400.00; D-2 crosses the 100,000.00 quota: 8% x 20,000 +
    # 12% x 20,000 = 4,000.00, the rate of the tier at booking. January: 20,000 of D-1's
    # 80,000 collected, 25% x 6,400 = 1,600.00 (4,800.00 held). February: D-2 collected
    # whole, 4,000.00. March: the rest of D-1, 4,800.00.
    assert paid == [("1600.00", "4800.00"), ("4000.00", "4800.00"), ("4800.00", "0.00")]


def test_the_70_30_holdback_reference_plan(tmp_path, ledger_url):
    paid = reference_run(tmp_path, ledger_url, "holdback-70-30", {
        "deals": "id,date,owner_id,amount,currency,type,go_live\n"
                 "D-1,2026-02-10,rep-1,100000.00,USD,new,2026-05-01\n"
                 "D-2,2026-03-01,rep-1,30000.00,USD,renewal,\n"}, ["2026-Q1", "2026-Q2"])
    # D-1: 10% x 100,000 = 10,000.00, 7,000.00 in Q1 and 3,000.00 on 2026-05-11; its
    # 1,000.00 go-live SPIFF on 2026-05-01. D-2 is a renewal: no commission, no SPIFF.
    assert paid == [("7000.00", "4000.00"), ("4000.00", "0.00")]
