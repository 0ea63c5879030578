"""A plan year's lines against the last close, for every payee at once.

Each line key's earnings to date now, less what the last close recorded for it, is the
key's change: a new key is an ordinary line, a changed one a true-up, a gone one a clawback.
The comparison is one merge over every payee; the changed keys become statement lines, typed
columns of ``ledger.records.LINES`` (their sentences are the views' business).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
from engine.lines import KEY, NO_DEAL
from engine.names import text_objects
from ledger.records import lines_frame
from rules_dsl.figures import money, percent
from rules_dsl.money import difference


@dataclass
class PayeeLines:
    """One payee's lines of one plan year against the last close: what settlement reads."""
    # component -> (earned to date, change, held): the change is of payable to date
    components: dict = field(default_factory=dict)
    earned_to_date: int = 0
    earned: int = 0  # the sum of the changes
    changed: int = 0  # how many keys changed
    held: int = 0  # earned to date and not yet payable (engine.payable)


def compare(earned: pd.DataFrame, recorded: pd.DataFrame, payees: list[str]) -> pd.DataFrame:
    """Every line key of ``payees`` that is earned now or that the last close recorded: the
    line's columns, ``current`` and ``before`` (0 where missing), ``recorded_date``,
    ``present`` (False for a recorded key that is gone) and ``recorded`` (whether the last
    close recorded the key). No money column passes through a float on the way."""
    now = earned[lines.among(earned["payee"], payees)].reset_index(drop=True)
    before = recorded[lines.among(recorded["payee"], payees)].reset_index(drop=True)
    match = now[KEY].merge(before[KEY].assign(row=np.arange(len(before))), on=KEY,
                           how="left", sort=False)["row"]
    hit = match.notna().to_numpy()
    row = match.fillna(0).to_numpy(dtype=np.int64)
    amounts = before["before"].to_numpy(dtype=np.int64)
    dates = before["recorded_date"].to_numpy(dtype="datetime64[s]")
    now = now.assign(current=now["amount"],
                     before=np.where(hit, amounts[row], 0) if len(before) else 0,
                     recorded_date=np.where(hit, dates[row], np.datetime64("NaT", "s")) if len(before)
                     else np.datetime64("NaT", "s"),
                     present=True, recorded=hit)
    gone_rows = np.ones(len(before), dtype=bool)
    gone_rows[row[hit]] = False
    gone = before[gone_rows]
    gone = lines.table(len(gone), payee=gone["payee"].to_numpy(dtype=object),
                       component=gone["component"].to_numpy(dtype=object),
                       kind=gone["kind"].to_numpy(dtype=object), amount=0,
                       deal=gone["deal"].to_numpy(dtype=object),
                       seq=gone["seq"].to_numpy(dtype=np.int64)).assign(
        current=0, before=gone["before"].to_numpy(dtype=np.int64),
        recorded_date=gone["recorded_date"].to_numpy(dtype="datetime64[s]"), present=False,
        recorded=True)
    return lines.combine([now, gone])


