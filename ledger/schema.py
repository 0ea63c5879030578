"""The ledger's tables: SQLAlchemy Core tables on one MetaData, one type policy, named
constraints. Core, not the ORM: nothing here maps rows to objects, and importing
``sqlalchemy.orm`` and mapping 22 classes was about 0.13 s of every command's start (``python
-X importtime``).

Money columns are integer minor units (BigInteger), never floats; each money row names its
currency. Shares are integers in billionths (``share_e9``: 60% is 600_000_000) and FX rates are
their exact decimal text, so nothing here rounds. Extra CSV columns are kept as sorted JSON
text in ``extra``. Rows are never updated in place for history's sake: deals are versioned,
and every replacement of a keyed row is written to ``audit_log`` with its old and new values.

A column is nullable (Core's default) unless it says ``nullable=False``; a key column never is.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData,
                        String, Table, Text, false)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# BIGINT everywhere, but INTEGER on SQLite so a key is the rowid and autoincrements
_INT = BigInteger().with_variant(Integer(), "sqlite")
_TIMESTAMP = DateTime(timezone=True)


# A payee's attributes from ``effective_from`` on (the manager history lives here).
payees = Table(
    "payees", metadata,
    Column("id", String, primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("name", String, nullable=False),
    Column("email", String),
    Column("role", String),
    Column("manager_id", String),
    Column("currency", String),
    Column("hire_date", Date),
    Column("termination_date", Date),
    Column("extra", Text, nullable=False, default="{}"),
)

# A registered plan version, verbatim, with the header fields imports need.
plan_versions = Table(
    "plan_versions", metadata,
    Column("plan_id", String, primary_key=True),
    Column("version", _INT, primary_key=True),
    Column("sha256", String, nullable=False),
    Column("text", Text, nullable=False),
    Column("currency", String, nullable=False),
    Column("payout_period", String, nullable=False),
    Column("fiscal_year_start", _INT, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=False),
    Column("registered_at", _TIMESTAMP, nullable=False),
)

assignments = Table(
    "assignments", metadata,
    Column("payee_id", String, primary_key=True),
    Column("plan_id", String, primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("effective_to", Date),
    Column("target_incentive", _INT),  # annual, minor units of ``currency``
    Column("currency", String, nullable=False),  # the plan's
    Column("params", Text, nullable=False, default="{}"),
)

# Quota of one payee and measure over a month, quarter, half or fiscal year.
quotas = Table(
    "quotas", metadata,
    Column("payee_id", String, primary_key=True),
    Column("measure", String, primary_key=True),
    Column("period", String, primary_key=True),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    # minor units of ``currency`` (a count quota of 20 in USD is 2000)
    Column("amount", _INT, nullable=False),
    Column("currency", String, nullable=False),
)

# One version of a deal. Re-importing a changed deal adds a version; ``current`` marks the
# newest, so the old one stays for the audit and for closed periods.
deals = Table(
    "deals", metadata,
    Column("id", String, primary_key=True),
    Column("version", _INT, primary_key=True),
    Column("current", Boolean, nullable=False),
    Column("date", Date, nullable=False),
    Column("owner_id", String, nullable=False),
    Column("amount", _INT, nullable=False),  # minor units of the deal's own currency
    Column("currency", String, nullable=False),
    Column("type", String),
    Column("product", String),
    Column("status", String, nullable=False),
    Column("cancel_date", Date),
    Column("extra", Text, nullable=False, default="{}"),
    Column("import_id", _INT, nullable=False),
    Index(None, "current", "date"),
)

# A payee's share of a deal; a deal's rows are replaced together, in file order.
credits = Table(
    "credits", metadata,
    Column("deal_id", String, primary_key=True),
    Column("seq", _INT, primary_key=True),
    Column("payee_id", String, nullable=False),
    Column("share_e9", _INT, nullable=False),  # billionths: 60% is 600_000_000
    Column("role", String),
    Column("extra", Text, nullable=False, default="{}"),
    Column("import_id", _INT, nullable=False),
    # outside the 100% split: credited its share beside the others (since 0008)
    Column("overlay", Boolean, nullable=False, default=False, server_default=false()),
)

# A figure of a period that belongs to no deal (company revenue, EBITDA): ``value`` is its
# exact decimal text, ``currency`` set for a money metric. The period keeps its name: its
# days depend on the fiscal year start of the plan that reads it.
metrics = Table(
    "metrics", metadata,
    Column("metric", String, primary_key=True),
    Column("period", String, primary_key=True),
    Column("value", String, nullable=False),
    Column("currency", String),
)

# ``rate`` units of ``to_currency`` per unit of ``from_currency``, as exact decimal text.
fx_rates = Table(
    "fx_rates", metadata,
    Column("date", Date, primary_key=True),
    Column("from_currency", String, primary_key=True),
    Column("to_currency", String, primary_key=True),
    Column("rate", String, nullable=False),
)

# Money a customer paid on a deal (`payable: collected`), in the deal's currency (0009).
payments = Table(
    "payments", metadata,
    Column("deal_id", String, primary_key=True),
    Column("date", Date, primary_key=True),
    Column("amount", _INT, nullable=False),
    Column("currency", String, nullable=False),
)

periods = Table(
    "periods", metadata,
    Column("length", String, primary_key=True),  # month | quarter | year
    Column("name", String, primary_key=True),  # 2026-03 | 2026-Q1 | 2026
    Column("status", String, nullable=False),  # open | closed
    Column("run_id", _INT),
)

calculation_runs = Table(
    "calculation_runs", metadata,
    Column("id", _INT, primary_key=True, autoincrement=True),
    Column("period", String, nullable=False),
    Column("length", String, nullable=False),
    Column("status", String, nullable=False),  # active | superseded
    Column("created_at", _TIMESTAMP, nullable=False),
    # JSON list of "plan@version sha256"
    Column("plan_versions", Text, nullable=False),
    Column("reason", String),
)


def _run_key() -> Column:
    """The run a close's row belongs to: calculation_runs.id, not declared a foreign key
    (migration 0005). Only the run's own close writes these rows, in the transaction that
    inserts the run, and runs are never deleted; PostgreSQL's check of a declared key, a
    trigger per row, was 2 s of a 1M-deal close's write."""
    return Column("run_id", _INT, primary_key=True)


