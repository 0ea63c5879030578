"""Two closes of one period racing: exactly one wins, the other is refused with exit 3."""
import subprocess
import sys
import threading

from sqlalchemy import func, select

import ledger.closes
from engine.closing import close_period
from ledger.closes import CloseOrder, close_order
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
    assert "closed already" in outcomes[1][1] or "finished first" in outcomes[1][1], outcomes
    engine = open_ledger(ledger_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(calculation_runs)) == 1
        assert connection.scalar(select(func.count()).select_from(payee_results)) == 2
    engine.dispose()


def test_a_close_committed_between_the_order_reads_is_not_half_seen(tmp_path, ledger_url,
                                                                     monkeypatch):
    """The losing racer once read the period's status before the winner committed and the
    last close after it, and was told to close 2026-Q2 before 2026-Q1. The two order facts
    are one state of the ledger: both from before the racing close, here."""
    build(tmp_path, ledger_url)
    ledger_db, winners_db = open_ledger(ledger_url), open_ledger(ledger_url)
    winner = threading.Thread(target=close_period, args=(winners_db, "2026-Q1"))
    read_last_closed = ledger.closes.last_closed

    def after_a_racing_close(connection, length):
        if threading.current_thread() is winner:  # the winner's own reads
            return read_last_closed(connection, length)
        winner.start()
        winner.join(timeout=60 if ledger_db.dialect.name == "postgresql" else 1)
        # PostgreSQL lets the winner commit meanwhile; SQLite's reader holds the lock.
        assert winner.is_alive() == (ledger_db.dialect.name == "sqlite")
        return read_last_closed(connection, length)

    monkeypatch.setattr(ledger.closes, "last_closed", after_a_racing_close)
    order = close_order(ledger_db, "2026-Q1")
    monkeypatch.undo()
    winner.join(timeout=60)
    assert order == CloseOrder(status=None, last_closed=None)
    assert close_order(ledger_db, "2026-Q1") == CloseOrder(status="closed",
                                                           last_closed="2026-Q1")
    ledger_db.dispose()
    winners_db.dispose()
