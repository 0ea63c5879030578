"""`icm explain`: the calculation trace of one payee in one period, for a comp admin answering
a rep: plan version, quota and attainment, each line with its tier slices, caps, true-ups,
and the settlement from earned to paid. With a deal: that deal's credits and lines only.

It reads the same statement as `icm statements` (the close's, or a draft), so the trace and
the statement never disagree."""
from __future__ import annotations

from fractions import Fraction

from ledger.records import slice_count
from rules_dsl.money import format_grouped, minor_digits
from views.document import line_documents
from views.safe_text import terminal_safe
from views.sentences import shown_rate
from views.source import period_statements
from views.view import figure, shown, statement_view
from rules_dsl.figures import percent, rate_text
from views.errors import NotFoundError
from ledger.shares import SHARE_SCALE
from ledger.database import LedgerDb
from ledger.reads import current_deal


def explain(ledger_db: LedgerDb, period: str, payee: str, deal: str | None = None) -> str:
    statement = period_statements(ledger_db, period, payee)[0]
    record, currency = statement.record, statement.currency
    money = lambda units: f"{format_grouped(units, currency)} {currency}"  # noqa: E731
    state = f"closed, run {statement.run_id}" if statement.status == "closed" else \
        "draft: not closed, computed from the ledger as it is now"
    out = [f"{statement.payee} ({statement.name}), {period} ({state}), amounts in {currency}",
           f"plan: {', '.join(record.plans) or 'none in force'}"]
    context = record.context
    if context.target_incentive is not None:
        out.append("target incentive of the window: "
                   f"{format_grouped(context.target_incentive, currency)} {currency}")
    if deal is not None:
        out += ["", *_credits(ledger_db, deal)]
    out += ["", "measures:"]
    for measure in context.measures:
        unit = f" {currency}" if measure.type == "money" else ""
        line = f"  {measure.measure}: {figure(measure.value, currency)}{unit}"
        if measure.attainment is not None:
            line += (f" of quota {figure(measure.quota, currency)}{unit} = attainment "
                     f"{percent(shown(measure.attainment))}")
        elif measure.quota is not None and measure.quota == 0:
            line += (f" of quota {figure(measure.quota, currency)}{unit}: a quota of zero "
                     "gives no attainment, so what uses it earns nothing in this window")
        if measure.boundaries:
            line += "; tiers start at " + ", ".join(
                percent(shown(b.start)) if b.basis == "attainment"
                else f"{figure(b.start, currency)} {currency}" for b in measure.boundaries)
        out.append(line)
    basis = {b.component: b.basis for m in context.measures for b in m.boundaries}
    lines = statement.lines
    if deal is not None:
        lines = lines[(lines["deal"] == deal).to_numpy()].reset_index(drop=True)
    out += ["", "lines:" if deal is None else f"lines of deal {deal}:"]
    documents = line_documents(lines)
    slices = [[lines[f"{name}_{k}"].tolist() for name in (
        "slice_base", "slice_rate", "slice_per", "slice_from", "slice_from_per")]
        for k in range(slice_count(lines))]
    for i, (document, kind, component, amount) in enumerate(zip(
            documents, *[lines[c].tolist() for c in ("kind", "component", "amount")])):
        head = f"  [{kind}] {component or ''}".rstrip()
        out.append(f"{head}: {money(amount)}")
        used = [(base[i], shown_rate(n[i], d[i]), f[i], fd[i], piece)
                for (base, n, d, f, fd), piece in zip(
                    [s for s in slices if s[0][i]], document["slices"])]
        for base, rate, start, start_per, piece in used:
            exact = Fraction(base, 10 ** minor_digits(currency)) * rate
            out.append(f"      {money(base)} x {percent(rate)} (tier from "
                       f"{_from(start, start_per, piece['from'], basis.get(component), currency)})"
                       f" = {_exact(exact, currency)}")
        if len(used) > 1:
            out.append(f"      summed, then rounded once with the plan's rounding mode: "
                       f"{money(amount)}")
        out.append(f"      {document['text']}")
    if not len(lines):
        out.append("  none" + (f": deal {deal} earned nothing for {payee} in {period}"
                               if deal else ""))
    if deal is None:
        view = statement_view(statement)
        out += ["", "settlement:"]
        out += [f"  {label}: {amount} {currency}" for label, amount, _ in
                view.to_date + view.summary]
        out.append(f"  pay for this period: {money(record.payout)}")
        if view.paid_as:
            paid = statement.payment
            out.append(f"  paid in {paid.currency}: "
                       f"{format_grouped(paid.amount, paid.currency)} {paid.currency}, "
                       f"{view.paid_as}")
        if record.carried_balance:
            out.append(f"  balance owed after this period: {money(record.carried_balance)}")
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
    elif all(overlay for _, _, overlay in row.credits):
        out.append(f"  credited 100% to its owner {row.owner_id} (its credit rows are all "
                   "overlay rows)")
    for payee_id, share, overlay in row.credits:
        out.append(f"  credited {percent(Fraction(share, SHARE_SCALE))} to {payee_id}"
                   + (" (overlay, beside the 100% split)" if overlay else ""))
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


def _from(start: int, start_per: int, text: str, basis: str | None, currency: str) -> str:
    """Where a tier starts: by the basis of the statement's boundaries for the component,
    else as the JSON writes it."""
    if basis == "amount":
        return f"{format_grouped(start, currency)} {currency}"
    if basis == "attainment":
        return f"{percent(shown_rate(start, start_per))} of quota"
    return text
