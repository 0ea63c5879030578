"""Opening the ledger: the URL, the engine, and the migrations run on first use.

``open_ledger`` is the one way in: it picks the URL (``--db``, then ``ICM_DATABASE_URL``, then
``sqlite:///icm.db``), makes SQLite behave (foreign keys on, a busy timeout so a second writer
waits instead of failing), and upgrades the schema to the newest migration in one transaction.
"""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

DEFAULT_URL = "sqlite:///icm.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def ledger_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("ICM_DATABASE_URL") or DEFAULT_URL


def open_ledger(url: str | None = None, upgrade: bool = True) -> Engine:
    """An engine on the ledger, its schema at the newest migration."""
    engine = create_engine(ledger_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    if upgrade:
        upgrade_schema(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    # Take the write lock at the start, so two writers queue instead of deadlocking.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def upgrade_schema(engine: Engine) -> str:
    """Create or migrate the ledger; a no-op when it is current. Returns the revision."""
    head = head_revision()
    if schema_revision(engine) == head:
        return head
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    return head
