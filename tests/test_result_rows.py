"""A close records its result as typed rows (revision 0004) and reads them back to the very
records and lines it computed; a close made before 0004 keeps showing the statement it kept.

The ledger is test_close.py's (test_calc.py's plan with tiers) with a clawback, a draw, an
adjustment and a late deal of a closed fiscal year, closed quarter by quarter into 2027.
"""
import dataclasses
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import func, inspect, select, update

from engine.closing import close_period
from ledger.closes import add_adjustment
from ledger.database import _alembic_config, head_revision, open_ledger, schema_revision
from ledger.errors import LedgerRefused
from ledger.records import (CLOSED, INT, LINES, ComponentTotal, PayeeRecord, StatementContext,
                            conform, lines_frame, slice_count)
from ledger.results import has_result, line_tables, payee_tables, read_result
from ledger.schema import payee_results, statement_slices
from tests.test_calc import PLAN, build, import_files
from tests.test_close import import_deals, ok
from tests.legacy_statement import kept_statement
from views.document import line_documents
from views.render import statement_json, statement_markdown
from views.source import period_statements

DRAWN = PLAN.replace("2026-01-01 .. 2026-12-31", "2026-01-01 .. 2027-12-31") + \
    "clawback: {within_days: 120}\ndraw: {amount: 3000 USD, recoverable: true}\n"
QUARTERS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]


def close_all(tmp_path, url, before_q4=None):
    """Every quarter's close, as computed: [(result, run id)]. ``before_q4(ledger)`` runs
    after the close of 2026-Q3."""
    build(tmp_path, url, DRAWN)
    ledger = open_ledger(url)
    closes = [close_period(ledger, "2026-Q1")]
    # D-1 cancelled within the clawback window: clawed back in Q2, with an adjustment
    import_deals(tmp_path, url, "D-1,2026-01-10,rep-1,120000.00,USD,new,cancelled,2026-04-20\n")
    add_adjustment(ledger, "rep-2", "2026-Q2", "-150.00 USD", "phone bill")
    for quarter in QUARTERS[1:4]:
        if quarter == "2026-Q4" and before_q4:
            before_q4(ledger)
        closes.append(close_period(ledger, quarter))
    # a late deal of closed fiscal 2026: a prior-year line in 2027-Q1
    import_deals(tmp_path, url, "D-9,2026-12-15,rep-2,20000.00,USD,expansion,,\n", "d9.csv")
    import_files(tmp_path, url, {"quotas": "payee_id,measure,period,amount\n"
                                           "rep-1,bookings,2027,200000.00\n"
                                           "rep-2,bookings,2027,100000.00\n"}, "2027-")
    closes.append(close_period(ledger, "2027-Q1"))
    return ledger, closes


def as_stored(lines: pd.DataFrame) -> pd.DataFrame:
    """Computed lines as a close stores them: an unused tier slice (base 0) is zeros, and
    trailing tiers no line uses are left off."""
    lines = lines.copy()
    used = []
    for k in range(slice_count(lines)):
        unused = lines[f"slice_base_{k}"].to_numpy() == 0
        for name in ("slice_rate", "slice_per", "slice_from", "slice_from_per"):
            column = lines[f"{name}_{k}"].to_numpy().copy()
            column[unused] = 0
            lines[f"{name}_{k}"] = column.astype(np.int64)
        used.append(not unused.all())
    keep = max([k + 1 for k, u in enumerate(used) if u] + [0])
    drop = [c for c in lines.columns if c.startswith("slice_") and
            int(c.rsplit("_", 1)[1]) >= keep]
    return lines.drop(columns=drop)


def test_a_close_reads_back_as_the_records_and_lines_it_computed(tmp_path, ledger_url):
    ledger, closes = close_all(tmp_path, ledger_url)
    seen = pd.concat([result.lines for result, _ in closes])
    assert {"clawback", "true-up", "adjustment", "draw"} <= set(seen["kind"])
    assert seen["fiscal_year"].notna().any()  # a prior-year line
    assert (seen["slice_base_1"] != 0).any()  # a deal in a second tier
    for result, run_id in closes:
        assert has_result(ledger, run_id)
        records, lines = read_result(ledger, run_id)
        assert records == [dataclasses.replace(r, status=CLOSED) for r in result.payees]
        pd.testing.assert_frame_equal(lines, as_stored(result.lines))
        for record in result.payees:  # one payee's alone
            mine, their_lines = read_result(ledger, run_id, record.payee)
            assert mine == [dataclasses.replace(record, status=CLOSED)]
            expected = as_stored(result.lines)
            expected = expected[(expected["payee"] == record.payee).to_numpy()]
            pd.testing.assert_frame_equal(
                their_lines, as_stored(expected.reset_index(drop=True)))
    with ledger.connect() as connection:  # no JSON is kept any more
        assert set(connection.scalars(select(payee_results.c.statement))) == {None}
    ledger.dispose()


