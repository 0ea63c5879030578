"""The writes of a period: a close's record, a reopen, an adjustment, a payroll file's export.

Each is one write transaction holding the ledger-wide lock (``ledger.database.writing``). A
close's computation and its order rules are the engine's (``engine.closing``): the close's
transaction here reads the order facts (``CloseOrder``) under the lock, hands them to the
engine's check, refuses a ledger that changed since ``ledger.audit.ledger_state``, and
records what the engine computed, as it handed it over. No connection leaves this module.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select, update

from ledger.audit import audit_values, ledger_version, write_audit
from ledger.bulk import arrow_tables, insert_tables, meanwhile
from ledger.database import LedgerDb, reading, writing
from ledger.errors import AdjustmentError, LedgerRefused
from ledger.history import active_run, last_closed, period_status
from ledger.known_rows import settlement_currency
from ledger.records import PayeeRecord
from ledger.results import line_tables, payee_tables
from ledger.schema import (adjustments, calculation_runs, payees, periods, result_lines,
                           run_plan_years)
from rules_dsl.calendar import parse_period
from rules_dsl.money import MoneyError, fits_int64, is_currency, parse_decimal, to_minor_units


@dataclass(frozen=True)
class RecordedKeys:
    """What a close records of the line keys it compared, besides its statement lines
    (which are the changed keys): each plan year compared, as (plan id, fiscal year, whether
    an earlier year), and the unchanged keys as ``_RESULT_LINE_COLUMNS``."""

    plan_years: list[tuple[str, int, bool]]
    unchanged: pd.DataFrame


@dataclass(frozen=True)
class CloseOrder:
    """What decides whether ``period`` may close now: its status in `periods` (None for a
    period never closed) and the newest close in force of its length (None: no close yet)."""

    status: str | None
    last_closed: str | None


def close_order(ledger_db: LedgerDb | Connection, period: str) -> CloseOrder:
    """The order facts of ``period``; through a writer's connection, read under its lock."""
    length, _, _ = parse_period(period)
    with reading(ledger_db) as connection:
        return CloseOrder(period_status(connection, period), last_closed(connection, length))


@dataclass(frozen=True)
class Settlement:
    """What a close records once its payees are settled: their records, their settlement
    lines (each payee's after their earning lines), and the line keys compared."""

    payees: tuple[PayeeRecord, ...]
    lines: pd.DataFrame
    compared: RecordedKeys


def record_close(ledger_db: LedgerDb, period: str, seen: tuple[int, int],
                 check_order: Callable[[CloseOrder], None], versions: list[str],
                 earning_lines: pd.DataFrame, settle: Callable[[], Settlement],
                 now: datetime.datetime, actor: str | None) -> int:
    """Record a close of ``period`` in one write transaction, under the ledger-wide lock:
    ``check_order`` again on the order facts read now, then a refusal if the ledger is no
    longer at ``seen``; then its run (with every plan version it may have used) and the
    period flipped to closed (the lock two racing closes contend for). The earning lines
    (``LINES``, in statement order) are written on a thread while ``settle`` computes the
    rest, which follows them: the payees' records and settlement lines as typed rows
    (``ledger.results``), the line keys compared, and the audit entry. Returns the run
    id."""
    with writing(ledger_db, on_clash=f"another close of {period} finished first; nothing "
                 "was recorded by this one") as connection:
        check_order(close_order(connection, period))
        if ledger_version(connection) != seen:
            raise LedgerRefused(f"the ledger changed while {period} was being computed (an "
                                "import, adjustment or close finished meanwhile); nothing "
                                "was recorded: run the close again")
        run_id = _open_run(connection, period, versions, now)
        earning = arrow_tables(line_tables(run_id, earning_lines))  # the thread needs no GIL
        with meanwhile(lambda: insert_tables(connection, earning)):
            settled = settle()  # the payees settled while the database takes the lines
            tables = _settled_tables(run_id, settled,
                                     earning_lines.groupby("payee", sort=False).size())
        if settled.compared.plan_years:
            connection.execute(insert(run_plan_years), [
                {"run_id": run_id, "plan_id": plan_id, "fiscal_year": fiscal_year,
                 "prior": prior} for plan_id, fiscal_year, prior in settled.compared.plan_years])
        insert_tables(connection, tables)
        length, _, _ = parse_period(period)
        write_audit(connection, now, actor, "periods", [
            (f"{length}|{period}", "close", None, json.dumps({"run_id": run_id}))])
        return run_id


