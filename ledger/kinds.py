"""The input kinds: which columns each has, how its rows are checked, and its key.

``prepare`` turns the file's text columns into typed records and every problem as
``(row, column, message)``; it reads the ledger but never writes. Checks that need the whole
file (duplicate keys, credit shares summing to 100%, manager loops, overlapping quotas) run
here too, so a file is refused whole before anything is written. ``write`` then writes the
checked records (``ledger.import_writes``).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rules_dsl.calendar import PeriodError, period_span
from rules_dsl.deal_fields import STORED
from ledger import columns as col
from ledger.import_writes import ImportRun, ImportSummary, write_credits, write_deals, \
    write_keyed
from ledger.known_rows import KnownRows

Problem = tuple[int, str, str]  # row, column, message
BEGINNING = "1900-01-01"  # a payee row without effective_from holds from the beginning


Records = pd.DataFrame | pa.Table  # a table for a columnar kind
Prepare = Callable[[Records, KnownRows], tuple[Records, list[Problem]]]
Write = Callable[[ImportRun, "KindSpec", Records], ImportSummary]


@dataclass(frozen=True)
class KindSpec:
    name: str
    table: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    extra_column: str | None  # where unknown CSV columns are kept, as JSON
    prepare: Prepare  # the file's text columns as typed records, and every problem
    write: Write  # how its checked records are written (ledger.import_writes)
    free_text: tuple[str, ...] = ()  # known columns whose values may span lines
    columnar: bool = False  # prepare takes and gives Arrow tables, not pandas frames

    @property
    def one_line(self) -> tuple[str, ...]:
        """The known columns that name, count or date something: a quoted line break in one
        is a broken file, not a value. Free text and the extra columns may span lines."""
        return tuple(c for c in self.required + self.optional if c not in self.free_text)


class Checked:
    """Problems of one file, gathered column by column."""

    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, column: str, found: list[tuple[int, str]]) -> None:
        self.problems.extend((row, column, message) for row, message in found)

    def take(self, column: str, parsed):
        values, found = parsed
        self.add(column, found)
        return values


def extras_json(frame: pd.DataFrame, spec: KindSpec) -> pd.Series:
    """Unknown columns of each row as sorted JSON (blank values left out)."""
    extra = [c for c in frame.columns if c not in spec.required + spec.optional]
    if not extra:
        return pd.Series("{}", index=frame.index)
    values = frame[extra]
    return pd.Series([json.dumps({k: v for k, v in zip(extra, row) if v.strip() != ""},
                                 sort_keys=True, ensure_ascii=False)
                      for row in values.itertuples(index=False)], index=frame.index)


def text_or_none(column: pd.Series) -> pd.Series:
    stripped = column.str.strip()
    return stripped.where(stripped != "", None)


def _unknown(column: pd.Series, known, what: str) -> list[tuple[int, str]]:
    values = column.str.strip()
    missing = (values != "") & ~values.isin(known)
    return [(row, f"unknown {what} {value!r}") for row, value in values[missing].items()]


def optional_column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series("", index=frame.index)


# -- payees ------------------------------------------------------------------------------


def prepare_payees(frame: pd.DataFrame, ref: KnownRows) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checked()
    check.add("id", col.required(frame["id"]))
    check.add("name", col.required(frame["name"]))
    out = pd.DataFrame({"id": frame["id"].str.strip(), "name": frame["name"].str.strip()})
    out["email"] = text_or_none(optional_column(frame, "email"))
    out["role"] = text_or_none(optional_column(frame, "role"))
    out["manager_id"] = text_or_none(optional_column(frame, "manager_id"))
    out["currency"] = check.take("currency", col.currencies(optional_column(frame, "currency"),
                                                            optional=True))
    for name in ("hire_date", "termination_date"):
        out[name] = check.take(name, col.dates(optional_column(frame, name), optional=True))
    start = check.take("effective_from", col.dates(optional_column(frame, "effective_from"),
                                                   optional=True))
    out["effective_from"] = start.fillna(BEGINNING)
    out["extra"] = extras_json(frame, SPECS["payees"])
    ended_early = out["termination_date"].notna() & out["hire_date"].notna() & (
        out["termination_date"] < out["hire_date"])
    check.add("termination_date", [(row, "the termination date is before the hire date")
                                   for row in out.index[ended_early]])
    check.add("id", col.duplicates(out, ["id", "effective_from"]))
    known = set(ref.payee_ids) | set(out["id"])
    check.add("manager_id", _unknown(optional_column(frame, "manager_id"), known, "payee"))
    selfish = out["manager_id"] == out["id"]
    check.add("manager_id", [(row, "a payee cannot be their own manager")
                             for row in out.index[selfish]])
    check.add("manager_id", _manager_loops(out, ref))
    return out, check.problems


def _manager_loops(out: pd.DataFrame, ref: KnownRows) -> list[tuple[int, str]]:
    """Rows that would make a manager chain loop on some date."""
    history: dict[str, dict[str, tuple[str | None, int | None]]] = {}
    for payee, start, manager in ref.payee_rows:
        history.setdefault(payee, {})[str(start)] = (manager, None)
    for row, payee, start, manager in zip(out.index, out["id"], out["effective_from"],
                                          out["manager_id"]):
        if manager != payee:  # a payee managing themself is reported on its own
            history.setdefault(payee, {})[start] = (manager, row)
    dates = sorted({start for rows in history.values() for start in rows})
    found: dict[int, str] = {}
    for day in dates:
        in_force = {}
        for payee, rows in history.items():
            starts = [s for s in rows if s <= day]
            if starts:
                in_force[payee] = rows[max(starts)]
        for payee in in_force:
            seen, current = [], payee
            while current in in_force and in_force[current][0] is not None:
                seen.append(current)
                current = in_force[current][0]
                if current == payee:
                    chain = " -> ".join(seen + [payee])
                    row = next((in_force[p][1] for p in seen if in_force[p][1]), None)
                    if row is not None:
                        found.setdefault(row, f"the manager chain loops on {day}: {chain}")
                    break
                if current in seen:
                    break
    return sorted(found.items())


# -- assignments -------------------------------------------------------------------------


def prepare_assignments(frame: pd.DataFrame, ref: KnownRows
                        ) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checked()
    out = pd.DataFrame({"payee_id": frame["payee_id"].str.strip(),
                        "plan_id": frame["plan"].str.strip()})
    check.add("payee_id", col.required(frame["payee_id"]))
    check.add("payee_id", _unknown(frame["payee_id"], ref.payee_ids, "payee"))
    check.add("plan", col.required(frame["plan"]))
    check.add("plan", [(row, f"{message}: register it first with `icm plans add`")
                       for row, message in _unknown(frame["plan"], ref.plans, "plan")])
    out["effective_from"] = check.take("effective_from", col.dates(frame["effective_from"]))
    out["effective_to"] = check.take("effective_to", col.dates(
        optional_column(frame, "effective_to"), optional=True))
    backwards = out["effective_to"].notna() & out["effective_from"].notna() & (
        out["effective_to"] < out["effective_from"])
    check.add("effective_to", [(row, "effective_to is before effective_from")
                               for row in out.index[backwards]])
    out["currency"] = out["plan_id"].map(lambda p: ref.plans[p].currency if p in ref.plans
                                         else None)
    out["target_incentive"] = check.take("target_incentive", col.money(
        optional_column(frame, "target_incentive"), out["currency"], optional=True,
        allow_negative=False))
    out["params"] = extras_json(frame, SPECS["assignments"])
    check.add("payee_id", col.duplicates(out, ["payee_id", "plan_id", "effective_from"]))
    check.add("plan", _mixed_plans(out, ref))
    return out, check.problems


def _mixed_plans(out: pd.DataFrame, ref: KnownRows) -> list[tuple[int, str]]:
    """All the plans of one payee share fiscal year start, currency and payout period."""
    found = []
    in_file = out.groupby("payee_id", sort=False)["plan_id"].agg(list).to_dict()
    for row, payee, plan_id in zip(out.index, out["payee_id"], out["plan_id"]):
        header = ref.plans.get(plan_id)
        if header is None:
            continue
        others = ref.plans_of_payee.get(payee, []) + [
            ref.plans[p] for p in in_file.get(payee, []) if p in ref.plans]
        for other in others:
            shape = ("currency", "payout_period", "fiscal_year_start")
            clash = [name for name in shape if getattr(other, name) != getattr(header, name)]
            if clash:
                found.append((row, f"plan {plan_id!r} differs from {other.plan_id!r}, also "
                                   f"assigned to {payee}, in {', '.join(clash)}: all the plans "
                                   "of one payee must agree on these"))
                break
    return found


# -- quotas ------------------------------------------------------------------------------


def prepare_quotas(frame: pd.DataFrame, ref: KnownRows) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checked()
    out = pd.DataFrame({"payee_id": frame["payee_id"].str.strip(),
                        "measure": frame["measure"].str.strip(),
                        "period": frame["period"]})  # a key, read as strictly as --period
    check.add("payee_id", col.required(frame["payee_id"]))
    check.add("payee_id", _unknown(frame["payee_id"], ref.payee_ids, "payee"))
    check.add("measure", col.required(frame["measure"]))
    plans = out["payee_id"].map(lambda p: ref.plans_of_payee.get(p, []))
    no_plan = out["payee_id"].isin(ref.payee_ids) & (plans.str.len() == 0)
    check.add("payee_id", [(row, "the payee has no assignment yet: import assignments first, "
                                 "so the quota's currency and fiscal year are known")
                           for row in out.index[no_plan]])
    out["currency"] = plans.map(lambda ps: ps[0].currency if ps else None)
    starts, ends, problems = [], [], []
    for row, name, ps in zip(out.index, out["period"], plans):
        try:
            start, end = period_span(name, ps[0].fiscal_year_start if ps else 1)
        except PeriodError as error:
            problems.append((row, str(error)))
            start = end = None
        starts.append(start and start.isoformat())
        ends.append(end and end.isoformat())
    check.add("period", problems)
    out["start"], out["end"] = starts, ends
    check.add("measure", [
        (row, f"no plan of {payee} has a measure {measure!r} "
              f"({', '.join(sorted(set().union(*(p.measures for p in ps))))})")
        for row, payee, measure, ps in zip(out.index, out["payee_id"], out["measure"], plans)
        if ps and measure and not any(measure in p.measures for p in ps)])
    out["amount"] = check.take("amount", col.money(frame["amount"], out["currency"],
                                                   allow_negative=False))
    check.add("period", col.duplicates(out, ["payee_id", "measure", "period"]))
    check.add("period", _overlaps(out, ref.quotas))
    return out, check.problems


def _overlaps(out: pd.DataFrame, existing: pd.DataFrame) -> list[tuple[int, str]]:
    """Quota rows of one payee and measure must not overlap, in the file or with the ledger."""
    mine = out.dropna(subset=["start"]).drop_duplicates(["payee_id", "measure", "period"])
    mine = mine.assign(row=mine.index)
    keys = set(zip(mine["payee_id"], mine["measure"], mine["period"]))
    replaced = [k in keys for k in zip(existing["payee_id"], existing["measure"],
                                        existing["period"])]
    kept = existing.loc[~np.array(replaced, dtype=bool)].assign(row=None)
    both = pd.concat([kept, mine[kept.columns]]).sort_values(["payee_id", "measure", "start",
                                                              "period"])
    found = []
    for (_payee, _measure), group in both.groupby(["payee_id", "measure"], sort=False):
        last_end = last_period = last_row = None
        for period, start, end, row in zip(group["period"], group["start"], group["end"],
                                           group["row"]):
            if last_end is not None and start <= last_end:
                # report on the file's row: this one, or the earlier one when this is the
                # ledger's own
                if pd.notna(row):
                    found.append((int(row), f"{period} overlaps {last_period} for this payee "
                                            "and measure"))
                elif pd.notna(last_row):
                    found.append((int(last_row), f"{last_period} overlaps {period}, already "
                                                 "in the ledger, for this payee and measure"))
            if last_end is None or end > last_end:
                last_end, last_period, last_row = end, period, row
    return found


# -- deals, credits, fx ------------------------------------------------------------------


def prepare_deals(table: pa.Table, ref: KnownRows) -> tuple[pa.Table, list[Problem]]:
    """The deals file's Arrow columns as typed Arrow columns (``ledger.columns``' Arrow
    parsers: the same checks and messages as the pandas ones, without a Python object per
    row)."""
    check = Checked()
    ids = col.strip(table["id"])
    check.add("id", col.arrow_required(ids))
    date = check.take("date", col.arrow_dates(table["date"]))
    owners = col.strip(table["owner_id"])
    check.add("owner_id", col.arrow_required(owners))
    check.add("owner_id", col.arrow_unknown(owners, pa.array(sorted(ref.payee_ids),
                                                             pa.string()), "payee"))
    currency = check.take("currency", col.arrow_currencies(table["currency"]))
    amount = check.take("amount", col.arrow_money(table["amount"], currency))
    status = check.take("status", col.arrow_choices(arrow_optional(table, "status"),
                                                    ("booked", "cancelled"), "booked"))
    cancel_text = arrow_optional(table, "cancel_date")
    cancel_date = check.take("cancel_date", col.arrow_dates(cancel_text, optional=True))
    cancelled = col.to_numpy(pc.equal(status, "cancelled"))
    has_cancel = col.to_numpy(cancel_date.is_valid())
    missing = col.is_blank(col.strip(cancel_text))  # not an unreadable one
    check.add("cancel_date", [(row, "a cancelled deal needs its cancel_date")
                              for row in _rows(cancelled & missing)])
    check.add("cancel_date", [(row, "a booked deal has no cancel_date: set status to "
                                    "cancelled, or clear the date")
                              for row in _rows(~cancelled & has_cancel)])
    early = col.to_numpy(pc.fill_null(pc.less(cancel_date, date), False))
    check.add("cancel_date", [(row, "the deal is cancelled before its date")
                              for row in _rows(early)])
    check.add("id", col.arrow_duplicates({"id": ids}))
    out = pa.table({"id": ids, "date": date, "owner_id": owners, "currency": currency,
                    "amount": amount,
                    "type": arrow_text_or_none(arrow_optional(table, "type")),
                    "product": arrow_text_or_none(arrow_optional(table, "product")),
                    "status": status, "cancel_date": cancel_date,
                    "extra": arrow_extras_json(table, SPECS["deals"])})
    return out, check.problems


def arrow_optional(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table[name]
    return pa.chunked_array([pa.repeat(pa.scalar("", pa.string()), table.num_rows)])


def arrow_text_or_none(column: pa.ChunkedArray) -> pa.Array:
    stripped = col.strip(column)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def arrow_extras_json(table: pa.Table, spec: KindSpec) -> pa.Array:
    """``extras_json`` of an Arrow table: "{}" on every row when the file has no unknown
    column, else the same JSON text, row by row."""
    extra = [c for c in table.column_names if c not in spec.required + spec.optional]
    if not extra:
        return pa.repeat(pa.scalar("{}", pa.string()), table.num_rows)
    return pa.array(extras_json(table.select(extra).to_pandas(), spec).tolist(), pa.string())


def _rows(bad: np.ndarray) -> list[int]:
    return col.rows_of(np.flatnonzero(bad)).tolist()


def prepare_credits(table: pa.Table, ref: KnownRows) -> tuple[pa.Table, list[Problem]]:
    """The credits file's Arrow columns as typed Arrow columns; a deal's rows are grouped on
    dense integer codes of its id (numpy), not in a Python dict."""
    check = Checked()
    deals = col.strip(table["deal_id"])
    payees = col.strip(table["payee_id"])
    check.add("deal_id", col.arrow_required(deals))
    check.add("deal_id", [(row, f"{message}: import the deal first") for row, message in
                          col.arrow_unknown(deals, ref.deal_id_array, "deal")])
    check.add("payee_id", col.arrow_required(payees))
    check.add("payee_id", col.arrow_unknown(payees, pa.array(sorted(ref.payee_ids),
                                                             pa.string()), "payee"))
    share = check.take("share", col.arrow_shares(table["share"]))
    overlay_text = check.take("overlay", col.arrow_choices(arrow_optional(table, "overlay"),
                                                           ("true", "false"), "false"))
    overlay = col.to_numpy(pc.equal(overlay_text, "true"))
    # codes in order of first appearance: a deal's first row is where its code first shows
    encoded = pc.dictionary_encode(deals)
    codes = col.to_numpy(encoded.indices).astype(np.int64)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
    seq = np.empty(len(codes), dtype=np.int64)
    seq[order] = np.arange(len(codes)) - np.repeat(starts, np.diff(np.append(starts,
                                                                             len(codes)))) + 1
    shares = col.to_numpy(share)
    # overlay rows stand outside the 100% split (PLAN_LANGUAGE.md 7.4)
    split = np.where(overlay, 0, shares)
    totals = np.add.reduceat(split[order], starts) if len(codes) else split
    unreadable = np.bincount(codes, weights=shares <= 0, minlength=len(starts)) > 0
    only_overlay = np.bincount(codes, weights=~overlay, minlength=len(starts)) == 0
    off = np.flatnonzero((totals != col.SHARE_SCALE) & ~unreadable  # unreadable: said already
                         & ~only_overlay)  # the owner keeps 100% beside overlay rows alone
    # a deal of overlay rows alone leaves seq 1 to its owner's row, as a deal without credit
    # rows has it (ledger.window): the owner's line keeps its key when overlay rows come
    seq += only_overlay[codes] if len(codes) else 0
    first_rows = col.rows_of(order[starts])
    names = encoded.dictionary.to_pylist() if len(off) else []
    with_overlay = np.bincount(codes, weights=overlay, minlength=len(starts)) > 0
    check.add("share", [(int(first_rows[k]), f"the shares of deal {names[k]} add up to "
                                             f"{_percent(totals[k])}; they must add up to 100%"
                                             + (" (overlay rows aside)" if with_overlay[k]
                                                else ""))
                        for k in off])
    out = pa.table({"deal_id": deals, "payee_id": payees, "share_e9": share,
                    "role": arrow_text_or_none(arrow_optional(table, "role")),
                    "overlay": pa.array(overlay, pa.bool_()),
                    "extra": arrow_extras_json(table, SPECS["credits"]), "seq": seq})
    return out, check.problems


def _percent(share_e9: int) -> str:
    whole, rest = divmod(int(share_e9) * 100, col.SHARE_SCALE)
    return f"{whole}{('.' + str(rest).rjust(9, '0').rstrip('0')) if rest else ''}%"


def prepare_fx(frame: pd.DataFrame, ref: KnownRows) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checked()
    out = pd.DataFrame(index=frame.index)
    out["date"] = check.take("date", col.dates(frame["date"]))
    out["from_currency"] = check.take("from", col.currencies(frame["from"]))
    out["to_currency"] = check.take("to", col.currencies(frame["to"]))
    same = out["from_currency"].notna() & (out["from_currency"] == out["to_currency"])
    check.add("to", [(row, "a rate converts between two different currencies")
                     for row in out.index[same]])
    out["rate"] = check.take("rate", col.positive_decimals(frame["rate"]))
    check.add("date", col.duplicates(out, ["date", "from_currency", "to_currency"]))
    return out, check.problems


def prepare_payments(frame: pd.DataFrame, ref: KnownRows
                     ) -> tuple[pd.DataFrame, list[Problem]]:
    """Money paid on a deal the ledger knows, in the deal's currency (the default)."""
    check = Checked()
    out = pd.DataFrame({"deal_id": frame["deal_id"].str.strip()})
    check.add("deal_id", col.required(frame["deal_id"]))
    known = ref.deal_currencies
    deal_currency = out["deal_id"].map(known)
    check.add("deal_id", [(row, f"unknown deal {deal!r}: import the deal first")
                          for row, deal in out["deal_id"][deal_currency.isna()].items()
                          if deal])
    out["date"] = check.take("date", col.dates(frame["date"]))
    given = check.take("currency", col.currencies(frame["currency"], optional=True)) \
        if "currency" in frame else pd.Series(None, index=frame.index, dtype=object)
    other = given.notna() & deal_currency.notna() & (given != deal_currency)
    check.add("currency", [(row, f"a payment is in its deal's currency, "
                                 f"{deal_currency[row]}: convert it, or leave currency blank")
                           for row in out.index[other]])
    out["currency"] = deal_currency
    out["amount"] = check.take("amount", col.money(frame["amount"], deal_currency.fillna(
        "USD")))
    check.add("date", col.duplicates(out, ["deal_id", "date"]))
    return out, check.problems


