"""A statement and the KPI page in a real browser: headless Chromium (Debian's `chromium`,
which `.ci/run` installs) opens each file, and the test asserts no console error, no request
leaving the file, and the figures on screen. Screenshots land in build/screenshots/."""
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from views.kpi import period_kpis
from views.kpi_render import kpi_html
from ledger.database import open_ledger
from tests.paths import ROOT
from tests.test_calc import build
from tests.system_packages import CHROMIUM, require_chromium
from tests.test_close import ok
from tests.test_override import closed_team

SHOTS = ROOT / "build" / "screenshots"


WIDTHS = (1280, 390)  # a laptop and a phone


def open_in_chromium(files: list[Path]) -> dict[str, dict]:
    """Each file at each of ``WIDTHS``: its console errors, requests, text, SVG count, the
    pay card's figure, and how far the page scrolls sideways at each width."""
    seen = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for path in files:
                errors, requests, sideways = [], [], {}
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                            else None)
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.on("request", lambda r: requests.append(r.url))
                    page.goto(path.as_uri())
                    page.screenshot(path=str(SHOTS / f"{path.stem}-{width}.png"),
                                    full_page=True)
                    sideways[width] = page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth")
                    card = page.locator(".pay-figure")
                    seen[path.name] = {"errors": errors, "requests": requests,
                                       "text": page.inner_text("body"),
                                       "svgs": page.locator("svg").count(),
                                       "pay": card.inner_text() if card.count() else None,
                                       "sideways": sideways}
                    page.close()
        finally:
            browser.close()
    return seen


def test_statement_and_kpi_page_render_cleanly(tmp_path, ledger_url):
    require_chromium()
    build(tmp_path, ledger_url)
    ok("close", "--period", "2026-Q1", db=ledger_url)
    out = tmp_path / "out"
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "html",
       "--payee", "rep-1", db=ledger_url)
    engine = open_ledger(ledger_url)
    try:
        kpi = tmp_path / "kpi-2026-Q1.html"
        kpi.write_text(kpi_html(period_kpis(engine, "2026-Q1")), encoding="utf-8")
    finally:
        engine.dispose()
    seen = open_in_chromium([out / "rep-1-2026-Q1.html", kpi])
    for name, page in seen.items():
        assert page["errors"] == [], name
        assert [url for url in page["requests"] if not url.startswith("file:")] == [], name
        assert page["svgs"] >= 1, name
    for name, page in seen.items():
        assert page["sideways"] == {1280: 0, 390: 0}, name  # no horizontal scroll
    statement = seen["rep-1-2026-Q1.html"]["text"]
    assert "19,750.00 USD" in statement and "125.00% of quota" in statement
    # the pay card's figure is the JSON statement's payout
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "json",
       "--payee", "rep-1", db=ledger_url)
    payout = json.loads((out / "rep-1-2026-Q1.json").read_text())["payees"][0]["payout"]
    assert payout == "19750.00"
    assert seen["rep-1-2026-Q1.html"]["pay"] == "19,750.00 USD"
    assert "Ravi" in seen["kpi-2026-Q1.html"]["text"]
    assert (SHOTS / "rep-1-2026-Q1-390.png").stat().st_size > 10_000


def test_a_managers_statement_folds_each_reports_lines_and_fits_a_phone(tmp_path,
                                                                       ledger_url):
    require_chromium()
    closed_team(tmp_path, ledger_url)
    out = tmp_path / "out"
    ok("statements", "--period", "2026-Q1", "--out", str(out), "--format", "html,json",
       "--payee", "M", db=ledger_url)
    [html] = out.glob("*.html")
    page = open_in_chromium([html])[html.name]
    assert page["errors"] == [] and page["sideways"] == {1280: 0, 390: 0}
    payout = json.loads(next(out.glob("*.json")).read_text())["payees"][0]["payout"]
    assert payout == "1500.00" and page["pay"] == "1,500.00 USD"
    # the team first; each report's lines folded under a summary that says what they pay
    text = page["text"]
    assert text.index("Your team") < text.index("Lines")
    assert "Ravi (R1): 2 lines, 900.00 USD" in text
    assert "Deal D-2 credited to Rosa (R2)" not in text  # folded away until opened
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 390, "height": 800})
            tab.goto(html.as_uri())
            tab.get_by_text("Rosa (R2): 1 line, 500.00 USD").click()
            assert "Deal D-2 credited to Rosa (R2)" in tab.inner_text("body")
        finally:
            browser.close()
