"""Period names are read strictly on the command line (issue 11): a name with spaces around
it, digits of another script, or a year outside 1900..9997 is a usage error (exit 2) that
says why, and nothing is computed, closed or adjusted.

Before, `--period " 2026-01"` and `--period ٢٠٢٦-Q1` were read as 2026-01 and 2026-Q1 but
recorded under their own text, so a close under the odd name blocked the real period for
good; `0000` and `9999` were tracebacks from the calendar. The ledger is test_calc.py's
(quarterly plan test-ae, fiscal year from January).
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from ledger.schema import adjustments, calculation_runs, periods
from tests.test_calc import build
from tests.test_close import ok, run

BAD_NAMES = [
    (" 2026-Q1", "' 2026-Q1' is not a period: remove the spaces around it"),
    ("2026-Q1 ", "'2026-Q1 ' is not a period: remove the spaces around it"),
    ("٢٠٢٦-Q1", "'٢٠٢٦-Q1' is not a period: write its digits as 0-9"),
    ("２０２６", "'２０２６' is not a period: write its digits as 0-9"),
    ("0000", "'0000' is not a period: the year must be from 1900 to 9997"),
    ("9999", "'9999' is not a period: the year must be from 1900 to 9997"),
    ("9998-Q4", "'9998-Q4' is not a period: the year must be from 1900 to 9997"),
    ("2026-Q5", "'2026-Q5' is not a period: write 2026, 2026-H1, 2026-Q1 or 2026-03"),
]


def recorded(url):
    """What a close or an adjustment leaves in the ledger."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: connection.scalar(select(func.count()).select_from(
                table)) for table in (calculation_runs, periods, adjustments)}
    finally:
        engine.dispose()


def usage_error(result, message):
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--period': {message}"
    assert result.stdout == ""


@pytest.mark.parametrize("name, message", BAD_NAMES)
def test_a_bad_period_name_is_a_usage_error_everywhere(tmp_path, ledger_url, name, message):
    build(tmp_path, ledger_url)
    before = recorded(ledger_url)
    usage_error(run("calc", "--period", name, db=ledger_url), message)
    usage_error(run("close", "--period", name, db=ledger_url), message)
    usage_error(run("adjust", "--payee", "rep-1", "--period", name, "--amount", "-150.00 USD",
                    "--reason", "expense", db=ledger_url), message)
    assert recorded(ledger_url) == before


def test_a_refused_odd_name_leaves_the_real_period_to_close(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    assert run("close", "--period", "٢٠٢٦-Q1", db=ledger_url).exit_code == 2
    closed = ok("close", "--period", "2026-Q1", db=ledger_url)
    assert closed.stderr.splitlines()[-1] == "2026-Q1 closed as run 1"
    engine = create_engine(ledger_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(periods.c.name, periods.c.status)).all() == [
                ("2026-Q1", "closed")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("period", ["1900-Q1", "9997-Q4", "9997", "9997-12"])
def test_the_first_and_last_years_compute(tmp_path, ledger_url, period):
    """The ends of the range are periods like any other: nothing pays there (the plan runs
    in 2026), and the calculation says so rather than failing."""
    build(tmp_path, ledger_url)
    result = ok("calc", "--period", period, db=ledger_url)
    assert result.stderr == ""
