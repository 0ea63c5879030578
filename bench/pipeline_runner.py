"""One child process, measured: wall time, CPU time and peak memory, its output kept.

Peak RSS is the kernel's ``ru_maxrss`` from ``os.wait4`` (KiB on Linux), the same figure
``/usr/bin/time`` prints; it is the largest single process (the child or a child of its own
it waited for), so a sampler also sums the RSS of the child's whole process tree every
50 ms: a command that fans out to worker processes cannot hide their memory. On PostgreSQL
both are the client's; the server's work is in its own processes and is not counted.
CPU time (user + sys) is reported beside wall time because the machine is shared: a busy
neighbour stretches wall time, not CPU time.

The parent must stay small: a child is forked (vfork) from it, and Linux keeps the peak of
the address space the child started in as the child's ``ru_maxrss`` floor. A bench that
had grown to 283 MB (it generated the data itself) reported 283 MB for every bound;
so nothing heavy runs in bench_pipeline's own process, and it reports its own peak
(``parent_peak_kb``, VmHWM) for anyone to check.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.05


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    peak_kb: int  # ru_maxrss of the child
    tree_peak_kb: int  # the most the child's process tree held at once (sampled)
    stdout: str  # path of the captured stdout
    stderr: str  # path of the captured stderr

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def as_dict(self) -> dict:
        return asdict(self)

    def error_tail(self, lines: int = 5) -> str:
        text = Path(self.stderr).read_text(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])


def run(argv: list[str], env: dict[str, str], cwd: Path, name: str) -> Measured:
    """Run ``argv`` to its end with stdout and stderr in ``cwd/name.out`` and ``.err``."""
    out_path, err_path = cwd / f"{name}.out", cwd / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        began = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        sampler.finish()
    return Measured(argv, child.returncode, round(wall, 3),
                    round(usage.ru_utime + usage.ru_stime, 3), usage.ru_maxrss,
                    max(sampler.peak_kb, usage.ru_maxrss), str(out_path), str(err_path))


class TreeSampler(threading.Thread):
    """The peak of the summed RSS of a process and its descendants, sampled."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb = pid, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(self.pid)))

    def finish(self) -> None:
        self.done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    """pid and every descendant, from /proc/PID/task/TID/children."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    waiting += [int(child) for child in handle.read().split()]
        except OSError:  # gone meanwhile
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0
