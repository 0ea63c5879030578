"""Benchmark: importing deals into SQLite, reading a window back as frames, and the whole
pipeline on that ledger: `icm calc` of the last quarter (every deal of the year, the annual
window), the close of Q1 and a calc of Q2 settled against it.

Each figure stands beside a baseline run in the same process on the same machine: a plain
``sqlite3`` load of the same CSV (csv module + executemany, no checks) and a plain ``sqlite3``
read of the same rows. Report ratios, not absolute promises: the machines are shared.

    python bench/bench_ledger.py --deals 1000000 --payees 10000
"""
from __future__ import annotations

import argparse
import csv
import datetime
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine.calculate import calculate_period  # noqa: E402
from engine.closing import close_period  # noqa: E402
from ledger.database import open_ledger  # noqa: E402
from ledger.importing import import_csv  # noqa: E402
from ledger.plans import register_plans  # noqa: E402
from ledger.window import read_window  # noqa: E402
from timing import timed  # noqa: E402
from rules_dsl import load_plan  # noqa: E402

PLAN = Path(__file__).resolve().parent.parent / "plans" / "enterprise-ae.yaml"


def generate(folder: Path, deals: int, payees: int) -> dict[str, Path]:
    """A deterministic company: payees, their assignments, and deals over fiscal 2026."""
    rng = random.Random(20261123)
    files = {kind: folder / f"{kind}.csv"
             for kind in ("payees", "assignments", "quotas", "deals")}
    with open(files["payees"], "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "name", "manager_id"])
        for i in range(payees):
            out.writerow([f"p{i:05d}", f"Payee {i}", "" if i < 100 else f"p{i % 100:05d}"])
    with open(files["assignments"], "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["payee_id", "plan", "effective_from", "target_incentive"])
        for i in range(payees):
            out.writerow([f"p{i:05d}", "enterprise-ae", "2026-01-01", "60000.00"])
    with open(files["quotas"], "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["payee_id", "measure", "period", "amount"])
        per_payee = deals // payees * 2 // 3 * 100_000  # about a year's new and expansion
        for i in range(payees):
            out.writerow([f"p{i:05d}", "bookings", "2026",
                          f"{rng.randrange(per_payee // 2, per_payee * 2 + 2):.2f}"])
    start = datetime.date(2026, 1, 1)
    with open(files["deals"], "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "date", "owner_id", "amount", "currency", "type", "product"])
        for i in range(deals):
            day = start + datetime.timedelta(days=rng.randrange(365))
            out.writerow([f"D-{i:08d}", day.isoformat(), f"p{rng.randrange(payees):05d}",
                          f"{rng.randrange(100, 20_000_000) / 100:.2f}", "USD",
                          rng.choice(("new", "expansion", "renewal")), "platform"])
    return files


def baseline_load(path: Path, database: Path) -> int:
    """The floor: csv module into sqlite3 executemany, one transaction, no checks."""
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE deals (id TEXT, date TEXT, owner_id TEXT, amount INTEGER,"
                       " currency TEXT, type TEXT, product TEXT)")
    with open(path, newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        connection.executemany("INSERT INTO deals VALUES (?, ?, ?, ?, ?, ?, ?)",
                               ((i, d, o, int(a.replace(".", "")), c, t, p)
                                for i, d, o, a, c, t, p in rows))
    connection.commit()
    count = connection.execute("SELECT count(*) FROM deals").fetchone()[0]
    connection.close()
    return count


def baseline_read(database: Path) -> int:
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT id, date, owner_id, amount, currency, type, product "
                              "FROM deals ORDER BY date, id").fetchall()
    connection.close()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--payees", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        files, seconds = timed(generate, folder, options.deals, options.payees)
        print(f"generated {options.deals:,} deals for {options.payees:,} payees in "
              f"{seconds:.1f} s", file=sys.stderr)
        engine = open_ledger(f"sqlite:///{folder / 'icm.db'}")
        plan, _ = load_plan(PLAN)
        register_plans(engine, [plan])
        import_csv(engine, "payees", files["payees"], progress=False)
        import_csv(engine, "assignments", files["assignments"], progress=False)
        import_csv(engine, "quotas", files["quotas"], progress=False)

        summary, icm_import = timed(lambda: import_csv(engine, "deals", files["deals"],
                                                   progress=False))
        count, plain_import = timed(baseline_load, files["deals"], folder / "plain.db")
        assert summary.inserted == count == options.deals
        window, icm_read = timed(read_window, engine, datetime.date(2026, 1, 1),
                                 datetime.date(2026, 12, 31), "USD")
        read_count, plain_read = timed(baseline_read, folder / "plain.db")
        assert len(window.credits) == read_count
        _, reimport = timed(lambda: import_csv(engine, "deals", files["deals"], progress=False))
        year, calc_year = timed(calculate_period, engine, "2026-Q4")
        _, close_q1 = timed(close_period, engine, "2026-Q1")
        _, calc_q2 = timed(calculate_period, engine, "2026-Q2")
        paid = sum(record.payout for record in year.result.payees)
        print(f"2026-Q4 computed now pays {paid / 100:,.2f} USD to "
              f"{len(year.result.payees):,} payees over {len(year.lines):,} line keys",
              file=sys.stderr)

    rows = options.deals
    print(f"{'step':<38}{'seconds':>9}{'deals/s':>12}{'vs sqlite3':>12}")
    for label, seconds, baseline in (
            ("icm import deals (checked)", icm_import, plain_import),
            ("plain sqlite3 load (no checks)", plain_import, plain_import),
            ("icm re-import, nothing changes", reimport, plain_import),
            ("icm read_window -> frames", icm_read, plain_read),
            ("plain sqlite3 read (tuples)", plain_read, plain_read),
            ("icm calc 2026-Q4 (the whole year)", calc_year, plain_read),
            ("icm close 2026-Q1 (records lines)", close_q1, plain_read),
            ("icm calc 2026-Q2 against Q1's close", calc_q2, plain_read)):
        print(f"{label:<38}{seconds:>9.2f}{rows / seconds:>12,.0f}{seconds / baseline:>11.1f}x")


if __name__ == "__main__":
    main()
