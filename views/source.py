"""Where a period's statements come from: the close that recorded them, or, for a period not
closed, a computation now (a draft). A closed period's statement never changes with the
ledger: it is the document the close printed, kept in ``payee_results.statement`` and read
back into records (``views.document.from_json``)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from engine.calculate import calculate_period
from ledger.records import CLOSED, PayeeRecord, PeriodResult
from rules_dsl.calendar import parse_period, period_span
from views.document import read_kept
from views.errors import NotFoundError
from views.paying import Payment, payment
from ledger.errors import LedgerRefused
from ledger.schema import CalculationRun, Payee, PayeeResult


@dataclass(frozen=True)
class Statement:
    period: str
    status: str  # closed | draft
    run_id: int | None
    name: str
    record: PayeeRecord
    lines: pd.DataFrame  # the payee's statement lines (ledger.records.LINES), in order
    payment: Payment | None = None  # the pay in the payee's own currency, when it differs

    @property
    def payee(self) -> str:
        return self.record.payee

    @property
    def currency(self) -> str:
        return self.record.currency


def period_statements(engine: Engine, period: str, payee: str | None = None
                      ) -> list[Statement]:
    """Every payee's statement of ``period`` (or one payee's), sorted by payee id."""
    with engine.connect() as connection:
        run_id = _active_run(connection, period)
        rows = payees_as_of(connection, period_span(period)[1])
        names = {payee_id: row.name for payee_id, row in rows.items()}
        if run_id is not None:
            found = _recorded(connection, period, run_id, names, payee)
    if run_id is None:
        found = statements_of(calculate_period(engine, period).result, names)
    if payee is not None:
        found = [s for s in found if s.payee == payee]
        if not found:
            length = parse_period(period)[0]
            raise NotFoundError(f"payee {payee!r} has no statement in {period}: no plan of "
                                f"theirs is paid by the {length} in it, and they carry no "
                                "balance or adjustment into it")
    return _with_payments(engine, period, found, rows)


def closed_run(engine: Engine, period: str) -> int:
    """The active run of a closed period, or LedgerRefused saying what to do."""
    with engine.connect() as connection:
        run_id = _active_run(connection, period)
    if run_id is None:
        raise LedgerRefused(f"{period} is not closed: close it first with "
                            f"`icm close --period {period}`")
    return run_id


def _with_payments(engine: Engine, period: str, statements: list[Statement], rows: dict
                   ) -> list[Statement]:
    """Each statement with its pay in the payee's own currency, where that differs; ``rows``
    are the payees' rows in force on the period's last day."""
    day = period_span(period)[1]
    with engine.connect() as connection:
        return [dataclasses.replace(s, payment=payment(
            connection, s.payee, s.currency, getattr(rows.get(s.payee), "currency", None),
            s.record.payout, day)) for s in statements]


def _active_run(connection, period: str) -> int | None:
    """The run of the close in force for ``period``, None when it is open."""
    length, _, _ = parse_period(period)
    return connection.execute(select(CalculationRun.id).where(
        CalculationRun.length == length, CalculationRun.period == period,
        CalculationRun.status == "active")).scalar_one_or_none()


def _recorded(connection, period: str, run_id: int, names: dict, payee: str | None = None
              ) -> list[Statement]:
    query = select(PayeeResult.payee_id, PayeeResult.statement).where(
        PayeeResult.run_id == run_id).order_by(PayeeResult.payee_id)
    if payee is not None:
        query = query.where(PayeeResult.payee_id == payee)
    kept = []
    for _, text in connection.execute(query):
        if text is None:
            raise LedgerRefused(f"{period} was closed before statements were kept with "
                                "closes: reopen it and close it again to record them")
        stored = json.loads(text)
        kept.append((stored["document"], stored["context"]))
    records, lines = read_kept(kept, CLOSED)
    return statements_of(PeriodResult(period, CLOSED, run_id, tuple(records), lines), names)


_NONE = np.array([], dtype=np.int64)


def statements_of(result: PeriodResult, names: dict) -> list[Statement]:
    """Each payee's statement of a computed result, with their own lines."""
    rows = result.lines.groupby("payee", sort=False).indices
    return [Statement(result.period, result.status, result.run_id,
                      record.name or names.get(record.payee, record.payee), record,
                      result.lines.take(rows.get(record.payee, _NONE)).reset_index(drop=True))
            for record in result.payees]


def payees_as_of(connection, day) -> dict:
    """Each payee's row in force on ``day`` (its first row, for one who starts later)."""
    rows = {}
    for row in connection.execute(select(Payee).order_by(Payee.id, Payee.effective_from)):
        if row.id not in rows or row.effective_from <= day:
            rows[row.id] = row
    return rows
