"""How each kind's checked rows are written, inside the import's transaction
(``ledger.importing``): a keyed table replaces a row by its key, a deal gets a new version, a
deal's credits are replaced together; each change with its audit entry. Each kind names its
writer in ``ledger.kinds.SPECS``.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, bindparam, delete, insert, select, tuple_, update

from rules_dsl.deal_fields import STORED
from ledger.audit import write_audit
from ledger.bulk import insert_columns
from ledger.known_rows import current_credits, current_deals
from ledger.progress import Meter
from ledger.schema import credits, deals, imports, metadata

if TYPE_CHECKING:
    from ledger.kinds import KindSpec


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
                 progress):
        self.connection, self.kind, self.path, self.actor = connection, kind, path, actor
        self.progress = progress
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.import_id: int | None = None
        self.rows = 0

    def import_row(self) -> int:
        """The id of this import's row in `imports`, written on the first change."""
        if self.import_id is None:
            with open(self.path, "rb") as file:  # a piece at a time, whatever the size
                digest = hashlib.file_digest(file, "sha256").hexdigest()
            self.import_id = self.connection.execute(insert(imports).values(
                kind=self.kind, file=str(self.path), sha256=digest, rows=self.rows,
                at=self.now, actor=self.actor).returning(imports.c.id)).scalar_one()
        return self.import_id

    def audit(self, table: str, entries: list[tuple[str, str, dict | None, dict | None]]):
        if not entries:
            return
        write_audit(self.connection, self.now, self.actor, table,
                    [(key, action, _json(old), _json(new)) for key, action, old, new in entries],
                    import_id=self.import_row())

    def meter(self, label: str, total: int) -> Meter:
        """How many of ``total`` rows are written, told to the import's progress."""
        return Meter(self.progress, label, total, "rows")


# -- keyed tables: a known key replaces the row, and the old row goes to the audit log ----


def write_keyed(run: ImportRun, spec: KindSpec, records: pd.DataFrame) -> ImportSummary:
    table = metadata.tables[spec.table]
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

# the columns of a deal version besides its key
_VERSIONED = [field.column for field in STORED if field.column != "id"] + ["extra"]


def write_deals(run: ImportRun, spec: KindSpec, records: pa.Table) -> ImportSummary:
    """Diff the file's deals (Arrow columns, ``kinds.prepare_deals``) with the current ones
    on their ids, in Arrow: a new id gets version 1, a changed deal its next version (the old
    one no longer current, with a `replace` audit entry), an unchanged one nothing."""
    current = current_deals(run.connection, ["id", "version", *_VERSIONED])
    at = pc.index_in(records["id"], value_set=current["id"])  # null: a new deal
    known = _numpy(at.is_valid())
    at = pc.fill_null(at, 0)
    same = known.copy()
    for field in _VERSIONED if known.any() else ():  # a column at a time: memory stays flat
        new_value, old_value = _comparable(records[field]), current[field].take(at)
        same &= _numpy(pc.fill_null(pc.equal(new_value, old_value), False)) | (
            _numpy(new_value.is_null()) & _numpy(old_value.is_null()))
    changed = np.flatnonzero(known & ~same)
    new = np.flatnonzero(~known)
    old = current.take(at.take(pa.array(changed, pa.int64())))  # the changed deals' rows
    del current, at
    if len(new) or len(changed):
        import_id = run.import_row()
        if len(changed):
            changed_ids = records["id"].take(changed).to_pylist()
            # by primary key: a filter on `current` would walk the (current, date) index
            run.connection.execute(
                update(deals).where(deals.c.id == bindparam("deal_id"),
                                    deals.c.version == bindparam("old_version"))
                .values(current=False),
                [{"deal_id": deal_id, "old_version": version} for deal_id, version in
                 zip(changed_ids, old["version"].to_pylist())])
            run.audit("deals", [
                (deal_id, "replace", dict(zip(_VERSIONED, before)), dict(zip(_VERSIONED, after)))
                for deal_id, before, after in zip(
                    changed_ids, _tuples(old, _VERSIONED),
                    _tuples(records.take(changed), _VERSIONED))])
        if len(changed):
            positions = pa.array(np.concatenate([new, changed]))
            writing = records.take(positions)
            versions = np.concatenate([np.ones(len(new), dtype=np.int64),
                                       _numpy(old["version"]).astype(np.int64) + 1])
        else:  # only new deals: the file's rows as they are
            writing = records if len(new) == records.num_rows else records.take(pa.array(new))
            versions = np.ones(len(new), dtype=np.int64)
        meter = run.meter("writing", writing.num_rows)
        rows = writing.num_rows
        with _index_cache(run.connection):
            insert_columns(run.connection, "deals", {
                "id": writing["id"], "version": versions,
                "current": pa.repeat(pa.scalar(True), rows),
                "import_id": pa.repeat(pa.scalar(import_id, pa.int64()), rows),
                **{field: writing[field] for field in _VERSIONED}}, meter.advance)
    return ImportSummary("deals", str(run.path), records.num_rows, len(new), len(changed),
                         int(same.sum()))


