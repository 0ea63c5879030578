"""`icm import` and `icm plans add` as a user runs them, with every number worked out by hand.

Every test runs on SQLite, and on PostgreSQL too when ``ICM_TEST_POSTGRES_URL`` is set (the
``ledger_url`` and ``ledger`` fixtures of conftest.py). What is checked:

* a file with bad rows is refused whole: every bad row reported as ``FILE:ROW: column:
  message`` (the header is row 1), exit 1, and the ledger byte for byte as it was;
* a good file of each kind stores exactly the values worked out below;
* re-importing changes nothing, and a changed row is replaced with its old value audited;
* the same files give the same ledger on SQLite and PostgreSQL;
* `icm plans add` is idempotent and registers nothing when one plan has an error.
"""
from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import ledger.database
from cli import main
from ledger.database import open_ledger
from ledger.importing import import_csv
from ledger.kinds import SPECS
from ledger.plans import register_plans
from ledger.schema import (assignments, audit_log, credits, deals, fx_rates, imports, metadata,
                           payees, plan_versions, quotas)
from rules_dsl import load_plan
from tests.paths import PLANS

D = datetime.date
KINDS = tuple(SPECS)  # payees, assignments, quotas, deals, credits, fx, payments, metrics
TABLE_OF = {"payees": "payees", "assignments": "assignments", "quotas": "quotas",
            "deals": "deals", "credits": "credits", "fx": "fx_rates", "payments": "payments",
            "metrics": "metrics"}
PLAN_FILES = ("enterprise-ae.yaml", "emea-account-executive.yaml",
              "sales-manager-override.yaml")


# -- helpers -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _dispose_cli_engines(monkeypatch):
    """Each CLI command opens its own engine; dispose them so PostgreSQL connections don't
    pile up (and can't hold a lock on the next test's DROP SCHEMA)."""
    real, opened = ledger.database.open_ledger, []

    def tracking(*args, **kwargs):
        engine = real(*args, **kwargs)
        opened.append(engine)
        return engine

    monkeypatch.setattr(ledger.database, "open_ledger", tracking)
    yield
    for engine in opened:
        engine.dispose()


