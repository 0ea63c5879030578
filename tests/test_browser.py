"""A statement and the KPI page in a real browser: headless Chromium (Debian's `chromium`,
which `.ci/run` installs) opens each file, and the test asserts no console error, no request
leaving the file, and the figures on screen. Screenshots land in build/screenshots/."""
from pathlib import Path

from playwright.sync_api import sync_playwright

from views.kpi import period_kpis
from views.kpi_render import kpi_html
from ledger.database import open_ledger
from tests.paths import ROOT
from tests.test_calc import build
from tests.system_packages import CHROMIUM, require_chromium
from tests.test_close import ok

SHOTS = ROOT / "build" / "screenshots"


def open_in_chromium(files: list[Path]) -> dict[str, dict]:
    seen = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for path in files:
                page = browser.new_page(viewport={"width": 1000, "height": 800})
                errors, requests = [], []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                        else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: requests.append(r.url))
                page.goto(path.as_uri())
                page.screenshot(path=str(SHOTS / f"{path.stem}.png"), full_page=True)
                seen[path.name] = {"errors": errors, "requests": requests,
                                   "text": page.inner_text("body"),
                                   "svgs": page.locator("svg").count()}
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
    statement = seen["rep-1-2026-Q1.html"]["text"]
    assert "19,750.00 USD" in statement and "125% of quota" in statement
    assert "Ravi" in seen["kpi-2026-Q1.html"]["text"]
    assert (SHOTS / "rep-1-2026-Q1.png").stat().st_size > 10_000
