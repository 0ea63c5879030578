"""What a component type is: the keys it takes, how its body is read and checked, its
warnings, and how it earns, written against an evaluation context the engine provides.

A type lives in one module of this package and is listed once in ``registry``. It never
imports the engine: it earns through ``EvaluationContext``, which ``engine.earnings``
implements with its vectorised primitives, so the plan language stays at the bottom of the
import order (rules_dsl <- ledger <- engine <- views <- cli).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol

import yaml

from rules_dsl.checker import MeasureInfo, Scope
from rules_dsl.errors import PlanError
from rules_dsl.plan import Component, Expression, Plan, Source

LineTable = Any  # a line table (engine.lines): the engine builds it, a type hands it back


class PlanReader(Protocol):
    """The loader's helpers a type's reader may use; each reports its own errors."""

    currency: str
    measures: Mapping[str, MeasureInfo]

    def error(self, node: yaml.Node | None, message: str) -> None: ...
    def key_node(self, value: yaml.Node) -> yaml.Node: ...
    def source(self, node: yaml.Node) -> Source: ...
    def scalar(self, node, what: str) -> str | None: ...
    def choice(self, node, what: str, choices, default) -> str | None: ...
    def mapping(self, node, allowed, what: str, required=()) -> dict[str, yaml.Node]: ...
    def expression(self, node, scope: Scope, expected, what: str) -> Expression | None: ...
    def literal(self, node, expected, what: str): ...


@dataclass(frozen=True)
class Body:
    """A component's YAML as its type's reader gets it: the keys are already known to be the
    type's and the required ones present."""

    kind: str  # the type's name, as messages say it
    node: yaml.MappingNode  # the whole component, for errors about it as a whole
    keys: dict[str, yaml.Node]  # the type's own keys (not id, type, threshold, cap)
    payee: Scope  # where payee-level expressions stand: quotas, earned.C of earlier ones
    deal: Scope  # where deal-level expressions stand: deal., credit., one value per row
    reader: PlanReader


class EvaluationContext(Protocol):
    """One plan over one window, as a component type sees it while it earns."""

    currency: str
    rounding: str

    def scalar(self, expression: Expression, payee: str) -> Any:
        """A payee-level expression's value for one payee (the reference evaluator)."""

    def value(self, name: str, payee: str) -> Any:
        """A payee-level name's value, such as ``target_incentive``."""

    def payee_lines(self, component: Component,
                    earn: Callable[[str], tuple[int, str]]) -> LineTable:
        """A line per payee whose ``earn(payee)`` -> (amount, note) is not zero."""

    def payee_amounts(self, component: Component, amount: Expression,
                      when: Expression | None) -> LineTable:
        """A line per payee for which the payee-level ``when`` holds (every payee without
        one) and ``amount`` is not zero, noted in words with the payee's figures ("team
        bookings (...) reached the bookings quota (...), so 20% of the target incentive
        (...)"): the same lines as ``payee_lines`` of the scalars, for every payee at once
        where the expressions allow it."""

    def deal_values(self, component: Component, key: str):
        """An expression of the component's body, as one numpy column over the window's
        credit rows, each row from the plan version in force on its date."""

    def deal_lines(self, component: Component, paid, kind: str, amount) -> LineTable:
        """A line per credit row where the numpy mask ``paid`` holds, paying that row's
        ``amount`` (a column over every row)."""

    def rated_lines(self, component: Component, team: str | None) -> LineTable:
        """A line per credit row counted by the component's measure (of the payee's own
        rows, or of the ``direct`` or ``all`` team's), paid at its rate or tiers."""


def no_warnings(plan: Plan, component: Component) -> Iterable[PlanError]:
    return ()


@dataclass(frozen=True)
class ComponentType:
    """One entry of the registry."""

    name: str
    keys: tuple[str, ...]  # the keys of its body, besides id, type, threshold and cap
    required: tuple[str, ...]
    read: Callable[[Body, dict], Component]  # (body, the common fields) -> its record
    earn: Callable[[Component, EvaluationContext], LineTable]
    warnings: Callable[[Plan, Component], Iterable[PlanError]] = no_warnings
    payee_conditions: tuple[str, ...] = ()  # keys judged once per payee at each close