def icm(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(engine, table_name):
    table = metadata.tables[table_name]
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def counts(engine):
    return {table.name: count(engine, table.name) for table in metadata.sorted_tables}


_AUTOINCREMENT = {"imports", "audit_log", "calculation_runs", "result_lines", "adjustments"}
_CLOCKS = {"at", "registered_at", "created_at"}


def dump(engine) -> dict[str, list[dict]]:
    """Every table as plain values, without clocks and autoincrement ids. An ``import_id`` is
    replaced by the ordinal of its import, so two ledgers built alike dump alike."""
    with engine.connect() as connection:
        ordinal = {import_id: n for n, import_id in enumerate(
            connection.scalars(select(imports.c.id).order_by(imports.c.id)), 1)}
        out = {}
        for table in metadata.sorted_tables:
            auto = table.name in _AUTOINCREMENT
            columns = [c for c in table.columns
                       if c.name not in _CLOCKS and not (auto and c.name == "id")]
            order = [table.c.id] if auto else list(table.primary_key.columns)
            rows = []
            for row in connection.execute(select(*columns).order_by(*order)):
                record = {}
                for column, value in zip(columns, row):
                    if column.name == "import_id" and value is not None:
                        value = ("import", ordinal[value])
                    if isinstance(value, (datetime.date, datetime.datetime)):
                        value = value.isoformat()
                    record[column.name] = value
                rows.append(record)
            out[table.name] = rows
    return out


def register(engine, *names):
    plans = []
    for name in names:
        plan, errors = load_plan(PLANS / name)
        assert errors == []
        plans.append(plan)
    register_plans(engine, plans)


def reported(result, path):
    """The `FILE:ROW: column: message` lines of a refused import."""
    return [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]


def audit(engine, table_name):
    with engine.connect() as connection:
        return [(key, action, _loads(old), _loads(new)) for key, action, old, new in
                connection.execute(select(audit_log.c.row_key, audit_log.c.action,
                                          audit_log.c.old, audit_log.c.new)
                                   .where(audit_log.c.table_name == table_name)
                                   .order_by(audit_log.c.id))]


def _loads(text):
    return None if text is None else json.loads(text)


# -- a small company already in the ledger, for the bad files to be checked against ------

BASELINE = {
    "payees": "id,name,manager_id\nmgr,Maria,\nrep-1,Ravi,mgr\nrep-2,Rosa,mgr\nrep-3,Raj,mgr\n",
    "assignments": "payee_id,plan,effective_from,target_incentive\n"
                   "mgr,sales-manager-override,2026-01-01,30000.00\n"
                   "rep-1,enterprise-ae,2026-01-01,60000.00\n"
                   "rep-2,emea-account-executive,2026-02-01,50000.00\n",
    "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,200000.00\n",
    "deals": "id,date,owner_id,amount,currency,type\n"
             "D-1,2026-02-03,rep-1,40000.00,USD,new\n"
             "D-2,2026-02-10,rep-2,25000.00,EUR,new\n"
             "D-3,2026-03-01,rep-1,1500,JPY,new\n",
    "credits": "deal_id,payee_id,share\nD-1,rep-1,100%\n",
    "fx": "date,from,to,rate\n2026-01-01,EUR,USD,1.08\n",
    "payments": "deal_id,date,amount\nD-1,2026-02-20,10000.00\n",
    "metrics": "metric,period,value,currency\nrevenue,2026-Q1,1000000.00,USD\n",
}


@pytest.fixture
def company(ledger, ledger_url, tmp_path):
    """Three plans, four payees (mgr over rep-1..3; rep-3 has no plan), three deals."""
    register(ledger, *PLAN_FILES)
    base = tmp_path / "baseline"
    base.mkdir()
    for kind in KINDS:
        import_csv(ledger, kind, write(base, f"{kind}.csv", BASELINE[kind]), progress=False)
    return ledger, ledger_url


# -- 1. bad rows: every one reported, nothing written -------------------------------------

BAD = {
    "payees": (
        "id,name,manager_id,currency,hire_date,termination_date,effective_from\n"
        "rep-4,Rita,mgr,USD,2026-01-15,,\n"            # 2 good
        "rep-5,,mgr,,,,\n"                              # 3 no name
        "rep-6,Remy,mgr,,2026-02-30,,\n"               # 4 no such day
        "rep-7,Rob,ghost,,,,\n"                         # 5 unknown manager
        "rep-8,Ray,mgr,usd,,,\n"                        # 6 currency in lower case
        "rep-4,Rita Again,mgr,,,,\n"                    # 7 same (id, effective_from) as row 2
        "rep-9,Rae,mgr,,2026-03-01,2026-02-01,\n"      # 8 terminated before hired
        "mgr,Maria,rep-1,,,,2026-06-01\n",             # 9 from June mgr reports to rep-1: loop
        [(3, "name", "a value is required"),
         (4, "hire_date", "'2026-02-30' is not a date: write YYYY-MM-DD"),
         (5, "manager_id", "unknown payee 'ghost'"),
         (6, "currency", "'usd' is not an ISO 4217 currency code such as USD"),
         (7, "id", "repeats the key (rep-4, 1900-01-01) of row 2"),
         (8, "termination_date", "the termination date is before the hire date"),
         (9, "manager_id", "the manager chain loops on 2026-06-01: mgr -> rep-1 -> mgr")]),
    "assignments": (
        "payee_id,plan,effective_from,effective_to,target_incentive,base_rate\n"
        "rep-1,enterprise-ae,2026-04-01,,65000.00,\n"             # 2 good
        "ghost,enterprise-ae,2026-01-01,,,\n"                     # 3 unknown payee
        "rep-3,no-such-plan,2026-01-01,,,\n"                      # 4 unknown plan
        "rep-1,enterprise-ae,2026-07-01,2026-06-30,,\n"           # 5 ends before it starts
        "rep-3,enterprise-ae,2026-01-01,,100.001,\n"              # 6 a tenth of a cent
        "rep-2,emea-account-executive,01/02/2026,,,0.07\n"        # 7 not ISO
        "rep-1,enterprise-ae,2026-04-01,,70000.00,\n"             # 8 same key as row 2
        "mgr,emea-account-executive,2026-02-01,,,\n"              # 9 EUR/Feb beside USD/Jan
        "rep-3,enterprise-ae,2026-03-01,,-5.00,\n",               # 10 negative target
        [(3, "payee_id", "unknown payee 'ghost'"),
         (4, "plan", "unknown plan 'no-such-plan': register it first with `icm plans add`"),
         (5, "effective_to", "effective_to is before effective_from"),
         (6, "target_incentive", "100.001 has more decimals than USD's 2"),
         (7, "effective_from", "'01/02/2026' is not a date: write YYYY-MM-DD"),
         (8, "payee_id", "repeats the key (rep-1, enterprise-ae, 2026-04-01) of row 2"),
         (9, "plan", "plan 'emea-account-executive' differs from 'sales-manager-override', "
                     "also assigned to mgr, in currency, fiscal_year_start: all the plans of "
                     "one payee must agree on these"),
         (10, "target_incentive", "-5.00 is negative; it must be 0 or more")]),
    "quotas": (
        "payee_id,measure,period,amount\n"
        "rep-2,new_business,2027-Q1,1_000.50\n"      # 2 good
        "ghost,bookings,2026,100.00\n"               # 3 unknown payee
        "rep-3,bookings,2026,100.00\n"               # 4 payee without a plan
        "rep-1,bookings,2026-Q5,100.00\n"            # 5 no fifth quarter
        "rep-1,bookings,2026-Q2,-1.00\n"             # 6 negative quota
        "rep-1,revenue,2026-Q3,100.00\n"             # 7 not a measure of enterprise-ae
        "rep-2,new_business,2027-Q2,10.005\n"        # 8 a tenth of a cent
        "rep-1,bookings,2026-02,100.00\n",           # 9 February is inside the ledger's Q1
        [(3, "payee_id", "unknown payee 'ghost'"),
         (4, "payee_id", "the payee has no assignment yet: import assignments first, so the "
                         "quota's currency and fiscal year are known"),
         (5, "period", "'2026-Q5' is not a period: write 2026, 2026-H1, 2026-Q1 or 2026-03"),
         (6, "amount", "-1.00 is negative; it must be 0 or more"),
         (7, "measure", "no plan of rep-1 has a measure 'revenue' (bookings)"),
         (8, "amount", "10.005 has more decimals than EUR's 2"),
         (9, "period", "2026-02 overlaps 2026-Q1 for this payee and measure")]),
    "deals": (
        "id,date,owner_id,amount,currency,type,status,cancel_date,region\n"
        "D-10,2026-03-31,rep-1,12500.00,USD,new,,,EMEA\n"            # 2 good
        "D-11,2026-04-31,rep-1,100.00,USD,new,,,\n"                  # 3 April has 30 days
        "D-12,2026-04-01,ghost,100.00,USD,new,,,\n"                  # 4 unknown owner
        "D-13,2026-04-01,rep-1,1500.5,JPY,new,,,\n"                  # 5 yen have no decimals
        "D-14,2026-04-01,rep-1,100.00,XYZ,new,,,\n"                  # 6 unknown currency
        "D-15,2026-04-01,rep-1,100.00,USD,new,cancelled,,\n"         # 7 cancelled, no date
        "D-10,2026-04-01,rep-1,100.00,USD,new,,,\n"                  # 8 same id as row 2
        "D-16,2026-04-01,rep-1,\"12,500.00\",USD,new,,,\n"           # 9 thousands separator
        "D-17,2026-04-01,rep-1,100.00,USD,new,won,,\n"               # 10 unknown status
        "D-18,2026-04-01,rep-1,100.00,USD,new,cancelled,2026-03-01,\n"  # 11 cancelled first
        "D-19,2026-04-01,rep-1,,USD,new,,,\n",                       # 12 no amount
        [(3, "date", "'2026-04-31' is not a date: write YYYY-MM-DD"),
         (4, "owner_id", "unknown payee 'ghost'"),
         (5, "amount", "1500.5 has more decimals than JPY's 0"),
         (6, "currency", "'XYZ' is not an ISO 4217 currency code such as USD"),
         (7, "cancel_date", "a cancelled deal needs its cancel_date"),
         (8, "id", "repeats the key (D-10) of row 2"),
         (9, "amount", "'12,500.00' is not an amount: write digits with an optional '.', "
                       "such as 12500.00"),
         (10, "status", "'won' is not one of booked, cancelled"),
         (11, "cancel_date", "the deal is cancelled before its date"),
         (12, "amount", "an amount is required")]),
    "credits": (
        "deal_id,payee_id,share,role,overlay\n"
        "D-1,rep-1,60%,lead,\n"          # 2 good
        "D-1,rep-2,0.4,overlay,false\n"  # 3 good: 60% + 40%
        "D-2,rep-1,60%,,\n"              # 4 D-2: 60% + 30% is 90%
        "D-2,rep-2,30%,,\n"              # 5
        "D-2,mgr,10%,,true\n"            # 6 an overlay row is not part of the 100%
        "D-404,rep-1,100%,,\n"           # 7 unknown deal
        "D-3,ghost,100%,,\n"             # 8 unknown payee
        "D-3,rep-1,0%,,\n"               # 9 a zero share (D-3 still adds up to 100%)
        ",rep-2,100%,,\n"                # 10 no deal
        "D-1,mgr,100%,,true\n"           # 11 good: an overlay row beside D-1's 100%
        "D-3,mgr,40%,,yes\n",            # 12 overlay is true or false
        [(4, "share", "the shares of deal D-2 add up to 90%; they must add up to 100% "
                      "(overlay rows aside)"),
         (7, "deal_id", "unknown deal 'D-404': import the deal first"),
         (8, "payee_id", "unknown payee 'ghost'"),
         (9, "share", "a share must be more than 0%"),
         (10, "deal_id", "a value is required"),
         (12, "overlay", "'yes' is not one of true, false")]),
    "fx": (
        "date,from,to,rate\n"
        "2026-01-01,JPY,USD,0.0067\n"   # 2 good
        "2026-01-01,CHF,USD,0\n"        # 3 zero rate
        "2026-01-01,GBP,USD,-1.25\n"    # 4 negative rate
        "2026-01-01,ABC,USD,1.1\n"      # 5 unknown currency
        "2026-13-01,CAD,USD,1.3\n"      # 6 month 13
        "2026-01-01,EUR,EUR,1\n"        # 7 a currency to itself
        "2026-01-01,JPY,USD,0.0068\n"   # 8 same (date, from, to) as row 2
        "2026-02-01,SEK,USD,\n",        # 9 no rate
        [(3, "rate", "a rate must be more than 0"),
         (4, "rate", "'-1.25' is not a positive decimal rate"),
         (5, "from", "'ABC' is not an ISO 4217 currency code such as USD"),
         (6, "date", "'2026-13-01' is not a date: write YYYY-MM-DD"),
         (7, "to", "a rate converts between two different currencies"),
         (8, "date", "repeats the key (2026-01-01, JPY, USD) of row 2"),
         (9, "rate", "'' is not a positive decimal rate")]),
    "payments": (
        "deal_id,date,amount,currency\n"
        "D-1,2026-03-01,5000.00,\n"      # 2 good
        "D-404,2026-03-01,10.00,\n"      # 3 unknown deal
        "D-1,2026-13-01,10.00,\n"        # 4 month 13
        "D-1,2026-03-05,10.001,\n"       # 5 more decimals than USD has
        "D-2,2026-03-05,10.00,USD\n"     # 6 D-2 is in EUR
        "D-1,2026-03-01,7.00,\n",        # 7 same (deal, date) as row 2
        [(3, "deal_id", "unknown deal 'D-404': import the deal first"),
         (4, "date", "'2026-13-01' is not a date: write YYYY-MM-DD"),
         (5, "amount", "10.001 has more decimals than USD's 2"),
         (6, "currency", "a payment is in its deal's currency, EUR: convert it, or leave "
                         "currency blank"),
         (7, "date", "repeats the key (D-1, 2026-03-01) of row 2")]),
    "metrics": (
        "metric,period,value,currency\n"
        "revenue,2026-Q2,1_250_000.50,USD\n"  # 2 good
        "Revenue,2026-Q3,1.00,USD\n"          # 3 metric.Revenue cannot be written
        "ebitda,2026-Q5,1.00,\n"              # 4 no fifth quarter
        "revenue,2026-Q3,10.005,USD\n"        # 5 a tenth of a cent
        "nps,2026-03,forty,\n"                # 6 not a number
        "ebitda,2026-Q1,,\n"                  # 7 no value
        "revenue,2026-Q2,1.00,usd\n",         # 8 currency in lower case, and row 2's key
        [(3, "metric", "'Revenue' is not a metric name: lowercase letters, digits and '_', "
                       "not starting with a digit, as `metric.NAME` spells it"),
         (4, "period", "'2026-Q5' is not a period: write 2026, 2026-H1, 2026-Q1 or 2026-03"),
         (5, "value", "10.005 has more decimals than USD's 2"),
         (6, "value", "'forty' is not a number: write digits with an optional '.', such as "
                      "1250000.50"),
         (7, "value", "a value is required"),
         (8, "currency", "'usd' is not an ISO 4217 currency code such as USD"),
         (8, "period", "repeats the key (revenue, 2026-Q2) of row 2")]),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_with_bad_rows_is_refused_whole_and_every_bad_row_is_reported(
        company, tmp_path, kind):
    engine, url = company
    text, expected = BAD[kind]
    assert len({column for _, column, _ in expected}) >= 3  # at least three kinds of mistake
    path = write(tmp_path, f"bad-{kind}.csv", text)
    before, before_counts = dump(engine), counts(engine)

    result = icm("import", kind, path, "--db", url)

    assert result.exit_code == 1, result.output
    lines = reported(result, path)
    assert sorted(lines) == sorted(f"{path}:{row}: {column}: {message}"
                                   for row, column, message in expected)
    assert result.stderr.splitlines()[-1] == \
        f"Error: {len(expected)} problem(s) in {path}: nothing was imported"
    assert result.stdout == ""
    # nothing written: not the kind's table, not the audit log, not the imports
    after_counts = counts(engine)
    for table in (TABLE_OF[kind], "audit_log", "imports"):
        assert after_counts[table] == before_counts[table], table
    assert dump(engine) == before


def test_the_good_rows_of_the_bad_files_are_good(company, tmp_path):
    """The rows the bad files call good import on their own, so the refusals above are the
    bad rows' doing."""
    engine, url = company
    for kind in KINDS:
        good = 2 if kind == "credits" else 1  # D-1's two credit rows go together
        lines = BAD[kind][0].splitlines()[:1 + good]
        path = write(tmp_path, f"good-{kind}.csv", "\n".join(lines) + "\n")
        result = icm("import", kind, path, "--db", url)
        assert result.exit_code == 0, result.output
        assert f": {good} {kind} rows: " in result.stdout


def test_a_missing_required_column_is_reported_on_the_header_row(company, tmp_path):
    engine, url = company
    path = write(tmp_path, "deals.csv", "id,date,owner_id,currency\nD-9,2026-03-01,rep-1,USD\n")
    before = dump(engine)
    result = icm("import", "deals", path, "--db", url)
    assert result.exit_code == 1
    assert reported(result, path) == [f"{path}:1: amount: a required column is missing"]
    assert dump(engine) == before


@pytest.mark.parametrize("period", ["2026-01", "2026"])
def test_a_quota_overlapping_a_ledger_quota_that_starts_the_same_day_is_refused(
        company, tmp_path, period):
    """The ledger holds rep-1's 2026-Q1 bookings quota (2026-01-01..2026-03-31). January
    (2026-01-01..01-31) and the year 2026 (2026-01-01..12-31) both overlap it, exactly as
    February does (which the bad quotas file shows is refused)."""
    engine, url = company
    path = write(tmp_path, "quotas.csv",
                 f"payee_id,measure,period,amount\nrep-1,bookings,{period},100.00\n")
    before = dump(engine)
    result = icm("import", "quotas", path, "--db", url)
    assert result.exit_code == 1, result.output
    lines = reported(result, path)
    assert len(lines) == 1 and lines[0].startswith(f"{path}:2: period: ")
    assert "overlaps" in lines[0]
    assert dump(engine) == before


# -- 2. good files: the exact stored values -----------------------------------------------

GOOD = {
    "payees": (
        "id,name,email,role,manager_id,currency,hire_date,termination_date,effective_from,"
        "segment\n"
        "mgr,Maria Lopez,maria@example.com,manager,,USD,2024-05-01,,,enterprise\n"
        "rep-1,Ravi,,ae,mgr,,2025-01-15,,,\n"
        "rep-2,Rosa,,ae,mgr,EUR,,,2026-02-01,EMEA\n"
        "rep-2,Rosa,,ae,rep-1,EUR,,2026-12-31,2026-07-01,EMEA\n"),
    "assignments": (
        "payee_id,plan,effective_from,effective_to,target_incentive,base_rate,mbo_score\n"
        "mgr,sales-manager-override,2026-01-01,,30000,,\n"
        "rep-1,enterprise-ae,2026-01-01,2026-12-31,60000.00,,\n"
        "rep-2,emea-account-executive,2026-02-01,,1_000.5,0.07,0.8\n"),
    "quotas": (
        "payee_id,measure,period,amount\n"
        "rep-1,bookings,2026,800000.00\n"
        "mgr,bookings,2026-H2,1_500_000\n"
        "rep-2,new_business,2027-Q1,250000.5\n"
        "rep-2,new_business,2026-05,10\n"
        "rep-2,new_business,2027-H2,0\n"),
    "deals": (
        "id,date,owner_id,amount,currency,type,product,status,cancel_date,region\n"
        "D-1,2026-02-03,rep-1,12500.00,USD,new,platform,,,EMEA\n"
        "D-2,2026-02-28,rep-2,1_000.5,EUR,renewal,,booked,,\n"
        "D-3,2026-03-01,rep-1,1500,JPY,expansion,,cancelled,2026-04-15,APAC\n"
        "D-4,2026-03-02,rep-1,-300.5,USD,new,,,,\n"
        "D-5,2026-03-03,rep-1,0.125,KWD,new,,,,\n"),
    "credits": (
        "deal_id,payee_id,share,role,note\n"
        "D-1,rep-1,60%,lead,\n"
        "D-1,rep-2,0.4,overlay,split\n"
        "D-3,rep-1,12.5%,,\n"
        "D-3,rep-2,87.5%,,\n"
        "D-4,rep-1,0.333333333,,\n"
        "D-4,mgr,0.333333333,,\n"
        "D-4,rep-2,0.333333334,,\n"),
    "fx": (
        "date,from,to,rate\n"
        "2026-01-01,EUR,USD,1.0825\n"
        "2026-01-01,JPY,USD,0.0067\n"
        "2026-03-01,USD,JPY,149.50\n"
        "2026-01-01,KWD,USD,3_25.5\n"),
    "payments": (
        "deal_id,date,amount,currency\n"
        "D-1,2026-02-20,4000.00,\n"
        "D-2,2026-03-10,500.5,EUR\n"),
    "metrics": (
        "metric,period,value,currency\n"
        "revenue,2026-Q1,1_250_000.50,USD\n"
        "revenue,2026-Q2,-3.5,USD\n"
        "nps,2026,42.125,\n"),
}
GOOD_ROWS = {"payees": 4, "assignments": 3, "quotas": 5, "deals": 5, "credits": 7, "fx": 4,
             "payments": 2, "metrics": 3}


def import_good(url, tmp_path, kinds=KINDS):
    paths = {}
    for kind in kinds:
        paths[kind] = path = write(tmp_path, f"{kind}.csv", GOOD[kind])
        result = icm("import", kind, path, "--db", url)
        assert result.exit_code == 0, result.output
        n = GOOD_ROWS[kind]
        assert result.stdout == f"{path}: {n} {kind} rows: {n} new, 0 replaced, 0 unchanged\n"
    return paths


@pytest.fixture
def imported(ledger, ledger_url, tmp_path):
    register(ledger, *PLAN_FILES)
    return ledger, ledger_url, import_good(ledger_url, tmp_path)


def test_payees_are_stored_exactly(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            payees.c.id, payees.c.effective_from, payees.c.name, payees.c.email, payees.c.role,
            payees.c.manager_id, payees.c.currency, payees.c.hire_date,
            payees.c.termination_date, payees.c.extra
        ).order_by(payees.c.id, payees.c.effective_from)).all()
    assert [tuple(row[:-1]) for row in rows] == [
        # no effective_from: the row holds from the beginning (1900-01-01)
        ("mgr", D(1900, 1, 1), "Maria Lopez", "maria@example.com", "manager", None, "USD",
         D(2024, 5, 1), None),
        ("rep-1", D(1900, 1, 1), "Ravi", None, "ae", "mgr", None, D(2025, 1, 15), None),
        ("rep-2", D(2026, 2, 1), "Rosa", None, "ae", "mgr", "EUR", None, None),
        ("rep-2", D(2026, 7, 1), "Rosa", None, "ae", "rep-1", "EUR", None, D(2026, 12, 31)),
    ]
    # the extra column `segment`, blank values left out
    assert [json.loads(row[-1]) for row in rows] == [
        {"segment": "enterprise"}, {}, {"segment": "EMEA"}, {"segment": "EMEA"}]


def test_assignments_are_stored_exactly(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            assignments.c.payee_id, assignments.c.plan_id, assignments.c.effective_from,
            assignments.c.effective_to, assignments.c.target_incentive, assignments.c.currency,
            assignments.c.params).order_by(assignments.c.payee_id)).all()
    assert [tuple(row[:-1]) for row in rows] == [
        # 30000 USD: 3,000,000 cents
        ("mgr", "sales-manager-override", D(2026, 1, 1), None, 3_000_000, "USD"),
        # 60000.00 USD: 6,000,000 cents
        ("rep-1", "enterprise-ae", D(2026, 1, 1), D(2026, 12, 31), 6_000_000, "USD"),
        # 1_000.5 in the plan's EUR: 1000.50 EUR, 100,050 cents
        ("rep-2", "emea-account-executive", D(2026, 2, 1), None, 100_050, "EUR"),
    ]
    # the plan parameters, kept as text (no float on the way)
    assert [json.loads(row[-1]) for row in rows] == [
        {}, {}, {"base_rate": "0.07", "mbo_score": "0.8"}]


