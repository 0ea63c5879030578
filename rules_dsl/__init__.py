"""The plan language: YAML plan files with a small expression language, checked before use.

In: plan file text. Out: a frozen ``Plan`` (plan.py), or every ``PlanError`` in the file.
Modules, one job each: grammar.lark and parser.py (text to AST in nodes.py), types.py and
checker.py (names and types), yaml_source.py (positions in the file), loader.py (the plan
rules), components/ (one module per component type, listed in components/registry.py),
lint.py (warnings about clean plans), printer.py (AST back to text). Needs no database; must
never import ``ledger``.
"""
from rules_dsl.errors import PlanError, format_error, format_errors
from rules_dsl.lint import plan_warnings
from rules_dsl.loader import load_plan, load_plan_text, load_plans
from rules_dsl.plan import Plan

__all__ = ["Plan", "PlanError", "format_error", "format_errors", "load_plan", "load_plan_text",
           "load_plans", "plan_warnings"]
