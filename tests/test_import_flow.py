"""Imports flow one way (issue 12): rules_dsl and plans <- ledger <- engine <- views <- the CLI.

A module may import its own package and the packages to its left, never one to its right;
only ``ledger/`` talks to the database (SQLAlchemy, Alembic, any driver), so nothing else
runs SQL: outside it, a call that runs SQL text (``exec_driver_sql``, ``.execute(text(...))``,
pandas' ``read_sql*``) is against the flow as an import of SQLAlchemy is, and so is taking a
connection (``ledger.database.reading``/``writing``/``lock``). Imports under
``if TYPE_CHECKING:`` are exempt; an import inside a function counts, and so does
``importlib.import_module("...")`` or ``__import__("...")`` with a literal name. ``bench/``
and ``tests/`` are outside the flow.
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

# left to right: a package may import any package of its own layer or of a layer to its left
LAYERS = [{"rules_dsl", "plans"}, {"ledger"}, {"engine"}, {"views"},
          {"cli", "cli_support", "cli_reports"}]
# only ``ledger`` may import these: SQLAlchemy, Alembic and the database drivers
DATABASE = {"sqlalchemy", "alembic", "sqlite3", "psycopg", "psycopg2", "psycopg_pool", "pg8000",
            "asyncpg", "aiosqlite", "pymysql", "MySQLdb", "mysql", "oracledb", "cx_Oracle",
            "pyodbc", "duckdb", "adbc_driver_manager"}
DRIVER_PREFIXES = ("adbc_driver_",)  # adbc_driver_postgresql, adbc_driver_sqlite, ...
RUNS_SQL = {"exec_driver_sql", "read_sql", "read_sql_query", "read_sql_table"}
OPENS_CONNECTION = {"reading", "writing", "lock"}  # of ledger.database: no connection leaves
OUTSIDE = {"bench", "tests", "build"}  # build: the copy `pip install .` leaves in the tree


def flow_violations(root: Path, layers: list[set[str]] = LAYERS) -> list[str]:
    """``file:line: why`` for every import against the flow in the project under ``root``,
    and for every module that sits in no layer."""
    rank = {package: index for index, layer in enumerate(layers) for package in layer}
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        parts = relative.with_suffix("").parts
        if parts[0] in OUTSIDE or any(part.startswith(".") for part in parts):
            continue
        where = relative.as_posix()
        own = parts[0]
        if own not in rank:
            found.append(f"{where}:1: {own} is in no layer of the import flow")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if own != "ledger":
            found += [f"{where}:{line}: runs SQL ({call}): only ledger talks to the database"
                      for line, call in _sql_calls(tree)]
            found += [f"{where}:{node.lineno}: imports ledger.database.{alias.name}: no "
                      "connection leaves ledger" for node in ast.walk(tree)
                      if isinstance(node, ast.ImportFrom) and node.module == "ledger.database"
                      for alias in node.names if alias.name in OPENS_CONNECTION]
        for line, imported in _imports(tree, parts):
            top = imported.split(".")[0]
            if (top in DATABASE or top.startswith(DRIVER_PREFIXES)) and own != "ledger":
                found.append(f"{where}:{line}: imports {imported}: only ledger talks to the "
                             "database")
            elif top in rank and rank[top] > rank[own]:
                found.append(f"{where}:{line}: {own} imports {imported}, which is to its "
                             "right in the flow")
    return sorted(found, key=_by_file_and_line)


def _by_file_and_line(message: str) -> tuple[str, int]:
    where, line, _ = message.split(":", 2)
    return where, int(line)


def _called(node: ast.Call) -> str | None:
    """The name a call calls: ``f`` of ``f(...)`` and of ``x.y.f(...)``."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _sql_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of each call that runs SQL text: ``exec_driver_sql``, pandas'
    ``read_sql*``, and ``execute`` of a ``text(...)`` clause."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node)
        if name in RUNS_SQL:
            found.append((node.lineno, name))
        elif name == "execute" and node.args and isinstance(node.args[0], ast.Call) and (
                _called(node.args[0]) == "text"):
            found.append((node.lineno, "execute(text(...))"))
    return found


