"""One plan over one window: measures, attainment, and every component's lines.

In: the plan, the window's credit rows (already limited to the plan's payees and days), and
each payee's payee-level values (quota, target incentive, params, payee fields, period). Out:
a line table (``engine.lines``), a row per line. Deal-level expressions run vectorised over
all rows at once; payee-level ones run through the reference evaluator, once per payee.
What a component earns is its type's (rules_dsl/components): each type's ``earn`` runs on
``_Context``, this module's implementation of the types' ``EvaluationContext``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from engine import lines, reference_evaluator, tiers, vector
from rules_dsl.money import divide_rounded, group_sums
from engine.names import deal_columns, per_row, used_names
from engine.reference_evaluator import EvaluationError
from rules_dsl.icm_error import IcmError
from rules_dsl.money import Money
from rules_dsl.components import registry
from rules_dsl.plan import Component, Expression, Plan
from rules_dsl.types import Type


class CalculationError(IcmError):
    """An evaluation error, naming the payee, the period, the plan file and the position."""


class MissingQuotaError(CalculationError):
    """Payout periods that an assignment covers and no quota row does, every one of them:
    (plan, payee, measure, payout period), one line per plan, payee and measure."""

    def __init__(self, missing: list[tuple[str, str, str, str]]):
        self.missing = sorted(set(missing))
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for plan, payee, measure, period in self.missing:
            grouped.setdefault((plan, payee, measure), []).append(period)
        super().__init__("\n".join(
            ["no quota row covers these payout periods, which an assignment covers; import "
             "their quotas with `icm import quotas`:"]
            + [f"  payee {payee}, measure {measure}: {', '.join(periods)} (plan {plan})"
               for (plan, payee, measure), periods in grouped.items()]))


@dataclass
class Window:
    name: str  # the payout period whose earnings these are (for `period` windows)
    start: Any
    end: Any
    number: int


@dataclass
class PayeeValues:
    payee: str
    names: dict[str, Any] = field(default_factory=dict)  # payee-level names -> values
    # (first day, last day, {param.NAME: value}) of each assignment, for the deals: a deal
    # reads the params of the assignment in force on its date
    params_by_date: list = field(default_factory=list)


def _fail(plan: Plan, expression: Expression, error: EvaluationError, payee: str,
          window: Window) -> CalculationError:
    where = expression.source_at(error.span[0])
    return CalculationError(f"{where}: {error.message} (payee {payee}, period {window.name})")


def earn(plan: Plan, window: Window, rows: pd.DataFrame, payees: dict[str, PayeeValues],
         fields: dict[str, Type], team: dict[str, pd.DataFrame] | None = None,
         versions: list | None = None) -> pd.DataFrame:
    """Every line the plan's components earn in the window, caps included, as a line table
    (``engine.lines``). ``team`` holds the credit rows of each payee's direct reports and
    of everyone below, keyed to the manager, when the plan has overrides or team measures.
    ``versions`` are (plan, first day, last day) of each version in force in the window: a
    deal's rates and SPIFFs come from the version in force on its date; everything else
    from ``plan``."""
    versions = versions or []
    rows = rows.reset_index(drop=True)
    if team is not None:
        team = {scope: frame.reset_index(drop=True) for scope, frame in team.items()}
    _measure(plan, rows, payees, fields, window, team)
    context = _Context(plan, window, rows, payees, fields, team, versions)
    found: list[pd.DataFrame] = []
    earned: dict[str, dict[str, int]] = {p: {} for p in payees}
    for component in plan.components:
        component_lines = _component_lines(component, context)
        totals = group_sums(component_lines["amount"], component_lines["payee"]).to_dict()
        below_threshold, caps = [], []
        for payee, values in payees.items():
            names = values.names  # holds earned.C of the components before this one
            total = int(totals.get(payee, 0))
            if component.threshold is not None and not _scalar(
                    plan, component.threshold, names, payee, window):
                below_threshold.append(payee)
                total = 0
            if component.cap is not None:
                cap = _scalar(plan, component.cap, names, payee, window)
                if total > cap:
                    caps.append((payee, cap - total, cap))
                    total = cap
            earned[payee][component.id] = total
            names[f"earned.{component.id}"] = Money(total)
        if below_threshold:
            component_lines.loc[component_lines["payee"].isin(below_threshold), "amount"] = 0
        found += [component_lines, _cap_lines(component.id, caps)]
    if plan.cap is not None:
        caps = []
        for payee, values in payees.items():
            total = sum(earned[payee].values())
            cap = _scalar(plan, plan.cap, values.names, payee, window)
            if total > cap:
                caps.append((payee, cap - total, cap))
        found.append(_cap_lines("plan_cap", caps))
    return lines.combine(found)


def _cap_lines(component: str, caps: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(payee, amount above the cap taken off, the cap) -> cap lines."""
    payee, amount, cap = zip(*caps) if caps else ((), (), ())
    return lines.table(len(caps), payee=list(payee), component=component, kind="cap",
                       amount=list(amount), cap=list(cap))


