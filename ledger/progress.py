"""Progress of a long import on stderr: a live line on a terminal, a line per tenth elsewhere."""
from __future__ import annotations

import sys


class Progress:
    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.live = getattr(self.stream, "isatty", lambda: False)()
        self.shown = -1

    def advance(self, count: int) -> None:
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        step = percent if self.live else percent // 10 * 10
        if step != self.shown:
            self.shown = step
            end = "\r" if self.live and percent < 100 else "\n"
            self.stream.write(f"{self.label}: {percent}% ({self.done:,} of {self.total:,}){end}")
            self.stream.flush()


class NoProgress:
    def advance(self, count: int) -> None:
        pass


class Status:
    """What a long command is doing, as one live line on a terminal's stderr (`icm close
    2026-Q1: settling 10,000 payees (4.2 s)`), erased when the command ends. Silent when
    stderr is not a terminal, so scripts and logs get only the result."""

    def __init__(self, label: str, stream=None, clock=None):
        import time
        self.label, self.stream = label, stream or sys.stderr
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.live = getattr(self.stream, "isatty", lambda: False)()
        self.width = 0

    def __call__(self, stage: str) -> None:
        if not self.live:
            return
        line = f"{self.label}: {stage} ({self.clock() - self.started:.1f} s)"
        self.stream.write("\r" + line.ljust(self.width) + "\r")
        self.stream.flush()
        self.width = max(self.width, len(line))

    def __enter__(self) -> "Status":
        return self

    def __exit__(self, *_exc) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def quiet(_stage: str) -> None:
    """A status that shows nothing."""
