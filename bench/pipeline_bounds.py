"""The hand-written bound of each stage bench_pipeline times, one stage per process.

Run as a child of bench_pipeline.py, like the `icm` commands beside it, so the same clock and
the same peak-RSS reading (os.wait4) measure both, interpreter start and imports included.
Each prints one JSON object on stdout: what it did (rows, total in cents) and its own split
of the time.

    python bench/pipeline_bounds.py load  --ledger URL --via adbc --csv deals.csv
    python bench/pipeline_bounds.py calc  --ledger URL --via adbc --period 2026-Q1
    python bench/pipeline_bounds.py close --ledger URL --via adbc --period 2026-Q1
    python bench/pipeline_bounds.py statements --ledger URL --via adbc --period 2026-Q1 --out DIR
    python bench/pipeline_bounds.py cleanup --ledger URL
    python bench/pipeline_bounds.py json-total --document calc.json

The bound does the same work as icm and no more: the plain load writes every column of icm's
``deals`` table into a table with its DDL and indexes, without checks; calc reads the
window icm reads and computes the plan (pipeline_rules); close also writes a row per line
and per payee in one transaction; statements reads those rows back and writes a Markdown
file per payee.
"""
from __future__ import annotations

import argparse
import calendar
import datetime
import json
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline_rules as rules  # noqa: E402
import pipeline_sql as sql  # noqa: E402

PLAN = "enterprise-ae"
PLAIN = "bench_plain_deals"
LINES, PAYEES = "bench_lines", "bench_payees"
RUN = 1
CSV_BLOCK = 1 << 22  # bytes of CSV parsed at a time: the load streams, whatever the size


class Clock:
    """Seconds per named step, in order."""

    def __init__(self):
        self.steps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(self.steps.get(name, 0) + now - self.last, 3)
        self.last = now


# -- load ------------------------------------------------------------------------------------

def load(ledger: str, via: str, csv_path: Path) -> dict:
    """The plain load: the CSV into a copy of icm's ``deals`` table (same DDL and indexes),
    every column icm writes, amounts as int64 cents, one transaction, no checks."""
    clock = Clock()
    with sql.connect(ledger, via) as connection:
        columns = _copy_deals_table(connection, ledger)
        clock.lap("ddl")
        written = 0

        def batches():
            nonlocal written
            for batch in _csv_batches(csv_path, date_type=pa.string() if sql.is_sqlite(ledger)
                                      else pa.date32()):
                written += len(batch)
                yield _deal_row_batch(batch, columns)

        schema = pa.schema([(name, arrow_type) for name, arrow_type, _ in columns])
        sql.write_batches(connection, ledger, via, PLAIN, batches(), schema)
        connection.commit()
        clock.lap("read + write")
    return {"rows": written, "seconds": clock.steps}


def _copy_deals_table(connection, ledger: str) -> list[tuple[str, pa.DataType, bool]]:
    """Create PLAIN as icm's ``deals`` (its own DDL, indexes included), and return its columns
    as (name, Arrow type, nullable)."""
    sql.execute(connection, f"DROP TABLE IF EXISTS {PLAIN}")
    if sql.is_sqlite(ledger):
        for (statement,) in sql.rows(connection, "SELECT sql FROM sqlite_master WHERE "
                                     "tbl_name = 'deals' AND sql IS NOT NULL ORDER BY type DESC"):
            sql.execute(connection, _renamed(statement))
        info = sql.rows(connection, "PRAGMA table_info(deals)")
        columns = [(name, _sqlite_arrow_type(declared), not notnull)
                   for _, name, declared, notnull, _, _ in info]
    else:
        sql.execute(connection, f"CREATE TABLE {PLAIN} (LIKE deals INCLUDING ALL)")
        info = sql.rows(connection, "SELECT column_name, data_type, is_nullable FROM "
                        "information_schema.columns WHERE table_name = 'deals' AND "
                        "table_schema = current_schema() ORDER BY ordinal_position")
        columns = [(name, _pg_arrow_type(declared), nullable == "YES")
                   for name, declared, nullable in info]
    connection.commit()
    return columns


def _renamed(statement: str) -> str:
    """icm's CREATE TABLE / CREATE INDEX of ``deals`` made for PLAIN."""
    statement = re.sub(r"\bdeals\b", PLAIN, statement)  # the table, not pk_deals
    return re.sub(r"\b(ix|pk|uq|ck|fk)_deals(?=_|\b)", rf"\1_{PLAIN}",
                  statement)  # index names are global in a SQLite schema


def _sqlite_arrow_type(declared: str) -> pa.DataType:
    declared = declared.upper()
    if "INT" in declared:
        return pa.int64()
    return pa.bool_() if "BOOL" in declared else pa.string()


