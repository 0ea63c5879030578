"""Titles of components and measures, and deal.name and deal.account (PLAN_LANGUAGE.md 1):
statements show the titles and a deal's name and customer beside its id; the JSON keeps ids;
plans read deal.name and deal.account as built-in Strings."""
import json
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import import_files, payee

PLAN = textwrap.dedent("""\
    plan: titled
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      bookings: {title: "Bookings outside the group", value: sum(credit.amount where deal.account != "Internal")}
    components:
      - id: commission
        title: Commission, 5% of bookings
        type: commission
        measure: bookings
        rate: 5%
      - id: named
        type: spiff
        when: deal.name == "Harbor renewal"
        amount: 100 USD
    """)

FILES = {"payees": "id,name\nrep-1,Ravi\n",
         "assignments": "payee_id,plan,effective_from\nrep-1,titled,2026-01-01\n",
         "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,2400.00\n",
         "deals": "id,date,owner_id,amount,currency,name,account\n"
                  "D-1,2026-02-01,rep-1,1000.00,USD,Harbor renewal,Blue Harbor Foods\n"
                  "D-2,2026-02-02,rep-1,500.00,USD,Transfer,Internal\n"
                  "D-3,2026-02-03,rep-1,200.00,USD,,\n"}


def icm(*args, db, code=0):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def build(tmp_path, db, plan=PLAN):
    path = tmp_path / "titled.yaml"
    path.write_text(plan)
    icm("plans", "add", str(path), db=db)
    import_files(tmp_path, db, FILES)


def test_a_statement_shows_titles_and_deal_names_and_the_json_keeps_ids(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    document = json.loads(icm("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    rep = payee(document, "rep-1")
    # 5% of D-1 and D-3 (D-2's customer is Internal): 60.00, and D-1's name earns the SPIFF
    assert rep["components"]["commission"]["earned_to_date"] == "60.00"
    assert rep["components"]["named"]["earned_to_date"] == "100.00"
    assert (set(rep["attainment"]), set(rep["components"])) == ({"bookings"}, {"commission", "named"})
    icm("statements", "--period", "2026-Q1", "--out", str(tmp_path / "st"), "--format", "md",
        db=ledger_url)
    text = (tmp_path / "st" / "rep-1-2026-Q1.md").read_text()
    assert "- **Bookings outside the group**: 1,200.00 USD against a quota of 2,400.00 USD, " \
        "50.00% of quota" in text
    assert "| Commission, 5% of bookings | 60.00 | 60.00 |" in text
    assert "| named | 100.00 | 100.00 |" in text  # no title: its id
    assert "| Deal (Commission, 5% of bookings) | D-1 (Harbor renewal, Blue Harbor Foods) |" \
        in text
    assert "| Deal (Commission, 5% of bookings) | D-3 |" in text  # neither column: the id
    # the KPI pages name the primary measure by its title (1,200 of 2,400: 50%)
    table = icm("kpi", "--period", "2026-Q1", db=ledger_url).stdout
    assert "  rep-1  Ravi  Bookings outside the group      50.00%" in table
    kpis = json.loads(icm("kpi", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    assert kpis["payees"][0]["primary_measure"] == "bookings"  # machine output keeps ids


def test_a_plan_that_declared_deal_name_itself_pays_the_same(tmp_path, ledger_url):
    build(tmp_path, ledger_url, PLAN.replace("measures:\n", "fields:\n  deal.name: String\n"
                                             "  deal.account: String\nmeasures:\n"))
    rep = payee(json.loads(icm("calc", "--period", "2026-Q1", "--json",
                               db=ledger_url).stdout), "rep-1")
    assert rep["payout"] == "160.00"


@pytest.mark.parametrize("change, message", [
    (("fields:\n  deal.name: Number\n", "measures:\n"), "7:14: `deal.name` is built in as a String"),
    (("    title: \"" + "x" * 121 + "\"\n", "    title: Commission, 5% of bookings\n"),
     "10:12: a title is one line of at most 120 characters"),
    (("  bookings: {title: Bookings}\n",
      "  bookings: {title: \"Bookings outside the group\", value: sum(credit.amount where "
      "deal.account != \"Internal\")}\n"), "7:13: `value:` is missing from the measure `bookings`"),
])
def test_check_names_a_misused_title_or_deal_name(tmp_path, change, message):
    new, old = change
    text = PLAN.replace("measures:\n", new + "measures:\n") if old == "measures:\n" \
        else PLAN.replace(old, new)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and f"plan.yaml:{message}" in result.output, result.output
