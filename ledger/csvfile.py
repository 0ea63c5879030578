"""Reading an input CSV as text columns indexed by row number (the header is row 1).

Every value stays a string here: the kinds parse their own columns exactly, so ``0.1`` never
passes through a float and ``007`` keeps its zeros.

A row is a CSV record, numbered from the header as row 1: a quoted value that spans lines is
still one row, so the numbers are those a spreadsheet shows. The rows are read by pyarrow's
CSV reader, serially so that it knows the number of each row whose field count is wrong. A
file it cannot read at all (text that is not UTF-8, a row far over the limits) is walked again
record by record with the csv module, only to say where it goes wrong. Neither reader ever
holds more than a bounded piece of the file, so a file with a 2 GB line is refused, not read.

A file is refused whole, before any kind looks at its values, when a row has more or fewer
fields than the header, a value holds a NUL byte or is over the size limits, a value of a
column that names or counts something (an id, a code, a date, an amount) spans lines, or the
text is not UTF-8.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ledger.errors import ImportRefused, RowError

MAX_VALUE_BYTES = 128 * 1024  # one value (a field), in bytes of UTF-8
MAX_ROW_BYTES = 1024 * 1024  # one row, the header too: its values and the commas between them
# A row within the limits written with every value quoted and every quote doubled takes at
# most 2 * MAX_ROW_BYTES + (fields + 3) bytes, and the header's limit holds a row to fewer
# than MAX_ROW_BYTES / 2 + 1 fields; a line longer than this cannot be one. It is also the
# block that pyarrow holds at a time, so every row within the limits fits in one.
_RAW_ROW_LIMIT = 4 * MAX_ROW_BYTES

_TOO_LONG_VALUE = (f"the value is longer than {MAX_VALUE_BYTES:,} bytes (128 KiB), the most "
                   "a value may hold")
_TOO_LONG_ROW = (f"the row is longer than {MAX_ROW_BYTES:,} bytes (1 MiB), the most a row "
                 "may hold")
_NUL_IN_VALUE = "a NUL byte in the value: CSV text cannot hold one"
_LINE_BREAK_IN_VALUE = ("a line break in the value: only free text (a name, an extra column) "
                        "may span lines; check the quotes")


class _Unreadable(Exception):
    """The csv module cannot go on past this row: a line or value in it is far too long."""

    def __init__(self, row: int, field: int, message: str):
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


def read_csv(path: Path, required: tuple[str, ...], one_line: tuple[str, ...]) -> pd.DataFrame:
    """The file's rows as strings, indexed by row number; raises ImportRefused with every
    problem of the file's shape. ``one_line`` names the columns whose values may not span
    lines."""
    table = read_table(path, required, one_line)
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(2, 2 + len(frame))  # no row was left out: none had a problem
    return frame


def read_table(path: Path, required: tuple[str, ...], one_line: tuple[str, ...]) -> pa.Table:
    """``read_csv`` as an Arrow table of strings, named by the header: its row i is the
    file's row i + 2 (a file with a problem is refused whole, so no row is left out). The
    kinds of many rows (deals, credits) check it column by column without pandas."""
    file = str(path)
    header, has_rows = _read_header(path, file)
    names = [name.strip() for name in header]
    _check_header(file, header, names, required, has_rows)
    if not has_rows:
        return pa.table({name: pa.array([], pa.string()) for name in names})
    table, rows, problems = _read_rows(path, file, names)
    problems += _value_problems(file, table, names, rows, one_line)
    if problems:
        raise ImportRefused(problems)
    return table.rename_columns(names)


# -- the header, read as the first record ---------------------------------------------------


def _read_header(path: Path, file: str) -> tuple[list[str], bool]:
    """The header's values, and whether any text follows it."""
    try:
        with _open_text(path) as handle:
            records = _records(handle)
            try:
                _, header = next(records, (1, []))
            except _Unreadable as error:
                raise _refuse(file, 1, f"column {error.field + 1}", error.message) from None
            return header, handle.read(1) != ""
    except FileNotFoundError:
        raise _refuse(file, 0, "", "no such file") from None
    except IsADirectoryError:
        raise _refuse(file, 0, "", "is a folder: name a CSV file") from None
    except OSError as error:
        raise _refuse(file, 0, "", f"cannot be read: {error.strerror or error}") from None


