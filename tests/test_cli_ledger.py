"""What a new user hits before any statement: where the ledger is, whether it can be opened,
and the commands' shared options. Every failure is one line and an exit code, never a
traceback, and a command that only reads never creates a ledger."""
import io
import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from cli import main
from engine.calculate import calculate_period
from ledger.database import open_ledger
from tests.conftest import POSTGRES_URL, fresh_postgres
from tests.test_calc import build, payee

READING = [["calc", "--period", "2026-Q1"], ["close", "--period", "2026-Q1"],
           ["reopen", "--period", "2026-Q1", "--reason", "x"],
           ["adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount", "1.00 USD",
            "--reason", "x"],
           ["statements", "--period", "2026-Q1", "--out", "out"],
           ["explain", "--period", "2026-Q1", "--payee", "rep-1"],
           ["kpi", "--period", "2026-Q1"], ["export", "payroll", "--period", "2026-Q1"]]


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, exit_code: int) -> str:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def _has_schema(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                "'alembic_version'")).scalar_one() > 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0] if c[0] != "export"
                         else "export-payroll")
def test_a_command_that_only_reads_refuses_a_ledger_that_is_not_there(
        tmp_path, monkeypatch, ledger_url, command):
    monkeypatch.chdir(tmp_path)
    message = one_line_error(invoke(*command, "--db", ledger_url), 1)
    if ledger_url.startswith("sqlite"):
        path = ledger_url.removeprefix("sqlite:///")
        assert message == (f"Error: no ledger at {path}: check the path in --db or "
                           "ICM_DATABASE_URL (a typo?), or create it with `icm db upgrade` "
                           "or `icm import`")
        assert not (tmp_path / "icm.db").exists()
    else:
        assert "holds no ledger yet" in message
        assert not _has_schema(ledger_url)


