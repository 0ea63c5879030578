"""Building the values an expression's names stand for, per payee and per credit row.

Payee-level names (measures, quota, attainment, target incentive, params, payee fields,
period) are plain Python values per payee, for the reference evaluator; per credit row they
are broadcast into columns for the vectorised one, beside the deal and credit columns.
"""
from __future__ import annotations

import datetime
import json
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from rules_dsl.money import MoneyError, fits_int64, minor_digits, parse_decimal, to_minor_units
from rules_dsl.money import Money
from engine.vector import Col
from ledger.shares import SHARE_SCALE
from rules_dsl import nodes
from rules_dsl.deal_fields import DEAL_FIELDS
from rules_dsl.icm_error import IcmError
from rules_dsl.loader import ISO_DATE
from rules_dsl.types import Type

_KINDS = {Type.MONEY: "money", Type.NUMBER: "number", Type.INT: "int", Type.BOOL: "bool",
          Type.STRING: "string", Type.DATE: "date"}


def used_names(node: nodes.Node) -> set[str]:
    """The dotted names an expression reads (`deal.amount`, `bookings`, ...), and the
    payee-level `prorated(param.NAME)` as one name."""
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        path = nodes.dotted_name(current) if isinstance(current, (nodes.Name, nodes.Member)) \
            else nodes.prorated_name(current)
        if path is not None:
            found.add(path)
            continue
        stack.extend(nodes.children(current))
    return found


def ranked_measures(expressions) -> list[str]:
    """The measures M of every rank(M) in ``expressions``, each once, in order."""
    found, stack = {}, [expression.node for expression in reversed(list(expressions))]
    while stack:
        current = stack.pop()
        if isinstance(current, nodes.Call) and current.function == "rank":
            found[current.args[0].name] = None
        stack.extend(reversed(list(nodes.children(current))))
    return list(found)


class FieldValueError(IcmError, ValueError):
    """An extra column's text that is not a value of the type the plan declares; the message
    names the row (deal, assignment or payee) and the column."""


_WHOLE = re.compile(r"-?[0-9]+")
_EXPECTED = {Type.MONEY: "an amount such as 1250.00", Type.NUMBER: "a number such as 0.75",
             Type.INT: "a whole number such as 12", Type.BOOL: "true or false",
             Type.DATE: "a date written YYYY-MM-DD", Type.STRING: "text"}


def typed_value(text: str | None, field_type: Type, currency: str, where: str = "") -> Any:
    """An extra column's text as the value of its declared type (ASCII digits only), or a
    ``FieldValueError`` that says ``where`` (`deal D-7: deal.units`)."""
    if text is None or not isinstance(text, str) or text == "":  # blank, or NaN from a join
        return None
    try:
        return _parsed(text.strip(), field_type, currency)
    except _TooLarge:
        raise FieldValueError(f"{where}: {text!r} is too large for an Int (at most "
                              "9,223,372,036,854,775,807 either way); fix the file and import "
                              "it again") from None
    except (MoneyError, ValueError):
        raise FieldValueError(f"{where}: {text!r} is not {_EXPECTED[field_type]} "
                              f"({field_type.name.title()}, as the plan declares it); fix "
                              "the file and import it again") from None


class _TooLarge(ValueError):
    """A whole number of the right shape that does not fit the engine's 64-bit columns."""


def _parsed(text: str, field_type: Type, currency: str) -> Any:
    if field_type == Type.MONEY:
        units = to_minor_units(parse_decimal(text), currency)
        if not fits_int64(units):
            raise MoneyError("too large")
        return Money(units)
    if field_type == Type.NUMBER:
        return parse_decimal(text)
    if field_type == Type.INT:
        if not _WHOLE.fullmatch(text):
            raise ValueError(text)
        value = int(text)
        if not fits_int64(value):
            raise _TooLarge(text)
        return value
    if field_type == Type.BOOL:
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    if field_type == Type.DATE:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    return text


def kind_of(field_type: Type) -> str:
    return _KINDS[field_type]


_BUILTIN = {f"deal.{field.name}": field for field in DEAL_FIELDS}


