"""The benchmark's table, as text for the terminal and as Markdown for README.md.

One row per (size, backend, stage): icm's wall and CPU seconds beside the fastest bound's,
their ratio (wall over wall), both peaks, and icm's peak over a fixed base divided by the
deals, the figure the issue's memory target is stated in (so many bytes a deal plus a fixed
few hundred MB). MB here is 2**20 bytes.
"""
from __future__ import annotations

from decimal import Decimal

RATIO_TARGETS = {"import": 2.0, "close": 2.0}  # icm within 2x of its bound (issue 13)
BYTES_PER_DEAL = 300  # a close's peak: 300 bytes a deal above the fixed base

COLUMNS = ("size", "backend", "stage", "icm s", "icm cpu", "bound s", "bound cpu", "bound",
           "ratio", "icm MB", "bound MB", "icm B/deal", "load")
RIGHT = {"icm s", "icm cpu", "bound s", "bound cpu", "ratio", "icm MB", "bound MB",
         "icm B/deal", "load"}


def size_label(deals: int, payees: int) -> str:
    return f"{short(deals)} x {short(payees)}"


def short(number: int) -> str:
    """1000000 -> 1M, 10000 -> 10k."""
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if number >= unit and number % unit == 0:
            return f"{number // unit}{name}"
    return f"{number:,}"


def rows(runs: list[dict], base_mb: int) -> list[dict[str, str]]:
    """A table row per stage of every run, as text cells."""
    table = []
    for run in runs:
        for stage in run["stages"]:
            table.append(_row(run, stage, base_mb))
    return table


def _row(run: dict, stage: dict, base_mb: int) -> dict[str, str]:
    icm, bound = stage.get("icm"), stage.get("bound")
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(size=size_label(run["deals"], run["payees"]), backend=run["backend"],
                 stage=stage["stage"], load=f"{stage.get('load', 0):.1f}")
    if icm is None:
        cells["icm s"] = stage.get("skipped", "skipped")
        return cells
    cells["icm s"] = f"{icm['wall_s']:.2f}" if icm["returncode"] == 0 else \
        f"FAILED ({icm['returncode']})"
    cells["icm cpu"] = f"{icm['cpu_s']:.2f}"
    cells["icm MB"] = _mb(icm) + ("*" if _tree_heavier(icm) else "")
    above = icm["peak_kb"] * 1024 - base_mb * 2 ** 20
    cells["icm B/deal"] = f"{max(above, 0) / run['deals']:,.0f}"
    if bound is None:
        cells["bound s"] = "FAILED"
        return cells
    chosen = stage["bounds"][bound]
    cells.update({"bound s": f"{chosen['wall_s']:.2f}", "bound cpu": f"{chosen['cpu_s']:.2f}",
                  "bound": bound, "bound MB": _mb(chosen),
                  "ratio": f"{icm['wall_s'] / chosen['wall_s']:.1f}x"})
    return cells


def _mb(measured: dict) -> str:
    return f"{measured['peak_kb'] / 1024:,.0f}"


def _tree_heavier(measured: dict) -> bool:
    """The child's process tree held 10 % more at once than its largest process."""
    return measured["tree_peak_kb"] > 1.1 * measured["peak_kb"]


def text_table(table: list[dict[str, str]]) -> str:
    widths = {c: max([len(c)] + [len(row[c]) for row in table]) for c in COLUMNS}
    def line(cells):
        return "  ".join(cells[c].rjust(widths[c]) if c in RIGHT else cells[c].ljust(widths[c])
                         for c in COLUMNS).rstrip()
    return "\n".join([line({c: c for c in COLUMNS})] + [line(row) for row in table])


def markdown_table(table: list[dict[str, str]]) -> str:
    header = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join("---:" if c in RIGHT else "---" for c in COLUMNS) + "|"
    return "\n".join([header, rule] + ["| " + " | ".join(row[c] for c in COLUMNS) + " |"
                                       for row in table])


def variants_text(runs: list[dict]) -> str:
    """Every bound variant's time and peak, so the choice of the fastest can be checked."""
    found = []
    for run in runs:
        for stage in run["stages"]:
            parts = [f"{via} {m['wall_s']:.2f} s / {m['peak_kb'] / 1024:,.0f} MB"
                     if m["returncode"] == 0 else f"{via} FAILED"
                     for via, m in stage.get("bounds", {}).items()]
            if parts:
                found.append(f"{size_label(run['deals'], run['payees'])} {run['backend']} "
                             f"{stage['stage']}: " + ", ".join(parts))
    return "\n".join(found)


def checks_text(runs: list[dict]) -> str:
    """The commission-total check of each run: OK or MISMATCH, with every figure."""
    found = []
    for run in runs:
        check = run.get("check")
        if not check:
            continue
        figures = ", ".join(f"{name} {_usd(value)}" for name, value in check["figures"].items())
        found.append(f"{size_label(run['deals'], run['payees'])} {run['backend']}: "
                     f"{check['verdict']}: {figures}")
    return "\n".join(found)


def _usd(cents) -> str:
    if cents is None:
        return "n/a"
    return f"{Decimal(cents) / 100:,.2f} USD"


def failures_text(runs: list[dict]) -> str:
    """What failed, with the end of its stderr: a failing stage is reported, not hidden."""
    found = []
    for run in runs:
        for failure in run.get("failures", []):
            found.append(f"{size_label(run['deals'], run['payees'])} {run['backend']} "
                         f"{failure['what']} exited {failure['returncode']}:\n"
                         + "\n".join("    " + line for line in failure["tail"].splitlines()))
    return "\n".join(found)


def targets_text(runs: list[dict], base_mb: int) -> str:
    """Issue 13's targets, each met or not: import and close within 2x of their bound (wall
    time; CPU time beside it), the close's peak within 300 bytes a deal above the base, the
    totals equal."""
    found = []
    for run in runs:
        label = f"{size_label(run['deals'], run['payees'])} {run['backend']}"
        stages = {stage["stage"]: stage for stage in run["stages"]}
        for name, target in RATIO_TARGETS.items():
            stage = stages.get(name, {})
            icm, bound = stage.get("icm"), stage.get("bounds", {}).get(stage.get("bound"))
            if not icm or not bound or icm["returncode"]:
                found.append(f"{label} {name}: no figure")
                continue
            ratio, cpu = icm["wall_s"] / bound["wall_s"], icm["cpu_s"] / bound["cpu_s"]
            found.append(f"{label} {name}: {ratio:.1f}x the bound ({cpu:.1f}x in CPU time), "
                         f"target {target:g}x: {'met' if ratio <= target else 'NOT met'}")
        close = stages.get("close", {}).get("icm")
        if close and not close["returncode"]:
            limit_kb = (BYTES_PER_DEAL * run["deals"] + base_mb * 2 ** 20) / 1024
            found.append(f"{label} close peak: {close['peak_kb'] / 1024:,.0f} MB, target "
                         f"{limit_kb / 1024:,.0f} MB ({BYTES_PER_DEAL} B/deal + {base_mb} MB): "
                         f"{'met' if close['peak_kb'] <= limit_kb else 'NOT met'}")
        verdict = run.get("check", {}).get("verdict", "no figure")
        found.append(f"{label} commission total equal to the bound's: "
                     f"{'met' if verdict == 'OK' else verdict}")
    return "\n".join(found)