def _open_run(connection: Connection, period: str, versions: list[str],
              now: datetime.datetime) -> int:
    """The close's run, in force, and its period flipped to closed: returns the run id."""
    length, _, _ = parse_period(period)
    run_id = connection.execute(insert(calculation_runs).values(
        period=period, length=length, status="active", created_at=now,
        plan_versions=json.dumps(versions), reason=None).returning(calculation_runs.c.id)
    ).scalar_one()
    claimed = connection.execute(update(periods).where(
        periods.c.length == length, periods.c.name == period, periods.c.status == "open"
    ).values(status="closed", run_id=run_id)).rowcount
    if not claimed:
        connection.execute(insert(periods).values(length=length, name=period,
                                                  status="closed", run_id=run_id))
    return run_id


def _settled_tables(run_id: int, settled: Settlement, earning_counts: pd.Series
                    ) -> dict[str, dict]:
    """The payees' records and settlement lines (numbered after each payee's earning lines,
    ``earning_counts`` of them), and the unchanged line keys, as columns for one bulk
    write."""
    tables = {**line_tables(run_id, settled.lines, earning_counts),
              **payee_tables(run_id, settled.payees)}
    lines = settled.compared.unchanged
    if len(lines):
        tables[result_lines.name] = {
            "run_id": np.full(len(lines), run_id, dtype=np.int64),
            **{name: lines[name] for name in _RESULT_LINE_COLUMNS}}
    return tables


_RESULT_LINE_COLUMNS = ["payee_id", "plan_id", "component", "deal_id", "credit_seq", "kind",
                        "earned_to_date", "amount", "currency", "text", "fiscal_year",
                        "deal_date"]


def reopen_period(ledger_db: LedgerDb, period: str, reason: str, actor: str | None = None
                  ) -> int:
    """Supersede the last close of P's length, which must be P, and void the payroll files
    exported from it; returns the old run id."""
    length, _, _ = parse_period(period)
    now = datetime.datetime.now(datetime.timezone.utc)
    with writing(ledger_db) as connection:
        last = last_closed(connection, length)
        if last != period:
            raise LedgerRefused(f"only the last closed period of a length can be reopened; "
                                f"that is {last}" if last else f"{period} is not closed")
        run_id = active_run(connection, period)
        connection.execute(update(calculation_runs).where(
            calculation_runs.c.id == run_id).values(status="superseded", reason=reason))
        write_audit(connection, now, actor, "payroll_exports", [
            (str(run_id), "void", exported, json.dumps({"reason": reason}))
            for exported in audit_values(connection, "payroll_exports", str(run_id),
                                         "export", "new")])
        connection.execute(update(periods).where(
            periods.c.length == length, periods.c.name == period).values(status="open"))
        write_audit(connection, now, actor, "periods", [
            (f"{length}|{period}", "reopen", json.dumps({"run_id": run_id}),
             json.dumps({"reason": reason}))])
    return run_id


def add_adjustment(ledger_db: LedgerDb, payee: str, period: str, amount_text: str, reason: str,
                   actor: str | None = None) -> int:
    """A manual adjustment line in an open period; returns its id."""
    parse_period(period)
    amount, currency = _adjustment_amount(amount_text)
    now = datetime.datetime.now(datetime.timezone.utc)
    with writing(ledger_db) as connection:
        if period_status(connection, period) == "closed":
            raise LedgerRefused(f"{period} is closed: adjust the next open period instead")
        if connection.execute(select(payees.c.id).where(payees.c.id == payee).limit(1)
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
        adjustment_id = connection.execute(insert(adjustments).values(
            payee_id=payee, period=period, amount=amount, currency=currency, reason=reason,
            created_at=now, actor=actor).returning(adjustments.c.id)).scalar_one()
        write_audit(connection, now, actor, "adjustments", [
            (str(adjustment_id), "insert", None, json.dumps({
                "payee": payee, "period": period, "amount": amount, "currency": currency,
                "reason": reason}))])
    return adjustment_id


def _adjustment_amount(amount_text: str) -> tuple[int, str]:
    """``-150.00 USD`` as minor units and currency, or AdjustmentError saying what to write."""
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
    return amount, currency


def record_export(ledger_db: LedgerDb, run_id: int, period: str, target: str, text: str,
                  actor: str | None = None) -> None:
    """Note in the audit log which file carries the run's pay, so a reopen can void it."""
    with writing(ledger_db) as connection:
        write_audit(connection, datetime.datetime.now(datetime.timezone.utc), actor,
                    "payroll_exports", [(str(run_id), "export", None, json.dumps({
                        "period": period, "file": target,
                        "sha256": hashlib.sha256(text.encode()).hexdigest()}))])


def voided_exports(ledger_db: LedgerDb, run_id: int) -> list[str]:
    """The payroll files of a superseded run: they must not be paid."""
    with reading(ledger_db) as connection:
        return [json.loads(old)["file"] for old in audit_values(
            connection, "payroll_exports", str(run_id), "void", "old")]
