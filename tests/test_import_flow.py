"""Imports flow one way (issue 12): rules_dsl and plans <- ledger <- engine <- views <- the CLI.

A module may import its own package and the packages to its left, never one to its right;
only ``ledger/`` talks to the database (SQLAlchemy, Alembic, the drivers), so nothing else
runs SQL. Imports under ``if TYPE_CHECKING:`` are exempt; an import inside a function counts.
``bench/`` and ``tests/`` are outside the flow.
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

# left to right: a package may import any package of its own layer or of a layer to its left
LAYERS = [{"rules_dsl", "plans"}, {"ledger"}, {"engine"}, {"views"},
          {"cli", "cli_support", "cli_reports"}]
DATABASE = {"sqlalchemy", "alembic", "psycopg", "sqlite3"}  # only ``ledger`` may import these
OUTSIDE = {"bench", "tests"}


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
        for line, imported in _imports(path, parts):
            top = imported.split(".")[0]
            if top in DATABASE and own != "ledger":
                found.append(f"{where}:{line}: imports {imported}: only ledger talks to the "
                             "database")
            elif top in rank and rank[top] > rank[own]:
                found.append(f"{where}:{line}: {own} imports {imported}, which is to its "
                             "right in the flow")
    return found


def _imports(path: Path, parts: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, module) of each import in the file, outside ``if TYPE_CHECKING:`` blocks;
    relative imports resolved against the module's own package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
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
        "cli_support.py": "import views.kpi, engine, ledger, rules_dsl\n",
        "bench/bench.py": "import sqlalchemy\nimport cli\n",
        "tests/test_x.py": "import cli\n",
        "service/run.py": "import engine\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert flow_violations(tmp_path) == [
        "engine/calculate.py:6: engine imports views, which is to its right in the flow",
        "engine/calculate.py:7: imports sqlalchemy.exc: only ledger talks to the database",
        "ledger/window.py:2: ledger imports engine.lines, which is to its right in the flow",
        "rules_dsl/money.py:3: rules_dsl imports ledger.schema, which is to its right in the "
        "flow",
        "service/run.py:1: service is in no layer of the import flow",
        "views/kpi.py:2: views imports cli_support, which is to its right in the flow",
    ]
