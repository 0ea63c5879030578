"""`icm explain` and `icm whatif` on test_calc.py's ledger, whose 2026-Q1 figures are worked out
there: rep-1 books 250,000 of a 200,000 quota (marginal tiers 5% to 100%, 10% above), so D-2
(100,000.00 on 2026-02-15, booked when 120,000 was in) splits 80,000 at 5% and 20,000 at 10%."""
import json

from tests.test_calc import PLAN, build
from tests.test_close import ok, run


def test_explain_traces_the_tier_slices_and_the_settlement(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    trace = ok("explain", "--period", "2026-Q1", "--payee", "rep-1", db=ledger_url).stdout
    assert "rep-1 (Ravi), 2026-Q1 (closed, run 1)" in trace
    assert "bookings: 250,000.00 USD of quota 200,000.00 USD = attainment 125%" in trace
    assert "80,000.00 USD x 5% (tier from 0% of quota) = 4,000.00 USD" in trace
    assert "20,000.00 USD x 10% (tier from 100% of quota) = 2,000.00 USD" in trace
    assert "pay for this period: 19,750.00 USD" in trace
    assert "the lines add up to 19,750.00 USD: foots" in trace


def test_explain_one_deal_shows_its_split_credit(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    trace = ok("explain", "--period", "2026-Q1", "--payee", "rep-2", "--deal", "D-4",
               db=ledger_url).stdout
    assert "draft" in trace
    assert "deal D-4: 60,000.00 USD on 2026-03-20, owner rep-1" in trace
    assert "credited 50% to rep-1" in trace and "credited 50% to rep-2" in trace
    # rep-2's half, 30,000.00, at 5% (30% of its 100,000 quota) = 1,500.00
    assert "30,000.00 USD x 5% (tier from 0% of quota) = 1,500.00 USD" in trace
    unknown = run("explain", "--period", "2026-Q1", "--payee", "rep-2", "--deal", "D-404",
                  db=ledger_url)
    assert unknown.exit_code == 1 and "no deal 'D-404'" in unknown.output


def test_whatif_compares_a_richer_accelerator(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    proposal = tmp_path / "proposal.yaml"
    proposal.write_text(PLAN.replace("{from: 100%, rate: 10%}", "{from: 100%, rate: 12%}")
                        .replace("version: 1", "version: 2"))
    document = json.loads(ok("whatif", "--plan", str(proposal), "--period", "2026-Q1",
                             "--json", db=ledger_url).stdout)
    # rep-1 has 50,000 above quota (20,000 of D-2, 30,000 of D-4): 2% more on it is 1,000.00;
    # rep-2 never reaches quota
    assert document["payees"] == [
        {"payee": "rep-1", "current": "19750.00", "proposed": "20750.00", "change": "1000.00"},
        {"payee": "rep-2", "current": "1750.00", "proposed": "1750.00", "change": "0.00"}]
    assert document["total"] == {"current": "21500.00", "proposed": "22500.00",
                                 "change": "1000.00"}
    table = ok("whatif", "--plan", str(proposal), "--period", "2026-Q1", db=ledger_url).stdout
    assert "gain: rep-1 (+1,000.00)" in table and "lose: nobody" in table
    # nothing was written: calc still gives the registered plan's figures, no run recorded
    calc = json.loads(ok("calc", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert calc["payees"][0]["payout"] == "19750.00"


def test_whatif_refuses_a_plan_that_does_not_check_or_is_not_registered(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    broken = tmp_path / "broken.yaml"
    broken.write_text(PLAN.replace("payout_period: quarter", "payout_period: quartr"))
    result = run("whatif", "--plan", str(broken), "--period", "2026-Q1", db=ledger_url)
    assert result.exit_code == 1 and "did you mean `quarter`?" in result.output
    other = tmp_path / "other.yaml"
    other.write_text(PLAN.replace("plan: test-ae", "plan: test-se"))
    result = run("whatif", "--plan", str(other), "--period", "2026-Q1", db=ledger_url)
    assert result.exit_code == 1 and "no plan 'test-se' is registered" in result.output
    euros = tmp_path / "euros.yaml"
    euros.write_text(PLAN.replace("currency: USD", "currency: EUR")
                     .replace("500 USD", "500 EUR").replace("50000 USD", "50000 EUR"))
    result = run("whatif", "--plan", str(euros), "--period", "2026-Q1", db=ledger_url)
    assert result.exit_code == 1 and "changes the plan's currency (USD to EUR)" in result.output
