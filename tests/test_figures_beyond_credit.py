"""PLAN_LANGUAGE.md 7.4, figures beyond a payee's own credit, through the command line:
`metric.NAME` over a window's metrics rows, `rank(M)` among the plan's payees, and overlay
credit rows beside the 100% split. Every figure is worked out by hand in a comment."""
import json
import textwrap

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect

from cli import main
from ledger.database import _alembic_config, head_revision, open_ledger, schema_revision
from tests.test_calc import calc, icm, import_files, payee, plan_file, plan_ledger


def failing(*args, db):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == 1, result.output
    return result.output


# -- metric.NAME ------------------------------------------------------------------------------

METRIC_PLAN = """\
    plan: company-share
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    fields:
      metric.revenue: Money
      metric.nps: Number
    components:
      - id: share
        type: formula
        amount: 1% * metric.revenue
      - id: loyalty
        type: bonus
        when: metric.nps >= 40%
        amount: 250 USD
    """

METRIC_FILES = {
    "payees": "id,name\nvp-1,Vera\nvp-2,Victor\n",
    "assignments": "payee_id,plan,effective_from\nvp-1,company-share,2026-01-01\n"
                   "vp-2,company-share,2026-01-01\n",
    "metrics": "metric,period,value,currency\n"
               "revenue,2026-01,100000.00,USD\n"
               "revenue,2026-02,200000.00,USD\n"
               "revenue,2026-03,300000.50,USD\n"
               "revenue,2026-04,999.00,USD\n"
               "revenue,2026,5000000.00,USD\n"
               "nps,2026-Q1,0.45,\n",
}


def test_a_metric_is_the_sum_of_its_rows_whose_period_lies_inside_the_window(
        tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, METRIC_PLAN, METRIC_FILES)
    document = calc("2026-Q1", ledger_url)
    # Q1 (2026-01-01..03-31) holds January, February and March; April is after it and the
    # year 2026 reaches beyond it: revenue = 100,000.00 + 200,000.00 + 300,000.50
    # = 600,000.50; 1% of it = 6,000.005, rounded half_up to 6,000.01.
    # nps 0.45 >= 40%: the loyalty bonus of 250.00. Both payees alike: one company figure.
    for payee_id in ("vp-1", "vp-2"):
        entry = payee(document, payee_id)
        assert entry["components"] == {
            "share": {"earned_to_date": "6000.01", "held": "0.00", "payout": "6000.01"},
            "loyalty": {"earned_to_date": "250.00", "held": "0.00", "payout": "250.00"}}
        assert entry["payout"] == "6250.01"
    # the sentence shows the figures the rule was judged on
    assert payee(document, "vp-1")["lines"][1]["text"] == (
        "loyalty: nps (0.45) reached the 40% needed, so 250.00 USD.")


def test_a_declared_metric_without_a_row_in_the_window_is_an_error_naming_it(
        tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, METRIC_PLAN, METRIC_FILES)
    # Q2 has April's revenue, but nps has no row inside 2026-04-01..2026-06-30
    output = failing("calc", "--period", "2026-Q2", db=ledger_url)
    assert "metric.nps in 2026-04-01..2026-06-30 (period 2026-Q2, plan company-share)" \
        in output
    assert "no metrics row of 'nps' has a period inside the window" in output
    assert "icm import metrics" in output


def test_a_money_metric_in_another_currency_is_refused_not_converted(tmp_path, ledger_url):
    files = dict(METRIC_FILES, metrics=METRIC_FILES["metrics"].replace(
        "revenue,2026-02,200000.00,USD", "revenue,2026-02,200000.00,EUR"))
    plan_ledger(tmp_path, ledger_url, METRIC_PLAN, files)
    output = failing("calc", "--period", "2026-Q1", db=ledger_url)
    assert "metric.revenue in 2026-01-01..2026-03-31" in output
    assert "the row for 2026-02 is in EUR, and the plan pays in USD: import the figure in " \
           "USD (icm does not convert metrics)" in output