def test_quotas_are_stored_exactly_with_fiscal_periods(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            quotas.c.payee_id, quotas.c.measure, quotas.c.period, quotas.c.start, quotas.c.end,
            quotas.c.amount, quotas.c.currency
        ).order_by(quotas.c.payee_id, quotas.c.start)).all()
    assert [tuple(row) for row in rows] == [
        # sales-manager-override: calendar fiscal year; H2 is July to December
        ("mgr", "bookings", "2026-H2", D(2026, 7, 1), D(2026, 12, 31), 150_000_000, "USD"),
        ("rep-1", "bookings", "2026", D(2026, 1, 1), D(2026, 12, 31), 80_000_000, "USD"),
        # emea-account-executive, fiscal_year_start 02-01: FY2027 starts 2026-02-01, so
        # 2027-Q1 is February to April 2026; 250000.5 EUR is 25,000,050 cents
        ("rep-2", "new_business", "2027-Q1", D(2026, 2, 1), D(2026, 4, 30), 25_000_050, "EUR"),
        # months keep their calendar names
        ("rep-2", "new_business", "2026-05", D(2026, 5, 1), D(2026, 5, 31), 1_000, "EUR"),
        # 2027-H2: August 2026 to January 2027; a zero quota is allowed
        ("rep-2", "new_business", "2027-H2", D(2026, 8, 1), D(2027, 1, 31), 0, "EUR"),
    ]


