"""`icm export payroll`: the pay of a closed period, per payee and column, reconciled with the
statements. The ledger is test_calc.py's: in 2026-Q1 rep-1 earns 19,750.00 (commission
15,000.00, logo SPIFFs 750.00, club bonus 4,000.00) and rep-2 1,750.00 (commission 1,500.00
on its 30,000.00 half of D-4 at 5%, logo SPIFF 250.00)."""
import csv
import io
import json

from tests.test_calc import build
from tests.test_close import ok, run

HEADER = ["period", "run_id", "payee_id", "payee_name", "currency", "gross",
          "test-ae/commission", "test-ae/logo", "test-ae/club",
          "plan_cap", "adjustments", "balance", "draw", "carried_forward"]


def payroll(db, period="2026-Q1"):
    return list(csv.reader(io.StringIO(ok("export", "payroll", "--period", period,
                                          db=db).stdout)))


def test_rows_add_up_to_the_statements(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    refused = run("export", "payroll", "--period", "2026-Q1", db=ledger_url)
    assert refused.exit_code == 3 and "2026-Q1 is not closed" in refused.output
    ok("close", "--period", "2026-Q1", db=ledger_url)
    rows = payroll(ledger_url)
    assert rows == [
        HEADER,
        ["2026-Q1", "1", "rep-1", "Ravi", "USD", "19750.00", "15000.00", "750.00", "4000.00",
         "0.00", "0.00", "0.00", "0.00", "0.00"],
        ["2026-Q1", "1", "rep-2", "Rosa", "USD", "1750.00", "1500.00", "250.00", "0.00",
         "0.00", "0.00", "0.00", "0.00", "0.00"]]
    out = tmp_path / "statements"
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "json",
       db=ledger_url)
    for row in rows[1:]:
        statement = json.loads((out / f"{row[2]}-2026-Q1.json").read_text())["payees"][0]
        assert row[5] == statement["payout"]


def test_a_payee_paid_in_another_currency_is_converted_and_still_adds_up(
        tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    payees = tmp_path / "eur.csv"
    payees.write_text("id,name,currency,effective_from\nrep-2,Rosa,EUR,2026-01-01\n")
    ok("import", "payees", str(payees), db=ledger_url)
    fx = tmp_path / "fx.csv"
    fx.write_text("date,from,to,rate\n2026-03-01,USD,EUR,0.3333\n2026-04-01,USD,EUR,0.5\n")
    ok("import", "fx", str(fx), db=ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    rep2 = payroll(ledger_url)[2]
    # the rate of 2026-03-01 (the April one is after the period): 1,750.00 USD x 0.3333 =
    # 583.275 EUR, 583.28 half up. Exactly, commission 1,500.00 x 0.3333 = 499.95 and logo
    # 250.00 x 0.3333 = 83.325: floors 499.95 + 83.32 = 583.27 leave one cent, which goes to
    # the larger remainder, the logo's: 83.33
    assert rep2[:8] == ["2026-Q1", "1", "rep-2", "Rosa", "EUR", "583.28", "499.95", "83.33"]
    assert sum(int(value.replace(".", "")) for value in rep2[6:] if value) == 58328
    # the statement says the same: what is paid in EUR, and at what rate
    out = tmp_path / "statements"
    ok("statements", "--period", "2026-Q1", "--payee", "rep-2", "--out", str(out),
       "--format", "json,md", db=ledger_url)
    assert json.loads((out / "rep-2-2026-Q1.json").read_text())["payment"] == {
        "currency": "EUR", "amount": "583.28", "rate": "0.3333", "rate_date": "2026-03-01"}
    assert ("| Paid in EUR, the pay converted at 1 USD = 0.3333 EUR (the rate of 2026-03-01), "
            "rounded half up once | 583.28 EUR |") in (out / "rep-2-2026-Q1.md").read_text()


def test_reopening_voids_the_exported_file(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    target = tmp_path / "payroll.csv"
    ok("export", "payroll", "--period", "2026-Q1", "--out", str(target), db=ledger_url)
    assert target.read_text().startswith("period,run_id,payee_id")
    reopened = ok("reopen", "--period", "2026-Q1", "--reason", "late deal", db=ledger_url)
    assert f"the payroll file {target} of run 1 is void" in reopened.stderr
