"""Errors are values of one shape, collected and reported together, never raised one by one;
and ``IcmError`` (rules_dsl/icm_error.py), the base of every exception the product raises
for a user.

An expression's checker speaks of character offsets in the expression (``ExprProblem``); the
loader maps those into the YAML file (``PlanError``), so every message a comp admin reads
points at a line and column of the file they wrote. A warning (lint.py) has the same shape,
with ``severity`` "warning": something a clean plan says that its author probably did not mean.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from rules_dsl.icm_error import IcmError  # noqa: F401  (re-exported; its home imports nothing)
from rules_dsl.nodes import Span


# The line breaks YAML counts (its marks' line numbers follow these, not str.splitlines).
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def source_lines(text: str) -> list[str]:
    return LINE_BREAK.split(text)


@dataclass(frozen=True, slots=True)
class ExprProblem:
    """A mistake inside one expression, at character offsets of the expression's text."""

    span: Span
    message: str


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, slots=True, order=True)
class PlanError:
    """A mistake in a plan file (or a warning): 1-based line and column into the file."""

    file: str
    line: int
    col: int
    message: str
    severity: str = ERROR  # or WARNING

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def as_dict(self) -> dict:
        """``{file, line, col, message}``, as `icm check --json` has always printed an error;
        a warning adds ``"severity": "warning"``."""
        found = {"file": self.file, "line": self.line, "col": self.col, "message": self.message}
        return {**found, "severity": WARNING} if self.is_warning else found


def warning_at(source, message: str) -> PlanError:
    """A warning at a ``Source`` (file, line, col) of the plan."""
    return PlanError(source.file, source.line, source.col, message, WARNING)


def format_error(error: PlanError, source: str | None) -> str:
    """``FILE:LINE:COL: message`` (``FILE:LINE:COL: warning: message`` for a warning), then the
    source line and a caret under the column."""
    return _with_source_line(error, source_lines(source) if source else [])


def format_errors(errors: Iterable[PlanError],
                  sources: Mapping[str, str | None]) -> Iterator[str]:
    """Each error as ``format_error`` gives it, splitting each file's text into lines once.

    Splitting the text again for every error made printing N errors of one file cost N times
    the file: 20,000 errors took minutes.
    """
    lines_of: dict[str, list[str]] = {}
    for error in errors:
        if error.file not in lines_of:
            source = sources.get(error.file)
            lines_of[error.file] = source_lines(source) if source else []
        yield _with_source_line(error, lines_of[error.file])


def _with_source_line(error: PlanError, lines: list[str]) -> str:
    label = "warning: " if error.is_warning else ""
    head = f"{error.file}:{error.line}:{error.col}: {label}{error.message}"
    if not 1 <= error.line <= len(lines):
        return head
    text = lines[error.line - 1].replace("\t", " ")
    return f"{head}\n    {text}\n    {' ' * (error.col - 1)}^"
