"""The engine's read of a window: its deals, credits, assignments, quotas and payees as frames.

``read_window`` returns plain pandas frames and nothing else crosses into the engine: no ORM
object, no float, no Decimal. Deals are converted to the plan currency once (half_up) at the
latest rate on or before each deal's date, never an inverted one, then divided among their
credit rows by largest remainder on the absolute amount, sign restored, ties to the earlier
credit row, so credit amounts always add up to the deal (PLAN_LANGUAGE.md section 2).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from rules_dsl.deal_fields import STORED
from rules_dsl.money import divide_rounded, fx_ratio
from rules_dsl.types import Type
from rules_dsl.icm_error import IcmError
from ledger.columns import SHARE_SCALE
from ledger.database import LedgerDb
from ledger.schema import Assignment, Payee, Quota


class MissingRateError(IcmError, LookupError):
    """A deal in another currency has no rate to the plan currency on or before its date."""


@dataclass(frozen=True)
class WindowFrames:
    start: datetime.date
    end: datetime.date
    currency: str
    credits: pd.DataFrame  # one row per credit row of a current deal dated in the window
    payees: pd.DataFrame  # every payee row (the effective-dated history)
    assignments: pd.DataFrame  # assignments in force on some day of start..through
    quotas: pd.DataFrame  # quota rows overlapping start..through


# What the window reads, as (SQL, frame column): a deal's key, its stored fields under their
# window names (rules_dsl/deal_fields.py), then its credit row.
_READ = [("d.id", "deal_id"), ("d.version", "deal_version")] + [
    (f"d.{field.column}", field.window) for field in STORED if field.name != "id"] + [
    ("COALESCE(c.seq, 1)", "seq"), ("COALESCE(c.payee_id, d.owner_id)", "payee_id"),
    (f"COALESCE(c.share_e9, {SHARE_SCALE})", "share_e9"), ("c.role", "role")]
_DEAL_COLUMNS = [column for _sql, column in _READ]
_DATES = [field.window for field in STORED if field.type == Type.DATE]


def read_window(ledger_db: LedgerDb, start: datetime.date, end: datetime.date, currency: str,
                deal_fields: tuple[str, ...] = (), through: datetime.date | None = None
                ) -> WindowFrames:
    """The frames the engine needs for ``start..end`` (inclusive), in ``currency``: the deals
    dated in it, and the assignments and quota rows of ``start..through`` (``through`` is
    ``end`` unless given: an annual window needs the whole fiscal year's quota however early
    its payout period ends)."""
    through = through or end
    with ledger_db.connect() as connection:
        credits = _credited_deals(connection, start, end, deal_fields)
        credits["amount"], credits["fx_missing"] = _converted(connection, credits, currency)
        credits["credit_amount"] = credit_amounts(credits["amount"].to_numpy(),
                                                  credits["share_e9"].to_numpy(),
                                                  credits["deal_id"].to_numpy())
        return WindowFrames(
            start, end, currency, credits,
            payees=_frame(connection, select(Payee).order_by(Payee.id, Payee.effective_from)),
            assignments=_frame(connection, select(Assignment).where(
                Assignment.effective_from <= through,
                (Assignment.effective_to.is_(None)) | (Assignment.effective_to >= start)
            ).order_by(Assignment.payee_id, Assignment.plan_id, Assignment.effective_from)),
            quotas=_frame(connection, select(Quota).where(
                Quota.start <= through, Quota.end >= start
            ).order_by(Quota.payee_id, Quota.measure, Quota.start)),
        )


def _credited_deals(connection: Connection, start, end, deal_fields) -> pd.DataFrame:
    """Current deals dated in the window, one row per credit row (100% to the owner when the
    deal has none), in (date, deal id, credit seq) order."""
    json_get = ("json_extract(d.extra, '$.\"{0}\"')" if connection.dialect.name == "sqlite"
                else "(d.extra::json ->> '{0}')")
    extra = "".join(f", {json_get.format(name.replace(chr(39), ''))}" for name in deal_fields)
    sql = f"""
        SELECT {", ".join(sql for sql, _column in _READ)}{extra}
        FROM deals d LEFT JOIN credits c ON c.deal_id = d.id
        WHERE d.current AND d.date >= %(start)s AND d.date <= %(end)s
        ORDER BY d.date, d.id, c.seq"""
    if connection.dialect.name == "sqlite":
        sql = sql.replace("%(start)s", "?").replace("%(end)s", "?")
        parameters = (start.isoformat(), end.isoformat())
    else:
        parameters = {"start": start, "end": end}
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(sql, parameters)
    rows = cursor.fetchall()
    cursor.close()
    names = _DEAL_COLUMNS + [f"deal.{name}" for name in deal_fields]
    frame = pd.DataFrame.from_records(rows, columns=names)
    for name in ("deal_version", "original_amount", "seq", "share_e9"):
        frame[name] = frame[name].astype("int64")
    for name in _DATES:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    return frame


def require_rates(credits: pd.DataFrame, currency: str) -> None:
    """Refuse rows whose deal has no rate to the plan currency, naming pair, date and deal.

    The window reads every deal; only the rows a plan really uses need a rate, so the
    engine calls this on those rows."""
    missing = credits[credits["fx_missing"]].drop_duplicates(["deal_currency", "date"])
    if len(missing):
        raise MissingRateError("; ".join(
            f"no FX rate from {row.deal_currency} to {currency} on or before "
            f"{row.date.date()} (deal {row.deal_id}): import one with `icm import fx`"
            for row in missing.head(5).itertuples()))


def _converted(connection: Connection, credits: pd.DataFrame, currency: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's amount in the plan currency, in minor units, rounded half_up once, and
    which rows have no rate (their amount is 0 until ``require_rates`` refuses them)."""
    amounts = credits["original_amount"].to_numpy(dtype="int64").copy()
    foreign = (credits["deal_currency"] != currency).to_numpy()
    no_rate = np.zeros(len(amounts), dtype=bool)
    if not foreign.any():
        return amounts, no_rate
    rates = pd.read_sql(
        "SELECT date, from_currency, rate FROM fx_rates WHERE to_currency = "
        + ("?" if connection.dialect.name == "sqlite" else "%(to)s") + " ORDER BY date",
        connection.connection.driver_connection if connection.dialect.name == "sqlite"
        else connection, params=(currency,) if connection.dialect.name == "sqlite"
        else {"to": currency})
    rates["date"] = pd.to_datetime(rates["date"].astype(str), format="%Y-%m-%d"
                                   ).astype("datetime64[s]")
    rates["from_currency"] = rates["from_currency"].astype(str)
    rates["rate"] = rates["rate"].astype(object)
    wanted = credits.loc[foreign, ["date", "deal_currency", "deal_id"]].reset_index()
    wanted["deal_currency"] = wanted["deal_currency"].astype(str)
    matched = pd.merge_asof(wanted.sort_values("date"), rates, on="date",
                            left_by="deal_currency", right_by="from_currency",
                            direction="backward").sort_values("index")
    absent = matched["rate"].isna().to_numpy()
    foreign_rows = np.flatnonzero(foreign)
    no_rate[foreign_rows[absent]] = True
    matched = matched.assign(rate=matched["rate"].where(~absent, "0"))
    # One exact ratio per (rate, currency) pair, spread over the deals by a lookup.
    pair = matched["rate"] + " " + matched["deal_currency"]
    ratios = {key: fx_ratio(*key.split(" "), currency) for key in pair.unique()}
    numerators = pair.map({k: r.numerator for k, r in ratios.items()}).to_numpy(dtype=object)
    denominators = pair.map({k: r.denominator for k, r in ratios.items()}).to_numpy(dtype=object)
    original = amounts[foreign].astype(object)
    converted = divide_rounded(original * numerators, denominators, "half_up")
    amounts[foreign] = np.array(converted, dtype="int64")
    return amounts, no_rate