def _check_header(file: str, header: list[str], names: list[str], required: tuple[str, ...],
                  has_rows: bool) -> None:
    if not header:
        raise _refuse(file, 1, "", "the header row is blank: the first row must name the "
                                   "columns" if has_rows else
                      "the file is empty: a header row is needed")
    positions = [f"column {i + 1}" for i in range(len(header))]
    problems = _record_problems(file, 1, header, positions)
    for i, (name, position) in enumerate(zip(names, positions)):
        if "\x00" in name:
            problems.append(RowError(file, 1, position, "a NUL byte in the name"))
        elif "\r" in name or "\n" in name:
            problems.append(RowError(file, 1, position, "a line break in the name"))
        elif not name:
            problems.append(RowError(file, 1, position, "a header name is empty"))
        elif name in names[:i]:
            problems.append(RowError(file, 1, name, "this column appears twice"))
    problems += [RowError(file, 1, name, "a required column is missing")
                 for name in required if name not in names]
    if problems:
        raise ImportRefused(problems)


# -- the rows, read by pyarrow ------------------------------------------------------------


def _read_rows(path: Path, file: str, names: list[str]
               ) -> tuple[pa.Table, np.ndarray, list[RowError]]:
    """The table of the rows after the header, the row number of each, and the rows whose
    field count differs from the header's (left out of the table)."""
    columns = [str(i) for i in range(len(names))]  # the names are checked, not yet trusted
    misshapen: list[RowError] = []

    def wrong_count(row) -> str:
        misshapen.append(_field_count_problem(file, row, names))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_RAW_ROW_LIMIT,
                                           column_names=columns, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=wrong_count),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except pa.ArrowException as error:
        raise ImportRefused(_locate(path, file) or [
            RowError(file, 0, "", f"not a readable CSV file: {error}")]) from None
    rows = np.arange(2, 2 + table.num_rows + len(misshapen))
    if misshapen:
        rows = np.setdiff1d(rows, [problem.row for problem in misshapen])
    return table, rows, misshapen


def _field_count_problem(file: str, row, names: list[str]) -> RowError:
    """A row with more or fewer fields than the header, named at the first column where the
    two part."""
    count, expected = row.actual_columns, row.expected_columns
    column = names[count] if count < expected else f"column {expected + 1}"
    message = f"the row has {count} field{'s' * (count != 1)} but the header has {expected}"
    if "\n" in row.text or "\r" in row.text:
        message += ("; a quoted value in it runs over several lines: is a closing quote "
                    "missing?")
    elif count > expected:
        message += '; a value with a comma in it needs quotes, such as "Smith, John"'
    return RowError(file, row.number or 0, column, message)


def _value_problems(file: str, table: pa.Table, names: list[str], rows: np.ndarray,
                    one_line: tuple[str, ...]) -> list[RowError]:
    """Values over the size limits, with a NUL byte, or spanning lines where they may not:
    column by column in pyarrow, looping only over the rows found bad."""
    problems: list[RowError] = []
    row_bytes = np.full(table.num_rows, len(names) - 1, dtype=np.int64)  # the commas
    for name, values in zip(names, table.columns):
        lengths = pc.binary_length(values).to_numpy()
        row_bytes += lengths
        checks = [(lengths > MAX_VALUE_BYTES, _TOO_LONG_VALUE),
                  (_holding(values, "\x00"), _NUL_IN_VALUE)]
        if name in one_line:
            checks.append((_holding(values, "\r\n"), _LINE_BREAK_IN_VALUE))
        for bad, message in checks:
            problems += [RowError(file, int(row), name, message) for row in rows[bad]]
    problems += [RowError(file, int(row), "", _TOO_LONG_ROW)
                 for row in rows[row_bytes > MAX_ROW_BYTES]]
    return problems


