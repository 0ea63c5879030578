"""A close's result as typed rows (revision 0004): written in bulk by the close, read back
into the same records and lines table for a closed period's statements.

Each payee's record is its ``payee_results`` row plus child rows in order (``position``):
plans, attainment, component totals, measures and their tier boundaries. The statement lines
are ``statement_lines`` (the ``LINES`` columns but ``text``: views render the sentences) with
one ``statement_slices`` row per used tier slice (base not 0; an unused slice reads as zeros,
which is all any reader looks at). Money is int64 minor units; an exact ratio is a
numerator/denominator pair of int64s. A value beyond 64 bits refuses the close, naming the
payee and plan: figures are int64 already (the engine refuses them), so only an exact ratio
with a huge numerator or denominator can, which no plan of ours produces.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from ledger.bulk import insert_columns, insert_rows
from ledger.database import LedgerDb, reading
from ledger.errors import LedgerRefused
from ledger.records import (CLOSED, INT, LINES, OBJECT, ComponentTotal, MeasureFigures, PayeeRecord,
                            PeriodResult, SettlementLine, StatementContext, TierBoundary,
                            conform, empty_lines, lines_frame, slice_count)
from ledger.schema import (PayeeResult, ResultAttainment, ResultBoundary, ResultComponent,
                           ResultMeasure, ResultPlan, StatementLine, StatementSlice)
from rules_dsl.money import Money, fits_int64

# statement_lines' columns and the LINES column each holds
_LINE_COLUMNS = {
    "payee_id": "payee", "position": None, "currency": "currency", "plan_id": "plan",
    "fiscal_year": "fiscal_year", "kind": "kind", "line_kind": "line_kind",
    "component": "component", "deal_id": "deal", "credit_seq": "seq", "deal_date": "date",
    "report": "report", "base": "base", "rate_num": "rate", "rate_den": "rate_per",
    "tier_basis": "tier_basis", "cap": "cap", "amount": "amount", "earned_before": "before",
    "earned_now": "current", "cause": "cause", "note": "note", "reason": "reason",
    "draw": "draw"}
_SLICE_COLUMNS = ["payee_id", "position", "tier", "base", "rate_num", "rate_den",
                  "start_num", "start_den"]
_SLICE_OF = {"base": "slice_base_{k}", "rate_num": "slice_rate_{k}",
             "rate_den": "slice_per_{k}", "start_num": "slice_from_{k}",
             "start_den": "slice_from_per_{k}"}


# ------------------------------------------------------------------------------ writing

def write_result(connection: Connection, run_id: int, result: PeriodResult) -> list[dict]:
    """Write the statement lines, their slices and each payee's child rows of ``run_id``;
    returns what ``payee_results`` holds of each record beyond its settlement."""
    _write_lines(connection, run_id, result.lines)
    children: dict[type, list[tuple]] = {table: [] for table in _CHILDREN}
    extra = []
    for record in result.payees:
        _check_record(record)
        context = record.context
        key = (run_id, record.payee)
        children[ResultPlan] += [key + (i, plan) for i, plan in enumerate(record.plans)]
        children[ResultAttainment] += [key + (i, name, value.numerator, value.denominator)
                                       for i, (name, value) in enumerate(record.attainment)]
        children[ResultComponent] += [key + (i, c.component, c.earned_to_date, c.payout)
                                      for i, c in enumerate(record.components)]
        for i, m in enumerate(context.measures):
            children[ResultMeasure].append(key + (i, m.measure, m.type, *_pair(m.value),
                                                  *_pair(m.quota), *_pair(m.attainment)))
            children[ResultBoundary] += [key + (i, j, b.component, *_pair(b.start), b.basis)
                                         for j, b in enumerate(m.boundaries)]
        extra.append({"paid_to_date": record.paid_to_date, "name": context.name,
                      "target_incentive": context.target_incentive,
                      "period_target_incentive": context.period_target_incentive})
    for table, rows in children.items():
        if rows:
            insert_rows(connection, table.__tablename__, _CHILDREN[table], rows)
    return extra


_CHILDREN = {
    ResultPlan: ["run_id", "payee_id", "position", "plan"],
    ResultAttainment: ["run_id", "payee_id", "position", "measure", "numerator",
                       "denominator"],
    ResultComponent: ["run_id", "payee_id", "position", "component", "earned_to_date",
                      "payout"],
    ResultMeasure: ["run_id", "payee_id", "position", "measure", "type", "value_num",
                    "value_den", "quota_num", "quota_den", "attainment_num", "attainment_den"],
    ResultBoundary: ["run_id", "payee_id", "measure_position", "position", "component",
                     "start_num", "start_den", "basis"]}


def _pair(value) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    if isinstance(value, int):  # Money and plain ints: no Fraction to build
        return int(value), 1
    return value.numerator, value.denominator


def _check_record(record: PayeeRecord) -> None:
    """Every int of the record fits a BigInteger column, or the close refuses."""
    context = record.context
    figures = [("paid to date", record.paid_to_date),
               ("target incentive", context.target_incentive),
               ("period target incentive", context.period_target_incentive)]
    figures += [(f"attainment of {name}", value) for name, value in record.attainment]
    figures += [(f"component {c.component}", v) for c in record.components
                for v in (c.earned_to_date, c.payout)]
    for m in context.measures:
        figures += [(f"measure {m.measure}", v) for v in (m.value, m.quota, m.attainment)]
        figures += [(f"tier boundary of {b.component}", b.start) for b in m.boundaries]
    for what, value in figures:
        if value is not None and not all(fits_int64(n) for n in _pair(value)):
            _refuse(record.payee, ", ".join(record.plans), what)


def _refuse(payee: str, plan: str | None, what: str) -> None:
    raise LedgerRefused(f"the close cannot record {payee}'s result on plan {plan or '-'}: "
                        f"{what} does not fit in 64 bits (an exact ratio's numerator or "
                        "denominator is too large); nothing was recorded")


def _write_lines(connection: Connection, run_id: int, lines: pd.DataFrame) -> None:
    """The statement lines and their used tier slices, as columns in bulk."""
    count = len(lines)
    if not count:
        return
    payee = lines["payee"]
    position = lines.groupby("payee", sort=False).cumcount().to_numpy(dtype=np.int64)
    insert_columns(connection, StatementLine.__tablename__, {
        "run_id": np.full(count, run_id, dtype=np.int64),
        **{name: position if source is None else _column(lines, source)
           for name, source in _LINE_COLUMNS.items()}})
    for k in range(slice_count(lines)):
        used = np.flatnonzero(lines[f"slice_base_{k}"].to_numpy(dtype=np.int64) != 0)
        if not len(used):
            continue
        part = lines.take(used)
        insert_columns(connection, StatementSlice.__tablename__, {
            "run_id": np.full(len(used), run_id, dtype=np.int64),
            "payee_id": payee.take(used), "position": position[used],
            "tier": np.full(len(used), k, dtype=np.int64),
            **{name: _column(part, source.format(k=k)) for name, source in _SLICE_OF.items()}})


def _column(lines: pd.DataFrame, column: str):
    """A column as the bulk write takes it; an exact-ratio column of Python ints (one that
    did not fit int64 somewhere) must fit int64 here, or the close refuses."""
    values = lines[column]
    if values.dtype == object and LINES.get(column) != OBJECT:
        for i, value in enumerate(values.tolist()):
            if not fits_int64(value):
                _refuse(lines["payee"].iloc[i], lines["plan"].iloc[i],
                        f"the {column} of a line")
        return values.to_numpy(dtype=np.int64)
    return values


# ------------------------------------------------------------------------------ reading

def has_result(ledger_db: LedgerDb | Connection, run_id: int) -> bool:
    """Whether the run was recorded as typed rows (closes from revision 0004 on)."""
    with reading(ledger_db) as connection:
        return connection.execute(select(PayeeResult.payee_id).where(
            PayeeResult.run_id == run_id, PayeeResult.paid_to_date.is_not(None)).limit(1)
        ).first() is not None


def read_result(ledger_db: LedgerDb | Connection, run_id: int, payee: str | None = None
                ) -> tuple[list[PayeeRecord], pd.DataFrame]:
    """The records of a run recorded as typed rows (of every payee, sorted, or of one) and
    their statement lines in statement order, ``text`` None: the views render it."""
    with reading(ledger_db) as connection:
        def rows(table, *order):
            query = select(table).where(table.run_id == run_id)
            if payee is not None:
                query = query.where(table.payee_id == payee)
            return connection.execute(query.order_by(table.payee_id, *order)).all()
        results = rows(PayeeResult)
        children = {table: _by_payee(rows(table, *([table.measure_position]
                                                   if table is ResultBoundary else []),
                                          table.position))
                    for table in _CHILDREN}
        lines = _lines(rows(StatementLine, StatementLine.position),
                       rows(StatementSlice, StatementSlice.position, StatementSlice.tier))
    settlement = _settlement(lines)
    records = [_record(result, children, settlement.get(result.payee_id, ()))
               for result in sorted(results, key=lambda r: r.payee_id)]
    return records, lines


def _by_payee(rows) -> dict[str, list]:
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.payee_id, []).append(row)
    return found


def _record(result, children: dict, settlement: tuple) -> PayeeRecord:
    payee = result.payee_id
    boundaries: dict[int, list] = {}
    for b in children[ResultBoundary].get(payee, []):
        boundaries.setdefault(b.measure_position, []).append(TierBoundary(
            b.component, Money(b.start_num) if b.basis == "amount"
            else Fraction(b.start_num, b.start_den), b.basis))
    measures = tuple(MeasureFigures(
        m.measure, m.type, _figure(m.value_num, m.value_den, m.type),
        _figure(m.quota_num, m.quota_den, m.type),
        None if m.attainment_den is None else Fraction(m.attainment_num, m.attainment_den),
        tuple(boundaries.get(m.position, ()))) for m in children[ResultMeasure].get(payee, []))
    return PayeeRecord(
        payee=payee, currency=result.currency,
        plans=tuple(p.plan for p in children[ResultPlan].get(payee, [])), status=CLOSED,
        fiscal_year=result.fiscal_year or None, earned_to_date=result.earned_to_date,
        paid_to_date=result.paid_to_date, earned=result.earned,
        adjustments=result.adjustments, draw=result.draw, payout=result.payout,
        carried_balance=result.carried_balance,
        attainment=tuple((a.measure, Fraction(a.numerator, a.denominator))
                         for a in children[ResultAttainment].get(payee, [])),
        components=tuple(ComponentTotal(c.component, c.earned_to_date, c.payout)
                         for c in children[ResultComponent].get(payee, [])),
        settlement=settlement,
        context=StatementContext(result.name, result.target_incentive,
                                 result.period_target_incentive, measures))


def _figure(numerator, denominator, kind: str):
    """A measure's figure as the engine makes it: money as ``Money``, else a Fraction."""
    if denominator is None:
        return None
    return Money(numerator) if kind == "money" else Fraction(numerator, denominator)


