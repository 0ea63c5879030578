"""Statements to files: HTML (one self-contained page), Markdown, JSON and PDF.

HTML and Markdown come from Jinja2 templates over one view; the PDF is the HTML printed by
WeasyPrint (an optional extra: it needs Pango from the system), so it carries the same
content. User text (names, reasons, deal ids) is escaped in HTML and Markdown, and every
value a template prints is first put on one line (``safe_text.one_line``)."""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from rules_dsl.money import format_grouped, format_minor_units
from views.errors import RenderError
from ledger.progress import quiet
from views.files import StagingFolder, staging_folder
from views.safe_text import json_text, markdown_safe, one_line
from views.source import Statement
from views.document import payee_document, period_documents, statement_documents
from views.view import StatementView, period_rows, statement_view

FORMATS = ("html", "pdf", "json", "md")
TEMPLATES = Path(__file__).with_name("templates")
PLAIN_PAYEE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
WINDOWS_DEVICE = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?")


def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=autoescape, trim_blocks=True,
                                     lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True, finalize=_on_one_line)
    environment.globals["grouped_units"] = format_grouped
    environment.filters["md"] = markdown_safe
    return environment


def _on_one_line(value):
    """Every text a template prints goes onto one line, so no value, escaped or not, can
    carry a control character into a page; our own markup (CSS, SVG) is left as it is."""
    return one_line(value) if isinstance(value, str) and not isinstance(value, Markup) \
        else value


_HTML = _environment(autoescape=True)
_TEXT = _environment(autoescape=False)


def html_environment() -> jinja2.Environment:
    """The one autoescaping environment of the HTML pages (statements and KPIs)."""
    return _HTML


@functools.cache
def house_css() -> str:
    """The stylesheet every HTML page inlines, read once."""
    return (TEMPLATES / "base.css").read_text()


def statement_html(statement: Statement, view: StatementView | None = None,
                   printing: bool = False) -> str:
    """The statement's page; ``printing`` (the PDF) opens every group of lines that a
    browser shows closed."""
    return html_environment().get_template("statement.html.j2").render(
        s=statement, v=view or statement_view(statement), css=house_css(),
        printing=printing)


def statement_markdown(statement: Statement, view: StatementView | None = None) -> str:
    return _TEXT.get_template("statement.md.j2").render(
        s=statement, v=view or statement_view(statement))


def statement_json(statement: Statement) -> str:
    """The document of `icm calc --json` for one payee, with the run it comes from."""
    document = {"period": statement.period, "status": statement.status,
                "run_id": statement.run_id,
                "payees": [payee_document(statement.record, statement_documents(statement))]}
    if statement.payment is not None:
        paid = statement.payment
        document["payment"] = {"currency": paid.currency,
                               "amount": format_minor_units(paid.amount, paid.currency),
                               "rate": paid.rate, "rate_date": str(paid.rate_date)}
    return json_text(document) + "\n"


def statement_pdf(statement: Statement, html: str | None = None) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise RenderError("PDF statements need WeasyPrint and the system's Pango: "
                          "pip install 'icm[pdf]' (Debian: apt-get install libpango-1.0-0 "
                          f"libpangoft2-1.0-0) ({error})") from None
    return weasyprint.HTML(string=html or statement_html(statement, printing=True)
                           ).write_pdf()


def file_stem(statement: Statement) -> str:
    """`rep-7-2026-Q1`: the payee's part of a file name, then the period."""
    return f"{payee_file_part(statement.payee)}-{statement.period}"


def payee_file_part(payee_id: str) -> str:
    """A payee id as part of a file name, different for every id, also on a disk that
    ignores case. An id of lowercase letters, digits, `.`, `_` and `-` (at most 64, not
    starting with `.`, `_` or `-`, not a Windows device name) is kept as it is; any other id
    becomes a readable form (other characters as `_`) followed by `~` and the first 12 hex
    digits of the SHA-256 of the id, so `a/b` and `a_b`, or `M` and `m`, never share a
    file."""
    if PLAIN_PAYEE_ID.fullmatch(payee_id) and not WINDOWS_DEVICE.fullmatch(payee_id):
        return payee_id
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", payee_id).strip("._-")[:40]
    digest = hashlib.sha256(payee_id.encode("utf-8")).hexdigest()[:12]
    return f"{readable or 'payee'}~{digest}"


def write_statements(statements: list[Statement], directory: Path, formats: tuple[str, ...],
                     status=quiet) -> list[Path]:
    """Every statement in every format into ``directory``, all of them or, when one cannot
    be written, none; the paths written, in order. A large set is rendered by worker
    processes, one per core (``views.parallel``); ``status`` hears how many are done."""
    from views.parallel import chunks_in_workers
    period = statements[0].period if statements else ""
    names = [f"{file_stem(statement)}.{kind}" for statement in statements for kind in formats]
    if len(set(names)) != len(names):
        raise AssertionError("two statements would be written to one file name")
    untouched = f"no statement of {period} was written"
    _compute_shared(statements, formats)
    with staging_folder(directory, untouched) as staging:
        job = functools.partial(_write_some, statements, formats, staging)
        status("writing", 0, len(statements), "statements")
        done = 0
        for count in chunks_in_workers(job, len(statements), untouched):
            done += count
            status("writing", done, len(statements), "statements")
        staging.commit(names)
    return [directory / name for name in names]


def _compute_shared(statements: list[Statement], formats: tuple[str, ...]) -> None:
    """What all the statements take from their period's lines (``source.PeriodLines``),
    computed here once, before any worker is forked (so each finds it made)."""
    tables = {id(s.shared): s.shared for s in statements if s.shared is not None}
    for shared in tables.values():
        if "json" in formats:
            period_documents(shared)
        if set(formats) - {"json"}:
            period_rows(shared)


def _write_some(statements: list[Statement], formats: tuple[str, ...], staging: StagingFolder,
                start: int, stop: int) -> int:
    """Statements ``start`` to ``stop`` into the staging folder; how many."""
    for statement in statements[start:stop]:
        paged = bool({"html", "pdf"} & set(formats))  # the only renderings with charts
        stem, view = file_stem(statement), statement_view(statement, charts=paged)
        html = statement_html(statement, view) if paged else None
        for kind in formats:
            staging.write(f"{stem}.{kind}", _rendered(kind, statement, view, html))
    return stop - start


def _rendered(kind: str, statement: Statement, view: StatementView, html: str | None
              ) -> str | bytes:
    if kind == "html":
        return html
    if kind == "md":
        return statement_markdown(statement, view)
    if kind == "json":
        return statement_json(statement)
    # a manager's lines are in groups a browser shows closed: the PDF prints them open
    return statement_pdf(statement, statement_html(statement, view, printing=True)
                         if view.team else html)