def _pg_arrow_type(declared: str) -> pa.DataType:
    return {"bigint": pa.int64(), "integer": pa.int32(), "smallint": pa.int16(),
            "boolean": pa.bool_(), "date": pa.date32()}.get(declared, pa.string())


def _csv_batches(path: Path, date_type: pa.DataType):
    """deals.csv a block at a time, every column text but the date."""
    names = ["id", "date", "owner_id", "amount", "currency", "type", "product"]
    types = {name: pa.string() for name in names} | {"date": date_type}
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=CSV_BLOCK),
                            convert_options=pacsv.ConvertOptions(column_types=types))
    yield from reader


def _deal_row_batch(batch: pa.RecordBatch, columns) -> pa.RecordBatch:
    """The row icm writes for each new deal: version 1, current, booked, no extra fields."""
    rows = len(batch)
    given = {"id": batch["id"], "date": batch["date"], "owner_id": batch["owner_id"],
             "amount": pc.cast(pc.replace_substring(batch["amount"], ".", ""), pa.int64()),
             "currency": batch["currency"], "type": batch["type"],
             "product": batch["product"]}
    constant = {"version": 1, "current": True, "status": "booked", "extra": "{}",
                "import_id": 1}
    arrays = []
    for name, arrow_type, nullable in columns:
        if name in given:
            arrays.append(pc.cast(given[name], arrow_type))
        elif name in constant or not nullable:
            value = constant.get(name, _zero(arrow_type))
            arrays.append(pa.repeat(pa.scalar(value, arrow_type), rows))
        else:
            arrays.append(pa.nulls(rows, arrow_type))
    return pa.record_batch(arrays, names=[name for name, _, _ in columns])


def _zero(arrow_type: pa.DataType):
    if pa.types.is_string(arrow_type):
        return ""
    return False if pa.types.is_boolean(arrow_type) else 0


# -- calc and close --------------------------------------------------------------------------

def period_span(period: str) -> tuple[datetime.date, datetime.date, int]:
    """2026-Q1 -> (first day of the fiscal year, last day of the quarter, quarter number):
    the annual attainment window of a calendar fiscal year."""
    year, quarter = period.split("-Q")
    year, number = int(year), int(quarter)
    last_month = number * 3
    return (datetime.date(year, 1, 1),
            datetime.date(year, last_month, calendar.monthrange(year, last_month)[1]), number)