def test_the_default_ledger_is_not_created_by_a_calc(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ICM_DATABASE_URL", raising=False)
    assert "no ledger at icm.db" in one_line_error(invoke("calc", "--period", "2026-Q1"), 1)
    assert list(tmp_path.iterdir()) == []


def test_the_commands_that_write_input_create_the_ledger(tmp_path):
    upgraded = invoke("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert upgraded.exit_code == 0 and (tmp_path / "a.db").exists()
    payees = tmp_path / "payees.csv"
    payees.write_text("id,name\nrep-1,Ravi\n")
    imported = invoke("import", "payees", str(payees), "--db", f"sqlite:///{tmp_path / 'b.db'}")
    assert imported.exit_code == 0 and (tmp_path / "b.db").exists()


def test_a_ledger_in_a_missing_folder_or_on_a_folder_is_one_line(tmp_path):
    payees = tmp_path / "payees.csv"
    payees.write_text("id,name\nrep-1,Ravi\n")
    missing = invoke("import", "payees", str(payees), "--db",
                     f"sqlite:///{tmp_path / 'nope' / 'icm.db'}")
    assert one_line_error(missing, 1) == (
        f"Error: cannot create the ledger {tmp_path / 'nope' / 'icm.db'}: the folder "
        f"{tmp_path / 'nope'} does not exist")
    folder = invoke("calc", "--period", "2026-Q1", "--db", f"sqlite:///{tmp_path}")
    assert one_line_error(folder, 1) == (
        f"Error: {tmp_path} is a folder, not a ledger file; name a file such as "
        f"{tmp_path / 'icm.db'}")
    unopenable = invoke("db", "upgrade", "--db", "sqlite:////proc/icm.db")
    assert "cannot open the ledger sqlite:////proc/icm.db" in one_line_error(unopenable, 1)


def test_a_file_that_is_not_a_ledger_is_one_line(tmp_path):
    (tmp_path / "notes.db").write_text("not a database at all\n" * 100)
    result = invoke("kpi", "--period", "2026-Q1", "--db", f"sqlite:///{tmp_path / 'notes.db'}")
    assert "file is not a database" in one_line_error(result, 1)


def test_a_database_server_that_cannot_be_reached_is_one_line():
    # nothing listens on port 1
    result = invoke("calc", "--period", "2026-Q1", "--db",
                    "postgresql://icm:secret@127.0.0.1:1/ledger")
    message = one_line_error(result, 1)
    assert message.startswith("Error: cannot open the ledger "
                              "postgresql+psycopg://icm:***@127.0.0.1:1/ledger: ")
    assert message.endswith("check the URL, that the database exists and that its server runs")
    assert "secret" not in message


@pytest.mark.parametrize("url, says", [
    ("not a url", "'not a url' is not a database URL: write sqlite:///FILE or "
                  "postgresql://USER@HOST:PORT/DATABASE"),
    ("oracle2://x@h/d", "oracle2://x@h/d: 'oracle2' is not a database icm can use"),
    ("mysql://x@h/d", "mysql://x@h/d: its database driver is not installed")])
def test_a_url_that_names_no_usable_database_is_a_usage_error(url, says):
    assert says in one_line_error(invoke("calc", "--period", "2026-Q1", "--db", url), 2)


def test_a_read_only_ledger_refuses_a_write_in_one_line_and_keeps_its_rows(tmp_path):
    db = tmp_path / "icm.db"
    build(tmp_path, f"sqlite:///{db}")
    more = tmp_path / "more.csv"
    more.write_text("id,name\nrep-9,Nia\n")
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = invoke("import", "payees", str(more), "--db", read_only)
    assert one_line_error(result, 1) == (
        f"Error: the ledger {read_only} failed: attempt to write a readonly database; nothing "
        "was written; check that the ledger is writable, its disk has room and its server runs")
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM payees")).scalar_one() == 2
    engine.dispose()


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs ICM_TEST_POSTGRES_URL")
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls_as_postgresql_users_write_them(tmp_path, scheme):
    url = scheme + "://" + fresh_postgres().split("://", 1)[1]
    build(tmp_path, url)
    calculated = invoke("calc", "--period", "2026-Q1", "--json", "--db", url)
    assert calculated.exit_code == 0, calculated.output
    assert payee(json.loads(calculated.stdout), "rep-1")["payout"] == "19750.00"


def test_db_goes_before_the_command_as_well_as_after_it(tmp_path, ledger_url):
    payees = tmp_path / "payees.csv"
    payees.write_text("id,name\nrep-1,Ravi\n")
    assert invoke("--db", ledger_url, "import", "payees", str(payees)).exit_code == 0
    build(tmp_path, ledger_url)
    before = invoke("--db", ledger_url, "calc", "--period", "2026-Q1", "--json")
    after = invoke("calc", "--period", "2026-Q1", "--json", "--db", ledger_url)
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout
    assert payee(json.loads(before.stdout), "rep-1")["payout"] == "19750.00"


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"icm, version \d+\.\d+\.\d+\n", result.output)


def test_an_adjustment_in_another_currency_than_the_payees_is_refused(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    refused = invoke("adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount",
                     "100.00 EUR", "--reason", "spot bonus", "--db", ledger_url)
    assert one_line_error(refused, 1) == (
        "Error: --amount '100.00 EUR': rep-1 is paid in USD, not EUR; write the amount in USD")
    ok = invoke("adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount", "100.00 USD",
                "--reason", "spot bonus", "--db", ledger_url)
    assert ok.exit_code == 0
    calculated = invoke("calc", "--period", "2026-Q1", "--json", "--db", ledger_url)
    # 19,750.00 earned (test_calc.py) + the 100.00 adjustment
    assert payee(json.loads(calculated.stdout), "rep-1")["payout"] == "19850.00"


def test_an_adjustment_for_a_payee_never_on_a_plan_waits_for_the_assignment(tmp_path,
                                                                            ledger_url):
    build(tmp_path, ledger_url)
    # rep-5's payroll currency is EUR: that is what payroll converts into, not what the
    # adjustment is settled in
    newcomer = tmp_path / "newcomer.csv"
    newcomer.write_text("id,name,currency\nrep-5,Noor,EUR\n")
    assert invoke("import", "payees", str(newcomer), "--db", ledger_url).exit_code == 0
    refused = invoke("adjust", "--payee", "rep-5", "--period", "2026-Q1", "--amount",
                     "50000 JPY", "--reason", "sign-on", "--db", ledger_url)
    assert one_line_error(refused, 1) == (
        "Error: rep-5 is on no plan and was never paid, so the currency its pay is settled in "
        "is not known yet: import the payee's assignment first")


def test_a_period_of_a_length_no_plan_pays_is_not_closed(tmp_path, ledger_url):
    build(tmp_path, ledger_url)  # one plan, paid quarterly
    result = invoke("close", "--period", "2026-01", "--db", ledger_url)
    assert one_line_error(result, 3) == (
        "Error: no plan is paid monthly, so 2026-01 has nothing to close; the plans are paid "
        "quarterly: close periods such as 2026-Q1")
    # nothing was recorded: the quarter still closes first
    assert invoke("close", "--period", "2026-Q1", "--db", ledger_url).exit_code == 0


def test_calc_reports_each_stage_as_it_starts(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    engine = open_ledger(ledger_url)
    stages = []

    def hear(stage, done=None, total=None, unit=""):
        stages.append(stage if done is None else (stage, done, total, unit))
    try:
        calculate_period(engine, "2026-Q1", status=hear)
    finally:
        engine.dispose()
    assert stages == ["reading the plans",
                      "plan test-ae (1 of 1): reading and earning its windows",
                      "reading earlier closes", ("settling", 0, 2, "payees"),
                      ("settling", 1, 2, "payees"), ("settling", 2, 2, "payees")]


def test_adjustments_summing_past_64_bits_fail_in_calc_as_in_close(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    # each is 5 x 10^18 cents, which fits in int64 (about 9.22 x 10^18); the two do not
    for _ in range(2):
        added = invoke("adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount",
                       "50000000000000000.00 USD", "--reason", "x", "--db", ledger_url)
        assert added.exit_code == 0, added.output
    expected = ("Error: payee rep-1 (test-ae@1): the period's adjustments "
                "(10000000000000000000 minor units) does not fit in 64-bit minor units; see "
                "the period's adjustments (icm adjust)")
    for command in ("calc", "close"):
        result = invoke(command, "--period", "2026-Q1", "--json", "--db", ledger_url)
        assert one_line_error(result, 1) == expected
        assert result.stdout == ""
    too_big = invoke("adjust", "--payee", "rep-1", "--period", "2026-Q1", "--amount",
                     "100000000000000000.00 USD", "--reason", "x", "--db", ledger_url)
    assert one_line_error(too_big, 1) == (
        "Error: --amount '100000000000000000.00 USD': 100000000000000000.00 USD is too large "
        "an amount; write e.g. \"-150.00 USD\"")


DRAW_PLAN = """\
plan: {id}
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: quarter
measures:
  bookings: sum(credit.amount)
components:
  - id: commission
    type: commission
    measure: bookings
    rate: 10%
draw: {{amount: 60000000000000000 USD, recoverable: true}}
"""


def test_draws_summing_past_64_bits_name_the_payee_and_the_plans(tmp_path, ledger_url):
    for plan_id in ("draw-a", "draw-b"):
        path = tmp_path / f"{plan_id}.yaml"
        path.write_text(DRAW_PLAN.format(id=plan_id))
        assert invoke("plans", "add", str(path), "--db", ledger_url).exit_code == 0
    payees = tmp_path / "payees.csv"
    payees.write_text("id,name\nrep-1,Ravi\n")
    assignments = tmp_path / "assignments.csv"
    assignments.write_text("payee_id,plan,effective_from\nrep-1,draw-a,2026-01-01\n"
                           "rep-1,draw-b,2026-01-01\n")
    for kind, path in (("payees", payees), ("assignments", assignments)):
        assert invoke("import", kind, str(path), "--db", ledger_url).exit_code == 0
    # each draw is 6 x 10^18 cents a quarter, which fits; the payee's two add up to 1.2 x 10^19
    result = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    assert one_line_error(result, 1) == (
        "Error: payee rep-1 (draw-a@1, draw-b@1): the draw of the period "
        "(12000000000000000000 minor units) does not fit in 64-bit minor units; "
        "draw-a@1:13:7: draw, draw-b@1:13:7: draw")


def _disk_full_after(monkeypatch, pages: int) -> None:
    """Every SQLite connection of the next commands sees a disk that holds ``pages`` pages."""
    import ledger.database
    pragmas = ledger.database._sqlite_pragmas

    def small_disk(dbapi_connection, record):
        pragmas(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(ledger.database, "_sqlite_pragmas", small_disk)


def _pages(db) -> int:
    """The ledger's size in pages, with no free page left inside it."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        connection.execute(text("VACUUM"))
        count = connection.execute(text("PRAGMA page_count")).scalar_one()
    engine.dispose()
    return count


def _deals(path, prefix: str, count: int):
    path.write_text("id,date,owner_id,amount,currency\n" + "".join(
        f"{prefix}-{i},2026-02-01,rep-1,100.00,USD\n" for i in range(count)))
    return path


def test_a_full_disk_during_an_import_or_a_close_is_one_line_and_writes_nothing(
        tmp_path, monkeypatch):
    db = tmp_path / "icm.db"
    build(tmp_path, f"sqlite:///{db}")
    first = invoke("import", "deals", str(_deals(tmp_path / "a.csv", "A", 3000)), "--db",
                   f"sqlite:///{db}")
    assert first.exit_code == 0, first.output
    _disk_full_after(monkeypatch, _pages(db))
    full = ("failed: database or disk is full; nothing was written; check that the ledger is "
            "writable, its disk has room and its server runs")
    imported = invoke("import", "deals", str(_deals(tmp_path / "b.csv", "B", 3000)), "--db",
                      f"sqlite:///{db}")
    assert one_line_error(imported, 1).endswith(full)
    closed = invoke("close", "--period", "2026-Q1", "--db", f"sqlite:///{db}")
    assert one_line_error(closed, 1).endswith(full)
    monkeypatch.undo()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM deals")).scalar_one() == 3005
        assert connection.execute(text("SELECT count(*) FROM calculation_runs")
                                  ).scalar_one() == 0
    engine.dispose()


def test_calc_prints_ids_and_errors_a_terminal_cannot_misread(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    more = tmp_path / "more.csv"
    more.write_text("id,name\nrep-\u202e9,Nia\n")
    assert invoke("import", "payees", str(more), "--db", ledger_url).exit_code == 0
    assignments = tmp_path / "more-assignments.csv"
    assignments.write_text("payee_id,plan,effective_from\nrep-\u202e9,test-ae,2026-01-01\n")
    assert invoke("import", "assignments", str(assignments), "--db", ledger_url).exit_code == 0
    # no quota for the new payee: the error names it, its override shown, not obeyed
    result = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    assert result.exit_code == 1
    assert "payee rep-<U+202E>9, measure bookings" in result.output
    assert "\u202e" not in result.output


def test_a_bug_is_one_line_unless_icm_debug_asks_for_the_traceback(tmp_path, ledger_url,
                                                                   monkeypatch):
    import engine.calculate
    build(tmp_path, ledger_url)

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine.calculate, "calculate_period", broken)
    result = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    assert one_line_error(result, 1) == (
        "Error: internal error (ZeroDivisionError: division by zero); this is a bug in icm: "
        "please report it with the command you ran (ICM_DEBUG=1 shows the traceback)")
    monkeypatch.setenv("ICM_DEBUG", "1")
    debugged = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    assert isinstance(debugged.exception, ZeroDivisionError)


def test_an_overflow_no_check_foresaw_is_one_line_saying_a_figure_is_too_large(
        tmp_path, ledger_url, monkeypatch):
    import engine.calculate
    build(tmp_path, ledger_url)

    def overflowing(*_args, **_kwargs):
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(engine.calculate, "calculate_period", overflowing)
    result = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    assert one_line_error(result, 1) == (
        "Error: Python int too large to convert to C long: an amount, quota or rate in the "
        "ledger or a plan is far too large; check the figures of this period")


def test_the_first_close_must_be_of_a_period_a_plan_is_in_force_in(tmp_path, ledger_url):
    build(tmp_path, ledger_url)  # test-ae runs 2026-01-01..2026-12-31
    result = invoke("close", "--period", "2025-Q1", "--db", ledger_url)
    assert one_line_error(result, 3) == (
        "Error: no plan paid quarterly is in force in 2025-Q1 (test-ae@1 "
        "2026-01-01..2026-12-31): the first close of a length must be a period a plan pays")
    assert invoke("close", "--period", "2026-Q1", "--db", ledger_url).exit_code == 0


def test_a_url_whose_port_is_not_a_number_is_a_usage_error():
    result = invoke("calc", "--period", "2026-Q1", "--db", "postgresql://u:s3cret@host:abc/db")
    message = one_line_error(result, 2)
    assert "is not a database URL" in message and "s3cret" not in message


def test_an_amount_beyond_64_bits_in_a_bonus_names_the_payee_and_the_expression(
        tmp_path, ledger_url):
    from tests.test_calc import PLAN
    plan = PLAN.replace("amount: 10% * target_incentive",
                        "amount: 92233720368547758.07 USD * 2")
    assert "* 2" in plan
    build(tmp_path, ledger_url, plan)
    result = invoke("calc", "--period", "2026-Q1", "--db", ledger_url)
    # the club bonus amount is the plan's 26th line; the product starts at its 13th column
    assert one_line_error(result, 1) == (
        "Error: test-ae@1:26:13: an amount does not fit in 64-bit minor units (payee rep-1, "
        "period 2026-Q1)")
