"""The engine's read of a window: its deals, credits, assignments, quotas and payees as frames.

``read_window`` returns plain pandas frames and nothing else crosses into the engine: no
database row, no float, no Decimal. Deals are converted to the plan currency once (half_up) at the
latest rate on or before each deal's date, never an inverted one, then divided among their
credit rows by largest remainder on the absolute amount, sign restored, ties to the earlier
credit row, so credit amounts always add up to the deal (PLAN_LANGUAGE.md section 2).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from rules_dsl.deal_fields import STORED
from rules_dsl.money import divide_rounded, fx_ratio
from rules_dsl.types import Type
from rules_dsl.icm_error import IcmError
from ledger.shares import SHARE_SCALE
from ledger.database import LedgerDb, reading
from ledger.window_read import (CREDIT_READ, CREDITED, DEAL_READ, TABLES, ReadAhead,
                                WindowSpan, adbc_read, deals_query, joined, small_queries,
                                window_queries)


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
    metrics: pd.DataFrame  # every metrics row: a period's days depend on the plan reading it


_DEAL_COLUMNS = [column for _sql, column in DEAL_READ + CREDIT_READ]
_DATES = [field.window for field in STORED if field.type == Type.DATE]
_INTEGERS = ("deal_version", "original_amount", "seq", "share_e9")
_TEXT = "str"  # pandas' text dtype, Arrow-backed, NaN where missing


def read_window(ledger_db: LedgerDb, start: datetime.date, end: datetime.date, currency: str,
                deal_fields: tuple[str, ...] = (), through: datetime.date | None = None,
                ahead: ReadAhead | None = None) -> WindowFrames:
    """The frames the engine needs for ``start..end`` (inclusive), in ``currency``: the deals
    dated in it, and the assignments and quota rows of ``start..through`` (``through`` is
    ``end`` unless given: an annual window needs the whole fiscal year's quota however early
    its payout period ends). ``ahead`` may have read them already."""
    through = through or end
    if ahead is not None:
        ahead.wait()  # before this connection reads (``ReadAhead``)
    with ledger_db.connect() as connection:
        credits, tables = _credited_deals(ledger_db, connection, start, end, through,
                                          deal_fields, ahead)
        credits = with_owner_rows(credits)
        credits["amount"], credits["fx_missing"] = _converted(connection, credits, currency)
        credits["credit_amount"] = credit_amounts(credits["amount"].to_numpy(),
                                                  credits["share_e9"].to_numpy(),
                                                  credits["deal_id"].to_numpy(),
                                                  credits["overlay"].to_numpy(dtype=bool))
        payees, assignments, quotas, metrics = tables
        return WindowFrames(start, end, currency, credits, payees, assignments, quotas,
                            metrics)


def _small_frame(table: pa.Table, types: dict[str, str]) -> pd.DataFrame:
    """A small table's Arrow columns (or the driver's values) typed as ``TABLES`` says."""
    frame = {}
    for i, (name, kind) in enumerate(types.items()):
        array = table.column(i)
        array = array.combine_chunks() if array.num_chunks else pa.array([], array.type)
        if kind == "date":
            frame[name] = _dates(array)
        elif kind in ("int", "nullable int"):
            array = array.cast(pa.int64())
            frame[name] = pd.array(array, dtype="Int64") if kind == "nullable int" else \
                array.to_numpy(zero_copy_only=False)
        else:
            frame[name] = pd.array(array.cast(pa.large_string()), dtype=_TEXT)
    return pd.DataFrame(frame)


def _dates(array: pa.Array) -> np.ndarray:
    """datetime64[s] of dates read as dates, as ISO text (SQLite) or as nothing at all."""
    if array.null_count == len(array):
        return np.full(len(array), np.datetime64("NaT", "s"))
    if not pa.types.is_date(array.type) and not pa.types.is_timestamp(array.type):
        array = array.cast(pa.string()).cast(pa.date32())
    return array.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)


def _credited_deals(ledger_db: LedgerDb, connection: Connection, start, end, through,
                    deal_fields, ahead: ReadAhead | None
                    ) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Current deals dated in the window, one row per credit row (100% to the owner when the
    deal has none), in (date, deal id by code point, credit seq) order; and the ``TABLES``
    of ``start..through``, through the same reads (or ``ahead``'s, when it read the same).

    The SQL neither sorts nor, when the ledger has no credit row, joins: the rows are put in
    order here on integer keys (a sort over the join cost SQLite 2.3 s of CPU per million
    rows). Without extra deal fields the rows come as Arrow columns through ADBC; with them,
    or on a ledger ADBC cannot open, through the connection's own driver."""
    credited = connection.exec_driver_sql(CREDITED).first() is not None
    sql, names = deals_query(connection.dialect.name, credited, deal_fields)
    # End this connection's transaction before another connection reads: held open, its
    # lock on credits could queue a DROP or a migration's lock between the two, and on
    # PostgreSQL the read would then wait for ever
    connection.rollback()
    span = WindowSpan(start, end, through, deal_fields)
    small = small_queries(span)
    tables = ahead.tables(span, credited) if ahead is not None else None
    if tables is None:
        tables = adbc_read(ledger_db, small if deal_fields else window_queries(span, sql))
    deal_tables = len(tables) - len(TABLES) if tables is not None else 0
    table = joined(tables[:deal_tables]) if deal_tables else None
    if tables is None:
        tables = [_cursor_table(connection, text, first, last, len(types))
                  for (text, first, last), (_text, types) in zip(small, TABLES)]
    small_frames = [_small_frame(found, types) for found, (_text, types) in zip(
        tables[-len(TABLES):], TABLES)]
    del tables
    extras = None
    if table is not None:
        columns = {name: table.column(i) for i, name in enumerate(names)}
        del table  # each Arrow column goes as soon as it is converted
    else:
        rows = _cursor_read(connection, sql, start, end)
        values = list(zip(*rows)) if rows else [()] * (len(names) + len(deal_fields))
        columns = {name: values[i] for i, name in enumerate(names)}
        extras = pd.DataFrame.from_records(
            list(zip(*values[len(names):])) if rows else [],
            columns=[f"deal.{name}" for name in deal_fields])
    frame = {}
    for name in list(columns):
        frame[name] = _column(name, columns.pop(name))
    count = len(frame["deal_id"])
    if extras is not None:
        frame.update({name: extras[name].array for name in extras.columns})
        del extras
    order = _window_order(frame)
    if order is not None:  # one column at a time: never two whole copies of the window
        for name in frame:
            frame[name] = frame[name].take(order)
    if not credited:  # after the order: these need no take
        frame["seq"] = np.ones(count, dtype=np.int64)
        frame["payee_id"] = frame["owner_id"]
        frame["share_e9"] = np.full(count, SHARE_SCALE, dtype=np.int64)
        frame["role"] = np.full(count, None, dtype=object)
        frame["overlay"] = np.zeros(count, dtype=bool)
    return pd.DataFrame({name: _series(frame.pop(name)) for name in list(_DEAL_COLUMNS)
                         + [c for c in frame if c not in _DEAL_COLUMNS]}, copy=False), \
        small_frames


