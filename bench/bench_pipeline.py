"""Benchmark: the whole pipeline through the CLI beside a hand-written bound of each stage.

For each size (deals x payees) and backend, on a fresh ledger: `icm plans add` and the
payees, assignments and quotas imported (untimed), then four timed stages, each an `icm`
command run as a user runs it, each followed in the same sitting by its bound, a process of
bench/pipeline_bounds.py doing the same work the plainest fast way measured (every path is
run, the faster kept):

    import      icm import deals deals.csv          plain load into a copy of icm's deals table
    calc        icm calc --period 2026-Q1           read the window + numpy enterprise-ae
    close       icm close --period 2026-Q1          the same + write a row per line and payee
    statements  icm statements ... --format md      read those rows, a Markdown file per payee

Both sides are timed whole (interpreter start and imports included) with their peak RSS from
os.wait4. Untimed: `icm calc --period 2026-Q1 --json`, whose payouts must add up to the
bound's total to the cent, as must the payouts `icm close` prints. The issue's targets
(issue 13): import and close within 2x of their bounds, a close's peak within 300 bytes a
deal above 400 MB, the totals equal.

    python bench/bench_pipeline.py --deals 1000000 --payees 10000 --backend both \\
        --out results.json --markdown results.md
    python bench/bench_pipeline.py            # the grid: 1M, 3M, 10M x 10k, 1M x 100k

Progress goes to stderr; the table, the bound variants, the checks, the issue's targets
(met or not) and any failure to stdout, and the exit status is 1 on a failure or a
mismatch. Data is generated once per (deals, payees, seed) under --data and reused. The
machine is shared: each row carries CPU time and the load average at its start. On
PostgreSQL, time and memory are the client's (the server's work is not counted), so the
CPU ratio there says little.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pipeline_ledgers  # noqa: E402
import pipeline_report as report  # noqa: E402
from pipeline_runner import Measured, run  # noqa: E402

PLAN = HERE.parent / "plans" / "enterprise-ae.yaml"
BOUNDS = HERE / "pipeline_bounds.py"
GENERATOR = HERE / "pipeline_data.py"
GRID = ((1_000_000, 10_000), (3_000_000, 10_000), (10_000_000, 10_000),
        (1_000_000, 100_000))
STAGES = ("import", "calc", "close", "statements")
VIAS = ("dbapi", "adbc")
SEED = 20261123


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    sizes = [(options.deals, options.payees)] if options.deals else list(GRID)
    backends = ("sqlite", "postgresql") if options.backend == "both" else (options.backend,)
    _byte_compile()
    runs = []
    for deals, payees in sizes:
        files = _dataset(options, deals, payees)
        if files is None:
            return 1
        for backend in backends:
            runs.append(Pipeline(options, deals, payees, backend, files).run())
            _write_results(options, runs)
    table = report.rows(runs, options.base_mb)
    print(report.text_table(table))
    print("\nbound variants (the faster is the bound):\n" + report.variants_text(runs))
    print("\ncommission total (sum of payees' payout):\n" + report.checks_text(runs))
    print("\nissue 13's targets:\n" + report.targets_text(runs, options.base_mb))
    failures = report.failures_text(runs)
    if failures:
        print("\nfailures:\n" + failures)
    print(f"\nicm B/deal = (icm peak RSS - {options.base_mb} MB) / deals; MB = 2**20 bytes; "
          "(tree N) = what the process and its workers held at once, sampled")
    if options.markdown:
        options.markdown.write_text(report.markdown_table(table) + "\n")
    return 1 if failures or any(r.get("check", {}).get("verdict") != "OK" for r in runs) else 0


ICM_MODULES = ("engine", "ledger", "views", "rules_dsl", "cli", "cli_support", "cli_reports")


def _byte_compile() -> None:
    """Compile icm's modules and the bound's once, before anything is timed, as
    `pip install` compiles an installed package: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile icm's source at every command (0.13 s of
    CPU a start, measured) and time the compiler, not the program."""
    import compileall
    for name in ICM_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        if spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                compileall.compile_dir(folder, quiet=1)
        else:
            compileall.compile_file(spec.origin, quiet=1)
    compileall.compile_dir(HERE, quiet=1, maxlevels=0)


def _options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, help="one size only (default: the grid)")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"),
                        default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/",
                        help="the PostgreSQL server (any database name is ignored)")
    parser.add_argument("--pg-database", default="icm_bench",
                        help="dropped and created afresh for each run")
    parser.add_argument("--period", default="2026-Q1", help="a quarter of 2026")
    parser.add_argument("--seed", type=int, default=SEED)
    temp = Path(tempfile.gettempdir())
    parser.add_argument("--data", type=Path, default=temp / "icm-bench-data",
                        help="generated CSVs, kept and reused")
    parser.add_argument("--work", type=Path, default=temp / "icm-bench-work",
                        help="ledgers, outputs and logs (logs are kept)")
    parser.add_argument("--via", choices=VIAS + ("both",), default="both",
                        help="which bound paths to run (default both, the faster is kept)")
    parser.add_argument("--base-mb", type=int, default=400,
                        help="the fixed part of the memory target")
    parser.add_argument("--json-check-max-deals", type=int, default=3_000_000,
                        help="above this many deals skip `icm calc --json` (its document is "
                             "large) and check the close's printed payouts only")
    parser.add_argument("--out", type=Path, help="write every figure as JSON")
    parser.add_argument("--markdown", type=Path, help="write the table as Markdown")
    return parser.parse_args(argv)


def _dataset(options, deals: int, payees: int) -> dict[str, Path] | None:
    """The CSV files, generated (or found) by a child process."""
    _say(f"data: {report.size_label(deals, payees)} (seed {options.seed}) in {options.data}")
    options.work.mkdir(parents=True, exist_ok=True)
    measured = run([sys.executable, str(GENERATOR), "--data", str(options.data), "--deals",
                    str(deals), "--payees", str(payees), "--seed", str(options.seed)],
                   dict(os.environ), options.work, f"data-d{deals}-p{payees}")
    if not measured.ok:
        _say(f"generating the data failed:\n{measured.error_tail()}")
        return None
    _say(f"data: ready in {measured.wall_s:.1f} s, peak {measured.peak_kb / 1024:,.0f} MB")
    paths = json.loads(Path(measured.stdout).read_text())
    return {kind: Path(path) for kind, path in paths.items()}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_results(options, runs: list[dict]) -> None:
    """Every figure so far: a long grid leaves its results even if it is stopped."""
    if options.out:
        document = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform()},
                    "command": sys.argv, "base_mb": options.base_mb,
                    "parent_peak_kb": _own_peak_kb(),
                    "runs": runs}
        options.out.write_text(json.dumps(document, indent=1) + "\n")


def _own_peak_kb() -> int:
    """This process's peak RSS since it started (VmHWM; ru_maxrss would include the peak of
    whatever process forked it, such as pytest)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


