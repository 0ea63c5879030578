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
