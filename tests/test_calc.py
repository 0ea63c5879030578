"""`icm calc` end to end: a small plan and ledger in the test, the payout worked out by hand.

No close has been recorded in these ledgers, so earned(P) is everything earned to date and
the payout equals it (nothing was paid before to settle against).
"""
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main

PLAN = textwrap.dedent("""\
    plan: test-ae
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: annual
    measures:
      bookings: sum(credit.amount where deal.type != "renewal")
      new_logos: count(where deal.type == "new")
    components:
      - id: commission
        type: commission
        measure: bookings
        tiers:
          method: marginal
          table:
            - {from: 0%, rate: 5%}
            - {from: 100%, rate: 10%}
      - id: logo
        type: spiff
        when: deal.type == "new" and deal.amount >= 50000 USD
        amount: 500 USD * credit.share
      - id: club
        type: bonus
        when: attainment.bookings >= 100%
        amount: 10% * target_incentive
    """)

FILES = {
    "payees": "id,name\nrep-1,Ravi\nrep-2,Rosa\n",
    "assignments": "payee_id,plan,effective_from,target_incentive\n"
                   "rep-1,test-ae,2026-01-01,40000.00\nrep-2,test-ae,2026-01-01,20000.00\n",
    "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026,200000.00\n"
              "rep-2,bookings,2026,100000.00\n",
    "deals": "id,date,owner_id,amount,currency,type\n"
             "D-1,2026-01-10,rep-1,120000.00,USD,new\n"
             "D-2,2026-02-15,rep-1,100000.00,USD,expansion\n"
             "D-3,2026-03-01,rep-1,30000.00,USD,renewal\n"
             "D-4,2026-03-20,rep-1,60000.00,USD,new\n"
             "D-5,2026-04-02,rep-2,10000.00,USD,expansion\n",
    "credits": "deal_id,payee_id,share\nD-4,rep-1,50%\nD-4,rep-2,50%\n",
}


def icm(*args, db):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def build(tmp_path, db, plan_text=PLAN):
    plan = tmp_path / "test-ae.yaml"
    plan.write_text(plan_text)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, FILES)


def import_files(tmp_path, db, files: dict[str, str], prefix: str = ""):
    """Write each kind's CSV text to a file and import it, in the order given."""
    for kind, text in files.items():
        path = tmp_path / f"{prefix}{kind}.csv"
        path.write_text(text)
        icm("import", kind, str(path), db=db)


