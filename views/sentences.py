"""Every sentence a rep reads beside a statement line, rendered from the line's data
(``ledger.records.LINES``) in one place. Figures are formatted a column at a time; each row
then only puts its pieces together, so a million lines render in one pass."""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import pandas as pd

from ledger.records import SettlementLine, slice_count
from rules_dsl.figures import money, money_texts, percent, percent_of
from rules_dsl.money import round_fraction

SETTLEMENT_KINDS = ("adjustment", "balance", "draw", "carried-forward")
_WHY = {"deal": "its amount, credit or tier slices changed since the last close",
        "other": "the figures it is computed from changed since the last close"}


def settlement_sentence(line: SettlementLine, currency: str) -> str:
    """A settlement line's sentence, without its full stop (as a close records it)."""
    if line.kind == "adjustment":
        return f"Adjustment: {money(line.amount, currency)}: {line.reason}"
    if line.kind == "balance":
        return f"Balance brought forward from earlier periods: {money(line.amount, currency)}"
    if line.kind == "draw":
        why = f" ({line.reason})" if line.reason else ""  # recoverable or not
        return (f"Draw: {money(line.amount, currency)} brings the pay up to the "
                f"{money(line.draw, currency)} draw{why}")
    return f"Carried forward: {money(line.amount, currency)} to be recovered from later pay"


def texts_where(texts, values: np.ndarray, used: np.ndarray, currencies: np.ndarray
                ) -> list:
    """``texts(values, currency)`` of the used cells only (None elsewhere), a currency at a
    time: most cells of a column go unread."""
    used = np.asarray(used, dtype=bool)
    present = pd.unique(currencies[used])
    if len(present) == 1 and used.all():  # the usual case: every cell, one currency
        return texts(values, present[0])
    found = [None] * len(values)
    for currency in present:
        rows = np.flatnonzero(used & (currencies == currency))
        for i, text in zip(rows.tolist(), texts(values[rows], currency)):
            found[i] = text
    return found


def shown_rate(numerator: int, denominator: int) -> Fraction:
    """A rate as the JSON writes it: exact, or to ten places when it has no finite
    expansion (``rules_dsl.figures.rate_text``); a statement's percents are of that."""
    rate = Fraction(numerator, denominator)
    scaled = rate * 10 ** 10
    if scaled.denominator == 1 or _terminates(rate.denominator):
        return rate
    return Fraction(round_fraction(scaled, "half_even"), 10 ** 10)


def _terminates(denominator: int) -> bool:
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def per_value(text, used: np.ndarray, *columns) -> list:
    """``text(*values)`` of each used row (None elsewhere), computed once per distinct
    combination of the columns' values: a plan has a handful of rates and tier starts."""
    found = [None] * len(used)
    rows = np.flatnonzero(used)
    known: dict = {}
    for i, key in zip(rows.tolist(), zip(*[np.asarray(c, dtype=object)[rows].tolist()
                                           for c in columns])):
        value = known.get(key)
        if value is None:
            value = known[key] = text(*key)
        found[i] = value
    return found


@functools.lru_cache(maxsize=4096)  # a plan has a handful of tier starts
def start_text(numerator: int, denominator: int, basis: str, currency: str) -> str:
    """Where a tier starts, as a rep reads it."""
    if basis == "attainment":
        return f"{percent(Fraction(numerator, denominator))} of quota"
    return money(numerator, currency)


def tier_texts(lines: pd.DataFrame, currency: str, bases, rates, starts) -> list[tuple]:
    """Per tier: (which lines use it, then each used slice's base, rate and start as
    ``bases``, ``rates`` and ``starts`` write them); the sentences and the JSON differ only
    in those writers."""
    found = []
    for k in range(slice_count(lines)):
        values = lines[f"slice_base_{k}"].to_numpy(dtype=np.int64)
        used = values != 0
        found.append((used.tolist(), texts_where(bases, values, used, currency),
                      per_value(rates, used, lines[f"slice_rate_{k}"],
                                lines[f"slice_per_{k}"]),
                      per_value(starts, used, lines[f"slice_from_{k}"],
                                lines[f"slice_from_per_{k}"], lines["tier_basis"], currency)))
    return found