def test_deals_are_stored_exactly_in_minor_units_of_their_currency(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            deals.c.id, deals.c.version, deals.c.current, deals.c.date, deals.c.owner_id,
            deals.c.amount, deals.c.currency, deals.c.type, deals.c.product, deals.c.status,
            deals.c.cancel_date, deals.c.extra, deals.c.import_id).order_by(deals.c.id)).all()
        deals_import = connection.scalar(select(imports.c.id).where(imports.c.kind == "deals"))
    assert [tuple(row[:-2]) for row in rows] == [
        ("D-1", 1, True, D(2026, 2, 3), "rep-1", 1_250_000, "USD", "new", "platform",
         "booked", None),                                  # 12500.00 USD
        ("D-2", 1, True, D(2026, 2, 28), "rep-2", 100_050, "EUR", "renewal", None,
         "booked", None),                                  # 1_000.5 EUR
        ("D-3", 1, True, D(2026, 3, 1), "rep-1", 1_500, "JPY", "expansion", None,
         "cancelled", D(2026, 4, 15)),                     # yen have no minor unit
        ("D-4", 1, True, D(2026, 3, 2), "rep-1", -30_050, "USD", "new", None,
         "booked", None),                                  # a credit memo of -300.50
        ("D-5", 1, True, D(2026, 3, 3), "rep-1", 125, "KWD", "new", None,
         "booked", None),                                  # dinars have three decimals
    ]
    assert [json.loads(row[-2]) for row in rows] == [
        {"region": "EMEA"}, {}, {"region": "APAC"}, {}, {}]
    assert {row[-1] for row in rows} == {deals_import}
    # new deals carry their import id instead of an audit entry each
    assert audit(engine, "deals") == []