def _dynamic_import(node: ast.Call) -> str | None:
    """The module ``importlib.import_module("x")`` or ``__import__("x")`` names, when it is
    written out."""
    if _called(node) not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _imports(tree: ast.AST, parts: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, module) of each import in the file, outside ``if TYPE_CHECKING:`` blocks;
    relative imports resolved against the module's own package."""
    exempt = {id(node) for block in ast.walk(tree) if _is_type_checking(block)
              for statement in block.body for node in ast.walk(statement)}
    package = parts[:-1]  # of `views/kpi.py` and of `views/__init__.py` alike: views
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module
            found.append((node.lineno, name))
        elif isinstance(node, ast.Call) and (dynamic := _dynamic_import(node)):
            # a relative name is of the module's own package, which it may always import
            found.append((node.lineno, parts[0] if dynamic.startswith(".") else dynamic))
    return sorted(found)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def test_the_project_imports_flow_one_way():
    assert flow_violations(ROOT) == []


def test_the_checker_names_each_import_against_the_flow(tmp_path):
    files = {
        "rules_dsl/money.py": "import decimal\nfrom plans import reference_plan\n"
                              "from ledger.schema import Deal\n",
        "plans/__init__.py": "from . import x\n",
        "ledger/window.py": "import sqlalchemy\nfrom engine.lines import KEY\n",
        "engine/calculate.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from views.source import Statement\n"
                               "    import sqlalchemy\n"
                               "def f():\n    from views import kpi\n"
                               "from sqlalchemy.exc import IntegrityError\n"
                               "from ledger.history import Prior\n",
        "views/kpi.py": "from .source import x\nimport cli_support\n",
        "views/chart.py": "import importlib\nimportlib.import_module('cli_reports')\n"
                          "__import__('sqlalchemy.engine')\nimport_module('.render')\n"
                          "import_module(name)\n",
        "views/paying.py": "import psycopg2, pg8000\nimport asyncpg\n"
                           "from adbc_driver_postgresql import dbapi\n",
        "engine/closing.py": "def f(connection, sql, text, pd, query):\n"
                             "    connection.exec_driver_sql('SELECT 1')\n"
                             "    connection.execute(text('SELECT 1'))\n"
                             "    connection.execute(sql.text('SELECT 1'))\n"
                             "    pd.read_sql('deals', connection)\n"
                             "    pd.read_sql_query('SELECT 1', connection)\n"
                             "    connection.execute(query)\n"
                             "from ledger.database import LedgerDb, writing\n",
        "ledger/reads.py": "import psycopg2\nfrom sqlalchemy import text\n"
                           "def f(c, pd):\n    c.execute(text('x'))\n    pd.read_sql('x', c)\n",
        "cli_support.py": "import views.kpi, engine, ledger, rules_dsl\n",
        "bench/bench.py": "import sqlalchemy\nimport cli\n",
        "tests/test_x.py": "import cli\n",
        "build/lib/engine/x.py": "import views\n",
        "service/run.py": "import engine\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert flow_violations(tmp_path) == [
        "engine/calculate.py:6: engine imports views, which is to its right in the flow",
        "engine/calculate.py:7: imports sqlalchemy.exc: only ledger talks to the database",
        "engine/closing.py:2: runs SQL (exec_driver_sql): only ledger talks to the database",
        "engine/closing.py:3: runs SQL (execute(text(...))): only ledger talks to the "
        "database",
        "engine/closing.py:4: runs SQL (execute(text(...))): only ledger talks to the "
        "database",
        "engine/closing.py:5: runs SQL (read_sql): only ledger talks to the database",
        "engine/closing.py:6: runs SQL (read_sql_query): only ledger talks to the database",
        "engine/closing.py:8: imports ledger.database.writing: no connection leaves ledger",
        "ledger/window.py:2: ledger imports engine.lines, which is to its right in the flow",
        "rules_dsl/money.py:3: rules_dsl imports ledger.schema, which is to its right in the "
        "flow",
        "service/run.py:1: service is in no layer of the import flow",
        "views/chart.py:2: views imports cli_reports, which is to its right in the flow",
        "views/chart.py:3: imports sqlalchemy.engine: only ledger talks to the database",
        "views/kpi.py:2: views imports cli_support, which is to its right in the flow",
        "views/paying.py:1: imports pg8000: only ledger talks to the database",
        "views/paying.py:1: imports psycopg2: only ledger talks to the database",
        "views/paying.py:2: imports asyncpg: only ledger talks to the database",
        "views/paying.py:3: imports adbc_driver_postgresql: only ledger talks to the database",
    ]
