"""`icm explain`: the calculation trace of one payee in one period, for a comp admin answering
a rep: plan version, quota and attainment, each line with its tier slices, caps, true-ups,
and the settlement from earned to paid. With a deal: that deal's credits and lines only.

It reads the same statement as `icm statements` (the close's, or a draft), so the trace and
the statement never disagree."""
from __future__ import annotations

from fractions import Fraction

from rules_dsl.money import format_grouped, minor_digits, parse_decimal, text_to_minor_units
from views.safe_text import terminal_safe
from views.source import period_statements
from views.view import grouped, statement_view
from rules_dsl.figures import percent, rate_text
from views.errors import NotFoundError
from ledger.columns import SHARE_SCALE
from ledger.database import LedgerDb
from ledger.reads import current_deal


def explain(ledger_db: LedgerDb, period: str, payee: str, deal: str | None = None) -> str:
    statement = period_statements(ledger_db, period, payee)[0]
    document, currency = statement.document, statement.currency
    money = lambda text: f"{grouped(text)} {currency}"  # noqa: E731
    state = f"closed, run {statement.run_id}" if statement.status == "closed" else \
        "draft: not closed, computed from the ledger as it is now"
    out = [f"{statement.payee} ({statement.name}), {period} ({state}), amounts in {currency}",
           f"plan: {', '.join(document['plans']) or 'none in force'}"]
    if statement.context.get("target_incentive") is not None:
        out.append("target incentive of the window: "
                   f"{format_grouped(statement.context['target_incentive'], currency)} "
                   f"{currency}")
    if deal is not None:
        out += ["", *_credits(ledger_db, deal)]
    out += ["", "measures:"]
    for measure in statement.context.get("measures", []):
        unit = f" {currency}" if measure["type"] == "money" else ""
        line = f"  {measure['measure']}: {grouped(measure['value'])}{unit}"
        if measure["attainment"] is not None:
            line += (f" of quota {grouped(measure['quota'])}{unit} = attainment "
                     f"{percent(Fraction(measure['attainment']))}")
        boundaries = [b["from"] for b in measure["boundaries"]]
        if boundaries:
            line += "; tiers start at " + ", ".join(
                percent(Fraction(b)) if m == "attainment" else f"{grouped(b)} {currency}"
                for b, m in zip(boundaries, [b["basis"] for b in measure["boundaries"]]))
        out.append(line)
    basis = {b["component"]: b["basis"] for m in statement.context.get("measures", [])
             for b in m["boundaries"]}
    lines = [line for line in document["lines"] if deal is None or line["deal"] == deal]
    out += ["", "lines:" if deal is None else f"lines of deal {deal}:"]
    for line in lines:
        head = f"  [{line['kind']}] {line['component'] or ''}".rstrip()
        out.append(f"{head}: {money(line['amount'])}")
        for piece in line["slices"]:
            exact = parse_decimal(piece["base"]) * Fraction(piece["rate"])
            out.append(f"      {money(piece['base'])} x {percent(Fraction(piece['rate']))} "
                       f"(tier from "
                       f"{_from(piece['from'], basis.get(line['component']), currency)})"
                       f" = {_exact(exact, currency)}")
        if len(line["slices"]) > 1:
            out.append(f"      summed, then rounded once with the plan's rounding mode: "
                       f"{money(line['amount'])}")
        out.append(f"      {line['text']}")
    if not lines:
        out.append("  none" + (f": deal {deal} earned nothing for {payee} in {period}"
                               if deal else ""))
    if deal is None:
        view = statement_view(statement)
        out += ["", "settlement:"]
        out += [f"  {label}: {amount} {currency}" for label, amount, _ in
                view.to_date + view.summary]
        out.append(f"  pay for this period: {money(document['payout'])}")
        if view.paid_as:
            paid = statement.payment
            out.append(f"  paid in {paid.currency}: "
                       f"{format_grouped(paid.amount, paid.currency)} {paid.currency}, "
                       f"{view.paid_as}")
        if text_to_minor_units(document["carried_balance"], currency):
            out.append(f"  balance owed after this period: {money(document['carried_balance'])}")
        out.append(f"  the lines add up to {view.total} {currency}: "
                   f"{'foots' if view.foots else 'DOES NOT FOOT'}")
    return "".join(f"{terminal_safe(line)}\n" for line in out)  # each entry is one line


def _credits(ledger_db: LedgerDb, deal: str) -> list[str]:
    if not _is_utf8_text(deal):  # bytes a shell could not decode reach SQL otherwise
        raise NotFoundError(f"no deal {deal!r} in the ledger: an id is UTF-8 text, and this "
                            "one is not")
    row = current_deal(ledger_db, deal)
    if row is None:
        raise NotFoundError(f"no deal {deal!r} in the ledger")
    out = [f"deal {deal}: {format_grouped(row.amount, row.currency)} {row.currency} on "
           f"{row.date}, owner {row.owner_id}, type {row.type or '-'}, status {row.status}"
           + (f" (cancelled {row.cancel_date})" if row.cancel_date else "")]
    if not row.credits:
        out.append(f"  credited 100% to its owner {row.owner_id} (no credit rows)")
    for payee_id, share in row.credits:
        out.append(f"  credited {percent(Fraction(share, SHARE_SCALE))} to {payee_id}")
    return out


def _is_utf8_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _exact(value: Fraction, currency: str) -> str:
    """A slice's amount before the line is rounded: to the cent when it is whole cents,
    else every digit there is."""
    scaled = value * 10 ** minor_digits(currency)
    if scaled.denominator == 1:
        return f"{format_grouped(int(scaled), currency)} {currency}"
    return f"{rate_text(value)} {currency} before rounding"


def _from(start: str, basis: str | None, currency: str) -> str:
    if basis == "amount":
        return f"{grouped(start)} {currency}"
    return f"{percent(Fraction(start))} of quota" if basis == "attainment" else start
