"""`icm kpi`: per payee, per team and organisation KPIs of a period, called as a library.

The ledger is test_calc.py's (rep-1 and rep-2 on `test-ae`, quarterly, annual attainment
window, quotas for 2026) with four more reps, two managers and a EUR deal:

  rep-1 Ravi   quota 200,000  Q1: D-1 120,000 new, D-2 100,000 expansion, D-3 30,000 renewal,
                               half of D-4 60,000 new          -> pays 19,750.00 (test_calc.py)
  rep-2 Rosa   quota 100,000  Q1: half of D-4                  -> pays  1,750.00 (test_calc.py)
  rep-3 Rhea   quota 100,000  Q1: D-6 50,000 new; D-10 5,000 renewal, cancelled 2026-04-10
  rep-4 Rex    quota 100,000  Q1: D-7 150,000 expansion; D-9 20,000 new, cancelled 2026-03-15
  rep-5 Remy   on `test-flat` (2% of bookings, no quota, no target incentive);
                              Q1: D-8 10,000 new, E-1 1,000.00 EUR new
  rep-6 Ruth   quota  40,000  Q1: D-11 12,000 expansion
  mgr-1 "<b>O'Brien & Co</b>", no plan: manages rep-1 and rep-2; rep-3 from 2026-04-01
  rep-4 manages rep-3 (until 2026-03-31) and rep-6

The plan: bookings = sum of credit.amount where type != renewal; commission 5% to 100% of
quota and 10% above (marginal); a 500 SPIFF x share on new deals of 50,000 or more; a club
bonus of 10% of the annual target incentive at 100% attainment.
"""
import json
import re
import textwrap
from fractions import Fraction

import pytest

from views.kpi import band_of, period_kpis
from views.kpi_document import kpi_document
from views.kpi_render import kpi_html, kpi_table
from ledger.database import open_ledger
from tests.test_calc import FILES, PLAN, icm

FLAT = textwrap.dedent("""\
    plan: test-flat
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: period
    measures:
      bookings: sum(credit.amount where deal.type != "renewal")
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 2%
    """)

MORE = {
    "payees": "id,name,manager_id,effective_from\n"
              "mgr-1,<b>O'Brien & Co</b>,,2026-01-01\n"
              "rep-1,Ravi,mgr-1,2026-01-01\n"
              "rep-2,Rosa,mgr-1,2026-01-01\n"
              "rep-4,Rex,,2026-01-01\n"
              "rep-3,Rhea,rep-4,2026-01-01\n"
              "rep-3,Rhea,mgr-1,2026-04-01\n"
              "rep-5,Remy,,2026-01-01\n"
              "rep-6,Ruth,rep-4,2026-01-01\n",
    "assignments": "payee_id,plan,effective_from,target_incentive\n"
                   "rep-3,test-ae,2026-01-01,10000.00\n"
                   "rep-4,test-ae,2026-01-01,20000.00\n"
                   "rep-5,test-flat,2026-01-01,\n"
                   "rep-6,test-ae,2026-01-01,8000.00\n",
    "quotas": "payee_id,measure,period,amount\n"
              "rep-3,bookings,2026,100000.00\n"
              "rep-4,bookings,2026,100000.00\n"
              "rep-6,bookings,2026,40000.00\n",
    "fx": "date,from,to,rate\n2026-01-01,EUR,USD,1.1\n",
    "deals": "id,date,owner_id,amount,currency,type,status,cancel_date\n"
             "D-6,2026-02-01,rep-3,50000.00,USD,new,booked,\n"
             "D-7,2026-02-10,rep-4,150000.00,USD,expansion,booked,\n"
             "D-8,2026-03-05,rep-5,10000.00,USD,new,booked,\n"
             "D-9,2026-03-10,rep-4,20000.00,USD,new,cancelled,2026-03-15\n"
             "D-10,2026-03-25,rep-3,5000.00,USD,renewal,cancelled,2026-04-10\n"
             "D-11,2026-01-20,rep-6,12000.00,USD,expansion,booked,\n"
             "E-1,2026-02-20,rep-5,1000.00,EUR,new,booked,\n",
}


def build_company(tmp_path, db):
    for name, text in (("test-ae", PLAN), ("test-flat", FLAT)):
        plan = tmp_path / f"{name}.yaml"
        plan.write_text(text)
        icm("plans", "add", str(plan), db=db)
    for kind in ("payees", "assignments", "quotas", "fx", "deals", "credits"):
        for number, text in enumerate((FILES.get(kind), MORE.get(kind))):
            if text:
                path = tmp_path / f"{kind}-{number}.csv"
                path.write_text(text)
                icm("import", kind, str(path), db=db)