# -- metrics -----------------------------------------------------------------------------

METRIC_NAME = r"[a-z_][a-z0-9_]*"  # what `metric.NAME` in a plan can spell


def prepare_metrics(frame: pd.DataFrame, ref: KnownRows) -> tuple[pd.DataFrame, list[Problem]]:
    """A figure per metric and period. The period is checked as a name only: its days
    depend on the fiscal year start of the plan that reads it (``engine.metrics``). A row
    with a currency is a money metric, its value checked against the currency's decimals."""
    check = Checked()
    names = frame["metric"].str.strip()
    out = pd.DataFrame({"metric": names, "period": frame["period"]})
    check.add("metric", col.required(frame["metric"]))
    shaped = names.str.fullmatch(METRIC_NAME) | (names == "")
    check.add("metric", [(row, f"{name!r} is not a metric name: lowercase letters, digits and "
                               "'_', not starting with a digit, as `metric.NAME` spells it")
                         for row, name in names[~shaped].items()])
    problems = []
    for row, period in out["period"].items():
        try:
            period_span(period)
        except PeriodError as error:
            problems.append((row, str(error)))
    check.add("period", problems)
    out["currency"] = check.take("currency", col.currencies(optional_column(frame, "currency"),
                                                            optional=True))
    value = frame["value"]
    money_rows = out["currency"].notna()
    check.add("value", col.required(value))
    given = ~col.blank(value)
    check.add("value", col.money(value[money_rows & given],
                                 out["currency"][money_rows & given])[1])
    check.add("value", col.decimals(value[~money_rows & given])[1])
    out["value"] = value.str.strip().str.replace("_", "", regex=False)
    check.add("period", col.duplicates(out, ["metric", "period"]))
    return out, check.problems


