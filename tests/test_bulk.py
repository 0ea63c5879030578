"""Bulk writes as columns (ledger/bulk.py): every value arrives as a SQLAlchemy insert would
have stored it, on SQLite and PostgreSQL, and a failed transaction leaves neither rows nor
scratch files."""
import datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from ledger.bulk import insert_columns
from ledger.database import writing
from ledger.schema import credits, deals


def _deals(count: int) -> dict:
    return {
        "id": [f"D-{i}" for i in range(count)],
        "version": np.ones(count, dtype=np.int64),
        "current": np.ones(count, dtype=bool),
        "date": np.array(["2026-01-31"] * count, dtype="datetime64[s]"),
        "owner_id": pd.Series(["rep-1"] * count, dtype=object),
        "amount": np.array([9_223_372_036_854_775_807] + [-150] * (count - 1), dtype=np.int64),
        "currency": ["USD"] * count,
        "type": [None] + ["new"] * (count - 1),
        "product": ["", "a,\"b\"\nc"] + ["x"] * (count - 2),
        "status": ["open"] * count,
        "cancel_date": [datetime.date(2026, 2, 1)] + [None] * (count - 1),
        "extra": ["{}"] * count,
        "import_id": np.zeros(count, dtype=np.int64),
    }


@pytest.mark.parametrize("staged", [False, True], ids=["executemany", "scratch file"])
def test_columns_arrive_as_a_select_reads_them(ledger, monkeypatch, staged):
    if staged:  # SQLite copies from a scratch file; a column of one value is not staged
        monkeypatch.setattr("ledger.bulk.STAGE_ROWS", 1)
    with writing(ledger) as connection:
        assert insert_columns(connection, "deals", _deals(3)) == 3
    with ledger.connect() as connection:
        rows = connection.execute(select(deals).order_by(deals.c.id)).all()
    first, second, third = rows
    assert first.amount == 9_223_372_036_854_775_807 and second.amount == -150
    assert first.current is True and first.date == datetime.date(2026, 1, 31)
    assert first.cancel_date == datetime.date(2026, 2, 1) and second.cancel_date is None
    assert first.type is None and second.type == "new"
    assert first.product == "" and second.product == "a,\"b\"\nc" and third.product == "x"
    assert {row.currency for row in rows} == {"USD"} and {row.import_id for row in rows} == {0}
    assert [row.type for row in rows] == [None, "new", "new"]


def test_tables_written_together_fail_together(ledger, tmp_path, monkeypatch):
    """One bulk write of several tables (a close's result): the second table's clash undoes
    the first table's rows too, and the scratch file goes."""
    monkeypatch.setattr("ledger.bulk.STAGE_ROWS", 1)
    from ledger.bulk import insert_tables
    with writing(ledger) as connection:
        insert_columns(connection, "credits", _credits(["D-0"]))
    with pytest.raises(Exception):
        with writing(ledger) as connection:
            insert_tables(connection, {"deals": _deals(3), "credits": _credits(["D-1", "D-0"])})
    with ledger.connect() as connection:
        assert connection.execute(select(deals)).all() == []
        assert len(connection.execute(select(credits)).all()) == 1
    assert not list(tmp_path.glob(".icm-stage-*"))
    with writing(ledger) as connection:
        assert insert_tables(connection, {"deals": _deals(3), "credits": _credits(["D-1"])}) == 4
    with ledger.connect() as connection:
        assert len(connection.execute(select(deals)).all()) == 3
        assert len(connection.execute(select(credits)).all()) == 2


def _credits(deals: list[str]) -> dict:
    return {"deal_id": deals, "seq": np.ones(len(deals), dtype=np.int64),
            "payee_id": ["rep-1"] * len(deals), "share_e9": np.full(len(deals), 10 ** 9),
            "role": [None] * len(deals), "extra": ["{}"] * len(deals),
            "import_id": np.zeros(len(deals), dtype=np.int64)}