@pytest.fixture
def q1(tmp_path, ledger_url):
    build_company(tmp_path, ledger_url)
    engine = open_ledger(ledger_url)
    yield engine, period_kpis(engine, "2026-Q1")  # the records; kpi_document gives the JSON
    engine.dispose()


def entry(document, payee_id):
    return next(p for p in document["payees"] if p["payee"] == payee_id)


def test_per_payee_figures(q1):
    _, kpis = q1
    document = kpi_document(kpis)
    assert document["period"] == "2026-Q1" and document["status"] == "draft"
    assert [p["payee"] for p in document["payees"]] == [
        "rep-1", "rep-2", "rep-3", "rep-4", "rep-5", "rep-6"]  # mgr-1 has no plan
    # rep-1: payout 19,750.00 over Q1's share of the annual TI, 40,000.00 / 4 = 10,000.00:
    # 1.975 -> 1.9750
    # credited: every row of the period, renewal included: 120,000 + 100,000 + 30,000 +
    # 30,000 (half of D-4) = 280,000 on 4 rows -> average 70,000; new logos D-1 and D-4 = 2;
    # cost of sales 19,750 / 280,000 = 0.0705357... -> 0.0705
    assert entry(document, "rep-1") == {
        "payee": "rep-1", "name": "Ravi", "manager": "mgr-1", "plans": ["test-ae@1"],
        "currency": "USD", "attainment": {"bookings": "1.2500"},
        "primary_measure": "bookings", "primary_attainment": "1.2500",
        "payout": "19750.00", "target_incentive": "10000.00", "payout_to_target": "1.9750",
        "credited": "280000.00", "cost_of_sales": "0.0705", "deals": 4,
        "average_deal": "70000.00", "new_logos": 2}
    # rep-2: 1,750 over Q1's 20,000 / 4 = 5,000: 0.35; one row of 30,000 (half of D-4, new);
    # 1,750 / 30,000 = 0.058333... -> 0.0583
    rep2 = entry(document, "rep-2")
    assert (rep2["payout"], rep2["payout_to_target"], rep2["credited"], rep2["cost_of_sales"],
            rep2["deals"], rep2["average_deal"], rep2["new_logos"]) == (
        "1750.00", "0.3500", "30000.00", "0.0583", 1, "30000.00", 1)
    # rep-3: 50,000 of 100,000 = 0.5; 5% of 50,000 = 2,500 + a 500 SPIFF (D-6 is new and
    # 50,000) = 3,000; Q1's TI 10,000 / 4 = 2,500 -> 1.2. D-10 was cancelled after the quarter, so it counts:
    # credited 55,000 on 2 rows, average 27,500; 3,000 / 55,000 = 0.054545... -> 0.0545
    rep3 = entry(document, "rep-3")
    assert (rep3["primary_attainment"], rep3["payout"], rep3["payout_to_target"],
            rep3["credited"], rep3["deals"], rep3["average_deal"], rep3["new_logos"],
            rep3["cost_of_sales"], rep3["manager"]) == (
        "0.5000", "3000.00", "1.2000", "55000.00", 2, "27500.00", 1, "0.0545", "rep-4")
    # rep-4: D-9 was cancelled inside Q1: not in the pay, not in the KPIs. 150,000 of 100,000
    # = 1.5; commission 100,000 x 5% + 50,000 x 10% = 10,000, club 10% x 20,000 = 2,000;
    # 12,000 over Q1's 20,000 / 4 = 5,000: 2.4; 12,000 / 150,000 = 0.08; no new logo
    rep4 = entry(document, "rep-4")
    assert (rep4["primary_attainment"], rep4["payout"], rep4["payout_to_target"],
            rep4["credited"], rep4["cost_of_sales"], rep4["deals"], rep4["new_logos"]) == (
        "1.5000", "12000.00", "2.4000", "150000.00", "0.0800", 1, 0)
    # rep-5: no quota (no attainment, no primary measure), no target incentive (payout ÷ TI
    # is null). E-1's 1,000.00 EUR at 1.1 is 1,100.00 USD: credited 11,100.00 on 2 rows,
    # average 5,550.00, 2 new logos. 2% of 11,100 = 222.00; 222 / 11,100 = 0.02
    assert entry(document, "rep-5") == {
        "payee": "rep-5", "name": "Remy", "manager": None, "plans": ["test-flat@1"],
        "currency": "USD", "attainment": {}, "primary_measure": None,
        "primary_attainment": None, "payout": "222.00", "target_incentive": "0.00",
        "payout_to_target": None, "credited": "11100.00", "cost_of_sales": "0.0200",
        "deals": 2, "average_deal": "5550.00", "new_logos": 2}
    # rep-6: 12,000 of 40,000 = 0.3; 5% of 12,000 = 600
    rep6 = entry(document, "rep-6")
    assert (rep6["primary_attainment"], rep6["payout"]) == ("0.3000", "600.00")