# The kinds, in the order a ledger is filled (payees before the assignments that name them).
SPECS = {
    "payees": KindSpec("payees", "payees", ("id", "effective_from"), ("id", "name"),
                       ("email", "role", "manager_id", "currency", "hire_date",
                        "termination_date", "effective_from"), "extra", prepare_payees,
                       write_keyed, free_text=("name",)),
    "assignments": KindSpec("assignments", "assignments", ("payee_id", "plan_id",
                                                           "effective_from"),
                            ("payee_id", "plan", "effective_from"),
                            ("effective_to", "target_incentive"), "params", prepare_assignments,
                            write_keyed),
    "quotas": KindSpec("quotas", "quotas", ("payee_id", "measure", "period"),
                       ("payee_id", "measure", "period", "amount"), (), None, prepare_quotas,
                       write_keyed),
    "deals": KindSpec("deals", "deals", ("id",),
                      tuple(field.column for field in STORED if field.required),
                      tuple(field.column for field in STORED if not field.required), "extra",
                      prepare_deals, write_deals, columnar=True),
    "credits": KindSpec("credits", "credits", ("deal_id", "seq"),
                        ("deal_id", "payee_id", "share"), ("role", "overlay"), "extra",
                        prepare_credits, write_credits, columnar=True),
    "fx": KindSpec("fx", "fx_rates", ("date", "from_currency", "to_currency"),
                   ("date", "from", "to", "rate"), (), None, prepare_fx, write_keyed),
    "payments": KindSpec("payments", "payments", ("deal_id", "date"),
                         ("deal_id", "date", "amount"), ("currency",), None,
                         prepare_payments, write_keyed),
    "metrics": KindSpec("metrics", "metrics", ("metric", "period"),
                        ("metric", "period", "value"), ("currency",), None, prepare_metrics,
                        write_keyed),
}