def _scalar(plan: Plan, expression: Expression, names: dict, payee: str, window: Window):
    try:
        return reference_evaluator.evaluate(expression.node, names, plan.currency, plan.rounding)
    except EvaluationError as error:
        raise _fail(plan, expression, error, payee, window) from None
    except KeyError as missing:
        raise CalculationError(f"{expression.source}: {missing.args[0]} has no value for payee "
                               f"{payee} in {window.name}") from None


def _columns(plan, expression, rows, payees, fields) -> dict[str, vector.Col]:
    wanted = used_names(expression.node)
    columns = deal_columns(rows, wanted, fields, plan.currency)
    payee_ids = rows["payee_id"]
    for name in wanted - set(columns):
        sample = next((v.names[name] for v in payees.values() if v.names.get(name)
                       is not None), None)
        columns[name] = per_row({p: v.names for p, v in payees.items()}, payee_ids, name,
                                _kind_of_value(sample))
        if name.startswith("param.") and any(len(v.params_by_date) > 1
                                             for v in payees.values()):
            columns[name] = _params_on_deal_dates(name, rows, payees, columns[name])
    return columns


def _params_on_deal_dates(name, rows, payees, fallback: vector.Col) -> vector.Col:
    """A param per row from the payee's assignment in force on the deal's date (a raise in
    March rates March's deals), by one join of the rows with the assignments' spans."""
    spans = pd.DataFrame([(payee, pd.Timestamp(first), pd.Timestamp(last), params.get(name))
                          for payee, values in payees.items()
                          for first, last, params in values.params_by_date],
                         columns=["payee_id", "first", "last", "value"])
    joined = pd.DataFrame({"payee_id": rows["payee_id"].to_numpy(), "date": rows["date"]
                           .to_numpy(), "row": np.arange(len(rows))}).merge(spans,
                                                                            on="payee_id")
    hits = joined[(joined["date"] >= joined["first"]) & (joined["date"] <= joined["last"])]
    values = [None] * len(rows)
    for row, value in zip(hits["row"].tolist(), hits["value"].tolist()):
        values[row] = value
    chosen = per_row({i: {name: v} for i, v in enumerate(values)}, np.arange(len(rows)),
                     name, fallback.kind)
    keep = np.array([v is not None for v in values], dtype=bool)
    return vector.choose(keep, chosen, fallback)


def _kind_of_value(value) -> str:
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


def _vector(plan, expression, rows, payees, fields, window) -> vector.Col:
    try:
        return vector.evaluate(expression.node, _columns(plan, expression, rows, payees, fields),
                               len(rows), plan.currency, plan.rounding)
    except EvaluationError as error:
        raise _fail(plan, expression, error, "(several)", window) from None


