"""How each kind's checked rows are written, inside the import's transaction
(``ledger.importing``): a keyed table replaces a row by its key, a deal gets a new version, a
deal's credits are replaced together; each change with its audit entry. Each kind names its
writer in ``ledger.kinds.SPECS``.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, String, bindparam, cast, delete, insert, select, tuple_, \
    update

from rules_dsl.deal_fields import STORED
from rules_dsl.types import Type
from ledger.audit import write_audit
from ledger.bulk import insert_columns, insert_rows
from ledger.progress import NoProgress, Progress
from ledger.schema import Base, Credit, Deal, Import

if TYPE_CHECKING:
    from ledger.kinds import KindSpec

LARGE = 100_000  # rows from which writing shows progress


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file: str
    rows: int
    inserted: int
    replaced: int
    unchanged: int

    def __str__(self) -> str:
        return (f"{self.file}: {self.rows:,} {self.kind} rows: {self.inserted:,} new, "
                f"{self.replaced:,} replaced, {self.unchanged:,} unchanged")


class ImportRun:
    """One import in progress: its connection, file, clock and (lazily) its import row."""

    def __init__(self, connection: Connection, kind: str, path: Path, actor: str | None,
                 progress: bool):
        self.connection, self.kind, self.path, self.actor = connection, kind, path, actor
        self.progress = progress
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.import_id: int | None = None
        self.rows = 0

    def import_row(self) -> int:
        """The id of this import's row in `imports`, written on the first change."""
        if self.import_id is None:
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
            self.import_id = self.connection.execute(insert(Import).values(
                kind=self.kind, file=str(self.path), sha256=digest, rows=self.rows,
                at=self.now, actor=self.actor).returning(Import.id)).scalar_one()
        return self.import_id

    def audit(self, table: str, entries: list[tuple[str, str, dict | None, dict | None]]):
        if not entries:
            return
        write_audit(self.connection, self.now, self.actor, table,
                    [(key, action, _json(old), _json(new)) for key, action, old, new in entries],
                    import_id=self.import_row())

    def meter(self, label: str, total: int):
        if self.progress and total >= LARGE:
            return Progress(f"{label} {self.path.name}", total)
        return NoProgress()


# -- keyed tables: a known key replaces the row, and the old row goes to the audit log ----


def write_keyed(run: ImportRun, spec: KindSpec, records: pd.DataFrame) -> ImportSummary:
    table = Base.metadata.tables[spec.table]
    columns = [c.name for c in table.columns]
    existing = {_key(row, spec.key): row for row in
                _read_table(run.connection, spec.table).to_dict("records")}
    fresh, replaced, audit = [], [], []
    unchanged = 0
    for record in records[columns].astype(object).where(records[columns].notna(), None
                                                          ).to_dict("records"):
        key = _key(record, spec.key)
        old = existing.get(key)
        if old is None:
            fresh.append(record)
            audit.append(("|".join(key), "insert", None, _plain(record)))
        elif _plain(old) == _plain(record):
            unchanged += 1
        else:
            replaced.append(record)
            audit.append(("|".join(key), "replace", _plain(old), _plain(record)))
    key_columns = [table.c[name] for name in spec.key]
    for record in replaced:
        typed = _typed(table, record)
        run.connection.execute(delete(table).where(
            tuple_(*key_columns) == tuple(typed[name] for name in spec.key)))
    if fresh or replaced:
        run.connection.execute(insert(table), [_typed(table, r) for r in fresh + replaced])
    run.audit(spec.table, audit)
    return ImportSummary(spec.name, str(run.path), len(records), len(fresh), len(replaced),
                         unchanged)


# -- deals: append-only versions ---------------------------------------------------------

# the columns of a deal version besides its key, and those of them that hold dates
_VERSIONED = [field.column for field in STORED if field.column != "id"] + ["extra"]
_DATES = {field.column for field in STORED if field.type == Type.DATE}


