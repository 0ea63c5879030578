"""Where a period's statements come from: the close that recorded them, or, for a period not
closed, a computation now (a draft). A closed period's statement never changes with the
ledger: it is the result the close recorded as typed rows (``ledger.results``), or, for a
close made before those (revision 0004), the document it printed, kept in
``payee_results.statement`` and read back into records (``views.document.read_kept``)."""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from engine.calculate import calculate_period
from ledger.records import CLOSED, PayeeRecord, PeriodResult
from rules_dsl.calendar import parse_period, period_span
from views.document import read_kept
from views.errors import NotFoundError
from views.labels import NONE, period_labels
from views.paying import Payment, payments
from views.team import with_teams
from views.year_so_far import with_year_so_far
from ledger.database import LedgerDb
from ledger.errors import LedgerRefused
from ledger.progress import quiet
from ledger.history import active_run, recorded_statements
from ledger.reads import payee_rows
from ledger.results import has_result, read_result


class PeriodLines:
    """Every line of a period's statements in one table, each payee's lines together in the
    statements' order, so what is computed a column at a time (the lines' documents and
    sentences, their figures as a statement shows them) is computed once for all payees and
    each statement takes its rows ``span``. Computed values are kept by name (``cached``)."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self._kept: dict = {}
        self.labels = NONE  # titles and deal names (views.labels), once read

    def cached(self, name: str, compute):
        """``compute(table)``, computed the first time ``name`` is asked for."""
        if name not in self._kept:
            self._kept[name] = compute(self.table)
        return self._kept[name]


@dataclass(frozen=True)
class Statement:
    period: str
    status: str  # closed | draft
    run_id: int | None
    name: str
    record: PayeeRecord
    own_lines: pd.DataFrame | None  # the payee's statement lines (ledger.records.LINES), in
    # order; None when they are rows ``span`` of ``shared`` (read as ``lines``)
    payment: Payment | None = None  # the pay in the payee's own currency, when it differs
    shared: PeriodLines | None = field(default=None, repr=False, compare=False)
    span: tuple[int, int] = (0, 0)
    team: tuple = ()  # a manager's reports whose deals pay them (views.team.ReportRow)
    year_so_far: dict = field(default_factory=dict)  # measure -> ((period, attainment),
    # ...) of the fiscal year's earlier closed periods (views.year_so_far)

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """The payee's lines as a table of their own (made when first read)."""
        if self.own_lines is not None:
            return self.own_lines
        start, stop = self.span
        return self.shared.table.iloc[start:stop].reset_index(drop=True)

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
    records = {s.payee: s.record for s in found}
    if payee is not None:
        found = [s for s in found if s.payee == payee]
        if not found:
            length = parse_period(period)[0]
            raise NotFoundError(f"payee {payee!r} has no statement in {period}: no plan of "
                                f"theirs is paid by the {length} in it, and they carry no "
                                "balance or adjustment into it")
    shared = found[0].shared if found else None
    if shared is not None:
        shared.labels = period_labels(ledger_db, shared.table["deal"].dropna().unique(),
                                      names)
    found = with_teams(ledger_db, run_id, found, records, names)
    found = with_year_so_far(ledger_db, period, found, payee)
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
    """Each payee's statement of a computed result, with their own lines: one table of all
    the lines in the statements' order (one grouping, one take), each statement a span."""
    rows = result.lines.groupby("payee", sort=False).indices
    parts = [rows.get(record.payee, _NONE) for record in result.payees]
    stops = np.cumsum([len(part) for part in parts], dtype=np.int64).tolist()
    order = np.concatenate(parts) if parts else _NONE
    in_order = np.array_equal(order, np.arange(len(result.lines)))
    shared = PeriodLines(result.lines.reset_index(drop=True) if in_order
                         else result.lines.take(order).reset_index(drop=True))
    return [Statement(result.period, result.status, result.run_id,
                      record.name or names.get(record.payee, record.payee), record, None,
                      shared=shared, span=(stop - len(part), stop))
            for record, part, stop in zip(result.payees, parts, stops)]
