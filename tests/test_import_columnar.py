"""Deals and credits are checked and written as Arrow columns (issue 13); this holds that path
to the pandas one it replaced.

* Each Arrow parser of ``ledger.columns`` gives, on thousands of random values (good ones,
  blanks, spaces, other scripts, ``_``, too many digits or decimals, impossible dates), the very
  values and messages of the pandas parser beside it.
* A file of 25,000 deals (past ``bulk.STAGE_ROWS``, so SQLite stages it in a scratch file and
  PostgreSQL copies it) is imported, re-imported unchanged, and re-imported with 250 deals
  changed, on both backends: exact counts, versions, amounts and audit entries. The same for
  its credits, two rows for every fifth deal.
* A bad row deep in such a file is still named by row and column, and nothing is written.
"""
from __future__ import annotations

import datetime
import json
import random

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import func, select

from ledger import columns as col
from ledger.bulk import STAGE_ROWS
from ledger.errors import ImportRefused
from ledger.importing import import_csv
from ledger.schema import audit_log, credits, deals
from tests.test_ledger_import import dump, write

DEALS = 25_000
assert DEALS > STAGE_ROWS


# -- the Arrow parsers agree with the pandas ones -------------------------------------------

_ATOMS = ["0", "1", "9", "12", "007", "-", "_", ".", ".5", "00", ".05", "123456789012345",
          "1234567890123456789", " ", "\xa0", "\u0661", "%", "e3", "+", "50", "100", "1000", ""]
_DATES = ["2026-01-05", "2026-02-29", "2024-02-29", "0000-01-01", "0001-01-01", "9999-12-31",
          "2026-13-01", " 2026-01-05 ", "2026-1-5", "", "\u0662026-01-05", "1600-06-30",
          "2300-02-28", "2026-04-31", "2026-00-10"]
_CURRENCIES = ["USD", "JPY", "CLF", "BHD", "usd", "", "XXX", "EUR", " USD", "ZZZ"]
N = 5_000


def _values(rng, make):
    return [make() for _ in range(N)]


def _random_number(rng):
    if rng.random() < 0.4:  # a plain good one
        return f"{rng.randint(0, 10 ** rng.randint(1, 12))}.{rng.randint(0, 99):02d}"[
            :rng.choice([-3, -1, None])]
    return "".join(rng.choice(_ATOMS) for _ in range(rng.randint(0, 4)))


def _series(values) -> pd.Series:
    series = pa.table({"v": pa.array(values, pa.string())}).to_pandas()["v"]
    series.index = pd.RangeIndex(2, 2 + len(values))
    return series


def _same(arrow_parsed, pandas_parsed, convert=lambda value: value):
    (values, problems), (expected, expected_problems) = arrow_parsed, pandas_parsed
    assert sorted(problems) == sorted(expected_problems)
    assert problems  # the random values hold bad ones
    bad = {row for row, _ in expected_problems}
    expected = [None if pd.isna(value) else convert(value)
                for value in expected.astype(object).tolist()]
    got = values.to_pylist()
    assert [(i, a) for i, a in enumerate(got) if i + 2 not in bad] == \
        [(i, e) for i, e in enumerate(expected) if i + 2 not in bad]
    assert len(bad) < len(got) * 0.9  # and many good ones


@pytest.mark.parametrize("optional", [False, True])
@pytest.mark.parametrize("allow_negative", [True, False])
def test_arrow_money_and_currencies_are_the_pandas_ones(optional, allow_negative):
    rng = random.Random(1)
    amounts = _values(rng, lambda: _random_number(rng))
    codes = _values(rng, lambda: rng.choice(_CURRENCIES))
    currency = col.currencies(_series(codes))
    arrow_currency = col.arrow_currencies(pa.chunked_array([pa.array(codes)]))
    _same(arrow_currency, currency)
    _same(col.arrow_money(pa.chunked_array([pa.array(amounts)]), arrow_currency[0], optional,
                          allow_negative),
          col.money(_series(amounts), currency[0], optional, allow_negative), int)


@pytest.mark.parametrize("optional", [False, True])
def test_arrow_dates_are_the_pandas_ones(optional):
    rng = random.Random(2)
    days = _values(rng, lambda: rng.choice(_DATES))
    _same(col.arrow_dates(pa.chunked_array([pa.array(days)]), optional),
          col.dates(_series(days), optional))


