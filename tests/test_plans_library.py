"""Every plan shipped in plans/ checks clean, and the reference plans say what their comments say."""
from fractions import Fraction
from pathlib import Path

import pytest

from rules_dsl import load_plan, load_plans

ROOT = Path(__file__).parent.parent
PLANS = sorted((ROOT / "plans").glob("*.yaml"))


def test_the_library_has_the_six_reference_plans():
    names = {path.stem for path in PLANS}
    assert {"flat-commission", "enterprise-ae", "sdr", "sales-manager-override",
            "target-incentive-curve", "new-hire-ramp"} <= names


@pytest.mark.parametrize("path", PLANS, ids=lambda path: path.name)
def test_every_shipped_plan_checks_clean(path):
    plan, errors = load_plan(path)
    assert errors == []
    assert plan.id == path.stem  # the file is named after the plan it holds


def test_no_two_files_define_one_plan_version():
    plans, errors = load_plans(PLANS)
    assert errors == []
    assert len({plan.key for plan in plans}) == len(PLANS)


def test_enterprise_ae_marginal_accelerators():
    plan, _ = load_plan(ROOT / "plans" / "enterprise-ae.yaml")
    assert (plan.payout_period, plan.attainment_window) == ("quarter", "annual")
    commission = plan.components[0]
    assert commission.tiers.method == "marginal" and commission.tiers.basis == "attainment"
    assert [tier.start for tier in commission.tiers.table] == [0, 1, Fraction(3, 2)]
    assert [tier.rate.text for tier in commission.tiers.table] == ["8%", "12%", "16%"]
    assert plan.clawback_within_days == 180
    assert [c.type for c in plan.components] == ["commission", "spiff", "bonus"]


def test_new_hire_plan_has_a_recoverable_draw():
    plan, _ = load_plan(ROOT / "plans" / "new-hire-ramp.yaml")
    assert plan.draw.recoverable is True
    assert plan.draw.amount > 0 and plan.proration == "days"


def test_target_incentive_curve_plan_weights_two_measures():
    plan, _ = load_plan(ROOT / "plans" / "target-incentive-curve.yaml")
    curves = [c for c in plan.components if c.type == "payout_curve"]
    assert len(curves) == 2
    assert {c.interpolate for c in curves} == {"linear", "step"}


def test_override_plan_overrides_the_team():
    plan, _ = load_plan(ROOT / "plans" / "sales-manager-override.yaml")
    assert any(c.type == "override" and c.team in ("direct", "all") for c in plan.components)


# -- the reference plans of PLAN_LANGUAGE.md 7.4, through the command line -------------------

def _ledger(tmp_path, db, plan_name, files):
    from tests.test_calc import icm, import_files
    icm("plans", "add", str(ROOT / "plans" / plan_name), db=db)
    import_files(tmp_path, db, files)


EXECUTIVES = {
    "payees": "id,name\nceo,Cleo\ncfo,Finn\ncoo,Opal\n",
    "assignments": "payee_id,plan,effective_from,target_incentive,revenue_target,ebitda_floor\n"
                   "ceo,executive-bonus,2026-01-01,100000.00,10000000.00,1500000.00\n"
                   "cfo,executive-bonus,2026-01-01,80000.00,12000000.00,1500000.00\n"
                   "coo,executive-bonus,2026-01-01,50000.00,14000000.00,1500000.00\n",
    "metrics": "metric,period,value,currency\n"
               "revenue,2026-Q1,2400000.00,USD\n"
               "revenue,2026-Q2,2600000.00,USD\n"
               "revenue,2026-Q3,2500000.00,USD\n"
               "revenue,2026-Q4,3000000.00,USD\n"
               "ebitda,2026,1800000.00,USD\n",
}


