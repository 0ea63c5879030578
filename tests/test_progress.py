"""Progress on stderr: a live line with a bar, counts and a rate on a terminal, redrawn in
place at most ten times a second and erased at the end; nothing at all when stderr is not a
terminal, or with `--quiet` (`-q`). The four long commands (import, calc, close,
statements) are run on a real pseudo-terminal, as a person at a shell runs them."""
from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading

import pytest

from ledger.progress import Meter, Progress, counted, progress_line
from tests.paths import ROOT
from tests.test_calc import FILES, build


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def ticking(*times: float):
    ticks = iter(times)
    return lambda: next(ticks)


def test_the_bar_shows_counts_rate_and_time_and_is_erased_at_the_end():
    terminal = Terminal()
    # started at 0; three reports at 0, 10.6 and 10.65 s; the last is within a tenth of a
    # second of the one before, so it is not drawn
    with Progress("icm import deals", terminal, ticking(0.0, 0.0, 10.6, 10.65),
                  columns=120) as status:
        status("writing", 0, 1_000_000, "rows")
        status("writing", 512_000, 1_000_000, "rows")
        status("writing", 513_000, 1_000_000, "rows")
    first = "icm import deals  writing  [....................]  0 of 1,000,000 rows  0.0 s"
    second = ("icm import deals  writing  [##########..........]  512,000 of 1,000,000 rows  "
              "48,302 rows/s  10.6 s")
    assert terminal.getvalue() == (f"\r{first}\r" + f"\r{second}\r"
                                   + "\r" + " " * len(second) + "\r")


def test_a_stage_without_counts_shows_its_time_and_a_new_stage_is_drawn_at_once():
    terminal = Terminal()
    with Progress("icm close 2026-Q1", terminal, ticking(0.0, 1.25, 1.3), columns=120) \
            as status:
        status("settling 10,000 payees")
        status("recording")  # a new stage is drawn even 0.05 s after the last line
    line = "icm close 2026-Q1  settling 10,000 payees  1.2 s"
    assert terminal.getvalue() == (
        f"\r{line}\r" + "\r" + "icm close 2026-Q1  recording  1.3 s".ljust(len(line)) + "\r"
        + "\r" + " " * len(line) + "\r")


def test_a_narrow_terminal_gets_a_narrower_bar_or_none_and_never_a_wrapped_line():
    progress = Progress("icm import deals", Terminal(), ticking(0.0), columns=80)
    progress.stage = "writing"
    counts = "512,000 of 1,000,000 rows  48,302 rows/s  10.6 s"
    assert progress.line(10.6, 512_000, 1_000_000, "rows", columns=90) == \
        f"icm import deals  writing  [#####.....]  {counts}"
    assert progress.line(10.6, 512_000, 1_000_000, "rows", columns=80) == \
        f"icm import deals  writing  {counts}"
    assert progress.line(10.6, 512_000, 1_000_000, "rows", columns=40) == \
        "icm import deals  writing  512,000 of 1"


def test_counted_and_meter_report_every_item_and_the_line_keeps_only_a_few():
    terminal = Terminal()
    clock = iter(range(0, 10_000))  # every call of the clock a millisecond later
    with Progress("icm statements 2026-Q1", terminal, lambda: next(clock) / 1000,
                  columns=120) as status:
        assert list(counted(range(1000), status, "writing", 1000, "statements")) == \
            list(range(1000))
        meter = Meter(status, "writing", 300, "rows")
        for _ in range(3):
            meter.advance(100)
    drawn = [part for part in terminal.getvalue().split("\r") if part.strip()]
    # 1,001 reports over a second: drawn at its start, each tenth of a second, at the end
    counts = [re.search(r"(\d[\d,]*) of 1,000 statements", line).group(1)
              for line in drawn if "of 1,000 statements" in line]
    assert counts[0] == "0" and counts[-1] == "1,000" and 10 <= len(counts) <= 12
    assert "300 of 300 rows" in drawn[-1]


def test_nothing_is_written_off_a_terminal_or_when_quiet():
    for stream, silent in ((io.StringIO(), False), (Terminal(), True)):
        with progress_line("icm calc 2026-Q1", silent, stream) as status:
            status("settling", 5, 10, "payees")
            status.clear()
        assert stream.getvalue() == ""