def _holding(values: pa.ChunkedArray, characters: str) -> np.ndarray:
    """Which values hold any of these ASCII characters. The column's bytes are searched at
    once, which is almost free; only a column that holds one is searched value by value."""
    found = np.zeros(len(values), dtype=bool)
    data = [chunk.buffers()[2] for chunk in values.chunks]
    for character in characters:
        if any(buffer is not None and character.encode() in buffer.to_pybytes()
               for buffer in data):
            found |= pc.match_substring(values, character).to_numpy(zero_copy_only=False)
    return found


# -- the slow walk that says where an unreadable file goes wrong ---------------------------


def _locate(path: Path, file: str) -> list[RowError]:
    """Where a file pyarrow could not read goes wrong, walked record by record: text that is
    not UTF-8, or a value or row over the limits. Empty if the walk finds nothing."""
    problems: list[RowError] = []
    names: list[str] = []
    with _open_text(path) as handle:
        try:
            for row, values in _records(handle):
                names = names or [name.strip() or f"column {i + 1}"
                                  for i, name in enumerate(values)]
                problems += _record_problems(file, row, values, names)
        except _Unreadable as error:
            problems.append(RowError(file, error.row, _column_name(names, error.field),
                                     error.message))
    return problems


def _record_problems(file: str, row: int, values: list[str], names: list[str]
                     ) -> list[RowError]:
    """A record's values that are not UTF-8 or over the size limits (the csv module's view,
    for the header and for the walk of an unreadable file)."""
    problems, row_bytes = [], len(values) - 1
    for i, value in enumerate(values):
        raw = value.encode("utf-8", "surrogateescape")
        row_bytes += len(raw)
        column = _column_name(names, i)
        bad = _NOT_UTF8.search(value)
        if bad:
            at = len(value[:bad.start()].encode("utf-8", "surrogateescape")) + 1
            problems.append(RowError(file, row, column, (
                f"not UTF-8 text (0x{ord(bad.group()) - 0xDC00:02X} at byte {at} of the "
                "value): save the file as UTF-8")))
        elif len(raw) > MAX_VALUE_BYTES:
            problems.append(RowError(file, row, column, _TOO_LONG_VALUE))
    if row_bytes > MAX_ROW_BYTES:
        problems.append(RowError(file, row, "", _TOO_LONG_ROW))
    return problems


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that surrogateescape could not decode


def _records(handle: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    """(row, values) of each CSV record. Lines are read at most _RAW_ROW_LIMIT characters
    at a time; a longer one, or a value over the csv module's own limit (131,072 characters,
    at least MAX_VALUE_BYTES in bytes), raises _Unreadable naming the field it reached."""
    pending: list[str] = []  # the lines of the record being read

    def lines() -> Iterator[str]:
        while line := handle.readline(_RAW_ROW_LIMIT + 1):
            pending.append(line)
            if len(line) > _RAW_ROW_LIMIT:
                raise _LineTooLong
            yield line

    reader = csv.reader(lines())
    row = 0
    while True:
        row += 1
        pending.clear()
        try:
            values = next(reader)
        except StopIteration:
            return
        except _LineTooLong:
            raise _Unreadable(row, _field_reached("".join(pending)), _TOO_LONG_ROW) from None
        except csv.Error:  # the only one it raises here: a value over its limit
            raise _Unreadable(row, _field_reached("".join(pending)),
                              _TOO_LONG_VALUE) from None
        yield row, values


class _LineTooLong(Exception):
    pass


_QUOTED = re.compile(r'"(?:[^"]|"")*"?')


def _field_reached(text: str) -> int:
    """The index of the field in which a record's text stops: the commas outside quotes."""
    return _QUOTED.sub("", text).count(",")


def _column_name(names: list[str], field: int) -> str:
    return names[field] if field < len(names) else f"column {field + 1}"


def _open_text(path: Path) -> io.TextIOBase:
    """The file as text: a UTF-8 BOM dropped, line ends kept for the csv module, and bytes
    that are not UTF-8 kept as surrogates so that the walk can say where they are."""
    return open(path, newline="", encoding="utf-8-sig", errors="surrogateescape")


def _refuse(file: str, row: int, column: str, message: str) -> ImportRefused:
    return ImportRefused([RowError(file, row, column, message)])
