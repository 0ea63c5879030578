"""Two closes of one period racing: exactly one wins, the other is refused with exit 3."""
import subprocess
import sys

from sqlalchemy import func, select

from ledger.database import open_ledger
from ledger.schema import calculation_runs, payee_results
from tests.paths import ROOT
from tests.test_calc import build


def test_two_racing_closes_one_wins(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    command = [sys.executable, str(ROOT / "cli.py"), "close", "--period", "2026-Q1",
               "--db", ledger_url]
    racers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    outcomes = sorted((racer.wait(timeout=120), racer.stderr.read()) for racer in racers)
    assert [code for code, _ in outcomes] == [0, 3], outcomes
    assert "closed" in outcomes[1][1] or "finished first" in outcomes[1][1]
    engine = open_ledger(ledger_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(calculation_runs)) == 1
        assert connection.scalar(select(func.count()).select_from(payee_results)) == 2
    engine.dispose()