def test_teams(q1):
    _, kpis = q1
    document = kpi_document(kpis)
    assert [t["manager"] for t in document["teams"]] == ["mgr-1", "rep-4"]
    mgr1, rep4 = document["teams"]
    # mgr-1 has no statement, so the team's members are its reports (rep-3 joins in Q2).
    # payout 19,750 + 1,750 = 21,500; credited 280,000 + 30,000 = 310,000; 5 rows, 3 new.
    # attainment: (250,000 + 30,000) / (200,000 + 100,000) = 0.93333... -> 0.9333
    # Q1 target incentive 10,000 + 5,000: 21,500 / 15,000 = 1.4333; cost of sales
    # 21,500 / 310,000 = 0.069354... -> 0.0694; average deal 310,000 / 5 = 62,000.00
    assert mgr1 == {
        "manager": "mgr-1", "name": "<b>O'Brien & Co</b>", "members": ["rep-1", "rep-2"],
        "reports": ["rep-1", "rep-2"], "payout": {"USD": "21500.00"},
        "credited": {"USD": "310000.00"}, "deals": 5, "new_logos": 3,
        "payout_to_target": "1.4333", "cost_of_sales": "0.0694", "average_deal": "62000.00",
        "attainment": "0.9333", "with_quota": 2, "at_or_above_quota": 1}
    # rep-4 is a manager with a plan: a member. 12,000 + 3,000 + 600 = 15,600;
    # 150,000 + 55,000 + 12,000 = 217,000. Reports only: (50,000 + 12,000) /
    # (100,000 + 40,000) = 0.442857... -> 0.4429. At or above quota: rep-4 (150%) alone.
    # Q1 target incentive 2,500 + 5,000 + 2,000 = 9,500: 15,600 / 9,500 = 1.642105... ->
    # 1.6421; 15,600 / 217,000 = 0.071889... -> 0.0719; 217,000 / 4 = 54,250.00
    assert rep4 == {
        "manager": "rep-4", "name": "Rex", "members": ["rep-3", "rep-4", "rep-6"],
        "reports": ["rep-3", "rep-6"], "payout": {"USD": "15600.00"},
        "credited": {"USD": "217000.00"}, "deals": 4, "new_logos": 1,
        "payout_to_target": "1.6421", "cost_of_sales": "0.0719", "average_deal": "54250.00",
        "attainment": "0.4429", "with_quota": 3, "at_or_above_quota": 1}


def test_the_manager_is_taken_on_the_periods_last_day(q1):
    engine, _ = q1
    q2 = kpi_document(period_kpis(engine, "2026-Q2"))
    assert [(t["manager"], t["reports"]) for t in q2["teams"]] == [
        ("mgr-1", ["rep-1", "rep-2", "rep-3"]), ("rep-4", ["rep-6"])]


def test_organisation_bands_share_and_leaderboard(q1):
    _, kpis = q1
    document = kpi_document(kpis)
    org = document["organisation"]
    # primary attainment: rep-1 1.25, rep-2 0.3, rep-3 0.5 (edge: 50-100%), rep-4 1.5 (edge:
    # 150% and above), rep-6 0.3; rep-5 has no quota and is counted apart
    assert org["bands"] == [{"band": "below 50%", "payees": 2},
                            {"band": "50-100%", "payees": 1},
                            {"band": "100-150%", "payees": 1},
                            {"band": "150% and above", "payees": 1}]
    assert (org["payees"], org["with_quota"], org["without_quota"]) == (6, 5, 1)
    # rep-1 and rep-4 of the 5 with a quota: 0.4
    assert (org["at_or_above_quota"], org["share_at_or_above_quota"]) == (2, "0.4000")
    # 19,750 + 1,750 + 3,000 + 12,000 + 222 + 600 = 37,322
    assert org["payout"] == {"USD": "37322.00"}
    # 280,000 + 30,000 + 55,000 + 150,000 + 11,100 + 12,000 = 538,100
    assert org["credited"] == {"USD": "538100.00"}
    # highest first; rep-2 and rep-6 tie at 0.3: by payee id, sharing rank 4
    assert [(e["rank"], e["payee"], e["attainment"]) for e in org["leaderboard"]] == [
        (1, "rep-4", "1.5000"), (2, "rep-1", "1.2500"), (3, "rep-3", "0.5000"),
        (4, "rep-2", "0.3000"), (4, "rep-6", "0.3000")]
    assert org["leaderboard"][0] == {"rank": 1, "payee": "rep-4", "name": "Rex",
                                     "measure": "bookings", "attainment": "1.5000"}