def test_a_failed_transaction_writes_nothing_and_leaves_no_scratch_file(ledger, tmp_path):
    with pytest.raises(RuntimeError):
        with writing(ledger) as connection:
            insert_columns(connection, "deals", _deals(5))
            raise RuntimeError("a later step fails")
    with ledger.connect() as connection:
        assert connection.execute(select(deals)).all() == []
    assert not list(tmp_path.glob(".icm-stage-*"))


def test_a_clash_inside_the_copy_refuses_the_whole_write(ledger, tmp_path):
    with writing(ledger) as connection:
        insert_columns(connection, "deals", _deals(2))
    with pytest.raises(Exception):
        with writing(ledger) as connection:
            insert_columns(connection, "deals", _deals(4))  # D-0 and D-1 exist at version 1
    with ledger.connect() as connection:
        assert len(connection.execute(select(deals)).all()) == 2
    assert not list(tmp_path.glob(".icm-stage-*"))


def test_more_bulk_writes_than_sqlite_can_attach_in_one_transaction(ledger, monkeypatch):
    monkeypatch.setattr("ledger.bulk.STAGE_ROWS", 1)
    with writing(ledger) as connection:
        for version in range(1, 13):
            columns = _deals(3)
            columns["version"] = np.full(3, version, dtype=np.int64)
            insert_columns(connection, "deals", columns)
    with ledger.connect() as connection:
        assert len(connection.execute(select(deals)).all()) == 36


@pytest.fixture
def sqlite_ledger(tmp_path):
    """Staging in parts is SQLite's path (PostgreSQL copies on its own connection)."""
    from ledger.database import open_ledger
    engine = open_ledger(f"sqlite:///{tmp_path / 'icm.db'}")
    yield engine
    engine.dispose()


def _in_parts(monkeypatch, rows_per_part: int) -> None:
    monkeypatch.setattr("ledger.bulk.STAGE_ROWS", 1)
    monkeypatch.setattr("ledger.bulk.PART_ROWS", rows_per_part)


def test_a_write_in_parts_arrives_whole_and_in_order(sqlite_ledger, monkeypatch):
    """Eleven rows over two tables in four parts (of 1, 4, 4 and 2 rows): every row and
    every constant column arrives, each table's rows in the order given."""
    _in_parts(monkeypatch, 3)
    from ledger.bulk import insert_tables
    ids = [f"D-{i}" for i in (7, 3, 9, 1, 5, 0, 8, 2)]
    columns = _deals(8)
    columns["id"] = ids
    with writing(sqlite_ledger) as connection:
        assert insert_tables(connection, {"deals": columns,
                                          "credits": _credits(ids[:3])}) == 11
    with sqlite_ledger.connect() as connection:
        stored = connection.exec_driver_sql("SELECT id, amount, currency, import_id FROM deals "
                                            "ORDER BY rowid").all()
        credited = connection.exec_driver_sql("SELECT deal_id FROM credits ORDER BY rowid"
                                              ).scalars().all()
    assert [row.id for row in stored] == ids
    assert [row.amount for row in stored] == [9_223_372_036_854_775_807] + [-150] * 7
    assert {(row.currency, row.import_id) for row in stored} == {("USD", 0)}
    assert credited == ids[:3]


def test_a_clash_in_a_later_part_undoes_the_parts_before_it(sqlite_ledger, tmp_path,
                                                            monkeypatch):
    _in_parts(monkeypatch, 2)
    with writing(sqlite_ledger) as connection:
        insert_columns(connection, "deals", _deals(2))  # D-0 and D-1 at version 1
    columns = _deals(7)
    columns["id"] = [f"D-{i}" for i in (2, 3, 4, 5, 0, 6, 7)]  # D-0 in the second of 3
    with pytest.raises(Exception, match="UNIQUE"):
        with writing(sqlite_ledger) as connection:
            insert_columns(connection, "deals", columns)
    with sqlite_ledger.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM deals").scalar() == 2
    assert not list(tmp_path.glob(".icm-stage-*"))