def test_a_number_metric_with_a_currency_and_overlapping_rows_are_refused(
        tmp_path, ledger_url):
    files = dict(METRIC_FILES, metrics=METRIC_FILES["metrics"].replace(
        "nps,2026-Q1,0.45,", "nps,2026-Q1,0.45,USD"))
    plan_ledger(tmp_path, ledger_url, METRIC_PLAN, files)
    output = failing("calc", "--period", "2026-Q1", db=ledger_url)
    assert "the row for 2026-Q1 has the currency USD, but the plan declares the metric a " \
           "Number: declare `metric.nps: Money`, or clear the row's currency" in output
    overlapping = tmp_path / "more.csv"
    overlapping.write_text("metric,period,value,currency\nrevenue,2026-Q1,1.00,USD\n"
                           "nps,2026-Q1,0.45,\n")
    icm("import", "metrics", str(overlapping), db=ledger_url)
    output = failing("calc", "--period", "2026-Q1", db=ledger_url)
    assert "the rows for 2026-01 and 2026-Q1 overlap" in output


def test_a_metric_period_follows_the_plans_fiscal_year(tmp_path, ledger_url):
    """With fiscal_year_start 02-01, fiscal 2027-Q1 is Feb..Apr 2026: the row named
    2027-Q1 lies inside the window 2027-Q1, the calendar month 2026-01 does not."""
    plan = METRIC_PLAN.replace("effective: 2026-01-01 .. 2026-12-31",
                               "effective: 2026-02-01 .. 2027-01-31\n    "
                               "fiscal_year_start: 02-01")
    files = dict(METRIC_FILES, metrics="metric,period,value,currency\n"
                                       "revenue,2026-01,7.00,USD\n"
                                       "revenue,2027-Q1,100000.00,USD\n"
                                       "nps,2027-Q1,0.1,\n")
    plan_ledger(tmp_path, ledger_url, plan, files)
    document = calc("2027-Q1", ledger_url)
    # 1% of 100,000.00 = 1,000.00; nps 0.1 is below 40%: no loyalty bonus
    assert payee(document, "vp-1")["payout"] == "1000.00"


def test_a_deal_level_expression_reads_the_windows_metric(tmp_path, ledger_url):
    kicker = ("      - id: kicker\n        type: spiff\n        when: metric.nps >= 40%\n"
              "        amount: credit.amount * 1%\n      - id: loyalty")
    plan = METRIC_PLAN.replace("      - id: loyalty", kicker)
    files = dict(METRIC_FILES, deals="id,date,owner_id,amount,currency\n"
                                     "D-1,2026-02-01,vp-1,1234.50,USD\n")
    plan_ledger(tmp_path, ledger_url, plan, files)
    document = calc("2026-Q1", ledger_url)
    # nps 0.45 >= 40% in Q1: the SPIFF pays 1% of 1,234.50 = 12.345 -> 12.35 (half_up)
    assert payee(document, "vp-1")["components"]["kicker"] == {
        "earned_to_date": "12.35", "held": "0.00", "payout": "12.35"}


# -- rank(M) ----------------------------------------------------------------------------------

CONTEST_PLAN = """\
    plan: logo-contest
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      new_logos: count(where deal.type == "new")
      bookings: sum(credit.amount)
    components:
      - id: prize
        type: bonus
        when: rank(new_logos) == 1
        amount: 5000 USD
      - id: podium
        type: formula
        amount: "1000 USD if rank(bookings) <= 3 else 0 USD"
    """

CONTEST_FILES = {
    "payees": "id,name\nr1,Ada\nr2,Ben\nr3,Cat\nr4,Dev\n",
    "assignments": "payee_id,plan,effective_from\n"
                   + "".join(f"r{i},logo-contest,2026-01-01\n" for i in range(1, 5)),
    "deals": "id,date,owner_id,amount,currency,type\n"
             "D1,2026-01-05,r1,100.00,USD,new\n"
             "D2,2026-01-06,r1,100.00,USD,new\n"
             "D3,2026-01-07,r2,150.00,USD,new\n"
             "D4,2026-01-08,r2,50.00,USD,new\n"
             "D5,2026-01-09,r3,900.00,USD,new\n"
             "D6,2026-01-10,r4,100.00,USD,renewal\n"
             "D7,2026-04-10,r4,100.00,USD,new\n",
}


