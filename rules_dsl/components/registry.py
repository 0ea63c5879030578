"""Every component type by name: the one list the loader, the linter and the engine read.

A new type is a module of this package and one entry in ``TYPES``. The order is the order
`icm check` names them in when a plan asks for a type that is not here.
"""
from __future__ import annotations

from rules_dsl.components import bonus, commission, formula, override, payout_curve, spiff
from rules_dsl.components.contract import ComponentType

COMMON_KEYS = ("id", "type", "title", "threshold", "cap", "window",  # every component's
               "payable")  # a per-deal component's (rules_dsl.payable.TYPES)

TYPES: dict[str, ComponentType] = {t.name: t for t in (
    commission.TYPE, payout_curve.TYPE, bonus.TYPE, spiff.TYPE, override.TYPE, formula.TYPE)}


def register(component_type: ComponentType) -> ComponentType:
    """Add a type; a name may be registered once."""
    if component_type.name in TYPES:
        raise ValueError(f"component type {component_type.name!r} is registered already")
    TYPES[component_type.name] = component_type
    return component_type


def names() -> tuple[str, ...]:
    return tuple(TYPES)


def lookup(name: str) -> ComponentType | None:
    return TYPES.get(name)


def all_keys() -> list[str]:
    """Every key some component takes, sorted, for "did you mean" on an unknown key."""
    return sorted({key for t in TYPES.values() for key in t.keys} | set(COMMON_KEYS))
