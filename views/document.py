"""The one serializer of a period's result: the JSON of DATA_AND_CLI.md (`icm calc --json`,
`icm close --json`, the JSON statement) from the records, and a close's kept statement back
into records.

A close before revision 0004 kept each payee's statement as ``{"document": ..., "context":
...}`` in ``payee_results.statement`` (later closes record typed rows: ``ledger.results``;
tests/legacy_statement.py writes the old form); ``from_json`` reads it back so that ``to_json`` gives the same
document again, byte for byte, for ledgers closed before the result became data too (a
kept line's sentence is kept as closed, in the ``text`` column).
"""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import pandas as pd

from ledger.records import (CLOSED, LINES, ComponentTotal, MeasureFigures, PayeeRecord,
                            PeriodResult, SettlementLine, StatementContext, TierBoundary,
                            conform, line_schema)
from rules_dsl.figures import amount_texts, rate_text, rate_text_of
from rules_dsl.money import Money, format_minor_units, minor_digits, parse_decimal, \
    rounded_text, text_to_minor_units
from views.sentences import SETTLEMENT_KINDS, line_sentences, per_value, texts_where, \
    tier_texts


def to_json(result: PeriodResult) -> dict:
    """The document of `icm calc --json` (and of `icm close --json`)."""
    return {"period": result.period, "payees": payee_documents(result)}


def payee_documents(result: PeriodResult) -> list[dict]:
    """Each payee's entry of the document, in the result's order."""
    by_payee: dict[str, list] = {record.payee: [] for record in result.payees}
    for payee, document in zip(result.lines["payee"].tolist(),
                               line_documents(result.lines)):
        by_payee[payee].append(document)
    return [payee_document(record, by_payee[record.payee]) for record in result.payees]


def payee_document(record: PayeeRecord, lines: list[dict]) -> dict:
    money = lambda units: format_minor_units(units, record.currency)  # noqa: E731
    return {
        "payee": record.payee, "plans": list(record.plans), "currency": record.currency,
        "attainment": {name: rounded_text(value, 4) for name, value in record.attainment},
        "components": {c.component: {"earned_to_date": money(c.earned_to_date),
                                     "held": money(c.held), "payout": money(c.payout)}
                       for c in record.components},
        "earned_to_date": money(record.earned_to_date), "held": money(record.held),
        "paid_to_date": money(record.paid_to_date),
        "adjustments": money(record.adjustments), "draw": money(record.draw),
        "payout": money(record.payout), "carried_balance": money(record.carried_balance),
        "lines": lines}


def figure_text(value, currency: str) -> str | None:
    """Money (``Money``, minor units) as decimal text with the currency's digits, any other
    figure exactly."""
    if value is None:
        return None
    if isinstance(value, Money):
        return format_minor_units(int(value), currency)
    return rate_text(Fraction(value))


def line_documents(lines: pd.DataFrame) -> list[dict]:
    """The JSON of every line, figures formatted a column at a time."""
    count = len(lines)
    currency = lines["currency"].to_numpy(dtype=object)
    texts = line_sentences(lines)
    amounts = texts_where(amount_texts, lines["amount"].to_numpy(dtype=np.int64),
                          np.ones(count, dtype=bool), currency)
    base = lines["base"]
    bases = texts_where(amount_texts, base.fillna(0).to_numpy(dtype=np.int64),
                        base.notna().to_numpy(), currency)
    tiers = tier_texts(lines, currency, amount_texts, rate_text_of, _start)
    rates = per_value(rate_text_of, lines["rate_per"].to_numpy() != 0, lines["rate"],
                      lines["rate_per"])
    found = []
    for i, (kind, component, deal) in enumerate(zip(*[lines[c].tolist() for c in (
            "kind", "component", "deal")])):
        found.append({
            "kind": kind, "component": component, "deal": deal, "base": bases[i],
            "rate": rates[i],
            "slices": [{"base": plain[i], "rate": rate_[i], "from": start[i]}
                       for used, plain, rate_, start in tiers if used[i]],
            "amount": amounts[i], "text": texts[i]})
    return found