# ------------------------------------------------------- the commands, on a terminal


def on_terminal(*args: str, db: str, cwd) -> tuple[int, str, str]:
    """Run `icm ARGS` with stderr on a pseudo-terminal 120 columns wide and stdout on a pipe:
    (exit code, stdout, what the terminal received)."""
    main_end, terminal_end = pty.openpty()
    fcntl.ioctl(terminal_end, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args, "--db", db],
                               cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=terminal_end)
    os.close(terminal_end)
    stdout = []  # read beside the terminal, so that neither pipe fills and blocks the command
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()))
    reader.start()
    received = b""
    while True:
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        received += chunk
    reader.join(timeout=60)
    process.wait(timeout=60)
    os.close(main_end)
    return process.returncode, stdout[0].decode(), received.decode()


@pytest.fixture
def small_ledger(tmp_path):
    db = f"sqlite:///{tmp_path / 'icm.db'}"
    build(tmp_path, db)
    return db


def test_each_long_command_shows_its_bar_on_a_terminal_and_nothing_with_quiet(
        tmp_path, small_ledger):
    deals = tmp_path / "more-deals.csv"
    deals.write_text("id,date,owner_id,amount,currency\n" + "".join(
        f"X-{n},2026-0{n % 3 + 1}-1{n % 9},rep-{n % 2 + 1},{100 + n}.00,USD\n"
        for n in range(2000)))
    out = tmp_path / "out"
    commands = [
        (["import", "deals", str(deals)], r"icm import deals  writing  \[#{20}\]  2,000 of "
         r"2,000 rows  [\d,]+ rows/s  \d+\.\d s"),
        (["calc", "--period", "2026-Q1", "--json"], r"icm calc 2026-Q1  settling  \[#{20}\]  "
         r"2 of 2 payees  [\d,]+ payees/s  \d+\.\d s"),
        (["close", "--period", "2026-Q1"], r"icm close 2026-Q1  settling  \[#{20}\]  2 of 2 "
         r"payees"),
        (["statements", "--period", "2026-Q1", "--out", str(out), "--format", "md"],
         r"icm statements 2026-Q1  writing  \[#{20}\]  2 of 2 statements  [\d,]+ "
         r"statements/s  \d+\.\d s")]
    for args, bar in commands:
        # first quietly (`-q` for close, `--quiet` for the others), on a copy of the ledger
        quiet_args = [*args[:1], "-q", *args[1:]] if args[0] == "close" else [*args, "--quiet"]
        copy = tmp_path / "copy.db"
        copy.write_bytes((tmp_path / "icm.db").read_bytes())
        code, _, quiet_terminal = on_terminal(*quiet_args, db=f"sqlite:///{copy}",
                                              cwd=tmp_path)
        assert code == 0, quiet_terminal
        code, stdout, terminal = on_terminal(*args, db=small_ledger, cwd=tmp_path)
        assert code == 0, terminal
        assert re.search(bar, terminal), terminal
        # each line is drawn over the last, never below it, and blanked at the end
        drawn = terminal.replace("2026-Q1 closed as run 1\r\n", "")
        assert "\n" not in drawn
        widest = max(len(part) for part in drawn.split("\r"))
        assert drawn.endswith("\r" + " " * widest + "\r")
        assert quiet_terminal in ("", "2026-Q1 closed as run 1\r\n")
        if args[0] == "calc":
            assert stdout.startswith('{\n  "period": "2026-Q1"')


def test_off_a_terminal_the_commands_print_only_their_result(tmp_path, small_ledger):
    from tests.test_close import ok
    deals = tmp_path / "late.csv"
    deals.write_text("id,date,owner_id,amount,currency\nL-1,2026-03-03,rep-2,10.00,USD\n")
    assert ok("import", "deals", str(deals), db=small_ledger).stderr == ""
    assert ok("calc", "--period", "2026-Q1", db=small_ledger).stderr == ""
    assert ok("close", "--period", "2026-Q1", db=small_ledger).stderr == \
        "2026-Q1 closed as run 1\n"
    assert ok("statements", "--period", "2026-Q1", "--out", str(tmp_path / "o"),
              db=small_ledger).stderr == ""
    assert FILES  # the ledger is test_calc.py's