def _series(values) -> pd.Series:
    """A column as a Series of its own dtype: an object array stays Python objects."""
    return pd.Series(values, dtype=values.dtype if isinstance(values, np.ndarray) else None,
                     copy=False)


def _column(name: str, values) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """One column of the window, from Arrow or from the driver's Python values, as pandas
    builds it from Python rows: int64 and datetime64[s] columns, text as pandas' text
    dtype, a text column with no value at all as Python Nones."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else \
        pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if name in _INTEGERS:
        return array.cast(pa.int64()).to_numpy(zero_copy_only=False)
    if name == "overlay":  # SQLite's 0/1, PostgreSQL's booleans
        return array.cast(pa.bool_()).to_numpy(zero_copy_only=False)
    if name in _DATES:
        if array.null_count == len(array):
            return np.full(len(array), np.datetime64("NaT", "s"))
        if not pa.types.is_date(array.type) and not pa.types.is_timestamp(array.type):
            array = array.cast(pa.string()).cast(pa.date32())
        return array.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)
    if array.null_count == len(array):
        return np.full(len(array), None, dtype=object)
    return pd.array(array.cast(pa.large_string()), dtype=_TEXT)


def _window_order(frame: dict) -> np.ndarray | None:
    """The rows' order by (date, deal id by code point, credit seq); None when they are in
    it already. Deal ids are ranked once by Arrow (UTF-8 byte order is code point order)."""
    if not len(frame["deal_id"]):
        return None
    day = np.asarray(frame["date"]).astype("datetime64[D]").astype(np.int64)
    deal = pc.rank(pa.array(frame["deal_id"], from_pandas=True), sort_keys="ascending",
                   tiebreaker="dense").to_numpy().astype(np.int64)
    # without credit rows every deal has the one row (seq 1)
    seq = np.asarray(frame["seq"]) if "seq" in frame else np.ones(len(day), dtype=np.int64)
    days, deals, seqs = (int(k.max()) - int(k.min()) + 1 for k in (day, deal, seq))
    if days * deals * seqs < 2 ** 62:  # one argsort of the keys packed in one int64
        order = np.argsort(((day - day.min()) * deals + deal - deal.min()) * seqs
                           + seq - seq.min(), kind="stable")
    else:
        order = np.lexsort((seq, deal, day))
    if (order[1:] > order[:-1]).all():
        return None
    return order


def read_arrow(ledger_db: LedgerDb | Connection, sql: str, names: list[str]) -> pa.Table:
    """The rows of a query without parameters as Arrow columns named ``names``: through
    ADBC on a ledger it can open (see ``ledger.window_read.adbc_read``), else through
    ``ledger_db``'s own connection, the driver's Python values made columns at once (no
    SQLAlchemy row)."""
    tables = None if isinstance(ledger_db, Connection) else adbc_read(ledger_db,
                                                                      [(sql, None, None)])
    if tables is not None:
        return tables[0].rename_columns(names)
    with reading(ledger_db) as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        cursor.close()
    return _rows_table(rows, names)


def _rows_table(rows: list[tuple], names: list[str]) -> pa.Table:
    values = list(zip(*rows)) if rows else [()] * len(names)
    return pa.table({name: pa.array(list(column), from_pandas=True)
                     for name, column in zip(names, values)})


def _cursor_table(connection: Connection, sql: str, start, end, width: int) -> pa.Table:
    """A query with ``{start}`` and ``{end}`` through the connection's own driver."""
    return _rows_table(_cursor_read(connection, sql, start, end),
                       [f"c{i}" for i in range(width)])


