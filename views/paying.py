"""What a payee is paid in: the plan's currency, or the payee's own pay currency converted
at the latest rate on or before the period's last day (DATA_AND_CLI.md, `icm export
payroll`). The statement shows it and the payroll file pays it, from this one place."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from rules_dsl.money import convert_parts, fx_ratio
from ledger.database import LedgerDb
from ledger.reads import latest_rates
from ledger.window import MissingRateError


@dataclass(frozen=True)
class Payment:
    """The pay of a statement in another currency."""

    currency: str
    amount: int  # minor units of ``currency``: the payout converted, rounded half up once
    rate: str  # units of ``currency`` per unit of the plan currency, as the FX file has it
    rate_date: datetime.date
    ratio: Fraction  # minor units of ``currency`` per minor unit of the plan currency


def payments(ledger_db: LedgerDb, pays: list[tuple[str, str, str | None, int]],
             day: datetime.date) -> list[Payment | None]:
    """For each (payee, plan currency, pay currency, payout in the plan currency), the pay in
    the payee's own currency, or None when the payee is paid in the plan's; in order, so a
    missing rate is reported for the first payee who needs it."""
    converted = [(payee, plan, paid_in, payout) for payee, plan, paid_in, payout in pays
                 if paid_in and paid_in != plan]
    rates = latest_rates(ledger_db, sorted({(plan, paid_in)
                                            for _, plan, paid_in, _ in converted}), day)
    return [_payment(payee, plan, paid_in, payout, day, rates)
            for payee, plan, paid_in, payout in pays]


def _payment(payee: str, plan_currency: str, pay_currency: str | None, payout: int,
             day: datetime.date, rates: dict) -> Payment | None:
    if not pay_currency or pay_currency == plan_currency:
        return None
    found = rates[(plan_currency, pay_currency)]
    if found is None:
        raise MissingRateError(f"no FX rate from {plan_currency} to {pay_currency} on or "
                               f"before {day} to pay {payee} in {pay_currency}: import one "
                               "with `icm import fx`")
    rate, rate_date = found
    ratio = fx_ratio(rate, plan_currency, pay_currency)
    amount, _ = convert_parts([payout], ratio)
    return Payment(pay_currency, amount, rate, rate_date, ratio)
