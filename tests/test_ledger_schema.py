"""The ledger's schema: created fresh at the newest migration, and an old one upgraded on use."""
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect

from cli import main
from ledger.database import _alembic_config, head_revision, open_ledger, schema_revision


def test_a_new_ledger_is_created_at_the_newest_revision(ledger_url):
    engine = open_ledger(ledger_url)
    assert schema_revision(engine) == head_revision() == "0011"
    assert "payee_results" in inspect(engine).get_table_names()
    engine.dispose()


def test_an_old_ledger_is_upgraded_on_first_use(ledger_url):
    engine = open_ledger(ledger_url, upgrade=False)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    assert schema_revision(engine) == "0001"
    assert "payee_results" not in inspect(engine).get_table_names()
    engine.dispose()
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", ledger_url])
    assert result.exit_code == 0 and f"schema at revision {head_revision()}" in result.output
    engine = open_ledger(ledger_url, upgrade=False)
    columns = {c["name"] for c in inspect(engine).get_columns("result_lines")}
    assert {"fiscal_year", "deal_date"} <= columns
    engine.dispose()


def test_the_head_revision_is_alembics_own_and_every_file_is_named_by_its_revision():
    """open_ledger learns the head from the file names, without loading Alembic; this holds
    the names to the revisions inside them and to Alembic's answer."""
    from alembic.script import ScriptDirectory
    scripts = ScriptDirectory.from_config(_alembic_config(None))
    assert head_revision() == scripts.get_current_head()
    for script in scripts.walk_revisions():
        assert script.path.rsplit("/", 1)[-1].startswith(f"{script.revision}_")


def test_a_command_that_needs_no_migration_does_not_load_alembic(ledger_url, tmp_path):
    """Alembic costs a tenth of a second at every start; only a migration needs it."""
    import subprocess
    import sys
    open_ledger(ledger_url).dispose()
    code = ("import sys; from ledger.database import open_ledger; "
            f"open_ledger({ledger_url!r}).dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=tmp_path, env=_with_source_on_path())
    assert shown.stdout.strip() == "[]"


def _with_source_on_path() -> dict:
    import os
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[1])
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])]))
