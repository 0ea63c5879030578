"""Views compute on typed values and write text at the end; none reads a number back out of
text (issue 12: "No view parses a decimal string").

An ``ast`` scan of ``views/*.py`` for the calls that turn text into a number: the money
parsers ``text_to_minor_units`` and ``parse_decimal``, ``Decimal(...)``, and ``Fraction(x)``
with one argument that is visibly text: a string literal, an f-string, a document's field
(``d["rate"]``, ``d.get("rate")``), ``str(...)``, or a parameter annotated ``str``. A
``Fraction(name)`` whose type the scan cannot see is not flagged; the other calls are flagged
whatever their argument.

The one exemption is the legacy reader of ``views/document.py``: statements kept by closes
made before the result became data are JSON text, and reading them back means parsing it.
"""
from __future__ import annotations

import ast
import textwrap

from tests.paths import ROOT

PARSERS = {"text_to_minor_units", "parse_decimal", "Decimal"}
# (module, top-level function): the reader of statements kept as JSON text by older closes
LEGACY_READER = {("document.py", name) for name in
                 ("read_kept", "_measure", "_line_rows", "_basis", "_start_value")}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _is_text(node: ast.expr, text_names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in text_names
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
    if isinstance(node, ast.Call):
        return _name(node.func) in {"get", "str"}
    return False


def parses_text(call: ast.Call, text_names: set[str]) -> bool:
    name = _name(call.func)
    if name in PARSERS:
        return True
    return (name == "Fraction" and len(call.args) == 1 and not call.keywords
            and _is_text(call.args[0], text_names))


def _text_parameters(scope: ast.AST) -> set[str]:
    """The parameters annotated ``str`` (or ``str | None``) of every function in scope."""
    return {arg.arg for function in ast.walk(scope)
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for arg in function.args.args + function.args.kwonlyargs
            if arg.annotation is not None
            and "str" in ast.unparse(arg.annotation).replace("|", " ").split()}


def findings(source: str, module: str) -> list[tuple[str, str, int]]:
    """(module, enclosing top-level function or '', line) of each call that parses text."""
    found = []
    for top in ast.parse(source).body:
        where = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef,
                                             ast.ClassDef)) else ""
        text_names = _text_parameters(top)
        found += sorted((module, where, node.lineno) for node in ast.walk(top)
                        if isinstance(node, ast.Call) and parses_text(node, text_names))
    return found


def test_the_scan_sees_what_views_used_to_do():
    old = textwrap.dedent('''\
        def team(entries, e, r, currency, text: str | None):
            total = sum(text_to_minor_units(x["payout"], currency) for x in entries)
            values = [Fraction(e["attainment"])]
            shown = percent(Fraction(text)) + str(Fraction("0.5")) + str(Fraction(f"{r}"))
            return money.parse_decimal(r.get("change")), Fraction(e.get("rate"))
        ''')
    assert [line for _, _, line in findings(old, "old.py")] == [2, 3, 4, 4, 4, 5, 5]
    typed = "def f(n, d, units):\n    return Fraction(n, d) + Fraction(units) + Fraction(1)\n"
    assert findings(typed, "typed.py") == []


def test_no_view_parses_decimal_text():
    found = []
    for path in sorted((ROOT / "views").glob("*.py")):
        found += findings(path.read_text(), path.name)
    offending = [f"views/{module}:{line} ({where or 'module level'})"
                 for module, where, line in found if (module, where) not in LEGACY_READER]
    assert offending == [], ("a view parses text back into a number; compute on the typed "
                             "values and write text once, at the end: " + ", ".join(offending))
    stale = LEGACY_READER - {(module, where) for module, where, _ in found}
    assert not stale, f"no longer parses text, drop it from LEGACY_READER: {sorted(stale)}"