def test_credits_are_stored_exactly_in_billionths(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            credits.c.deal_id, credits.c.seq, credits.c.payee_id, credits.c.share_e9,
            credits.c.role, credits.c.extra).order_by(credits.c.deal_id, credits.c.seq)).all()
    assert [tuple(row[:-1]) for row in rows] == [
        ("D-1", 1, "rep-1", 600_000_000, "lead"),       # 60%
        ("D-1", 2, "rep-2", 400_000_000, "overlay"),    # 0.4
        ("D-3", 1, "rep-1", 125_000_000, None),         # 12.5%
        ("D-3", 2, "rep-2", 875_000_000, None),         # 87.5%
        ("D-4", 1, "rep-1", 333_333_333, None),         # thirds, to the billionth
        ("D-4", 2, "mgr", 333_333_333, None),
        ("D-4", 3, "rep-2", 333_333_334, None),
    ]
    assert [json.loads(row[-1]) for row in rows] == [{}, {"note": "split"}, {}, {}, {}, {}, {}]


def test_fx_rates_are_stored_as_exact_text(imported):
    engine, _, _ = imported
    with engine.connect() as connection:
        rows = connection.execute(select(
            fx_rates.c.date, fx_rates.c.from_currency, fx_rates.c.to_currency, fx_rates.c.rate)
            .order_by(fx_rates.c.date, fx_rates.c.from_currency)).all()
    assert [tuple(row) for row in rows] == [
        (D(2026, 1, 1), "EUR", "USD", "1.0825"),
        (D(2026, 1, 1), "JPY", "USD", "0.0067"),
        (D(2026, 1, 1), "KWD", "USD", "325.5"),     # digit-group '_' dropped, nothing else
        (D(2026, 3, 1), "USD", "JPY", "149.50"),    # the trailing zero is kept
    ]


