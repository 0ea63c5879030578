"""A quota row of zero gives no attainment (PLAN_LANGUAGE.md 7.6): every component that uses
attainment earns nothing in that window, with a line that says so, where a bonus, a curve or
a formula on attainment used to stop the calculation. Figures worked out by hand."""
import textwrap

from tests.test_calc import calc, icm, import_files, payee

PLAN = textwrap.dedent("""\
    plan: zq
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
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
      - id: club
        type: bonus
        when: attainment.bookings >= 100%
        amount: 1000 USD
      - id: curve
        type: payout_curve
        attainment: attainment.bookings
        curve: [[0%, 0%], [100%, 100%], [150%, 200%]]
      - id: kicker
        type: formula
        amount: attainment.bookings * 2000 USD
      - id: flat
        type: spiff
        when: deal.amount > 0 USD
        amount: 100 USD
    """)

FILES = {
    "payees": "id,name\nrep-1,Ravi\n",
    "assignments": "payee_id,plan,effective_from,target_incentive\nrep-1,zq,2026-01-01,40000.00\n",
    "quotas": "payee_id,measure,period,amount\nrep-1,bookings,2026-Q1,0\n"
              "rep-1,bookings,2026-Q2,100000.00\n",
    "deals": "id,date,owner_id,amount,currency\nD-1,2026-02-10,rep-1,50000.00,USD\n"
             "D-2,2026-05-10,rep-1,120000.00,USD\n",
}
SAID = "zero quota for bookings: no attainment, so it earns nothing in this window"


def _ledger(tmp_path, db):
    plan = tmp_path / "zq.yaml"
    plan.write_text(PLAN)
    icm("plans", "add", str(plan), db=db)
    import_files(tmp_path, db, FILES)


def test_a_zero_quota_pays_nothing_on_attainment_and_says_so(tmp_path, ledger_url):
    _ledger(tmp_path, ledger_url)
    q1 = payee(calc("2026-Q1", ledger_url), "rep-1")
    # Q1's quota is zero: the tiered commission, the bonus, the curve and the formula all
    # read attainment, so each earns 0.00 with a line that says so; the SPIFF does not read
    # attainment and pays its 100.00
    assert q1["payout"] == "100.00"
    assert [(line["component"], line["deal"], line["amount"], line["text"])
            for line in q1["lines"]] == [
        ("commission", "D-1", "0.00", f"Deal D-1 on 2026-02-10: {SAID}."),
        ("club", None, "0.00", f"club: {SAID} = 0.00 USD."),
        ("curve", None, "0.00", f"curve: {SAID} = 0.00 USD."),
        ("kicker", None, "0.00", f"kicker: {SAID} = 0.00 USD."),
        ("flat", "D-1", "100.00", "Deal D-1 on 2026-02-10: SPIFF flat, 100.00 USD.")]
    explained = icm("explain", "--period", "2026-Q1", "--payee", "rep-1",
                    db=ledger_url).stdout
    assert ("bookings: 50,000.00 USD of quota 0.00 USD: a quota of zero gives no attainment, "
            "so what uses it earns nothing in this window") in explained
    assert f"club: {SAID} = 0.00 USD." in explained
    icm("statements", "--period", "2026-Q1", "--payee", "rep-1", "--format", "md", "--out",
        str(tmp_path / "out"), db=ledger_url)
    statement = "".join(path.read_text() for path in (tmp_path / "out").glob("*.md"))
    assert f"club: {SAID} = 0.00 USD." in statement


def test_the_lines_are_said_once_and_later_windows_pay_as_usual(tmp_path, ledger_url):
    _ledger(tmp_path, ledger_url)
    icm("close", "--period", "2026-Q1", db=ledger_url)
    q2 = payee(calc("2026-Q2", ledger_url), "rep-1")
    # Q2 (a period window): 120,000 of a 100,000 quota is 120% attainment.
    #   commission: 100,000 at 5% + 20,000 at 10%         = 5,000 + 2,000 = 7,000.00
    #   club: 120% >= 100%                                 = 1,000.00
    #   curve: 100% + (200% - 100%) x 20/50 = 140% of Q2's target incentive (40,000 / 4
    #          = 10,000.00)                                = 14,000.00
    #   kicker: 120% x 2,000                               = 2,400.00
    #   flat: D-2's SPIFF                                  =   100.00
    # Q1's zero lines were recorded by its close and are not said again.
    assert [(line["component"], line["amount"]) for line in q2["lines"]] == [
        ("commission", "7000.00"), ("club", "1000.00"), ("curve", "14000.00"),
        ("kicker", "2400.00"), ("flat", "100.00")]
    assert q2["payout"] == "24500.00"
    club = next(line for line in q2["lines"] if line["component"] == "club")
    assert club["text"] == ("club: bookings attainment (120.00%) reached the 100% needed, "
                            "so 1,000.00 USD.")  # each name with its figure (120% above)