def _measure(plan, rows, payees, fields, window, team) -> None:
    """Each measure's value per payee (and over the team, where the plan looks at it), then
    attainment, into the payees' names."""
    for measure in plan.measures:
        sources = [("", rows)]
        if team is not None and measure.aggregate in ("sum", "count"):
            sources += [("team.", team["direct"]), ("team_all.", team["all"])]
        for prefix, source in sources:
            values = _aggregate(plan, measure, source, payees, fields, window)
            for payee, values_of in payees.items():
                values_of.names[prefix + measure.name] = _typed(values.get(payee),
                                                                measure.type)
        for payee, values_of in payees.items():
            quota = values_of.names.get(f"quota.{measure.name}")
            if quota:
                values_of.names[f"attainment.{measure.name}"] = Fraction(
                    values_of.names[measure.name]) / Fraction(quota)


def _typed(value, measure_type: Type):
    """A measure's value for the reference evaluator; a payee with no rows has 0 (or no
    date at all)."""
    if measure_type == Type.DATE:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
    if value is None or (not isinstance(value, Fraction) and pd.isna(value)):
        value = 0
    if measure_type == Type.MONEY:
        return Money(int(value))
    if measure_type == Type.NUMBER:
        return Fraction(value)
    return int(value)


def _aggregate(plan, measure, rows, payees, fields, window) -> pd.Series:
    """sum, count, min or max of the measure over the rows, per payee."""
    call = measure.expression.node
    mask = np.ones(len(rows), dtype=bool)
    if call.where is not None:
        where = Expression(measure.expression.text, call.where, Type.BOOL,
                           measure.expression.source, measure.expression.positions)
        mask = _vector(plan, where, rows, payees, fields, window).data
    payee_ids = rows["payee_id"].reset_index(drop=True)
    if measure.aggregate == "count":
        return pd.Series(mask.astype(np.int64)).groupby(payee_ids).sum()
    summand = Expression(measure.expression.text, call.args[0], measure.type,
                         measure.expression.source, measure.expression.positions)
    col = _vector(plan, summand, rows, payees, fields, window)
    if col.kind == "number":
        return _rational_aggregate(measure.aggregate, col, mask, payee_ids)
    values = pd.Series(col.data)[mask]
    if measure.aggregate == "sum":
        return group_sums(values, payee_ids[mask])
    grouped = values.groupby(payee_ids[mask])
    return {"min": grouped.min, "max": grouped.max}[measure.aggregate]()


def _rational_aggregate(aggregate: str, col, mask, payee_ids) -> pd.Series:
    """sum, min or max of exact rationals per payee: whole-column integer sums when the rows
    share a denominator (shares, percents), exact Fractions otherwise."""
    numerator, denominator = col.data
    numerator, denominator = numerator[mask], denominator[mask]
    payees = payee_ids[mask].to_numpy()
    if aggregate == "sum" and len(denominator) and (denominator == denominator[0]).all():
        sums = pd.Series(numerator.astype(object)).groupby(payees).sum()
        return sums.map(lambda total: Fraction(int(total), int(denominator[0])))
    values = pd.Series([Fraction(int(n), int(d)) for n, d in zip(numerator, denominator)],
                       dtype=object)
    grouped = values.groupby(payees)
    return {"sum": grouped.sum, "min": grouped.min, "max": grouped.max}[aggregate]()


