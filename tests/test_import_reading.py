"""`icm import` refuses what it cannot read exactly (issue 11), with the row and column.

The failing inputs of the issue, and a few files that must keep working, imported through
the CLI against the small company of test_ledger_import.py, on SQLite and on PostgreSQL. Each
refusal is asserted line for line as ``FILE:ROW: column: message`` (rows are CSV records, the
header is row 1), with exit 1 and the ledger exactly as it was. What is checked:

* a row with more or fewer fields than the header, a NUL byte, a line break inside an id,
  code, amount or date, text that is not UTF-8;
* values and rows over the size limits (128 KiB a value, 1 MiB a row), a file with one giant
  line refused without reading it whole, a folder given as FILE;
* amounts that would not fit in 64-bit minor units, whatever the currency's minor digits;
* digits of other scripts in every numeric and date column;
* quota periods that are not periods: a year out of range, spaces, other digits;
* what keeps working: a BOM, a header-only file, a line break inside a name, true row numbers
  after a value that spans lines.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from ledger.schema import assignments, credits, deals, payees, quotas
from tests.paths import ROOT
from tests.test_calc import PLAN
from tests.test_ledger_import import (_dispose_cli_engines, company, dump,  # noqa: F401
                                      icm, reported)

TOO_LONG_VALUE = "the value is longer than 131,072 bytes (128 KiB), the most a value may hold"
TOO_LONG_ROW = "the row is longer than 1,048,576 bytes (1 MiB), the most a row may hold"
LINE_BREAK = ("a line break in the value: only free text (a name, an extra column) may span "
              "lines; check the quotes")


def refused(engine, url, path, kind, data, expected):
    """Write DATA (text, or bytes as they are) to PATH and import it as KIND: refused with
    exactly the EXPECTED (row, column, message) lines, exit 1, nothing written."""
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    before = dump(engine)
    result = icm("import", kind, path, "--db", url)
    assert result.exit_code == 1, result.output
    assert sorted(reported(result, path)) == sorted(
        f"{path}:{row}: {column}: {message}" if column else
        f"{path}:{row}: {message}" if row else f"{path}: {message}"
        for row, column, message in expected)
    assert result.stderr.splitlines()[-1] == \
        f"Error: {len(expected)} problem(s) in {path}: nothing was imported"
    assert result.stdout == ""
    assert dump(engine) == before


def imported(url, path, kind, data, rows):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    result = icm("import", kind, path, "--db", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{path}: {rows} {kind} rows: ")


# -- the shape of a row --------------------------------------------------------------------


def test_a_row_with_one_field_more_than_the_header_is_not_shifted(company, tmp_path):
    """Before, pandas took the extra field for an index: `Smith, John,zz-9,a@b` became payee
    `John` named `zz-9`."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            "id,name,email\nSmith, John,zz-9,a@b\n",
            [(2, "column 4", 'the row has 4 fields but the header has 3; a value with a comma '
                             'in it needs quotes, such as "Smith, John"')])


def test_deal_rows_with_a_field_more_or_less_are_refused_with_both_counts(company, tmp_path):
    engine, url = company
    refused(engine, url, tmp_path / "deals.csv", "deals",
            "id,date,owner_id,amount,currency\n"
            "D-30,2026-04-01,rep-1,100.00,USD,spare\n"   # 2 one more: was imported as D-30's
            "D-31,2026-04-01,rep-1,100.00\n"             # 3 one fewer    next columns
            "D-32,2026-04-01,rep-1,100.00,USD\n"         # 4 good
            "D-33,2026-04-01,rep-1,\"1,000.00\",USD,,\n",  # 5 two more
            [(2, "column 6", 'the row has 6 fields but the header has 5; a value with a comma '
                             'in it needs quotes, such as "Smith, John"'),
             (3, "currency", "the row has 4 fields but the header has 5"),
             (5, "column 6", 'the row has 7 fields but the header has 5; a value with a comma '
                             'in it needs quotes, such as "Smith, John"')])


def test_a_quote_left_open_is_named_as_the_likely_cause(company, tmp_path):
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            'id,name,email\nrep-4,"Rita,\nrep-5,Remy,\n',
            [(2, "email", "the row has 2 fields but the header has 3; a quoted value in it "
                          "runs over several lines: is a closing quote missing?")])


