"""Moving many rows in one transaction, fast, as columns: never a Python object per row.

SQLAlchemy keeps the schema, the migrations and the transaction; the rows themselves go to
the database as Arrow columns:

- PostgreSQL: ``COPY ... FROM STDIN (FORMAT csv)`` on the transaction's own connection, fed
  by Arrow's C++ CSV writer.
- SQLite: the ADBC driver ingests the columns into a scratch database file beside the ledger
  (its own connection, no lock on the ledger), which the transaction's connection attaches
  and copies from with one ``INSERT ... SELECT`` per table; the scratch file is detached and
  deleted when the transaction ends. The copy is inside the ledger's transaction, so a failure
  anywhere leaves the ledger as it was. The scratch file has no journal and is never synced
  (it is thrown away whatever happens), one write of several tables (``insert_tables``: a
  close's result) stages them together, and a column holding one value (a run id, a
  currency, a column of nulls) is not staged: the copy writes that value. A large write is
  staged in parts, a file each, on a thread, while the transaction copies the part before.

Measured on 1M deal rows (13 columns) into the deals table with its indexes, CPU seconds:
``sqlite3`` executemany of tuples 5.8-8.3 s and 0.9 GB; ADBC scratch + ``INSERT ... SELECT``
2.7 s and 0.28 GB. ADBC cannot write the ledger itself: SQLite allows one writer, and the
transaction that holds the ledger's lock is SQLAlchemy's. A transaction attaches at most
``MOST_STAGED`` scratch files (SQLite's limit is 10 and they detach only when it ends); small
writes, and any beyond that, use the driver's executemany.
"""
from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as arrow_csv
from sqlalchemy import Connection

from ledger.adbc import connected, query

BATCH_ROWS = 200_000
COPY_ROWS = 25_000  # rows per CSV chunk of a PostgreSQL COPY
COPY_AHEAD = 2  # chunks encoded ahead of the one being sent (bounds the memory held)
PART_ROWS = 50_000  # a write of this many staged rows or more goes in parts
MOST_PARTS = 6  # scratch files one write stages its parts in
STAGE_ROWS = 20_000  # from here a scratch file beats executemany
MOST_STAGED = 8  # scratch files one transaction attaches (SQLite attaches at most 10)
AFTER_TRANSACTION = "icm_after_transaction"  # connection.info key: callbacks run at its end


def insert_columns(connection: Connection, table: str, columns: Mapping[str, object],
                   on_batch: Callable[[int], None] | None = None) -> int:
    """Insert the rows of ``columns`` (name -> numpy array, pandas Series, Arrow array or
    list; int64, bool, str with None, dates as datetime64 or ``datetime.date``) into
    ``table`` inside the open transaction; calls ``on_batch(count)`` as batches go.
    Returns how many rows were written."""
    return insert_tables(connection, {table: columns}, on_batch)


def insert_tables(connection: Connection, tables: Mapping[str, Mapping[str, object]],
                  on_batch: Callable[[int], None] | None = None) -> int:
    """``insert_columns`` of several tables (table -> columns) in one bulk write, in order: on
    SQLite one scratch file for them all, so a write of many tables (a close's result) costs
    one file and one attach. Returns how many rows were written."""
    if connection.dialect.name == "postgresql":
        return sum(_copy_postgresql(connection, table, columns, on_batch)
                   for table, columns in tables.items())
    arrows = {}
    for table, columns in tables.items():
        arrow = pa.table({name: _sqlite_type(_arrow(values))
                          for name, values in columns.items()})
        if arrow.num_rows:
            arrows[table] = arrow
    staged = connection.info.setdefault(AFTER_TRANSACTION, [])
    if sum(arrow.num_rows for arrow in arrows.values()) >= STAGE_ROWS \
            and len(staged) < MOST_STAGED:
        return _stage_sqlite(connection, arrows, on_batch)
    return sum(_execute_sqlite(connection, table, arrow, on_batch)
               for table, arrow in arrows.items())


