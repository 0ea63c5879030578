"""Reading an input CSV as text columns indexed by row number (the header is row 1).

Every value stays a string here: the kinds parse their own columns exactly, so ``0.1`` never
passes through a float and ``007`` keeps its zeros.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ledger.errors import ImportRefused, RowError
from ledger.progress import NoProgress, Progress

CHUNK_ROWS = 200_000


def read_csv(path: Path, required: tuple[str, ...], progress: bool) -> pd.DataFrame:
    """The file's rows as strings; raises ImportRefused-style errors as a list on bad shape."""
    file = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
            total = sum(1 for _ in handle)
    except FileNotFoundError:
        raise _refuse(file, 0, "", "no such file") from None
    except UnicodeDecodeError as error:
        raise _refuse(file, 0, "", f"not UTF-8 text ({error.reason} at byte "
                                   f"{error.start})") from None
    if not header:
        raise _refuse(file, 1, "", "the file is empty: a header row is needed")
    header = [name.strip() for name in header]
    problems = [RowError(file, 1, name or f"column {i + 1}", "a header name is empty")
                for i, name in enumerate(header) if not name]
    problems += [RowError(file, 1, name, "this column appears twice")
                 for i, name in enumerate(header) if name and name in header[:i]]
    problems += [RowError(file, 1, name, "a required column is missing")
                 for name in required if name not in header]
    if problems:
        raise ImportRefused(problems)
    meter = Progress(f"reading {path.name}", total) if progress and total > CHUNK_ROWS \
        else NoProgress()
    chunks = []
    try:
        reader = pd.read_csv(path, dtype=str, header=None, names=header, skiprows=1,
                             keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                             chunksize=CHUNK_ROWS, skip_blank_lines=False)
        for chunk in reader:
            chunks.append(chunk)
            meter.advance(len(chunk))
    except pd.errors.ParserError as error:
        raise _refuse(file, 0, "", f"not a well-formed CSV: {error}") from None
    frame = pd.concat(chunks) if chunks else pd.DataFrame(columns=header, dtype=str)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame.astype(str)


def _refuse(file: str, row: int, column: str, message: str) -> ImportRefused:
    return ImportRefused([RowError(file, row, column, message)])