def test_a_nul_byte_anywhere_is_refused(company, tmp_path):
    """On PostgreSQL a NUL in a name was a traceback from the driver; SQLite stored it."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            "id,name,role,segment\nrep-4,Ri\x00ta,ae,\nrep-5,Remy,ae,mid\x00market\n",
            [(2, "name", "a NUL byte in the value: CSV text cannot hold one"),
             (3, "segment", "a NUL byte in the value: CSV text cannot hold one")])


def test_a_line_break_inside_an_id_code_amount_or_date_is_refused(company, tmp_path):
    engine, url = company
    refused(engine, url, tmp_path / "deals.csv", "deals",
            "id,date,owner_id,amount,currency,note\n"
            '"D-4\n0",2026-04-01,rep-1,100.00,USD,\n'          # 2 (lines 2-3)
            'D-41,"2026-04-01\n",rep-1,100.00,USD,\n'          # 3 (lines 4-5)
            'D-42,2026-04-01,"rep-\r\n1","10\n0.00","US\nD",\n'  # 4 (lines 6-9)
            "D-43,2026-04-01,rep-1,100.00,USD,\n",             # 5 good, on line 10
            [(2, "id", LINE_BREAK), (3, "date", LINE_BREAK), (4, "owner_id", LINE_BREAK),
             (4, "amount", LINE_BREAK), (4, "currency", LINE_BREAK)])


def test_a_name_may_span_lines_and_rows_keep_their_numbers(company, tmp_path):
    """Free text keeps its line break; a row after one is numbered as a record, not a line."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            'id,name,manager_id\nrep-4,"Rita\nLopez",mgr\nrep-5,Remy,ghost\n',
            [(3, "manager_id", "unknown payee 'ghost'")])   # row 3, on line 4
    imported(url, tmp_path / "payees-2.csv", "payees",
             'id,name,manager_id,note\nrep-4,"Rita\r\nLopez",mgr,"two\nlines"\n', 1)
    with engine.connect() as connection:
        name, extra = connection.execute(select(payees.c.name, payees.c.extra)
                                         .where(payees.c.id == "rep-4")).one()
    assert name == "Rita\r\nLopez"
    assert json.loads(extra) == {"note": "two\nlines"}


def test_a_header_name_with_a_line_break_or_a_nul_is_refused(company, tmp_path):
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            'id,"na\nme",ro\x00le\nrep-4,Rita,ae\n',
            [(1, "column 2", "a line break in the name"),
             (1, "column 3", "a NUL byte in the name"),
             (1, "name", "a required column is missing")])


def test_a_blank_line_is_a_row_of_blank_values(company, tmp_path):
    """Kept as it was: the blank row is numbered, and its required values are missing."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            "id,name\nrep-4,Rita\n\nrep-5,Remy\n",
            [(3, "id", "a value is required"), (3, "name", "a value is required")])


def test_text_that_is_not_utf8_is_refused_at_its_row_and_column(company, tmp_path):
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            "id,name\nrep-4,Rita\nrep-5,R\xf6sa\n".encode("latin-1"),
            [(3, "name", "not UTF-8 text (0xF6 at byte 2 of the value): save the file as "
                         "UTF-8")])
    refused(engine, url, tmp_path / "header.csv", "payees",
            "id,n\xe4me\nrep-4,Rita\n".encode("latin-1"),
            [(1, "column 2", "not UTF-8 text (0xE4 at byte 2 of the value): save the file "
                             "as UTF-8"),
             (1, "name", "a required column is missing")])


# -- sizes ---------------------------------------------------------------------------------


def test_a_value_over_128_kib_is_refused_and_one_of_128_kib_is_stored(company, tmp_path):
    """The limit is on bytes of UTF-8: 50,000 euro signs are 150,000 bytes."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            f"id,name\nrep-4,{'x' * 131_073}\nrep-5,{'€' * 50_000}\nrep-6,Raj\n",
            [(2, "name", TOO_LONG_VALUE), (3, "name", TOO_LONG_VALUE)])
    imported(url, tmp_path / "payees-2.csv", "payees", f"id,name\nrep-4,{'x' * 131_072}\n", 1)
    with engine.connect() as connection:
        assert connection.scalar(select(payees.c.name).where(payees.c.id == "rep-4")) == \
            "x" * 131_072


def test_a_header_name_over_128_kib_is_refused(company, tmp_path):
    """Before, the csv module's own limit raised out of the importer as a traceback."""
    engine, url = company
    refused(engine, url, tmp_path / "payees.csv", "payees",
            f"id,name,{'x' * 131_073}\nrep-4,Rita,\n",
            [(1, "column 3", TOO_LONG_VALUE)])


