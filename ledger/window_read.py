"""What a window reads from the ledger, as Arrow tables: its deals with their credit rows, and
the small tables beside them (``ledger.window`` makes the engine's frames of them).

Nothing here needs pandas, so a command can start the read (``ReadAhead``) before it has
loaded the engine: the read waits on the database outside the GIL while the engine's
modules load, 0.3-0.5 s of every calc and close.
"""
from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from ledger.adbc import connected, query
from ledger.database import LedgerDb
from ledger.shares import SHARE_SCALE
from rules_dsl.deal_fields import STORED

# What the window reads of a deal, as (SQL, frame column): its key, then its stored fields
# under their window names (rules_dsl/deal_fields.py); then of its credit row.
DEAL_READ = [("d.id", "deal_id"), ("d.version", "deal_version")] + [
    (f"d.{field.column}", field.window) for field in STORED if field.name != "id"]
CREDIT_READ = [("c.seq", "seq"), ("c.payee_id", "payee_id"), ("c.share_e9", "share_e9"),
               ("c.role", "role"), ("c.overlay", "overlay")]
# the credit row's columns, from the deal's owner on a deal without credit rows
_CREDIT_OR_OWNER = [("COALESCE(c.seq, 1)", "seq"),
                    ("COALESCE(c.payee_id, d.owner_id)", "payee_id"),
                    (f"COALESCE(c.share_e9, {SHARE_SCALE})", "share_e9"), ("c.role", "role"),
                    ("COALESCE(c.overlay, FALSE)", "overlay")]
# The SQLite ADBC driver types each column from its first batch of rows: one batch of every
# row, so that a column whose first thousand values are NULL still reads as text.
_ADBC_SQLITE_BATCH = str(1 << 30)

# The small tables a window reads beside its deals: SQL ({start} and {end} the window's first
# day and ``through``) and each column's type. Dates become datetime64[s] (NaT where
# missing), integers int64 (Int64 where one may be missing), text pandas' Arrow-backed
# strings (a hundred thousand payees are half a million Python strings otherwise). Payees
# and assignments in the order the engine takes its payees in (the ledger's own); quota
# rows in none (they are summed).
TABLES = [
    ("SELECT id, effective_from, name, role, manager_id, hire_date, extra FROM payees "
     "ORDER BY id, effective_from",
     {"id": "text", "effective_from": "date", "name": "text", "role": "text",
      "manager_id": "text", "hire_date": "date", "extra": "text"}),
    ("SELECT payee_id, plan_id, effective_from, effective_to, target_incentive, params "
     "FROM assignments WHERE effective_from <= {end} AND (effective_to IS NULL OR "
     "effective_to >= {start}) ORDER BY payee_id, plan_id, effective_from",
     {"payee_id": "text", "plan_id": "text", "effective_from": "date",
      "effective_to": "date", "target_incentive": "nullable int", "params": "text"}),
    ('SELECT payee_id, measure, start, "end", amount FROM quotas WHERE start <= {end} AND '
     '"end" >= {start}',
     {"payee_id": "text", "measure": "text", "start": "date", "end": "date",
      "amount": "int"}),
    ("SELECT metric, period, value, currency FROM metrics",
     {"metric": "text", "period": "text", "value": "text", "currency": "text"}),
]

CREDITED = "SELECT 1 FROM credits LIMIT 1"  # whether the deals need the credits join


@dataclass(frozen=True)
class WindowSpan:
    """What a window reads: deals dated ``start..end``, the assignments and quota rows of
    ``start..through``, and the deal fields a plan names beyond the stored ones."""
    start: datetime.date
    end: datetime.date
    through: datetime.date
    deal_fields: tuple[str, ...] = ()


def deals_query(dialect: str, credited: bool, deal_fields: tuple[str, ...]
                ) -> tuple[str, list[str]]:
    """The SQL of the window's deals, one row per credit row (100% to the owner when the
    ledger has no credit row at all: then without the join), and the columns it names
    before the extra deal fields. It neither sorts nor filters on credits: the rows are put
    in order in numpy (a sort over the join cost SQLite 2.3 s of CPU per million rows)."""
    read = DEAL_READ + (_CREDIT_OR_OWNER if credited else [])
    json_get = ("json_extract(d.extra, '$.\"{0}\"')" if dialect == "sqlite"
                else "(d.extra::json ->> '{0}')")
    extra = "".join(f", {json_get.format(name.replace(chr(39), ''))}" for name in deal_fields)
    sql = (f"SELECT {', '.join(sql for sql, _column in read)}{extra} FROM deals d"
           + (" LEFT JOIN credits c ON c.deal_id = d.id" if credited else "")
           + " WHERE d.current AND d.date >= {start} AND d.date <= {end}")
    return sql, [column for _sql, column in read]


def small_queries(span: WindowSpan) -> list[tuple[str, object, object]]:
    return [(text, span.start, span.through) if "{start}" in text else (text, None, None)
            for text, _types in TABLES]


def window_queries(span: WindowSpan, deals_sql: str) -> list[tuple[str, object, object]]:
    """The queries ``adbc_read`` runs for a window without extra deal fields: its deals in
    two spans of days (``halves``), then the small tables."""
    return [(deals_sql, first, last) for first, last in halves(span.start, span.end)] \
        + small_queries(span)


