"""The ledger's tables: typed SQLAlchemy 2.0 models, one type policy, named constraints.

Money columns are integer minor units (BigInteger), never floats; each money row names its
currency. Shares are integers in billionths (``share_e9``: 60% is 600_000_000) and FX rates are
their exact decimal text, so nothing here rounds. Extra CSV columns are kept as sorted JSON
text in ``extra``. Rows are never updated in place for history's sake: deals are versioned,
and every replacement of a keyed row is written to ``audit_log`` with its old and new values.
"""
from __future__ import annotations

import datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, Index, Integer, MetaData,
                        String, Text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        # BIGINT everywhere, but INTEGER on SQLite so a key is the rowid and autoincrements
        int: BigInteger().with_variant(Integer(), "sqlite"),
        str: String(),
        bool: Boolean(),
        datetime.date: Date(),
        datetime.datetime: DateTime(timezone=True),
    }


class Payee(Base):
    """A payee's attributes from ``effective_from`` on (the manager history lives here)."""

    __tablename__ = "payees"
    id: Mapped[str] = mapped_column(primary_key=True)
    effective_from: Mapped[datetime.date] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str | None]
    role: Mapped[str | None]
    manager_id: Mapped[str | None]
    currency: Mapped[str | None]
    hire_date: Mapped[datetime.date | None]
    termination_date: Mapped[datetime.date | None]
    extra: Mapped[str] = mapped_column(Text, default="{}")


class PlanVersion(Base):
    """A registered plan version, verbatim, with the header fields imports need."""

    __tablename__ = "plan_versions"
    plan_id: Mapped[str] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str]
    text: Mapped[str] = mapped_column(Text)
    currency: Mapped[str]
    payout_period: Mapped[str]
    fiscal_year_start: Mapped[int]
    effective_from: Mapped[datetime.date]
    effective_to: Mapped[datetime.date]
    registered_at: Mapped[datetime.datetime]


class Assignment(Base):
    __tablename__ = "assignments"
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(primary_key=True)
    effective_from: Mapped[datetime.date] = mapped_column(primary_key=True)
    effective_to: Mapped[datetime.date | None]
    target_incentive: Mapped[int | None]  # annual, minor units of ``currency``
    currency: Mapped[str]  # the plan's
    params: Mapped[str] = mapped_column(Text, default="{}")


class Quota(Base):
    """Quota of one payee and measure over a month, quarter, half or fiscal year."""

    __tablename__ = "quotas"
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(primary_key=True)
    start: Mapped[datetime.date]
    end: Mapped[datetime.date]
    amount: Mapped[int]  # minor units of ``currency`` (a count quota of 20 in USD is 2000)
    currency: Mapped[str]


class Deal(Base):
    """One version of a deal. Re-importing a changed deal adds a version; ``current`` marks
    the newest, so the old one stays for the audit and for closed periods."""

    __tablename__ = "deals"
    id: Mapped[str] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    current: Mapped[bool]
    date: Mapped[datetime.date]
    owner_id: Mapped[str]
    amount: Mapped[int]  # minor units of the deal's own currency
    currency: Mapped[str]
    type: Mapped[str | None]
    product: Mapped[str | None]
    status: Mapped[str]
    cancel_date: Mapped[datetime.date | None]
    extra: Mapped[str] = mapped_column(Text, default="{}")
    import_id: Mapped[int]

    __table_args__ = (Index(None, "current", "date"),)


class Credit(Base):
    """A payee's share of a deal; a deal's rows are replaced together, in file order."""

    __tablename__ = "credits"
    deal_id: Mapped[str] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    payee_id: Mapped[str]
    share_e9: Mapped[int]  # billionths: 60% is 600_000_000
    role: Mapped[str | None]
    extra: Mapped[str] = mapped_column(Text, default="{}")
    import_id: Mapped[int]


class FxRate(Base):
    """``rate`` units of ``to_currency`` per unit of ``from_currency``, as exact decimal text."""

    __tablename__ = "fx_rates"
    date: Mapped[datetime.date] = mapped_column(primary_key=True)
    from_currency: Mapped[str] = mapped_column(primary_key=True)
    to_currency: Mapped[str] = mapped_column(primary_key=True)
    rate: Mapped[str]


class Period(Base):
    __tablename__ = "periods"
    length: Mapped[str] = mapped_column(primary_key=True)  # month | quarter | year
    name: Mapped[str] = mapped_column(primary_key=True)  # 2026-03 | 2026-Q1 | 2026
    status: Mapped[str]  # open | closed
    run_id: Mapped[int | None]


class CalculationRun(Base):
    __tablename__ = "calculation_runs"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    period: Mapped[str]
    length: Mapped[str]
    status: Mapped[str]  # active | superseded
    created_at: Mapped[datetime.datetime]
    plan_versions: Mapped[str] = mapped_column(Text)  # JSON list of "plan@version sha256"
    reason: Mapped[str | None]


def _run_key() -> Mapped[int]:
    """The run a close's row belongs to: calculation_runs.id, not declared a foreign key
    (migration 0005). Only the run's own close writes these rows, in the transaction that
    inserts the run, and runs are never deleted; PostgreSQL's check of a declared key, a
    trigger per row, was 2 s of a 1M-deal close's write."""
    return mapped_column(primary_key=True)