def test_a_row_over_1_mib_is_refused(company, tmp_path):
    engine, url = company
    wide = ",".join(f"note{i}" for i in range(9))
    values = ",".join("y" * 120_000 for _ in range(9))  # 9 x 120,000 + 10 commas + 9 bytes
    refused(engine, url, tmp_path / "payees.csv", "payees",
            f"id,name,{wide}\nrep-4,Rita,{values}\nrep-5,Remy,{',' * 8}\n",
            [(2, "", TOO_LONG_ROW)])


def test_a_file_with_one_giant_line_is_refused_without_reading_the_line(company, tmp_path):
    """A 96 MB line: the importer stops where the row passes its limit, and its memory grows
    by far less than the line beside a small refused file (reading the line whole would hold
    it at least once)."""
    engine, url = company
    giant = tmp_path / "giant.csv"
    with open(giant, "w", encoding="utf-8") as out:
        out.write("id,name\nrep-4,Rita\nrep-5,")
        for _ in range(96):
            out.write("z" * 1_000_000)
        out.write("\nrep-6,Raj\n")
    small = tmp_path / "small.csv"
    small.write_text("id,name\nrep-4,\n")
    before = dump(engine)

    small_code, small_peak, _ = _import_in_a_process(small, url)
    code, peak, stderr = _import_in_a_process(giant, url)

    assert small_code == 1
    assert code == 1
    assert stderr.splitlines()[0] == f"{giant}:3: name: {TOO_LONG_ROW}"
    assert peak - small_peak < 48_000_000
    assert dump(engine) == before