def _cursor_read(connection: Connection, sql: str, start, end) -> list[tuple]:
    if start is None:
        parameters = ()
    elif connection.dialect.name == "sqlite":
        sql = sql.replace("{start}", "?1").replace("{end}", "?2")
        parameters = (start.isoformat(), end.isoformat())
    else:
        sql = sql.replace("{start}", "%(start)s").replace("{end}", "%(end)s")
        parameters = {"start": start, "end": end}
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(sql, parameters)
    rows = cursor.fetchall()
    cursor.close()
    return rows


def read_payments(ledger_db: LedgerDb, through: datetime.date) -> pd.DataFrame:
    """Every payment dated up to ``through``: (deal_id, amount in minor units, currency)."""
    table = read_arrow(ledger_db, "SELECT deal_id, amount, currency FROM payments WHERE "
                                  f"date <= '{through.isoformat()}'",
                       ["deal_id", "amount", "currency"])
    return pd.DataFrame({"deal_id": table["deal_id"].to_pylist(),
                         "amount": table["amount"].cast(pa.int64()).to_numpy(),
                         "currency": table["currency"].to_pylist()})


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


def with_owner_rows(credits: pd.DataFrame) -> pd.DataFrame:
    """A deal whose credit rows are all overlay rows keeps 100% for its owner
    (DATA_AND_CLI.md): its owner's row (seq 1, as for a deal without credit rows; the import
    numbers such a deal's overlay rows from 2) goes in before them, in the window's order."""
    overlay = credits["overlay"].to_numpy(dtype=bool)
    if not overlay.any():
        return credits
    codes, _ = pd.factorize(credits["deal_id"])  # a deal's rows stand together
    split = np.bincount(codes, weights=~overlay) > 0
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    lonely = np.flatnonzero(first & ~split[codes])
    if not len(lonely):
        return credits
    owners = credits.iloc[lonely].assign(seq=1, payee_id=credits["owner_id"].iloc[lonely],
                                         share_e9=SHARE_SCALE, role=None, overlay=False)
    place = np.concatenate([np.arange(len(credits)) * 2, lonely * 2 - 1])
    return pd.concat([credits, owners], ignore_index=True).take(
        np.argsort(place, kind="stable")).reset_index(drop=True)


