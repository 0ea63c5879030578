"""Manager overrides and team measures: the manager in force on each deal's date."""
import textwrap

from click.testing import CliRunner

from cli import main
from tests.test_calc import calc as icm_calc, icm, plan_ledger

PLAN = textwrap.dedent("""\
    plan: mgr-override
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      team_sales: sum(credit.amount)
    components:
      - id: direct
        type: override
        measure: team_sales
        team: direct
        rate: 1%
      - id: all-levels
        type: override
        measure: team_sales
        team: all
        rate: 0.5%
      - id: team-bonus
        type: bonus
        when: team.team_sales >= 50000 USD
        amount: 100 USD
    """)

FILES = {
    # R1 reports to M until March, then to M2; R2 reports to R1
    "payees": "id,name,manager_id,effective_from\nM,Maria,,\nM2,Mateo,,\nR1,Ravi,M,\n"
              "R1,Ravi,M2,2026-03-01\nR2,Rosa,R1,\n",
    "assignments": "payee_id,plan,effective_from\nM,mgr-override,2026-01-01\n"
                   "M2,mgr-override,2026-01-01\n",
    "deals": "id,date,owner_id,amount,currency\nD-1,2026-01-20,R1,60000.00,USD\n"
             "D-2,2026-02-10,R2,100000.00,USD\nD-3,2026-03-05,R1,40000.00,USD\n",
}


def calc(tmp_path, db, plan_text=PLAN):
    plan_ledger(tmp_path, db, plan_text, FILES)
    return {p["payee"]: p for p in icm_calc("2026-Q1", db)["payees"]}


def test_overrides_follow_the_manager_on_each_deals_date(tmp_path, ledger_url):
    payees = calc(tmp_path, ledger_url)
    assert sorted(payees) == ["M", "M2"]
    m, m2 = payees["M"], payees["M2"]
    # M, direct: only D-1 (R1 reported to M on 2026-01-20): 60,000 x 1% = 600.00.
    #   D-3 is R1's but dated after the move to M2; D-2 is R2's, whose manager is R1.
    # M, all levels: D-1 and D-2 (R2 -> R1 -> M on 2026-02-10): 160,000 x 0.5% = 800.00
    # M, team bonus: team.team_sales = 60,000 >= 50,000: 100.00
    assert {k: v["payout"] for k, v in m["components"].items()} == {
        "direct": "600.00", "all-levels": "800.00", "team-bonus": "100.00"}
    assert [(l["component"], l["deal"]) for l in m["lines"]] == [
        ("direct", "D-1"), ("all-levels", "D-1"), ("all-levels", "D-2"), ("team-bonus", None)]
    # M2: D-3 only, 40,000 x 1% = 400.00 direct and x 0.5% = 200.00; no bonus (40,000)
    assert m2["payout"] == "600.00"


def test_an_override_on_the_teams_commission_is_a_rate_on_a_rate(tmp_path, ledger_url):
    # override-on-team-commission: 1% of the team's 5% commission on 100,000 = 50.00.
    # The spec's override pays on team credit rows, so the plan writes the rate as 1% x 5%
    # (Prowi's convention, 1% of team sales, would be 1,000.00 on the same sales).
    plan = PLAN.replace("rate: 1%\n", "rate: 1% * 5%\n")
    m = calc(tmp_path, ledger_url, plan)["M"]
    # M's direct team sales: D-1's 60,000 x 0.05% = 30.00; on 100,000 it would be 50.00
    assert m["components"]["direct"]["payout"] == "30.00"


def test_a_managers_statement_shows_the_team_and_whose_deal_each_line_is(
        tmp_path, ledger_url):
    calc(tmp_path, ledger_url)
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("payee_id,measure,period,amount\nM,team_sales,2026-Q1,80000.00\n")
    runner = CliRunner()
    assert runner.invoke(main, ["import", "quotas", str(quotas), "--db", ledger_url]
                         ).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(main, ["statements", "--period", "2026-Q1", "--payee", "M",
                                  "--out", str(out), "--format", "md", "--db", ledger_url])
    assert result.exit_code == 0, result.output
    [written] = out.iterdir()  # named M~HASH-2026-Q1.md: an uppercase id gets a hash
    md = written.read_text()
    # M's direct team (R1 until March) sold D-1, 60,000 of an 80,000 quota: 75%; all
    # levels add D-2: 160,000, 200%. M sells nothing: no misleading 0% of the team's quota
    # for M's own team_sales (issue 15)
    assert "- **Team team\\_sales**: 60,000.00 USD against a quota of 80,000.00 USD, " \
           "75.00% of quota" in md
    assert "- **Whole team's team\\_sales**: 160,000.00 USD against a quota of 80,000.00 " \
           "USD, 200.00% of quota" in md
    assert "- **team\\_sales**:" not in md
    assert "Deal D-2 credited to Rosa (R2) on 2026-02-10, base 100,000.00 USD at 0.5% = " \
           "500.00 USD" \
        in md


REP_PLAN = textwrap.dedent("""\
    plan: rep-plan
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    measures:
      sales: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: sales
        rate: 2%
    """)


def closed_team(tmp_path, ledger_url) -> None:
    """M's team of FILES, with R1 on REP_PLAN and quotas for M and R1; 2026-Q1 closed."""
    calc(tmp_path, ledger_url)
    plan_ledger(tmp_path, ledger_url, REP_PLAN, {
        "assignments": "payee_id,plan,effective_from\nR1,rep-plan,2026-01-01\n",
        "quotas": "payee_id,measure,period,amount\nM,team_sales,2026-Q1,80000.00\n"
                  "R1,sales,2026-Q1,80000.00\n"}, prefix="team-")
    icm("close", "--period", "2026-Q1", db=ledger_url)


def test_a_managers_statement_leads_with_the_team_and_groups_lines_per_report(
        tmp_path, ledger_url):
    closed_team(tmp_path, ledger_url)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["statements", "--period", "2026-Q1", "--payee", "M",
                                  "--out", str(out), "--format", "md,html",
                                  "--db", ledger_url])
    assert result.exit_code == 0, result.output
    md = next(out.glob("*.md")).read_text()
    html = next(out.glob("*.html")).read_text()
    # M's lines: direct D-1 600.00 and all-levels D-1 300.00 (R1's deal), all-levels D-2
    # 500.00 (R2's), the team bonus 100.00 (no report). R1 sold D-1 and D-3, 100,000 of
    # an 80,000 quota: 125.00%; R2 is on no plan. The team: 60,000 of M's 80,000: 75.00%.
    team = md[md.index("## Your team"):md.index("## This fiscal year")]
    assert "| **Whole team** | 2 | 1,400.00 | 75.00% Team team\\_sales |" in team
    assert "| Ravi (R1) | 1 | 900.00 | 125.00% sales |" in team, team
    assert "| Rosa (R2) | 1 | 500.00 | no quota |" in team
    assert team.index("Ravi (R1)") < team.index("Rosa (R2)")  # by name
    assert md.index("## Your team") < md.index("## Lines")
    lines = md[md.index("## Lines"):]
    assert "### Ravi (R1): 2 lines, 900.00 USD" in lines
    assert "### Rosa (R2): 1 line, 500.00 USD" in lines
    assert "### Other lines: 1 line, 100.00 USD" in lines
    assert "**Total of the lines = pay: 1,500.00 USD**" in lines
    # in HTML each report's lines fold away under their name: closed until opened
    assert html.count('<details class="report-lines">') == 3
    assert "<summary><strong>Ravi (R1)</strong>: 2 lines, 900.00 USD</summary>" in html
