"""Extra columns a plan declares are typed when a period is calculated (PLAN_LANGUAGE.md 2):
a value that is not of its declared type, ASCII digits only, is one error naming the row and
the column, never a traceback and never a number read from another script's digits."""
import textwrap

import pytest
from click.testing import CliRunner

from cli import main
from tests.test_calc import icm, import_files

PLAN = textwrap.dedent("""\
    plan: fields
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    fields:
      deal.units: Int
      deal.kicker: Money
      deal.strategic: Bool
      param.rate: Number
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: param.rate
      - id: unit-spiff
        type: spiff
        when: deal.units > 2 and deal.strategic
        amount: deal.kicker
    """)


def ledger_with(tmp_path, db, units="3", kicker="50.00", strategic="true", rate="0.1"):
    plan = tmp_path / "fields.yaml"
    plan.write_text(PLAN)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, {
        "payees": "id,name\nrep-1,Ravi\n",
        "assignments": f"payee_id,plan,effective_from,rate\nrep-1,fields,2026-01-01,{rate}\n",
        "deals": "id,date,owner_id,amount,currency,units,kicker,strategic\n"
                 f"D-1,2026-01-05,rep-1,1000.00,USD,{units},{kicker},{strategic}\n"})
    return CliRunner().invoke(main, ["calc", "--period", "2026-Q1", "--db", db])


def test_declared_fields_read_as_their_types(tmp_path, ledger_url):
    result = ledger_with(tmp_path, ledger_url)
    # 10% of 1,000.00 and a 50.00 SPIFF: 3 units of a strategic deal
    assert result.exit_code == 0, result.output
    assert "150.00 USD" in result.stdout


@pytest.mark.parametrize("column, value, says", [
    ("units", "x", "deal D-1: deal.units: 'x' is not a whole number such as 12 (Int, as the "
                   "plan declares it)"),
    ("units", "١٠", "deal D-1: deal.units: '١٠' is not a whole number such as 12"),
    ("units", "１０", "deal D-1: deal.units: '１０' is not a whole number such as 12"),
    ("units", "99999999999999999999", "deal D-1: deal.units: '99999999999999999999' is too "
                                      "large for an Int"),
    ("kicker", "5.001", "deal D-1: deal.kicker: '5.001' is not an amount such as 1250.00"),
    ("strategic", "yes", "deal D-1: deal.strategic: 'yes' is not true or false"),
    ("rate", "abc", "the assignment of rep-1 to fields from 2026-01-01: param.rate: 'abc' is "
                    "not a number such as 0.75"),
    ("rate", "٠.١", "param.rate: '٠.١' is not a number such as 0.75")])
def test_a_value_not_of_its_declared_type_names_its_row(tmp_path, ledger_url, column, value,
                                                         says):
    result = ledger_with(tmp_path, ledger_url, **{column: value})
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and says in result.output
    assert result.output.endswith("fix the file and import it again\n")
    assert len(result.output.splitlines()) == 1