# A line key a close compared whose earnings to date did not change (since 0007: a changed
# key is recorded once, as its statement line; a close before 0007 wrote every key here).
# ``ledger.history`` reads the two as one.
result_lines = Table(
    "result_lines", metadata,
    Column("id", _INT, primary_key=True, autoincrement=True),
    Column("run_id", _INT, nullable=False),  # calculation_runs.id, undeclared: see _run_key
    Column("payee_id", String, nullable=False),
    Column("plan_id", String),
    Column("component", String),
    Column("deal_id", String),
    Column("credit_seq", _INT),
    Column("kind", String, nullable=False),
    Column("earned_to_date", _INT, nullable=False),
    Column("amount", _INT, nullable=False),
    Column("currency", String, nullable=False),
    Column("text", Text, nullable=False),
    Column("fiscal_year", _INT),
    Column("deal_date", Date),
    Index(None, "run_id", "payee_id"),
)

# A plan year a run compared (since 0007). ``prior``: an earlier fiscal year, whose statement
# lines carry it; else the period's own, whose statement lines carry none.
run_plan_years = Table(
    "run_plan_years", metadata,
    _run_key(),
    Column("plan_id", String, primary_key=True),
    Column("fiscal_year", _INT, primary_key=True),
    Column("prior", Boolean, nullable=False),
)

# A payee's settlement in a recorded run: what the next close settles against.
payee_results = Table(
    "payee_results", metadata,
    _run_key(),
    Column("payee_id", String, primary_key=True),
    Column("fiscal_year", _INT, nullable=False),
    Column("currency", String, nullable=False),
    Column("earned_to_date", _INT, nullable=False),
    Column("earned", _INT, nullable=False),  # earned(P): the change since the last close
    Column("adjustments", _INT, nullable=False),
    Column("draw", _INT, nullable=False),
    Column("payout", _INT, nullable=False),
    Column("carried_balance", _INT, nullable=False),  # B after this period
    # {"document": the payee's JSON as the close printed it, "context": what the statement
    # shows besides (name, measures against quota, tier boundaries)}: kept by the closes
    # from 0003 to 0004 and read back for them; null before and after
    Column("statement", Text),
    # the rest of the payee's record (``ledger.records.PayeeRecord``), from 0004 on (null
    # before: such a close kept ``statement`` instead)
    Column("paid_to_date", _INT),
    Column("name", String),
    Column("target_incentive", _INT),
    Column("period_target_incentive", _INT),
    Column("held", _INT),  # earned and not yet payable, every year's (0009; null before)
)


def _run_column() -> Column:
    """The run a row of a close's result belongs to, not a key's part (see _rows_of_run):
    calculation_runs.id, undeclared as in _run_key."""
    return Column("run_id", _INT, nullable=False)


def _rows_of_run() -> Index:
    """How a run's rows under each payee are found (statement lines and slices since 0010;
    plans, attainment, components, measures and tier boundaries since 0011): an index on
    (run_id, payee_id), BRIN on PostgreSQL, a b-tree on SQLite, and no primary key. The
    close numbers each payee's positions itself, so a key refused nothing, and on PostgreSQL
    its b-tree entry per row was a third or more of the rows' COPY. A close appends its rows
    in key order, so a BRIN range holds one run's rows of a band of payees; autovacuum
    summarizes each range as it fills. (payee_results, a row per payee, keeps its key.)"""
    return Index(None, "run_id", "payee_id", postgresql_using="brin",
                 postgresql_with={"autosummarize": "on"})


# A close's result as typed rows (0004): each payee's plans, attainment, component totals,
# measures and tier boundaries in order (``position``), and the statement lines with their
# used tier slices. Money is BigInteger minor units, an exact ratio a numerator/denominator
# pair of BigIntegers.