def write_deals(run: ImportRun, spec: KindSpec, records: pa.Table) -> ImportSummary:
    """Diff the file's deals (Arrow columns, ``kinds.prepare_deals``) with the current ones
    on their ids, in Arrow: a new id gets version 1, a changed deal its next version (the old
    one no longer current, with a `replace` audit entry), an unchanged one nothing."""
    current = _current_deals(run.connection)
    at = pc.index_in(records["id"], value_set=current["id"])  # null: a new deal
    known = _numpy(at.is_valid())
    old = current.take(pc.fill_null(at, 0)) if current.num_rows else None
    same = known.copy()
    for field in _VERSIONED if known.any() else ():
        new_value, old_value = _comparable(records[field]), _comparable(old[field])
        same &= _numpy(pc.fill_null(pc.equal(new_value, old_value), False)) | (
            _numpy(new_value.is_null()) & _numpy(old_value.is_null()))
    changed = np.flatnonzero(known & ~same)
    new = np.flatnonzero(~known)
    if len(new) or len(changed):
        import_id = run.import_row()
        if len(changed):
            changed_ids = records["id"].take(changed).to_pylist()
            # by primary key: a filter on `current` would walk the (current, date) index
            run.connection.execute(
                update(Deal).where(Deal.id == bindparam("deal_id"),
                                   Deal.version == bindparam("old_version"))
                .values(current=False),
                [{"deal_id": deal_id, "old_version": version} for deal_id, version in
                 zip(changed_ids, old["version"].take(changed).to_pylist())])
            run.audit("deals", [
                (deal_id, "replace", dict(zip(_VERSIONED, before)), dict(zip(_VERSIONED, after)))
                for deal_id, before, after in zip(
                    changed_ids, _tuples(old.take(changed), _VERSIONED),
                    _tuples(records.take(changed), _VERSIONED))])
        if len(changed):
            positions = pa.array(np.concatenate([new, changed]))
            writing = records.take(positions)
            versions = np.concatenate([np.ones(len(new), dtype=np.int64), _numpy(
                old["version"].take(pa.array(changed))).astype(np.int64) + 1])
        else:  # only new deals: the file's rows as they are
            writing = records if len(new) == records.num_rows else records.take(pa.array(new))
            versions = np.ones(len(new), dtype=np.int64)
        meter = run.meter("writing", writing.num_rows)
        rows = writing.num_rows
        insert_columns(run.connection, "deals", {
            "id": writing["id"], "version": versions,
            "current": pa.repeat(pa.scalar(True), rows),
            "import_id": pa.repeat(pa.scalar(import_id, pa.int64()), rows),
            **{field: writing[field] for field in _VERSIONED}}, meter.advance)
    return ImportSummary("deals", str(run.path), records.num_rows, len(new), len(changed),
                         int(same.sum()))


def _current_deals(connection: Connection) -> pa.Table:
    """The id, version and versioned columns of every current deal as Arrow columns (dates
    as ISO text). Read in bulk, not as rows: PostgreSQL by ``COPY ... TO STDOUT`` on the
    transaction's connection, SQLite through an ADBC connection of its own. That one sees
    what the transaction sees: the transaction holds the ledger's write lock
    (``BEGIN IMMEDIATE``), so no one else writes, and the import has written nothing yet.
    Measured at 1M deals: ADBC 1.0 s; sqlite3 fetchall and building the columns 4.6 s."""
    names = ["id", "version", *_VERSIONED]
    types = {"id": pa.string(), "version": pa.int64(), "amount": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in names])
    if connection.dialect.name == "postgresql":
        return _copy_out(connection, names, schema)
    database = connection.engine.url.database
    text = [f'"{name}"' if name in types else f'coalesce("{name}", char(0))' for name in names]
    query = f"SELECT {', '.join(text)} FROM deals WHERE current"
    if database and database != ":memory:" and not database.startswith("file:"):
        import adbc_driver_sqlite.dbapi as adbc_sqlite
        with adbc_sqlite.connect(database) as reader, reader.cursor() as cursor:
            cursor.execute(query)
            table = cursor.fetch_arrow_table()
    else:  # a ledger in memory: no one else can see it, and it is small
        rows = connection.connection.driver_connection.execute(query).fetchall()
        table = pa.table([pa.array(list(values), schema.field(name).type) for name, values in
                          zip(names, zip(*rows) if rows else [[]] * len(names))], names=names)
    if not table.num_rows:
        return schema.empty_table()
    # NULL went out as NUL (no value holds one: the reader refuses it) so that every column
    # has one type for the driver, whatever its first rows hold; it comes back as null here
    return pa.table([
        column.cast(schema.field(name).type) if name in types else
        pc.if_else(pc.equal(column, "\0"), pa.scalar(None, pa.string()), column)
        for name, column in zip(names, table.columns)], names=names)


