"""Errors of the ledger, as values (bad rows) and as exceptions (the ledger refused).

A bad input row is a ``RowError``: collected over the whole file, reported as
``FILE:ROW: column: message`` with the header as row 1, and nothing is written. A refusal of
the ledger itself (a closed period, a version clash) is a ``LedgerRefused`` exception.
"""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.icm_error import IcmError


@dataclass(frozen=True, slots=True, order=True)
class RowError:
    file: str
    row: int  # 1-based with the header as row 1; 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        return f"{where}: {self.column}: {self.message}" if self.column else \
            f"{where}: {self.message}"


class ImportRefused(IcmError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} bad row(s)")


class LedgerRefused(IcmError):
    """The ledger refuses the change as a whole (exit code 3)."""

    exit_code = 3


class AdjustmentError(IcmError, ValueError):
    """The adjustment itself is wrong: its amount, its payee or its currency (exit 1)."""
