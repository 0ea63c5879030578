"""ADBC's low-level API, on connections of our own: a connection, and a statement's rows.

Its DB-API module imports ``pyarrow.dataset`` and with it pandas (0.24 s), which a read
ahead of the engine and a stager on a thread must not wait for."""
from __future__ import annotations

import contextlib

import pyarrow as pa


@contextlib.contextmanager
def connected(connect, uri: str, setup=()):
    """A connection through a driver's ``connect`` (autocommit: each statement on its own
    unless one says BEGIN), after the ``setup`` statements."""
    import adbc_driver_manager
    database = connect(uri)
    try:
        connection = adbc_driver_manager.AdbcConnection(database)
        try:
            for statement in setup:
                query(connection, statement)
            yield connection
        finally:
            connection.close()
    finally:
        database.close()


def query(connection, sql: str, options: dict | None = None) -> pa.Table:
    """A statement's rows, read whole (none for most statements); it runs outside the GIL."""
    import adbc_driver_manager
    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        if options:
            statement.set_options(**options)
        statement.set_sql_query(sql)
        stream, _count = statement.execute_query()
        return pa.RecordBatchReader.from_stream(stream).read_all()
    finally:
        statement.close()