def test_rank_shares_the_better_place_on_ties_and_says_so(tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, CONTEST_PLAN, CONTEST_FILES)
    document = calc("2026-Q1", ledger_url)
    # new logos in Q1: r1 2, r2 2, r3 1, r4 0 -> ranks 1, 1, 3, 4: r1 and r2 share the prize
    # bookings: r3 900, r1 200, r2 200, r4 100 -> ranks 1, 2, 2, 4: the podium pays r3, r1
    # and r2 1,000.00 each
    assert [(p["payee"], p["payout"]) for p in document["payees"]] == [
        ("r1", "6000.00"), ("r2", "6000.00"), ("r3", "1000.00"), ("r4", "0.00")]
    assert [line["text"] for line in payee(document, "r2")["lines"]] == [
        "prize: ranked 1 of 4 payees by new logos from 2026-01-01 to 2026-03-31; "
        "the rank by new logos is 1, so 5,000.00 USD.",
        "podium: ranked 2 of 4 payees by bookings from 2026-01-01 to 2026-03-31; "
        "1,000.00 USD if the rank by bookings is at most 3, otherwise 0.00 USD = 1,000.00 USD."]
    explained = icm("explain", "--period", "2026-Q1", "--payee", "r3", db=ledger_url).stdout
    assert "podium: ranked 1 of 4 payees by bookings from 2026-01-01 to 2026-03-31;" in explained


def test_rank_is_among_the_payees_of_the_window_only(tmp_path, ledger_url):
    """r4 joins the plan in April: Q1 ranks three payees, and r4's January renewal counts
    for no one."""
    files = dict(CONTEST_FILES)
    files["assignments"] = "payee_id,plan,effective_from\n" + "".join(
        f"r{i},logo-contest,{'2026-04-01' if i == 4 else '2026-01-01'}\n" for i in range(1, 5))
    plan_ledger(tmp_path, ledger_url, CONTEST_PLAN, files)
    document = calc("2026-Q1", ledger_url)
    # new logos r1 2, r2 2, r3 1 -> 1, 1, 3 of 3; bookings r3 900, r1 200, r2 200 -> 1, 2, 2
    assert [p["payee"] for p in document["payees"]] == ["r1", "r2", "r3"]
    assert [line["text"].split(";")[0] for line in payee(document, "r3")["lines"]] == [
        "podium: ranked 1 of 3 payees by bookings from 2026-01-01 to 2026-03-31"]
    assert payee(document, "r2")["lines"][0]["text"].startswith(
        "prize: ranked 1 of 3 payees by new logos from 2026-01-01 to 2026-03-31;")


@pytest.mark.parametrize("expression, where, message", [
    ("rank(new_logos)", "rate",
     "rank(...) compares payees over the whole window, so it cannot be used in component "
     "'commission', which is evaluated per deal; use it in a bonus's `when:` or `amount:`, a "
     "formula, a threshold or a cap"),
    ("rank(attainment.new_logos) == 1", "when",
     "rank(...) takes a measure's name, such as rank(new_logos); `attainment.new_logos` is "
     "not a measure"),
    ("rank(new_logoz) == 1", "when",
     "rank(...) takes a measure's name, such as rank(new_logos); `new_logoz` is not a "
     "measure; did you mean `new_logos`?"),
    ("rank(new_logos + 1) == 1", "when",
     "rank(...) takes a measure's name, such as rank(new_logos); to rank by a figure, define "
     "it as a measure"),
    ("rank(first_day) == 1", "when",
     "rank(...) orders payees by an amount or a count; `first_day` is a Date measure"),
])
def test_rank_misuse_is_reported_at_its_line_and_column(tmp_path, expression, where, message):
    rate = expression if where == "rate" else "5%"
    when = expression if where == "when" else "rank(new_logos) == 1"
    text = textwrap.dedent(f"""\
        plan: bad-rank
        version: 1
        effective: 2026-01-01 .. 2026-12-31
        currency: USD
        payout_period: quarter
        measures:
          new_logos: count(where deal.type == "new")
          bookings: sum(credit.amount)
          first_day: min(deal.date)
        components:
          - id: commission
            type: commission
            measure: bookings
            rate: "{rate}"
          - id: prize
            type: bonus
            when: "{when}"
            amount: 100 USD
        """)
    path = tmp_path / "bad-rank.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)
    line = 14 if where == "rate" else 17
    column = text.splitlines()[line - 1].index('"') + 2 + (
        expression.index("(") + 1 if "not a measure" in message or "define it" in message
        or "Date measure" in message else 0)
    assert (error["line"], error["col"], error["message"]) == (line, column, message)


