"""The engine's read of a window: FX conversion and credit splits, to the cent, by hand."""
import datetime

import numpy as np
import pandas as pd
import pytest

from rules_dsl.calendar import period_span
from ledger.importing import import_csv
from ledger.plans import register_plans
from ledger.window import MissingRateError, credit_amounts, read_window, require_rates
from rules_dsl import load_plan
from tests.paths import PLANS

D = datetime.date


@pytest.mark.parametrize("amount, shares, expected", [
    # 40,000.00 at 60/40: 24,000.00 and 16,000.00 exactly
    (4_000_000, [600_000_000, 400_000_000], [2_400_000, 1_600_000]),
    # 100.00 in thirds: 3333.33333, 3333.33333, 3333.33334 cents floor to 3333 each, 9999 in
    # all; the one cent left goes to the largest remainder, the third row
    (10_000, [333_333_333, 333_333_333, 333_333_334], [3_333, 3_333, 3_334]),
    # 0.01 at 50/50: a tie, so the earlier row takes the cent
    (1, [500_000_000, 500_000_000], [1, 0]),
    # a credit memo of -0.01 at 50/50: split on the absolute amount, sign restored
    (-1, [500_000_000, 500_000_000], [-1, 0]),
    # -100.00 in thirds mirrors +100.00
    (-10_000, [333_333_333, 333_333_333, 333_333_334], [-3_333, -3_333, -3_334]),
    # 9 trillion dollars at 60/40 stays exact: no int64 overflow in the products
    (900_000_000_000_000, [600_000_000, 400_000_000], [540_000_000_000_000,
                                                       360_000_000_000_000]),
])
def test_credit_amounts_split_by_largest_remainder(amount, shares, expected):
    count = len(shares)
    result = credit_amounts(np.full(count, amount, dtype="int64"),
                            np.array(shares, dtype="int64"), np.array(["D-1"] * count))
    assert result.tolist() == expected
    assert sum(result.tolist()) == amount


def test_two_deals_are_split_independently():
    result = credit_amounts(np.array([1, 1, 10_000, 10_000], dtype="int64"),
                            np.array([500_000_000] * 2 + [250_000_000, 750_000_000]),
                            np.array(["A", "A", "B", "B"]))
    assert result.tolist() == [1, 0, 2_500, 7_500]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def company(ledger, tmp_path):
    """Three payees on enterprise-ae (USD); deals in USD, EUR and JPY."""
    plan, errors = load_plan(PLANS / "enterprise-ae.yaml")
    assert errors == []
    register_plans(ledger, [plan])
    files = {
        "payees": "id,name,manager_id\nmgr,Maria,\nrep-1,Ravi,mgr\nrep-2,Rosa,mgr\n",
        "assignments": "payee_id,plan,effective_from,target_incentive\n"
                       "rep-1,enterprise-ae,2026-01-01,60000.00\n"
                       "rep-2,enterprise-ae,2026-04-01,60000.00\n",
        "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,800000.00\n",
        "fx": "date,from,to,rate\n2026-01-01,EUR,USD,1.08\n2026-03-01,EUR,USD,1.0825\n"
              "2026-01-01,JPY,USD,0.0067\n2026-01-01,GBP,USD,1.5\n"
              "2026-01-01,USD,CHF,0.9\n",
        "deals": "id,date,owner_id,amount,currency,type,region\n"
                 "D-1,2026-02-03,rep-1,40000.00,USD,new,EMEA\n"
                 "D-2,2026-02-28,rep-1,25000,EUR,new,EMEA\n"
                 "D-3,2026-03-01,rep-1,25000,EUR,new,\n"
                 "D-4,2026-03-02,rep-2,1000,JPY,new,APAC\n"
                 "D-5,2026-03-03,rep-2,0.01,GBP,new,\n"
                 "D-6,2027-01-05,rep-2,5.00,USD,new,\n",
        "credits": "deal_id,payee_id,share\nD-1,rep-1,60%\nD-1,rep-2,0.4\n",
    }
    for kind, text in files.items():
        import_csv(ledger, kind, write(tmp_path, f"{kind}.csv", text), progress=False)
    return ledger


