"""`icm statements`: one statement per payee, in HTML, Markdown, JSON and PDF.

The ledger is test_calc.py's: rep-1 earns 19,750.00 in 2026-Q1 (15,000.00 commission = 6,000
on D-1 + 6,000 on D-2 straddling quota + 3,000 on D-4's half; 750.00 of SPIFFs; a 4,000.00
club bonus) and rep-2 1,750.00 (worked out there).
"""
import json
import re

import pypdf


from tests.system_packages import require_pango
from tests.test_calc import build, payee
from tests.test_close import import_deals, ok, run


def statements(tmp_path, db, *options):
    out = tmp_path / "out"
    ok("statements", "--period", "2026-Q1", "--out", str(out), *options, db=db)
    return out


def test_a_closed_statement_is_the_close_and_foots(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    closed = json.loads(ok("close", "--period", "2026-Q1", "--json", db=ledger_url).stdout)
    out = statements(tmp_path, ledger_url, "--format", "json,html,md")
    kept = json.loads((out / "rep-1-2026-Q1.json").read_text())
    assert kept["status"] == "closed" and kept["period"] == "2026-Q1"
    assert kept["payees"] == [payee(closed, "rep-1")]
    rep1 = kept["payees"][0]
    assert rep1["payout"] == "19750.00"
    cents = sum(int(line["amount"].replace(".", "")) for line in rep1["lines"])
    assert cents == 1_975_000
    html = (out / "rep-1-2026-Q1.html").read_text()
    # the summary and the lines' total both say 19,750.00
    assert re.search(r"Pay for this period</td><td class=\"num pay\">19,750.00 USD", html)
    assert "Total of the lines = pay for this period</td><td class=\"num\">19,750.00" in html
    assert "125.00%</strong> of quota" in html  # 250,000 of 200,000
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    md = (out / "rep-2-2026-Q1.md").read_text()
    assert "| **Pay for this period** | **1,750.00** |" in md


def test_a_closed_statement_does_not_change_with_the_ledger(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    # a late Q1 deal changes what Q1 would compute now, but not what Q1 paid
    import_deals(tmp_path, ledger_url, "D-6,2026-03-25,rep-1,10000.00,USD,expansion,,\n")
    out = statements(tmp_path, ledger_url, "--format", "json", "--payee", "rep-1")
    assert [p.name for p in out.iterdir()] == ["rep-1-2026-Q1.json"]
    assert json.loads((out / "rep-1-2026-Q1.json").read_text())["payees"][0]["payout"] \
        == "19750.00"


def test_an_open_period_gives_drafts(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "html,json")
    assert json.loads((out / "rep-2-2026-Q1.json").read_text())["status"] == "draft"
    assert "Draft: 2026-Q1 is not closed" in (out / "rep-2-2026-Q1.html").read_text()


def test_user_text_is_escaped(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    names = tmp_path / "names.csv"
    names.write_text('id,name,effective_from\nrep-2,"<script>alert(1)</script> & Co",2026-01-01\n')
    ok("import", "payees", str(names), db=ledger_url)
    ok("adjust", "--payee", "rep-2", "--period", "2026-Q1", "--amount", "10.00 USD",
       "--reason", "<b>bonus</b> | *paid*", db=ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "html,md", "--payee", "rep-2")
    html = (out / "rep-2-2026-Q1.html").read_text()
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    md = (out / "rep-2-2026-Q1.md").read_text()
    assert r"\<b\>bonus\</b\> \| \*paid\*" in md and "<script>" not in md


def test_pdf_carries_the_statement(tmp_path, ledger_url):
    require_pango()
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "pdf", "--payee", "rep-1")
    pdf = pypdf.PdfReader(out / "rep-1-2026-Q1.pdf")
    assert pdf.metadata.title == "Payout statement 2026-Q1: Ravi"
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Pay for this period 19,750.00 USD" in text
    # every page carries its number and a running header of the payee and the period
    assert "Page 1 of" in text and "Payout statement: Ravi" in text and "Period 2026-Q1" in text
    assert "20,000.00 USD at 10% (tier from 100% of quota)" in " ".join(text.split())


def test_bad_options_are_usage_errors(tmp_path, ledger_url):
    build(tmp_path, ledger_url)
    bad = run("statements", "--period", "2026-Q1", "--out", str(tmp_path), "--format", "docx",
              db=ledger_url)
    assert bad.exit_code == 2 and "docx is not one" in bad.output
    nobody = run("statements", "--period", "2026-Q1", "--out", str(tmp_path), "--payee",
                 "rep-404", db=ledger_url)
    assert nobody.exit_code == 1 and "rep-404" in nobody.output


def test_rendered_statement_snapshots(tmp_path, ledger_url, snapshot):
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "html,md", "--payee", "rep-1")
    for name in ("rep-1-2026-Q1.html", "rep-1-2026-Q1.md"):
        text = re.sub(r"calculation run \d+", "calculation run N", (out / name).read_text())
        snapshot(name, text)


def test_a_statement_says_how_far_the_next_tier_is(tmp_path, ledger_url):
    """rep-2 books half of D-4 in Q1, 30,000.00 of a 100,000.00 quota: 70,000.00 more
    reaches the 10% tier at 100%. rep-1, at 125%, is past the last tier: nothing to say."""
    build(tmp_path, ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "md")
    assert "30.00% of quota; 70,000.00 USD more reaches the next tier of commission, at 100% " \
        "of quota" in (out / "rep-2-2026-Q1.md").read_text()
    assert "more reaches" not in (out / "rep-1-2026-Q1.md").read_text()


def test_the_pay_card_says_what_the_pay_is_made_of_and_what_would_raise_it(tmp_path,
                                                                           ledger_url):
    build(tmp_path, ledger_url)
    out = statements(tmp_path, ledger_url, "--format", "html,md")
    # rep-1 (worked out in test_calc): commission 15,000.00, logo SPIFF 750.00 and club
    # 4,000.00 make the 19,750.00; bookings at 250,000 of 200,000 is past the last tier
    rep1 = (out / "rep-1-2026-Q1.md").read_text()
    card = rep1[:rep1.index("## ")]
    assert "- This period: commission 15,000.00 · logo 750.00 · club 4,000.00\n" in card
    assert "- bookings at 125.00% of quota.\n" in card
    # rep-2: 30,000 of a 100,000 quota; the 100% tier is 70,000.00 away
    rep2 = (out / "rep-2-2026-Q1.html").read_text()
    card = rep2[rep2.index('<section class="pay-card">'):rep2.index("</section>")]
    assert ('This period: commission <span class="amount">1,500.00</span> · logo '
            '<span class="amount">250.00</span>') in card
    assert ("bookings at 30.00% of quota: 70,000.00 USD more reaches the next tier of "
            "commission, at 100% of quota.") in card