# -- metric misuse at check time ---------------------------------------------------------------

@pytest.mark.parametrize("fields, expression, position, message", [
    ("metric.revenue: String", "100 USD", (7, 19), "a metric is Money or Number, not String"),
    ("metric.revenue: Money", "metric.revenu * 1%", (11, 13),
     "unknown field `metric.revenu`; did you mean `metric.revenue`?"),
    ("metric.revenue: Money", "metric.ebitda * 1%", (11, 13),
     "unknown field `metric.ebitda`; declare metrics under `fields:`, e.g. "
     "`metric.ebitda: Money`"),
])
def test_metric_misuse_is_reported_at_its_line_and_column(tmp_path, fields, expression,
                                                          position, message):
    text = textwrap.dedent(f"""\
        plan: bad-metric
        version: 1
        effective: 2026-01-01 .. 2026-12-31
        currency: USD
        payout_period: quarter
        fields:
          {fields}
        components:
          - id: share
            type: formula
            amount: {expression}
        """)
    path = tmp_path / "bad-metric.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)
    assert ((error["line"], error["col"]), error["message"]) == (position, message)


def test_a_measure_cannot_read_a_metric(tmp_path):
    path = plan_file(tmp_path, """\
        plan: bad-measure
        version: 1
        effective: 2026-01-01 .. 2026-12-31
        currency: USD
        payout_period: quarter
        fields:
          metric.revenue: Money
        measures:
          big: count(where deal.amount > metric.revenue)
        components:
          - id: share
            type: formula
            amount: 1 USD * big
        """)
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    (error,) = json.loads(result.stdout)
    assert (error["line"], error["col"]) == (9, 34)
    assert error["message"].startswith("a measure cannot use `metric.revenue`")


# -- overlay credit ---------------------------------------------------------------------------

OVERLAY_PLAN = """\
    plan: overlay-ae
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: "2% if credit.overlay else 10%"
    """

OVERLAY_FILES = {
    "payees": "id,name\nae-1,Ann\nae-2,Abe\nse-1,Sam\n",
    "assignments": "payee_id,plan,effective_from\n" + "".join(
        f"{p},overlay-ae,2026-01-01\n" for p in ("ae-1", "ae-2", "se-1")),
    "deals": "id,date,owner_id,amount,currency\n"
             "D-1,2026-01-10,ae-1,1000.01,USD\n"
             "D-2,2026-02-10,ae-2,500.00,USD\n"
             "D-3,2026-03-10,ae-2,300.05,USD\n",
    "credits": "deal_id,payee_id,share,overlay\n"
               "D-1,se-1,100%,true\n"
               "D-2,ae-2,60%,\n"
               "D-2,ae-1,40%,false\n"
               "D-2,se-1,50%,true\n"
               "D-3,ae-2,100%,false\n"
               "D-3,se-1,50%,true\n",
}


def test_overlay_credit_stands_beside_the_owners_full_credit(tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, OVERLAY_PLAN, OVERLAY_FILES)
    document = calc("2026-Q1", ledger_url)
    lines = {(p["payee"], line["deal"]): (line["base"], line["amount"])
             for p in document["payees"] for line in p["lines"] if line["deal"]}
    assert lines == {
        # D-1 has only an overlay row: its owner keeps 100% (1,000.01 at 10% = 100.001
        # -> 100.00) and the specialist is credited 100% beside it (at 2%: 20.0002 -> 20.00)
        ("ae-1", "D-1"): ("1000.01", "100.00"), ("se-1", "D-1"): ("1000.01", "20.00"),
        # D-2: 60% + 40% split 500.00 as 300.00 and 200.00; the overlay 50% is 250.00
        ("ae-2", "D-2"): ("300.00", "30.00"), ("ae-1", "D-2"): ("200.00", "20.00"),
        ("se-1", "D-2"): ("250.00", "5.00"),
        # D-3: 100% to ae-2; the overlay 50% of 300.05 is 150.025, rounded half_up to
        # 150.03 (at 2%: 3.0006 -> 3.00)
        ("ae-2", "D-3"): ("300.05", "30.01"), ("se-1", "D-3"): ("150.03", "3.00")}
    # ae-1: 100.00 + 20.00; ae-2: 30.00 + 30.01 (300.05 x 10% = 30.005 -> 30.01); se-1:
    # 20.00 + 5.00 + 3.00
    assert [(p["payee"], p["payout"]) for p in document["payees"]] == [
        ("ae-1", "120.00"), ("ae-2", "60.01"), ("se-1", "28.00")]
    explained = icm("explain", "--period", "2026-Q1", "--payee", "se-1", "--deal", "D-1",
                    db=ledger_url).stdout
    assert "  credited 100% to its owner ae-1 (its credit rows are all overlay rows)\n" \
        "  credited 100% to se-1 (overlay, beside the 100% split)\n" in explained


