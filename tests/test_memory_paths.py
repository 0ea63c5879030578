"""The memory-lean paths of a calculation give what the plain ones gave."""
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
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
    shared = lines.shared_text(column)
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
