"""The ledger's schema: created fresh at the newest migration, and an old one upgraded on use."""
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect

from cli import main
from ledger.database import _alembic_config, head_revision, open_ledger, schema_revision


def test_a_new_ledger_is_created_at_the_newest_revision(ledger_url):
    engine = open_ledger(ledger_url)
    assert schema_revision(engine) == head_revision() == "0006"
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
    assert result.exit_code == 0 and "schema at revision 0006" in result.output
    engine = open_ledger(ledger_url, upgrade=False)
    columns = {c["name"] for c in inspect(engine).get_columns("result_lines")}
    assert {"fiscal_year", "deal_date"} <= columns
    engine.dispose()