def test_band_edges():
    assert [band_of(Fraction(x)) for x in ("0", "0.4999", "0.5", "0.9999", "1", "1.4999",
                                           "1.5", "3")] == [
        "below 50%", "below 50%", "50-100%", "50-100%", "100-150%", "100-150%",
        "150% and above", "150% and above"]
    assert band_of(Fraction(-1, 10)) == "below 50%"  # a negative measure (clawbacks)


def test_a_closed_period_gives_the_same_pay_and_is_deterministic(q1, ledger_url):
    engine, draft_kpis = q1
    draft = kpi_document(draft_kpis)
    icm("close", "--period", "2026-Q1", db=ledger_url)
    closed_kpis = period_kpis(engine, "2026-Q1")
    closed = kpi_document(closed_kpis)
    assert closed["status"] == "closed"
    assert {k: v for k, v in closed.items() if k != "status"} == \
        {k: v for k, v in draft.items() if k != "status"}
    again_kpis = period_kpis(engine, "2026-Q1")
    assert json.dumps(kpi_document(again_kpis)) == json.dumps(closed)
    assert kpi_html(again_kpis) == kpi_html(closed_kpis)
    assert kpi_table(again_kpis) == kpi_table(closed_kpis)


def test_a_period_with_no_payee(q1):
    engine, _ = q1
    kpis = period_kpis(engine, "2026-03")  # a month: the plan is paid quarterly
    document = kpi_document(kpis)
    assert document["payees"] == [] and document["teams"] == []
    org = document["organisation"]
    assert org["share_at_or_above_quota"] is None and org["leaderboard"] == []
    assert [b["payees"] for b in org["bands"]] == [0, 0, 0, 0]
    assert "No payee in this period" in kpi_html(kpis)
    assert "(no payee in this period)" in kpi_table(kpis)


def test_html_is_escaped_self_contained_and_shows_the_figures(q1):
    _, kpis = q1
    html = kpi_html(kpis)
    assert "<b>O'Brien" not in html
    assert "&lt;b&gt;O&#39;Brien &amp; Co&lt;/b&gt;" in html
    assert re.findall(r"https?://[^\s\"'<>]+", html) == \
        ["http://www.w3.org/2000/svg"] * html.count("<svg")
    assert html.count("<svg") == 2  # the bands and the leaderboard
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "Draft: 2026-Q1 is not closed" in html
    assert "21,500.00 USD" in html  # mgr-1's team
    assert "37,322.00 USD" in html  # the organisation's payout
    assert "197.50%" in html  # rep-1's payout over target incentive (one format: 2 places)
    assert "93.33%" in html  # mgr-1's reports' attainment
    assert "<td>Ravi, Rosa</td>" in html  # mgr-1's reports, by name
    # both plans are quarterly: the page says it holds them and no plan is elsewhere
    assert "the plans paid by the quarter: test-ae, test-flat.</p>" in html


def test_text_tables(q1):
    _, kpis = q1
    text = kpi_table(kpis)
    assert text.startswith("KPIs 2026-Q1 (draft: the period is not closed)\n")
    rep1 = next(line for line in text.splitlines() if line.startswith("rep-1 "))
    assert re.search(r"bookings\s+125.00%\s+19,750.00\s+197.50%\s+280,000.00\s+7.05%\s+4\s+"
                     r"70,000.00\s+2$", rep1)
    team = next(line for line in text.splitlines() if line.startswith("mgr-1 "))
    assert "<b>O'Brien & Co</b>" in team and "21,500.00 USD" in team and "93.33%" in team
    assert "at or above quota: 2 of 5 (40.00%)" in text
    bands = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1]
             for line in text.splitlines()
             if line.startswith(("below 50%", "50-100%", "100-150%", "150% and above"))}
    assert bands == {"below 50%": "2", "50-100%": "1", "100-150%": "1",
                     "150% and above": "1"}