def test_arrow_shares_and_choices_are_the_pandas_ones():
    rng = random.Random(3)
    shares = _values(rng, lambda: _random_number(rng) + rng.choice(["", "%", " %", "%%"]))
    _same(col.arrow_shares(pa.chunked_array([pa.array(shares)])), col.shares(_series(shares)),
          int)
    status = _values(rng, lambda: rng.choice(["booked", "cancelled", "", " booked", "Booked"]))
    _same(col.arrow_choices(pa.chunked_array([pa.array(status)]), ("booked", "cancelled"),
                            "booked"),
          col.choices(_series(status), ("booked", "cancelled"), "booked"))


def test_arrow_duplicates_are_the_pandas_ones():
    rng = random.Random(4)
    ids = _values(rng, lambda: rng.choice(["a", "b", " a", "", str(rng.randint(0, 9000))]))
    other = _values(rng, lambda: rng.choice("xyz"))
    stripped = col.strip(pa.array(ids))
    frame = pd.DataFrame({"id": _series(ids).str.strip(), "k": _series(other)})
    assert sorted(col.arrow_duplicates({"id": stripped})) == \
        sorted(col.duplicates(frame, ["id"]))
    assert sorted(col.arrow_duplicates({"id": stripped, "k": pa.array(other)})) == \
        sorted(col.duplicates(frame, ["id", "k"]))
    assert col.arrow_duplicates({"id": pa.array(["a", "b"])}) == []


# -- many deals and credits on both backends -------------------------------------------------


def _deals_csv(changed: frozenset[int] = frozenset()) -> str:
    lines = ["id,date,owner_id,amount,currency,type,status,cancel_date"]
    for i in range(DEALS):
        cents = 100_000 + i * 7 + (1 if i in changed else 0)
        cancelled = i % 1000 == 999
        yen = i % 10 == 3
        amount = f"{cents // 100}" if yen else f"{cents // 100}.{cents % 100:02d}"
        lines.append(f"D-{i:06d},2026-{1 + i % 12:02d}-{1 + i % 28:02d},rep-{i % 3},"
                     f"{amount},{'JPY' if yen else 'USD'},"
                     f"{'new' if i % 2 else ''},{'cancelled' if cancelled else ''},"
                     f"{'2026-12-31' if cancelled else ''}")
    return "\n".join(lines) + "\n"