class Pipeline:
    """One size on one backend: a fresh ledger, the stages and their bounds, the check."""

    def __init__(self, options, deals: int, payees: int, backend: str, files: dict):
        self.options, self.deals, self.payees, self.backend = options, deals, payees, backend
        self.files = files
        self.label = f"{report.size_label(deals, payees)} {backend}"
        self.folder = options.work / f"d{deals}-p{payees}-{backend}"
        self.logs = self.folder / "logs"
        self.icm = str(Path(sys.executable).parent / "icm")
        self.vias = _vias(options.via, backend)
        self.result = {"deals": deals, "payees": payees, "backend": backend, "stages": [],
                       "failures": []}

    def run(self) -> dict:
        self.ledger = pipeline_ledgers.fresh(self.backend, self.folder / "ledger",
                                             self.options.pg_url, self.options.pg_database)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, ICM_DATABASE_URL=self.ledger)
        try:
            ready = self._setup()
            totals = {}
            for stage in STAGES:
                if not ready:
                    self.result["stages"].append({"stage": stage, "skipped": "not run"})
                    continue
                record = self._stage(stage, totals)
                if stage == "import" and record["icm"]["returncode"] != 0:
                    ready = False  # nothing to compute on
            self.result["check"] = self._verdict(totals)
        finally:
            self._bound("cleanup", "dbapi", [], quiet=True)
            pipeline_ledgers.drop(self.backend, self.ledger, self.folder / "ledger")
            for output in self.folder.glob("statements-*"):
                shutil.rmtree(output, ignore_errors=True)
        return self.result

    def _setup(self) -> bool:
        """The plan and the small files, untimed; any failure stops this run."""
        _say(f"[{self.label}] setup: plan, payees, assignments, quotas")
        steps = [("plans-add", ["plans", "add", str(PLAN)])] + [
            (f"import-{kind}", ["import", kind, str(self.files[kind])])
            for kind in ("payees", "assignments", "quotas")]
        for name, args in steps:
            measured = run([self.icm, *args], self.env, self.logs, name)
            if not measured.ok:
                self._failed(name, measured)
                return False
        return True

    def _stage(self, stage: str, totals: dict) -> dict:
        """icm's command, then each bound path, back to back."""
        record = {"stage": stage, "load": os.getloadavg()[0]}
        _say(f"[{self.label}] {stage}: icm (load {record['load']:.1f})")
        measured = run([self.icm, *self._icm_args(stage)], self.env, self.logs, f"icm-{stage}")
        record["icm"] = measured.as_dict()
        if not measured.ok:
            self._failed(f"icm {stage}", measured)
        else:
            _say(f"[{self.label}] {stage}: icm {measured.wall_s:.2f} s, "
                 f"{measured.peak_kb / 1024:,.0f} MB")
        if stage == "calc" and measured.ok:
            totals["icm calc --json"] = self._json_total()
        if stage == "close" and measured.ok:
            totals["icm close (printed)"] = _printed_total(Path(measured.stdout))
        record["bounds"] = {}
        for via in self.vias:
            bound = self._bound(self._bound_stage(stage), via, self._bound_args(stage, via),
                                label=stage)
            record["bounds"][via] = bound
            if stage in ("calc", "close") and bound.get("total") is not None:
                totals[f"bound {stage} ({via})"] = bound["total"]
            if stage == "import":
                self._bound("cleanup", via, [], quiet=True)
        finished = {via: b for via, b in record["bounds"].items() if b["returncode"] == 0}
        record["bound"] = min(finished, key=lambda via: finished[via]["wall_s"]) \
            if finished else None
        self.result["stages"].append(record)
        return record

    def _icm_args(self, stage: str) -> list[str]:
        period = ["--period", self.options.period]
        return {"import": ["import", "deals", str(self.files["deals"])],
                "calc": ["calc", *period], "close": ["close", *period],
                "statements": ["statements", *period, "--out",
                               str(self.folder / "statements-icm"), "--format", "md"]}[stage]

    @staticmethod
    def _bound_stage(stage: str) -> str:
        return "load" if stage == "import" else stage

    def _bound_args(self, stage: str, via: str) -> list[str]:
        if stage == "import":
            return ["--csv", str(self.files["deals"])]
        if stage == "statements":
            return ["--period", self.options.period, "--out",
                    str(self.folder / f"statements-bound-{via}")]
        return ["--period", self.options.period]

    def _bound(self, stage: str, via: str, args: list[str], quiet: bool = False,
               label: str = "") -> dict:
        """A bounds process; its JSON line merged into the measurement."""
        argv = [sys.executable, str(BOUNDS), stage, "--ledger", self.ledger, "--via", via, *args]
        measured = run(argv, self.env, self.logs, f"bound-{stage}-{via}")
        if not measured.ok:
            self._failed(f"bound {stage} via {via}", measured)
            return measured.as_dict()
        if not quiet:
            _say(f"[{self.label}] {label or stage}: bound via {via} {measured.wall_s:.2f} s, "
                 f"{measured.peak_kb / 1024:,.0f} MB")
        output = Path(measured.stdout).read_text().strip().splitlines()
        return measured.as_dict() | (json.loads(output[-1]) if output else {})

    def _json_total(self) -> int | None:
        """Cents: the sum of the payees' payout in `icm calc --json` (untimed), read as exact
        decimals; None above --json-check-max-deals."""
        if self.deals > self.options.json_check_max_deals:
            return None
        _say(f"[{self.label}] check: icm calc --json (untimed)")
        measured = run([self.icm, "calc", "--period", self.options.period, "--json"],
                       self.env, self.logs, "icm-calc-json")
        if not measured.ok:
            self._failed("icm calc --json", measured)
            return None
        summed = self._bound("json-total", "dbapi", ["--document", measured.stdout],
                             quiet=True)
        Path(measured.stdout).unlink()  # large; the total is what is kept
        return summed.get("total")

    def _verdict(self, totals: dict) -> dict:
        """OK when every figure there is agrees to the cent and icm's and the bound's are
        both there."""
        figures = dict(totals)
        present = {v for v in figures.values() if v is not None}
        both = any(k.startswith("icm") and v is not None for k, v in figures.items()) and \
            any(k.startswith("bound") for k in figures)
        verdict = "OK" if both and len(present) == 1 else "MISMATCH" if both else "INCOMPLETE"
        return {"verdict": verdict, "figures": figures}

    def _failed(self, what: str, measured: Measured) -> None:
        _say(f"[{self.label}] {what} FAILED (exit {measured.returncode}); see {measured.stderr}")
        self.result["failures"].append({"what": what, "returncode": measured.returncode,
                                        "tail": measured.error_tail(), "stderr": measured.stderr})


def _vias(chosen: str, backend: str) -> tuple[str, ...]:
    """The bound paths to run: without the ADBC driver (icm depends on it, but the bench may
    run beside another install) the dbapi path alone, said once on stderr."""
    if chosen == "dbapi":
        return ("dbapi",)
    driver = "adbc_driver_sqlite" if backend == "sqlite" else "adbc_driver_postgresql"
    if importlib.util.find_spec(driver) is None:
        _say(f"{driver} is not installed (pip install {driver.replace('_', '-')}): the bound "
             "runs through the dbapi path only")
        return ("dbapi",)
    return VIAS if chosen == "both" else (chosen,)


def _printed_total(stdout: Path) -> int:
    """Cents: the payouts `icm close` prints, one payee a line (payee, plans, payout,
    currency)."""
    total = Decimal(0)
    for line in stdout.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            total += Decimal(parts[-2])
    return int(total * 100)


if __name__ == "__main__":
    sys.exit(main())