def _copy_out(connection: Connection, names: list[str], schema: pa.Schema) -> pa.Table:
    columns = ", ".join(f'"{name}"' for name in names)
    buffer = io.BytesIO()
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f'COPY (SELECT {columns} FROM deals WHERE current) TO STDOUT (FORMAT csv)') as copy:
        for data in copy:
            buffer.write(data)
    if not buffer.tell():
        return schema.empty_table()
    buffer.seek(0)
    return pacsv.read_csv(buffer, read_options=pacsv.ReadOptions(column_names=names),
                          convert_options=pacsv.ConvertOptions(
                              column_types=schema, strings_can_be_null=True,
                              quoted_strings_can_be_null=False))


def _comparable(column) -> pa.Array:
    """A column as text or int64, so that the file's and the ledger's compare."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_date(column.type):
        return column.cast(pa.string())
    return column


def _tuples(table: pa.Table, names: list[str]) -> list[tuple]:
    return list(zip(*(table[name].to_pylist() for name in names)))


def _numpy(values) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.to_numpy(zero_copy_only=False)


# -- credits: a deal's rows are replaced together ----------------------------------------

_CREDIT_FIELDS = ["seq", "payee_id", "share_e9", "role", "extra"]


def write_credits(run: ImportRun, spec: KindSpec, records: pd.DataFrame) -> ImportSummary:
    deal_ids = records["deal_id"].unique().tolist()
    old = pd.read_sql(select(Credit.deal_id, *[Credit.__table__.c[f] for f in _CREDIT_FIELDS]),
                      run.connection)
    old = old[old["deal_id"].isin(deal_ids)]
    old_by_deal = {deal: _rows(group) for deal, group in old.groupby("deal_id")}
    new_by_deal = {deal: _rows(group) for deal, group in records.groupby("deal_id", sort=False)}
    changed = [deal for deal, rows in new_by_deal.items() if old_by_deal.get(deal) != rows]
    replaced = [deal for deal in changed if deal in old_by_deal]
    if changed:
        import_id = run.import_row()
        for start in range(0, len(replaced), 500):
            run.connection.execute(delete(Credit).where(Credit.deal_id.in_(
                replaced[start:start + 500])))
        run.audit("credits", [(deal, "replace", {"rows": old_by_deal[deal]},
                               {"rows": new_by_deal[deal]}) for deal in replaced])
        writing = records[records["deal_id"].isin(set(changed))]
        meter = run.meter("writing", len(writing))
        insert_rows(run.connection, "credits", ["deal_id", *_CREDIT_FIELDS, "import_id"],
                    ((*row, import_id) for row in zip(
                        writing["deal_id"], *[_nullable(writing[f]) for f in _CREDIT_FIELDS])),
                    meter.advance)
    unchanged = sum(len(rows) for deal, rows in new_by_deal.items() if deal not in changed)
    return ImportSummary("credits", str(run.path), len(records),
                         len(records) - unchanged - sum(len(new_by_deal[d]) for d in replaced),
                         sum(len(new_by_deal[d]) for d in replaced), unchanged)


# -- helpers -----------------------------------------------------------------------------


def _read_table(connection: Connection, name: str) -> pd.DataFrame:
    table = Base.metadata.tables[name]
    rows = connection.execute(select(table)).mappings().all()
    frame = pd.DataFrame([_plain(dict(row)) for row in rows],
                         columns=[c.name for c in table.columns])
    return frame


def _rows(group: pd.DataFrame) -> list[dict]:
    return [_plain(row) for row in group[_CREDIT_FIELDS].to_dict("records")]


def _key(row: dict, key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(_plain_value(row[name])) for name in key)


def _plain_value(value):
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _plain(row: dict) -> dict:
    return {name: _plain_value(value) for name, value in row.items()}


def _typed(table, record: dict) -> dict:
    """A record with ISO date text turned back into dates for SQLAlchemy Core."""
    typed = {}
    for name, value in record.items():
        value = _plain_value(value)
        if value is not None and table.c[name].type.python_type is datetime.date:
            value = datetime.date.fromisoformat(value)
        typed[name] = value
    return typed


def _canonical(column: pd.Series) -> pd.Series:
    """Values as comparable text: NA and None alike (pandas never finds None == None)."""
    if column.dtype.kind in "iu" or str(column.dtype) == "Int64":
        column = column.astype("Int64")
    values = column.astype(object)
    return values.where(column.notna(), "\0").astype(str)


def _nullable(column: pd.Series) -> list:
    """Plain Python values for the driver: ints as int, missing as None."""
    if str(column.dtype) in ("Int64", "int64"):
        return column.astype("Int64").astype(object).where(column.notna(), None).tolist()
    return column.astype(object).where(column.notna(), None).tolist()


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)