def arrow_tables(tables: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """``tables`` (as ``insert_tables`` takes them) with every column made Arrow now, on
    this thread. For a write handed to ``meanwhile``: made Arrow there, text columns would
    take the GIL from the computation running meanwhile, and each would wait on the other
    (a close's 210,000 statement lines written while 10,000 payees were settled took 2.5 s
    that way, 1.9 s made Arrow first, 2.5 s one after the other)."""
    return {table: {name: _arrow(values) for name, values in columns.items()}
            for table, columns in tables.items()}


@contextlib.contextmanager
def meanwhile(write: Callable[[], object]) -> Iterator[None]:
    """Run ``write`` (a bulk write on the open transaction's connection, of columns made
    Arrow first: ``arrow_tables``) on a thread while the block computes what follows it,
    which must not touch the connection meanwhile. On PostgreSQL the server copies rows
    while the client computes; on SQLite staging and copying wait outside the GIL. Leaving
    the block waits for the write, whatever happened (the connection is the write's until
    it ends), then raises the block's error, or else the write's."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="icm-write") as writer:
        written = writer.submit(write)
        yield  # leaving the executor waits for the write, the block's error or not
    written.result()


def _arrow(values) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow: None, NaN, NA and NaT become nulls; a timestamp is a date."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(values, from_pandas=True)
    if pa.types.is_timestamp(values.type):
        values = values.cast(pa.date32())
    return values


def _copy_postgresql(connection: Connection, table: str, columns: Mapping[str, object],
                     on_batch: Callable[[int], None] | None) -> int:
    """The rows as CSV into ``COPY ... FROM STDIN``, in chunks: a thread makes the next
    chunks Arrow and then CSV while this one sends the last to the server, so the server
    starts on the first chunk at once. Arrow's CSV writer and libpq's wait both run outside
    the GIL, so on two cores the encoding hides behind the server's COPY (a close's 210,000
    statement lines spent 0.29 s encoding them and 0.68 s waiting on the server, one after
    the other; their conversion to Arrow, 0.13 s more, went before both)."""
    rows = len(next(iter(columns.values()), ()))
    if not rows:
        return 0
    names = ", ".join(f'"{name}"' for name in columns)
    options = arrow_csv.WriteOptions(include_header=False, batch_size=COPY_ROWS)
    chunks = [(start, min(start + COPY_ROWS, rows)) for start in range(0, rows, COPY_ROWS)]

    def encoded(start: int, stop: int) -> io.BytesIO:
        buffer = io.BytesIO()
        arrow_csv.write_csv(pa.table({name: _arrow(_rows(values, start, stop))
                                      for name, values in columns.items()}), buffer, options)
        return buffer

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="icm-csv") as encoder, \
            connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f'COPY "{table}" ({names}) FROM STDIN (FORMAT csv)') as copy:
        ahead = deque(encoder.submit(encoded, *chunk) for chunk in chunks[:COPY_AHEAD])
        for k, (start, stop) in enumerate(chunks):
            buffer = ahead.popleft().result()
            if k + COPY_AHEAD < len(chunks):
                ahead.append(encoder.submit(encoded, *chunks[k + COPY_AHEAD]))
            copy.write(buffer.getbuffer())
            if on_batch:
                on_batch(stop - start)
    return rows


def _rows(values, start: int, stop: int):
    """Rows ``start:stop`` of a column (numpy, pandas, Arrow or a list), without a copy
    where its kind allows."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.slice(start, stop - start)
    if hasattr(values, "iloc"):  # a pandas Series: by position, whatever its index
        return values.iloc[start:stop]
    return values[start:stop]  # numpy, a pandas array, a list


