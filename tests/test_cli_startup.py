"""`icm --help` and a command's `--help` answer at once: building them loads neither pandas,
lark nor SQLAlchemy (the command line imports its libraries when a command runs)."""
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.kind_names import INPUT_KINDS
from ledger.kinds import SPECS

HEAVY = ("pandas", "lark", "sqlalchemy")


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["calc", "--help"]])
def test_help_loads_no_heavy_library(args):
    code = ("import sys\nfrom click.testing import CliRunner\nimport cli\n"
            f"result = CliRunner().invoke(cli.main, {args!r})\n"
            "assert result.exit_code == 0, result.output\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[]\n"


def test_the_kinds_the_command_line_lists_are_those_the_ledger_imports():
    assert tuple(SPECS) == INPUT_KINDS