class ResultLine(Base):
    """A line key a close compared whose earnings to date did not change (since 0007: a
    changed key is recorded once, as its statement line; a close before 0007 wrote every
    key here). ``ledger.history`` reads the two as one."""
    __tablename__ = "result_lines"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[int]  # calculation_runs.id, undeclared: see _run_key
    payee_id: Mapped[str]
    plan_id: Mapped[str | None]
    component: Mapped[str | None]
    deal_id: Mapped[str | None]
    credit_seq: Mapped[int | None]
    kind: Mapped[str]
    earned_to_date: Mapped[int]
    amount: Mapped[int]
    currency: Mapped[str]
    text: Mapped[str] = mapped_column(Text)
    fiscal_year: Mapped[int | None]
    deal_date: Mapped[datetime.date | None]

    __table_args__ = (Index(None, "run_id", "payee_id"),)


class RunPlanYear(Base):
    """A plan year a run compared (since 0007). ``prior``: an earlier fiscal year, whose
    statement lines carry it; else the period's own, whose statement lines carry none."""
    __tablename__ = "run_plan_years"
    run_id: Mapped[int] = _run_key()
    plan_id: Mapped[str] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    prior: Mapped[bool]


class PayeeResult(Base):
    """A payee's settlement in a recorded run: what the next close settles against."""

    __tablename__ = "payee_results"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    currency: Mapped[str]
    earned_to_date: Mapped[int]
    earned: Mapped[int]  # earned(P): the change since the last close
    adjustments: Mapped[int]
    draw: Mapped[int]
    payout: Mapped[int]
    carried_balance: Mapped[int]  # B after this period
    # {"document": the payee's JSON as the close printed it, "context": what the statement
    # shows besides (name, measures against quota, tier boundaries)}: kept by the closes
    # from 0003 to 0004 and read back for them; null before and after
    statement: Mapped[str | None] = mapped_column(Text)
    # the rest of the payee's record (``ledger.records.PayeeRecord``), from 0004 on (null
    # before: such a close kept ``statement`` instead)
    paid_to_date: Mapped[int | None]
    name: Mapped[str | None]
    target_incentive: Mapped[int | None]
    period_target_incentive: Mapped[int | None]


# A close's result as typed rows (0004): each payee's plans, attainment, component totals,
# measures and tier boundaries in order (``position``), and the statement lines with their
# used tier slices. Money is BigInteger minor units, an exact ratio a numerator/denominator
# pair of BigIntegers.

class ResultPlan(Base):
    __tablename__ = "result_plans"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str]  # id@version


class ResultAttainment(Base):
    __tablename__ = "result_attainment"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str]
    numerator: Mapped[int]
    denominator: Mapped[int]


class ResultComponent(Base):
    __tablename__ = "result_components"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str]
    earned_to_date: Mapped[int]
    payout: Mapped[int]


class ResultMeasure(Base):
    """A measure against its quota; a money figure has denominator 1, a missing one nulls."""
    __tablename__ = "result_measures"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str]
    type: Mapped[str]  # money | number | count
    value_num: Mapped[int | None]
    value_den: Mapped[int | None]
    quota_num: Mapped[int | None]
    quota_den: Mapped[int | None]
    attainment_num: Mapped[int | None]
    attainment_den: Mapped[int | None]


class ResultBoundary(Base):
    """A tier start of a measure: a share of quota (basis attainment) or minor units."""
    __tablename__ = "result_boundaries"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    measure_position: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str]
    start_num: Mapped[int]
    start_den: Mapped[int]
    basis: Mapped[str]


class StatementLine(Base):
    """A statement line (``ledger.records.LINES`` but its text), in statement order."""
    __tablename__ = "statement_lines"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str]
    plan_id: Mapped[str | None]
    fiscal_year: Mapped[int | None]
    kind: Mapped[str]
    line_kind: Mapped[str | None]
    component: Mapped[str | None]
    deal_id: Mapped[str | None]
    credit_seq: Mapped[int]
    deal_date: Mapped[datetime.date | None]
    report: Mapped[str | None]
    base: Mapped[int | None]
    rate_num: Mapped[int]
    rate_den: Mapped[int]  # 0: no rate
    tier_basis: Mapped[str | None]
    cap: Mapped[int]
    amount: Mapped[int]
    earned_before: Mapped[int]
    earned_now: Mapped[int]
    cause: Mapped[str | None]
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    draw: Mapped[int]
    # the line's first used tier slice (0006; the further ones are statement_slices): its
    # tier, base, rate and where the tier starts; null for a line that uses no tier
    tier: Mapped[int | None]
    tier_base: Mapped[int | None]
    tier_rate_num: Mapped[int | None]
    tier_rate_den: Mapped[int | None]
    tier_start_num: Mapped[int | None]
    tier_start_den: Mapped[int | None]


class StatementSlice(Base):
    """A used tier slice (base not 0) of a line across tiers, past the line's first (which
    is on its row): the unused ones are zeros when read back."""
    __tablename__ = "statement_slices"
    run_id: Mapped[int] = _run_key()
    payee_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[int]
    rate_num: Mapped[int]
    rate_den: Mapped[int]
    start_num: Mapped[int]
    start_den: Mapped[int]


class Adjustment(Base):
    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    payee_id: Mapped[str]
    period: Mapped[str]
    amount: Mapped[int]
    currency: Mapped[str]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime]
    actor: Mapped[str | None]


class Import(Base):
    """One `icm import` or `icm plans add`: what came in, from where, when, by whom."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str]
    file: Mapped[str]
    sha256: Mapped[str]
    rows: Mapped[int]
    at: Mapped[datetime.datetime]
    actor: Mapped[str | None]


class AuditEntry(Base):
    """Append-only: every replacement and removal of a row, with old and new values, and every
    insert of the small tables. New deal and credit rows carry their ``import_id`` instead, so
    a million-deal import writes one ``imports`` row, not a million audit entries."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime.datetime]
    actor: Mapped[str | None]
    table_name: Mapped[str]
    row_key: Mapped[str]
    action: Mapped[str]  # insert | replace | delete
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None]