def test_a_deal_of_overlay_rows_alone_keeps_seq_1_for_its_owner(tmp_path, ledger):
    from sqlalchemy import select
    from ledger.schema import credits
    url = ledger.url.render_as_string(hide_password=False)
    plan_ledger(tmp_path, url, OVERLAY_PLAN, OVERLAY_FILES)
    with ledger.connect() as connection:
        rows = connection.execute(select(credits.c.deal_id, credits.c.seq, credits.c.payee_id,
                                         credits.c.overlay).order_by(
            credits.c.deal_id, credits.c.seq)).all()
    assert [tuple(row) for row in rows] == [
        ("D-1", 2, "se-1", True),  # seq 1 is the owner's, as for a deal without credits
        ("D-2", 1, "ae-2", False), ("D-2", 2, "ae-1", False), ("D-2", 3, "se-1", True),
        ("D-3", 1, "ae-2", False), ("D-3", 2, "se-1", True)]


def test_downgrading_below_0008_drops_metrics_and_overlay_rows(tmp_path, ledger_url):
    plan_ledger(tmp_path, ledger_url, OVERLAY_PLAN, OVERLAY_FILES)
    import_files(tmp_path, ledger_url, {"metrics": "metric,period,value\nnps,2026,1\n"})
    engine = open_ledger(ledger_url, upgrade=False)
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0007")
    assert schema_revision(engine) == "0007"
    assert "metrics" not in inspect(engine).get_table_names()
    assert "overlay" not in {c["name"] for c in inspect(engine).get_columns("credits")}
    with engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT deal_id, payee_id FROM credits "
                                          "ORDER BY deal_id, seq").all()
    assert [tuple(row) for row in left] == [("D-2", "ae-2"), ("D-2", "ae-1"), ("D-3", "ae-2")]
    engine.dispose()
    icm("db", "upgrade", db=ledger_url)
    engine = open_ledger(ledger_url, upgrade=False)
    assert schema_revision(engine) == head_revision()
    assert "metrics" in inspect(engine).get_table_names()
    engine.dispose()


# -- a metric's window sum, row by row ---------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(months=st.dictionaries(st.integers(1, 12), st.integers(-10**9, 10**9), min_size=1),
       quarter=st.integers(1, 4))
def test_a_money_metric_is_the_row_by_row_sum_of_the_months_inside_a_quarter(months, quarter):
    import datetime

    import pandas as pd

    from engine.earnings import Window
    from engine.metrics import MetricError, metric_value
    from rules_dsl.money import Money
    from rules_dsl.types import Type

    class Plan:
        id, currency, fiscal_year_start = "p", "USD", 1

    metrics = pd.DataFrame({"metric": ["rev"] * len(months),
                            "period": [f"2026-{m:02d}" for m in months],
                            "value": [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}"
                                      for v in months.values()],
                            "currency": ["USD"] * len(months)})
    first = 3 * (quarter - 1) + 1
    window = Window(f"2026-Q{quarter}", datetime.date(2026, first, 1),
                    (pd.Timestamp(2026, first + 2, 1) + pd.offsets.MonthEnd(0)).date(), quarter)
    inside = [v for m, v in months.items() if first <= m < first + 3]
    if not inside:
        with pytest.raises(MetricError, match="no metrics row of 'rev'"):
            metric_value(Plan, window, metrics, "rev", Type.MONEY)
        return
    assert metric_value(Plan, window, metrics, "rev", Type.MONEY) == Money(sum(inside))
