"""A fresh, empty ledger for each run of the pipeline: a new SQLite file, or a PostgreSQL
database of the bench's own (dropped and created again; nobody else's is touched).

Light on purpose (no numpy, no Arrow): bench_pipeline imports it, and the bench's own
process must stay small, see pipeline_runner."""
from __future__ import annotations

import shutil
from pathlib import Path


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def libpq_url(url: str) -> str:
    """postgresql+psycopg://... as libpq (psycopg, ADBC) takes it."""
    _, rest = url.split("://", 1)
    return "postgresql://" + rest


def server_of(url: str) -> tuple[str, str]:
    """postgresql+psycopg://user@host:port/db -> (the URL without a database, db or '')."""
    scheme, rest = url.split("://", 1)
    authority, _, database = rest.partition("/")
    return f"{scheme}://{authority}/", database.split("?", 1)[0]


def fresh(backend: str, folder: Path, pg_url: str, pg_database: str) -> str:
    """icm's URL of a new empty ledger."""
    if backend == "sqlite":
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return f"sqlite:///{folder / 'icm.db'}"
    server, _ = server_of(pg_url)
    _admin(server, f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
    _admin(server, f'CREATE DATABASE "{pg_database}"')
    folder.mkdir(parents=True, exist_ok=True)
    return server + pg_database


def drop(backend: str, url: str, folder: Path) -> None:
    """Give the space back: the SQLite file and its folder, or the PostgreSQL database."""
    if backend == "sqlite":
        shutil.rmtree(folder, ignore_errors=True)
        return
    server, database = server_of(url)
    _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(server: str, statement: str) -> None:
    """A statement outside a transaction, on the server's ``postgres`` database."""
    import psycopg
    with psycopg.connect(libpq_url(server + "postgres"), autocommit=True) as connection:
        connection.execute(statement)