class _Context:
    """The ``EvaluationContext`` (rules_dsl.components.contract) a component type earns
    through: this plan, window, credit rows and payees, over the vectorised primitives."""

    def __init__(self, plan, window, rows, payees, fields, team, versions):
        self.plan, self.window, self.rows, self.payees = plan, window, rows, payees
        self.fields, self.team, self.versions = fields, team, versions
        self.currency, self.rounding = plan.currency, plan.rounding

    def scalar(self, expression: Expression, payee: str):
        return _scalar(self.plan, expression, self.payees[payee].names, payee, self.window)

    def value(self, name: str, payee: str):
        return self.payees[payee].names[name]

    def payee_lines(self, component: Component, earn) -> pd.DataFrame:
        found = []
        for payee in self.payees:
            value, note = earn(payee)
            if value:
                found.append((payee, value, note))
        payee, amount, note = zip(*found) if found else ((), (), ())
        return lines.table(len(found), payee=list(payee), component=component.id,
                           kind="component", amount=list(amount), note=list(note))

    def deal_values(self, component: Component, key: str) -> np.ndarray:
        plan, rows, payees, fields, window = (self.plan, self.rows, self.payees, self.fields,
                                              self.window)
        return _versioned(plan, component, rows, self.versions, lambda version, own: _vector(
            version, getattr(own, key), rows, payees, fields, window)).data

    def deal_lines(self, component: Component, paid, kind: str, amount) -> pd.DataFrame:
        return _deal_lines(self.rows[paid], component.id, kind, amount=amount[paid])

    def rated_lines(self, component: Component, team: str | None) -> pd.DataFrame:
        rows = self.rows if team is None else self.team[team]
        return _rated_lines(self.plan, component, rows, self.payees, self.fields, self.window,
                           self.versions)


def _component_lines(component: Component, context: _Context) -> pd.DataFrame:
    """The lines of one component, by its type's own ``earn``; a type the registry does not
    list never runs as another."""
    component_type = registry.lookup(component.type)
    if component_type is None:
        raise CalculationError(f"{component.source}: component type {component.type!r} is "
                               f"not registered (the types are {', '.join(registry.names())})")
    return component_type.earn(component, context)


def _rated_lines(plan, component, rows, payees, fields, window, versions) -> pd.DataFrame:
    """A commission's or an override's lines: each counted row's base at the rate, or
    through the tiers, of the version in force on its date."""
    measure = plan.measure(component.measure)
    call = measure.expression.node
    mask = np.ones(len(rows), dtype=bool)
    if call.where is not None:
        where = Expression(measure.expression.text, call.where, Type.BOOL,
                           measure.expression.source, measure.expression.positions)
        mask = _vector(plan, where, rows, payees, fields, window).data
    # the counted rows in (payee, deal date, deal id by code point, credit row) order,
    # sorted on integer codes of the ids (a sorted factorisation keeps their order): one
    # take of the window's rows, not a copy and then a sorted copy
    picked = np.flatnonzero(mask)
    payee_codes, payee_ids = pd.factorize(rows["payee_id"].take(picked), sort=True)
    deal_codes = lines.sorted_codes(rows["deal_id"].take(picked))
    order = np.lexsort((rows["seq"].to_numpy()[picked], deal_codes,
                        rows["date"].to_numpy()[picked], payee_codes))
    del deal_codes
    counted = _Taken(rows, picked[order])
    payee_codes = payee_codes[order]
    del picked, order
    summand = Expression(measure.expression.text, call.args[0], Type.MONEY,
                         measure.expression.source, measure.expression.positions)
    base = np.asarray(_vector(plan, summand, counted, payees, fields, window).data,
                      dtype=np.int64)
    counted["base"] = base
    def number(pick):
        """An exact rational per row, from the version in force on the row's date."""
        return _versioned(plan, component, counted, versions, lambda version, own: (
            vector._number(_vector(version, pick(own), counted, payees, fields, window))))

    def boundaries(starts_of):
        return _versioned(plan, component, counted, versions, lambda version, own: vector.Col(
            "int", starts_of(tuple(_tier(own, k, table).start for k in range(tier_count)))))

    if component.rate is not None:
        numerator, denominator = number(lambda own: own.rate).data
        amounts = divide_rounded(vector._mul(base, numerator), denominator, plan.rounding)
        return _deal_lines(counted, component.id, "deal", amount=amounts, base=base,
                           rate=(numerator, denominator))
    table = component.tiers
    tier_count = len(table.table)
    rates = [number(lambda own, k=k: _tier(own, k, table).rate).data for k in range(tier_count)]
    if table.basis == "amount":
        zero_quota = np.zeros(len(counted), dtype=bool)
        starts = boundaries(lambda froms: np.tile(np.array(froms, dtype=np.int64),
                                                  (len(counted), 1))).data
    else:
        quotas = np.array([int(payees[p].names.get(f"quota.{measure.name}") or 0)
                           if p in payees else 0 for p in payee_ids],
                          dtype=np.int64)[payee_codes]
        zero_quota = quotas == 0
        starts = boundaries(lambda froms: tiers.attainment_starts(froms, quotas,
                                                                  plan.rounding)).data
    first = np.r_[True, payee_codes[1:] != payee_codes[:-1]] if len(counted) else \
        np.zeros(0, dtype=bool)
    if table.method == "marginal":
        before = tiers.running_totals(base, first)
        result = tiers.marginal(base, before, starts, rates, plan.rounding)
    else:
        sums = group_sums(counted["base"], payee_codes)
        totals = sums.reindex(payee_codes).to_numpy(dtype=np.int64)
        result = tiers.retroactive(base, totals, starts, rates, plan.rounding)
    slice_bases = result.slice_bases
    # a line inside one tier also shows that tier's rate as its own
    inside_one = (slice_bases != 0).sum(axis=1) == 1
    tier_of = np.argmax(slice_bases != 0, axis=1)
    every = np.arange(len(counted))
    one_rate = tuple(np.where(inside_one, np.stack([rate[part] for rate in rates], axis=1)[
        every, tier_of], 0) for part in (0, 1))
    return _deal_lines(
        counted, component.id, "deal", amount=np.where(zero_quota, 0, result.amounts),
        base=base, rate=one_rate,
        slices=[(slice_bases[:, k], *rates[k]) for k in range(tier_count)],
        note=np.where(zero_quota, "zero quota: earns nothing in this window", None))


