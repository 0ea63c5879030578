"""Two commands at once never break the ledger's invariants. Every command that checks its
input against the ledger and then writes takes the ledger-wide write lock before it reads
(PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE). Each test holds that lock itself,
starts a command in another process, writes a conflicting change while the command waits,
then lets go: the command must see the change and refuse, or find nothing left to do."""
import datetime
import json
import subprocess
import sys
import time

from sqlalchemy import create_engine, func, insert, select, text

from ledger.database import open_ledger, writing
from ledger.schema import deals, quotas
from tests.paths import ROOT
from tests.test_calc import PLAN, build, import_files, payee
from tests.test_close import close_refused_after, ok, run

def start(ledger_url, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args, "--db", ledger_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def waiting(ledger_url: str, *processes: subprocess.Popen) -> None:
    """Until each process waits for the ledger's lock. PostgreSQL shows the waiting advisory
    locks; a SQLite writer waits inside BEGIN IMMEDIATE, unseen, so give it time to get there."""
    deadline = time.monotonic() + 60
    while True:
        for process in processes:
            assert process.poll() is None, f"a command did not wait: {finish(process)}"
        if ledger_url.startswith("sqlite"):
            time.sleep(4)
            return
        with create_engine(ledger_url).connect() as connection:
            blocked = connection.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
        if blocked == len(processes):
            return
        assert time.monotonic() < deadline, "the commands never waited for the ledger's lock"
        time.sleep(0.1)


def test_a_quota_import_waits_and_sees_the_rows_written_meanwhile(tmp_path, ledger_url):
    build(tmp_path, ledger_url)  # rep-1 and rep-2 have yearly 2026 bookings quotas
    quarters = tmp_path / "quarters.csv"
    quarters.write_text("payee_id,measure,period,amount\nrep-3,bookings,2026-Q1,50000.00\n")
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-3,Rui\n",
        "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n"},
        prefix="rep-3-")
    engine = open_ledger(ledger_url)
    try:
        with writing(engine) as connection:
            importer = start(ledger_url, "import", "quotas", str(quarters))
            waiting(ledger_url, importer)
            # meanwhile the year's row for rep-3 lands: the quarter overlaps it
            connection.execute(insert(quotas).values(
                payee_id="rep-3", measure="bookings", period="2026",
                start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
                amount=20000000, currency="USD"))
        code, _, err = finish(importer)
        assert code == 1, err
        assert f"{quarters}:2: period: 2026-Q1 overlaps 2026 for this payee and measure" in err
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(quotas).where(
                quotas.c.payee_id == "rep-3")) == 1
    finally:
        engine.dispose()


def test_a_payee_import_waits_and_refuses_the_loop_a_write_meanwhile_makes(tmp_path,
                                                                            ledger_url):
    build(tmp_path, ledger_url)
    managers = tmp_path / "managers.csv"
    managers.write_text("id,name,manager_id\nrep-1,Ravi,rep-2\n")
    engine = open_ledger(ledger_url)
    try:
        with writing(engine) as connection:
            importer = start(ledger_url, "import", "payees", str(managers))
            waiting(ledger_url, importer)
            # meanwhile rep-2 comes to report to rep-1
            connection.execute(text("UPDATE payees SET manager_id = 'rep-1' "
                                    "WHERE id = 'rep-2'"))
        code, _, err = finish(importer)
        assert code == 1, err
        assert "manager_id: the manager chain loops" in err and "rep-1 -> rep-2 -> rep-1" in err
    finally:
        engine.dispose()


def test_two_identical_imports_at_once_write_once_and_neither_fails(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    many = tmp_path / "many.csv"
    many.write_text("id,date,owner_id,amount,currency\n" + "".join(
        f"M-{i},2026-05-{1 + i % 28:02d},rep-1,{100 + i}.00,USD\n" for i in range(2000)))
    engine = open_ledger(ledger_url)
    try:
        with writing(engine):
            importers = [start(ledger_url, "import", "deals", str(many)) for _ in range(2)]
            waiting(ledger_url, *importers)
        outcomes = sorted(finish(importer) for importer in importers)
        assert [code for code, _, _ in outcomes] == [0, 0], outcomes
        summaries = sorted(out.strip().split(": ", 1)[1] for _, out, _ in outcomes)
        assert summaries == ["2,000 deals rows: 0 new, 0 replaced, 2,000 unchanged",
                             "2,000 deals rows: 2,000 new, 0 replaced, 0 unchanged"]
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(deals).where(
                deals.c.id.like("M-%"))) == 2000
    finally:
        engine.dispose()