def payee_lines(compared: pd.DataFrame) -> dict[str, PayeeLines]:
    """Per payee: sums per component, and of the changed keys, grouped on integer codes of
    the payee and component."""
    found: dict[str, PayeeLines] = defaultdict(PayeeLines)
    change = difference(compared["current"].to_numpy(), compared["before"].to_numpy())
    shown = np.flatnonzero(compared["present"].to_numpy(dtype=bool) | (change != 0))
    if not len(shown):
        return found
    payee_codes, payees = pd.factorize(compared["payee"].take(shown))
    component_codes, components = pd.factorize(compared["component"].take(shown))
    groups = payee_codes.astype(np.int64) * len(components) + component_codes
    current = compared["current"].to_numpy()[shown]
    # a payable line's earnings to date are its ``earned`` (engine.payable), others' current
    earned = compared["earned"].to_numpy()[shown] if "earned" in compared else current
    current_sums = lines.group_sums(pd.Series(earned), groups)
    held_sums = lines.group_sums(pd.Series(difference(earned, current)), groups) \
        if earned is not current else None
    change_sums = lines.group_sums(pd.Series(change[shown]), groups)
    payees, components = payees.tolist(), components.tolist()
    for k, (group, current, changed) in enumerate(zip(
            current_sums.index.tolist(), current_sums.tolist(), change_sums.tolist())):
        mine = found[payees[group // len(components)]]
        held = 0 if held_sums is None else int(held_sums.iloc[k])
        mine.components[components[group % len(components)]] = (current, changed, held)
        mine.earned_to_date += current
        mine.held += held
    changed = change[shown] != 0
    if changed.any():
        earned = lines.group_sums(pd.Series(change[shown][changed]), payee_codes[changed])
        counts = np.bincount(payee_codes[changed], minlength=len(payees))
        for code, total in zip(earned.index.tolist(), earned.tolist()):
            found[payees[code]].earned += total
            found[payees[code]].changed += int(counts[code])
    return found


def changed_lines(compared: pd.DataFrame, plan, fiscal_year: int | None,
                  clawed: pd.DataFrame, cancelled: dict | None = None) -> pd.DataFrame:
    """The keys whose earnings to date changed, as statement lines (``ledger.records.LINES``):
    a new key is its own kind (a SPIFF a deal), a changed one a true-up, a gone one a
    clawback (a deal's) or a true-up. ``fiscal_year`` is None for this year's lines; an
    earlier year's are all true-ups but clawbacks. ``clawed`` holds the credit rows that
    a partial clawback keeps at part of their amount (``engine.clawback``): their lines
    say which deal was cancelled and what share is taken back."""
    change = difference(compared["current"].to_numpy(), compared["before"].to_numpy())
    shown = stated(compared, change)
    frame = _Rows(compared, np.flatnonzero(shown))
    change = change[shown]
    rows = len(frame)
    present = frame["present"].to_numpy(dtype=bool)
    before = frame["before"].to_numpy(dtype=np.int64)
    raw = text_objects(frame["kind"])
    deal = text_objects(frame["deal"])
    has_deal = (deal != NO_DEAL) & frame["deal"].notna().to_numpy()
    kind = np.where(before == 0, np.where(raw == "spiff", "deal", raw), "true-up")
    kind = np.where(present, kind, np.where(has_deal, "clawback", "true-up")).astype(object)
    if fiscal_year is not None:
        kind[kind != "clawback"] = "true-up"
    cause = np.where(present, np.where(before != 0, "changed", None),
                     np.where(has_deal, "gone-deal", "gone-earning")).astype(object)
    dates = frame["date"].to_numpy(dtype="datetime64[s]").copy()
    recorded = pd.to_datetime(frame["recorded_date"][~present]).to_numpy(dtype="datetime64[s]")
    dates[~present] = recorded
    base = pd.arrays.IntegerArray(frame["base"].to_numpy(dtype=np.int64),
                                  ~(present & (raw == "deal")))
    reasons = _payable_reasons(frame, plan, present, change)
    if reasons is not None:  # its reason says what is earned, payable and held
        cause[np.not_equal(reasons, None)] = "payable"
    table = {
        "payee": text_objects(frame["payee"]),
        "currency": lines.repeated(plan.currency, rows),
        "plan": lines.repeated(plan.id, rows),
        "fiscal_year": pd.arrays.IntegerArray(np.full(rows, fiscal_year or 0, dtype=np.int64),
                                              np.full(rows, fiscal_year is None)),
        "kind": kind, "line_kind": raw,
        "component": text_objects(frame["component"]),
        "deal": np.where(has_deal, deal, None).astype(object),
        "seq": frame["seq"].to_numpy(dtype=np.int64), "date": dates,
        "report": text_objects(frame["report"]), "base": base,
        "rate": frame["rate"].to_numpy(), "rate_per": frame["rate_per"].to_numpy(),
        "tier_basis": None, "cap": frame["cap"].to_numpy(dtype=np.int64),
        "amount": change, "before": before,
        "current": frame["current"].to_numpy(dtype=np.int64), "cause": cause,
        "note": text_objects(frame["note"]), "reason": reasons,
        "draw": np.zeros(rows, dtype=np.int64), "text": None}
    _slices(table, frame, plan)
    if len(clawed) and rows:
        _partly_clawed_back(table, clawed)
    if cancelled and rows:
        _cancellations(table, cancelled)
    return lines_frame(table)


def _cancellations(table: dict, cancelled: dict) -> None:
    """A clawback line of a cancelled deal says when it was cancelled (its reason)."""
    gone = np.flatnonzero(table["cause"] == "gone-deal")
    if not len(gone):
        return
    reason = table["reason"] if table["reason"] is not None else \
        np.full(len(table["cause"]), None, dtype=object)
    for line in gone.tolist():
        day = cancelled.get(table["deal"][line])
        if day is not None:
            reason[line] = f"the deal was cancelled on {day.isoformat()}"
    table["reason"] = reason


def _payable_reasons(frame, plan, present: np.ndarray, change: np.ndarray):
    """What of each changed line of a component with `payable:` is earned, payable and
    held, and until when (PLAN_LANGUAGE.md 7.3): the line's amount is the change of its
    payable to date, so its sentence says so. None for every other line."""
    held_ids = [c.id for c in plan.components if c.payable is not None]
    if not held_ids or "share_per" not in frame.columns or not len(frame):
        return None
    kinds = {c.id: c.payable.kind for c in plan.components if c.payable is not None}
    rows = np.flatnonzero(present & np.isin(text_objects(frame["component"]), held_ids)
                          & (frame["share_per"].to_numpy(dtype=np.int64) > 0))
    reasons = np.full(len(frame), None, dtype=object)
    columns = [frame[c].to_numpy()[rows].tolist() for c in (
        "component", "earned", "current", "before", "share", "share_per", "due_day")]
    for row, (component, earned, current, before, share, per, due, amount) in zip(
            rows.tolist(), zip(*columns, change[rows].tolist())):
        reasons[row] = _payable_reason(kinds[component], plan.currency, earned, current,
                                       before, Fraction(share, per), due, amount)
    return reasons


def _payable_reason(kind: str, currency: str, earned: int, payable: int, before: int,
                    share: Fraction, due_day: int, change: int) -> str:
    text = f"{money(earned, currency)} earned"
    if before and change > 0:
        text += f"; {money(change, currency)} of it released"
    if share == 1:
        return text + ("; all of it now payable" if before else "; all of it payable")
    if share == 0:
        text += "; held"
    else:
        text += (f"; {percent(share)} payable ({money(payable, currency)}), "
                 f"{money(earned - payable, currency)} held")
    if due_day:
        return text + f" until {datetime.date(1970, 1, 1) + datetime.timedelta(days=due_day)}"
    return text + {"collected": " until the customer pays",
                   "on": " until its payable date is known"}.get(kind, "")


def _partly_clawed_back(table: dict, clawed: pd.DataFrame) -> None:
    """The lines of partly clawed back credit rows (a manager's override line by its
    report's row) get the cancellation as their reason; a changed one, cause
    ``partial-clawback``. Only the few matching lines get a sentence here."""
    owner = np.where(pd.isna(table["report"]), table["payee"], table["report"])
    keys = pd.DataFrame({"payee": owner, "deal": table["deal"], "seq": table["seq"]})
    found = keys.merge(clawed.assign(hit=np.arange(len(clawed))), how="left",
                       on=["payee", "deal", "seq"], sort=False)["hit"]
    hits = np.flatnonzero(found.notna().to_numpy() & (table["current"] != 0))
    if not len(hits):
        return
    reason = table["reason"] if table["reason"] is not None else \
        np.full(len(owner), None, dtype=object)
    cause = table["cause"]
    for line, row in zip(hits.tolist(), found.to_numpy()[hits].astype(np.int64).tolist()):
        cancelled = clawed.iloc[row]
        share = Fraction(int(cancelled["taken"]), int(cancelled["taken_per"]))
        reason[line] = (f"{cancelled['deal']} cancelled "
                        f"{pd.Timestamp(cancelled['cancel_date']).date()}, "
                        f"{int(cancelled['age'])} days after booking: {percent(share)} "
                        "taken back")
        # the cancellation is the line's reason (over what a payable line would say)
        cause[line] = "partial-clawback" if table["before"][line] else None
    table["reason"] = reason


def stated(compared: pd.DataFrame, change: np.ndarray) -> np.ndarray:
    """The compared keys that are statement lines: those whose earnings to date changed,
    and, until a close has recorded it, a line of zero that says a zero quota left its
    component nothing, or that a line earned is held whole (7.3: a rep sees the deal and
    when it falls due before any of it is paid)."""
    says = lines.zero_quota_lines(compared)
    if "earned" in compared.columns:
        says = says | (compared["earned"].to_numpy() > 0)
    return (change != 0) | (says & compared["present"].to_numpy(dtype=bool)
                            & (compared["current"].to_numpy() == 0)
                            & ~compared["recorded"].to_numpy(dtype=bool))


class _Rows:
    """Some rows of a frame, a column taken only when read: a million-line comparison is
    not copied whole to pick its changed lines."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray):
        self.frame, self.rows, self.columns = frame, rows, frame.columns

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column].take(self.rows)


def _slices(table: dict, frame: pd.DataFrame, plan) -> None:
    """Each used tier slice with where its tier starts (from the plan), and the component's
    tier basis: a start that is a Fraction is a share of quota, an int money."""
    codes, components = pd.factorize(table["component"])
    starts = lines.tier_starts(plan)
    froms = [starts.get(c, ()) for c in components]
    basis = np.array([None if not f else "attainment" if isinstance(f[0], Fraction)
                      else "amount" for f in froms] + [None], dtype=object)
    table["tier_basis"] = basis[codes]  # code -1 (no component) picks the last: None
    for k in range(lines.tier_count(frame)):
        start = [Fraction(f[k]) if len(f) > k else None for f in froms] + [None]
        has = np.array([s is not None for s in start])[codes]
        bases = frame[f"slice_base_{k}"].to_numpy(dtype=np.int64).copy()
        bases[~has] = 0  # the component has no such tier
        table[f"slice_base_{k}"] = bases
        table[f"slice_rate_{k}"] = frame[f"slice_rate_{k}"].to_numpy()
        table[f"slice_per_{k}"] = frame[f"slice_per_{k}"].to_numpy()
        table[f"slice_from_{k}"] = np.array([s.numerator if s is not None else 0
                                             for s in start], dtype=np.int64)[codes]
        table[f"slice_from_per_{k}"] = np.array([s.denominator if s is not None else 0
                                                 for s in start], dtype=np.int64)[codes]
