"""The hand-written bound's database access: the two fastest plain paths per backend.

``via="dbapi"`` is the driver everyone has: ``sqlite3`` (cursor reads in batches,
``executemany`` of tuples) or, on PostgreSQL, psycopg's ``COPY`` in CSV both ways (pyarrow
parses and writes the CSV). ``via="adbc"`` moves Arrow batches through the ADBC drivers
(``adbc_ingest`` writes, ``fetch_arrow_table`` reads; on PostgreSQL both are binary COPY
underneath). The bench runs both and keeps the faster as the bound, so neither is assumed.

A ledger is named by icm's own URL (``sqlite:///path``, ``postgresql+psycopg://...``);
everything here is plain SQL on tables whose DDL the ledger itself holds.
"""
from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline_ledgers import is_sqlite, libpq_url, sqlite_path

READ_BATCH = 100_000  # rows per sqlite3 fetchmany / per executemany call
ADBC_BATCH = "65536"  # rows per Arrow batch the ADBC SQLite driver returns


@contextlib.contextmanager
def connect(url: str, via: str):
    """A DB-API connection of the chosen path, committed by the caller, closed on exit."""
    if via == "adbc" and is_sqlite(url):
        import adbc_driver_sqlite.dbapi as adbc
        connection = adbc.connect(sqlite_path(url))
    elif via == "adbc":
        import adbc_driver_postgresql.dbapi as adbc
        connection = adbc.connect(libpq_url(url))
    elif is_sqlite(url):
        connection = sqlite3.connect(sqlite_path(url))
    else:
        import psycopg
        connection = psycopg.connect(libpq_url(url))
    try:
        yield connection
    finally:
        connection.close()


def execute(connection, sql: str) -> None:
    """One statement without results (ADBC cursors must be closed before the connection)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def rows(connection, sql: str) -> list[tuple]:
    """A small query's rows."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def read_table(connection, url: str, via: str, sql: str, schema: pa.Schema) -> pa.Table:
    """A query's result as an Arrow table of ``schema``'s columns (names and order from the
    query), by the chosen path."""
    if via == "adbc":
        cursor = connection.cursor()
        if is_sqlite(url):  # the driver's default, 1,024 rows a batch, makes every later
            # Arrow call walk thousands of chunks: 3.6 s instead of 1.1 s for 2.5M rows
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": ADBC_BATCH})
        try:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        finally:
            cursor.close()
        return table.rename_columns(schema.names)
    if is_sqlite(url):
        return _sqlite_read(connection, sql, schema)
    return _copy_read(connection, sql, schema)


def _sqlite_read(connection, sql: str, schema: pa.Schema) -> pa.Table:
    """sqlite3 cursor, a batch of tuples at a time into Arrow columns: Python objects for one
    batch at most."""
    cursor = connection.execute(sql)
    batches = []
    while batch := cursor.fetchmany(READ_BATCH):
        columns = list(zip(*batch))
        batches.append(pa.record_batch([pa.array(column, type=field.type)
                                        for column, field in zip(columns, schema)],
                                       schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


def _copy_read(connection, sql: str, schema: pa.Schema) -> pa.Table:
    """PostgreSQL ``COPY (query) TO STDOUT`` as CSV, parsed by pyarrow."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return schema.empty_table()
    return pacsv.read_csv(buffer, read_options=pacsv.ReadOptions(column_names=schema.names),
                          convert_options=pacsv.ConvertOptions(
                              column_types=dict(zip(schema.names, schema.types)),
                              strings_can_be_null=True, quoted_strings_can_be_null=False))


def write_batches(connection, url: str, via: str, table: str,
                  batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> None:
    """Append Arrow batches to an existing table, inside the caller's transaction."""
    if via == "adbc":
        cursor = connection.cursor()
        try:
            cursor.adbc_ingest(table, pa.RecordBatchReader.from_batches(schema, batches),
                               mode="append")
        finally:
            cursor.close()
    elif is_sqlite(url):
        marks = ", ".join("?" * len(schema))
        insert = f"INSERT INTO {table} ({', '.join(schema.names)}) VALUES ({marks})"
        for batch in batches:
            for start in range(0, len(batch), READ_BATCH):
                part = batch.slice(start, READ_BATCH)
                connection.executemany(insert, zip(*(c.to_pylist() for c in part.columns)))
    else:
        _copy_write(connection, table, batches, schema)


def _copy_write(connection, table: str, batches, schema: pa.Schema) -> None:
    """PostgreSQL ``COPY table FROM STDIN`` in CSV written by pyarrow, a batch at a time
    (an empty unquoted field is NULL, a quoted one an empty string)."""
    options = pacsv.WriteOptions(include_header=False)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(schema.names)}) FROM STDIN "
                         "WITH (FORMAT csv)") as copy:
            for batch in batches:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getbuffer())
