"""A large `icm import deals` killed with SIGKILL half-way leaves the ledger as it was.

The import writes in one transaction; the kill lands while it is writing (once the progress
line, drawn on a terminal's stderr, counts some of the rows written but not all), so nothing
may be committed: no deal and no `imports` row. Runs on SQLite, and on PostgreSQL when
``ICM_TEST_POSTGRES_URL`` is set.
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading

from sqlalchemy import func, select

from ledger.database import open_ledger
from ledger.importing import import_csv
from ledger.plans import register_plans
from ledger.schema import deals, metadata
from rules_dsl import load_plan
from tests.paths import PLANS, ROOT

ROWS = 300_000
PROGRESS = re.compile(r"writing  \[[#.]+\]  ([\d,]+) of 300,000 rows")


def counts(engine):
    with engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in metadata.sorted_tables}


def test_sigkill_while_writing_deals_leaves_the_ledger_as_it_was(ledger_url, tmp_path):
    engine = open_ledger(ledger_url)
    plan, errors = load_plan(PLANS / "enterprise-ae.yaml")
    assert errors == []
    register_plans(engine, [plan])
    payees = tmp_path / "payees.csv"
    payees.write_text("id,name\nrep-1,Ravi\nrep-2,Rosa\nrep-3,Raj\n")
    import_csv(engine, "payees", payees, progress=False)
    before = counts(engine)
    assert before["deals"] == 0 and before["imports"] == 1 and before["payees"] == 3
    engine.dispose()

    deals_csv = tmp_path / "deals.csv"
    with open(deals_csv, "w") as out:
        out.write("id,date,owner_id,amount,currency,type\n")
        out.writelines(f"D-{n},2026-{n % 12 + 1:02d}-{n % 28 + 1:02d},rep-{n % 3 + 1},"
                       f"{n % 90_000 + 10}.{n % 100:02d},USD,new\n" for n in range(ROWS))

    terminal, its_end = pty.openpty()  # progress is drawn only on a terminal
    fcntl.ioctl(its_end, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "import", "deals", str(deals_csv),
         "--db", ledger_url],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=its_end)
    os.close(its_end)
    watchdog = threading.Timer(120, process.kill)  # never hang the suite
    watchdog.start()
    seen, written = "", 0
    try:
        while not 0 < written < ROWS:
            try:
                seen += os.read(terminal, 4096).decode()
            except OSError:  # the command ended and closed the terminal
                break
            written = max([int(n.replace(",", "")) for n in PROGRESS.findall(seen)] or [0])
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(terminal)

    assert 0 < written < ROWS, f"the kill came too late to be half-way: {seen!r}"
    assert process.returncode == -signal.SIGKILL

    engine = open_ledger(ledger_url)
    try:
        after = counts(engine)
        assert after == before  # deals 0, imports 1 (the payees file): nothing committed
        assert after["deals"] == 0

        # the ledger is not left locked or half-written: the same file imports afterwards
        small = tmp_path / "small.csv"
        small.write_text("id,date,owner_id,amount,currency,type\n"
                         "D-1,2026-01-05,rep-1,100.00,USD,new\n")
        import_csv(engine, "deals", small, progress=False)
        with engine.connect() as connection:
            assert connection.execute(select(
                deals.c.id, deals.c.version, deals.c.amount)).all() == [("D-1", 1, 10_000)]
    finally:
        engine.dispose()
