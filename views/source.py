"""Where a period's statements come from: the close that recorded them, or, for a period not
closed, a computation now (a draft). A closed period's statement never changes with the
ledger: it is the result the close recorded as typed rows (``ledger.results``), or, for a
close made before those (revision 0004), the document it printed, kept in
``payee_results.statement`` and read back into records (``views.document.read_kept``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from engine.calculate import calculate_period
from ledger.records import CLOSED, PayeeRecord, PeriodResult
from rules_dsl.calendar import parse_period, period_span
from views.document import read_kept
from views.errors import NotFoundError
from views.paying import Payment, payments
from ledger.database import LedgerDb
from ledger.errors import LedgerRefused
from ledger.progress import quiet
from ledger.history import active_run, recorded_statements
from ledger.reads import payee_rows
from ledger.results import has_result, read_result


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


def period_statements(ledger_db: LedgerDb, period: str, payee: str | None = None,
                      status=quiet) -> list[Statement]:
    """Every payee's statement of ``period`` (or one payee's), sorted by payee id;
    ``status`` hears the stages of reading or computing them."""
    status("reading the statements")
    run_id = active_run(ledger_db, period)
    rows = payee_rows(ledger_db).all_as_of(period_span(period)[1])
    names = {payee_id: row.name for payee_id, row in rows.items()}
    if run_id is not None:
        found = _recorded(ledger_db, period, run_id, names, payee)
    else:
        found = statements_of(calculate_period(ledger_db, period, status=status).result,
                              names)
    if payee is not None:
        found = [s for s in found if s.payee == payee]
        if not found:
            length = parse_period(period)[0]
            raise NotFoundError(f"payee {payee!r} has no statement in {period}: no plan of "
                                f"theirs is paid by the {length} in it, and they carry no "
                                "balance or adjustment into it")
    return _with_payments(ledger_db, period, found, rows)


def closed_run(ledger_db: LedgerDb, period: str) -> int:
    """The active run of a closed period, or LedgerRefused saying what to do."""
    run_id = active_run(ledger_db, period)
    if run_id is None:
        raise LedgerRefused(f"{period} is not closed: close it first with "
                            f"`icm close --period {period}`")
    return run_id


def _with_payments(ledger_db: LedgerDb, period: str, statements: list[Statement],
                   rows: dict) -> list[Statement]:
    """Each statement with its pay in the payee's own currency, where that differs; ``rows``
    are the payees' rows in force on the period's last day."""
    found = payments(ledger_db, [(s.payee, s.currency,
                                  getattr(rows.get(s.payee), "currency", None),
                                  s.record.payout) for s in statements],
                     period_span(period)[1])
    return [dataclasses.replace(s, payment=paid) for s, paid in zip(statements, found)]


def _recorded(ledger_db: LedgerDb, period: str, run_id: int, names: dict,
              payee: str | None = None) -> list[Statement]:
    if has_result(ledger_db, run_id):
        records, lines = read_result(ledger_db, run_id, payee)
        return statements_of(PeriodResult(period, CLOSED, run_id, tuple(records), lines),
                             names)
    kept = []
    for _, stored in recorded_statements(ledger_db, run_id, payee):
        if stored is None:
            raise LedgerRefused(f"{period} was closed before statements were kept with "
                                "closes: reopen it and close it again to record them")
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
