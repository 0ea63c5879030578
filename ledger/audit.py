"""The audit log: the one writer of `audit_log` rows, and the ledger's state they name.

Every change to the ledger writes an audit entry or an `imports` row (an import that only
adds deals or a deal's first credit rows writes the latter alone), so the newest of each
together say whether anything changed between two moments (``ledger_version``).
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, select

from ledger.database import LedgerDb, reading
from ledger.schema import audit_log, imports

# (row key, action, old value, new value), the values as JSON text or None
Entry = tuple[str, str, str | None, str | None]


def write_audit(connection: Connection, at: datetime.datetime, actor: str | None, table: str,
                entries: Iterable[Entry], import_id: int | None = None) -> None:
    """Append one audit row per entry, all of one table, time, actor and import."""
    rows = [{"at": at, "actor": actor, "table_name": table, "row_key": key, "action": action,
             "old": old, "new": new, "import_id": import_id}
            for key, action, old, new in entries]
    if rows:
        connection.execute(insert(audit_log), rows)


def audit_values(connection: Connection, table: str, row_key: str, action: str,
                 column: str) -> list[str | None]:
    """The ``old`` or ``new`` JSON text of the entries of one row key and action, oldest
    first."""
    kept = audit_log.c[column]
    return list(connection.execute(select(kept).where(
        audit_log.c.table_name == table, audit_log.c.row_key == row_key,
        audit_log.c.action == action).order_by(audit_log.c.id)).scalars())


def ledger_state(ledger_db: LedgerDb) -> tuple[int, int]:
    """The ledger's state now (``ledger_version``), to compare at a close."""
    with reading(ledger_db) as connection:
        return ledger_version(connection)


def ledger_version(connection: Connection) -> tuple[int, int]:
    """The newest audit entry and the newest import: together they name the ledger's state."""
    return (connection.execute(select(func.max(audit_log.c.id))).scalar_one() or 0,
            connection.execute(select(func.max(imports.c.id))).scalar_one() or 0)
