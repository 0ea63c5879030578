"""Opening the ledger: the URL, the engine, and the migrations run on first use.

``open_ledger`` is the one way in: it picks the URL (``--db``, then ``ICM_DATABASE_URL``, then
``sqlite:///icm.db``), makes SQLite behave (foreign keys on, a busy timeout so a second writer
waits instead of failing), and upgrades the schema to the newest migration in one transaction.
Only the commands that write input may create a ledger; the others refuse one that is not
there, so a typo in a path is an error rather than an empty ledger.
"""
from __future__ import annotations

import contextlib
import os
import weakref
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from ledger.bulk import after_transaction
from ledger.errors import LedgerRefused

from rules_dsl.icm_error import IcmError

DEFAULT_URL = "sqlite:///icm.db"
LEDGER_LOCK = 0x69636D  # the key of PostgreSQL's advisory lock on the whole ledger ("icm")
MIGRATIONS = Path(__file__).with_name("migrations")
_POSTGRES_SCHEMES = ("postgres", "postgresql")  # as PostgreSQL's own tools write them

LedgerDb = Engine  # what ``open_ledger`` returns: the rest of icm names it by this alias and
# passes it back to ledger functions, never importing SQLAlchemy itself


class LedgerUnavailable(IcmError):
    """The ledger cannot be opened: a missing file or database, an unreachable server, a URL
    that names no database SQLAlchemy can drive. One line for the user."""


class LedgerMissing(LedgerUnavailable):
    """No ledger where the URL points, and the command may not create one."""


class BadLedgerUrl(LedgerUnavailable):
    """The URL itself is wrong: not a URL, an unknown database kind, a driver not installed."""

    exit_code = 2


def ledger_url(explicit: str | None = None) -> str:
    """The URL in force: ``--db``, else ``ICM_DATABASE_URL``, else ``sqlite:///icm.db``;
    ``postgres://`` and ``postgresql://`` mean PostgreSQL through psycopg."""
    url = explicit or os.environ.get("ICM_DATABASE_URL") or DEFAULT_URL
    scheme, separator, rest = url.partition("://")
    if separator and scheme in _POSTGRES_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    return url


def shown_url(url: str) -> str:
    """The URL as messages print it: the password hidden."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url.split("@", 1)[-1] if "@" in url else url  # no credentials shown
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


_OPENED: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine this process made


def close_ledgers() -> None:
    """Close every connection this process holds to a ledger (a process about to end at
    once says goodbye to PostgreSQL first, not a dropped socket)."""
    for engine in list(_OPENED):
        engine.dispose()


def open_ledger(url: str | None = None, upgrade: bool = True, create: bool = True
                ) -> LedgerDb:
    """An engine on the ledger, its schema at the newest migration. With ``create`` false, a
    ledger that does not exist yet is refused (``LedgerMissing``) instead of created."""
    resolved = ledger_url(url)
    ledger_db = _create_engine(resolved)
    if ledger_db.dialect.name == "sqlite":
        _check_sqlite_path(ledger_db.url, create)
        event.listen(ledger_db, "connect", _sqlite_pragmas)
        event.listen(ledger_db, "begin", _sqlite_begin_immediate)
    try:
        revision = schema_revision(ledger_db)
    except DBAPIError as error:
        ledger_db.dispose()
        hint = ("check the path and that the file is an icm ledger you may read and write"
                if ledger_db.dialect.name == "sqlite" else
                "check the URL, that the database exists and that its server runs")
        raise LedgerUnavailable(f"cannot open the ledger {shown_url(resolved)}: "
                                f"{driver_message(error)}; {hint}") from None
    if revision is None and not create:
        ledger_db.dispose()
        raise LedgerMissing(f"{shown_url(resolved)} holds no ledger yet; check --db or "
                            "ICM_DATABASE_URL, or create one with `icm db upgrade` or "
                            "`icm import`")
    if upgrade and revision != head_revision():
        upgrade_schema(ledger_db)
    return ledger_db


def database_errors() -> tuple[type[Exception], ...]:
    """What a failing database raises: SQLAlchemy's wrapper, and the drivers' own errors
    from the bulk paths that talk to the driver directly (``ledger.bulk``)."""
    import sqlite3
    import psycopg
    return DBAPIError, sqlite3.Error, psycopg.Error


def driver_message(error: Exception) -> str:
    """The database's own words for a failure, on one line, without SQLAlchemy's wrapping."""
    original = getattr(error, "orig", None)
    text = str(original) if original is not None else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(original or error).__name__


def _create_engine(url: str) -> Engine:
    """SQLAlchemy's engine for the URL (nothing is opened yet), or why the URL names no
    database icm can use."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise BadLedgerUrl(f"{shown_url(url)!r} is not a database URL: write sqlite:///FILE "
                           "or postgresql://USER@HOST:PORT/DATABASE") from None
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError:  # no such dialect in SQLAlchemy
        raise BadLedgerUrl(f"{shown_url(url)}: {parsed.get_backend_name()!r} is not a "
                           "database icm can use; write sqlite:///FILE or "
                           "postgresql://USER@HOST:PORT/DATABASE") from None
    except ImportError as error:  # a dialect whose driver is not installed
        raise BadLedgerUrl(f"{shown_url(url)}: its database driver is not installed "
                           f"({error}); use sqlite:///FILE or postgresql://USER@HOST/DB"
                           ) from None
    _OPENED.add(engine)
    return engine


