"""A close's result as typed rows (revision 0004): written in bulk by the close, read back
into the same records and lines table for a closed period's statements.

Each payee's record is its ``payee_results`` row plus child rows in order (``position``):
plans, attainment, component totals, measures and their tier boundaries. The statement lines
are ``statement_lines`` (the ``LINES`` columns but ``text``: views render the sentences),
each carrying its first used tier slice (base not 0; since 0006), with a ``statement_slices``
row for each further used slice of a line across tiers (an unused slice reads as zeros,
which is all any reader looks at). Money is int64 minor units; an exact ratio is a
numerator/denominator pair of int64s. A value beyond 64 bits refuses the close, naming the
payee and plan: figures are int64 already (the engine refuses them), so only an exact ratio
with a huge numerator or denominator can, which no plan of ours produces.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Table, select

from ledger.database import LedgerDb, reading
from ledger.errors import LedgerRefused
from ledger.records import (CLOSED, INT, LINES, OBJECT, ComponentTotal, MeasureFigures, PayeeRecord,
                            SettlementLine, StatementContext, TierBoundary, conform,
                            empty_lines, lines_frame, slice_count)
from ledger.schema import (payee_results, result_attainment, result_boundaries,
                           result_components, result_measures, result_plans, statement_lines,
                           statement_slices)
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
_SLICE_OF = {"base": "slice_base_{k}", "rate_num": "slice_rate_{k}",
             "rate_den": "slice_per_{k}", "start_num": "slice_from_{k}",
             "start_den": "slice_from_per_{k}"}


# ------------------------------------------------------------------------------ writing

def payee_tables(run_id: int, payees: tuple[PayeeRecord, ...]) -> dict[str, dict]:
    """Every payee's ``payee_results`` row and child rows that ``run_id`` records, table ->
    columns for a bulk write (``ledger.bulk.insert_tables``), gathered a column at a time (a
    tuple per row set off the collector's full passes: 0.2 s at 10,000 payees) and made
    int64 Arrow columns at once. Only when an int does not fit are the records checked one
    by one, to name the payee (a check of every payee cost 0.1 s at 10,000)."""
    if not payees:
        return {}
    plans = _children(payees, lambda record: record.plans)
    attainment = _children(payees, lambda record: record.attainment)
    components = _children(payees, lambda record: record.components)
    measures = _children(payees, lambda record: record.context.measures)
    boundaries = _boundaries(measures)
    contexts = [record.context for record in payees]
    gathered = {
        payee_results: {
            **{name: [getattr(record, name) for record in payees] for name in (
                "currency", "earned_to_date", "earned", "adjustments", "draw", "payout",
                "carried_balance", "paid_to_date", "held")},
            "payee_id": [record.payee for record in payees],
            "fiscal_year": [record.fiscal_year or 0 for record in payees],
            **{name: [getattr(context, name) for context in contexts] for name in (
                "name", "target_incentive", "period_target_incentive")}},
        result_plans: {**plans.keys, "plan": plans.items},
        result_attainment: {**attainment.keys, "measure": [a[0] for a in attainment.items],
                            **_pairs("numerator", "denominator",
                                     [a[1] for a in attainment.items])},
        result_components: {**components.keys,
                            **{name: [getattr(c, name) for c in components.items]
                               for name in ("component", "earned_to_date", "payout",
                                            "held")}},
        result_measures: {**measures.keys,
                          **{name: [getattr(m, name) for m in measures.items]
                             for name in ("measure", "type")},
                          **_pairs("value_num", "value_den", [m.value for m in measures.items]),
                          **_pairs("quota_num", "quota_den", [m.quota for m in measures.items]),
                          **_pairs("attainment_num", "attainment_den",
                                   [m.attainment for m in measures.items])},
        result_boundaries: {**boundaries.keys,
                            **{name: [getattr(b, name) for b in boundaries.items]
                               for name in ("component", "basis")},
                            **_pairs("start_num", "start_den",
                                     [b.start for b in boundaries.items])}}
    try:
        return {table.name: _typed(table, run_id, columns)
                for table, columns in gathered.items() if columns["payee_id"]}
    except OverflowError:
        for record in payees:
            _check_record(record)
        raise


@dataclass(frozen=True)
class _Children:
    """Child items of many owners, flattened in order, with their key columns (the owner's
    payee id and the item's position; a tier boundary has its measure's position too)."""
    keys: dict[str, list]
    items: list


def _children(payees, items_of) -> _Children:
    owned = [items_of(record) for record in payees]
    return _Children({
        "payee_id": [record.payee for record, items in zip(payees, owned) for _ in items],
        "position": [i for items in owned for i in range(len(items))]},
        [item for items in owned for item in items])


def _boundaries(measures: _Children) -> _Children:
    owned = [m.boundaries for m in measures.items]
    return _Children({
        "payee_id": [payee for payee, items in zip(measures.keys["payee_id"], owned)
                     for _ in items],
        "measure_position": [i for i, items in zip(measures.keys["position"], owned)
                             for _ in items],
        "position": [j for items in owned for j in range(len(items))]},
        [item for items in owned for item in items])


def _pairs(numerator: str, denominator: str, values: list) -> dict[str, list]:
    """Exact figures (``Money``, int or Fraction; None for none) as numerator and
    denominator columns: an int is its own numerator over 1."""
    return {numerator: [None if v is None else v.numerator for v in values],
            denominator: [None if v is None else v.denominator for v in values]}


def _typed(table: Table, run_id: int, columns: dict[str, list]) -> dict[str, object]:
    """A table's gathered columns as Arrow columns typed by its columns' types, with its run
    id: an int beyond 64 bits raises OverflowError."""
    typed = {"run_id": np.full(len(columns["payee_id"]), run_id, dtype=np.int64)}
    for name, values in columns.items():
        kind = table.c[name].type.python_type
        typed[name] = pa.array(values, pa.int64() if kind is int else pa.string())
    return typed


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
    for what, value in figures:  # an int is its own numerator over 1
        if value is not None and not (fits_int64(value.numerator) and
                                      fits_int64(value.denominator)):
            _refuse(record.payee, ", ".join(record.plans), what)


def _refuse(payee: str, plan: str | None, what: str) -> None:
    raise LedgerRefused(f"the close cannot record {payee}'s result on plan {plan or '-'}: "
                        f"{what} does not fit in 64 bits (an exact ratio's numerator or "
                        "denominator is too large); nothing was recorded")


def line_tables(run_id: int, lines: pd.DataFrame, after: pd.Series | None = None
                ) -> dict[str, dict]:
    """The statement lines, each with its first used tier slice, and the further used
    slices of a line across tiers (every tier's in one table). A payee's lines are numbered
    in order from 0, or from ``after[payee]`` (how many of the run's lines were written
    before these)."""
    count = len(lines)
    if not count:
        return {}
    position = lines.groupby("payee", sort=False).cumcount().to_numpy(dtype=np.int64)
    if after is not None:
        position = position + lines["payee"].map(after).fillna(0).to_numpy(dtype=np.int64)
    statement = {"run_id": np.full(count, run_id, dtype=np.int64),
                 **{name: position if source is None else _column(lines, source)
                    for name, source in _LINE_COLUMNS.items()}}
    tables = {statement_lines.name: statement}
    tiers = slice_count(lines)
    used = np.stack([lines[f"slice_base_{k}"].to_numpy(dtype=np.int64) != 0
                     for k in range(tiers)], axis=1) if tiers else np.zeros((count, 0), bool)
    first = used.argmax(axis=1) if tiers else np.zeros(count, dtype=np.int64)
    inline = used.any(axis=1)
    statement["tier"] = pa.array(first, pa.int64(), mask=~inline)
    inline_values = {name: np.zeros(count, dtype=np.int64) for name in _SLICE_OF}
    further = []
    for k in range(tiers):
        rows = np.flatnonzero(used[:, k])
        values = {name: _column(lines, source.format(k=k), rows)
                  for name, source in _SLICE_OF.items()}
        here = first[rows] == k
        for name, column in values.items():
            inline_values[name][rows[here]] = column[here]
        if not here.all():
            more = rows[~here]
            further.append({"payee_id": lines["payee"].to_numpy(dtype=object)[more],
                            "position": position[more],
                            "tier": np.full(len(more), k, dtype=np.int64),
                            **{name: column[~here] for name, column in values.items()}})
    statement.update({f"tier_{name}": pa.array(values, pa.int64(), mask=~inline)
                      for name, values in inline_values.items()})
    if further:
        tables[statement_slices.name] = {
            "run_id": np.full(sum(len(rows["tier"]) for rows in further), run_id,
                              dtype=np.int64),
            **{name: np.concatenate([rows[name] for rows in further]) for name in further[0]}}
    return tables


def _column(lines: pd.DataFrame, column: str, rows: np.ndarray | None = None):
    """A column (of ``rows`` only, if given) as the bulk write takes it; an exact-ratio
    column of Python ints (one that did not fit int64 somewhere) must fit int64 here, or the
    close refuses."""
    values = lines[column] if rows is None else lines[column].iloc[rows]
    if values.dtype == object and LINES.get(column) != OBJECT:
        for i, value in enumerate(values.tolist()):
            if not fits_int64(value):
                at = i if rows is None else rows[i]
                _refuse(lines["payee"].iloc[at], lines["plan"].iloc[at],
                        f"the {column} of a line")
        return values.to_numpy(dtype=np.int64)
    return values if rows is None else values.to_numpy()


# ------------------------------------------------------------------------------ reading

_CHILDREN = (result_plans, result_attainment, result_components, result_measures,
             result_boundaries)


def has_result(ledger_db: LedgerDb | Connection, run_id: int) -> bool:
    """Whether the run was recorded as typed rows (closes from revision 0004 on)."""
    with reading(ledger_db) as connection:
        return connection.execute(select(payee_results.c.payee_id).where(
            payee_results.c.run_id == run_id, payee_results.c.paid_to_date.is_not(None)
        ).limit(1)).first() is not None


def read_result(ledger_db: LedgerDb | Connection, run_id: int, payee: str | None = None
                ) -> tuple[list[PayeeRecord], pd.DataFrame]:
    """The records of a run recorded as typed rows (of every payee, sorted, or of one) and
    their statement lines in statement order, ``text`` None: the views render it."""
    with reading(ledger_db) as connection:
        def rows(table, *order):
            query = select(table).where(table.c.run_id == run_id)
            if payee is not None:
                query = query.where(table.c.payee_id == payee)
            return connection.execute(query.order_by(table.c.payee_id, *order)).all()
        results = rows(payee_results)
        children = {table: _by_payee(rows(table, *([table.c.measure_position]
                                                   if table is result_boundaries else []),
                                          table.c.position))
                    for table in _CHILDREN}
        lines = _lines(rows(statement_lines, statement_lines.c.position),
                       rows(statement_slices, statement_slices.c.position,
                            statement_slices.c.tier))
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
    for b in children[result_boundaries].get(payee, []):
        boundaries.setdefault(b.measure_position, []).append(TierBoundary(
            b.component, Money(b.start_num) if b.basis == "amount"
            else Fraction(b.start_num, b.start_den), b.basis))
    measures = tuple(MeasureFigures(
        m.measure, m.type, _figure(m.value_num, m.value_den, m.type),
        _figure(m.quota_num, m.quota_den, m.type),
        None if m.attainment_den is None else Fraction(m.attainment_num, m.attainment_den),
        tuple(boundaries.get(m.position, ()))) for m in children[result_measures].get(payee, []))
    return PayeeRecord(
        payee=payee, currency=result.currency,
        plans=tuple(p.plan for p in children[result_plans].get(payee, [])), status=CLOSED,
        fiscal_year=result.fiscal_year or None, earned_to_date=result.earned_to_date,
        paid_to_date=result.paid_to_date, earned=result.earned,
        adjustments=result.adjustments, draw=result.draw, payout=result.payout,
        carried_balance=result.carried_balance,
        attainment=tuple((a.measure, Fraction(a.numerator, a.denominator))
                         for a in children[result_attainment].get(payee, [])),
        components=tuple(ComponentTotal(c.component, c.earned_to_date, c.payout,
                                        c.held or 0)
                         for c in children[result_components].get(payee, [])),
        settlement=settlement,
        context=StatementContext(result.name, result.target_incentive,
                                 result.period_target_incentive, measures),
        held=result.held or 0)


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
    columns.update(_slices(stored, slice_rows))
    frame = lines_frame(columns)
    order = np.lexsort((np.array(stored["position"], dtype=np.int64),
                        pd.factorize(np.array(stored["payee_id"], dtype=object), sort=True)[0]))
    return conform(frame.take(order).reset_index(drop=True))


def _slices(stored: dict, slice_rows) -> dict[str, np.ndarray]:
    """The ``slice_*_K`` columns of the lines: each line's first used slice from its own
    row, its further ones from ``statement_slices``; an unused slice reads as zeros, and
    tiers past the last one used are left off."""
    count = len(stored["tier"])
    inline = np.array([-1 if tier is None else tier for tier in stored["tier"]],
                      dtype=np.int64)
    pieces = dict(zip(slice_rows[0]._fields, zip(*slice_rows))) if slice_rows else {}
    further = np.array(pieces.get("tier", ()), dtype=np.int64)
    at = pd.MultiIndex.from_arrays([stored["payee_id"], stored["position"]]).get_indexer(
        pd.MultiIndex.from_arrays([pieces["payee_id"], pieces["position"]])) \
        if len(further) else further
    tiers = int(max(inline.max(initial=-1), further.max(initial=-1))) + 1
    columns = {}
    for name, pattern in _SLICE_OF.items():
        own = np.array([0 if value is None else value for value in stored[f"tier_{name}"]],
                       dtype=np.int64)
        more = np.array(pieces.get(name, ()), dtype=np.int64)
        for k in range(tiers):
            column = np.where(inline == k, own, np.zeros(count, dtype=np.int64))
            mine = further == k
            column[at[mine]] = more[mine]
            columns[pattern.format(k=k)] = column
    return columns


def recorded_attainment(ledger_db: LedgerDb | Connection, run_ids: list[int],
                        payees: list[str] | None = None) -> list[tuple]:
    """(run id, payee, fiscal year, measure, attainment) of every measure with attainment
    that the closes ``run_ids`` recorded (of ``payees`` only, when given): the figures of
    earlier periods a statement shows beside its own."""
    if not run_ids:
        return []
    m, r = result_measures, payee_results
    query = select(m.c.run_id, m.c.payee_id, r.c.fiscal_year, m.c.measure,
                   m.c.attainment_num, m.c.attainment_den).join(
        r, (r.c.run_id == m.c.run_id) & (r.c.payee_id == m.c.payee_id)).where(
        m.c.run_id.in_(run_ids), m.c.attainment_den.is_not(None))
    if payees is not None:
        query = query.where(m.c.payee_id.in_(payees))
    with reading(ledger_db) as connection:
        return [(run, payee, year, measure, Fraction(numerator, denominator))
                for run, payee, year, measure, numerator, denominator in connection.execute(
                    query.order_by(m.c.run_id, m.c.payee_id, m.c.position))]