def test_each_import_is_recorded_once_with_the_files_hash(imported):
    engine, _, paths = imported
    with engine.connect() as connection:
        rows = connection.execute(select(imports.c.kind, imports.c.file, imports.c.sha256,
                                         imports.c.rows).order_by(imports.c.id)).all()
    assert [tuple(row) for row in rows] == [
        (kind, str(paths[kind]), hashlib.sha256(paths[kind].read_bytes()).hexdigest(),
         GOOD_ROWS[kind]) for kind in KINDS]
    # the small tables audit each insert; deals and credits carry their import id instead
    assert [len(audit(engine, TABLE_OF[kind])) for kind in KINDS] == [4, 3, 5, 0, 0, 4, 2, 3]
    assert audit(engine, "payees")[0] == ("mgr|1900-01-01", "insert", None, {
        "id": "mgr", "effective_from": "1900-01-01", "name": "Maria Lopez",
        "email": "maria@example.com", "role": "manager", "manager_id": None, "currency": "USD",
        "hire_date": "2024-05-01", "termination_date": None,
        "extra": '{"segment": "enterprise"}'})


# -- 3. re-imports --------------------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(imported):
    engine, url, paths = imported
    before, before_counts = dump(engine), counts(engine)
    for kind in KINDS:
        result = icm("import", kind, paths[kind], "--db", url)
        assert result.exit_code == 0, result.output
        n = GOOD_ROWS[kind]
        assert result.stdout == \
            f"{paths[kind]}: {n} {kind} rows: 0 new, 0 replaced, {n} unchanged\n"
    assert counts(engine) == before_counts
    assert dump(engine) == before


def test_a_changed_deal_gets_version_2_and_one_audited_replacement(imported, tmp_path):
    engine, url, _ = imported
    # D-1 from 12500.00 to 13000.00 USD; the other four deals as they were
    changed = GOOD["deals"].replace("D-1,2026-02-03,rep-1,12500.00,",
                                    "D-1,2026-02-03,rep-1,13000.00,")
    path = write(tmp_path, "deals-2.csv", changed)
    imports_before = count(engine, "imports")

    result = icm("import", "deals", path, "--db", url)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: 5 deals rows: 0 new, 1 replaced, 4 unchanged\n"
    with engine.connect() as connection:
        versions = connection.execute(select(deals.c.id, deals.c.version, deals.c.current,
                                             deals.c.amount)
                                      .order_by(deals.c.id, deals.c.version)).all()
    assert [tuple(row) for row in versions] == [
        ("D-1", 1, False, 1_250_000), ("D-1", 2, True, 1_300_000),
        ("D-2", 1, True, 100_050), ("D-3", 1, True, 1_500), ("D-4", 1, True, -30_050),
        ("D-5", 1, True, 125)]
    assert count(engine, "imports") == imports_before + 1
    entries = audit(engine, "deals")
    assert len(entries) == 1
    key, action, old, new = entries[0]
    assert (key, action) == ("D-1", "replace")
    same = {"date": "2026-02-03", "owner_id": "rep-1", "currency": "USD", "type": "new",
            "product": "platform", "status": "booked", "cancel_date": None,
            "extra": '{"region": "EMEA"}'}
    assert old == {**same, "amount": 1_250_000}
    assert new == {**same, "amount": 1_300_000}
    # the stored JSON has the amounts as integers of minor units, not floats
    assert isinstance(old["amount"], int) and isinstance(new["amount"], int)

    # and importing the changed file again changes nothing more
    before = dump(engine)
    result = icm("import", "deals", path, "--db", url)
    assert result.stdout == f"{path}: 5 deals rows: 0 new, 0 replaced, 5 unchanged\n"
    assert dump(engine) == before


