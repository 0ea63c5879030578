"""Deterministic company data for bench_pipeline.py: payees, their enterprise-ae assignments,
annual bookings quotas and a year of deals.

Four CSV files as `icm import` reads them (ids ``D-00000000`` and ``p00000``, ISO dates,
amounts with two decimals, CRLF line ends as Python's csv module writes them), drawn with
numpy and formatted with Arrow compute, a million deals at a time: ten million deals take
seconds in a few hundred MB, where a row-by-row generator needs minutes.

Each block of deals has its own random stream (seed, block number), so a file never depends
on how it was written, and a folder is reused only when its manifest (written last) names the
same deals, payees and seed. bench_pipeline runs it as a child process (the bench's own
process stays small):

    python bench/pipeline_data.py --data DIR --deals 1000000 --payees 10000 --seed 20261123
"""
from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

KINDS = ("payees", "assignments", "quotas", "deals")
BLOCK = 1_000_000  # deals per random stream and per formatted block
MANAGERS = 100
TYPES = ("new", "expansion", "renewal")
YEAR_START = datetime.date(2026, 1, 1)
DAYS = 365
TARGET_INCENTIVE = "60000.00"


def dataset(root: Path, deals: int, payees: int, seed: int) -> dict[str, Path]:
    """The four CSV files for (deals, payees, seed) under ``root``, generated unless a complete
    earlier generation is there."""
    folder = root / f"d{deals}-p{payees}-s{seed}"
    files = {kind: folder / f"{kind}.csv" for kind in KINDS}
    manifest = folder / "manifest.json"
    wanted = {"deals": deals, "payees": payees, "seed": seed}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted \
            and all(path.exists() for path in files.values()):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    write_people(files, payees)
    write_quotas(files["quotas"], deals, payees, seed)
    write_deals(files["deals"], deals, payees, seed)
    manifest.write_text(json.dumps(wanted))
    return files


def payee_id(number: int) -> str:
    return f"p{number:05d}"


def write_people(files: dict[str, Path], payees: int) -> None:
    """payees (100 managers at the top, everyone else under one of them) and one
    enterprise-ae assignment each from the first day of 2026."""
    rows = [f"{payee_id(i)},Payee {i},{'' if i < MANAGERS else payee_id(i % MANAGERS)}"
            for i in range(payees)]
    _write_lines(files["payees"], "id,name,manager_id", rows)
    rows = [f"{payee_id(i)},enterprise-ae,2026-01-01,{TARGET_INCENTIVE}" for i in range(payees)]
    _write_lines(files["assignments"], "payee_id,plan,effective_from,target_incentive", rows)


def write_quotas(path: Path, deals: int, payees: int, seed: int) -> None:
    """One annual bookings quota per payee, drawn around a year's new and expansion
    bookings per payee: about two thirds of the deals are new or expansion."""
    per_payee = deals // payees * 2 // 3 * 100_000  # whole USD
    rng = np.random.default_rng([seed, 0])
    amounts = rng.integers(per_payee // 2, per_payee * 2 + 2, size=payees)
    _write_lines(path, "payee_id,measure,period,amount",
                 [f"{payee_id(i)},bookings,2026,{amount}.00" for i, amount in enumerate(amounts)])


def _write_lines(path: Path, header: str, rows: list[str]) -> None:
    with open(path, "w", newline="") as handle:
        handle.write(header + "\r\n")
        handle.writelines(row + "\r\n" for row in rows)


def write_deals(path: Path, deals: int, payees: int, seed: int) -> None:
    """deals.csv, a block at a time: uniform dates over 2026, uniform owners, amounts uniform
    in 1.00 .. 199,999.99 USD, type new/expansion/renewal, product platform."""
    dates = pa.array([(YEAR_START + datetime.timedelta(days=d)).isoformat()
                      for d in range(DAYS)])
    owners = pa.array([payee_id(i) for i in range(payees)])
    types = pa.array(TYPES)
    with open(path, "wb") as handle:
        handle.write(b"id,date,owner_id,amount,currency,type,product\r\n")
        for first in range(0, deals, BLOCK):
            count = min(BLOCK, deals - first)
            rng = np.random.default_rng([seed, 1, first // BLOCK])
            lines = _deal_lines(first, count, rng, dates, owners, types)
            handle.write(_text_of(lines))


def _deal_lines(first: int, count: int, rng, dates, owners, types) -> pa.Array:
    """One CSV line per deal, CRLF included, built a column at a time."""
    day = pa.array(rng.integers(0, DAYS, count).astype(np.int32))
    owner = pa.array(rng.integers(0, len(owners), count).astype(np.int32))
    cents = rng.integers(100, 20_000_000, count)
    kind = pa.array(rng.integers(0, len(types), count).astype(np.int32))
    ids = pc.binary_join_element_wise(
        "D-", pc.utf8_lpad(pc.cast(pa.array(np.arange(first, first + count)), pa.string()),
                           8, "0"), "")
    amounts = pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"), ".")
    return pc.binary_join_element_wise(ids, pc.take(dates, day), pc.take(owners, owner),
                                       amounts, "USD", pc.take(types, kind), "platform\r\n",
                                       ",")


def _text_of(lines: pa.Array) -> memoryview:
    """The lines' bytes back to back: an Arrow string array's data buffer, between its first
    and last offset."""
    lines = pa.concat_arrays([lines]) if lines.offset else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32,
                            count=len(lines) + 1, offset=0)
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--deals", type=int, required=True)
    parser.add_argument("--payees", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    options = parser.parse_args(argv)
    files = dataset(options.data, options.deals, options.payees, options.seed)
    print(json.dumps({kind: str(path) for kind, path in files.items()}))


if __name__ == "__main__":
    main()
