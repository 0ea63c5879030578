"""`icm import KIND FILE`: check every row, then write the file in one transaction.

The body of ``import_csv`` is the pipeline: read the file as text, check every row against
the ledger (refusing the whole file on any bad row), work out what is new, changed and
unchanged, and write only that (the kind's writer, ``ledger.import_writes``), with the audit
trail, in the same transaction. A process
killed half-way leaves the ledger as it was, and importing the same file twice changes nothing.
"""
from __future__ import annotations

from pathlib import Path

from ledger import kinds
from ledger.csvfile import read_csv, read_table
from ledger.database import LedgerDb, writing
from ledger.errors import ImportRefused, RowError
from ledger.import_writes import ImportRun, ImportSummary
from ledger.known_rows import KnownRows
from ledger.progress import quiet


def import_csv(ledger_db: LedgerDb, kind: str, path: str | Path, actor: str | None = None,
               progress=quiet) -> ImportSummary:
    """Import one file of KIND; raises ImportRefused (nothing written) on any bad row.
    ``progress`` hears each stage, and the rows written (``ledger.progress``)."""
    if kind not in kinds.SPECS:
        raise ValueError(f"unknown kind {kind!r}; the kinds are {', '.join(kinds.SPECS)}")
    spec, path = kinds.SPECS[kind], Path(path)
    progress = progress if callable(progress) else quiet  # False: none
    progress("reading")
    read = read_table if spec.columnar else read_csv
    frame = read(path, spec.required, spec.one_line)
    with writing(ledger_db) as connection:
        run = ImportRun(connection, kind, path, actor, progress)
        run.rows = len(frame)
        progress(f"checking {len(frame):,} rows")
        prepared, problems = spec.prepare(frame, KnownRows(connection))
        del frame  # the file's text: only the prepared columns are written
        if problems:
            raise ImportRefused([RowError(str(path), row, column, message)
                                 for row, column, message in problems])
        return spec.write(run, spec, prepared)