def people(connection, year: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The plan's payees in id order, with their annual bookings quota and annual target
    incentive in cents."""
    found = sql.rows(connection, (
        "SELECT a.payee_id, a.target_incentive, q.amount FROM assignments a LEFT JOIN quotas q "
        "ON q.payee_id = a.payee_id AND q.measure = 'bookings' AND q.period = "
        f"'{year}' WHERE a.plan_id = '{PLAN}' ORDER BY a.payee_id"))
    ids, incentive, quota = zip(*found) if found else ((), (), ())
    return (pa.array(ids, pa.string()), np.array([q or 0 for q in quota], np.int64),
            np.array([t or 0 for t in incentive], np.int64))


def read_window(connection, ledger: str, via: str, first: datetime.date,
                last: datetime.date) -> pa.Table:
    """The current deals dated in the window, in whatever order the database gives them."""
    date_type = pa.string() if sql.is_sqlite(ledger) else pa.date32()
    schema = pa.schema([("id", pa.string()), ("date", date_type), ("owner_id", pa.string()),
                        ("amount", pa.int64()), ("type", pa.string()),
                        ("product", pa.string())])
    return sql.read_table(connection, ledger, via, (
        "SELECT id, date, owner_id, amount, type, product FROM deals WHERE current AND "
        f"date BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'"), schema)


def deals_of(window: pa.Table, payee_ids: pa.Array) -> tuple[rules.Deals, pa.Array]:
    """Dense codes for the window's deals (and their ids, for the lines). A deal of an owner
    not on the plan counts for nothing, as in icm; it is masked rather than filtered out
    (filtering the string columns cost 1.5 s of 3 at 2.5M deals)."""
    payee = pc.index_in(window["owner_id"], value_set=payee_ids)
    known = pc.is_valid(payee)
    dates = window["date"]
    if not pa.types.is_date32(dates.type):
        dates = pc.cast(dates, pa.date32())
    types = window["type"]
    bookings = pc.and_(pc.is_in(types, value_set=pa.array(["new", "expansion"])),
                       pc.invert(pc.fill_null(pc.equal(window["product"], "services"), False)))
    ids = window["id"].combine_chunks() if window.num_rows else pa.array([], pa.string())
    deals = rules.Deals(
        payee=_numpy(pc.fill_null(payee, -1), np.int32),
        day=_numpy(pc.cast(dates, pa.int32()), np.int32),
        rank=_numpy(pc.rank(ids, sort_keys="ascending", tiebreaker="first"), np.int64),
        amount=_numpy(window["amount"], np.int64),
        is_bookings=_numpy(pc.fill_null(pc.and_(bookings, known), False), bool),
        is_new=_numpy(pc.fill_null(pc.and_(pc.equal(types, "new"), known), False), bool))
    return deals, ids


def _numpy(column, dtype) -> np.ndarray:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column.to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def calculate(ledger: str, via: str, period: str, clock: Clock):
    """Read the window and the payees, compute the plan: (payee ids, deal ids, payouts)."""
    first, last, number = period_span(period)
    with sql.connect(ledger, via) as connection:
        payee_ids, quota, incentive = people(connection, first.year)
        window = read_window(connection, ledger, via, first, last)
    clock.lap("read")
    deals, deal_ids = deals_of(window, payee_ids)
    del window
    result = rules.pay(deals, quota, incentive, number)
    clock.lap("compute")
    return payee_ids, deal_ids, result


def calc(ledger: str, via: str, period: str) -> dict:
    clock = Clock()
    payee_ids, _, result = calculate(ledger, via, period, clock)
    return _summary(payee_ids, result, clock)


def _summary(payee_ids, result: rules.Payouts, clock: Clock) -> dict:
    return {"total": int(result.earned.sum()), "payees": len(payee_ids),
            "lines": len(result.lines.amount), "seconds": clock.steps}


LINE_SCHEMA = pa.schema([("run_id", pa.int64()), ("payee_id", pa.string()),
                         ("component", pa.string()), ("kind", pa.string()),
                         ("deal_id", pa.string()), ("amount", pa.int64()),
                         ("earned_to_date", pa.int64())])
PAYEE_SCHEMA = pa.schema([("run_id", pa.int64()), ("payee_id", pa.string()),
                          ("earned_to_date", pa.int64()), ("payout", pa.int64())])
WRITE_BATCH = 500_000


def close(ledger: str, via: str, period: str) -> dict:
    """calc, then a row per line and per payee written in one transaction. A first close
    of the year: each line key's earnings to date are its amount, each payee's pay what
    was earned."""
    clock = Clock()
    payee_ids, deal_ids, result = calculate(ledger, via, period, clock)
    lines = result.lines
    deal = pa.array(lines.deal, mask=lines.deal < 0)
    amount = pa.array(lines.amount)
    line_table = pa.table([
        pa.array(np.full(len(amount), RUN, np.int64)), pc.take(payee_ids, lines.payee),
        pc.take(pa.array(rules.COMPONENTS), lines.component),
        pc.take(pa.array(rules.KINDS), lines.component), pc.take(deal_ids, deal), amount,
        amount], schema=LINE_SCHEMA)
    payee_table = pa.table([pa.array(np.full(len(payee_ids), RUN, np.int64)), payee_ids,
                            pa.array(result.earned), pa.array(result.earned)],
                           schema=PAYEE_SCHEMA)
    clock.lap("prepare rows")
    with sql.connect(ledger, via) as connection:
        _create_result_tables(connection)
        sql.write_batches(connection, ledger, via, LINES,
                          iter(line_table.to_batches(WRITE_BATCH)), LINE_SCHEMA)
        sql.write_batches(connection, ledger, via, PAYEES,
                          iter(payee_table.to_batches(WRITE_BATCH)), PAYEE_SCHEMA)
        connection.commit()
    clock.lap("write")
    return _summary(payee_ids, result, clock)


def _create_result_tables(connection) -> None:
    """The scratch result tables, shaped like icm's result_lines and payee_results (int64
    money, text ids, an index on (run, payee) for reading a statement)."""
    for table in (LINES, PAYEES):
        sql.execute(connection, f"DROP TABLE IF EXISTS {table}")
    sql.execute(connection, f"CREATE TABLE {LINES} (run_id BIGINT NOT NULL, payee_id VARCHAR "
                "NOT NULL, component VARCHAR NOT NULL, kind VARCHAR NOT NULL, deal_id VARCHAR, "
                "amount BIGINT NOT NULL, earned_to_date BIGINT NOT NULL)")
    sql.execute(connection, f"CREATE INDEX ix_{LINES}_run_payee ON {LINES} (run_id, payee_id)")
    sql.execute(connection, f"CREATE TABLE {PAYEES} (run_id BIGINT NOT NULL, payee_id VARCHAR "
                "NOT NULL, earned_to_date BIGINT NOT NULL, payout BIGINT NOT NULL, "
                "PRIMARY KEY (run_id, payee_id))")


# -- statements ------------------------------------------------------------------------------

PAYEES_PER_CHUNK = 1_000


def statements(ledger: str, via: str, period: str, out: Path) -> dict:
    """The close's rows back, grouped by payee, a Markdown file per payee."""
    clock = Clock()
    with sql.connect(ledger, via) as connection:
        payees = sql.read_table(connection, ledger, via, (
            f"SELECT payee_id, payout FROM {PAYEES} WHERE run_id = {RUN}"),
            pa.schema([("payee_id", pa.string()), ("payout", pa.int64())]))
        lines = sql.read_table(connection, ledger, via, (
            f"SELECT payee_id, component, kind, deal_id, amount FROM {LINES} "
            f"WHERE run_id = {RUN}"), pa.schema([
                ("payee_id", pa.string()), ("component", pa.string()), ("kind", pa.string()),
                ("deal_id", pa.string()), ("amount", pa.int64())]))
    clock.lap("read")
    payees = payees.sort_by("payee_id")
    codes = _numpy(pc.index_in(lines["payee_id"], value_set=payees["payee_id"]), np.int64)
    order = np.argsort(codes, kind="stable")
    lines = lines.take(order).drop_columns(["payee_id"])
    bounds = np.searchsorted(codes[order], np.arange(len(payees) + 1))
    clock.lap("group")
    out.mkdir(parents=True, exist_ok=True)
    ids, payouts = payees["payee_id"].to_pylist(), payees["payout"].to_pylist()
    for start in range(0, len(ids), PAYEES_PER_CHUNK):
        stop = min(start + PAYEES_PER_CHUNK, len(ids))
        chunk = lines.slice(bounds[start], bounds[stop] - bounds[start]).to_pydict()
        for index in range(start, stop):
            first, end = bounds[index] - bounds[start], bounds[index + 1] - bounds[start]
            text = _statement(ids[index], period, payouts[index],
                              *(chunk[name][first:end] for name in
                                ("component", "kind", "deal_id", "amount")))
            (out / f"{ids[index]}-{period}.md").write_text(text)
    clock.lap("render + write")
    return {"files": len(ids), "lines": len(lines), "seconds": clock.steps}


