"""What a payee is paid in: the plan's currency, or the payee's own pay currency converted
at the latest rate on or before the period's last day (DATA_AND_CLI.md, `icm export
payroll`). The statement shows it and the payroll file pays it, from this one place."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select

from rules_dsl.money import convert_parts, fx_ratio
from ledger.schema import FxRate
from ledger.window import MissingRateError


@dataclass(frozen=True)
class Payment:
    """The pay of a statement in another currency."""

    currency: str
    amount: int  # minor units of ``currency``: the payout converted, rounded half up once
    rate: str  # units of ``currency`` per unit of the plan currency, as the FX file has it
    rate_date: datetime.date
    ratio: Fraction  # minor units of ``currency`` per minor unit of the plan currency


def payment(connection, payee: str, plan_currency: str, pay_currency: str | None,
            payout: int, day: datetime.date) -> Payment | None:
    """None when the payee is paid in the plan's currency."""
    if not pay_currency or pay_currency == plan_currency:
        return None
    found = connection.execute(select(FxRate.rate, FxRate.date).where(
        FxRate.from_currency == plan_currency, FxRate.to_currency == pay_currency,
        FxRate.date <= day).order_by(FxRate.date.desc()).limit(1)).one_or_none()
    if found is None:
        raise MissingRateError(f"no FX rate from {plan_currency} to {pay_currency} on or "
                               f"before {day} to pay {payee} in {pay_currency}: import one "
                               "with `icm import fx`")
    rate, rate_date = found
    ratio = fx_ratio(rate, plan_currency, pay_currency)
    amount, _ = convert_parts([payout], ratio)
    return Payment(pay_currency, amount, rate, rate_date, ratio)