def _settlement(lines: pd.DataFrame) -> dict[str, tuple]:
    """Each payee's settlement lines (those of no line key), in statement order."""
    rows = lines[lines["line_kind"].isna().to_numpy()]
    found: dict[str, list] = {}
    for payee, kind, amount, reason, draw in zip(*[rows[c].tolist() for c in (
            "payee", "kind", "amount", "reason", "draw")]):
        found.setdefault(payee, []).append(SettlementLine(kind, amount, reason, draw))
    return {payee: tuple(lines) for payee, lines in found.items()}


def _lines(rows, slice_rows) -> pd.DataFrame:
    if not rows:
        return conform(empty_lines())
    stored = dict(zip(rows[0]._fields, zip(*rows)))
    count = len(rows)
    columns = {}
    for name, source in _LINE_COLUMNS.items():
        if source is None:
            continue
        values = stored[name]
        if source in ("fiscal_year", "base"):
            values = pd.array(values, dtype="Int64")
        elif source == "date":
            values = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(
                dtype="datetime64[s]")
        elif LINES[source] == INT:
            values = np.array(values, dtype=np.int64)
        else:
            values = np.array(values, dtype=object)
        columns[source] = values
    columns["text"] = None
    if slice_rows:
        pieces = dict(zip(slice_rows[0]._fields, zip(*slice_rows)))
        tier = np.array(pieces["tier"], dtype=np.int64)
        index = pd.MultiIndex.from_arrays([stored["payee_id"], stored["position"]])
        at = index.get_indexer(pd.MultiIndex.from_arrays(
            [pieces["payee_id"], pieces["position"]]))
        tiers = int(tier.max()) + 1
        for name, pattern in _SLICE_OF.items():
            values = np.array(pieces[name], dtype=np.int64)
            for k in range(tiers):
                column = np.zeros(count, dtype=np.int64)
                mine = tier == k
                column[at[mine]] = values[mine]
                columns[pattern.format(k=k)] = column
    frame = lines_frame(columns)
    order = np.lexsort((np.array(stored["position"], dtype=np.int64),
                        pd.factorize(np.array(stored["payee_id"], dtype=object), sort=True)[0]))
    return conform(frame.take(order).reset_index(drop=True))