@contextlib.contextmanager
def _index_cache(connection: Connection):
    """On SQLite, a page cache of up to 64 MiB while many deals go in: the (current, date)
    index takes them in date order, all over the file, and SQLite's default 2 MiB cache
    spills its pages again and again. Measured at 1M deals: the INSERT ... SELECT's system
    time 0.66 s -> 0.16 s, peak +70 MB."""
    if connection.dialect.name != "sqlite":
        yield
        return
    dbapi = connection.connection.driver_connection
    (before,) = dbapi.execute("PRAGMA cache_size").fetchone()
    dbapi.execute("PRAGMA cache_size = -65536")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(before)}")


def _comparable(column) -> pa.Array:
    """One array of a column (text or int64: the file's and the ledger's compare as such)."""
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _tuples(table: pa.Table, names: list[str]) -> list[tuple]:
    return list(zip(*(table[name].to_pylist() for name in names)))


def _numpy(values) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.to_numpy(zero_copy_only=False)


# -- credits: a deal's rows are replaced together ----------------------------------------

_CREDIT_FIELDS = ["seq", "payee_id", "share_e9", "role", "extra", "overlay"]


def write_credits(run: ImportRun, spec: KindSpec, records: pa.Table) -> ImportSummary:
    """A deal's credit rows are replaced together when any of them differs (or their count):
    the file's rows are matched to the ledger's on (deal code, seq) int64 keys, and a deal's
    rows counted with bincount, in numpy."""
    encoded = pc.dictionary_encode(records["deal_id"]).combine_chunks()
    deals = encoded.dictionary
    codes = _numpy(encoded.indices).astype(np.int64)
    old = _overlay_as_bool(current_credits(run.connection, ["deal_id", *_CREDIT_FIELDS]))
    old_codes = pc.index_in(old["deal_id"], value_set=deals)
    old = old.filter(old_codes.is_valid())  # the rows of the file's deals only
    old_codes = _numpy(old_codes.drop_null()).astype(np.int64)
    seq = _numpy(records["seq"]).astype(np.int64)
    at = pc.index_in(pa.array((codes << 32) | seq),
                     value_set=pa.array((old_codes << 32) | _numpy(old["seq"]).astype(np.int64)))
    equal = _numpy(at.is_valid())
    at = pc.fill_null(at, 0)
    for field in _CREDIT_FIELDS[1:] if len(old) else ():
        new_value, old_value = _comparable(records[field]), old[field].take(at)
        equal &= _numpy(pc.fill_null(pc.equal(new_value, old_value), False)) | (
            _numpy(new_value.is_null()) & _numpy(old_value.is_null()))
    count = len(deals)
    new_rows, old_rows = np.bincount(codes, minlength=count), \
        np.bincount(old_codes, minlength=count)
    same = (np.bincount(codes, weights=equal, minlength=count) == new_rows) & \
        (old_rows == new_rows)
    replaced = np.flatnonzero(~same & (old_rows > 0))
    if not same.all():
        import_id = run.import_row()
        replaced_ids = deals.take(pa.array(replaced, pa.int64())).to_pylist()
        for start in range(0, len(replaced_ids), 500):
            run.connection.execute(delete(credits).where(credits.c.deal_id.in_(
                replaced_ids[start:start + 500])))
        if len(replaced):
            before = _credit_rows(old, old_codes, replaced)
            after = _credit_rows(records, codes, replaced)
            run.audit("credits", [(deal, "replace", {"rows": before[code]},
                                   {"rows": after[code]})
                                  for deal, code in zip(replaced_ids, replaced.tolist())])
        writing = records.filter(pa.array(~same[codes]))
        meter = run.meter("writing", writing.num_rows)
        insert_columns(run.connection, "credits", {
            "deal_id": writing["deal_id"], **{f: writing[f] for f in _CREDIT_FIELDS},
            "import_id": pa.repeat(pa.scalar(import_id, pa.int64()), writing.num_rows)},
            meter.advance)
    unchanged = int(new_rows[same].sum())
    replaced_rows = int(new_rows[replaced].sum())
    return ImportSummary("credits", str(run.path), records.num_rows,
                         records.num_rows - unchanged - replaced_rows, replaced_rows, unchanged)


def _overlay_as_bool(table: pa.Table) -> pa.Table:
    """The ledger's overlay column, read as text (SQLite's 0/1, PostgreSQL's t/f), as bools
    that compare with the file's."""
    at = table.column_names.index("overlay")
    return table.set_column(at, "overlay", pc.is_in(table["overlay"],
                                                    value_set=pa.array(["1", "t", "true"])))


def _credit_rows(table: pa.Table, codes: np.ndarray, wanted: np.ndarray) -> dict[int, list]:
    """The credit rows of the deals coded ``wanted``, as the audit writes them, in the
    table's order."""
    mask = np.isin(codes, wanted)
    rows: dict[int, list] = {}
    for code, *values in zip(codes[mask].tolist(), *(
            table[f].filter(pa.array(mask)).to_pylist() for f in _CREDIT_FIELDS)):
        rows.setdefault(code, []).append(dict(zip(_CREDIT_FIELDS, values)))
    return rows


# -- helpers -----------------------------------------------------------------------------


def _read_table(connection: Connection, name: str) -> pd.DataFrame:
    table = metadata.tables[name]
    rows = connection.execute(select(table)).mappings().all()
    frame = pd.DataFrame([_plain(dict(row)) for row in rows],
                         columns=[c.name for c in table.columns])
    return frame


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


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)