def plan_file(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def plan_ledger(tmp_path, db, plan: str, files: dict[str, str], prefix: str = ""):
    """The ledger at ``db`` with ``plan`` registered and ``files`` (kind -> CSV) imported;
    ``prefix`` names the files, so a test can add a second plan and files beside the
    first."""
    icm("plans", "add", str(plan_file(tmp_path, plan, f"{prefix}plan.yaml")), db=db)
    import_files(tmp_path, db, files, prefix)


def calc(period, db):
    return json.loads(icm("calc", "--period", period, "--json", db=db).stdout)


def payee(document, payee_id):
    return next(p for p in document["payees"] if p["payee"] == payee_id)


def test_q1_marginal_tiers_spiff_split_and_bonus(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    document = calc("2026-Q1", ledger_url)
    assert [p["payee"] for p in document["payees"]] == ["rep-1", "rep-2"]
    rep1 = payee(document, "rep-1")
    # bookings (renewals excluded): 120,000 + 100,000 + half of 60,000 = 250,000 against the
    # annual quota of 200,000 -> attainment 1.25
    assert rep1["attainment"] == {"bookings": "1.2500"}
    # commission, marginal at 5% to 200,000 and 10% above, deals in date order:
    #   D-1 120,000 at 5%                                  =  6,000.00
    #   D-2 100,000 straddles: 80,000 at 5% + 20,000 at 10% =  4,000 + 2,000 = 6,000.00
    #   D-4  30,000 (rep-1's half) at 10%                   =  3,000.00
    # logo SPIFF: D-1 500 x 100%, D-4 500 x 50%             =    750.00
    # club: attainment >= 100%, 10% of the 40,000 annual TI =  4,000.00
    assert rep1["components"] == {
        "commission": {"earned_to_date": "15000.00", "held": "0.00", "payout": "15000.00"},
        "logo": {"earned_to_date": "750.00", "held": "0.00", "payout": "750.00"},
        "club": {"earned_to_date": "4000.00", "held": "0.00", "payout": "4000.00"}}
    assert rep1["earned_to_date"] == rep1["payout"] == "19750.00"
    straddle = next(line for line in rep1["lines"] if line["deal"] == "D-2")
    assert straddle["rate"] is None
    assert straddle["slices"] == [{"base": "80000.00", "rate": "0.05", "from": "0"},
                                  {"base": "20000.00", "rate": "0.1", "from": "1"}]
    assert straddle["amount"] == "6000.00"
    assert straddle["text"] == (
        "Deal D-2 on 2026-02-15, base 100,000.00 USD: 80,000.00 USD at 5% (tier from 0% of "
        "quota), 20,000.00 USD at 10% (tier from 100% of quota) = 6,000.00 USD.")
    assert [(line["component"], line["deal"], line["amount"]) for line in rep1["lines"]] == [
        ("commission", "D-1", "6000.00"), ("commission", "D-2", "6000.00"),
        ("commission", "D-4", "3000.00"), ("logo", "D-1", "500.00"),
        ("logo", "D-4", "250.00"), ("club", None, "4000.00")]
    # rep-2: 30,000 of D-4 at 5% = 1,500 and a 250 SPIFF; attainment 0.3, no club.
    # D-5 is dated in Q2.
    rep2 = payee(document, "rep-2")
    assert rep2["attainment"] == {"bookings": "0.3000"}
    assert rep2["payout"] == "1750.00"
    # every statement foots: its lines add up to its payout
    for entry in document["payees"]:
        cents = sum(round(float(line["amount"]) * 100) for line in entry["lines"])
        assert cents == round(float(entry["payout"]) * 100)


def test_a_component_cap_and_a_payout_curve(tmp_path, ledger_url):
    plan = PLAN.replace("        - {from: 100%, rate: 10%}\n",
                        "        - {from: 100%, rate: 10%}\n"
                        "    cap: 25% * target_incentive\n")
    assert "cap: 25%" in plan
    plan += textwrap.indent(textwrap.dedent("""\
        - id: curve
          type: payout_curve
          attainment: attainment.bookings
          curve: [[0%, 0%], [50%, 25%], [100%, 100%], [150%, 200%]]
          weight: 50%
        """), "  ")
    build(tmp_path, ledger_url, plan)
    rep1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    # commission 15,000 capped at 25% of 40,000 = 10,000: a cap line of -5,000
    assert rep1["components"]["commission"]["payout"] == "10000.00"
    cap_line = next(line for line in rep1["lines"] if line["kind"] == "cap")
    assert cap_line["amount"] == "-5000.00"
    # curve at 125% attainment: between (100%, 100%) and (150%, 200%) -> 150%;
    # 40,000 x 50% weight x 150% = 30,000
    assert rep1["components"]["curve"]["payout"] == "30000.00"
    # 10,000 + 750 + 4,000 + 30,000
    assert rep1["payout"] == "44750.00"


def amount_tiers_rep3(tmp_path, ledger_url, tiers: str, first: str, second: str, amounts):
    """The plan's commission on amount tiers (``tiers``: the keys above the table; ``first``
    and ``second``: the two table rows), and rep-3 alone with two deals of ``amounts`` in
    January and February: rep-3's Q1 lines."""
    plan = PLAN[:PLAN.index("  - id: logo")].replace(
        "      method: marginal\n", tiers).replace(
        "{from: 0%, rate: 5%}", first).replace("{from: 100%, rate: 10%}", second)
    assert tiers in plan and first in plan and second in plan
    build(tmp_path, ledger_url, plan)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-3,Rui\n",
        "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nrep-3,bookings,2026,100000.00\n",
        "deals": "id,date,owner_id,amount,currency,type\n"
                 f"D-8,2026-01-10,rep-3,{amounts[0]},USD,expansion\n"
                 f"D-9,2026-02-15,rep-3,{amounts[1]},USD,expansion\n"}, prefix="extra-")
    return payee(calc("2026-Q1", ledger_url), "rep-3")["lines"]