def money(cents: int) -> str:
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d}"


def _statement(payee: str, period: str, payout: int, components, kinds, deals, amounts
               ) -> str:
    rows = "".join(f"| {kind} ({component}) | {deal or ''} | {money(amount)} |\n"
                   for component, kind, deal, amount in zip(components, kinds, deals, amounts))
    return (f"# Payout statement: {payee}\n\nPayee **{payee}** · Period **{period}** · "
            f"Plan {PLAN}@1 · Currency **USD**\n\n## Lines\n\n| Line | Deal | Amount |\n"
            f"|---|---|---:|\n{rows}| **Total = pay** | | **{money(payout)}** |\n")


# -- the check's figure ----------------------------------------------------------------------

def json_total(document: Path) -> dict:
    """The sum of the payees' payout in an `icm calc --json` document, in cents, read as
    exact decimals (in a process of its own: a million deals make a document of 100 MB)."""
    with open(document) as handle:
        payees = json.load(handle)["payees"]
    return {"total": int(sum(Decimal(payee["payout"]) for payee in payees) * 100),
            "payees": len(payees)}


# -- cleanup ---------------------------------------------------------------------------------

def cleanup(ledger: str) -> dict:
    """Drop the scratch tables, so the next icm command finds its ledger as it left it."""
    with sql.connect(ledger, "dbapi") as connection:
        for table in (PLAIN, LINES, PAYEES):
            sql.execute(connection, f"DROP TABLE IF EXISTS {table}")
        connection.commit()
    return {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("load", "calc", "close", "statements", "cleanup",
                                          "json-total"))
    parser.add_argument("--ledger", help="icm's ledger URL")
    parser.add_argument("--document", type=Path, help="for json-total")
    parser.add_argument("--via", choices=("dbapi", "adbc"), default="adbc")
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--period", default="2026-Q1")
    parser.add_argument("--out", type=Path)
    options = parser.parse_args(argv)
    if options.stage == "load":
        result = load(options.ledger, options.via, options.csv)
    elif options.stage == "statements":
        result = statements(options.ledger, options.via, options.period, options.out)
    elif options.stage == "json-total":
        result = json_total(options.document)
    elif options.stage == "cleanup":
        result = cleanup(options.ledger)
    else:
        result = {"calc": calc, "close": close}[options.stage](options.ledger, options.via,
                                                               options.period)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
