"""`icm close`, `icm reopen` and `icm adjust`: the writes of a period, each one transaction.

Periods of one length close in order: the first close of a length is the first period of a
fiscal year, each later one the period right after the last close. The period's row in
`periods` is the lock: two closes racing for one period cannot both flip it to closed, so the
loser is refused (exit 3) and writes nothing.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.calculate import calculate_period, plan_versions
from rules_dsl.calendar import add_months, parse_period, period_span
from rules_dsl.money import MoneyError, fits_int64, is_currency, parse_decimal, to_minor_units
from ledger.database import writing
from ledger.errors import LedgerRefused
from ledger.progress import quiet
from ledger.records import PeriodResult
from ledger.known_rows import settlement_currency
from ledger.schema import (Adjustment, AuditEntry, CalculationRun, Import, PayeeResult, Payee,
                           Period, ResultLine)


class AdjustmentError(ValueError):
    """The adjustment itself is wrong (exit 1)."""


def next_period(name: str) -> str:
    length, year, index = parse_period(name)
    if length == "year":
        return str(year + 1)
    if length == "month":
        following = add_months(datetime.date(year, index, 1), 1)
        return f"{following.year}-{following.month:02d}"
    count = {"quarter": 4, "half": 2}[length]
    prefix = "Q" if length == "quarter" else "H"
    return f"{year + 1}-{prefix}1" if index == count else f"{year}-{prefix}{index + 1}"


def _last_closed(connection, length: str) -> str | None:
    return connection.execute(select(CalculationRun.period).where(
        CalculationRun.length == length, CalculationRun.status == "active")
        .order_by(CalculationRun.id.desc()).limit(1)).scalar_one_or_none()


_ADVERB = {"month": "monthly", "quarter": "quarterly", "half": "half-yearly", "year": "yearly"}
_EXAMPLE = {"month": "2026-01", "quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}


def _check_paid(plans: list, period: str) -> None:
    """Refuse a period of a length that no registered plan pays: closing it would record an
    empty run and pay nobody."""
    length, _, _ = parse_period(period)
    paid = {plan.payout_period for plan in plans}
    if length in paid:
        return
    if not paid:
        raise LedgerRefused(f"no plan is registered, so {period} has nothing to close: add "
                            "plans with `icm plans add`")
    lengths = [name for name in _ADVERB if name in paid]
    raise LedgerRefused(
        f"no plan is paid {_ADVERB[length]}, so {period} has nothing to close; the plans are "
        f"paid {' and '.join(_ADVERB[name] for name in lengths)}: close periods such as "
        f"{' or '.join(_EXAMPLE[name] for name in lengths)}")


def _check_in_force(paying: list, period: str) -> None:
    """The first close of a length must be a period that a plan paid at that length is in
    force in: closing 2025-01 under plans of 2026 would record an empty run and then force
    every 2025 month to close before 2026-01. (Later closes follow the order, and may pay
    only an earlier year's changes, balances and adjustments.)"""
    for plan in paying:
        first, last = period_span(period, plan.fiscal_year_start)
        if plan.effective_from <= last and plan.effective_to >= first:
            return
    spans = ", ".join(sorted({f"{plan.key} {plan.effective_from}..{plan.effective_to}"
                              for plan in paying}))
    raise LedgerRefused(f"no plan paid {_ADVERB[parse_period(period)[0]]} is in force in "
                        f"{period} ({spans}): the first close of a length must be a period "
                        "a plan pays")


def _check_order(connection, plans: list, period: str) -> None:
    length, year, index = parse_period(period)
    status = connection.execute(select(Period.status).where(
        Period.length == length, Period.name == period)).scalar_one_or_none()
    if status == "closed":
        raise LedgerRefused(f"{period} is closed already; to change it, reopen it with "
                            f"`icm reopen --period {period} --reason ...` and close again")
    last = _last_closed(connection, length)
    if last is None:
        paying = [plan for plan in plans if plan.payout_period == length]
        starts = {plan.fiscal_year_start for plan in paying} or {1}
        first = index in starts if length == "month" else index == 1
        if not first:
            raise LedgerRefused(f"{period} cannot be the first close of its length: close "
                                "the first period of a fiscal year first")
        _check_in_force(paying, period)
    elif next_period(last) != period:
        raise LedgerRefused(f"periods close in order: the last close is {last}, so close "
                            f"{next_period(last)} before {period}")


Render = Callable[[PeriodResult], list[tuple[str, tuple[str, ...]]]]


def close_period(engine: Engine, period: str, actor: str | None = None,
                 status: Callable[[str], None] = quiet, render: Render | None = None
                 ) -> tuple[PeriodResult, int]:
    """Compute P, record its run, results and settlement, and lock it. ``render`` gives,
    per payee of the result, the statement text a close keeps and the text of each of its
    settlement lines (``views.document.kept_texts``: the views render, the engine does not)."""
    length, _, _ = parse_period(period)
    with engine.connect() as connection:  # before anything is read: a plan added meanwhile
        seen = _ledger_version(connection)  # is a change too
    status("reading the plans")
    versions_by_plan = plan_versions(engine)  # read and checked once for the whole close
    plans = [version.plan for versions in versions_by_plan.values() for version in versions]
    _check_paid(plans, period)
    with engine.connect() as connection:
        _check_order(connection, plans, period)
    calculation = calculate_period(engine, period, versions_by_plan, status)
    status(f"recording {len(calculation.lines):,} lines and {len(calculation.result.payees):,} "
           "payees")
    now = datetime.datetime.now(datetime.timezone.utc)
    versions = sorted(f"{p.id}@{p.version} {p.sha256}" for p in plans
                      if p.payout_period == length)  # every version the run may have used
    try:
        return calculation.result, _record_close(engine, plans, period, length,
                                                 calculation, versions, now, actor, seen,
                                                 render)
    except IntegrityError:
        raise LedgerRefused(f"another close of {period} finished first; nothing was "
                            "recorded by this one") from None


def _ledger_version(connection) -> tuple[int, int]:
    """The newest audit entry and the newest import: every change to the ledger writes one or
    the other (an import that only adds rows, new deals or a deal's first credit rows, writes
    an import row and no audit entry), so together they name the ledger's state."""
    return (connection.execute(select(func.max(AuditEntry.id))).scalar_one() or 0,
            connection.execute(select(func.max(Import.id))).scalar_one() or 0)


def _record_close(engine, plans, period, length, calculation, versions, now, actor, seen,
                  render) -> int:
    with writing(engine) as connection:
        _check_order(connection, plans, period)  # again, now holding the write lock
        if _ledger_version(connection) != seen:
            raise LedgerRefused(f"the ledger changed while {period} was being computed (an "
                                "import, adjustment or close finished meanwhile); nothing "
                                "was recorded: run the close again")
        run_id = connection.execute(insert(CalculationRun).values(
            period=period, length=length, status="active", created_at=now,
            plan_versions=json.dumps(versions), reason=None).returning(CalculationRun.id)
        ).scalar_one()
        claimed = connection.execute(update(Period).where(
            Period.length == length, Period.name == period, Period.status == "open"
        ).values(status="closed", run_id=run_id)).rowcount
        if not claimed:
            connection.execute(insert(Period).values(length=length, name=period,
                                                     status="closed", run_id=run_id))
        _record(connection, run_id, calculation, render)
        connection.execute(insert(AuditEntry).values(
            at=now, actor=actor, table_name="periods", row_key=f"{length}|{period}",
            action="close", old=None, new=json.dumps({"run_id": run_id})))
    return run_id


def _record(connection, run_id: int, calculation, render: Render) -> None:
    """Every line key's earnings to date, each payee's settlement lines and result."""
    lines = calculation.lines.assign(run_id=run_id).to_dict("records")
    results = []
    for record, (statement, texts) in zip(calculation.result.payees,
                                          render(calculation.result)):
        settled = list(zip(record.settlement, texts))
        for line, text in [s for s in settled if s[0].kind != "adjustment"] + \
                [s for s in settled if s[0].kind == "adjustment"]:
            lines.append({"run_id": run_id, "payee_id": record.payee, "plan_id": None,
                          "component": None, "deal_id": None, "credit_seq": None,
                          "kind": line.kind, "earned_to_date": 0, "amount": line.amount,
                          "currency": record.currency, "text": text, "fiscal_year": None,
                          "deal_date": None})
        results.append({"run_id": run_id, "payee_id": record.payee,
                        "fiscal_year": record.fiscal_year or 0, "currency": record.currency,
                        "earned_to_date": record.earned_to_date, "earned": record.earned,
                        "adjustments": record.adjustments, "draw": record.draw,
                        "payout": record.payout, "carried_balance": record.carried_balance,
                        "statement": statement})
    if lines:
        connection.execute(insert(ResultLine), lines)
    if results:
        connection.execute(insert(PayeeResult), results)


def reopen_period(engine: Engine, period: str, reason: str, actor: str | None = None) -> int:
    """Supersede the last close of P's length, which must be P; returns the old run id."""
    length, _, _ = parse_period(period)
    now = datetime.datetime.now(datetime.timezone.utc)
    with writing(engine) as connection:
        last = _last_closed(connection, length)
        if last != period:
            raise LedgerRefused(f"only the last closed period of a length can be reopened; "
                                f"that is {last}" if last else f"{period} is not closed")
        run_id = connection.execute(select(CalculationRun.id).where(
            CalculationRun.length == length, CalculationRun.period == period,
            CalculationRun.status == "active")).scalar_one()
        connection.execute(update(CalculationRun).where(CalculationRun.id == run_id).values(
            status="superseded", reason=reason))
        for exported in connection.execute(select(AuditEntry.new).where(
                AuditEntry.table_name == "payroll_exports", AuditEntry.row_key == str(run_id),
                AuditEntry.action == "export")).scalars().all():
            connection.execute(insert(AuditEntry).values(
                at=now, actor=actor, table_name="payroll_exports", row_key=str(run_id),
                action="void", old=exported, new=json.dumps({"reason": reason})))
        connection.execute(update(Period).where(Period.length == length,
                                                Period.name == period).values(status="open"))
        connection.execute(insert(AuditEntry).values(
            at=now, actor=actor, table_name="periods", row_key=f"{length}|{period}",
            action="reopen", old=json.dumps({"run_id": run_id}),
            new=json.dumps({"reason": reason})))
    return run_id


def add_adjustment(engine: Engine, payee: str, period: str, amount_text: str, reason: str,
                   actor: str | None = None) -> int:
    """A manual adjustment line in an open period; returns its id."""
    length, _, _ = parse_period(period)
    number, _, currency = amount_text.strip().rpartition(" ")
    try:
        if not is_currency(currency):
            raise MoneyError(f"{currency!r} is not a currency code")
        amount = to_minor_units(parse_decimal(number), currency)
        if not fits_int64(amount):
            raise MoneyError(f"{number} {currency} is too large an amount")
    except MoneyError as error:
        raise AdjustmentError(f"--amount {amount_text!r}: {error}; write e.g. "
                              "\"-150.00 USD\"") from None
    now = datetime.datetime.now(datetime.timezone.utc)
    with writing(engine) as connection:
        if connection.execute(select(Period.status).where(
                Period.length == length, Period.name == period)).scalar_one_or_none() \
                == "closed":
            raise LedgerRefused(f"{period} is closed: adjust the next open period instead")
        if connection.execute(select(Payee.id).where(Payee.id == payee).limit(1)
                              ).scalar_one_or_none() is None:
            raise AdjustmentError(f"unknown payee {payee!r}")
        paid_in = settlement_currency(connection, payee)
        if paid_in is None:
            raise AdjustmentError(f"{payee} is on no plan and was never paid, so the currency "
                                  "its pay is settled in is not known yet: import the payee's "
                                  "assignment first")
        if currency != paid_in:
            raise AdjustmentError(f"--amount {amount_text!r}: {payee} is paid in {paid_in}, "
                                  f"not {currency}; write the amount in {paid_in}")
        adjustment_id = connection.execute(insert(Adjustment).values(
            payee_id=payee, period=period, amount=amount, currency=currency, reason=reason,
            created_at=now, actor=actor).returning(Adjustment.id)).scalar_one()
        connection.execute(insert(AuditEntry).values(
            at=now, actor=actor, table_name="adjustments", row_key=str(adjustment_id),
            action="insert", old=None, new=json.dumps({"payee": payee, "period": period,
                                                       "amount": amount,
                                                       "currency": currency,
                                                       "reason": reason})))
    return adjustment_id


def record_export(engine: Engine, run_id: int, period: str, target: str, text: str,
                  actor: str | None = None) -> None:
    """Note in the audit log which file carries the run's pay, so a reopen can void it."""
    with writing(engine) as connection:
        connection.execute(insert(AuditEntry).values(
            at=datetime.datetime.now(datetime.timezone.utc), actor=actor,
            table_name="payroll_exports", row_key=str(run_id), action="export", old=None,
            new=json.dumps({"period": period, "file": target,
                            "sha256": hashlib.sha256(text.encode()).hexdigest()})))


def voided_exports(engine: Engine, run_id: int) -> list[str]:
    """The payroll files of a superseded run: they must not be paid."""
    with engine.connect() as connection:
        return [json.loads(old)["file"] for old in connection.execute(
            select(AuditEntry.old).where(AuditEntry.table_name == "payroll_exports",
                                         AuditEntry.row_key == str(run_id),
                                         AuditEntry.action == "void")).scalars()]
