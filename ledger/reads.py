"""Small reads of the ledger's inputs that the views need beside a period's statements: the
payee rows in force on a day, one deal with its credit rows, and the FX rate a payee's pay is
converted at. Each returns plain frozen records, never database rows.
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ledger.database import LedgerDb, reading
from ledger.schema import credits, deals, fx_rates, payees


@dataclass(frozen=True, slots=True)
class PayeeRow:
    """A payee's attributes from ``effective_from`` on."""

    id: str
    effective_from: datetime.date
    name: str
    role: str | None
    manager_id: str | None
    currency: str | None  # the payroll file's: settled pay is converted into it


class PayeeRows:
    """Every payee's rows, oldest first: the one answer to "the payee's row on a day"."""

    def __init__(self, by_id: dict[str, tuple[PayeeRow, ...]]):
        self.by_id = by_id

    def as_of(self, payee: str, day: datetime.date) -> PayeeRow | None:
        """The row in force on ``day``: the latest that started by then, or the first row of
        a payee who starts later; None for an unknown payee."""
        rows = self.by_id.get(payee)
        if not rows:
            return None
        found = rows[0]
        for row in rows:
            if row.effective_from <= day:
                found = row
        return found

    def all_as_of(self, day: datetime.date) -> dict[str, PayeeRow]:
        """Each payee's row in force on ``day``, by payee id."""
        return {payee: self.as_of(payee, day) for payee in self.by_id}


def payee_rows(ledger_db: LedgerDb | Connection) -> PayeeRows:
    with reading(ledger_db) as connection:
        rows = connection.execute(select(
            payees.c.id, payees.c.effective_from, payees.c.name, payees.c.role,
            payees.c.manager_id, payees.c.currency
        ).order_by(payees.c.id, payees.c.effective_from)).all()
    by_id: dict[str, list[PayeeRow]] = {}
    for row in rows:
        by_id.setdefault(row.id, []).append(PayeeRow(*row))
    return PayeeRows({payee: tuple(found) for payee, found in by_id.items()})


@dataclass(frozen=True, slots=True)
class DealRecord:
    """A deal's current version, and its credit rows as (payee, share in billionths)."""

    id: str
    date: datetime.date
    owner_id: str
    amount: int  # minor units of ``currency``
    currency: str
    type: str | None
    status: str
    cancel_date: datetime.date | None
    credits: tuple[tuple[str, int, bool], ...]  # payee, share in billionths, overlay


def current_deal(ledger_db: LedgerDb | Connection, deal_id: str) -> DealRecord | None:
    """The deal's current version with its credit rows in file order; None when unknown."""
    with reading(ledger_db) as connection:
        row = connection.execute(select(
            deals.c.id, deals.c.date, deals.c.owner_id, deals.c.amount, deals.c.currency,
            deals.c.type, deals.c.status, deals.c.cancel_date
        ).where(deals.c.id == deal_id, deals.c.current)).one_or_none()
        if row is None:
            return None
        shares = connection.execute(select(credits.c.payee_id, credits.c.share_e9,
                                           credits.c.overlay)
                                    .where(credits.c.deal_id == deal_id)
                                    .order_by(credits.c.seq)).all()
    return DealRecord(*row, credits=tuple((payee, share, bool(overlay))
                                          for payee, share, overlay in shares))


def latest_rates(ledger_db: LedgerDb | Connection, pairs: Iterable[tuple[str, str]],
                 day: datetime.date) -> dict[tuple[str, str], tuple[str, datetime.date] | None]:
    """(from, to) -> (the rate as its exact decimal text, its date): the latest on or before
    ``day``, None where the ledger has none."""
    found = {}
    with reading(ledger_db) as connection:
        for from_currency, to_currency in pairs:
            row = connection.execute(select(fx_rates.c.rate, fx_rates.c.date).where(
                fx_rates.c.from_currency == from_currency,
                fx_rates.c.to_currency == to_currency, fx_rates.c.date <= day
            ).order_by(fx_rates.c.date.desc()).limit(1)).one_or_none()
            found[(from_currency, to_currency)] = None if row is None else tuple(row)
    return found


def deal_descriptions(ledger_db: LedgerDb | Connection, deal_ids: Iterable[str]
                      ) -> dict[str, tuple[str | None, str | None]]:
    """(name, account) of each current deal among ``deal_ids`` that has either, from the
    deals file's extra columns (PLAN_LANGUAGE.md 1). One query reads only the deals whose
    extra columns name either, so a ledger whose deals have neither reads no rows."""
    wanted = set(deal_ids)
    if not wanted:
        return {}
    # most deals keep no extra column at all ('{}'), which the test skips at once
    described = (deals.c.extra != "{}") & (deals.c.extra.contains('"name"')
                                           | deals.c.extra.contains('"account"'))
    with reading(ledger_db) as connection:
        rows = connection.execute(select(deals.c.id, deals.c.extra).where(
            deals.c.current, described)).all()
    found = {}
    for deal_id, extra in rows:
        if deal_id in wanted:
            values = json.loads(extra or "{}")
            if values.get("name") or values.get("account"):
                found[deal_id] = (values.get("name") or None, values.get("account") or None)
    return found
