"""`icm statements` over many payees: rendered by worker processes, one per core, with the
same bytes as rendered here; and written whole or not at all, whatever fails half-way (a
renderer that raises, a worker killed), leaving --out as it was.

The ledger: test_calc.py's plan and twelve payees, rep-01 to rep-12, each with one deal of
(1,000 x n).00 in 2026-Q1 and a quota of 100,000.00."""
import os
import signal

import pytest

import views.parallel
import views.render
from tests.test_close import ok, run
from tests.test_calc import PLAN

PAYEES = [f"rep-{n:02d}" for n in range(1, 13)]


def build(tmp_path, db):
    plan = tmp_path / "test-ae.yaml"
    plan.write_text(PLAN)
    ok("plans", "add", str(plan), db=db)
    files = {
        "payees": "id,name\n" + "".join(f"{p},Payee {p}\n" for p in PAYEES),
        "assignments": "payee_id,plan,effective_from,target_incentive\n" + "".join(
            f"{p},test-ae,2026-01-01,10000.00\n" for p in PAYEES),
        "quotas": "payee_id,measure,period,amount\n" + "".join(
            f"{p},bookings,2026,100000.00\n" for p in PAYEES),
        "deals": "id,date,owner_id,amount,currency,type\n" + "".join(
            f"D-{n},2026-02-{n:02d},{p},{1000 * n}.00,USD,new\n"
            for n, p in enumerate(PAYEES, 1))}
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        ok("import", kind, str(path), db=db)
    ok("close", "--period", "2026-Q1", db=db)


def written(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def in_workers(monkeypatch):
    """Workers even for a dozen payees (they start from 100 otherwise)."""
    monkeypatch.setattr(views.parallel, "WORKERS_FROM", 0)


def test_workers_write_the_same_bytes_as_one_process(tmp_path, ledger_url, monkeypatch):
    build(tmp_path, ledger_url)
    here = tmp_path / "here"
    ok("statements", "--period", "2026-Q1", "--out", str(here), "--format", "html,json,md",
       db=ledger_url)
    monkeypatch.setattr(views.parallel, "WORKERS_FROM", 0)
    real = views.render._write_some
    chunks = tmp_path / "chunks"  # each chunk leaves a note of the process that ran it
    chunks.mkdir()

    def write_some(*args):
        (chunks / f"{args[-2]}-{os.getpid()}").touch()
        return real(*args)
    monkeypatch.setattr(views.render, "_write_some", write_some)
    workers = tmp_path / "workers"
    result = ok("statements", "--period", "2026-Q1", "--out", str(workers), "--format",
                "html,json,md", db=ledger_url)
    assert result.stdout == f"12 closed statements of 2026-Q1, 36 files in {workers}\n"
    ran = {int(note.name.split("-")[1]) for note in chunks.iterdir()}
    assert len(list(chunks.iterdir())) == 12  # a chunk of one payee each
    assert os.getpid() not in ran and 1 <= len(ran) <= 2  # in the workers, none here
    assert len(written(workers)) == 36 and written(workers) == written(here)
    assert b"| **Pay for this period** | **600.00** |" in \
        written(workers)["rep-12-2026-Q1.md"]  # 12,000.00 at 5%


def fail_on_the_fifth(monkeypatch, how):
    real = views.render.statement_markdown

    def markdown(statement, view=None):
        if statement.payee == PAYEES[4]:
            how()
        return real(statement, view)
    monkeypatch.setattr(views.render, "statement_markdown", markdown)


def a_bug():
    raise RuntimeError("the template broke on rep-05")


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("workers", [False, True])
def test_a_renderer_failing_on_the_fifth_payee_writes_nothing(tmp_path, ledger_url,
                                                               monkeypatch, workers):
    build(tmp_path, ledger_url)
    if workers:
        monkeypatch.setattr(views.parallel, "WORKERS_FROM", 0)
    out = tmp_path / "out"
    out.mkdir()
    (out / "rep-01-2026-Q1.md").write_text("an earlier statement\n")
    fail_on_the_fifth(monkeypatch, a_bug)
    failed = run("statements", "--period", "2026-Q1", "--out", str(out), "--format",
                 "json,md", db=ledger_url)
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr == ("Error: internal error (RuntimeError: the template broke on "
                             "rep-05); this is a bug in icm: please report it with the "
                             "command you ran (ICM_DEBUG=1 shows the traceback)\n")
    assert written(out) == {"rep-01-2026-Q1.md": b"an earlier statement\n"}
    fresh = tmp_path / "fresh"  # a folder the command made is removed again
    assert run("statements", "--period", "2026-Q1", "--out", str(fresh), "--format", "md",
               db=ledger_url).exit_code == 1
    assert not fresh.exists()


def test_a_worker_killed_half_way_writes_nothing(tmp_path, ledger_url, monkeypatch,
                                                  in_workers):
    build(tmp_path, ledger_url)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("kept\n")
    fail_on_the_fifth(monkeypatch, killed)
    failed = run("statements", "--period", "2026-Q1", "--out", str(out), "--format", "md",
                 db=ledger_url)
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr == ("Error: a worker process stopped before it finished (was it "
                             "killed, or out of memory?); no statement of 2026-Q1 was "
                             "written\n")
    assert written(out) == {"notes.txt": b"kept\n"}
