"""Closing, reopening and adjusting periods; late deals, true-ups and clawbacks after a close.

The plan and ledger are those of test_calc.py: rep-1 earns 19,750.00 in 2026-Q1 and rep-2
1,750.00 (worked out there).
"""
import json

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import PLAN, build, import_files, payee

CLAWBACK_PLAN = PLAN + "clawback: {within_days: 120}\n"


def run(*args, db):
    return CliRunner().invoke(main, [*args, "--db", db])


def ok(*args, db):
    result = run(*args, db=db)
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def calc(period, db):
    return json.loads(ok("calc", "--period", period, "--json", db=db).stdout)


def import_deals(tmp_path, db, text, name="more.csv"):
    path = tmp_path / name
    path.write_text("id,date,owner_id,amount,currency,type,status,cancel_date\n" + text)
    ok("import", "deals", str(path), db=db)


def test_closes_go_in_order_and_once(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    early = run("close", "--period", "2026-Q2", db=ledger_url)
    assert early.exit_code == 3
    assert "close the first period of a fiscal year first" in early.output
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert payee(closed, "rep-1")["payout"] == "19750.00"
    again = run("close", "--period", "2026-Q1", db=ledger_url)
    assert again.exit_code == 3 and "2026-Q1 is closed already" in again.output
    skipped = run("close", "--period", "2026-Q3", db=ledger_url)
    assert skipped.exit_code == 3
    assert "the last close is 2026-Q1, so close 2026-Q2 before 2026-Q3" in skipped.output


def test_a_late_deal_in_a_closed_period_shows_up_in_the_next_close(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    # a deal dated in the closed Q1: rep-1 is already past quota (250,000 of 200,000), so
    # its 10,000 earn 10% = 1,000.00, paid in Q2 as a new line
    import_deals(tmp_path, ledger_url, "D-6,2026-03-25,rep-1,10000.00,USD,expansion,,\n")
    rep1 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert rep1["paid_to_date"] == "19750.00"
    assert rep1["earned_to_date"] == "20750.00"
    assert rep1["payout"] == "1000.00"
    assert [(l["kind"], l["deal"], l["amount"]) for l in rep1["lines"]] == [
        ("deal", "D-6", "1000.00")]
    # rep-2's Q2 deal D-5: 10,000 at 5% = 500.00, with the 1,750.00 of Q1 paid before
    rep2 = payee(calc("2026-Q2", ledger_url), "rep-2")
    assert (rep2["paid_to_date"], rep2["payout"]) == ("1750.00", "500.00")


def test_reopen_supersedes_the_last_close_and_closing_again_records_a_new_run(
        tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    import_deals(tmp_path, ledger_url, "D-6,2026-03-25,rep-1,10000.00,USD,expansion,,\n")
    refused = run("reopen", "--period", "2026-Q2", "--reason", "x", db=ledger_url)
    assert refused.exit_code == 3
    ok("reopen", "--period", "2026-Q1", "--reason", "late deal D-6", db=ledger_url)
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert payee(closed, "rep-1")["payout"] == "20750.00"  # 19,750 + D-6's 1,000
    rep1 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert (rep1["paid_to_date"], rep1["payout"]) == ("20750.00", "0.00")


def test_adjustments_land_in_open_periods_only(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    refused = run("adjust", "--payee", "rep-2", "--period", "2026-Q1", "--amount",
                  "-150.00 USD", "--reason", "expense", db=ledger_url)
    assert refused.exit_code == 3 and "adjust the next open period" in refused.output
    bad = run("adjust", "--payee", "rep-2", "--period", "2026-Q2", "--amount", "-150.001 USD",
              "--reason", "expense", db=ledger_url)
    assert bad.exit_code == 1
    ok("adjust", "--payee", "rep-2", "--period", "2026-Q2", "--amount", "-150.00 USD",
       "--reason", "phone bill", db=ledger_url)
    rep2 = payee(calc("2026-Q2", ledger_url), "rep-2")
    # 500.00 for D-5, less the 150.00 adjustment
    assert (rep2["adjustments"], rep2["payout"]) == ("-150.00", "350.00")
    assert rep2["lines"][-1]["kind"] == "adjustment"
    assert rep2["lines"][-1]["amount"] == "-150.00"


def test_a_clawback_after_a_close_carries_a_negative_balance(tmp_path, ledger_url):
    build(tmp_path, ledger_url, CLAWBACK_PLAN)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    # D-1 (120,000, 2026-01-10) is cancelled on 2026-04-20: 100 days, within the 120 of the
    # clawback, so from Q2 on it leaves every window. Without it rep-1 has booked 130,000
    # (D-2 100,000 and half of D-4), all under the 200,000 quota at 5%:
    #   D-1 commission 6,000 -> gone               -6,000.00 (clawback)
    #   D-2 6,000 -> 5,000 (no longer straddles)   -1,000.00 (true-up)
    #   D-4 3,000 -> 1,500 (now at 5%)             -1,500.00 (true-up)
    #   D-1 logo SPIFF 500 -> gone                   -500.00 (clawback)
    #   club 4,000 -> 0 (attainment 0.65)          -4,000.00 (true-up)
    # E = -13,000.00; no draw and carry_forward: pay 0.00 and carry 13,000.00
    import_deals(tmp_path, ledger_url,
                 "D-1,2026-01-10,rep-1,120000.00,USD,new,cancelled,2026-04-20\n")
    rep1 = payee(calc("2026-Q2", ledger_url), "rep-1")
    assert [(l["kind"], l["component"], l["deal"], l["amount"]) for l in rep1["lines"]] == [
        ("clawback", "commission", "D-1", "-6000.00"),
        ("true-up", "commission", "D-2", "-1000.00"),
        ("true-up", "commission", "D-4", "-1500.00"),
        ("clawback", "logo", "D-1", "-500.00"),
        ("true-up", "club", None, "-4000.00"),
        ("carried-forward", None, None, "13000.00")]
    assert (rep1["payout"], rep1["carried_balance"]) == ("0.00", "13000.00")
    # in Q1 itself (computed now) the deal still counts: it was cancelled after Q1 ended
    assert payee(calc("2026-Q1", ledger_url), "rep-1")["earned_to_date"] == "19750.00"


def test_a_late_deal_in_a_closed_fiscal_year_is_paid_as_a_prior_year_line(tmp_path,
                                                                           ledger_url):
    plan = PLAN.replace("2026-01-01 .. 2026-12-31", "2026-01-01 .. 2027-12-31")
    build(tmp_path, ledger_url, plan)
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        ok("close", "--period", quarter, db=ledger_url)
    # dated 2026-12-15, imported after fiscal 2026 closed: rep-2 is at 40,000 of a 100,000
    # quota, so 20,000 more earns 5% = 1,000.00, paid in 2027-Q1 as a fiscal 2026 line
    import_deals(tmp_path, ledger_url, "D-9,2026-12-15,rep-2,20000.00,USD,expansion,,\n")
    quotas = tmp_path / "quotas-2027.csv"
    quotas.write_text("payee_id,measure,period,amount\nrep-1,bookings,2027,200000.00\n"
                      "rep-2,bookings,2027,100000.00\n")
    ok("import", "quotas", str(quotas), db=ledger_url)
    rep2 = payee(calc("2027-Q1", ledger_url), "rep-2")
    assert [(l["kind"], l["deal"], l["amount"]) for l in rep2["lines"]] == [
        ("true-up", "D-9", "1000.00")]
    assert rep2["lines"][0]["text"].startswith("Fiscal 2026: ")
    assert (rep2["earned_to_date"], rep2["paid_to_date"], rep2["payout"]) == (
        "0.00", "0.00", "1000.00")
    # once 2027-Q1 closes, it has recorded the change: 2027-Q2 pays it no second time
    ok("close", "--period", "2027-Q1", db=ledger_url)
    assert payee(calc("2027-Q2", ledger_url), "rep-2")["payout"] == "0.00"
    # 2027-Q1 recorded fiscal 2026 again for rep-2 alone; rep-1's 2026 stays as 2026-Q4
    # recorded it, so rep-1 is not paid its 2026 earnings a second time
    rep1 = payee(calc("2027-Q2", ledger_url), "rep-1")
    assert (rep1["payout"], rep1["lines"]) == ("0.00", [])


EURO_PLAN = """\
plan: flat-eur
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: EUR
payout_period: quarter
measures:
  bookings: sum(credit.amount)
components:
  - id: commission
    type: commission
    measure: bookings
    rate: 5%
"""


def test_a_payee_with_no_plan_left_is_settled_in_the_currency_it_was_paid_in(
        tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    plan = tmp_path / "flat-eur.yaml"
    plan.write_text(EURO_PLAN)
    ok("plans", "add", str(plan), db=ledger_url)
    # rep-9 is on the EUR plan for January only, and owes a laptop
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-9,Lena\n",
        "assignments": "payee_id,plan,effective_from,effective_to\n"
                       "rep-9,flat-eur,2026-01-01,2026-01-31\n"}, prefix="leaver-")
    ok("adjust", "--payee", "rep-9", "--period", "2026-Q1", "--amount", "-150.00 EUR",
       "--reason", "laptop not returned", db=ledger_url)
    # nothing earned, E = -150.00 < 0: pay 0.00 and carry 150.00 EUR
    ok("close", "--period", "2026-Q1", db=ledger_url)
    q2 = payee(calc("2026-Q2", ledger_url), "rep-9")
    # listed in Q2 for its balance alone, and still in EUR, not a default currency
    assert (q2["currency"], q2["payout"], q2["carried_balance"]) == ("EUR", "0.00", "150.00")


def close_refused_after(ledger_url, monkeypatch, meanwhile) -> None:
    """Close 2026-Q1 with ``meanwhile()`` landing after the computation read the ledger and
    before the record: the close must record nothing and ask to be run again."""
    import engine.closing
    from ledger.database import open_ledger
    from ledger.errors import LedgerRefused
    ledger = open_ledger(ledger_url)
    computed = engine.closing.earn_period

    def compute_then_change(*args, **kwargs):
        result = computed(*args, **kwargs)
        meanwhile()
        return result

    monkeypatch.setattr(engine.closing, "earn_period", compute_then_change)
    try:
        engine.closing.close_period(ledger, "2026-Q1")
        raise AssertionError("the close recorded a run that missed a change")
    except LedgerRefused as refused:
        assert "run the close again" in str(refused)
    finally:
        ledger.dispose()
        monkeypatch.undo()


def test_a_close_refuses_when_the_ledger_changed_while_it_computed(
        tmp_path, ledger_url, monkeypatch):
    build(tmp_path, ledger_url)
    close_refused_after(ledger_url, monkeypatch, lambda: ok(
        "adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount", "100.00 USD",
        "--reason", "late", db=ledger_url))
    # nothing was recorded; closing again pays the adjustment: 19,750.00 + 100.00
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert payee(closed, "rep-1")["payout"] == "19850.00"


def test_a_close_compares_with_the_state_noted_before_its_read_ahead(tmp_path, ledger_url):
    """The command line notes the ledger's state and starts reading the window before the
    engine loads (``engine.read_ahead``): an adjustment landing after that note is a change
    the close refuses, though the close itself starts after it. (The adjustment stands for
    another process: a command's process writes nothing while it reads ahead, and two
    copies of SQLite in one process, ADBC's and Python's, cannot lock against each other.)"""
    from engine.closing import close_period
    from engine.read_ahead import read_ahead
    from ledger.database import open_ledger
    from ledger.errors import LedgerRefused
    build(tmp_path, ledger_url)
    ledger = open_ledger(ledger_url)
    try:
        ahead = read_ahead(ledger, "2026-Q1")
        ahead.wait()
        ok("adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount", "100.00 USD",
           "--reason", "late", db=ledger_url)
        with pytest.raises(LedgerRefused, match="run the close again"):
            close_period(ledger, "2026-Q1", ahead=ahead)
    finally:
        ledger.dispose()
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert payee(closed, "rep-1")["payout"] == "19850.00"  # 19,750.00 + the 100.00


def recorded_rows(ledger_url) -> dict[str, int]:
    """How many runs, statement lines and payee results the ledger holds, and how many
    periods are closed."""
    from sqlalchemy import func, select
    from ledger.database import open_ledger
    from ledger.schema import calculation_runs, payee_results, periods, statement_lines
    ledger = open_ledger(ledger_url)
    try:
        with ledger.connect() as connection:
            count = lambda query: connection.execute(query).scalar_one()  # noqa: E731
            return {"runs": count(select(func.count()).select_from(calculation_runs)),
                    "lines": count(select(func.count()).select_from(statement_lines)),
                    "payees": count(select(func.count()).select_from(payee_results)),
                    "closed": count(select(func.count()).select_from(periods).where(
                        periods.c.status == "closed"))}
    finally:
        ledger.dispose()


NOTHING_RECORDED = {"runs": 0, "lines": 0, "payees": 0, "closed": 0}


def test_a_settlement_failing_while_the_lines_are_written_records_nothing(
        tmp_path, ledger_url, monkeypatch):
    """A close writes its earning lines on a thread while it settles the payees: when the
    settlement fails, the lines already sent go with the transaction, and the close can
    run again."""
    import engine.calculate
    from engine.earnings import CalculationError
    build(tmp_path, ledger_url)

    def failing(_earned, _status=None):
        raise CalculationError("rep-1: the balance cannot be settled")

    monkeypatch.setattr(engine.calculate.Earned, "settle", failing)
    failed = run("close", "--period", "2026-Q1", db=ledger_url)
    assert failed.exit_code == 1 and "the balance cannot be settled" in failed.output
    assert recorded_rows(ledger_url) == NOTHING_RECORDED
    monkeypatch.undo()
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert payee(closed, "rep-1")["payout"] == "19750.00"


def test_lines_failing_to_write_while_the_payees_are_settled_record_nothing(
        tmp_path, ledger_url, monkeypatch):
    """The other way round: the earning lines' write fails on its thread; the settlement
    finishes, then the close says what failed, and nothing is recorded."""
    import threading
    import engine.calculate
    import ledger.closes
    from ledger.errors import LedgerRefused
    build(tmp_path, ledger_url)
    settled, writers = [], []
    settle, insert_tables = engine.calculate.Earned.settle, ledger.closes.insert_tables

    def settling(earned, status):
        calculation = settle(earned, status)
        settled.append(earned.period)
        return calculation

    def refusing(connection, tables, on_batch=None):
        writers.append(threading.current_thread().name)
        if len(writers) == 1:  # the earning lines
            raise LedgerRefused("the lines of the test cannot be recorded")
        return insert_tables(connection, tables, on_batch)

    monkeypatch.setattr(engine.calculate.Earned, "settle", settling)
    monkeypatch.setattr(ledger.closes, "insert_tables", refusing)
    failed = run("close", "--period", "2026-Q1", db=ledger_url)
    assert failed.exit_code == 3 and "the lines of the test cannot be recorded" in failed.output
    assert writers == ["icm-write_0"]  # written on the writer's thread, and nothing after
    assert settled == ["2026-Q1"]  # the settlement ran to its end meanwhile
    assert recorded_rows(ledger_url) == NOTHING_RECORDED


FLAT_PLAN = """\
plan: {id}
version: 1
effective: 2026-01-01 .. 2027-12-31
currency: USD
payout_period: quarter
attainment_window: annual
measures:
  bookings: sum(credit.amount)
components:
  - id: commission
    type: commission
    measure: bookings
    rate: {rate}
"""


def build_two_plans(tmp_path, db, assignments):
    """plan-a pays 5% and plan-b 7% of bookings; D-1 (100,000 in February) and D-2 (100,000
    in August) are rep-1's."""
    for plan_id, rate in (("plan-a", "5%"), ("plan-b", "7%")):
        path = tmp_path / f"{plan_id}.yaml"
        path.write_text(FLAT_PLAN.format(id=plan_id, rate=rate))
        ok("plans", "add", str(path), db=db)
    files = {"payees": "id,name\nrep-1,Ravi\n",
             "assignments": "payee_id,plan,effective_from,effective_to\n" + assignments,
             "deals": "id,date,owner_id,amount,currency,type\n"
                      "D-1,2026-02-10,rep-1,100000.00,USD,new\n"
                      "D-2,2026-08-10,rep-1,100000.00,USD,new\n"}
    import_files(tmp_path, db, files)


def test_a_plan_left_and_rejoined_is_not_paid_again(tmp_path, ledger_url):
    # rep-1: plan-a in H1, plan-b in Q3, plan-a again from Q4
    build_two_plans(tmp_path, ledger_url, "rep-1,plan-a,2026-01-01,2026-06-30\n"
                                          "rep-1,plan-b,2026-07-01,2026-09-30\n"
                                          "rep-1,plan-a,2026-10-01,\n")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        ok("close", "--period", quarter, db=ledger_url)
    # plan-a's D-1 (5% of 100,000 = 5,000.00) was paid in Q1; the Q3 close recorded only
    # plan-b (7% of D-2 = 7,000.00), so Q4 must still see plan-a's record from Q2
    rep1 = payee(calc("2026-Q4", ledger_url), "rep-1")
    assert (rep1["earned_to_date"], rep1["paid_to_date"]) == ("5000.00", "12000.00")
    assert (rep1["payout"], rep1["lines"]) == ("0.00", [])


def test_a_plan_left_mid_year_is_not_paid_again_the_next_year(tmp_path, ledger_url):
    # rep-1 moves from plan-a to plan-b on 2026-07-01
    build_two_plans(tmp_path, ledger_url, "rep-1,plan-a,2026-01-01,2026-06-30\n"
                                          "rep-1,plan-b,2026-07-01,\n")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        ok("close", "--period", quarter, db=ledger_url)
    # fiscal 2026 of plan-a was last recorded by Q2, of plan-b by Q4: nothing changed
    rep1 = payee(calc("2027-Q1", ledger_url), "rep-1")
    assert (rep1["payout"], rep1["lines"]) == ("0.00", [])


def test_a_plan_paid_half_yearly_closes_its_halves(tmp_path, ledger_url):
    """payout_period: half (PLAN_LANGUAGE 7.6): the fiscal halves 2026-H1 and 2026-H2 are its
    payout periods; a quarter is not."""
    build(tmp_path, ledger_url, PLAN.replace("payout_period: quarter", "payout_period: half"))
    refused = run("close", "--period", "2026-Q1", db=ledger_url)
    assert refused.exit_code == 3 and "close periods such as 2026-H1" in refused.output
    first = json.loads(ok("close", "--period", "2026-H1", "--json", db=ledger_url).stdout)
    # rep-1: 250,000 of a 200,000 quota by June: 200,000 at 5% + 50,000 at 10% = 15,000,
    # the logo SPIFF on D-1 and half of D-4 (500 + 250) and the club bonus, 10% of 40,000
    assert payee(first, "rep-1")["payout"] == "19750.00"
    # rep-2: half of D-4 and D-5 (April), 40,000 at 5% = 2,000, and 250 of D-4's SPIFF
    assert payee(first, "rep-2")["payout"] == "2250.00"
    import_deals(tmp_path, ledger_url, "D-6,2026-08-10,rep-2,70000.00,USD,expansion,,\n")
    second = json.loads(ok("close", "--period", "2026-H2", "--json", db=ledger_url).stdout)
    # rep-2 reaches 110,000 of 100,000: 60,000 at 5% + 10,000 at 10% = 4,000, and now the
    # club bonus, 10% of 20,000 = 2,000
    assert payee(second, "rep-2")["payout"] == "6000.00"
    assert payee(second, "rep-1")["payout"] == "0.00"
    assert second["period"] == "2026-H2"
