"""A statement laid out for reading: the summary that foots to the pay, each measure against
its quota, each component, and every line. The HTML, Markdown and PDF renderings all draw
from this one view, so they cannot disagree."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from rules_dsl.money import format_grouped, group_thousands, text_to_minor_units
from views.chart import attainment_chart, percent_text
from views.source import Statement
from rules_dsl.figures import percent

KIND_LABELS = {"deal": "Deal", "true-up": "True-up", "clawback": "Clawback", "cap": "Cap",
               "component": "Component", "adjustment": "Adjustment",
               "balance": "Balance brought forward", "draw": "Draw", "carried-forward":
               "Carried forward"}
EARNING_KINDS = ("deal", "true-up", "clawback", "cap", "component")


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    to_date: list  # (label, amount text, note): the fiscal year so far
    summary: list  # (label, amount text, note): the rows that add up to the pay
    measures: list  # dicts: name, value, quota, attainment, chart (SVG text or None)
    components: list  # (name, earned to date, payout)
    lines: list  # dicts: kind, component, deal, base, rate, amount, text
    total: str  # the lines' sum, which is the payout
    foots: bool
    paid_as: str | None = None  # the pay in the payee's own currency, and at what rate


def grouped(text: str | None) -> str:
    """'1234567.89' -> '1,234,567.89': how a rep reads an amount."""
    return "" if text is None else group_thousands(text)


def statement_view(statement: Statement) -> StatementView:
    document, currency = statement.document, statement.currency
    lines = document["lines"]
    by_kind: dict[str, int] = {}
    for line in lines:
        category = "earned" if line["kind"] in EARNING_KINDS else line["kind"]
        by_kind[category] = by_kind.get(category, 0) + text_to_minor_units(line["amount"],
                                                                           currency)
    money = lambda amount: format_grouped(amount, currency)  # noqa: E731
    to_date = [("Earned to date this fiscal year", grouped(document["earned_to_date"]),
                "every component, after caps"),
               ("Paid in earlier periods", grouped(document["paid_to_date"]),
                "what earlier closes of this fiscal year paid")]
    footing = [
        ("Earned this period", "earned", "new lines, true-ups and clawbacks below"),
        ("Adjustments", "adjustment", "manual adjustments this period"),
        ("Balance brought forward", "balance",
         "owed from earlier periods, deducted from this pay"),
        ("Draw", "draw", "the guaranteed minimum paid above what was earned"),
        ("Carried forward", "carried-forward",
         "what is still owed, left to recover from later pay"),
    ]
    summary = [(label, money(by_kind.get(kind, 0)), note) for label, kind, note in footing
               if kind == "earned" or by_kind.get(kind, 0)]
    total = sum(text_to_minor_units(line["amount"], currency) for line in lines)
    measures = []
    for measure in statement.context.get("measures", []):
        if measure["value"] is None and measure["quota"] is None:
            continue
        is_money = measure["type"] == "money"
        measures.append({
            "name": measure["measure"],
            "value": grouped(measure["value"]) + (f" {currency}" if is_money else ""),
            "quota": (grouped(measure["quota"]) + (f" {currency}" if is_money else ""))
            if measure["quota"] is not None else "no quota",
            "attainment": percent_text(measure["attainment"]),
            "chart": attainment_chart(measure["measure"], measure["attainment"],
                                      _as_attainment(measure["boundaries"], measure["quota"]))
            if measure["attainment"] is not None else None})
    components = [(name, grouped(values["earned_to_date"]), grouped(values["payout"]))
                  for name, values in document["components"].items()]
    shown = [{"kind": KIND_LABELS.get(line["kind"], line["kind"]),
              "component": line["component"] or "", "deal": line["deal"] or "",
              "base": grouped(line["base"]), "rate": _rate(line),
              "amount": grouped(line["amount"]), "text": line["text"]} for line in lines]
    return StatementView(statement, to_date, summary, measures, components, shown, money(total),
                         total == text_to_minor_units(document["payout"], currency),
                         paid_as_text(statement))


def paid_as_text(statement: Statement) -> str | None:
    paid = statement.payment
    if paid is None:
        return None
    return (f"the pay converted at 1 {statement.currency} = {paid.rate} {paid.currency} (the "
            f"rate of {paid.rate_date}), rounded half up once")


def _as_attainment(boundaries: list[dict], quota: str | None) -> list[dict]:
    """Tier starts as shares of quota, so money tiers can be drawn on the attainment bar."""
    shares = []
    for boundary in boundaries:
        if boundary["basis"] == "attainment":
            shares.append(boundary)
        elif quota and Fraction(quota):
            shares.append({**boundary, "basis": "attainment",
                           "from": str(Fraction(boundary["from"]) / Fraction(quota))})
    return shares


def _rate(line: dict) -> str:
    if line["rate"] is not None:
        return percent_exact(line["rate"])
    if line["slices"]:
        return " + ".join(percent_exact(s["rate"]) for s in line["slices"])
    return ""


def percent_exact(rate_text: str) -> str:
    return percent(Fraction(rate_text))
