"""What every `icm` command shares: the ledger option, the exit codes, and library errors
turned into them (DATA_AND_CLI.md: 0 success, 1 the input or a plan is wrong, 2 usage error,
3 the ledger refused)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click


class InputError(click.ClickException):
    """The input or a plan is wrong; the message has already said where."""

    exit_code = 1


class RefusedError(click.ClickException):
    """The ledger refused: a closed period, an order, a race or a version clash."""

    exit_code = 3


def ledger_engine(url: str | None):
    from ledger.database import ledger_url, open_ledger
    resolved = ledger_url(url)
    if resolved.startswith("sqlite:///"):
        folder = Path(resolved.removeprefix("sqlite:///")).parent
        if not folder.is_dir():
            raise InputError(f"--db {resolved}: the folder {folder} does not exist")
    return open_ledger(url)


db_option = click.option("--db", "db_url", metavar="URL", envvar="ICM_DATABASE_URL",
                         help="Ledger URL (default sqlite:///icm.db; env ICM_DATABASE_URL).")


@contextlib.contextmanager
def engine_errors():
    """Library errors as exit codes: 1 wrong input, 2 usage, 3 the ledger refused."""
    from engine.calendar import PeriodError
    from engine.closing import AdjustmentError
    from engine.earnings import CalculationError
    from ledger.errors import LedgerRefused
    from ledger.window import MissingRateError
    from engine.reports.errors import NotFoundError, RenderError
    try:
        yield
    except PeriodError as error:
        raise click.UsageError(str(error)) from None
    except (CalculationError, MissingRateError, AdjustmentError, RenderError,
            NotFoundError) as error:
        raise InputError(str(error)) from None
    except OSError as error:  # a file or folder named on the command line
        raise InputError(f"{error.filename or ''}: {error.strerror or error}; check the path "
                         "and that its folder exists") from None
    except OverflowError as error:
        raise InputError(f"{error}: an amount, quota or rate in the ledger or a plan is far "
                         "too large; check the figures of this period") from None
    except LedgerRefused as error:
        raise RefusedError(str(error)) from None


def in_file_order(problems, paths) -> list:
    """Errors and warnings together, file by file as the command line names them, each file's
    by line and column."""
    order = {str(path): index for index, path in reversed(list(enumerate(paths)))}
    return sorted(problems, key=lambda problem: (order.get(problem.file, len(order)),
                                                 problem.line, problem.col))


def print_plan_errors(errors, paths) -> None:
    from rules_dsl import format_errors
    sources = {str(path): read_or_none(path) for path in paths}
    for text in format_errors(errors, sources):
        click.echo(text, err=True)


def read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
