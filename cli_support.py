"""What every `icm` command shares: the ledger option, the exit codes, and library errors
turned into them (DATA_AND_CLI.md: 0 success, 1 the input or a plan is wrong, 2 usage error,
3 the ledger refused)."""
from __future__ import annotations

import contextlib
import gc
import os
import sys
from importlib import metadata
from pathlib import Path

import click

from rules_dsl.icm_error import IcmError


class InputError(IcmError, click.ClickException):
    """The input or a plan is wrong; the message has already said where."""

    exit_code = 1


class InternalError(click.ClickException):
    """A bug, said in one line; ICM_DEBUG=1 lets its traceback through instead."""

    exit_code = 1


class RefusedError(IcmError, click.ClickException):
    """The ledger refused: a closed period, an order, a race or a version clash."""

    exit_code = 3


def open_ledger_db(url: str | None, create: bool = False):
    """The ledger of ``--db``. Only the commands that write input (``plans add``, ``import``,
    ``db upgrade``, ``demo``) pass ``create``: any other refuses a ledger that is not there."""
    from ledger.database import open_ledger
    return open_ledger(url, create=create)


def _db_or_the_groups(ctx: click.Context, _param, value: str | None) -> str | None:
    """`--db` after the command, else `--db` before it (`icm --db URL close ...`); the
    environment and the default are read by ``ledger.database.ledger_url``."""
    chosen = value if value is not None else ctx.find_root().params.get("db_url")
    ctx.meta["icm.db_url"] = chosen  # shared with the group, for its error messages
    return chosen


DB_HELP = "Ledger URL (default sqlite:///icm.db; env ICM_DATABASE_URL)."
db_option = click.option("--db", "db_url", metavar="URL", callback=_db_or_the_groups,
                         help=DB_HELP)


quiet_option = click.option("--quiet", "-q", "quiet", is_flag=True,
                            help="Show no progress line (it goes to stderr, and only when "
                            "stderr is a terminal).")


def _a_period(_ctx, _param, value: str) -> str:
    """A period name, checked before anything opens the ledger."""
    from rules_dsl.calendar import PeriodError, parse_period
    try:
        parse_period(value)
    except PeriodError as error:
        raise click.BadParameter(str(error)) from None
    return value


def period_option(help_text: str = "The payout period: 2026-03, 2026-Q1 or 2026."):
    return click.option("--period", "period_name", required=True, metavar="P",
                        callback=_a_period, help=help_text)


def version() -> str:
    try:
        return metadata.version("icm")
    except metadata.PackageNotFoundError:  # run from a clone as `python cli.py`
        return "unknown (not installed)"


@contextlib.contextmanager
def loading():
    """A command's imports, with the cycle collector paused: pandas, SQLAlchemy and the
    engine make a few hundred thousand objects as they load and no garbage, and the
    collector's 250 passes over them were 0.09 s of every command (of a 2.3 s close).
    A process loads its modules once, so it freezes them once."""
    enabled, loaded = gc.isenabled(), len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) > loaded:  # the modules live as long as the process: frozen, no
            gc.freeze()  # pass looks at their objects again (the first one after cost 0.05 s)
        if enabled:
            gc.enable()


class CommandGroup(click.Group):
    """The `icm` group: what no command handles itself becomes one line and an exit code
    here, never a traceback. An ``IcmError`` carries its exit code; a ledger that cannot be
    written (a read-only file, a full disk) is exit 1. Each command is one transaction, so
    nothing is half-written."""

    def invoke(self, ctx: click.Context):
        try:
            try:
                return super().invoke(ctx)
            except IcmError as error:
                raise user_error(error) from None
        except click.ClickException as error:  # its words may quote ids, names and files
            from views.safe_text import terminal_safe
            error.message = "\n".join(terminal_safe(line)
                                      for line in error.message.split("\n"))
            raise
        except (click.exceptions.Exit, click.Abort):  # click's own ways out, `--help` too
            raise
        except _database_errors() as error:  # evaluated only for an error that gets here
            from ledger.database import driver_message, ledger_url, shown_url
            url = shown_url(ledger_url(ctx.meta.get("icm.db_url")))
            raise InputError(f"the ledger {url} failed: {driver_message(error)}; nothing was "
                             "written; check that the ledger is writable, its disk has "
                             "room and its server runs") from None
        except OverflowError as error:  # a figure past what int64 or a float holds, that no
            # check before it caught: the ledger's or a plan's figures, not a bug to report
            raise InputError(f"{error}: an amount, quota or rate in the ledger or a plan is "
                             "far too large; check the figures of this period") from None
        except Exception as error:  # a bug: still one line, the traceback on request
            if os.environ.get("ICM_DEBUG") == "1":
                raise
            raise InternalError(f"internal error ({type(error).__name__}: {error}); this is "
                                "a bug in icm: please report it with the command you ran "
                                "(ICM_DEBUG=1 shows the traceback)") from None


def _database_errors() -> tuple[type[Exception], ...]:
    """``ledger.database.database_errors``, imported only when a command failed: SQLAlchemy
    and the drivers are most of the cost of starting `icm`."""
    from ledger.database import database_errors
    return database_errors()


def user_error(error: IcmError) -> click.ClickException:
    """An ``IcmError`` as click shows it: ``Error: `` and its line, with its exit code (2, a
    usage error, the way click reports one)."""
    if isinstance(error, click.ClickException):
        return error
    if error.exit_code == 2:
        return click.UsageError(error.for_user())
    return (RefusedError if error.exit_code == 3 else InputError)(error.for_user())


@contextlib.contextmanager
def engine_errors():
    """A file or folder named on the command line that cannot be read or written, as exit 1
    (every ``IcmError`` is turned into its exit code by ``CommandGroup``)."""
    try:
        yield
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise InputError(f"{where}{error.strerror or error}; check the path and that its "
                         "folder exists") from None


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