@pytest.mark.parametrize("method, lines", [("landing", ["20.00", "100.00"]),
                                           ("marginal", ["20.00", "70.00"]),
                                           ("retroactive", ["50.00", "100.00"])])
def test_landing_tiers_pay_each_row_whole_at_the_tier_it_lands_in(
        tmp_path, ledger_url, method, lines):
    """PLAN_LANGUAGE 7.1's example: tiers from 0 at 4% and from 1,000 at 10%; rows of 500
    then 1,000. Landing: 500 lands at 500 (4%) = 20.00, 1,000 lands at 1,500 (10%) = 100.00.
    Marginal splits the second row: 500 at 4% + 500 at 10% = 70.00. Retroactive pays both
    at 10%, the tier the total of 1,500 reaches."""
    found = amount_tiers_rep3(tmp_path, ledger_url,
                              f"      basis: amount\n      method: {method}\n",
                              "{from: 0 USD, rate: 4%}", "{from: 1000 USD, rate: 10%}",
                              ("500.00", "1000.00"))
    assert [line["amount"] for line in found] == lines


def test_per_deal_tiers_start_each_row_from_zero_with_a_floor(tmp_path, ledger_url):
    """PLAN_LANGUAGE 7.1's example: 1% to 300,000, 0.5% above, `min: 1000 USD`. Each row is
    its own total: 50,000 earns 500.00, raised to the 1,000.00 floor; 400,000 earns
    300,000 at 1% + 100,000 at 0.5% = 3,500.00 whatever came before it."""
    found = amount_tiers_rep3(
        tmp_path, ledger_url, "      basis: amount\n      method: per_deal\n      min: 1000 USD\n",
        "{from: 0 USD, rate: 1%}", "{from: 300000 USD, rate: 0.5%}", ("50000.00", "400000.00"))
    assert [(line["amount"], line["text"]) for line in found] == [
        ("1000.00", "Deal D-8 on 2026-01-10: base 50,000.00 USD earns 500.00 USD at its "
                    "tiers, raised to the minimum of 1,000.00 USD."),
        ("3500.00", "Deal D-9 on 2026-02-15, base 400,000.00 USD: 300,000.00 USD at 1% (tier "
                    "from 0.00 USD), 100,000.00 USD at 0.5% (tier from 300,000.00 USD) = "
                    "3,500.00 USD.")]


@pytest.mark.parametrize("deals, lines", [
    # one deal of 560,000: 112% reaches the 110% tier, paid on the part above 79% of
    # 500,000 (395,000): 20% x 165,000 = 33,000.00
    (["D-8,2026-01-10,rep-3,560000.00,USD,expansion"], [("D-8", "33000.00")]),
    # the same total in two deals: the first (300,000) lies wholly below 395,000 and earns
    # nothing; the second's slice above it is 165,000 at 20%
    (["D-8,2026-01-10,rep-3,300000.00,USD,expansion",
      "D-9,2026-02-15,rep-3,260000.00,USD,expansion"], [("D-9", "33000.00")])])
def test_retroactive_tiers_above_pay_only_the_part_above(tmp_path, ledger_url, deals, lines):
    """PLAN_LANGUAGE 7.1's example: quota 500,000, `above: 79%`, tiers 80%: 10% and 110%:
    20%; 560,000 booked pays 20% x 165,000 = 33,000.00."""
    plan = PLAN[:PLAN.index("  - id: logo")].replace(
        "      method: marginal\n", "      method: retroactive\n      above: 79%\n").replace(
        "        - {from: 0%, rate: 5%}\n        - {from: 100%, rate: 10%}\n",
        "        - {from: 0%, rate: 0%}\n        - {from: 80%, rate: 10%}\n"
        "        - {from: 110%, rate: 20%}\n")
    assert "above: 79%" in plan and "{from: 110%, rate: 20%}" in plan
    build(tmp_path, ledger_url, plan)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nrep-3,Rui\n",
        "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nrep-3,bookings,2026,500000.00\n",
        "deals": "id,date,owner_id,amount,currency,type\n" + "\n".join(deals) + "\n"},
        prefix="extra-")
    found = payee(calc("2026-Q1", ledger_url), "rep-3")["lines"]
    assert [(line["deal"], line["amount"]) for line in found] == lines
    assert found[-1]["text"].endswith(": 165,000.00 USD at 20% (tier from 110% of quota) = "
                                      "33,000.00 USD.")