def line_sentences(lines: pd.DataFrame, names: list | None = None,
                   person=None) -> list[str]:
    """The sentence of every line of ``lines``; a sentence a close kept (``text``) is kept.
    ``names`` are what each line's component is called (its title), where not its id;
    ``person(payee id)`` what a report credited is called, where not their id."""
    currency = lines["currency"].to_numpy(dtype=object)
    kept = lines["text"].tolist()
    kind = lines["kind"].tolist()
    line_kind = lines["line_kind"].to_numpy(dtype=object)
    cause = lines["cause"].to_numpy(dtype=object)
    gone = np.isin(cause, ["gone-deal", "gone-earning"])
    amount = lines["amount"].to_numpy(dtype=np.int64)
    current = lines["current"].to_numpy(dtype=np.int64)
    before = lines["before"].to_numpy(dtype=np.int64)
    base = lines["base"]
    money_now = texts_where(money_texts, current, ~gone, currency)
    money_amount = texts_where(money_texts, amount, gone, currency)  # a clawback's only
    money_before = texts_where(money_texts, before, before != 0, currency)
    money_base = texts_where(money_texts, base.fillna(0).to_numpy(dtype=np.int64),
                             base.notna().to_numpy(), currency)
    money_cap = texts_where(money_texts, lines["cap"].to_numpy(dtype=np.int64),
                            line_kind == "cap", currency)
    dates = lines["date"].dt.strftime("%Y-%m-%d")
    dates = dates.astype(object).where(lines["date"].notna(), None).tolist()
    tiers = tier_texts(lines, currency, money_texts, percent_of, start_text)
    columns = [lines[c].tolist() for c in ("component", "deal", "note", "report", "rate",
                                             "rate_per", "tier_basis", "reason", "draw",
                                             "fiscal_year")]
    if names is not None:
        columns[0] = names
    if person is not None:
        columns[3] = [person(report) if isinstance(report, str) else report
                      for report in columns[3]]
    found = []
    for i, (component, deal, note, report, rate, per, basis, reason, draw, year) in \
            enumerate(zip(*columns)):
        if kept[i] is not None:
            found.append(kept[i])
            continue
        if kind[i] in SETTLEMENT_KINDS:
            line = SettlementLine(kind[i], int(amount[i]), reason, int(draw))
            found.append(settlement_sentence(line, currency[i]) + ".")
            continue
        if gone[i]:
            what = f"Deal {deal}" if deal else component
            why = f"{reason}, so " if isinstance(reason, str) else ""  # when it was cancelled
            text = (f"{what}: {why}{money_before[i]} paid before is taken back "
                    f"({money_amount[i]}).")
        else:
            text = _earned(i, component, deal, note, report, rate, per, line_kind[i],
                           reason if cause[i] == "payable" else money_now[i],
                           money_base[i], money_cap[i], dates[i],
                           [(money_[i], percent_[i], start[i])
                            for used, money_, percent_, start in tiers if used[i]])
            if before[i]:
                if cause[i] == "payable":  # a payable line (7.3): its reason says why
                    text = f"True-up: {money_before[i]} payable before, {money_now[i]} " \
                        "now. " + text
                else:
                    why = reason or _WHY["deal" if deal else "other"]
                    text = f"True-up: {money_before[i]} earned before, {money_now[i]} now " \
                        f"({why}). " + text
            elif reason and cause[i] != "payable":  # a deal partly clawed back before its
                text = f"{text} {reason}."  # line was first paid
        if year is not None and year is not pd.NA:
            text = f"Fiscal {year}: {text}"
        found.append(text)
    return found


def _earned(i, component, deal, note, report, rate, per, line_kind, amount, money_base,
            money_cap, date, slices) -> str:
    """The sentence of a line earned now, before any true-up."""
    if line_kind == "cap":
        what = "the plan" if component == "plan_cap" else component
        return f"Cap on {what}: earnings above {money_cap} are not paid ({amount})."
    if deal is None:  # "so 2,500.00 USD" needs no "= 2,500.00 USD" after it
        if note and note.endswith(f" {amount}"):
            return f"{component}: {note}."
        return f"{component}: {f'{note} = ' if note else ''}{amount}."
    head = f"Deal {deal}{f' credited to {report}' if report else ''} on {date}"
    if note:
        return f"{head}: {note}."
    if line_kind == "spiff":
        return f"{head}: SPIFF {component}, {amount}."
    if slices:
        parts = ", ".join(f"{money_} at {percent_} (tier from {start})"
                          for money_, percent_, start in slices)
        return f"{head}, base {money_base}: {parts} = {amount}."
    rated = f" at {percent_of(rate, per)}" if per else ""
    return f"{head}, base {money_base}{rated} = {amount}."