def period_documents(shared) -> list[dict]:
    """``line_documents`` of a period's whole lines table (``views.source.PeriodLines``),
    computed once for all its statements."""
    return shared.cached("documents", line_documents)


def statement_documents(statement) -> list[dict]:
    """``line_documents`` of a statement's lines: its span of the period's documents when
    it is a span of the period's lines table."""
    if statement.own_lines is None and statement.shared is not None:
        start, stop = statement.span
        return period_documents(statement.shared)[start:stop]
    return line_documents(statement.lines)


@functools.lru_cache(maxsize=4096)  # a plan has a handful of tier starts
def _start(numerator: int, denominator: int, basis: str, currency: str) -> str:
    if basis == "attainment":
        return rate_text_of(numerator, denominator)
    return format_minor_units(numerator, currency)


# ------------------------------------------------------------------ a kept statement back

def from_json(document: dict, context: dict, status: str = CLOSED
              ) -> tuple[PayeeRecord, pd.DataFrame]:
    """A statement a close kept before revision 0004, as its record and its lines."""
    records, lines = read_kept([(document, context)], status)
    return records[0], lines


def read_kept(kept: list[tuple[dict, dict]], status: str = CLOSED
              ) -> tuple[list[PayeeRecord], pd.DataFrame]:
    """Kept statements as their records and one lines table of them all, in order."""
    records, rows = [], []
    for document, context in kept:
        currency = document["currency"]
        units = lambda text: text_to_minor_units(text, currency)  # noqa: E731
        measures = tuple(_measure(m, currency) for m in context.get("measures", []))
        mine = _line_rows(document["payee"], document["lines"], currency, measures)
        rows += mine
        records.append(PayeeRecord(
            payee=document["payee"], currency=currency, plans=tuple(document["plans"]),
            status=status, fiscal_year=None,
            earned_to_date=units(document["earned_to_date"]),
            paid_to_date=units(document["paid_to_date"]),
            earned=sum(r["amount"] for r in mine if r["kind"] not in SETTLEMENT_KINDS),
            adjustments=units(document["adjustments"]), draw=units(document["draw"]),
            payout=units(document["payout"]),
            carried_balance=units(document["carried_balance"]),
            attainment=tuple((name, Fraction(text)) for name, text in
                             document["attainment"].items()),
            components=tuple(ComponentTotal(name, units(values["earned_to_date"]),
                                            units(values["payout"]),
                                            units(values.get("held", "0")))
                             for name, values in document["components"].items()),
            settlement=tuple(SettlementLine(r["kind"], r["amount"], r["reason"], r["draw"])
                             for r in mine if r["kind"] in SETTLEMENT_KINDS),
            context=StatementContext(context.get("name"), context.get("target_incentive"),
                                     context.get("period_target_incentive"), measures),
            held=units(document.get("held", "0"))))
    return records, _table(rows)


def _measure(entry: dict, currency: str) -> MeasureFigures:
    is_money = entry["type"] == "money"

    def figure(text):
        if text is None:
            return None
        return Money(text_to_minor_units(text, currency)) if is_money else Fraction(text)
    return MeasureFigures(
        entry["measure"], entry["type"], figure(entry["value"]), figure(entry["quota"]),
        Fraction(entry["attainment"]) if entry["attainment"] is not None else None,
        tuple(TierBoundary(b["component"], Money(text_to_minor_units(b["from"], currency))
                           if b["basis"] == "amount" else Fraction(b["from"]), b["basis"])
              for b in entry["boundaries"]))


