"""Issue 11: every file and terminal line the product writes is safe and whole.

The ledger: a flat plan paying 2% of each quarter's bookings, and payees whose ids and names
are what a hostile or careless CSV holds: spreadsheet formulas, ids that a file name must
escape (`a/b` beside `a_b`, `rep 1` beside `rep_1` and `Rep_1`), a carriage return that
would start a Markdown heading, terminal escape sequences, a right-to-left override, emoji,
a name of 3,000 letters and an id of 300. Each payee books one deal of 10,000.00 in 2026-Q1,
so each is paid 200.00; `+1` also gets an adjustment of -150.00, so is paid 50.00.
"""
import csv
import hashlib
import io
import json
import textwrap

from tests.test_calc import import_files
from tests.test_close import ok

PLAN = textwrap.dedent("""\
    plan: flat
    version: 1
    effective: 2026-01-01 .. 2026-12-31
    currency: USD
    payout_period: quarter
    attainment_window: period
    measures:
      bookings: sum(credit.amount)
    components:
      - id: commission
        type: commission
        measure: bookings
        rate: 2%
    """)

HYPERLINK = '=HYPERLINK("http://evil.example","click")'
HEADING = "Ravi\r# PAY OVERRIDE: 1,000,000.00 USD"
TITLE = "\x1b]0;pwned\x07Eve\x1b[31m"  # an OSC window title, then red text
CLEAR = "x\x1b[2Jy"  # an id that clears the screen
RTL = "Bob\u202egnp.exe"
LONG = "N" * 3000
LONG_ID = "L" * 300
PAYEES = [  # (id, name)
    (HYPERLINK, "@SUM(1+1)"), ("+1", "-2+3"), ("@SUM(A1)", "=1+1"),
    ("a/b", "Slash"), ("a_b", "Underscore"), ("rep 1", "Space"), ("rep_1", "Low line"),
    ("Rep_1", "Capital"), ("rep-1", HEADING), ("rep-2", TITLE), (CLEAR, "<script>x</script> |*"),
    ("rep-3", RTL), ("rep-4", "Zoë 🎉👩‍💻"), ("rep-5", LONG), (LONG_ID, "Long id"),
    ("🎉", "Party")]
DEAL_OF_REP_4 = "D|4*\r# deal"


def csv_text(rows) -> str:
    out = io.StringIO()  # quoted, so a carriage return stays inside its cell
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue()


def build(tmp_path, db, close=True):
    plan = tmp_path / "flat.yaml"
    plan.write_text(PLAN)
    ok("plans", "add", str(plan), db=db)
    deal_ids = [DEAL_OF_REP_4 if payee == "rep-4" else f"D-{n}"
                for n, (payee, _) in enumerate(PAYEES)]
    import_files(tmp_path, db, {
        "payees": csv_text([("id", "name")] + PAYEES),
        "assignments": csv_text([("payee_id", "plan", "effective_from")]
                                + [(payee, "flat", "2026-01-01") for payee, _ in PAYEES]),
        "deals": csv_text([("id", "date", "owner_id", "amount", "currency")]
                          + [(deal, "2026-02-01", payee, "10000.00", "USD")
                             for deal, (payee, _) in zip(deal_ids, PAYEES)])})
    ok("adjust", "--payee", "+1", "--period", "2026-Q1", "--amount", "-150.00 USD",
       "--reason", "late\r# PAY OVERRIDE: 1,000,000.00 USD", db=db)
    if close:
        ok("close", "--period", "2026-Q1", db=db)


# --------------------------------------------------------------- 2. unique file names

def hashed(payee_id: str) -> str:
    return hashlib.sha256(payee_id.encode("utf-8")).hexdigest()[:12]


def test_every_payee_gets_its_own_statement_file(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    result = ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "json",
                db=ledger_url)
    assert result.stdout == f"16 closed statements of 2026-Q1, 16 files in {out}\n"
    files = sorted(path.name for path in out.iterdir())
    assert len(files) == 16
    # one file per payee, and no two names that a case-insensitive disk would confuse
    assert len({name.lower() for name in files}) == 16
    owners = {json.loads((out / name).read_text())["payees"][0]["payee"]: name
              for name in files}
    assert set(owners) == {payee for payee, _ in PAYEES}
    # ordinary ids keep their readable names; the others add a hash of the id
    assert owners["rep-1"] == "rep-1-2026-Q1.json"
    assert owners["rep_1"] == "rep_1-2026-Q1.json"
    assert owners["a_b"] == "a_b-2026-Q1.json"
    assert owners["a/b"] == f"a_b~{hashed('a/b')}-2026-Q1.json"
    assert owners["rep 1"] == f"rep_1~{hashed('rep 1')}-2026-Q1.json"
    assert owners["Rep_1"] == f"rep_1~{hashed('Rep_1')}-2026-Q1.json"
    assert owners["+1"] == f"1~{hashed('+1')}-2026-Q1.json"
    assert owners[CLEAR] == f"x_2jy~{hashed(CLEAR)}-2026-Q1.json"
    assert owners[LONG_ID] == f"{'l' * 40}~{hashed(LONG_ID)}-2026-Q1.json"
    assert owners["🎉"] == f"payee~{hashed('🎉')}-2026-Q1.json"