def test_a_reopen_and_the_next_close_at_once_never_leave_a_gap(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    engine = open_ledger(ledger_url)
    try:
        with writing(engine):
            closer = start(ledger_url, "close", "--period", "2026-Q2")
            reopener = start(ledger_url, "reopen", "--period", "2026-Q1", "--reason", "late")
            waiting(ledger_url, closer, reopener)
        outcomes = {"close": finish(closer)[0], "reopen": finish(reopener)[0]}
        # whichever took the lock first won; the other saw its change and was refused
        assert sorted(outcomes.values()) == [0, 3], outcomes
        with engine.connect() as connection:
            states = dict(connection.execute(text(
                "SELECT name, status FROM periods WHERE length = 'quarter'")).all())
        if outcomes["close"] == 0:
            assert states == {"2026-Q1": "closed", "2026-Q2": "closed"}
        else:
            assert states == {"2026-Q1": "open"}
    finally:
        engine.dispose()


def test_a_close_notices_a_new_deal_imported_while_it_computed(tmp_path, ledger_url,
                                                               monkeypatch):
    build(tmp_path, ledger_url)
    close_refused_after(ledger_url, monkeypatch, lambda: import_files(tmp_path, ledger_url, {
        "deals": "id,date,owner_id,amount,currency,type\n"
                 "D-9,2026-03-30,rep-2,10000.00,USD,new\n"}, prefix="meanwhile-"))
    # closing again pays it: rep-2's 1,750.00 (test_calc.py) + 10,000.00 at 5% (rep-2 is at
    # 40% of quota); no SPIFF under 50,000
    closed = run("close", "--period", "2026-Q1", "--json", db=ledger_url)
    assert closed.exit_code == 0, closed.output
    assert payee(json.loads(closed.stdout), "rep-2")["payout"] == "2250.00"


def test_a_close_notices_first_credit_rows_imported_while_it_computed(tmp_path, ledger_url,
                                                                      monkeypatch):
    build(tmp_path, ledger_url)
    # D-2 (100,000.00, rep-1, no credit rows: all rep-1's) gets split half to rep-2
    close_refused_after(ledger_url, monkeypatch, lambda: import_files(tmp_path, ledger_url, {
        "credits": "deal_id,payee_id,share\nD-2,rep-1,50%\nD-2,rep-2,50%\n"},
        prefix="meanwhile-"))


def test_a_manager_loop_in_the_ledger_is_an_error_not_a_hang(tmp_path, ledger_url):
    from tests.test_override import FILES, PLAN
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    ok("plans", "add", str(plan), db=ledger_url)
    import_files(tmp_path, ledger_url, FILES)
    engine = open_ledger(ledger_url)
    try:
        with writing(engine) as connection:  # past the import's check, as a bad tool would
            connection.execute(text("UPDATE payees SET manager_id = 'R2' WHERE id = 'M'"))
            connection.execute(text("UPDATE payees SET manager_id = 'M' WHERE id = 'R1' AND "
                                    "manager_id = 'M2'"))
    finally:
        engine.dispose()
    calc = start(ledger_url, "calc", "--period", "2026-Q1")
    code, _, err = finish(calc)
    assert code == 1, err
    assert "Error: the manager chain loops on 2026-01-20: R1 -> M -> R2 -> R1" in err


def test_a_close_notices_a_plan_added_while_it_read_the_plans(tmp_path, ledger_url,
                                                              monkeypatch):
    import engine.read_ahead  # where a close notes the ledger's state and reads the plans
    build(tmp_path, ledger_url)
    read_plans = engine.read_ahead.plan_versions
    raised = tmp_path / "test-ae-2.yaml"
    raised.write_text(PLAN.replace("version: 1", "version: 2"))

    def read_then_add(*args):
        found = read_plans(*args)
        ok("plans", "add", str(raised), db=ledger_url)  # lands before the close computes
        return found

    monkeypatch.setattr(engine.read_ahead, "plan_versions", read_then_add)
    close_refused_after(ledger_url, monkeypatch, lambda: None)