def _check_sqlite_path(url: URL, create: bool) -> None:
    """A SQLite ledger is a file: not a folder, in a folder that exists, and there already
    unless the command may create it."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return  # in memory, or a SQLite URI (`file:...?mode=ro`) that SQLite itself reads
    path = Path(url.database)
    if path.is_dir():
        raise LedgerUnavailable(f"{path} is a folder, not a ledger file; name a file such as "
                                f"{path / 'icm.db'}")
    if path.exists():
        return
    if not create:
        raise LedgerMissing(f"no ledger at {path}: check the path in --db or "
                            "ICM_DATABASE_URL (a typo?), or create it with `icm db upgrade` "
                            "or `icm import`")
    if not path.parent.is_dir():
        raise LedgerUnavailable(f"cannot create the ledger {path}: the folder {path.parent} "
                                "does not exist")


@contextlib.contextmanager
def writing(ledger_db: LedgerDb, on_clash: str | None = None):
    """One transaction that writes the ledger, holding the ledger-wide write lock from its
    first statement, so a command that checks its input against the ledger and then writes
    sees every earlier writer's rows and keeps later writers out until it commits: two quota
    imports cannot both pass the overlap check, nor a reopen slip in under a close. SQLite's
    `BEGIN IMMEDIATE` (below) is that lock; PostgreSQL, at READ COMMITTED, takes a
    transaction-scoped advisory lock. With ``on_clash``, a row another writer's key took
    first (an IntegrityError, on a write or at commit) is ``LedgerRefused(on_clash)``, so no
    caller outside the ledger needs the driver's exception types."""
    try:
        with ledger_db.connect() as connection:
            try:
                with connection.begin():
                    lock(connection)
                    yield connection
            finally:
                after_transaction(connection)  # a bulk write's scratch file goes
    except IntegrityError:
        if on_clash is None:
            raise
        raise LedgerRefused(on_clash) from None


@contextlib.contextmanager
def reading(ledger_db: LedgerDb | Connection):
    """A connection to read through: ``ledger_db`` itself when it is one (a writer's transaction
    reads what it is about to change under its own lock), else a new one on the engine, whose
    statements all see one state of the ledger. SQLite's reader holds the lock (`BEGIN
    IMMEDIATE`), so no writer commits between its statements; PostgreSQL's gets that from
    REPEATABLE READ, one snapshot for the transaction (at its default READ COMMITTED, a
    period's status read before a racing close committed and its last close read after
    would disagree)."""
    if isinstance(ledger_db, Connection):
        yield ledger_db
    else:
        with ledger_db.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            yield connection


def lock(connection: Connection) -> None:
    """Take the ledger-wide write lock for the rest of ``connection``'s transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})


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


def _alembic_config(connection):
    """Alembic's configuration of the ledger's migrations. Alembic is imported here, when a
    schema must change, not by every command: it costs a tenth of a second at each start."""
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def schema_revision(ledger_db: LedgerDb) -> str | None:
    """The migration the ledger is at (Alembic's ``alembic_version`` row), None for a new
    ledger."""
    with ledger_db.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")
                                  ).scalar_one_or_none()


def head_revision() -> str:
    """The newest migration: its file is ``NNNN_name.py`` with revision ``NNNN`` (a test holds
    every file to this, and the answer to Alembic's own), so no command but a migration loads
    Alembic to learn it."""
    return max(path.name.split("_", 1)[0]
               for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def upgrade_schema(ledger_db: LedgerDb) -> str:
    """Create or migrate the ledger; a no-op when it is current. Returns the revision."""
    head = head_revision()
    if schema_revision(ledger_db) == head:
        return head
    from alembic import command
    with writing(ledger_db) as connection:  # two first uses at once: the second waits
        command.upgrade(_alembic_config(connection), "head")
    return head