def test_a_part_that_cannot_be_staged_undoes_the_write(sqlite_ledger, tmp_path, monkeypatch):
    """Staging runs on a thread: its failure in the second part reaches the writer, which
    writes nothing and leaves no scratch file, the first part's included."""
    _in_parts(monkeypatch, 2)
    import ledger.bulk as bulk
    staged = []
    real = bulk._write_scratch

    def failing_second(scratch, part):
        staged.append(scratch)
        if len(staged) == 2:
            raise OSError("disk full")
        real(scratch, part)

    monkeypatch.setattr(bulk, "_write_scratch", failing_second)
    with pytest.raises(OSError, match="disk full"):
        with writing(sqlite_ledger) as connection:
            insert_columns(connection, "deals", _deals(5))
    assert len(staged) == 2
    with sqlite_ledger.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM deals").scalar() == 0
    assert not list(tmp_path.glob(".icm-stage-*"))


def test_a_close_refuses_an_exact_ratio_beyond_64_bits_naming_the_payee():
    from fractions import Fraction

    from ledger.errors import LedgerRefused
    from ledger.records import PayeeRecord, StatementContext
    from ledger.results import payee_tables

    def record(payee: str, attainment: Fraction) -> PayeeRecord:
        return PayeeRecord(payee, "USD", ("test-ae@1",), "closed", 2026, 0, 0, 0, 0, 0, 0, 0,
                           (("bookings", attainment),), (), (),
                           StatementContext(None, None, None, ()))
    payees = (record("rep-1", Fraction(1, 2)), record("rep-2", Fraction(2 ** 70, 3)))
    with pytest.raises(LedgerRefused, match="rep-2's result on plan test-ae@1: attainment of "
                                            "bookings does not fit in 64 bits"):
        payee_tables(1, payees)


def test_columns_of_every_kind_arrive_whole_across_copy_chunks(ledger, monkeypatch):
    """PostgreSQL's COPY goes in chunks, each made Arrow and then CSV on a thread: rows cut
    at the chunks' edges arrive whole, whether a column is a list, numpy, a pandas Series
    indexed out of order or Arrow."""
    import pyarrow as pa
    monkeypatch.setattr("ledger.bulk.COPY_ROWS", 2)
    columns = _deals(5)
    columns["id"] = pd.Series([f"D-{i}" for i in (4, 0, 3, 1, 2)], index=[9, 7, 5, 3, 1])
    columns["amount"] = pa.array([40, 0, 30, 10, 20], pa.int64())
    columns["product"] = ["p4", "p0", "p3", "p1", "p2"]
    with writing(ledger) as connection:
        assert insert_columns(connection, "deals", columns) == 5
    with ledger.connect() as connection:
        rows = connection.execute(select(deals.c.id, deals.c.amount, deals.c.product)
                                  .order_by(deals.c.id)).all()
    assert [tuple(row) for row in rows] == [(f"D-{i}", i * 10, f"p{i}") for i in range(5)]


def test_meanwhile_raises_the_write_s_error_once_the_block_is_done():
    import threading
    from ledger.bulk import meanwhile
    done, computed = [], threading.Event()

    def write():
        computed.wait(5)
        done.append("written")
        raise ValueError("the write failed")

    with pytest.raises(ValueError, match="the write failed"):
        with meanwhile(write):
            done.append("computed")
            computed.set()
    assert done == ["computed", "written"]


def test_meanwhile_waits_for_the_write_before_the_block_s_own_error_goes_on():
    """The connection is the write's until it ends: a failing block waits for it, and its
    own error is the one raised."""
    import threading
    import time
    from ledger.bulk import meanwhile
    done, failing = [], threading.Event()

    def write():
        failing.wait(5)
        time.sleep(0.2)  # still writing when the block has failed
        done.append("written")

    with pytest.raises(KeyError):
        with meanwhile(write):
            failing.set()
            raise KeyError("the settlement failed")
    assert done == ["written"]
