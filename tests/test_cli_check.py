"""`icm check` as a user runs it: exit codes, FILE:LINE:COL with a caret, and --json."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import rules_dsl.errors
from cli import main
from ledger.database import open_ledger
from ledger.schema import plan_versions

ROOT = Path(__file__).parent.parent

BROKEN = """\
plan: broken
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: month
measures:
  bookings: sum(credit.amount)
components:
  - id: spiff
    type: spiff
    when: deal.amount > 50000
    amount: 500 USD * credit.share
"""

CLEAN = BROKEN.replace("plan: broken", "plan: logo-spiffs").replace(
    "deal.amount > 50000", "deal.amount > 50000 USD")


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_clean_plans_exit_zero():
    files = sorted((ROOT / "plans").glob("*.yaml"))
    result = run("check", "--strict", *map(str, files))
    assert result.exit_code == 0, result.output
    assert len(files) >= 9 and result.stdout == f"{len(files)} plans checked: no errors\n"
    assert result.stderr == ""


def test_errors_are_printed_with_source_line_and_caret(tmp_path):
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN)
    result = run("check", str(plan))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{plan}:11:11: cannot compare Money with Int: write 50000 USD",
        "        when: deal.amount > 50000",
        "              ^",
        "1 error in 1 file",
    ]


def test_every_file_is_checked_in_one_run(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(BROKEN)
    second.write_text(BROKEN.replace("payout_period: month", "payout_period: fortnight"))
    result = run("check", str(first), str(second), str(tmp_path / "missing.yaml"))
    assert result.exit_code == 1
    assert f"{first}:11:11:" in result.stderr
    assert f"{second}:5:16: `payout_period` is one of month, quarter, half, year" in result.stderr
    assert f"{second}:11:11:" in result.stderr
    assert f"{tmp_path / 'missing.yaml'}:1:1: cannot read the plan" in result.stderr
    assert "4 errors in 3 files" in result.stderr


def test_json_output_for_editors(tmp_path):
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN)
    result = run("check", "--json", str(plan))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [{
        "file": str(plan), "line": 11, "col": 11,
        "message": "cannot compare Money with Int: write 50000 USD"}]
    clean = run("check", "--json", str(ROOT / "plans" / "enterprise-ae.yaml"))
    assert clean.exit_code == 0 and json.loads(clean.stdout) == []


def test_digits_of_other_scripts_are_errors_at_their_column(tmp_path):
    # Issue 11: `version: ١` registered version 1, and `version: ²` was a traceback.
    plan = tmp_path / "arabic-digits.yaml"
    plan.write_text(BROKEN.replace("version: 1", "version: ١").replace(
        "when: deal.amount > 50000", "when: deal.amount > ٥٠٠٠٠ USD"), encoding="utf-8")
    result = run("check", str(plan))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{plan}:2:10: '١' is not an ASCII digit: write numbers with ASCII digits (0-9)",
        "    version: ١",
        "             ^",
        f"{plan}:11:25: '٥' is not an ASCII digit: write numbers with ASCII digits (0-9)",
        "        when: deal.amount > ٥٠٠٠٠ USD",
        "                            ^",
        "2 errors in 1 file",
    ]


def test_printing_many_errors_splits_each_file_into_lines_once(tmp_path, monkeypatch):
    # Issue 11: every printed error split its whole file into lines again, so printing N errors
    # of one file took time N times the file (4,000 errors 10.6 s, 20,000 errors 282 s).
    splits = []
    split = rules_dsl.errors.source_lines
    monkeypatch.setattr(rules_dsl.errors, "source_lines",
                        lambda text: splits.append(text) or split(text))
    measures = "".join(f"  m{number}: sum(credit.amout)\n" for number in range(300))
    plan = tmp_path / "many.yaml"
    plan.write_text(BROKEN.replace("  bookings: sum(credit.amount)\n", measures))

    result = run("check", str(plan))

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"{plan}:7:11: unknown field `credit.amout`; did you mean `credit.amount`?",
        "      m0: sum(credit.amout)",
        "              ^"]
    assert lines[-4:] == [  # the spiff's error, after the 300 measures'
        f"{plan}:310:11: cannot compare Money with Int: write 50000 USD",
        "        when: deal.amount > 50000",
        "              ^",
        "301 errors in 1 file"]
    assert len(splits) == 1


def test_the_same_plan_version_with_different_text_is_refused(tmp_path):
    original = (ROOT / "plans" / "flat-commission.yaml").read_text()
    copy = tmp_path / "flat-commission.yaml"
    copy.write_text(original.replace("8%", "9%"))
    result = run("check", str(ROOT / "plans" / "flat-commission.yaml"), str(copy))
    assert result.exit_code == 1
    assert "is also defined, differently" in result.stderr


def test_usage_errors_exit_two():
    assert run("check").exit_code == 2
    assert run("nonsense").exit_code == 2


def _leaf_commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _leaf_commands(command, prefix + (name,))
        else:
            yield prefix + (name,)


def test_every_command_has_help_with_an_example():
    leaves = list(_leaf_commands(main))
    assert ("check",) in leaves and ("plans", "add") in leaves
    for path in leaves:
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Example" in result.output, path


def test_python_cli_py_runs_the_same(tmp_path):
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN)
    process = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(plan)],
                             capture_output=True, text=True)
    assert process.returncode == 1
    assert f"{plan}:11:11: cannot compare Money with Int" in process.stderr


def registered_versions(url):
    engine = open_ledger(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(plan_versions.c.plan_id,
                                             plan_versions.c.version)).all()
    finally:
        engine.dispose()


@pytest.mark.parametrize("old, new, error", [
    # Issue 11: this version was a traceback at `icm plans add`
    ("version: 1", "version: 99999999999999999999999",
     "2:10: version must be a whole number from 1 to 9223372036854775807, "
     "not '99999999999999999999999'"),
    # and this amount was registered, to fail at every calc
    ("500 USD", "92233720368547758.08 USD",
     "12:13: 92233720368547758.08 USD does not fit in 64-bit minor units: an amount is at "
     "most 92233720368547758.07 USD"),
])
def test_numbers_that_cannot_fit_are_refused_by_check_and_plans_add(tmp_path, ledger_url, old,
                                                                     new, error):
    plan = tmp_path / "too-large.yaml"
    plan.write_text(CLEAN.replace(old, new))

    checked = run("check", str(plan))
    added = run("plans", "add", str(plan), "--db", ledger_url)

    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[0] == f"{plan}:{error}"
    assert checked.stderr.splitlines()[-1] == "1 error in 1 file"
    assert added.exit_code == 1
    assert added.stderr.splitlines()[0] == f"{plan}:{error}"
    assert added.stderr.splitlines()[-1] == "Error: no plan was registered"
    assert registered_versions(ledger_url) == []


def test_the_largest_version_that_fits_is_registered(tmp_path, ledger_url):
    plan = tmp_path / "last-version.yaml"
    plan.write_text(CLEAN.replace("version: 1", "version: 9223372036854775807"))
    added = run("plans", "add", str(plan), "--db", ledger_url)
    assert added.exit_code == 0, added.output
    assert added.stdout == "logo-spiffs@9223372036854775807: added\n"
    assert registered_versions(ledger_url) == [("logo-spiffs", 2 ** 63 - 1)]


# -- warnings (issue 10) ---------------------------------------------------------------------

WARNED = CLEAN.replace("""\
  - id: spiff
