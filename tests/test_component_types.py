"""Component types live in one registry (rules_dsl/components): a new type is one module and
one entry, and the loader, the linter and the engine find it there; a type the registry does
not list is refused when the plan loads, and the engine never runs it as another."""
import dataclasses
import datetime
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from engine.earnings import CalculationError, Window, earn
from engine.payee_table import PayeeTable
from rules_dsl import load_plan_text, plan_warnings
from rules_dsl.components import registry
from rules_dsl.components.contract import ComponentType
from rules_dsl.errors import warning_at
from rules_dsl.money import round_fraction
from rules_dsl.plan import Component, Expression
from rules_dsl.types import Type
from tests.test_calc import FILES, PLAN, calc, icm, import_files, payee
from tests.test_versions import V1


# -- a test-only type: manager-scored objectives, a share of the target incentive -----------

@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Mbo(Component):
    score: Expression | None = None

    def body_expressions(self):
        return (self.score,)


def read_mbo(body, common):
    score = body.reader.expression(body.keys["score"], body.payee, (Type.NUMBER,),
                                   "the score") if "score" in body.keys else None
    return Mbo(**common, score=score)


def earn_mbo(component, context):
    def amount_and_note(payee_id):
        score = Fraction(context.scalar(component.score, payee_id))
        target = int(context.value("target_incentive", payee_id))
        return (round_fraction(target * score, context.rounding),
                f"objectives scored {component.score.text}")
    return context.payee_lines(component, amount_and_note)


def mbo_warnings(plan, component):
    if component.score.text == "150%":
        yield warning_at(component.score.source, "a score above 100%")


MBO = ComponentType("mbo", ("score",), ("score",), read_mbo, earn_mbo, mbo_warnings)
MBO_COMPONENT = """\
  - id: objectives
    type: mbo
    score: 25%
"""


@pytest.fixture
def mbo(monkeypatch):
    monkeypatch.setitem(registry.TYPES, "mbo", MBO)


def test_a_type_registered_in_one_place_loads_lints_and_earns_end_to_end(
        mbo, tmp_path, ledger_url):
    plan_text = PLAN + MBO_COMPONENT
    plan, errors = load_plan_text(plan_text, "plan.yaml")
    assert errors == [] and isinstance(plan.components[-1], Mbo)
    assert plan.components[-1].score in list(plan.expressions())
    warned = load_plan_text(plan_text.replace("score: 25%", "score: 150%"), "p.yaml")[0]
    assert "a score above 100%" in [w.message for w in plan_warnings([warned])]
    assert "a score above 100%" not in [w.message for w in plan_warnings([plan])]
    (tmp_path / "test-ae.yaml").write_text(plan_text)
    icm("plans", "add", str(tmp_path / "test-ae.yaml"), db=ledger_url)
    import_files(tmp_path, ledger_url, FILES)
    document = calc("2026-Q1", ledger_url)
    # 25% of the annual target incentive: 40,000 -> 10,000; 20,000 -> 5,000; the other
    # components as test_calc worked them out (19,750 and 1,750)
    rep1, rep2 = payee(document, "rep-1"), payee(document, "rep-2")
    assert rep1["components"]["objectives"] == {"earned_to_date": "10000.00",
                                                "held": "0.00", "payout": "10000.00"}
    assert (rep1["payout"], rep2["payout"]) == ("29750.00", "6750.00")
    line = next(line for line in rep1["lines"] if line["component"] == "objectives")
    assert "objectives scored 25%" in line["text"]


def test_the_keys_of_a_registered_type_are_checked_like_the_built_in_ones(mbo):
    _, errors = load_plan_text(PLAN + MBO_COMPONENT.replace("score: 25%", "rate: 5%"),
                               "plan.yaml")
    assert [(e.line, e.col, e.message) for e in errors] == [
        (27, 5, "a mbo component needs `score:`"),
        (29, 5, "`rate` does not apply to a mbo component; it takes score, title, threshold, "
                "cap, window")]


def test_an_unregistered_type_is_refused_at_load_at_its_line_and_column():
    plan, errors = load_plan_text(PLAN + MBO_COMPONENT, "plan.yaml")
    assert plan is None
    assert [(e.file, e.line, e.col, e.message) for e in errors] == [
        ("plan.yaml", 28, 11, "`type` is one of commission, payout_curve, bonus, spiff, "
                              "override, formula, not 'mbo'"),
        ("plan.yaml", 29, 5, "unknown key `score` in the component; did you mean `curve`?")]


def test_the_engine_refuses_a_type_it_is_somehow_given_instead_of_running_another():
    plan, _ = load_plan_text(PLAN, "plan.yaml")
    stray = Component(id="stray", type="mbo", source=plan.components[0].source)
    plan = dataclasses.replace(plan, components=(stray,))
    rows = pd.DataFrame({"deal_id": ["D-1"], "date": np.array(["2026-01-10"],
                                                                dtype="datetime64[s]"),
                         "payee_id": ["rep-1"], "seq": np.ones(1, dtype=np.int64),
                         "credit_amount": np.array([100], dtype=np.int64),
                         "amount": np.array([100], dtype=np.int64),
                         "type": ["new"]})
    window = Window("2026-Q1", datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), 1)
    with pytest.raises(CalculationError, match="component type 'mbo' is not registered"):
        earn(plan, window, rows, PayeeTable.from_names({"rep-1": {}}), {})


def test_a_name_is_registered_once_and_every_type_is_listed_under_its_own_name():
    assert all(name == t.name for name, t in registry.TYPES.items())
    assert registry.names()[:6] == ("commission", "payout_curve", "bonus", "spiff",
                                    "override", "formula")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.TYPES["bonus"])


def _spiff_from_july(tmp_path, ledger_url, deals: str) -> None:
    """Plan ae at version 2 from July, its component `commission` now a SPIFF."""
    v2 = V1.replace("version: 1", "version: 2").replace(
        "2026-01-01 .. 2026-12-31", "2026-07-01 .. 2026-12-31")
    v2 = v2[:v2.index("    type: commission")] + (
        "    type: spiff\n    when: deal.amount > 0 USD\n    amount: 100 USD\n")
    for name, text in (("v1.yaml", V1), ("v2.yaml", v2)):
        (tmp_path / name).write_text(text)
        icm("plans", "add", str(tmp_path / name), db=ledger_url)
    import_files(tmp_path, ledger_url, {
        "payees": "id,name\nr,Rep\n",
        "assignments": "payee_id,plan,effective_from\nr,ae,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nr,bookings,2026,200000\n",
        "deals": "id,date,owner_id,amount,currency\n" + deals})


def test_a_version_that_changes_a_components_type_is_refused_not_misread(tmp_path,
                                                                          ledger_url):
    _spiff_from_july(tmp_path, ledger_url, "D1,2026-03-01,r,150000,USD\n"
                                           "D2,2026-08-01,r,100000,USD\n")
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q3", "--db", ledger_url])
    assert result.exit_code != 0
    assert "must keep the type of component 'commission' (spiff)" in result.output


def test_a_version_whose_days_hold_no_deal_may_have_changed_a_components_type(tmp_path,
                                                                                ledger_url):
    _spiff_from_july(tmp_path, ledger_url, "D2,2026-08-01,r,100000,USD\n")
    result = CliRunner().invoke(main, ["calc", "--period", "2026-Q3", "--db", ledger_url])
    assert result.exit_code == 0, result.output
    assert "must keep the type" not in result.output