def test_window_converts_and_credits_exactly(company):
    start, end = period_span("2026")
    window = read_window(company, start, end, "USD", deal_fields=("region",))
    rows = window.credits[["deal_id", "payee_id", "original_amount", "amount",
                           "credit_amount", "deal.region"]].fillna("").values.tolist()
    assert rows == [
        ["D-1", "rep-1", 4_000_000, 4_000_000, 2_400_000, "EMEA"],
        ["D-1", "rep-2", 4_000_000, 4_000_000, 1_600_000, "EMEA"],
        # 25,000 EUR on 2026-02-28 takes the January rate: 25,000 x 1.08 = 27,000.00 USD
        ["D-2", "rep-1", 2_500_000, 2_700_000, 2_700_000, "EMEA"],
        # on 2026-03-01 the March rate applies (on or before): 25,000 x 1.0825 = 27,062.50
        ["D-3", "rep-1", 2_500_000, 2_706_250, 2_706_250, ""],
        # 1,000 JPY (no minor unit) x 0.0067 = 6.70 USD
        ["D-4", "rep-2", 1_000, 670, 670, "APAC"],
        # 0.01 GBP x 1.5 = 0.015 USD: half_up gives 0.02
        ["D-5", "rep-2", 1, 2, 2, ""],
    ]  # D-6 is dated after the window
    assert window.credits["amount"].dtype == np.int64
    assert window.credits["credit_amount"].dtype == np.int64
    assert window.credits["date"].dt.date.tolist()[0] == D(2026, 2, 3)


def test_a_deal_without_credit_rows_goes_wholly_to_its_owner(company):
    window = read_window(company, D(2026, 3, 2), D(2026, 3, 2), "USD")
    assert window.credits[["deal_id", "payee_id", "share_e9", "seq"]].values.tolist() == [
        ["D-4", "rep-2", 1_000_000_000, 1]]


def test_a_rate_is_never_inverted(company):
    # USD->CHF exists, but no CHF rate for USD deals on a CHF plan's *other* direction:
    # a CHF plan needs USD->CHF (present) and EUR->CHF (absent).
    window = read_window(company, D(2026, 1, 1), D(2026, 12, 31), "CHF")
    with pytest.raises(MissingRateError, match="no FX rate from EUR to CHF on or before "
                                               "2026-02-28 \\(deal D-2\\)"):
        require_rates(window.credits, "CHF")
    # only the rows a plan uses need a rate: the USD deals alone are fine
    require_rates(window.credits[window.credits["deal_currency"] == "USD"], "CHF")
    # and a USD plan never uses USD->CHF backwards for a CHF deal: only 'to' = plan currency
    window = read_window(company, D(2026, 2, 3), D(2026, 2, 3), "CHF")
    assert window.credits["amount"].tolist() == [3_600_000, 3_600_000]  # 40,000 x 0.9


def test_window_frames_hold_the_period_context(company):
    window = read_window(company, D(2026, 1, 1), D(2026, 3, 31), "USD")
    assert window.assignments[["payee_id", "target_incentive"]].values.tolist() == [
        ["rep-1", 6_000_000]]  # rep-2 starts in April
    assert window.quotas[["payee_id", "amount", "start"]].values.tolist() == [
        ["rep-1", 80_000_000, pd.Timestamp("2026-01-01")]]  # dates as datetime64[s]
    assert set(window.payees["id"]) == {"mgr", "rep-1", "rep-2"}


def _ordered_company(ledger, tmp_path, credits: bool):
    """Deals imported out of order (ids not in date order, a non-ASCII id, a cancellation,
    type left empty on every early deal), with or without credit rows."""
    plan, errors = load_plan(PLANS / "enterprise-ae.yaml")
    assert errors == []
    register_plans(ledger, [plan])
    deals = ["id,date,owner_id,amount,currency,type,status,cancel_date"]
    deals += [f"D-{n:04d},2026-0{1 + n % 3}-{1 + n % 5:02d},rep-{n % 2 + 1},{n}.00,USD,,booked,"
              for n in range(1500, 0, -1)]  # more than one ADBC batch of empty type/dates
    deals += ["Z-é,2026-01-01,rep-1,5.00,USD,new,cancelled,2026-02-01",
              "Z-e,2026-01-01,rep-2,7.00,USD,renewal,booked,",
              "A-1,2026-01-01,rep-1,9.00,USD,new,booked,"]
    files = {
        "payees": "id,name,manager_id\nmgr,Maria,\nrep-1,Ravi,mgr\nrep-2,Rosa,mgr\n",
        "deals": "\n".join(deals) + "\n",
    }
    if credits:
        files["credits"] = ("deal_id,payee_id,share,role\nZ-e,rep-2,0.5,lead\nZ-e,rep-1,0.5,\n"
                            "D-0003,rep-1,1,\n")
    for kind, text in files.items():
        import_csv(ledger, kind, write(tmp_path, f"{kind}.csv", text), progress=False)
    return ledger


