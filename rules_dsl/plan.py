"""The checked plan: frozen records, each carrying where in the plan file it came from.

A ``Plan`` exists only when its file checked clean, so the engine can trust every name and
type in it. Amounts are exact: attainment as ``Fraction``, money as int minor units.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction

from rules_dsl import nodes
from rules_dsl.types import AnyType, Type


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Expression:
    """A checked expression: its text, AST and type, and where each character stands."""

    text: str
    node: nodes.Node
    type: AnyType
    source: Source
    positions: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)

    def source_at(self, offset: int) -> Source:
        """The file position of a character of the expression, for evaluation errors."""
        if not self.positions:
            return self.source
        line, col = self.positions[max(0, min(offset, len(self.positions) - 1))]
        return Source(self.source.file, line, col)


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    expression: Expression
    aggregate: str  # sum | count | min | max
    type: Type
    source: Source
    title: str | None = None  # what statements and pages call it (its name otherwise)


@dataclass(frozen=True, slots=True)
class Tier:
    start: Fraction | int  # attainment (Fraction) or money in minor units (int)
    rate: Expression
    source: Source


@dataclass(frozen=True, slots=True)
class Tiers:
    basis: str  # attainment | amount
    method: str  # marginal | retroactive | landing | per_deal
    table: tuple[Tier, ...]
    min: Expression | None = None  # per_deal: a floor (Money, deal context) per row
    above: Fraction | int | None = None  # retroactive: paid only above this (as `from`)


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """A payout curve's point as evaluated for a payee (the plan holds its expressions)."""
    x: Fraction
    y: Fraction
    source: Source


@dataclass(frozen=True, slots=True)
class PayableStep:
    """A share of a line that becomes payable `count` days or months after its deal."""
    count: int
    unit: str  # days | months
    share: Fraction
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Payable:
    """When a component's lines are paid (PLAN_LANGUAGE.md 7.3)."""
    kind: str  # schedule | on | collected
    schedule: tuple[PayableStep, ...] = ()
    on: Expression | None = None  # a Date per deal
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """What every component has. Each type's own record (``rules_dsl.components``) adds the
    keys of its body; ``type`` names its entry in the registry."""

    id: str
    type: str
    source: Source
    threshold: Expression | None = None
    cap: Expression | None = None
    window: str | None = None  # period | ytd | annual: replaces the plan's attainment_window
    payable: Payable | None = None  # commission, spiff, override: paid apart from earned
    title: str | None = None  # what statements and pages call it (its id otherwise)

    def body_expressions(self) -> tuple[Expression | None, ...]:
        """The expressions of the type's own keys; None where a key is absent."""
        return ()

    def expressions(self):
        """Every expression of the component: its body's, then the threshold and the cap."""
        payable_on = self.payable.on if self.payable is not None else None
        return tuple(e for e in (*self.body_expressions(), self.threshold, self.cap,
                                 payable_on) if e is not None)

    def team_scope(self) -> str | None:
        """``direct`` or ``all`` when the component is paid on the payee's team's rows."""
        return None


@dataclass(frozen=True, slots=True)
class Draw:
    amount: int  # minor units per payout period, before proration
    recoverable: bool
    source: Source


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    version: int
    title: str
    effective_from: datetime.date
    effective_to: datetime.date
    currency: str
    payout_period: str  # month | quarter | year
    attainment_window: str  # period | ytd | annual
    rounding: str  # half_up | half_even
    fiscal_year_start: int  # the month, 1..12
    proration: str  # days | months | none
    fields: tuple[tuple[str, Type], ...]  # declared extra columns: ("deal.region", STRING)
    measures: tuple[Measure, ...]
    components: tuple[Component, ...]
    cap: Expression | None
    draw: Draw | None
    clawback_within_days: int | None
    negative_payout: str  # carry_forward | deduct
    file: str
    text: str = field(repr=False)
    sha256: str = ""
    # partial clawback (PLAN_LANGUAGE.md 7.5): the share taken back, by a schedule of
    # (days from the deal's date to its cancel date, share) or by a deal-context Number
    clawback_schedule: tuple[tuple[int, Fraction], ...] | None = None
    clawback_share: Expression | None = None

    @property
    def partial_clawback(self) -> bool:
        """A schedule or a share decides what a cancellation takes back, at any age."""
        return self.clawback_schedule is not None or self.clawback_share is not None

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def window_of(self, component: Component) -> str:
        """The kind of window a component is earned over (PLAN_LANGUAGE.md 7.2)."""
        return component.window or self.attainment_window

    def measure(self, name: str) -> Measure:
        return next(m for m in self.measures if m.name == name)

    def expressions(self):
        """Every expression of the plan: measures, each component's (tier rates too), the cap."""
        for measure in self.measures:
            yield measure.expression
        for component in self.components:
            yield from component.expressions()
        if self.cap is not None:
            yield self.cap