""", """\
  - id: commission
    type: commission
    measure: bookings
    rate: 10
  - id: spiff
""")
RATE_WARNING = ("12:11: warning: this rate is 1000%, more than the whole amount it is paid on; "
                "did you mean `10%`?")


def test_warnings_are_printed_like_errors_and_exit_zero(tmp_path):
    plan = tmp_path / "warned.yaml"
    plan.write_text(WARNED)
    result = run("check", str(plan))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [f"{plan}:{RATE_WARNING}", "        rate: 10",
                                          "              ^"]
    assert result.stdout == "1 plan checked: no errors, 1 warning\n"


def test_strict_makes_warnings_fail(tmp_path):
    plan = tmp_path / "warned.yaml"
    plan.write_text(WARNED)
    result = run("check", "--strict", str(plan))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{plan}:{RATE_WARNING}"
    assert result.stderr.splitlines()[-1] == "1 warning in 1 file, and --strict makes them errors"
    assert result.stdout == ""


def test_errors_and_warnings_come_file_by_file_in_command_line_order(tmp_path):
    warned, broken = tmp_path / "b-warned.yaml", tmp_path / "a-broken.yaml"
    warned.write_text(WARNED)
    broken.write_text(BROKEN)
    result = run("check", str(warned), str(broken))
    assert result.exit_code == 1
    heads = [line for line in result.stderr.splitlines() if line.startswith(str(tmp_path))]
    assert heads == [f"{warned}:{RATE_WARNING}",
                     f"{broken}:11:11: cannot compare Money with Int: write 50000 USD"]
    assert result.stderr.splitlines()[-1] == "1 error and 1 warning in 2 files"


def test_json_keeps_error_objects_and_marks_warnings(tmp_path):
    warned, broken = tmp_path / "warned.yaml", tmp_path / "broken.yaml"
    warned.write_text(WARNED)
    broken.write_text(BROKEN)
    result = run("check", "--json", str(broken), str(warned))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"file": str(broken), "line": 11, "col": 11,
         "message": "cannot compare Money with Int: write 50000 USD"},
        {"file": str(warned), "line": 12, "col": 11,
         "message": "this rate is 1000%, more than the whole amount it is paid on; did you "
                    "mean `10%`?", "severity": "warning"}]
    alone = run("check", "--json", str(warned))
    assert alone.exit_code == 0 and len(json.loads(alone.stdout)) == 1
    assert run("check", "--json", "--strict", str(warned)).exit_code == 1


def test_plans_add_prints_warnings_and_registers(tmp_path, ledger_url):
    plan = tmp_path / "warned.yaml"
    plan.write_text(WARNED)
    added = run("plans", "add", str(plan), "--db", ledger_url)
    assert added.exit_code == 0, added.output
    assert added.stderr.splitlines()[0] == f"{plan}:{RATE_WARNING}"
    assert added.stdout == "logo-spiffs@1: added\n"
    assert registered_versions(ledger_url) == [("logo-spiffs", 1)]
