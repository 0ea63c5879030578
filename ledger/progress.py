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