def test_executive_bonus_pays_the_curve_at_company_revenue_gated_on_ebitda(tmp_path,
                                                                            ledger_url):
    from tests.test_calc import calc, import_files
    _ledger(tmp_path, ledger_url, "executive-bonus.yaml", EXECUTIVES)
    document = calc("2026", ledger_url)
    # revenue 2,400,000 + 2,600,000 + 2,500,000 + 3,000,000 = 10,500,000; EBITDA 1,800,000
    # is above every floor of 1,500,000, so the gate is open.
    #   ceo: 10.5M / 10M = 105%: 100% + (105 - 100) / (120 - 100) x (200% - 100%) = 125%;
    #        100,000 x 125% = 125,000.00
    #   cfo: 10.5M / 12M = 87.5%: 50% + (87.5 - 80) / (100 - 80) x (100% - 50%) = 68.75%;
    #        80,000 x 68.75% = 55,000.00
    #   coo: 10.5M / 14M = 75%, below the 80% start: 0
    assert [(p["payee"], p["payout"]) for p in document["payees"]] == [
        ("ceo", "125000.00"), ("cfo", "55000.00"), ("coo", "0.00")]
    # a year whose EBITDA (1,400,000) is below the floor pays no one
    import_files(tmp_path, ledger_url, {"metrics": "metric,period,value,currency\n"
                                                   "ebitda,2026,1400000.00,USD\n"},
                 prefix="restated-")
    document = calc("2026", ledger_url)
    assert [p["payout"] for p in document["payees"]] == ["0.00", "0.00", "0.00"]


CONTESTANTS = {
    "payees": "id,name\nr1,Ada\nr2,Ben\nr3,Cat\nr4,Dev\n",
    "assignments": "payee_id,plan,effective_from\n" + "".join(
        f"r{i},new-logo-contest,2026-01-01\n" for i in range(1, 5)),
    "deals": "id,date,owner_id,amount,currency,type\n"
             "D1,2026-01-05,r1,100.00,USD,new\n"
             "D2,2026-01-06,r1,100.00,USD,new\n"
             "D3,2026-02-07,r1,100.00,USD,new\n"
             "D4,2026-01-08,r2,100.00,USD,new\n"
             "D5,2026-02-09,r2,100.00,USD,new\n"
             "D6,2026-03-10,r2,100.00,USD,new\n"
             "D7,2026-03-11,r3,100.00,USD,new\n"
             "D8,2026-03-12,r4,100.00,USD,new\n"
             "D9,2026-03-13,r4,100.00,USD,renewal\n"
             "D10,2026-04-02,r3,100.00,USD,new\n"
             "D11,2026-04-03,r3,100.00,USD,new\n"
             "D12,2026-05-04,r3,100.00,USD,new\n"
             "D13,2026-06-05,r1,100.00,USD,new\n",
    "credits": "deal_id,payee_id,share,overlay\n"
               "D6,r2,50%,\nD6,r3,50%,\n"
               "D8,r1,100%,true\n",
}


def test_new_logo_contest_pays_the_top_ranked_reps_each_quarter(tmp_path, ledger_url):
    from tests.test_calc import calc, icm, payee
    _ledger(tmp_path, ledger_url, "new-logo-contest.yaml", CONTESTANTS)
    document = calc("2026-Q1", ledger_url)
    # Q1 new logos: r1 D1, D2, D3 = 3 (its overlay credit on D8 is not its own logo);
    # r2 D4, D5 and half of D6 = 3; r3 half of D6 and D7 = 2; r4 D8 = 1 (D9 is a renewal).
    # Ranks 1, 1, 3, 4: r1 and r2 tie at the top with at least 3 and each win 2,500.00.
    assert [(p["payee"], p["payout"]) for p in document["payees"]] == [
        ("r1", "2500.00"), ("r2", "2500.00"), ("r3", "0.00"), ("r4", "0.00")]
    assert payee(document, "r2")["lines"][0]["text"] == (
        "contest-prize: ranked 1 of 4 payees by New logos from 2026-01-01 to 2026-03-31; "
        "the rank by New logos is 1 and New logos (3) reached the 3 needed, so 2,500.00 USD.")
    icm("close", "--period", "2026-Q1", db=ledger_url)
    document = calc("2026-Q2", ledger_url)
    # Q2 is judged on its own deals: r3 D10, D11, D12 = 3 and r1 D13 = 1: r3 alone wins;
    # Q1's prizes were paid at its close and stay as they were.
    assert [(p["payee"], p["payout"]) for p in document["payees"]] == [
        ("r1", "0.00"), ("r2", "0.00"), ("r3", "2500.00"), ("r4", "0.00")]