def deal_columns(rows: pd.DataFrame, wanted: set[str], fields: dict[str, Type],
                 currency: str) -> dict[str, Col]:
    """Columns for the deal and credit names an expression uses."""
    columns: dict[str, Col] = {}
    for name in wanted:
        builtin = _BUILTIN.get(name)
        field_type = builtin.type if builtin else None
        if field_type == Type.STRING or name == "credit.role":
            column = builtin.window if builtin else "role"
            columns[name] = Col("string", text_objects(rows[column]))
        elif field_type == Type.DATE:
            columns[name] = Col("date", rows[builtin.window].to_numpy().astype("datetime64[D]"))
        elif field_type == Type.MONEY:  # deal.amount, in the plan currency
            columns[name] = Col("money", rows[builtin.window].to_numpy(dtype=np.int64))
        elif name == "credit.amount":
            columns[name] = Col("money", rows["credit_amount"].to_numpy(dtype=np.int64))
        elif name == "credit.overlay":
            columns[name] = Col("bool", rows["overlay"].to_numpy(dtype=bool))
        elif name == "credit.share":
            columns[name] = Col("number", (rows["share_e9"].to_numpy(dtype=np.int64),
                                           np.full(len(rows), SHARE_SCALE, dtype=np.int64)))
        elif name == "deal.original_amount":
            currencies = rows[_BUILTIN["deal.currency"].window]
            scale = currencies.map(lambda c: 10 ** minor_digits(c))
            columns[name] = Col("number", (rows["original_amount"].to_numpy(dtype=np.int64),
                                           scale.to_numpy(dtype=np.int64)))
        elif name.startswith("deal.") and name in fields:
            values = [typed_value(v, fields[name], currency, f"deal {deal}: {name}")
                      for deal, v in zip(rows["deal_id"], rows[name])]
            columns[name] = typed_column(values, kind_of(fields[name]))
    return columns


def typed_column(values: list, kind: str) -> Col:
    """Python values as a column of ``kind``, None as zero (False, no date)."""
    if kind == "number":
        fractions = [Fraction(v or 0) for v in values]
        return Col("number", (np.array([f.numerator for f in fractions], dtype=object),
                              np.array([f.denominator for f in fractions], dtype=object)))
    if kind in ("money", "int"):
        return Col(kind, np.array([int(v or 0) for v in values], dtype=np.int64))
    if kind == "bool":
        return Col("bool", np.array([bool(v) for v in values], dtype=bool))
    if kind == "date":
        return Col("date", np.array(values, dtype="datetime64[D]"))
    return Col("string", np.array(values, dtype=object))


def value_column(values: list) -> Col:
    """Payee-level Python values as a column, None as zero (False, no date): of the kind of
    the first value that is not None, money when there is none."""
    sample = next((value for value in values if value is not None), None)
    return typed_column(values, kind_of_value(sample))


def kind_of_value(value) -> str:
    if isinstance(value, Money):
        return "money"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Fraction):
        return "number"
    if isinstance(value, str):
        return "string"
    return "date" if value is not None else "money"


def per_row(col: Col, codes: np.ndarray) -> Col:
    """A column over payees spread over credit rows: row i takes payee ``codes[i]``'s."""
    if col.kind == "number":
        return Col("number", tuple(part[codes] for part in col.data))
    return Col(col.kind, col.data[codes])


def text_objects(column: pd.Series) -> np.ndarray:
    """A text column as an object array of Python strings, None where missing: each distinct
    text made once and shared by its rows (an Arrow column of a million deal types holds a
    handful of distinct ones)."""
    codes, uniques = pd.factorize(column)
    values = np.empty(len(uniques) + 1, dtype=object)  # code -1 (missing) takes the last
    values[:len(uniques)] = np.asarray(uniques, dtype=object)
    return values[codes]


def params_of(assignment_params: str, fields: dict[str, Type], currency: str,
              where: str = "an assignment") -> dict:
    raw = json.loads(assignment_params or "{}")
    return {name: typed_value(raw.get(name.split(".", 1)[1]), field_type, currency,
                              f"{where}: {name}")
            for name, field_type in fields.items() if name.startswith("param.")}
