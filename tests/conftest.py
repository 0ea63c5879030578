"""Ledger fixtures: every ledger test runs on SQLite, and on PostgreSQL when
``ICM_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it to the local server)."""
import os

import pytest
from sqlalchemy import create_engine

from ledger.database import open_ledger

POSTGRES_URL = os.environ.get("ICM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    """A URL to an empty ledger database (not yet migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'icm.db'}"
    return fresh_postgres()


def fresh_postgres() -> str:
    """ICM_TEST_POSTGRES_URL's database emptied: its public schema dropped and made again."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def ledger(ledger_url):
    """An engine on a freshly migrated, empty ledger."""
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def pytest_addoption(parser):
    parser.addoption("--snapshot-update", action="store_true",
                     help="Rewrite the snapshot files of rendered reports from this run.")


@pytest.fixture
def snapshot(request):
    """Compare rendered text with tests/snapshots/NAME, or rewrite it under
    --snapshot-update. Volatile parts are normalised by the caller before comparing."""
    from tests.paths import ROOT
    update = request.config.getoption("--snapshot-update")

    def check(name: str, text: str) -> None:
        path = ROOT / "tests" / "snapshots" / name
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no snapshot {path}: run pytest --snapshot-update and review it"
        assert text == path.read_text(encoding="utf-8"), \
            f"{name} differs from its snapshot; if the change is meant, run pytest " \
            "--snapshot-update and review the diff"
    return check
