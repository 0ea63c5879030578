"""What a long command is doing, on a terminal's stderr: one live line, redrawn in place at
most ten times a second and erased when the command ends.

  icm import deals  writing  [#########.........]  512,000 of 1,000,000 rows  48,200 rows/s  10.6 s

A command makes one ``Progress`` (``progress_line``) and hands it down as its ``status``:
anything that works in stages calls ``status(stage)`` as each starts, and a stage that walks
many items may also say how far it is, ``status(stage, done, total, unit)``; ``counted``
does that for a loop. The line is silent when stderr is not a terminal (scripts and logs get
only the result) and with ``--quiet``; ``quiet`` is the status that shows nothing, the
default of every library call."""
from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Callable, Iterable, Iterator, TypeVar

Item = TypeVar("Item")
BAR = 20  # characters of the bar between its brackets
INTERVAL = 0.1  # seconds between redraws of the same stage


def quiet(_stage: str, done: int | None = None, total: int | None = None,
          unit: str = "") -> None:
    """A status that shows nothing."""


class Progress:
    """The live line of one command: its label, the stage it is in, and that stage's count,
    rate and the time since the command started. ``live`` is false off a terminal: then
    every call returns at once."""

    def __init__(self, label: str, stream=None, clock: Callable[[], float] | None = None,
                 columns: int | None = None, live: bool | None = None):
        self.label, self.stream = label, stream or sys.stderr
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.live = _is_terminal(self.stream) if live is None else live
        self.columns = columns
        self.stage, self.stage_started, self.drawn_at = "", self.started, None
        self.width = 0  # of the longest line drawn, to blank it out

    def __call__(self, stage: str, done: int | None = None, total: int | None = None,
                 unit: str = "") -> None:
        if not self.live:
            return
        now = self.clock()
        if stage != self.stage:
            self.stage, self.stage_started = stage, now
        elif self.drawn_at is not None and now - self.drawn_at < INTERVAL \
                and done != total:
            return  # the same stage, drawn less than a tenth of a second ago
        self.drawn_at = now
        self._draw(self.line(now, done, total, unit, self._columns()))

    def line(self, now: float, done: int | None, total: int | None, unit: str,
             columns: int = 100) -> str:
        """The line to show, at most ``columns - 1`` long (a line that wraps could not be
        redrawn in place): the bar narrows, or goes, before the end is cut."""
        head = [self.label, self.stage] if self.stage else [self.label]
        tail = []
        if done is not None:
            tail.append(f"{done:,} of {total:,} {unit}".rstrip() if total
                        else f"{done:,} {unit}".rstrip())
            spent = now - self.stage_started
            if spent > 0:
                tail.append(f"{done / spent:,.0f} {unit or 'items'}/s")
        tail.append(f"{now - self.started:.1f} s")
        room = columns - 1 - len("  ".join(head + tail)) - len("  []")
        if done is not None and total and room >= 5:
            width = min(BAR, room)
            filled = min(width, width * done // total)
            head.append(f"[{'#' * filled}{'.' * (width - filled)}]")
        return "  ".join(head + tail)[:max(columns - 1, 1)]

    def clear(self) -> None:
        """Erase the line, before the command prints its result or an error."""
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
        self.stage, self.drawn_at = "", None

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line.ljust(self.width) + "\r")
        self.stream.flush()
        self.width = max(self.width, len(line))

    def _columns(self) -> int:
        """The terminal's width: of the stream itself when it has one, else the usual
        guess (``COLUMNS``, then 80)."""
        if self.columns:
            return self.columns
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):  # no descriptor, or not a terminal
            columns = 0
        return columns if columns > 0 else shutil.get_terminal_size().columns

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *_exc) -> None:
        self.clear()


def progress_line(label: str, silent: bool = False, stream=None) -> Progress:
    """The status of a command: live on a terminal's stderr, silent with ``--quiet``."""
    return Progress(label, stream, live=False if silent else None)


def counted(items: Iterable[Item], status, stage: str, total: int, unit: str
            ) -> Iterator[Item]:
    """``items`` as they are, telling ``status`` how many are done as the loop goes."""
    status(stage, 0, total, unit)
    done = 0
    for item in items:
        yield item
        done += 1
        status(stage, done, total, unit)


class Meter:
    """A count that grows by batches (rows written), told to ``status`` as one stage."""

    def __init__(self, status, stage: str, total: int, unit: str = "rows"):
        self.status, self.stage, self.total, self.unit, self.done = \
            status, stage, total, unit, 0
        status(stage, 0, total, unit)

    def advance(self, count: int) -> None:
        self.done += count
        self.status(self.stage, self.done, self.total, self.unit)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
