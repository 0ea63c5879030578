"""A plan year's lines against the last close, for every payee at once.

Each line key's earnings to date now, less what the last close recorded for it, is the
key's change: a new key is an ordinary line, a changed one a true-up, a gone one a clawback.
The comparison is one merge over every payee; only the changed keys become JSON lines, and
their figures and sentences are formatted a column at a time (``rules_dsl.figures``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from engine import lines
from engine.lines import KEY
from rules_dsl.money import difference, format_minor_units, group_sums
from rules_dsl.figures import amount_texts, money, money_texts, percent, percent_of, \
    rate_text, rate_text_of


@dataclass
class PayeeLines:
    """One payee's lines of one plan year against the last close: what settlement reads."""
    # (key, the line's JSON, its change, (deal date as ISO text, deal, seq) for the order)
    # of each key whose earnings to date changed
    changes: list = field(default_factory=list)
    components: dict = field(default_factory=dict)  # component -> (earned to date, change)
    earned_to_date: int = 0


def compare(earned: pd.DataFrame, recorded: pd.DataFrame, payees: list[str]) -> pd.DataFrame:
    """Every line key of ``payees`` that is earned now or that the last close recorded: the
    line's columns, ``current`` and ``before`` (0 where missing), ``recorded_date`` and
    ``present`` (False for a recorded key that is gone). No money column passes through a
    float on the way."""
    now = earned[earned["payee"].isin(payees)].reset_index(drop=True)
    before = recorded[recorded["payee"].isin(payees)].reset_index(drop=True)
    match = now[KEY].merge(before[KEY].assign(row=np.arange(len(before))), on=KEY,
                           how="left", sort=False)["row"]
    hit = match.notna().to_numpy()
    row = match.fillna(0).to_numpy(dtype=np.int64)
    amounts = before["before"].to_numpy(dtype=np.int64)
    dates = before["recorded_date"].to_numpy(dtype=object)
    now = now.assign(current=now["amount"],
                     before=np.where(hit, amounts[row], 0) if len(before) else 0,
                     recorded_date=np.where(hit, dates[row], None) if len(before) else None,
                     present=True)
    gone_rows = np.ones(len(before), dtype=bool)
    gone_rows[row[hit]] = False
    gone = before[gone_rows]
    gone = lines.table(len(gone), payee=gone["payee"].to_numpy(dtype=object),
                       component=gone["component"].to_numpy(dtype=object),
                       kind=gone["kind"].to_numpy(dtype=object), amount=0,
                       deal=gone["deal"].to_numpy(dtype=object),
                       seq=gone["seq"].to_numpy(dtype=np.int64)).assign(
        current=0, before=gone["before"].to_numpy(dtype=np.int64),
        recorded_date=gone["recorded_date"].to_numpy(dtype=object), present=False)
    return lines.combine([now, gone])


def payee_lines(compared: pd.DataFrame, plan) -> dict[str, PayeeLines]:
    """Per payee: the changed keys as JSON lines, and sums per component."""
    found: dict[str, PayeeLines] = defaultdict(PayeeLines)
    change = pd.Series(difference(compared["current"].to_numpy(),
                                  compared["before"].to_numpy()), index=compared.index)
    shown = compared[compared["present"] | (change != 0)]
    groups = [shown["payee"], shown["component"]]
    current_sums = group_sums(shown["current"], groups)
    change_sums = group_sums(change[shown.index], groups)
    for (payee, component), current, changed in zip(current_sums.index,
                                                    current_sums.tolist(),
                                                    change_sums.tolist()):
        found[payee].components[component] = (current, changed)
        found[payee].earned_to_date += current
    changed = compared[(change != 0).to_numpy()]
    present = changed["present"].to_numpy()
    documents = iter(_line_json(changed[present], plan))
    gone = changed[~present]
    gone_dates = iter(gone["recorded_date"].tolist())
    for payee, component, capped, deal, seq, before, current, here in zip(
            *[lines.with_none(changed[c]).tolist() for c in KEY + ["before", "current"]],
            present.tolist()):
        key = (plan.id, component, "cap" if capped else "line", deal or None, seq or None)
        if here:
            document, day = next(documents)
        else:
            recorded = next(gone_dates)
            document, day = _gone_json(key, before, plan.currency), (
                recorded.isoformat() if recorded is not None else None)
        found[payee].changes.append((key, document, current - before,
                                     (day or "~", deal or "", seq)))
    return found