@pytest.mark.parametrize("credits", [False, True])
def test_window_rows_in_date_deal_seq_order_whichever_driver_reads(ledger, tmp_path,
                                                                   monkeypatch, credits):
    """The window is read without ORDER BY (and without the credits join when there is no
    credit row) and put in order in numpy: the same frame through ADBC as through the
    connection's own driver, in (date, deal id by code point, credit seq) order. ADBC reads
    the quarter in two halves at once, and the second half has no type, role or cancel
    date: its NULL columns take the first half's types."""
    import ledger.window as window_module
    company = _ordered_company(ledger, tmp_path, credits)
    start, end = D(2026, 1, 1), D(2026, 3, 31)
    fast = read_window(company, start, end, "USD").credits
    monkeypatch.setattr(window_module, "adbc_read", lambda *args: None)
    slow = read_window(company, start, end, "USD").credits
    import pandas as pd
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert len(fast) == 1503 + (1 if credits else 0)
    keys = list(zip(fast["date"].tolist(), fast["deal_id"].tolist(), fast["seq"].tolist()))
    assert keys == sorted(keys)
    first_day = fast[fast["date"] == pd.Timestamp("2026-01-01")]["deal_id"].tolist()
    assert first_day[0] == "A-1" and first_day[1] == "D-0015"  # not in import order
    assert first_day[-3:] == (["Z-e", "Z-e", "Z-é"] if credits else ["D-1500", "Z-e", "Z-é"])
    assert str(fast["deal_id"].dtype) == "str" and str(fast["type"].dtype) == "str"
    assert fast["cancel_date"].dtype == "datetime64[s]"
    assert fast["cancel_date"].notna().sum() == 1
    if credits:
        z = fast[fast["deal_id"] == "Z-e"]
        assert z[["payee_id", "seq", "share_e9", "credit_amount"]].values.tolist() == [
            ["rep-2", 1, 500_000_000, 350], ["rep-1", 2, 500_000_000, 350]]
        assert z["role"].tolist()[0] == "lead"
    else:
        assert fast["role"].tolist() == [None] * len(fast)
        assert (fast["payee_id"] == fast["owner_id"]).all()


def test_a_window_read_ahead_is_taken_only_when_it_read_the_same(ledger, tmp_path):
    """``ReadAhead`` reads a window on a thread before the engine asks for it. The window
    takes its tables when it reads the same span and the ledger still has (or has no)
    credit rows as the read found; otherwise it reads afresh."""
    from ledger.window_read import ReadAhead, WindowSpan
    company = _ordered_company(ledger, tmp_path, credits=False)
    start, end = D(2026, 1, 1), D(2026, 3, 31)
    plain = read_window(company, start, end, "USD").credits
    ahead = ReadAhead(company, WindowSpan(start, end, end))
    taken = read_window(company, start, end, "USD", ahead=ahead).credits
    pd.testing.assert_frame_equal(taken, plain, check_exact=True)
    assert ahead.tables(WindowSpan(start, end, end), False) is None  # taken once only
    # a read of another span is left unused
    other = ReadAhead(company, WindowSpan(start, D(2026, 2, 28), D(2026, 2, 28)))
    pd.testing.assert_frame_equal(read_window(company, start, end, "USD", ahead=other).credits,
                                  plain, check_exact=True)
    # credit rows imported after the read: the join the read lacked is read afresh
    stale = ReadAhead(company, WindowSpan(start, end, end))
    stale.wait()
    import_csv(company, "credits", write(tmp_path, "credits.csv",
                                         "deal_id,payee_id,share\nD-0003,rep-1,0.25\n"
                                         "D-0003,rep-2,0.75\n"), progress=False)
    credited = read_window(company, start, end, "USD", ahead=stale).credits
    assert credited[credited["deal_id"] == "D-0003"][["payee_id", "credit_amount"]
                                                     ].values.tolist() == [["rep-1", 75],
                                                                           ["rep-2", 225]]


def test_halves_join_by_position_whatever_their_columns_are_named():
    """PostgreSQL names every COALESCE column "coalesce": the halves of a window are joined
    column by column, a column NULL throughout one half taking the other half's type."""
    import pyarrow as pa
    from ledger.window_read import joined
    first = pa.table([pa.array([1], pa.int64()), pa.array(["rep-1"]),
                      pa.array([None], pa.null())], names=["coalesce", "coalesce", "role"])
    second = pa.table([pa.array([1, 2], pa.int64()), pa.array(["rep-2", "rep-1"]),
                       pa.array(["lead", None])], names=["coalesce", "coalesce", "role"])
    both = joined([first, second])
    assert [column.to_pylist() for column in both.columns] == [
        [1, 1, 2], ["rep-1", "rep-2", "rep-1"], [None, "lead", None]]
    assert both.column(2).type == pa.string()