def _import_in_a_process(path, url):
    """Exit code, peak resident bytes and stderr of `icm import payees PATH` in a process of
    its own, so that the peak is this import's alone."""
    child = ("import resource, sys\nfrom click.testing import CliRunner\nfrom cli import main\n"
             "result = CliRunner().invoke(main, ['import', 'payees', sys.argv[1], '--db', "
             "sys.argv[2]])\nsys.stderr.write(result.stderr)\n"
             "print(result.exit_code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", child, str(path), url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    code, peak_kib = done.stdout.split()
    return int(code), int(peak_kib) * 1024, done.stderr


def test_a_folder_given_as_file_is_refused(company, tmp_path):
    engine, url = company
    folder = tmp_path / "payees.csv"
    folder.mkdir()
    before = dump(engine)
    result = icm("import", "payees", folder, "--db", url)
    assert result.exit_code == 1
    assert reported(result, folder) == [f"{folder}: is a folder: name a CSV file"]
    assert dump(engine) == before


# -- what keeps working --------------------------------------------------------------------


def test_a_bom_an_empty_file_and_a_header_only_file(company, tmp_path):
    engine, url = company
    imported(url, tmp_path / "bom.csv", "payees", "\ufeffid,name\r\nrep-4,Rita\r\n", 1)
    with engine.connect() as connection:
        assert connection.scalar(select(payees.c.name).where(payees.c.id == "rep-4")) == "Rita"
    refused(engine, url, tmp_path / "empty.csv", "payees", "",
            [(1, "", "the file is empty: a header row is needed")])
    for name, text in (("header.csv", "id,name\n"), ("bare.csv", "id,name")):
        path = tmp_path / name
        path.write_text(text)
        before = dump(engine)
        result = icm("import", "payees", path, "--db", url)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{path}: 0 payees rows: 0 new, 0 replaced, 0 unchanged\n"
        assert dump(engine) == before


# -- amounts that must fit in 64 bits ------------------------------------------------------


def test_amounts_too_large_for_their_currency_are_refused_not_wrapped(company, tmp_path):
    """999999999999999.9999 CLF is 9,999,999,999,999,999,999 ten-thousandths: past int64,
    it was stored as -8446744073709551617. An amount has at most 17 digits of minor units:
    13 before the point in CLF (4 minor digits), 14 in KWD (3), 15 in USD (2), 17 in JPY."""
    engine, url = company
    refused(engine, url, tmp_path / "deals.csv", "deals",
            "id,date,owner_id,amount,currency\n"
            "D-20,2026-04-01,rep-1,999999999999999.9999,CLF\n"
            "D-21,2026-04-01,rep-1,99999999999999.9999,CLF\n"
            "D-22,2026-04-01,rep-1,-100000000000000.000,KWD\n"
            "D-23,2026-04-01,rep-1,1000000000000000.00,USD\n"
            "D-24,2026-04-01,rep-1,100000000000000000,JPY\n",
            [(2, "amount", "999999999999999.9999 is too large an amount: CLF amounts have at "
                           "most 13 digits before the point"),
             (3, "amount", "99999999999999.9999 is too large an amount: CLF amounts have at "
                           "most 13 digits before the point"),
             (4, "amount", "-100000000000000.000 is too large an amount: KWD amounts have at "
                           "most 14 digits before the point"),
             (5, "amount", "1000000000000000.00 is too large an amount: USD amounts have at "
                           "most 15 digits before the point"),
             (6, "amount", "100000000000000000 is too large an amount: JPY amounts have at "
                           "most 17 digits before the point")])


def test_the_largest_amounts_are_stored_exactly(company, tmp_path):
    engine, url = company
    imported(url, tmp_path / "deals.csv", "deals",
             "id,date,owner_id,amount,currency\n"
             "D-20,2026-04-01,rep-1,9999999999999.9999,CLF\n"
             "D-21,2026-04-01,rep-1,-99999999999999.999,KWD\n"
             "D-22,2026-04-01,rep-1,000999999999999999.99,USD\n"
             "D-23,2026-04-01,rep-1,99999999999999999,JPY\n", 4)
    with engine.connect() as connection:
        amounts = dict(connection.execute(
            select(deals.c.id, deals.c.amount)
            .where(deals.c.id.in_(["D-20", "D-21", "D-22", "D-23"]))).all())
    assert amounts == {"D-20": 99_999_999_999_999_999, "D-21": -99_999_999_999_999_999,
                       "D-22": 99_999_999_999_999_999, "D-23": 99_999_999_999_999_999}


def test_a_clf_target_incentive_and_quota_too_large_are_refused(company, tmp_path):
    """The same limit holds for the quotas and target incentives of a plan in CLF."""
    engine, url = company
    plan = tmp_path / "clf-ae.yaml"
    plan.write_text(PLAN.replace("plan: test-ae", "plan: clf-ae").replace("USD", "CLF"))
    assert icm("plans", "add", plan, "--db", url).exit_code == 0
    refused(engine, url, tmp_path / "assignments.csv", "assignments",
            "payee_id,plan,effective_from,target_incentive\n"
            "rep-3,clf-ae,2026-01-01,999999999999999.9999\n",
            [(2, "target_incentive", "999999999999999.9999 is too large an amount: CLF "
                                     "amounts have at most 13 digits before the point")])
    imported(url, tmp_path / "assignments-2.csv", "assignments",
             "payee_id,plan,effective_from,target_incentive\n"
             "rep-3,clf-ae,2026-01-01,9999999999999.9999\n", 1)
    refused(engine, url, tmp_path / "quotas.csv", "quotas",
            "payee_id,measure,period,amount\nrep-3,bookings,2026,999999999999999.9999\n",
            [(2, "amount", "999999999999999.9999 is too large an amount: CLF amounts have "
                           "at most 13 digits before the point")])
    imported(url, tmp_path / "quotas-2.csv", "quotas",
             "payee_id,measure,period,amount\nrep-3,bookings,2026,9999999999999.9999\n", 1)
    with engine.connect() as connection:
        assert connection.scalar(select(assignments.c.target_incentive).where(
            assignments.c.payee_id == "rep-3")) == 99_999_999_999_999_999
        assert connection.scalar(select(quotas.c.amount).where(
            quotas.c.payee_id == "rep-3")) == 99_999_999_999_999_999


# -- ASCII digits only ---------------------------------------------------------------------

OTHER_DIGITS = {
    "deals": (
        "id,date,owner_id,amount,currency,status,cancel_date\n"
        "D-40,2026-04-01,rep-1,١٠٠,USD,,\n"                       # 2 Arabic-Indic 100
        "D-41,2026-04-01,rep-1,１０００.００,USD,,\n"               # 3 full-width 1000.00
        "D-42,2026-04-01,rep-1,10²,USD,,\n"                       # 4 superscript two
        "D-43,２０２６-04-01,rep-1,100.00,USD,,\n"                  # 5 full-width year
        "D-44,2026-04-01,rep-1,100.00,USD,cancelled,2026-05-٠١\n",  # 6 Arabic-Indic day
        [(2, "amount", "'١٠٠' is not an amount: write digits with an optional '.', such as "
                       "12500.00"),
         (3, "amount", "'１０００.００' is not an amount: write digits with an optional '.', "
                       "such as 12500.00"),
         (4, "amount", "'10²' is not an amount: write digits with an optional '.', such as "
                       "12500.00"),
         (5, "date", "'２０２６-04-01' is not a date: write YYYY-MM-DD"),
         (6, "cancel_date", "'2026-05-٠١' is not a date: write YYYY-MM-DD")]),
    "credits": (
        "deal_id,payee_id,share\nD-2,rep-1,٦٠%\nD-2,rep-2,０.４\n",
        [(2, "share", "'٦٠%' is not a share: write 60% or 0.6"),
         (3, "share", "'０.４' is not a share: write 60% or 0.6")]),
    "quotas": (
        "payee_id,measure,period,amount\n"
        "rep-1,bookings,2026-Q2,１０００\n"
        "rep-1,bookings,٢٠٢٦-Q3,100.00\n",
        [(2, "amount", "'１０００' is not an amount: write digits with an optional '.', such "
                       "as 12500.00"),
         (3, "period", "'٢٠٢٦-Q3' is not a period: write its digits as 0-9")]),
    "fx": (
        "date,from,to,rate\n2026-01-01,GBP,USD,١.٠٨\n2026-0２-01,CHF,USD,1.1\n",
        [(2, "rate", "'١.٠٨' is not a positive decimal rate"),
         (3, "date", "'2026-0２-01' is not a date: write YYYY-MM-DD")]),
    "assignments": (
        "payee_id,plan,effective_from,target_incentive\n"
        "rep-3,enterprise-ae,2026-01-01,٥٠٠٠٠\n"
        "rep-3,enterprise-ae,٢٠٢٦-07-01,50000\n",
        [(2, "target_incentive", "'٥٠٠٠٠' is not an amount: write digits with an optional "
                                 "'.', such as 12500.00"),
         (3, "effective_from", "'٢٠٢٦-07-01' is not a date: write YYYY-MM-DD")]),
    "payees": (
        "id,name,hire_date\nrep-4,Rita,２０２５-01-15\n",
        [(2, "hire_date", "'２０２５-01-15' is not a date: write YYYY-MM-DD")]),
}


@pytest.mark.parametrize("kind", OTHER_DIGITS)
def test_digits_of_other_scripts_are_not_numbers(company, tmp_path, kind):
    engine, url = company
    text, expected = OTHER_DIGITS[kind]
    refused(engine, url, tmp_path / f"{kind}.csv", kind, text, expected)


def test_shares_with_leading_zeros_are_read_as_written(company, tmp_path):
    """0060% is 60%: the leading zeros were counted as digits of a share over 100%."""
    engine, url = company
    imported(url, tmp_path / "credits.csv", "credits",
             "deal_id,payee_id,share\nD-2,rep-1,0060%\nD-2,rep-2,000.4\n", 2)
    with engine.connect() as connection:
        shares = connection.execute(select(credits.c.payee_id, credits.c.share_e9)
                                    .where(credits.c.deal_id == "D-2")
                                    .order_by(credits.c.seq)).all()
    assert [tuple(row) for row in shares] == [("rep-1", 600_000_000), ("rep-2", 400_000_000)]


# -- quota periods -------------------------------------------------------------------------


def test_a_quota_period_that_is_not_a_period_is_a_row_error(company, tmp_path):
    """`0000` was a traceback from the calendar; ` 2026` was stored as another name."""
    engine, url = company
    refused(engine, url, tmp_path / "quotas.csv", "quotas",
            "payee_id,measure,period,amount\n"
            "rep-1,bookings,0000,100.00\n"
            "rep-1,bookings,٢٠٢٦,100.00\n"
            "rep-1,bookings, 2026,100.00\n"
            "rep-1,bookings,9999-Q1,100.00\n"
            "rep-1,bookings,1899-12,100.00\n",
            [(2, "period", "'0000' is not a period: the year must be from 1900 to 9997"),
             (3, "period", "'٢٠٢٦' is not a period: write its digits as 0-9"),
             (4, "period", "' 2026' is not a period: remove the spaces around it"),
             (5, "period", "'9999-Q1' is not a period: the year must be from 1900 to 9997"),
             (6, "period", "'1899-12' is not a period: the year must be from 1900 to 9997")])