def _line_rows(payee: str, documents: list[dict], currency: str, measures) -> list[dict]:
    """A kept statement's lines as rows of a lines table; each keeps its sentence as
    closed. The fiscal year of an earlier year's line is the year its sentence was kept
    under."""
    basis = {b.component: b.basis for m in measures for b in m.boundaries}
    slices = max([len(d["slices"]) for d in documents] + [0])
    rows = []
    for d in documents:
        rate = Fraction(d["rate"]) if d["rate"] is not None else None
        kind = d["kind"]
        row = {column: None for column in LINES}
        row.update(
            payee=payee, currency=currency, fiscal_year=_fiscal_year(d["text"]), kind=kind,
            line_kind=None if kind in SETTLEMENT_KINDS else kind,
            component=d["component"], deal=d["deal"], seq=0, date=None,
            base=text_to_minor_units(d["base"], currency) if d["base"] is not None else None,
            rate=rate.numerator if rate is not None else 0,
            rate_per=rate.denominator if rate is not None else 0,
            tier_basis=_basis(d, basis, currency), cap=0,
            amount=text_to_minor_units(d["amount"], currency), before=0, current=0,
            cause={"clawback": "gone-deal"}.get(kind), draw=0, text=d["text"])
        if kind == "adjustment":
            row["reason"] = _after(d["text"], "Adjustment: ", ": ")
        for k in range(slices):
            piece = d["slices"][k] if k < len(d["slices"]) else None
            rate_k = Fraction(piece["rate"]) if piece else Fraction(0)
            start = _start_value(piece["from"], row["tier_basis"], currency) if piece \
                else Fraction(0)
            row.update({f"slice_base_{k}": text_to_minor_units(piece["base"], currency)
                        if piece else 0, f"slice_rate_{k}": rate_k.numerator,
                        f"slice_per_{k}": rate_k.denominator if piece else 0,
                        f"slice_from_{k}": start.numerator,
                        f"slice_from_per_{k}": start.denominator if piece else 0})
        rows.append(row)
    return rows


def _table(rows: list[dict]) -> pd.DataFrame:
    slices = max([sum(1 for c in row if c.startswith("slice_base_")) for row in rows] + [0])
    columns = list(line_schema(slices))
    frame = pd.DataFrame({c: [row.get(c, 0) for row in rows] for c in columns},
                         columns=columns)
    return _typed(frame)


def _fiscal_year(text: str) -> int | None:
    """The year an earlier fiscal year's line was kept under: ``to_json`` writes it as the
    sentence's "Fiscal YYYY: " (the document has no field for it)."""
    head, colon, _ = text.partition(": ")
    year = head.removeprefix("Fiscal ")
    return int(year) if colon and year != head and year.isdigit() else None


def _after(text: str, prefix: str, separator: str) -> str | None:
    """An adjustment's reason from its sentence "Adjustment: <money>: <reason>."."""
    rest = text.removeprefix(prefix)
    _, found, reason = rest.partition(separator)
    return reason.removesuffix(".") if found else None


def _basis(line: dict, basis: dict, currency: str) -> str | None:
    """How the line's tier starts read: from the statement's boundaries, else from the text
    of the first start (money has the currency's decimals)."""
    if not line["slices"]:
        return None
    if line["component"] in basis:
        return basis[line["component"]]
    start = line["slices"][0]["from"]
    try:
        money = format_minor_units(text_to_minor_units(start, currency), currency) == start
    except ValueError:
        money = False
    return "amount" if money and minor_digits(currency) else "attainment"


def _start_value(text: str, basis: str | None, currency: str) -> Fraction:
    if basis == "amount":
        return Fraction(text_to_minor_units(text, currency))
    return parse_decimal(text)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The table in the schema's dtypes."""
    ints = [c for c in frame.columns if c.startswith("slice_")] + [
        "seq", "cap", "amount", "before", "current", "draw", "rate", "rate_per"]
    frame = frame.astype({c: object for c in frame.columns if c not in ints})
    frame = frame.assign(**{c: frame[c].where(frame[c].notna(), None) for c in frame.columns
                            if c not in ints})
    for column in ints:
        try:
            frame[column] = frame[column].astype(np.int64)
        except OverflowError:  # an exact rate beyond 64 bits stays Python ints
            frame[column] = frame[column].astype(object)
    frame["fiscal_year"] = pd.array(frame["fiscal_year"].tolist(), dtype="Int64")
    frame["base"] = pd.array(frame["base"].tolist(), dtype="Int64")
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    return conform(frame)