def rendered(ledger, period):
    return [(statement_markdown(s), statement_json(s)) for s in period_statements(ledger, period)]


def test_a_ledger_closed_before_0004_upgrades_and_shows_what_it_kept(tmp_path, ledger_url):
    ledger, closes = close_all(tmp_path, ledger_url)
    before = {period: rendered(ledger, period) for period in QUARTERS}
    # make it a ledger closed by the code of revision 0003: each statement kept as JSON
    with ledger.begin() as connection:
        for _, run_id in closes:
            records, lines = read_result(connection, run_id)
            for record in records:
                mine = lines[(lines["payee"] == record.payee).to_numpy()]
                connection.execute(update(payee_results).where(
                    payee_results.c.run_id == run_id, payee_results.c.payee_id == record.payee
                ).values(statement=kept_statement(record, line_documents(mine))))
        command.downgrade(_alembic_config(connection), "0003")
    assert schema_revision(ledger) == "0003"
    ledger.dispose()
    ok("db", "upgrade", db=ledger_url)
    ledger = open_ledger(ledger_url, upgrade=False)
    assert schema_revision(ledger) == head_revision()
    assert not any(has_result(ledger, run_id) for _, run_id in closes)
    assert {period: rendered(ledger, period) for period in QUARTERS} == before
    # a close made before statements were kept (0002) is refused as before
    with ledger.begin() as connection:
        connection.execute(update(payee_results).values(statement=None))
    with pytest.raises(LedgerRefused, match="closed before statements were kept"):
        period_statements(ledger, "2026-Q1")
    ledger.dispose()


def test_a_ledger_closed_at_0004_upgrades_and_shows_the_same(tmp_path, ledger_url):
    """0005 drops the run key the bulk rows declared; 0006 moves each line's first tier
    slice onto the line. The rows read back the same."""
    ledger, closes = close_all(tmp_path, ledger_url)
    before = {period: rendered(ledger, period) for period in QUARTERS}
    results = [read_result(ledger, run_id) for _, run_id in closes]
    with ledger.begin() as connection:
        command.downgrade(_alembic_config(connection), "0004")
        slices = connection.execute(select(func.count()).select_from(statement_slices)).scalar()
    assert inspect(ledger).get_foreign_keys("statement_lines")
    used = sum(int((lines[c] != 0).sum()) for _, lines in results
               for c in lines.columns if c.startswith("slice_base_"))
    assert slices == used  # 0004 kept a row per used slice
    ledger.dispose()
    ok("db", "upgrade", db=ledger_url)
    ledger = open_ledger(ledger_url, upgrade=False)
    assert schema_revision(ledger) == head_revision()
    assert not any(inspect(ledger).get_foreign_keys(table) for table in (
        "result_lines", "payee_results", "result_plans", "result_attainment",
        "result_components", "result_measures", "result_boundaries", "statement_lines",
        "statement_slices"))
    with ledger.connect() as connection:
        lines_with_a_slice = sum(int(((lines[[c for c in lines.columns if c.startswith(
            "slice_base_")]] != 0).any(axis=1)).sum()) for _, lines in results)
        assert connection.execute(select(func.count()).select_from(statement_slices)
                                  ).scalar() == used - lines_with_a_slice > 0
    assert {period: rendered(ledger, period) for period in QUARTERS} == before
    for (_, run_id), (records, lines) in zip(closes, results):
        again, lines_again = read_result(ledger, run_id)
        assert again == records
        pd.testing.assert_frame_equal(lines_again, lines)
    ledger.dispose()


def keys_and_indexes(ledger, tables: tuple[str, ...]) -> tuple[dict, set]:
    """Each table's primary key columns and indexes (name, columns), and on PostgreSQL the
    access method of each index of theirs named ix_..."""
    found = {}
    with ledger.connect() as connection:
        described = inspect(connection)
        for table in tables:
            found[table] = (described.get_pk_constraint(table)["constrained_columns"],
                            [(i["name"], i["column_names"])
                             for i in described.get_indexes(table)])
        methods = connection.exec_driver_sql(
            "SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
            "WHERE c.relname = ANY(%(names)s)", {"names": [f"ix_{t}_run_id_payee_id"
                                                          for t in tables]}).all() \
            if ledger.dialect.name == "postgresql" else []
    return found, set(methods)


