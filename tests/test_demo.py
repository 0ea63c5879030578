"""`icm demo`, the README's main job: a sample company imported, its fiscal year closed, and
every statement, payroll file and KPI page written. Checked as a rep and payroll would: every
statement foots to the cent, every payroll row adds up to its gross and reconciles with its
statement."""
import csv
import json
import re
from collections import defaultdict

from click.testing import CliRunner

from cli import main


def test_demo_writes_a_closed_year_that_reconciles(tmp_path, snapshot):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output + str(result.exception)
    assert "Sample company: 30 payees" in result.stdout and "16 periods closed" in result.stdout
    statements = sorted((out / "statements").glob("*.json"))
    assert len(statements) == len(list((out / "statements").glob("*.html"))) > 150
    payouts = {}
    kinds = defaultdict(int)
    for path in statements:
        document = json.loads(path.read_text())
        assert document["status"] == "closed"
        payee = document["payees"][0]
        cents = sum(int(line["amount"].replace(".", "")) for line in payee["lines"])
        assert cents == int(payee["payout"].replace(".", "")), path.name  # it foots
        payouts[(payee["payee"], document["period"])] = (payee["payout"], payee["currency"])
        for line in payee["lines"]:
            kinds[line["kind"]] += 1
    # the company shows every mechanism: split and clawed-back deals, a draw, an adjustment
    assert {"deal", "clawback", "draw", "adjustment", "balance"} <= set(kinds)
    rows, held_somewhere = 0, False
    for path in sorted((out / "payroll").glob("*.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                rows += 1
                parts = [value for key, value in row.items() if key not in
                         ("period", "run_id", "payee_id", "payee_name", "currency", "gross",
                          "held")  # a memo of pay not yet payable, outside the sum
                         and value]
                held_somewhere |= bool(row.get("held")) and row["held"] != "0.00"
                assert sum(int(v.replace(".", "")) for v in parts) == \
                    int(row["gross"].replace(".", "")), (path.name, row["payee_id"])
                payout, currency = payouts[(row["payee_id"], row["period"])]
                if row["currency"] == currency:
                    assert row["gross"] == payout
    assert rows == len(statements)
    assert held_somewhere  # the 70/30 holdback plan holds pay (PLAN_LANGUAGE.md 7.3)
    # statements with a draw and a balance brought forward, a clawback, and an override
    for name in ("ae-w6-2026-07.html", "ae-w6-2026-07.md", "ae-e1-2026-Q2.md",
                 "mgr-east-2026-Q2.md"):
        text = (out / "statements" / name).read_text()
        snapshot(f"demo-{name}", re.sub(r"calculation run \d+", "calculation run N", text))
    for quarter in ("2026-Q1", "2026-Q4"):
        page = (out / f"kpi-{quarter}.html").read_text()
        assert "<svg" in page and "Zoë" in page and "O&#39;Brien" in page
        # managers (payees with direct reports) are ranked apart from the reps, each board
        # from 1
        board = page[page.index("<h2>Leaderboard</h2>"):page.index("<h2>Teams</h2>")]
        reps, managers = board.split("<h3>Managers</h3>")
        ranked = r'<td class="num">(\d+)</td><td>([a-z0-9-]+)</td>'
        assert {payee[:4] for _, payee in re.findall(ranked, managers)} == {"mgr-"}
        assert not any(payee.startswith("mgr-") for _, payee in re.findall(ranked, reps))
        assert re.findall(ranked, reps)[0][0] == re.findall(ranked, managers)[0][0] == "1"
        # the monthly plans' pay is on the months' pages, and the quarter's page says so
        assert "Plans paid by another length of period (new-hire-ramp, sdr) are on their " \
            "own periods' pages." in page