def _stage_sqlite(connection: Connection, arrows: Mapping[str, pa.Table],
                  on_batch: Callable[[int], None] | None) -> int:
    """Every table's rows into scratch files (a column of one value stays out of them: the
    copy writes that value), then one ``INSERT ... SELECT`` per table and file, in the
    transaction. A large write goes in parts, a scratch file each, staged one after another
    on a thread while this one copies the part before: both wait on SQLite, outside the
    GIL, so on two cores the staging hides behind the copying (a close's 220,000 lines:
    0.54 s of staging and copying became 0.35 s)."""
    tables = [(number, table, arrow.column_names, *_constants(arrow))
              for number, (table, arrow) in enumerate(arrows.items())]
    free = MOST_STAGED - len(connection.info.setdefault(AFTER_TRANSACTION, []))
    rows = sum(varying.num_rows for _number, _table, _names, varying, _values in tables)
    parts = _parts(tables, max(1, min(MOST_PARTS, free, rows // PART_ROWS)))
    scratches = [(_scratch_path(connection), f"stage_{uuid.uuid4().hex[:12]}") for _ in parts]
    for scratch, alias in scratches:
        _after_transaction(connection, lambda dbapi, alias=alias, scratch=scratch:
                           _drop_scratch(dbapi, alias, scratch))
    dbapi = connection.connection.driver_connection
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="icm-stage") as stager:
        staging = [stager.submit(_write_scratch, scratch, part)
                   for (scratch, _alias), part in zip(scratches, parts)]
        try:
            for done, (scratch, alias), part in zip(staging, scratches, parts):
                done.result()
                dbapi.execute(f"ATTACH DATABASE ? AS {alias}", (str(scratch),))
                for number, table, names, values, piece in part:
                    chosen = ", ".join("?" if name in values else f'"{name}"'
                                       for name in names)
                    listed = ", ".join(f'"{name}"' for name in names)
                    dbapi.execute(
                        f'INSERT INTO main."{table}" ({listed}) '
                        f"SELECT {chosen} FROM {alias}.rows_{number}",
                        [values[name] for name in names if name in values])
                    if on_batch:
                        on_batch(piece.num_rows)
        except BaseException:
            for later in staging:
                later.cancel()
            raise
    return sum(arrow.num_rows for arrow in arrows.values())


def _parts(tables: list, count: int) -> list[list]:
    """The staged rows cut into ``count`` parts, tables in order, the first a quarter the
    size of the others: each part a list of (table number, table, column names, constant
    values, rows to stage)."""
    rows = sum(varying.num_rows for _number, _table, _names, varying, _values in tables)
    if count == 1:
        first = size = max(rows, 1)
    else:  # nothing is copied until the first part is staged: a short first wait
        first = rows // (4 * count - 3)
        size = -(-(rows - first) // (count - 1))
        first = max(first, 1)
    parts, part, room = [], [], first
    for number, table, names, varying, values in tables:
        offset = 0
        while offset < varying.num_rows:
            piece = varying.slice(offset, min(room, varying.num_rows - offset))
            part.append((number, table, names, values, piece))
            offset += piece.num_rows
            room -= piece.num_rows
            if room == 0:
                parts.append(part)
                part, room = [], size
    if part:
        parts.append(part)
    return parts


def _write_scratch(scratch: Path, part: list) -> None:
    """One part's rows into a new scratch file, through ADBC on its own connection."""
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    with connected(adbc_driver_sqlite.connect, str(scratch),
                   _SCRATCH_PRAGMAS + ("BEGIN",)) as connection:
        for number, _table, _names, _values, piece in part:
            statement = adbc.AdbcStatement(connection)
            try:
                statement.set_options(**{adbc.INGEST_OPTION_TARGET_TABLE: f"rows_{number}",
                                         adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_CREATE})
                statement.bind_stream(piece)
                statement.execute_update()
            finally:
                statement.close()
        query(connection, "COMMIT")


def _constants(arrow: pa.Table) -> tuple[pa.Table, dict[str, object]]:
    """The columns that vary, and the value of each column that holds one value only (a
    run id, a currency, a column of nulls): staging those would copy the same value a row
    at a time. One column is always staged: it carries the row count."""
    values = {}
    for name, column in zip(arrow.column_names, arrow.columns):
        if len(values) == arrow.num_columns - 1:
            break
        if column.null_count == len(column):
            values[name] = None
        elif not column.null_count and (pa.types.is_integer(column.type) or
                                        pa.types.is_string(column.type) or
                                        pa.types.is_large_string(column.type)):
            least, most = pc.min_max(column).values()
            if least == most:
                values[name] = least.as_py()
    return arrow.drop_columns(list(values)), values


# The scratch file is thrown away whatever happens, and read only after its rows are written:
# no journal to roll back to, no sync to survive a crash.
_SCRATCH_PRAGMAS = ("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF")


def _execute_sqlite(connection: Connection, table: str, arrow: pa.Table,
                    on_batch: Callable[[int], None] | None) -> int:
    """Fewer rows than pay for a scratch file (or the transaction has attached as many as
    SQLite allows): the driver's executemany, a batch of tuples at a time."""
    names = ", ".join(f'"{name}"' for name in arrow.column_names)
    marks = ", ".join("?" for _ in arrow.column_names)
    cursor = connection.connection.driver_connection.cursor()
    for batch in arrow.to_batches(BATCH_ROWS):
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                           zip(*(column.to_pylist() for column in batch.columns)))
        if on_batch:
            on_batch(batch.num_rows)
    cursor.close()
    return arrow.num_rows


def _sqlite_type(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Values as SQLAlchemy stores them in SQLite: booleans as 0/1, dates as ISO text."""
    if pa.types.is_boolean(column.type):
        return column.cast(pa.int64())
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return column.cast(pa.date32()).cast(pa.string())
    if pa.types.is_null(column.type):
        return column.cast(pa.string())
    return column


def _scratch_path(connection: Connection) -> Path:
    """A new file beside the ledger (a folder the ledger's own writes already need), or in
    the temporary folder for an in-memory ledger."""
    database = connection.engine.url.database
    folder = Path(database).resolve().parent if database and database != ":memory:" \
        else Path(os.environ.get("TMPDIR", "/tmp"))
    return folder / f".icm-stage-{uuid.uuid4().hex}.db"


def _after_transaction(connection: Connection, callback) -> None:
    connection.info.setdefault(AFTER_TRANSACTION, []).append(callback)


def _drop_scratch(dbapi, alias: str, scratch: Path) -> None:
    try:
        dbapi.execute(f"DETACH DATABASE {alias}")
    except Exception:  # never attached (the ingest failed): nothing to detach
        pass
    for path in (scratch, Path(f"{scratch}-journal"), Path(f"{scratch}-wal")):
        path.unlink(missing_ok=True)


def after_transaction(connection: Connection) -> None:
    """Run what ``insert_columns`` left for the end of ``connection``'s transaction
    (``ledger.database.writing`` calls it once the transaction has committed or rolled
    back)."""
    callbacks = connection.info.pop(AFTER_TRANSACTION, [])
    if callbacks:
        dbapi = connection.connection.driver_connection
        for callback in callbacks:
            callback(dbapi)