def unkeyed_then_keyed(tmp_path, ledger_url, revision: str, keys: dict[str, list[str]]):
    """At the head, ``keys``' tables have no key and an index on (run_id, payee_id), BRIN on
    PostgreSQL; downgraded to ``revision`` the keys are back; upgraded again they go. Every
    run reads the same throughout."""
    ledger, closes = close_all(tmp_path, ledger_url)
    results = [read_result(ledger, run_id) for _, run_id in closes]
    brin = ledger.dialect.name == "postgresql"
    tables = tuple(keys)
    unkeyed = {table: ([], [(f"ix_{table}_run_id_payee_id", ["run_id", "payee_id"])])
               for table in tables}
    assert keys_and_indexes(ledger, tables) == (
        unkeyed, {(f"ix_{table}_run_id_payee_id", "brin") for table in tables} if brin
        else set())

    def reads_the_same():
        for (_, run_id), (records, lines) in zip(closes, results):
            again, lines_again = read_result(ledger, run_id)
            assert again == records
            pd.testing.assert_frame_equal(lines_again, lines)

    with ledger.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)
    assert keys_and_indexes(ledger, tables) == (
        {table: (key, []) for table, key in keys.items()}, set())
    reads_the_same()
    ledger.dispose()
    ok("db", "upgrade", db=ledger_url)
    ledger = open_ledger(ledger_url, upgrade=False)
    assert schema_revision(ledger) == head_revision()
    assert keys_and_indexes(ledger, tables)[0] == unkeyed
    reads_the_same()
    ledger.dispose()


def test_statement_lines_lose_their_key_at_0010_and_read_back_the_same(tmp_path, ledger_url):
    unkeyed_then_keyed(tmp_path, ledger_url, "0009", {
        "statement_lines": ["run_id", "payee_id", "position"],
        "statement_slices": ["run_id", "payee_id", "position", "tier"]})


def test_a_payee_s_child_rows_lose_their_key_at_0011_and_read_back_the_same(tmp_path,
                                                                           ledger_url):
    """Plans, attainment, components, measures and tier boundaries; payee_results keeps
    its key."""
    unkeyed_then_keyed(tmp_path, ledger_url, "0010", {
        "result_plans": ["run_id", "payee_id", "position"],
        "result_attainment": ["run_id", "payee_id", "position"],
        "result_components": ["run_id", "payee_id", "position"],
        "result_measures": ["run_id", "payee_id", "position"],
        "result_boundaries": ["run_id", "payee_id", "measure_position", "position"]})
    ledger = open_ledger(ledger_url)
    assert keys_and_indexes(ledger, ("payee_results",))[0] == {
        "payee_results": (["run_id", "payee_id"], [])}
    ledger.dispose()


_KEY = "payee_id, plan_id, component, deal_id, COALESCE(credit_seq, 0), {kind}"


def _keys(connection, run_id: int) -> tuple[set, set]:
    """The line keys a run recorded in result_lines, and as statement lines."""
    unchanged = set(connection.exec_driver_sql(
        f"SELECT {_KEY.format(kind='kind')} FROM result_lines WHERE run_id = {run_id}"))
    changed = set(connection.exec_driver_sql(
        f"SELECT {_KEY.format(kind='line_kind')} FROM statement_lines WHERE run_id = "
        f"{run_id} AND line_kind IS NOT NULL"))
    return unchanged, changed


