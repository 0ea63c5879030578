"""`pip install .` (not editable) must run the demo from any folder: the wheel carries the
reference plans, the migrations, the grammar and the templates, and nothing reads the clone."""
import shutil
import subprocess
import sys
import zipfile

from tests.paths import ROOT


def _wheel(tmp_path):
    """Build from a copy of the tree: setuptools writes build/ and egg-info beside it."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", "icm-demo", "*.db"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"),
                    str(source)], check=True, cwd=tmp_path, capture_output=True)
    return next((tmp_path / "dist").glob("icm-*.whl"))


def test_the_wheel_ships_the_plans_and_runs_the_demo_from_another_folder(tmp_path):
    wheel = _wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "plans").glob("*.yaml"):
        assert f"plans/{path.name}" in names
    assert {"rules_dsl/grammar.lark", "views/templates/statement.html.j2",
            "ledger/migrations/env.py"} <= names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the installed copy first on the path, run from a folder with no plans/ beside it
    run = subprocess.run(
        [sys.executable, "-c", "import sys, cli; "
         f"assert cli.__file__.startswith({str(site)!r}), cli.__file__; "
         "sys.argv = ['icm', 'demo', '--out', 'out']; cli.main()"],
        cwd=elsewhere, capture_output=True, text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Sample company: 30 payees" in run.stdout
    assert (elsewhere / "out" / "statements" / "mgr-east-2026-Q1.html").is_file()
