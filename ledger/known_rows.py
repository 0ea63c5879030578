"""What an import checks its rows against: the payees, plans, deals and quotas the ledger
already knows."""
from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, select

from ledger.schema import assignments, payee_results, payees, plan_versions, quotas
from rules_dsl import load_plan_text


@dataclass(frozen=True)
class PlanHeader:
    """The newest registered version's header, and the measures of all its versions."""

    plan_id: str
    currency: str
    payout_period: str
    fiscal_year_start: int
    measures: frozenset[str] = field(default_factory=frozenset)


class KnownRows:
    """Lazily loaded reference data, read inside the import's transaction."""

    def __init__(self, connection: Connection):
        self.connection = connection

    @cached_property
    def payee_ids(self) -> frozenset[str]:
        return frozenset(self.connection.scalars(select(payees.c.id).distinct()))

    @cached_property
    def payee_rows(self) -> list[tuple[str, datetime.date, str | None]]:
        """(id, effective_from, manager_id) of every payee row in the ledger."""
        return list(self.connection.execute(
            select(payees.c.id, payees.c.effective_from, payees.c.manager_id)))

    @cached_property
    def plans(self) -> dict[str, PlanHeader]:
        rows = self.connection.execute(
            select(plan_versions.c.plan_id, plan_versions.c.currency,
                   plan_versions.c.payout_period, plan_versions.c.fiscal_year_start,
                   plan_versions.c.text)
            .order_by(plan_versions.c.plan_id, plan_versions.c.version)).all()
        plans: dict[str, PlanHeader] = {}
        for plan_id, currency, payout_period, fiscal_start, text in rows:
            plan, _errors = load_plan_text(text, plan_id)
            measures = {m.name for m in plan.measures} if plan else set()
            earlier = plans.get(plan_id)
            measures |= earlier.measures if earlier else set()
            plans[plan_id] = PlanHeader(plan_id, currency, payout_period, fiscal_start,
                                        frozenset(measures))
        return plans

    @cached_property
    def assignments(self) -> list[tuple[str, str, datetime.date, datetime.date | None]]:
        """(payee_id, plan_id, effective_from, effective_to) of every assignment."""
        return list(self.connection.execute(
            select(assignments.c.payee_id, assignments.c.plan_id,
                   assignments.c.effective_from, assignments.c.effective_to)))

    @cached_property
    def deal_id_array(self) -> pa.Array:
        """The ids of the current deals (a credit row must name one), read in bulk: a
        credits file names up to every deal."""
        return current_deals(self.connection, ["id"])["id"].combine_chunks()

    @cached_property
    def deal_currencies(self) -> dict[str, str]:
        """The currency of each current deal (a payment is in its deal's)."""
        table = current_deals(self.connection, ["id", "currency"])
        return dict(zip(table["id"].to_pylist(), table["currency"].to_pylist()))

    @cached_property
    def quotas(self) -> pd.DataFrame:
        """Every quota row's key and span, the dates as ISO text (a file's quotas must not
        overlap them)."""
        rows = self.connection.execute(
            select(quotas.c.payee_id, quotas.c.measure, quotas.c.period, quotas.c.start,
                   quotas.c.end)).all()
        return pd.DataFrame([(payee, measure, period, start.isoformat(), end.isoformat())
                             for payee, measure, period, start, end in rows],
                            columns=["payee_id", "measure", "period", "start", "end"])

    @cached_property
    def plans_of_payee(self) -> dict[str, list[PlanHeader]]:
        found: dict[str, list[PlanHeader]] = {}
        for payee_id, plan_id, _start, _end in self.assignments:
            header = self.plans.get(plan_id)
            if header and header not in found.setdefault(payee_id, []):
                found[payee_id].append(header)
        return found


def settlement_currency(connection: Connection, payee_id: str) -> str | None:
    """The currency a payee's pay is settled in: that of the payee's plans (all of them share
    it), else of the payee's latest close (a leaver); None for a payee never on a plan. (The
    payee's own `currency` is the payroll file's, into which settled pay is converted.)"""
    queries = [
        select(plan_versions.c.currency)
        .join(assignments, assignments.c.plan_id == plan_versions.c.plan_id)
        .where(assignments.c.payee_id == payee_id)
        .order_by(assignments.c.effective_from.desc(), plan_versions.c.version.desc()),
        select(payee_results.c.currency).where(payee_results.c.payee_id == payee_id)
        .order_by(payee_results.c.run_id.desc())]
    for query in queries:
        found = connection.execute(query.limit(1)).scalar_one_or_none()
        if found is not None:
            return found
    return None


# -- the current deals and credits in bulk, as Arrow columns ---------------------------------

_INTEGERS = {"version", "amount", "seq", "share_e9"}
_BOOLEANS = {"overlay"}  # read as text: SQLite's 1/0, PostgreSQL's t/f


def current_deals(connection: Connection, names: list[str]) -> pa.Table:
    """Columns of every current deal (dates as ISO text)."""
    return _select_columns(connection, "deals", names, "current")


def current_credits(connection: Connection, names: list[str]) -> pa.Table:
    """Columns of every credit row."""
    return _select_columns(connection, "credits", names, None)


def _select_columns(connection: Connection, table: str, names: list[str],
                    where: str | None) -> pa.Table:
    """A table's columns as Arrow, read in bulk, not as rows: PostgreSQL by ``COPY ... TO
    STDOUT`` on the transaction's connection, SQLite through the transaction's cursor."""
    schema = pa.schema([(name, pa.int64() if name in _INTEGERS else pa.string())
                        for name in names])
    condition = f" WHERE {where}" if where else ""
    if connection.dialect.name == "postgresql":
        columns = ", ".join(f'"{name}"' for name in names)
        return _copy_out(connection, f'SELECT {columns} FROM "{table}"{condition}', schema)
    # NULL goes out as NUL (no value holds one: the reader refuses it), so that each column
    # has one type for the driver whatever its first rows hold, and comes back as null
    text = [f'"{name}"' if name in _INTEGERS else f'CAST("{name}" AS TEXT)'
            if name in _BOOLEANS else f'coalesce("{name}", char(0))' for name in names]
    query = f'SELECT {", ".join(text)} FROM "{table}"{condition}'
    # through the transaction's own connection: a second connection (ADBC read 1M deals in
    # 1.0 s against 4.6 s here) was refused as locked when two imports ran at once
    rows = connection.connection.driver_connection.execute(query).fetchall()
    found = pa.table([pa.array(list(values), field.type) for field, values in
                      zip(schema, zip(*rows) if rows else [[]] * len(names))], names=names)
    if not found.num_rows:
        return schema.empty_table()
    return pa.table([
        column.cast(field.type) if field.name in _INTEGERS else
        pc.if_else(pc.equal(column, "\0"), pa.scalar(None, pa.string()), column)
        for field, column in zip(schema, found.columns)], names=names)


def _copy_out(connection: Connection, query: str, schema: pa.Schema) -> pa.Table:
    buffer = io.BytesIO()
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for data in copy:
            buffer.write(data)
    if not buffer.tell():
        return schema.empty_table()
    buffer.seek(0)
    return pacsv.read_csv(buffer, read_options=pacsv.ReadOptions(column_names=schema.names),
                          convert_options=pacsv.ConvertOptions(
                              column_types=schema, strings_can_be_null=True,
                              quoted_strings_can_be_null=False))