def test_landing_tiers_on_attainment_name_the_tier_each_deal_landed_in(tmp_path, ledger_url):
    build(tmp_path, ledger_url, PLAN.replace("method: marginal", "method: landing"))
    rep1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    # rep-1's quota is 200,000: D-1 lands at 120,000 (5%) = 6,000.00; D-2 at 220,000, past
    # 100% (10%) = 10,000.00; rep-1's half of D-4 at 250,000 (10%) = 3,000.00. 19,000.00
    # lies between marginal (15,000.00) and retroactive (25,000.00).
    commission = [line for line in rep1["lines"] if line["component"] == "commission"]
    assert [(line["deal"], line["amount"]) for line in commission] == [
        ("D-1", "6000.00"), ("D-2", "10000.00"), ("D-4", "3000.00")]
    assert commission[1]["text"] == (
        "Deal D-2 on 2026-02-15, base 100,000.00 USD: 100,000.00 USD at 10% (tier from 100% "
        "of quota) = 10,000.00 USD.")
    assert rep1["components"]["commission"]["payout"] == "19000.00"


@pytest.mark.parametrize("interpolate, rep1_payout, rep1_curve", [
    ("step_after", "10000.00", "50% (the band above 100.00%) = 10,000.00 USD."),
    ("step", "16000.00", "80% = 16,000.00 USD.")])
def test_a_step_after_curve_pays_the_band_that_ends_at_the_attainment(
        tmp_path, ledger_url, interpolate, rep1_payout, rep1_curve):
    """Bands "above 100% to 125%" (PLAN_LANGUAGE 7.6): rep-1 books 250,000 of a 200,000
    quota in Q1, exactly 125%, the top of the band above 100%; rep-2 books 30,000 of
    100,000, exactly the first point. Weight 50% of the target incentive."""
    plan = PLAN[:PLAN.index("  - id: club")] + textwrap.indent(textwrap.dedent(f"""\
        - id: curve
          type: payout_curve
          attainment: attainment.bookings
          curve: [[30%, 10%], [100%, 50%], [125%, 80%], [150%, 100%]]
          weight: 50%
          interpolate: {interpolate}
        """), "  ")
    build(tmp_path, ledger_url, plan)
    document = calc("2026-Q1", ledger_url)
    rep1, rep2 = payee(document, "rep-1"), payee(document, "rep-2")
    # step_after: 125% is still in the band above 100%: 40,000 x 50% x 50% = 10,000.00;
    # step: the point at 125% applies from 125% on: 40,000 x 50% x 80% = 16,000.00
    assert rep1["components"]["curve"]["payout"] == rep1_payout
    # at the first point both pay its value: 20,000 x 50% x 10% = 1,000.00
    assert rep2["components"]["curve"]["payout"] == "1000.00"
    curve_line = next(line for line in rep1["lines"] if line["component"] == "curve")
    assert curve_line["text"] == ("curve: target incentive 40,000.00 USD x weight 50% x the "
                                  f"curve at 125.00% attainment, {rep1_curve}")


def test_a_capped_bonus_keeps_its_cap_line_apart_from_the_bonus(tmp_path, ledger_url):
    plan = PLAN.replace("    amount: 10% * target_incentive\n",
                        "    amount: 10% * target_incentive\n    cap: 3000 USD\n")
    assert "cap: 3000 USD" in plan
    build(tmp_path, ledger_url, plan)
    rep1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    # club earns 10% of 40,000 = 4,000.00; the cap pays 3,000.00, so a cap line of -1,000.00
    assert [(l["kind"], l["component"], l["amount"]) for l in rep1["lines"]
            if l["component"] == "club"] == [("component", "club", "4000.00"),
                                             ("cap", "club", "-1000.00")]
    assert rep1["lines"][-1]["text"] == (
        "Cap on club: earnings above 3,000.00 USD are not paid (-1,000.00 USD).")
    assert rep1["components"]["club"] == {"earned_to_date": "3000.00", "held": "0.00", "payout": "3000.00"}


