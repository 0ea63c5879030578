"""bench/bench_pipeline.py, the benchmark issue 13 is judged by: its data has the import's
text, its hand-written plan pays what the plan says, and a tiny run through the
real CLI agrees with icm to the cent (on PostgreSQL too when ICM_TEST_POSTGRES_URL is set)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import pipeline_bounds  # noqa: E402
import pipeline_data  # noqa: E402
import pipeline_rules as rules  # noqa: E402

DEAL_LINE = re.compile(r"D-\d{8},2026-\d\d-\d\d,p\d{5},[1-9]\d*\.\d\d,USD,"
                       r"(new|expansion|renewal),platform")
QUOTA_LINE = re.compile(r"p\d{5},bookings,2026,\d+\.00")


def test_generated_files_have_the_imports_text(tmp_path):
    ours = pipeline_data.dataset(tmp_path / "ours", 3_000, 150, seed=5)
    payees = ours["payees"].read_text().splitlines()
    assert payees[:2] == ["id,name,manager_id", "p00000,Payee 0,"]
    assert payees[101] == "p00100,Payee 100,p00000" and len(payees) == 151
    assert ours["assignments"].read_text().splitlines()[1] == \
        "p00000,enterprise-ae,2026-01-01,60000.00"
    for kind, header, pattern, rows in (
            ("deals", "id,date,owner_id,amount,currency,type,product", DEAL_LINE, 3_000),
            ("quotas", "payee_id,measure,period,amount", QUOTA_LINE, 150)):
        text = ours[kind].read_bytes().decode()
        lines = text.split("\r\n")
        assert lines[0] == header and lines[-1] == "" and len(lines) == rows + 2
        assert "\n" not in text.replace("\r\n", "")
        assert all(pattern.fullmatch(line) for line in lines[1:-1])
    deals = ours["deals"].read_text().splitlines()
    assert deals[1].startswith("D-00000000,") and deals[-1].startswith("D-00002999,")


def test_a_generation_is_reused_and_does_not_depend_on_blocks(tmp_path, monkeypatch):
    first = pipeline_data.dataset(tmp_path, 2_500, 40, seed=9)["deals"]
    stamp = first.stat().st_mtime_ns
    assert pipeline_data.dataset(tmp_path, 2_500, 40, seed=9)["deals"].stat().st_mtime_ns \
        == stamp
    monkeypatch.setattr(pipeline_data, "BLOCK", 1_000)  # other blocks: other streams
    other = pipeline_data.dataset(tmp_path / "small-blocks", 2_500, 40, seed=9)["deals"]
    assert other.read_bytes() != first.read_bytes()
    assert pipeline_data.dataset(tmp_path / "again", 2_500, 40, seed=9)["deals"] \
        .read_bytes() == other.read_bytes()


def _window(rows):
    """A window as the ledger gives it: (id, date, owner, cents, type)."""
    ids, dates, owners, cents, types = zip(*rows)
    return pa.table({"id": list(ids), "date": list(dates), "owner_id": list(owners),
                     "amount": pa.array(cents, pa.int64()), "type": list(types),
                     "product": ["platform"] * len(rows)})


def test_the_hand_written_plan_pays_marginal_tiers_caps_and_spiffs():
    """p1: quota 1,000.00 USD, so tiers start at 1,000.00 (12 %) and 1,500.00 (16 %).
    In (date, id) order, D-10 before D-2 on the same day (code points):
      D-1   600.00 new        600.00 at 8 %                              =  48.00
      D-10  600.00 expansion  400.00 at 8 % + 200.00 at 12 %             =  56.00
      D-2   500.00 new        300.00 at 12 % + 200.00 at 16 %            =  68.00
      D-3    10.07 expansion  at 16 % = 1.6112                           =   1.61
      D-4   900.00 renewal    not bookings                               =   0
    p2: quota 100.00, TI 10.00: a 100,000.00 new deal earns 8.00 + 6.00 + 15,976.00 of
    commission, capped at 20.00 (2 x TI), and the 1,000.00 SPIFF; the plan cap (30.00)
    takes 990.00 off the 1,020.00. The deal of a payee not on the plan earns nothing."""
    window = _window([
        ("D-2", "2026-01-05", "p1", 50_000, "new"),
        ("D-1", "2026-01-02", "p1", 60_000, "new"),
        ("D-10", "2026-01-05", "p1", 60_000, "expansion"),
        ("D-3", "2026-02-01", "p1", 1_007, "expansion"),
        ("D-4", "2026-01-01", "p1", 90_000, "renewal"),
        ("D-9", "2026-03-01", "nobody", 10_000_000, "new"),
        ("D-5", "2026-03-31", "p2", 10_000_000, "new")])
    payees = pa.array(["p1", "p2"])
    deals, ids = pipeline_bounds.deals_of(window, payees)
    result = rules.pay(deals, np.array([100_000, 10_000]), np.array([1_000_000, 1_000]), 1)
    lines = sorted((int(p), ids[int(d)].as_py() if d >= 0 else "", rules.COMPONENTS[c],
                    rules.KINDS[c], int(a))
                   for p, d, c, a in zip(result.lines.payee, result.lines.deal,
                                         result.lines.component, result.lines.amount))
    assert lines == sorted([
        (0, "D-1", "commission", "deal", 4_800), (0, "D-10", "commission", "deal", 5_600),
        (0, "D-2", "commission", "deal", 6_800), (0, "D-3", "commission", "deal", 161),
        (1, "D-5", "commission", "deal", 800 + 600 + 1_597_600),
        (1, "D-5", "logo-spiff", "deal", 100_000),
        (1, "", "commission", "cap", 2_000 - 1_599_000),
        (1, "", "plan_cap", "cap", 3_000 - 102_000)])
    assert result.earned.tolist() == [17_361, 3_000]
    assert result.commission.tolist() == [17_361, 2_000]


def test_club_is_paid_in_the_fourth_quarter_only():
    window = _window([("D-1", "2026-09-30", "p1", 130_000, "expansion")])
    deals, _ = pipeline_bounds.deals_of(window, pa.array(["p1"]))
    quota, incentive = np.array([100_000]), np.array([10_000_000])
    commission = 8_000 + 3_600  # 1,000.00 at 8 %, 300.00 at 12 %
    assert rules.pay(deals, quota, incentive, 3).earned.tolist() == [commission]
    assert rules.pay(deals, quota, incentive, 4).earned.tolist() == [commission + 1_000_000]


def _pipeline(tmp_path, *args) -> dict:
    """bench_pipeline at a tiny size; its JSON results."""
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_pipeline.py"), "--deals", "2000",
         "--payees", "50", "--data", str(tmp_path / "data"), "--work", str(tmp_path / "work"),
         "--out", str(out), "--markdown", str(tmp_path / "table.md"), *args],
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "OK: icm calc --json" in completed.stdout
    results = json.loads(out.read_text())
    # the bench's own process stays small, or every child's peak would start at its size
    assert results["parent_peak_kb"] < 64_000
    return results


def _check_run(run: dict) -> None:
    assert [stage["stage"] for stage in run["stages"]] == ["import", "calc", "close",
                                                          "statements"]
    assert not run["failures"]
    for stage in run["stages"]:
        assert stage["icm"]["returncode"] == 0 and stage["bound"] in stage["bounds"]
        assert stage["icm"]["peak_kb"] > 10_000 and stage["icm"]["wall_s"] > 0
    figures = run["check"]["figures"]
    assert run["check"]["verdict"] == "OK"
    assert {"icm calc --json", "icm close (printed)"} <= set(figures)
    assert len(set(figures.values())) == 1 and next(iter(figures.values())) > 0
    statements = next(s for s in run["stages"] if s["stage"] == "statements")
    assert {bound["files"] for bound in statements["bounds"].values()} == {50}


def test_a_tiny_pipeline_agrees_with_icm_to_the_cent_on_sqlite(tmp_path):
    results = _pipeline(tmp_path, "--backend", "sqlite")
    (run,) = results["runs"]
    _check_run(run)
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[0].startswith("| size | backend | stage | icm s |") and len(table) == 6
    assert not list((tmp_path / "work").rglob("icm.db"))  # the ledger is given back


def test_a_tiny_pipeline_agrees_with_icm_to_the_cent_on_postgresql(tmp_path):
    url = os.environ.get("ICM_TEST_POSTGRES_URL")
    if not url:
        import pytest
        pytest.skip("ICM_TEST_POSTGRES_URL is not set")
    server, _, database = url.rpartition("/")
    results = _pipeline(tmp_path, "--backend", "postgresql", "--pg-url", server + "/",
                        "--pg-database", f"{database}_pipeline")
    _check_run(results["runs"][0])