result_plans = Table(
    "result_plans", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),
    Column("plan", String, nullable=False),  # id@version
    _rows_of_run(),
)

result_attainment = Table(
    "result_attainment", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),
    Column("measure", String, nullable=False),
    Column("numerator", _INT, nullable=False),
    Column("denominator", _INT, nullable=False),
    _rows_of_run(),
)

result_components = Table(
    "result_components", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),
    Column("component", String, nullable=False),
    Column("earned_to_date", _INT, nullable=False),
    Column("payout", _INT, nullable=False),
    Column("held", _INT),  # earned and not yet payable (0009; null before: none)
    _rows_of_run(),
)

# A measure against its quota; a money figure has denominator 1, a missing one nulls.
result_measures = Table(
    "result_measures", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),
    Column("measure", String, nullable=False),
    Column("type", String, nullable=False),  # money | number | count
    Column("value_num", _INT),
    Column("value_den", _INT),
    Column("quota_num", _INT),
    Column("quota_den", _INT),
    Column("attainment_num", _INT),
    Column("attainment_den", _INT),
    _rows_of_run(),
)

# A tier start of a measure: a share of quota (basis attainment) or minor units.
result_boundaries = Table(
    "result_boundaries", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("measure_position", _INT, nullable=False),
    Column("position", _INT, nullable=False),
    Column("component", String, nullable=False),
    Column("start_num", _INT, nullable=False),
    Column("start_den", _INT, nullable=False),
    Column("basis", String, nullable=False),
    _rows_of_run(),
)


# A statement line (``ledger.records.LINES`` but its text), in statement order (position:
# the payee's lines numbered from 0).
statement_lines = Table(
    "statement_lines", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),
    Column("currency", String, nullable=False),
    Column("plan_id", String),
    Column("fiscal_year", _INT),
    Column("kind", String, nullable=False),
    Column("line_kind", String),
    Column("component", String),
    Column("deal_id", String),
    Column("credit_seq", _INT, nullable=False),
    Column("deal_date", Date),
    Column("report", String),
    Column("base", _INT),
    Column("rate_num", _INT, nullable=False),
    Column("rate_den", _INT, nullable=False),  # 0: no rate
    Column("tier_basis", String),
    Column("cap", _INT, nullable=False),
    Column("amount", _INT, nullable=False),
    Column("earned_before", _INT, nullable=False),
    Column("earned_now", _INT, nullable=False),
    Column("cause", String),
    Column("note", Text),
    Column("reason", Text),
    Column("draw", _INT, nullable=False),
    # the line's first used tier slice (0006; the further ones are statement_slices): its
    # tier, base, rate and where the tier starts; null for a line that uses no tier
    Column("tier", _INT),
    Column("tier_base", _INT),
    Column("tier_rate_num", _INT),
    Column("tier_rate_den", _INT),
    Column("tier_start_num", _INT),
    Column("tier_start_den", _INT),
    _rows_of_run(),
)

# A used tier slice (base not 0) of a line across tiers, past the line's first (which is on
# its row): the unused ones are zeros when read back.
statement_slices = Table(
    "statement_slices", metadata,
    _run_column(),
    Column("payee_id", String, nullable=False),
    Column("position", _INT, nullable=False),  # its line's
    Column("tier", _INT, nullable=False),
    Column("base", _INT, nullable=False),
    Column("rate_num", _INT, nullable=False),
    Column("rate_den", _INT, nullable=False),
    Column("start_num", _INT, nullable=False),
    Column("start_den", _INT, nullable=False),
    _rows_of_run(),
)

adjustments = Table(
    "adjustments", metadata,
    Column("id", _INT, primary_key=True, autoincrement=True),
    Column("payee_id", String, nullable=False),
    Column("period", String, nullable=False),
    Column("amount", _INT, nullable=False),
    Column("currency", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", _TIMESTAMP, nullable=False),
    Column("actor", String),
)

# One `icm import` or `icm plans add`: what came in, from where, when, by whom.
imports = Table(
    "imports", metadata,
    Column("id", _INT, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("file", String, nullable=False),
    Column("sha256", String, nullable=False),
    Column("rows", _INT, nullable=False),
    Column("at", _TIMESTAMP, nullable=False),
    Column("actor", String),
)

# Append-only: every replacement and removal of a row, with old and new values, and every
# insert of the small tables. New deal and credit rows carry their ``import_id`` instead, so
# a million-deal import writes one ``imports`` row, not a million audit entries.
audit_log = Table(
    "audit_log", metadata,
    Column("id", _INT, primary_key=True, autoincrement=True),
    Column("at", _TIMESTAMP, nullable=False),
    Column("actor", String),
    Column("table_name", String, nullable=False),
    Column("row_key", String, nullable=False),
    Column("action", String, nullable=False),  # insert | replace | delete
    Column("old", Text),
    Column("new", Text),
    Column("import_id", _INT),
)