def _line_json(frame: pd.DataFrame, plan) -> list[tuple[dict, str | None]]:
    """(the JSON line, the deal date as ISO text) of each changed line that is earned now.
    Figures are formatted a column at a time; each row then only puts its pieces together."""
    currency = plan.currency
    current = frame["current"].to_numpy()
    before = frame["before"].to_numpy()
    column = {c: lines.with_none(frame[c]).tolist() for c in (
        "component", "kind", "deal", "note", "report", "rate", "rate_per")}
    deal_rows = (frame["kind"] == "deal").to_numpy()
    base = frame["base"].to_numpy()
    dates = frame["date"].dt.strftime("%Y-%m-%d")
    dates = dates.astype(object).where(frame["date"].notna(), None).tolist()
    plain_base = _texts_where(amount_texts, base, deal_rows, currency)
    money_base = _texts_where(money_texts, base, deal_rows, currency)
    money_now = money_texts(current, currency)
    money_before = _texts_where(money_texts, before, before != 0, currency)
    plain_change = amount_texts(current - before, currency)
    money_cap = _texts_where(money_texts, frame["cap"].to_numpy(),
                             (frame["kind"] == "cap").to_numpy(), currency)
    starts = {component: [(_from_json(start, currency), _from_text(start, currency))
                          for start in froms]
              for component, froms in lines.tier_starts(plan).items()}
    tiers = []
    for k in range(lines.tier_count(frame)):
        bases = frame[f"slice_base_{k}"].to_numpy()
        used = bases != 0
        tiers.append((used.tolist(), _texts_where(amount_texts, bases, used, currency),
                      _texts_where(money_texts, bases, used, currency),
                      frame[f"slice_rate_{k}"].tolist(), frame[f"slice_per_{k}"].tolist()))
    found = []
    for i, (component, kind, deal, note, report, rate, per) in enumerate(zip(
            *[column[c] for c in ("component", "kind", "deal", "note", "report", "rate",
                                  "rate_per")])):
        deal = deal or None
        froms = starts.get(component, ())
        slices = [(plain[i], rate_text_of(n[i], d[i]), money_[i], percent_of(n[i], d[i]),
                   start) for (used, plain, money_, n, d), start in zip(tiers, froms)
                  if used[i]]
        document = {
            # a SPIFF is a deal line to the rep; a changed line of any kind is a true-up
            "kind": ("deal" if kind == "spiff" else kind) if before[i] == 0 else "true-up",
            "component": component, "deal": deal,
            "base": plain_base[i] if kind == "deal" else None,
            "rate": rate_text_of(rate, per) if per else None,
            "slices": [{"base": plain, "rate": rate_, "from": start_json}
                       for plain, rate_, _, _, (start_json, _) in slices],
            "amount": plain_change[i]}
        amount = money_now[i]
        if kind == "cap":
            what = "the plan" if component == "plan_cap" else component
            text = f"Cap on {what}: earnings above {money_cap[i]} are not paid ({amount})."
        elif deal is None:
            text = f"{component}: {f'{note} = ' if note else ''}{amount}."
        else:
            head = f"Deal {deal}{f' credited to {report}' if report else ''} on {dates[i]}"
            if note:
                text = f"{head}: {note}."
            elif kind == "spiff":
                text = f"{head}: SPIFF {component}, {amount}."
            elif slices:
                parts = ", ".join(f"{money_} at {percent_} (tier from {start_text})"
                                  for _, _, money_, percent_, (_, start_text) in slices)
                text = f"{head}, base {money_base[i]}: {parts} = {amount}."
            else:
                rated = f" at {percent_of(rate, per)}" if per else ""
                text = f"{head}, base {money_base[i]}{rated} = {amount}."
        if before[i]:
            why = ("its amount, credit or tier slices changed since the last close" if deal
                   else "the figures it is computed from changed since the last close")
            text = (f"True-up: {money_before[i]} earned before, {amount} now ({why}). "
                    + text)
        document["text"] = text
        found.append((document, dates[i]))
    return found


def _texts_where(texts, values: np.ndarray, used: np.ndarray, currency: str) -> list:
    """``texts`` of the used cells only (None elsewhere): most cells of a column go unread."""
    found = [None] * len(values)
    for i, text in zip(np.flatnonzero(used).tolist(), texts(values[used], currency)):
        found[i] = text
    return found


def _gone_json(key, before: int, currency: str) -> dict:
    """A key the last close paid that is earned no more: a cancelled deal, or a bonus no
    longer earned."""
    kind = "clawback" if key[3] is not None else "true-up"
    what = f"Deal {key[3]}" if key[3] else key[1]
    return {"kind": kind, "component": key[1], "deal": key[3], "base": None, "rate": None,
            "slices": [], "amount": format_minor_units(-before, currency),
            "text": f"{what}: {money(before, currency)} paid before is taken back "
                    f"({money(-before, currency)})."}


def _from_json(start, currency: str) -> str:
    """A tier's start in JSON: a ratio of quota, or money."""
    if isinstance(start, Fraction):
        return rate_text(start)
    return format_minor_units(start, currency)


def _from_text(start, currency: str) -> str:
    if isinstance(start, Fraction):
        return f"{percent(start)} of quota"
    return money(start, currency)
