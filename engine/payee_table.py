"""Payee-level names for every payee of a window at once: a column per name.

A window's payee-level names (quota, target incentive, measures, attainment, ``earned.C`` of
the components so far, params, payee fields, period) were a dict per payee, read by the
reference evaluator once per payee and expression: a quarter of a millisecond a payee, half a
minute at 100,000 payees. Here each name is one column over the window's payees, so caps,
thresholds and bonuses are evaluated for every payee at once by the vectorised evaluator
(``engine.vector``), which agrees with the reference one.

Where that cannot be done (a name missing or None for some payee, or an expression that
fails for some payee), the caller evaluates payee by payee with the reference evaluator over
``names_of(payee)``: a view of the same columns that reads as the dict did, so an error
names the same payee, position and message as before.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Iterator

import numpy as np
import pyarrow as pa

from engine import vector
from engine.lines import positions_of, sorted_codes
from engine.names import used_names, value_column
from engine.reference_evaluator import RANKED, EvaluationError
from engine.vector import Col
from rules_dsl.money import Money

ABSENT = object()  # a payee without a value of the name: the reference evaluator's KeyError


class PayeeTable:
    """The payee-level names of one window. ``ids`` are the payees in settlement order."""

    def __init__(self, ids: list[str]):
        self.ids = list(ids)
        self.position = {payee: i for i, payee in enumerate(self.ids)}
        self.id_array = np.array(self.ids, dtype=object)
        self._columns: dict[str, Col] = {}  # numeric names: 0 where a payee has no value
        self._present: dict[str, np.ndarray] = {}  # where a numeric name has a value
        self._values: dict[str, list] = {}  # names held as Python values, ABSENT or None
        # (position, first day, last day, {param.NAME: value}) of each assignment in force
        # in the window, for the deals: a deal reads the params of the assignment in force
        # on its date, when some payee's params change in the window
        self.param_spans: list[tuple] = []
        self.params_change = False
        self._arrow_ids = None
        self._rank = None
        self._everyone: dict[str, tuple] = {}  # measure -> every payee's value, for rank(M)

    @classmethod
    def from_names(cls, names: Mapping[str, Mapping[str, Any]]) -> PayeeTable:
        """A table of plain dicts, payee -> {name: value} (tests and the engine bench)."""
        table = cls(list(names))
        for name in dict.fromkeys(n for values in names.values() for n in values):
            table.set_values(name, [values.get(name, ABSENT) for values in names.values()])
        return table

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def sorted_rank(self) -> np.ndarray:
        """Each payee's place in code point order of the ids (the statements' order)."""
        if self._rank is None:
            self._rank = sorted_codes(self.id_array)
        return self._rank

    def codes_of(self, payee_ids) -> np.ndarray:
        """The position of each of ``payee_ids`` (a text column) in the table, -1 for a
        payee it does not hold."""
        if self._arrow_ids is None:
            self._arrow_ids = pa.array(self.ids, type=pa.large_string())
        return positions_of(payee_ids, self._arrow_ids)

    def numeric(self, name: str) -> tuple[Col, np.ndarray] | None:
        """A numeric name's column and where it has a value; None for a name held as
        Python values or not held at all."""
        col = self._columns.get(name)
        if col is None:
            return None
        present = self._present.get(name)
        return col, present if present is not None else np.ones(len(self), dtype=bool)

    def __contains__(self, name: str) -> bool:
        return name in self._columns or name in self._values

    def set_column(self, name: str, col: Col, present: np.ndarray | None = None) -> None:
        """A numeric name (money, int, number, bool, date) for every payee; ``present``
        marks the payees that have a value (all when None), the others hold 0."""
        self._values.pop(name, None)
        self._everyone.pop(name, None)
        self._columns[name] = col
        if present is None or present.all():
            self._present.pop(name, None)
        else:
            self._present[name] = present

    def set_values(self, name: str, values: list) -> None:
        """A name as Python values, one per payee: ABSENT where the payee has none."""
        self._columns.pop(name, None)
        self._present.pop(name, None)
        self._everyone.pop(name, None)
        self._values[name] = values

    def adopt(self, name: str, source: PayeeTable, source_name: str) -> None:
        """``source``'s ``source_name`` as this table's ``name``; ``source`` holds the same
        payees in the same order (another window's figures). Nothing where it has none."""
        if source_name in source._columns:
            self.set_column(name, source._columns[source_name],
                            source._present.get(source_name))
        elif source_name in source._values:
            self.set_values(name, source._values[source_name])

    def value(self, name: str, i: int) -> Any:
        """The name's value for the payee at ``i`` as the reference evaluator reads it
        (``Money``, int, Fraction, bool, date, text, None); KeyError where it has none.
        ``ranked.M`` is every payee's value of M, which the reference evaluator's rank(M)
        reads."""
        if name.startswith(RANKED):
            return self.everyone(name[len(RANKED):])
        if name in self._values:
            found = self._values[name][i]
            if found is ABSENT:
                raise KeyError(name)
            return found
        col = self._columns.get(name)
        present = self._present.get(name)
        if col is None or (present is not None and not present[i]):
            raise KeyError(name)
        return _python(col, i)

    def everyone(self, name: str) -> tuple:
        """Every payee's value of a name (made once, shared by every payee's ``ranked.M``);
        KeyError when the table does not hold it."""
        found = self._everyone.get(name)
        if found is None:
            if name not in self:
                raise KeyError(name)
            found = self._everyone[name] = tuple(v for v in self.python_column(name)
                                                 if v is not ABSENT)
        return found

    def get(self, name: str, i: int, default=None) -> Any:
        try:
            return self.value(name, i)
        except KeyError:
            return default

    def names_of(self, payee: str) -> Mapping[str, Any]:
        """One payee's names, as the dict the reference evaluator and settlement read."""
        return _PayeeNames(self, self.position[payee])

    def records(self, names: list[str]) -> list[dict[str, Any]]:
        """Each payee's values of ``names`` as a plain dict (a name the payee has no value
        of left out): what settlement reads of every payee, converted a column at a time."""
        columns = [self.python_column(name) for name in names]
        return [{name: value for name, value in zip(names, row) if value is not ABSENT}
                for row in zip(*columns)] if columns else [{} for _ in self.ids]

    def python_column(self, name: str) -> list:
        """The name's value of every payee as the reference evaluator reads it, ABSENT where
        a payee has none: converted a column at a time."""
        if name in self._values:
            return self._values[name]
        col = self._columns.get(name)
        if col is None:
            return [ABSENT] * len(self)
        if col.kind == "number":
            found = [Fraction(n, d) for n, d in zip(col.data[0].tolist(), col.data[1].tolist())]
        elif col.kind == "money":
            found = [Money(value) for value in col.data.tolist()]
        else:
            found = [_python(col, i) for i in range(len(self))]
        present = self._present.get(name)
        if present is not None:
            found = [value if has else ABSENT for value, has in zip(found, present.tolist())]
        return found

    def column(self, name: str) -> Col | None:
        """The name over every payee, for the vectorised evaluator; None when some payee
        has no value, or None, so that only the reference evaluator can say what happens."""
        if name in self._columns:
            return None if name in self._present else self._columns[name]
        values = self._values.get(name)
        if values is None or any(v is ABSENT or v is None for v in values):
            return None
        return value_column(values)

    def lenient(self, name: str) -> Col:
        """The name over every payee with a missing or None value as zero (False, empty
        text): what a deal-level expression reads of a payee-level name."""
        if name in self._columns:
            return self._columns[name] if self._present.get(name, np.ones(1)).any() else \
                value_column([None] * len(self))
        values = self._values.get(name) or [None] * len(self)
        return value_column([None if v is ABSENT else v for v in values])

    def evaluate(self, expression, currency: str, rounding: str) -> Col | None:
        """A payee-level expression for every payee at once, or None where the reference
        evaluator has to say it payee by payee (a missing value, an error)."""
        names = {}
        for name in used_names(expression.node):
            names[name] = self.column(name)
            if names[name] is None:
                return None
        try:
            return vector.evaluate(expression.node, names, len(self), currency, rounding)
        except (EvaluationError, OverflowError):
            return None


def _python(col: Col, i: int) -> Any:
    """One payee's value of a numeric column as the reference evaluator's type."""
    if col.kind == "number":
        numerator, denominator = col.data
        return Fraction(int(numerator[i]), int(denominator[i]))
    value = col.data[i]
    if col.kind == "money":
        return Money(int(value))
    if col.kind == "int":
        return int(value)
    if col.kind == "bool":
        return bool(value)
    if col.kind == "date":
        return value.astype("datetime64[D]").astype(datetime.date)
    return value


class _PayeeNames(Mapping):
    """A payee's row of a ``PayeeTable`` as a read-only mapping of its names."""

    def __init__(self, table: PayeeTable, i: int):
        self.table, self.i = table, i

    def __getitem__(self, name: str) -> Any:
        return self.table.value(name, self.i)

    def __iter__(self) -> Iterator[str]:
        table = self.table
        for name in [*table._columns, *table._values]:
            if table.get(name, self.i, ABSENT) is not ABSENT:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)