def test_a_close_records_each_line_key_once(tmp_path, ledger_url):
    """A changed key is its statement line and nothing else; result_lines keeps the keys
    that did not change (0007). A first close changes every key, so it writes none there."""
    ledger, closes = close_all(tmp_path, ledger_url)
    with ledger.connect() as connection:
        keys = [_keys(connection, run_id) for _, run_id in closes]
    # 2026-Q1: commission on D-1, D-2 and rep-1's half of D-4 (D-3 is a renewal, outside
    # bookings), the logo SPIFF on the new D-1 and D-4, and the club bonus (rep-1 books
    # 250,000 of a 200,000 quota); rep-2 has its half of D-4 and that SPIFF
    # (D-4's credit rows are 1 and 2)
    deal = [("rep-1", "commission", "D-1", 1, "deal"), ("rep-1", "commission", "D-2", 1, "deal"),
            ("rep-1", "commission", "D-4", 1, "deal"), ("rep-1", "logo", "D-1", 1, "spiff"),
            ("rep-1", "logo", "D-4", 1, "spiff"), ("rep-2", "commission", "D-4", 2, "deal"),
            ("rep-2", "logo", "D-4", 2, "spiff")]
    assert keys[0] == (set(), {(payee, "test-ae", component, deal_id, seq, kind)
                               for payee, component, deal_id, seq, kind in deal}
                       | {("rep-1", "test-ae", "club", None, 0, "component")})
    assert all(unchanged and not unchanged & changed for unchanged, changed in keys[1:4])
    assert ("rep-1", "test-ae", "commission", "D-1", 1, "deal") in keys[1][1]  # clawed back
    ledger.dispose()


def test_a_ledger_closed_at_0006_upgrades_and_closes_on_the_same(tmp_path, ledger_url):
    """Going back to 0006 writes every changed key into result_lines again, as closes
    before 0007 recorded them; upgraded again, those runs name no plan years and are read
    from result_lines alone, beside the later closes that write each key once. The next
    closes come out the same as on a ledger that never left 0007."""
    (tmp_path / "kept").mkdir(), (tmp_path / "trip").mkdir()
    kept, expected = close_all(tmp_path / "kept", ledger_url)
    with kept.begin() as connection:  # start again
        for table in reversed(inspect(connection).get_table_names()):
            connection.exec_driver_sql(f'DROP TABLE "{table}"')
    counts = {}

    def round_trip(ledger):
        with ledger.begin() as connection:
            keys = [_keys(connection, run_id) for run_id in (1, 2, 3)]
            command.downgrade(_alembic_config(connection), "0006")
            counts["0006"] = [connection.exec_driver_sql(
                f"SELECT COUNT(*) FROM result_lines WHERE run_id = {run_id} "
                "AND fiscal_year IS NOT NULL").scalar() for run_id in (1, 2, 3)]
            command.upgrade(_alembic_config(connection), "head")
        counts["0007"] = [len(unchanged | changed) for unchanged, changed in keys]

    ledger, closes = close_all(tmp_path / "trip", ledger_url, before_q4=round_trip)
    assert counts["0006"] == counts["0007"]
    for (result, _), (again, _) in zip(expected, closes, strict=True):
        assert again.payees == result.payees
        pd.testing.assert_frame_equal(again.lines, result.lines)
    assert closes[-1][0].lines["fiscal_year"].notna().any()  # 2027-Q1's prior-year line
    kept.dispose()
    ledger.dispose()


def _record(**changes) -> PayeeRecord:
    record = PayeeRecord("rep-1", "USD", ("ae@1",), CLOSED, 2026, 0, 0, 0, 0, 0, 0, 0, (),
                         (ComponentTotal("commission", 0, 0),), (),
                         StatementContext("Ravi", None, None, ()))
    return dataclasses.replace(record, **changes)


def test_a_ratio_beyond_64_bits_refuses_the_close_naming_payee_and_plan():
    """It practically never happens: figures are int64 already (the engine refuses others),
    and a plan's rates and quotas are short decimals. Only an exact ratio of huge terms
    could, and then the close refuses rather than round it."""
    huge = _record(attainment=(("bookings", Fraction(2 ** 70, 3)),))
    line = {column: None for column in LINES}
    line.update(payee="rep-1", currency="USD", plan="ae", kind="deal", line_kind="deal",
                component="commission", deal="D-1", date=np.datetime64("NaT", "s"),
                fiscal_year=pd.array([None], dtype="Int64"),
                base=pd.array([100], dtype="Int64"), text=None)
    line.update({c: np.zeros(1, dtype=np.int64) for c in LINES if LINES[c] == INT})
    line["rate"] = np.array([2 ** 70], dtype=object)
    lines = conform(lines_frame({c: np.array([v], dtype=object) if v is None else v
                                 for c, v in line.items()}).assign(
        date=np.array(["NaT"], dtype="datetime64[s]")))
    with pytest.raises(LedgerRefused, match="rep-1's result on plan ae@1: attainment"):
        payee_tables(1, (huge,))
    with pytest.raises(LedgerRefused, match="rep-1's result on plan ae: the rate"):
        line_tables(1, lines)
