"""Several versions of one plan in a fiscal year: attainment runs on, each deal is rated by the
version in force on its date (PLAN_LANGUAGE.md section 6)."""
import json
import textwrap

from click.testing import CliRunner

from cli import main

V1 = textwrap.dedent("""\
    plan: ae
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: annual
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        tiers:
          method: marginal
          table:
            - {from: 0%, rate: 5%}
            - {from: 100%, rate: 10%}
    """)
# a raise from July: version 2 starts inside version 1's range, which then ends June 30
V2 = V1.replace("version: 1", "version: 2").replace(
    "2026-01-01 .. 2026-12-31", "2026-07-01 .. 2026-12-31").replace(
    "rate: 5%", "rate: 6%").replace("rate: 10%", "rate: 12%")


def test_a_mid_year_version_rates_later_deals_without_restarting_attainment(tmp_path,
                                                                              ledger_url):
    runner = CliRunner()
    for name, text in (("v1.yaml", V1), ("v2.yaml", V2)):
        path = tmp_path / name
        path.write_text(text)
        assert runner.invoke(main, ["plans", "add", str(path), "--db", ledger_url]
                             ).exit_code == 0
    files = {
        "payees": "id,name\nr,Rep\n",
        "assignments": "payee_id,plan,effective_from\nr,ae,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nr,bookings,2026,200000\n",
        "deals": "id,date,owner_id,amount,currency\nD1,2026-03-01,r,150000,USD\n"
                 "D2,2026-08-01,r,100000,USD\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        assert runner.invoke(main, ["import", kind, str(path), "--db", ledger_url]
                             ).exit_code == 0
    result = runner.invoke(main, ["calc", "--period", "2026-Q3", "--json", "--db",
                                  ledger_url])
    assert result.exit_code == 0, result.output
    (rep,) = json.loads(result.stdout)["payees"]
    assert rep["plans"] == ["ae@2"]
    # D1 (March, version 1): 150,000 x 5% = 7,500.00
    # D2 (August, version 2): the running total goes on from 150,000 against the same
    # 200,000 annual quota: 50,000 x 6% = 3,000 + 50,000 x 12% = 6,000 -> 9,000.00
    assert [(l["deal"], l["amount"]) for l in rep["lines"]] == [("D1", "7500.00"),
                                                               ("D2", "9000.00")]
    assert rep["payout"] == "16500.00"
    assert rep["attainment"] == {"bookings": "1.2500"}
