"""Moving many rows in one transaction, fast: COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy keeps the schema, the migrations and the transaction; the rows themselves go
straight to the driver in batches, which is where an import of a million deals spends its time
(shared/PERFORMANCE.md: Core executemany is four times slower than the driver's).
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from sqlalchemy import Connection

BATCH_ROWS = 50_000


def insert_rows(connection: Connection, table: str, columns: Sequence[str],
                rows: Iterable[tuple], on_batch: Callable[[int], None] | None = None) -> int:
    """Insert plain tuples (str, int, bool, None; dates as ISO text) inside the open
    transaction; calls ``on_batch(count)`` after each batch. Returns how many were written."""
    dbapi = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    written = 0
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
                if on_batch and written % BATCH_ROWS == 0:
                    on_batch(BATCH_ROWS)
        if on_batch and written % BATCH_ROWS:
            on_batch(written % BATCH_ROWS)
        return written
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    cursor = dbapi.cursor()
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            cursor.executemany(statement, batch)
            written += len(batch)
            batch.clear()
            if on_batch:
                on_batch(BATCH_ROWS)
    if batch:
        cursor.executemany(statement, batch)
        written += len(batch)
        if on_batch:
            on_batch(len(batch))
    cursor.close()
    return written
