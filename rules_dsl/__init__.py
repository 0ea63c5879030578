"""The plan language: YAML plan files with a small expression language, checked before use.

In: plan file text. Out: a frozen ``Plan`` (plan.py), or every ``PlanError`` in the file.
Modules, one job each: grammar.lark and parser.py (text to AST in nodes.py), types.py and
checker.py (names and types), yaml_source.py (positions in the file), loader.py (the plan
rules), components/ (one module per component type, listed in components/registry.py),
lint.py (warnings about clean plans), printer.py (AST back to text). Needs no database; must
never import ``ledger``.
"""
from importlib import import_module

_HOME = {"Plan": "rules_dsl.plan", "PlanError": "rules_dsl.errors",
         "format_error": "rules_dsl.errors", "format_errors": "rules_dsl.errors",
         "load_plan": "rules_dsl.loader", "load_plan_text": "rules_dsl.loader",
         "load_plans": "rules_dsl.loader", "plan_warnings": "rules_dsl.lint"}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    """The names above, imported on first use: ``rules_dsl.errors.IcmError`` is a base of the
    command line's own errors, and `icm --help` should not load the parser and pandas."""
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'rules_dsl' has no attribute {name!r}")