def test_a_payee_with_a_zero_quota_earns_no_tiered_commission(tmp_path, ledger_url):
    plan = PLAN[:PLAN.index("  - id: club")]
    build(tmp_path, ledger_url, plan)
    extra = {"payees": "id,name\nrep-3,Rui\n",
             "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n",
             "quotas": "payee_id,measure,period,amount\nrep-3,bookings,2026,0\n",
             "deals": "id,date,owner_id,amount,currency,type\n"
                      "D-7,2026-02-01,rep-3,50000.00,USD,expansion\n"}
    import_files(tmp_path, ledger_url, extra, prefix="extra-")
    document = calc("2026-Q1", ledger_url)
    # rep-3's bookings quota is zero: its attainment tiers have no size, so D-7 earns
    # nothing, with a line that says so (PLAN_LANGUAGE.md 7.6)
    rep3 = payee(document, "rep-3")
    assert rep3["payout"] == "0.00"
    assert [(line["deal"], line["amount"], line["text"]) for line in rep3["lines"]] == [
        ("D-7", "0.00", "Deal D-7 on 2026-02-01: zero quota for bookings: no attainment, so "
                        "it earns nothing in this window.")]
    # beside it, rep-1's lines read as before: 120,000 at 5% = 6,000.00
    rep1 = payee(document, "rep-1")
    assert rep1["lines"][0]["text"] == (
        "Deal D-1 on 2026-01-10, base 120,000.00 USD: 120,000.00 USD at 5% (tier from 0% of "
        "quota) = 6,000.00 USD.")
    assert rep1["payout"] == "15750.00"  # 15,000 commission + 750 logo SPIFF


def test_every_missing_quota_is_named_in_one_run(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    extra = {"payees": "id,name\nrep-3,Rui\nrep-4,Rita\n",
             # rep-4 joins on 2026-04-01: Q1 is not hers to carry
             "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n"
                            "rep-4,test-ae,2026-04-01\n",
             "quotas": "payee_id,measure,period,amount\nrep-4,bookings,2026-Q3,50000.00\n"}
    import_files(tmp_path, ledger_url, extra, prefix="extra-")
    heading = ("Error: no quota row covers these payout periods, which an assignment covers; "
               "import their quotas with `icm import quotas`:\n")
    rep3 = "  payee rep-3, measure bookings: 2026-Q1, 2026-Q2, 2026-Q3, 2026-Q4 (plan test-ae)\n"
    # the plan's window is annual: every quarter an assignment covers needs a row, for each
    # payee in the window; in Q1 rep-4 is not in it yet, so her gaps do not stop Q1's pay
    q1 = CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--db", ledger_url])
    assert (q1.exit_code, q1.output) == (1, heading + rep3)
    q2 = CliRunner().invoke(main, ["calc", "--period", "2026-Q2", "--db", ledger_url])
    assert (q2.exit_code, q2.output) == (1, heading + rep3 + (
        "  payee rep-4, measure bookings: 2026-Q2, 2026-Q4 (plan test-ae)\n"))


def test_a_total_beyond_64_bit_minor_units_is_an_error_not_a_wrap(tmp_path, ledger_url):
    # each SPIFF is 50,000,000,000,000,000.00 USD = 5 x 10^18 cents, which fits in int64
    # (about 9.22 x 10^18); D-1 and D-2 are new deals of 50,000 or more, so rep-1's two
    # SPIFFs total 10^19 cents, which does not
    plan = PLAN.replace("amount: 500 USD * credit.share", "amount: 50000000000000000 USD")
    assert "50000000000000000 USD" in plan
    build(tmp_path, ledger_url, plan)
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--json",
                                       "--db", ledger_url])
    assert result.exit_code == 1
    assert "does not fit in 64-bit minor units" in result.output
    assert result.stdout == ""


