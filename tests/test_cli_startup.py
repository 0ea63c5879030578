"""`icm --help` and a command's `--help` answer at once: building them loads neither pandas,
lark nor SQLAlchemy (the command line imports its libraries when a command runs)."""
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.kind_names import INPUT_KINDS
from ledger.kinds import SPECS

HEAVY = ("pandas", "lark", "sqlalchemy")


def _printed(code: str) -> str:
    """What ``code`` prints, run in a fresh Python process from the project's folder."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["calc", "--help"]])
def test_help_loads_no_heavy_library(args):
    code = ("import sys\nfrom click.testing import CliRunner\nimport cli\n"
            f"result = CliRunner().invoke(cli.main, {args!r})\n"
            "assert result.exit_code == 0, result.output\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    assert _printed(code) == "[]\n"


def test_a_command_loads_no_sqlalchemy_orm():
    """The ledger's tables are SQLAlchemy Core (``ledger.schema``): importing
    ``sqlalchemy.orm`` and mapping a class per table was 0.13 s of every command's start."""
    code = ("import sys\nimport engine.closing, cli, ledger.schema\n"
            "print('sqlalchemy' in sys.modules, 'sqlalchemy.orm' in sys.modules)\n")
    assert _printed(code) == "True False\n"


def test_reading_ahead_loads_no_pandas(tmp_path):
    """A calc or close notes the ledger's state, reads the plans and starts reading its
    window (``engine.read_ahead``) before it loads pandas and the rest of the engine, so
    that the read waits on the database while they load. A pandas import on that path
    would put the two back one after the other."""
    code = ("import sys\nimport cli, ledger.progress\n"
            "from engine.read_ahead import read_ahead\n"
            "from ledger.database import open_ledger\n"
            "from ledger.plans import register_plans\n"
            "from rules_dsl import load_plan\n"
            f"ledger = open_ledger('sqlite:///{tmp_path / 'icm.db'}')\n"
            "register_plans(ledger, [load_plan('plans/enterprise-ae.yaml')[0]])\n"
            "ahead = read_ahead(ledger, '2026-Q1')\n"
            "ahead.wait()\n"
            "print(ahead.window is not None, ahead.window.tables(ahead.window.span, False)"
            "[0].num_rows, 'pandas' in sys.modules)\n")
    assert _printed(code) == "True 0 False\n"


def test_a_command_loads_its_modules_without_a_collector_pass():
    """``cli_support.loading``: the engine's imports (pandas, SQLAlchemy and the engine
    itself) run with the cycle collector paused, which is on again after them. Loaded with
    it on, the same imports make some 250 passes. What they made is frozen, once: a later
    loading that loads nothing new freezes nothing (tests run many commands in one
    process)."""
    code = ("import gc\npasses = []\n"
            "gc.callbacks.append(lambda phase, info: phase == 'start' and passes.append(1))\n"
            "from cli_support import loading\n"
            "before = len(passes)\n"
            "with loading():\n    import engine.closing, views.source\n"
            "    during = len(passes) - before\n"
            "frozen = gc.get_freeze_count()\n"
            "with loading():\n    import engine.closing\n"
            "print(during, gc.isenabled(), frozen > 100_000, gc.get_freeze_count() == frozen)\n")
    assert _printed(code) == "0 True True True\n"


def test_the_kinds_the_command_line_lists_are_those_the_ledger_imports():
    assert tuple(SPECS) == INPUT_KINDS


def _parse_in_a_new_process(cache_home: Path) -> subprocess.CompletedProcess:
    code = ("from rules_dsl.parser import parse_expression\n"
            "print(repr(parse_expression('attainment(\"bookings\") >= 1.5 and x in (\"a\")')))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent,
                          env={**__import__("os").environ, "XDG_CACHE_HOME": str(cache_home)})


def test_the_grammar_analysis_is_cached_privately_and_parses_as_a_fresh_one(tmp_path):
    """The cached parser (a pickle) lives in the user's own folder, closed to others, and
    parses exactly as the parser built from the grammar does."""
    first = _parse_in_a_new_process(tmp_path)
    cache = tmp_path / "icm" / "expression-grammar.lark-cache"
    assert first.returncode == 0, first.stderr
    assert cache.is_file() and (cache.parent.stat().st_mode & 0o077) == 0
    second = _parse_in_a_new_process(tmp_path)
    assert second.returncode == 0 and second.stdout == first.stdout
    cache.write_bytes(b"not a cache\n")  # damaged: rebuilt, not an error
    third = _parse_in_a_new_process(tmp_path)
    assert third.returncode == 0 and third.stdout == first.stdout and third.stderr == ""


def test_a_cache_folder_that_cannot_be_made_is_no_error(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    run = _parse_in_a_new_process(blocked)
    assert run.returncode == 0 and run.stderr == "" and run.stdout.startswith("(Logical(")
    assert not (blocked / "icm").exists()


@pytest.mark.parametrize("code, status, said", [(3, 3, ""), (None, 0, ""),
                                                  ("no ledger", 1, "no ledger\n")])
def test_the_icm_command_ends_at_once_with_the_code_main_ends_with(monkeypatch, capsys,
                                                                    code, status, said):
    """``icm`` runs ``cli.run``: the code ``main`` ends with (as SystemExit) ends the process
    through ``os._exit``, after its output is flushed and its ledger connections closed,
    so that the interpreter's shutdown never takes the command's heap apart."""
    from importlib.metadata import entry_points

    import cli
    import ledger.database
    assert [e.value for e in entry_points(group="console_scripts") if e.name == "icm"] == \
        ["cli:run"]
    ended, closed = [], []

    class Ended(Exception):
        pass

    def end(status):
        ended.append(status)
        raise Ended

    monkeypatch.setattr(cli.os, "_exit", end)
    monkeypatch.setattr(ledger.database, "close_ledgers", lambda: closed.append(True))

    def main():
        print("every payee", end="")
        raise SystemExit(code)
    monkeypatch.setattr(cli, "main", main)
    with pytest.raises(Ended):
        cli.run()
    assert ended == [status] and closed == [True]
    assert capsys.readouterr() == ("every payee", said)