def test_new_deals_beside_unchanged_ones_leave_the_unchanged_ones_alone(imported, tmp_path):
    """The everyday incremental feed: last week's deals again, plus one new deal. Only the
    new deal is written; the known, unchanged deals keep version 1 and get no audit entry."""
    engine, url, _ = imported
    path = write(tmp_path, "deals-more.csv",
                 GOOD["deals"] + "D-6,2026-03-20,rep-2,2500.00,USD,new,,,,\n")

    result = icm("import", "deals", path, "--db", url)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: 6 deals rows: 1 new, 0 replaced, 5 unchanged\n"
    with engine.connect() as connection:
        versions = connection.execute(select(deals.c.id, deals.c.version, deals.c.current)
                                      .order_by(deals.c.id, deals.c.version)).all()
    assert [tuple(row) for row in versions] == [
        (f"D-{n}", 1, True) for n in range(1, 7)]
    assert audit(engine, "deals") == []


def test_a_changed_payee_name_replaces_the_row_and_audits_the_old_one(imported, tmp_path):
    engine, url, _ = imported
    path = write(tmp_path, "payees-2.csv", GOOD["payees"].replace(
        "rep-1,Ravi,", "rep-1,Ravi Kumar,"))
    inserts = len(audit(engine, "payees"))

    result = icm("import", "payees", path, "--db", url)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: 4 payees rows: 0 new, 1 replaced, 3 unchanged\n"
    with engine.connect() as connection:
        names = connection.execute(select(payees.c.id, payees.c.effective_from, payees.c.name)
                                   .order_by(payees.c.id, payees.c.effective_from)).all()
    assert [tuple(row) for row in names] == [
        ("mgr", D(1900, 1, 1), "Maria Lopez"), ("rep-1", D(1900, 1, 1), "Ravi Kumar"),
        ("rep-2", D(2026, 2, 1), "Rosa"), ("rep-2", D(2026, 7, 1), "Rosa")]
    entries = audit(engine, "payees")
    assert len(entries) == inserts + 1
    key, action, old, new = entries[-1]
    same = {"id": "rep-1", "effective_from": "1900-01-01", "email": None, "role": "ae",
            "manager_id": "mgr", "currency": None, "hire_date": "2025-01-15",
            "termination_date": None, "extra": "{}"}
    assert (key, action) == ("rep-1|1900-01-01", "replace")
    assert old == {**same, "name": "Ravi"}
    assert new == {**same, "name": "Ravi Kumar"}


def test_a_credits_file_replaces_the_rows_of_its_deals_only(imported, tmp_path):
    engine, url, _ = imported
    # D-1 was 60% rep-1 / 40% rep-2; now it is all rep-2's. D-3 and D-4 are not in the file.
    path = write(tmp_path, "credits-2.csv", "deal_id,payee_id,share\nD-1,rep-2,100%\n")

    result = icm("import", "credits", path, "--db", url)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: 1 credits rows: 0 new, 1 replaced, 0 unchanged\n"
    with engine.connect() as connection:
        rows = connection.execute(select(credits.c.deal_id, credits.c.seq, credits.c.payee_id,
                                         credits.c.share_e9, credits.c.role)
                                  .order_by(credits.c.deal_id, credits.c.seq)).all()
    assert [tuple(row) for row in rows] == [
        ("D-1", 1, "rep-2", 1_000_000_000, None),
        ("D-3", 1, "rep-1", 125_000_000, None), ("D-3", 2, "rep-2", 875_000_000, None),
        ("D-4", 1, "rep-1", 333_333_333, None), ("D-4", 2, "mgr", 333_333_333, None),
        ("D-4", 3, "rep-2", 333_333_334, None)]
    entries = audit(engine, "credits")
    assert len(entries) == 1
    key, action, old, new = entries[0]
    assert (key, action) == ("D-1", "replace")
    assert [(r["seq"], r["payee_id"], r["share_e9"], r["role"]) for r in old["rows"]] == [
        (1, "rep-1", 600_000_000, "lead"), (2, "rep-2", 400_000_000, "overlay")]
    assert [(r["seq"], r["payee_id"], r["share_e9"], r["role"]) for r in new["rows"]] == [
        (1, "rep-2", 1_000_000_000, None)]


# -- 4. the same files, the same ledger on every backend -----------------------------------