def credit_amounts(amounts: np.ndarray, shares_e9: np.ndarray, deal_ids: np.ndarray,
                   overlay: np.ndarray | None = None) -> np.ndarray:
    """Split each deal's amount over its credit rows by largest remainder, exactly.

    ``amounts`` repeats the deal's amount on each of its rows, which stand together in
    credit-file order. Floor shares of |amount| first; the units left over go to the rows with
    the largest remainders, ties to the earlier row; then the sign comes back. An ``overlay``
    row stands outside the split: its share of |amount|, rounded half_up (the largest
    remainder between it and the rest of the deal), sign restored.
    """
    amounts = np.asarray(amounts, dtype=np.int64)
    shares_e9 = np.asarray(shares_e9, dtype=np.int64)
    if overlay is not None and overlay.any():
        found = np.empty(len(amounts), dtype=np.int64)
        found[~overlay] = credit_amounts(amounts[~overlay], shares_e9[~overlay],
                                         np.asarray(deal_ids)[~overlay])
        found[overlay] = _overlay_amounts(amounts[overlay], shares_e9[overlay])
        return found
    whole = shares_e9 == SHARE_SCALE
    if whole.all():  # a row of 100% gets the whole amount, nothing is left to share
        return amounts.copy()
    sign = np.where(amounts < 0, -1, 1)
    magnitude = amounts * sign
    high, low = np.divmod(magnitude, SHARE_SCALE)  # keeps every product inside int64
    floor = high * shares_e9 + (low * shares_e9) // SHARE_SCALE
    remainder = (low * shares_e9) % SHARE_SCALE
    codes, _ = pd.factorize(deal_ids)
    # a deal with a row of 100% has its whole amount in floors already: nothing left over
    split = ~np.isin(codes, codes[whole]) if whole.any() else np.ones(len(codes), dtype=bool)
    rows = np.flatnonzero(split)
    frame = pd.DataFrame({"deal": codes[rows], "floor": floor[rows], "rest": remainder[rows],
                          "order": np.arange(len(rows)), "magnitude": magnitude[rows]})
    leftover = frame.groupby("deal", sort=False)["magnitude"].transform("first") - \
        frame.groupby("deal", sort=False)["floor"].transform("sum")
    ranked = frame.assign(neg_rest=-frame["rest"]).sort_values(["deal", "neg_rest", "order"])
    rank = ranked.groupby("deal", sort=False).cumcount().reindex(frame.index)
    floor[rows] += rank.to_numpy() < leftover.to_numpy()
    return (floor * sign).astype("int64")


def _overlay_amounts(amounts: np.ndarray, shares_e9: np.ndarray) -> np.ndarray:
    """share x |amount| rounded half_up, sign restored, inside int64."""
    sign = np.where(amounts < 0, -1, 1)
    high, low = np.divmod(amounts * sign, SHARE_SCALE)
    floor = high * shares_e9 + (low * shares_e9) // SHARE_SCALE
    floor += 2 * ((low * shares_e9) % SHARE_SCALE) >= SHARE_SCALE
    return floor * sign