def adbc_read(ledger_db: LedgerDb, queries: list[tuple[str, object, object]]
              ) -> list[pa.Table] | None:
    """Each query's rows as an Arrow table through ADBC, on connections of its own (two
    when there are several queries, read at once); None for a ledger it cannot open that
    way (an in-memory SQLite database, a URL with options). A query is (SQL, start, end):
    ``{start}`` and ``{end}`` in the SQL are those days.

    Reading outside the caller's connection is safe for a close: it notes the ledger's state
    before it reads anything and refuses to record, under its write lock, if the ledger
    changed since (``ledger.closes.record_close``)."""
    opened = _adbc_driver(ledger_db)
    if opened is None:
        return None
    connect, uri, options, setup = opened
    backend = ledger_db.url.get_backend_name()

    def read(connection, sql: str, start, end) -> pa.Table:
        if "{start}" in sql:
            sql = sql.replace("{start}", _day(backend, start)).replace("{end}",
                                                                        _day(backend, end))
        return query(connection, sql, options)

    found = [None] * len(queries)
    with connected(connect, uri, setup) as adbc:
        if len(queries) == 1:
            return [read(adbc, *queries[0])]
        # every other query on a second connection and thread: the reads wait on the
        # database outside the GIL, so on two cores a window's two halves read at once
        with connected(connect, uri, setup) as other, \
                ThreadPoolExecutor(max_workers=1) as thread:
            odd = thread.submit(lambda: [read(other, *query) for query in queries[1::2]])
            found[::2] = [read(adbc, *query) for query in queries[::2]]
            found[1::2] = odd.result()
    return found


def _adbc_driver(ledger_db: LedgerDb):
    """(the driver's ``connect``, URI, statement options, setup statements) for the ledger,
    or None where ADBC cannot open it (``ledger.adbc``: its low-level API)."""
    url = ledger_db.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.query:
            return None
        import adbc_driver_sqlite
        return (adbc_driver_sqlite.connect, url.database,
                {"adbc.sqlite.query.batch_rows": _ADBC_SQLITE_BATCH},
                ["PRAGMA busy_timeout = 30000"])
    if url.get_backend_name() == "postgresql":
        import adbc_driver_postgresql
        return (adbc_driver_postgresql.connect,
                url.set(drivername="postgresql").render_as_string(hide_password=False),
                {}, [])
    return None


def _day(backend: str, day: datetime.date) -> str:
    """A day as an SQL literal. Written into the SQL, not bound: pyarrow's conversion of a
    Python value imports pandas, which the read ahead must not wait for. A ``date``'s ISO
    text holds digits and dashes alone."""
    if not isinstance(day, datetime.date):
        raise TypeError(f"a window's day must be a date, not {day!r}")
    return f"'{day.isoformat()}'" if backend == "sqlite" else f"DATE '{day.isoformat()}'"


def halves(start: datetime.date, end: datetime.date) -> list[tuple]:
    """``start..end`` as two spans of days (one when it is a day), read at once."""
    if start >= end:
        return [(start, end)]
    middle = start + (end - start) // 2
    return [(start, middle), (middle + datetime.timedelta(days=1), end)]


def joined(tables: list[pa.Table]) -> pa.Table:
    """The halves of a window as one table. The SQLite driver types a column from its
    values: one that is NULL throughout a half takes the other half's type."""
    if len(tables) == 1:
        return tables[0]
    names = tables[0].column_names  # not unique: PostgreSQL names each COALESCE "coalesce"
    schema = pa.schema([(name, next((table.column(i).type for table in tables
                                     if table.column(i).null_count < table.num_rows),
                                    tables[0].column(i).type))
                        for i, name in enumerate(names)])
    return pa.concat_tables([pa.table([
        column if column.type == schema.field(i).type else
        pa.nulls(len(column), schema.field(i).type) for i, column in enumerate(table.columns)],
        schema=schema) for table in tables])


class ReadAhead:
    """A window's tables read on a thread while the command loads the engine: what
    ``adbc_read`` reads for ``span`` (without extra deal fields), with whether the ledger
    had a credit row. ``ledger.window.read_window`` takes them when it reads that span with
    the same answer; anything else reads afresh.

    ``wait`` before the command's own connection reads the ledger: on SQLite the read's
    connections belong to ADBC's copy of SQLite, and a copy that closes a file drops the
    POSIX locks the other copy holds on it."""

    def __init__(self, ledger_db: LedgerDb, span: WindowSpan):
        self.span = span
        self._ledger_db = ledger_db
        if _adbc_driver(ledger_db) is None:  # imports the driver here, not on the thread
            self._reading = None
            return
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icm-read-ahead")
        self._reading = self._thread.submit(self._read)
        self._thread.shutdown(wait=False)

    def _read(self) -> tuple[bool, list[pa.Table]] | None:
        credited = adbc_read(self._ledger_db, [(CREDITED, None, None)])[0].num_rows > 0
        sql, _names = deals_query(self._ledger_db.url.get_backend_name(), credited, ())
        return credited, adbc_read(self._ledger_db, window_queries(self.span, sql))

    def wait(self) -> None:
        """Until the read has finished, whether or not it succeeded."""
        if self._reading is not None:
            self._reading.exception()

    def tables(self, span: WindowSpan, credited: bool) -> list[pa.Table] | None:
        """The tables read, once, if they are ``span``'s with ``credited``'s answer; None
        otherwise, and when the read failed (the window then reads, and fails, itself)."""
        reading, self._reading = self._reading, None
        if reading is None or span != self.span or reading.exception() is not None:
            return None
        was_credited, tables = reading.result()
        return tables if was_credited == credited else None