def test_q2_with_no_close_recorded_pays_everything_earned_to_date(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    rep2 = payee(calc("2026-Q2", ledger_url), "rep-2")
    # D-4's 30,000 and D-5's 10,000 = 40,000 at 5% = 2,000, plus the 250 SPIFF
    assert rep2["components"]["commission"]["earned_to_date"] == "2000.00"
    assert rep2["payout"] == "2250.00"


def test_calc_output_is_byte_identical_run_to_run(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    first = icm("calc", "--period", "2026-Q1", "--json", db=ledger_url).stdout
    assert icm("calc", "--period", "2026-Q1", "--json", db=ledger_url).stdout == first


def test_a_month_period_touches_no_quarterly_plan(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    assert calc("2026-03", ledger_url) == {"period": "2026-03", "payees": []}


@pytest.mark.parametrize("period", ["2026-Q5", "Q1", "2026-13"])
def test_a_bad_period_is_a_usage_error(tmp_path, ledger_url, period):
    result = CliRunner().invoke(main, ["calc", "--period", period, "--db", ledger_url])
    assert result.exit_code == 2 and "is not a period" in result.output


def test_a_formula_reads_what_an_earlier_component_earned(tmp_path, ledger_url):
    plan = PLAN + textwrap.indent(textwrap.dedent("""\
        - id: kicker
          type: formula
          amount: 10% * earned.commission
        """), "  ")
    build(tmp_path, ledger_url, plan)
    rep1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    # 10% of rep-1's 15,000.00 commission
    assert rep1["components"]["kicker"]["payout"] == "1500.00"


def test_a_deal_in_another_currency_needs_a_rate_only_when_a_plan_uses_it(tmp_path,
                                                                          ledger_url):
    build(tmp_path, ledger_url)
    deals = tmp_path / "eur.csv"
    # owned by a payee on no plan: the USD plan never reads it, so no EUR rate is needed
    deals.write_text("id,date,owner_id,amount,currency\nE-1,2026-02-01,rep-3,100.00,EUR\n")
    payees = tmp_path / "more-payees.csv"
    payees.write_text("id,name\nrep-3,Rui\n")
    icm("import", "payees", str(payees), db=ledger_url)
    icm("import", "deals", str(deals), db=ledger_url)
    assert payee(calc("2026-Q1", ledger_url), "rep-1")["payout"] == "19750.00"
    # credited to rep-1, it needs one, and the error names the pair, the date and the deal
    credits = tmp_path / "eur-credits.csv"
    credits.write_text("deal_id,payee_id,share\nE-1,rep-1,100%\n")
    icm("import", "credits", str(credits), db=ledger_url)
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--db", ledger_url])
    assert result.exit_code == 1
    assert "no FX rate from EUR to USD on or before 2026-02-01 (deal E-1)" in result.output


def test_a_cap_that_fails_for_one_payee_names_that_payee(tmp_path, ledger_url):
    """Caps are judged for every payee at once; where one payee's cannot be (here a division
    by its zero quota), every payee is judged one by one, and the error names that payee."""
    plan = PLAN.replace("        - {from: 100%, rate: 10%}\n",
                        "        - {from: 100%, rate: 10%}\n"
                        "    cap: target_incentive * (bookings / quota.bookings)\n")
    assert "cap:" in plan
    build(tmp_path, ledger_url, plan)
    extra = {"payees": "id,name\nrep-3,Rui\n",
             "assignments": "payee_id,plan,effective_from\nrep-3,test-ae,2026-01-01\n",
             "quotas": "payee_id,measure,period,amount\nrep-3,bookings,2026,0\n"}
    import_files(tmp_path, ledger_url, extra, prefix="extra-")
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--db", ledger_url])
    assert result.exit_code == 1
    assert result.output.endswith("division by zero (payee rep-3, period 2026-Q1)\n"), \
        result.output


def test_a_bonus_line_shows_each_figure_it_read(tmp_path, ledger_url):
    """The club bonus of the first test, said with its figures: rep-1's attainment is
    250,000 / 200,000 = 125% and the target incentive of the annual window 40,000.00."""
    build(tmp_path, ledger_url)
    club = next(line for line in payee(calc("2026-Q1", ledger_url), "rep-1")["lines"]
                if line["component"] == "club")
    # in words, each name with its figure: no plan-language syntax on a statement
    assert club["text"] == ("club: bookings attainment (125.00%) reached the 100% needed, "
                            "so 10% of the target incentive (40,000.00 USD) = 4,000.00 USD.")