def credit_amounts(amounts: np.ndarray, shares_e9: np.ndarray, deal_ids: np.ndarray
                   ) -> np.ndarray:
    """Split each deal's amount over its credit rows by largest remainder, exactly.

    ``amounts`` repeats the deal's amount on each of its rows, which stand together in
    credit-file order. Floor shares of |amount| first; the units left over go to the rows with
    the largest remainders, ties to the earlier row; then the sign comes back.
    """
    sign = np.where(amounts < 0, -1, 1)
    magnitude = amounts * sign
    high, low = np.divmod(magnitude, SHARE_SCALE)  # keeps every product inside int64
    floor = high * shares_e9 + (low * shares_e9) // SHARE_SCALE
    remainder = (low * shares_e9) % SHARE_SCALE
    frame = pd.DataFrame({"deal": deal_ids, "floor": floor, "rest": remainder,
                          "order": np.arange(len(amounts)), "magnitude": magnitude})
    leftover = frame.groupby("deal", sort=False)["magnitude"].transform("first") - \
        frame.groupby("deal", sort=False)["floor"].transform("sum")
    ranked = frame.assign(neg_rest=-frame["rest"]).sort_values(["deal", "neg_rest", "order"])
    rank = ranked.groupby("deal", sort=False).cumcount().reindex(frame.index)
    return ((floor + (rank.to_numpy() < leftover.to_numpy())) * sign).astype("int64")


def _frame(connection: Connection, statement) -> pd.DataFrame:
    result = connection.execute(statement)
    # plain tuples: pandas probes each SQLAlchemy Row for attributes, four times slower
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