def build_everything(url, tmp_path):
    """Plans, the eight good files, then a changed deal, payee, credit split, fx rate, quota,
    assignment and metric, and a refused
    file: the same commands, in the same order, for any ledger URL."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)
    result = icm("plans", "add", *(PLANS / name for name in PLAN_FILES), "--db", url)
    assert result.exit_code == 0, result.output
    steps = [(kind, f"{kind}.csv", GOOD[kind]) for kind in KINDS] + [
        ("deals", "deals-2.csv", GOOD["deals"].replace(",-300.5,", ",-310.25,")),
        ("payees", "payees-2.csv", GOOD["payees"].replace(",ae,mgr,,2025", ",lead-ae,mgr,,2025")),
        ("credits", "credits-2.csv", "deal_id,payee_id,share\nD-4,rep-2,1\n"),
        ("fx", "fx-2.csv", "date,from,to,rate\n2026-01-01,EUR,USD,1.0830\n"),
        ("quotas", "quotas-2.csv", "payee_id,measure,period,amount\nrep-1,bookings,2026,"
                                   "900000.00\n"),
        ("assignments", "assignments-2.csv", "payee_id,plan,effective_from,target_incentive,"
                                             "base_rate\nrep-2,emea-account-executive,"
                                             "2026-02-01,1_000.5,0.08\n"),
        ("metrics", "metrics-2.csv", "metric,period,value,currency\nrevenue,2026-Q2,-3.50,USD\n"),
    ]
    for kind, name, text in steps:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        result = icm("import", kind, path, "--db", url)
        assert result.exit_code == 0, result.output
        if name != f"{kind}.csv":  # each change replaces one row (one deal's credits)
            assert ", 1 replaced, " in result.stdout, result.stdout
    refused = folder / "refused.csv"
    refused.write_text("id,date,owner_id,amount,currency\nD-9,2026-01-01,ghost,1.00,USD\n")
    assert icm("import", "deals", refused, "--db", url).exit_code == 1


def test_the_same_files_give_the_same_ledger_on_every_backend(ledger_url, tmp_path):
    """Built once at ``ledger_url`` (SQLite, or PostgreSQL when configured) and once in a
    second SQLite file from the same files at the same paths: the dumps agree exactly."""
    build_everything(ledger_url, tmp_path)
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    build_everything(reference_url, tmp_path)
    engine, reference = open_ledger(ledger_url), open_ledger(reference_url)
    try:
        ours, theirs = dump(engine), dump(reference)
    finally:
        engine.dispose()
        reference.dispose()
    assert ours.keys() == theirs.keys()
    for table in ours:
        assert ours[table] == theirs[table], table
    # and the ledger holds what the steps say: D-4 in version 2 at -310.25 USD, ...
    assert [(d["id"], d["version"], d["current"], d["amount"]) for d in ours["deals"]
            if d["id"] == "D-4"] == [("D-4", 1, False, -30_050), ("D-4", 2, True, -31_025)]
    # ... the EUR rate re-stated as 1.0830 (text kept, trailing zero and all), ...
    assert [r["rate"] for r in ours["fx_rates"] if r["from_currency"] == "EUR"] == ["1.0830"]
    # ... and one audited replacement for each of the seven changes.
    replaced = sorted((e["table_name"], e["row_key"]) for e in ours["audit_log"]
                      if e["action"] == "replace")
    assert replaced == [("assignments", "rep-2|emea-account-executive|2026-02-01"),
                        ("credits", "D-4"), ("deals", "D-4"),
                        ("fx_rates", "2026-01-01|EUR|USD"), ("metrics", "revenue|2026-Q2"),
                        ("payees", "rep-1|1900-01-01"), ("quotas", "rep-1|bookings|2026")]
    # eight files, seven changes; the refused file left none
    assert len(ours["imports"]) == 15
    assert ours["plan_versions"] and len(ours["plan_versions"]) == 3


# -- 6. icm plans add -------------------------------------------------------------------------


def test_adding_the_same_plans_twice_says_unchanged(ledger, ledger_url):
    files = [PLANS / name for name in PLAN_FILES]
    first = icm("plans", "add", *files, "--db", ledger_url)
    assert first.exit_code == 0, first.output
    assert first.stdout == ("enterprise-ae@1: added\nemea-account-executive@1: added\n"
                            "sales-manager-override@1: added\n")
    before = dump(ledger)

    second = icm("plans", "add", *files, "--db", ledger_url)

    assert second.exit_code == 0, second.output
    assert second.stdout == ("enterprise-ae@1: unchanged\nemea-account-executive@1: unchanged\n"
                             "sales-manager-override@1: unchanged\n")
    assert dump(ledger) == before
    with ledger.connect() as connection:
        stored = connection.execute(select(
            plan_versions.c.plan_id, plan_versions.c.version, plan_versions.c.currency,
            plan_versions.c.payout_period, plan_versions.c.fiscal_year_start,
            plan_versions.c.sha256, plan_versions.c.text
        ).order_by(plan_versions.c.plan_id)).all()
    texts = {name.removesuffix(".yaml"): (PLANS / name).read_text(encoding="utf-8")
             for name in PLAN_FILES}
    assert [tuple(row[:5]) for row in stored] == [
        ("emea-account-executive", 1, "EUR", "quarter", 2),
        ("enterprise-ae", 1, "USD", "quarter", 1),
        ("sales-manager-override", 1, "USD", "quarter", 1)]
    for row in stored:  # kept verbatim
        assert row.text == texts[row.plan_id]
        assert row.sha256 == hashlib.sha256(row.text.encode("utf-8")).hexdigest()
    assert len(audit(ledger, "plan_versions")) == 3


def test_a_plan_with_an_error_registers_nothing(ledger, ledger_url, tmp_path):
    assert icm("plans", "add", PLANS / "sdr.yaml", "--db", ledger_url).exit_code == 0
    before = dump(ledger)
    text = (PLANS / "enterprise-ae.yaml").read_text(encoding="utf-8")
    assert "\ncurrency: USD\n" in text
    bad = write(tmp_path, "bad-plan.yaml", text.replace("\ncurrency: USD\n", "\ncurrency: XYZ\n"))
    line = text[:text.index("\ncurrency: USD\n")].count("\n") + 2

    result = icm("plans", "add", PLANS / "sales-manager-override.yaml", bad,
                 "--db", ledger_url)

    assert result.exit_code == 1
    assert f"{bad}:{line}:11: 'XYZ' is not an ISO 4217 currency code" in result.stderr
    assert "no plan was registered" in result.stderr
    assert result.stdout == ""
    assert dump(ledger) == before  # not even the good plan beside it
    with ledger.connect() as connection:
        assert list(connection.scalars(select(plan_versions.c.plan_id))) == ["sdr"]