def _credits_csv(changed: frozenset[int] = frozenset()) -> str:
    lines = ["deal_id,payee_id,share,role"]
    for i in range(DEALS):
        role = "lead" if i in changed else "rep"
        if i % 5 == 0:
            lines += [f"D-{i:06d},rep-{i % 3},60%,{role}", f"D-{i:06d},rep-{(i + 1) % 3},0.4,"]
        else:
            lines.append(f"D-{i:06d},rep-{i % 3},100%,{role}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def reps(ledger, tmp_path):
    import_csv(ledger, "payees", write(tmp_path, "payees.csv", "id,name\nrep-0,A\nrep-1,B\n"
                                                               "rep-2,C\n"), progress=False)
    return ledger


def _summary(summary):
    return summary.rows, summary.inserted, summary.replaced, summary.unchanged


def test_many_deals_are_imported_re_imported_and_changed_exactly(reps, tmp_path):
    ledger = reps
    path = write(tmp_path, "deals.csv", _deals_csv())
    assert _summary(import_csv(ledger, "deals", path, progress=False)) == (DEALS, DEALS, 0, 0)
    with ledger.connect() as connection:
        # USD in cents; JPY (every tenth deal) in whole yen, as written
        usd = sum(100_000 + i * 7 for i in range(DEALS) if i % 10 != 3)
        jpy = sum((100_000 + i * 7) // 100 for i in range(DEALS) if i % 10 == 3)
        assert connection.scalar(select(func.sum(deals.c.amount)).where(
            deals.c.currency == "USD")) == usd
        assert connection.scalar(select(func.sum(deals.c.amount)).where(
            deals.c.currency == "JPY")) == jpy
        assert connection.execute(select(
            deals.c.date, deals.c.owner_id, deals.c.type, deals.c.product, deals.c.status,
            deals.c.cancel_date, deals.c.extra, deals.c.version, deals.c.current
        ).where(deals.c.id == "D-000999")).one() == (
            datetime.date(2026, 4, 20), "rep-0", "new", None, "cancelled",
            datetime.date(2026, 12, 31), "{}", 1, True)
        assert connection.scalar(select(func.count()).select_from(audit_log).where(
            audit_log.c.table_name == "deals")) == 0  # new deals carry their import id
    before = dump(ledger)
    assert _summary(import_csv(ledger, "deals", path, progress=False)) == (DEALS, 0, 0, DEALS)
    assert dump(ledger) == before  # not even an imports row

    changed = frozenset(range(0, DEALS, 100))
    path = write(tmp_path, "deals-2.csv", _deals_csv(changed))
    assert _summary(import_csv(ledger, "deals", path, progress=False)) == (
        DEALS, 0, len(changed), DEALS - len(changed))
    with ledger.connect() as connection:
        assert connection.execute(select(
            deals.c.version, deals.c.current, deals.c.amount).where(
            deals.c.id == "D-000100").order_by(deals.c.version)).all() == [
            (1, False, 100_700), (2, True, 100_701)]
        assert connection.scalar(select(func.count()).select_from(deals).where(
            deals.c.current)) == DEALS
        entries = connection.execute(select(audit_log.c.row_key, audit_log.c.old,
                                            audit_log.c.new)
                                     .where(audit_log.c.table_name == "deals")
                                     .order_by(audit_log.c.id)).all()
    assert len(entries) == len(changed)
    key, old, new = entries[1]
    assert key == "D-000100"
    expected = {"amount": 100_700, "cancel_date": None, "currency": "USD",
                "date": "2026-05-17", "extra": "{}", "owner_id": "rep-1", "product": None,
                "status": "booked", "type": None}
    assert json.loads(old) == expected
    assert json.loads(new) == expected | {"amount": 100_701}
    assert old == json.dumps(expected, sort_keys=True)  # the text itself, as before


def test_many_credits_are_imported_re_imported_and_changed_exactly(reps, tmp_path):
    ledger = reps
    import_csv(ledger, "deals", write(tmp_path, "deals.csv", _deals_csv()), progress=False)
    rows = DEALS + DEALS // 5
    path = write(tmp_path, "credits.csv", _credits_csv())
    assert _summary(import_csv(ledger, "credits", path, progress=False)) == (rows, rows, 0, 0)
    with ledger.connect() as connection:
        assert connection.scalar(select(func.sum(credits.c.share_e9))) == \
            DEALS * 1_000_000_000
        assert connection.execute(select(credits.c.seq, credits.c.payee_id, credits.c.share_e9,
                                         credits.c.role).where(credits.c.deal_id == "D-000005")
                                  .order_by(credits.c.seq)).all() == [
            (1, "rep-2", 600_000_000, "rep"), (2, "rep-0", 400_000_000, None)]
    before = dump(ledger)
    assert _summary(import_csv(ledger, "credits", path, progress=False)) == (rows, 0, 0, rows)
    assert dump(ledger) == before

    changed = frozenset(range(0, DEALS, 100))  # every one a deal of two rows
    path = write(tmp_path, "credits-2.csv", _credits_csv(changed))
    assert _summary(import_csv(ledger, "credits", path, progress=False)) == (
        rows, 0, 2 * len(changed), rows - 2 * len(changed))
    with ledger.connect() as connection:
        entries = connection.execute(select(audit_log.c.row_key, audit_log.c.old,
                                            audit_log.c.new)
                                     .where(audit_log.c.table_name == "credits")
                                     .order_by(audit_log.c.id)).all()
        assert connection.scalar(select(func.count()).select_from(credits)) == rows
    assert len(entries) == len(changed)
    assert entries[1][0] == "D-000100"
    first = {"extra": "{}", "payee_id": "rep-1", "role": "rep", "seq": 1,
             "share_e9": 600_000_000, "overlay": False}
    second = {"extra": "{}", "payee_id": "rep-2", "role": None, "seq": 2,
              "share_e9": 400_000_000, "overlay": False}
    assert json.loads(entries[1][1]) == {"rows": [first, second]}
    assert json.loads(entries[1][2]) == {"rows": [first | {"role": "lead"}, second]}


def test_a_bad_row_deep_in_many_deals_is_named_and_nothing_is_written(reps, tmp_path):
    ledger = reps
    text = _deals_csv().splitlines()
    text[20_001] = text[20_001].replace(",rep-", ",ghost-", 1)  # row 20,002
    text[24_000] = text[24_000].replace("2026-", "2026-02-30|", 1).split("|")[0] + \
        text[24_000][text[24_000].index(",rep-"):]
    text[24_500] = text[24_500].replace(".", ".123", 1)
    text[24_600] = text[24_600].replace("D-024599", "D-000007")
    path = write(tmp_path, "deals.csv", "\n".join(text) + "\n")
    before = dump(ledger)
    with pytest.raises(ImportRefused) as refusal:
        import_csv(ledger, "deals", path, progress=False)
    assert [(e.row, e.column, e.message) for e in refusal.value.errors] == [
        (20_002, "owner_id", "unknown payee 'ghost-2'"),
        (24_001, "date", "'2026-02-30' is not a date: write YYYY-MM-DD"),
        (24_501, "amount", "2714.12393 has more decimals than USD's 2"),
        (24_601, "id", "repeats the key (D-000007) of row 9")]
    assert dump(ledger) == before
