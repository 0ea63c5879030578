"""The memory-lean paths of a calculation give what the plain ones gave."""
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
from engine.names import text_objects
from engine.quota import equal_parts
from rules_dsl.money import allocate


def test_equal_parts_is_allocate_over_equal_weights():
    for total in [0, 1, -1, 5, -5, 7, 100, -101, 60_000_00, 2 ** 62 + 3]:
        for count in [1, 2, 3, 4, 12]:
            assert equal_parts(total, count) == allocate(total, [Fraction(1)] * count)
    assert equal_parts(-7, 4) == [-2, -2, -2, -1]


def test_among_is_isin_for_arrow_and_object_columns():
    values = ["p1", None, "p2", "p3", "p1"]
    for column in (pd.Series(values, dtype="str"), pd.Series(values, dtype=object)):
        assert among(column) == [True, False, False, True, True]
    assert lines.among(pd.Series([], dtype="str"), ["p1"]).tolist() == []
    assert lines.among(pd.Series(["p1"], dtype="str"), []).tolist() == [False]


def among(column):
    found = lines.among(column, ["p1", "p3"])
    assert found.tolist() == column.isin(["p1", "p3"]).tolist()
    return found.tolist()


def test_shared_text_shares_one_string_per_value_and_keeps_none():
    column = pd.Series(["deal-1", None, "deal-1", "deal-2"], dtype="str")
    shared = text_objects(column)
    assert shared.dtype == object and shared.tolist() == ["deal-1", None, "deal-1", "deal-2"]
    assert shared[0] is shared[2]


def test_combine_joins_column_by_column_with_zero_padding():
    first = lines.table(2, payee=np.array(["a", "b"], dtype=object), component="c",
                        kind="deal", amount=np.array([1, 2]),
                        slices=[(np.array([5, 6]), np.array([1, 1]), np.array([10, 10]))])
    second = lines.table(1, payee=np.array(["c"], dtype=object), component="d", kind="cap",
                         amount=np.array([-3]), cap=9)
    joined = lines.combine([first, second])
    assert joined["payee"].tolist() == ["a", "b", "c"]
    assert joined["amount"].tolist() == [1, 2, -3]
    assert joined["slice_base_0"].tolist() == [5, 6, 0]
    assert joined["slice_base_0"].dtype == np.int64
    assert joined["cap"].tolist() == [0, 0, 9]


def test_the_packed_statement_order_is_the_lexsort_of_its_keys():
    from engine.order import _NO_DATE, _stable_order
    rng = np.random.default_rng(5)
    for rows, spans in [(1_000, [50, 3, 2, 5, 2, 400, 300, 3]),
                        (500, [2 ** 40, 3, 2, 5, 2, 2 ** 30, 300, 3])]:  # too wide to pack
        keys = [rng.integers(0, span, rows) for span in spans]
        keys[4] = np.where(rng.random(rows) < 0.1, _NO_DATE, keys[4])  # undated lines
        keys[1] = np.where(rng.random(rows) < 0.1, _NO_DATE, keys[1])
        assert np.array_equal(_stable_order(keys[:6], keys[6:]),
                              np.lexsort(tuple(reversed(keys))))


def test_commission_rows_keep_their_order_when_the_window_rows_are_a_sparse_subset():
    """A commission orders its rows by payee, then their place in the window read
    ("row"), of which a plan's rows are a subset: tiers crossed mid-year pay the same
    whichever places the rows hold."""
    import datetime
    from engine.earnings import Window, earn
    from engine.payee_table import PayeeTable
    from rules_dsl import load_plan
    from rules_dsl.money import Money
    from tests.paths import PLANS
    plan, errors = load_plan(PLANS / "enterprise-ae.yaml")
    assert errors == []
    rng = np.random.default_rng(3)
    count = 400
    days = np.sort(rng.integers(0, 365, count))
    rows = pd.DataFrame({
        "deal_id": [f"D-{i:04d}" for i in range(count)],
        "date": (np.datetime64("2026-01-01") + days.astype("timedelta64[D]")
                 ).astype("datetime64[s]"),
        "payee_id": pd.array([f"p{i}" for i in rng.integers(0, 4, count)], dtype="str"),
        "seq": np.ones(count, dtype=np.int64),
        "credit_amount": rng.integers(1_000_000, 9_000_000, count),
        "type": pd.array(["new"] * count, dtype="str"),
        "product": pd.array(["cloud"] * count, dtype="str"),
        "share_e9": np.full(count, 1_000_000_000, dtype=np.int64)})
    rows["amount"] = rows["credit_amount"]
    window = Window("2026-Q4", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 4)

    def earned(places):
        payees = PayeeTable.from_names({f"p{i}": {
            "quota.bookings": Money(200_000_000), "target_incentive": Money(10 ** 12),
            "period.number": 4} for i in range(4)})
        lines = earn(plan, window, rows.assign(row=places), payees, {})
        return lines.sort_values(["payee", "component", "deal"])[
            ["payee", "component", "deal", "amount"]].values.tolist()

    dense = earned(np.arange(count))
    commission = sum(amount for _, component, _, amount in dense if component == "commission")
    assert commission > rows["credit_amount"].sum() * 8 // 100  # tiers above 8% are reached
    assert earned(np.arange(count) * 1_000 + 7) == dense