class _Taken:
    """Rows of a frame in a given order, each column taken the first time it is read (the
    deal expressions and the lines read a handful of the window's columns, not all)."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray):
        self.frame, self.rows, self.taken = frame, rows, {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, column: str) -> bool:
        return column in self.taken or column in self.frame.columns

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self.taken:
            self.taken[column] = self.frame[column].take(self.rows).reset_index(drop=True)
        return self.taken[column]

    def __setitem__(self, column: str, values) -> None:
        self.taken[column] = pd.Series(values)


def _versioned(plan, component, rows, versions, evaluate) -> vector.Col:
    """A deal-level value from the version of the plan in force on each row's date.

    ``evaluate(version_plan, its_component)`` gives the column over all rows; each row keeps
    the value of its own version. Rows in no version's days, and versions without this
    component, take the plan's own; a version whose days hold no row is not read, so its
    component may even be of another type."""
    result = evaluate(plan, component)
    dates = rows["date"].to_numpy() if len(rows) else np.array([], dtype="datetime64[s]")
    for version, first, last in versions:  # (plan, first day, last day) in the window
        own = next((c for c in version.components if c.id == component.id), None)
        if version is plan or own is None:
            continue
        mask = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
        if not mask.any():  # no row of this version's days: its component is never read
            continue
        if own.type != component.type:
            raise CalculationError(f"{own.source}: versions of a plan in one fiscal year must "
                                   f"keep the type of component {component.id!r} "
                                   f"({component.type})")
        result = vector.choose(mask, evaluate(version, own), result)
    return result


def _tier(component, k: int, main_table):
    """Tier k of a version's component; the versions of a plan keep the tier count."""
    table = component.tiers
    if table is None or len(table.table) != len(main_table.table):
        raise CalculationError(f"{component.source}: versions of a plan in one fiscal year "
                               "must have the same number of tiers")
    return table.table[k]


def _deal_lines(rows: pd.DataFrame, component: str, kind: str, **columns) -> pd.DataFrame:
    """A line per credit row; an override's lines also name whose credit row each is."""
    report = rows["report_id"].to_numpy(dtype=object) if "report_id" in rows else None
    return lines.table(len(rows), payee=rows["payee_id"], component=component, kind=kind,
                       deal=rows["deal_id"],
                       seq=rows["seq"].to_numpy(dtype=np.int64), date=rows["date"].to_numpy(),
                       report=report, **columns)
