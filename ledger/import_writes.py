"""How each kind's checked rows are written, inside the import's transaction
(``ledger.importing``): a keyed table replaces a row by its key, a deal gets a new version, a
deal's credits are replaced together; each change with its audit entry. Each kind names its
writer in ``ledger.kinds.SPECS``.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, String, cast, delete, insert, select, tuple_, update

from rules_dsl.deal_fields import STORED
from rules_dsl.types import Type
from ledger.audit import write_audit
from ledger.bulk import insert_rows
from ledger.progress import Meter
from ledger.schema import Base, Credit, Deal, Import

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

    def meter(self, label: str, total: int) -> Meter:
        """How many of ``total`` rows are written, told to the import's progress."""
        return Meter(self.progress, label, total, "rows")


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


def write_deals(run: ImportRun, spec: KindSpec, records: pd.DataFrame) -> ImportSummary:
    # Dates come back as text on both backends, so old and new compare as strings.
    current = pd.read_sql(select(Deal.id, Deal.version, *[
        cast(Deal.__table__.c[f], String).label(f) if f in _DATES
        else Deal.__table__.c[f] for f in _VERSIONED]).where(Deal.current), run.connection)
    merged = records.merge(current, on="id", how="left", suffixes=("", "_old"),
                           indicator=True)
    # The left merge leaves the old columns float where a deal is new; back to exact ints.
    merged["amount_old"] = merged["amount_old"].astype("Int64")
    known = merged["_merge"] == "both"
    same = known.copy()
    for field in _VERSIONED if known.any() else ():
        same &= _canonical(merged[field]) == _canonical(merged[f"{field}_old"])
    changed = merged[known & ~same]
    new = merged[~known]
    writing = pd.concat([new.assign(version=1), changed.assign(
        version=changed["version"].astype("int64") + 1)])
    if len(writing):
        import_id = run.import_row()
        if len(changed):
            run.connection.execute(update(Deal).where(
                Deal.current, Deal.id.in_(changed["id"].tolist())).values(current=False))
            run.audit("deals", [
                (deal["id"], "replace", _plain({f: deal[f"{f}_old"] for f in _VERSIONED}),
                 _plain({f: deal[f] for f in _VERSIONED}))
                for deal in changed.to_dict("records")])
        meter = run.meter("writing", len(writing))
        rows = zip(writing["id"], writing["version"].astype("int64").tolist(),
                   *[_nullable(writing[f]) for f in _VERSIONED])
        insert_rows(run.connection, "deals",
                    ["id", "version", "current", "import_id", *_VERSIONED],
                    ((deal_id, version, True, import_id, *rest)
                     for deal_id, version, *rest in rows), meter.advance)
    return ImportSummary("deals", str(run.path), len(records), len(new), len(changed),
                         int(same.sum()))


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
