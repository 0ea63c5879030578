"""`icm plans add`: register checked plan versions, verbatim, with their sha256; and read
them back, checked again, for a calculation.

A version's text can change only while no close has used it; after that the ledger refuses
(bump the version), because a closed period must be explainable by the exact text it used.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from ledger.audit import write_audit
from ledger.database import LedgerDb, reading, writing
from ledger.errors import LedgerRefused
from ledger.schema import calculation_runs, plan_versions
from rules_dsl import Plan, load_plan_text


def register_plans(ledger_db: LedgerDb, plans: list[Plan], actor: str | None = None
                   ) -> list[tuple[str, str]]:
    """Register each plan version; returns (plan@version, added|unchanged|replaced)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    outcome = []
    with writing(ledger_db) as connection:
        used = set()
        for (versions,) in connection.execute(select(calculation_runs.c.plan_versions)):
            used |= {entry.split(" ")[0] for entry in json.loads(versions)}
        for plan in plans:
            row = {"plan_id": plan.id, "version": plan.version, "sha256": plan.sha256,
                   "text": plan.text, "currency": plan.currency,
                   "payout_period": plan.payout_period,
                   "fiscal_year_start": plan.fiscal_year_start,
                   "effective_from": plan.effective_from, "effective_to": plan.effective_to,
                   "registered_at": now}
            old = connection.execute(select(plan_versions.c.sha256).where(
                plan_versions.c.plan_id == plan.id, plan_versions.c.version == plan.version)
            ).scalar_one_or_none()
            if old == plan.sha256:
                outcome.append((plan.key, "unchanged"))
                continue
            if old is not None and plan.key in used:
                raise LedgerRefused(f"{plan.file}: {plan.key} was used by a closed period and "
                                    f"its text has changed: bump `version:` and add it again")
            if old is None:
                connection.execute(insert(plan_versions).values(**row))
            else:
                connection.execute(update(plan_versions).where(
                    plan_versions.c.plan_id == plan.id, plan_versions.c.version == plan.version
                ).values(**row))
            write_audit(connection, now, actor, "plan_versions", [(
                plan.key, "insert" if old is None else "replace",
                json.dumps({"sha256": old}) if old else None,
                json.dumps({"sha256": plan.sha256, "file": plan.file}))])
            outcome.append((plan.key, "added" if old is None else "replaced"))
    return outcome


@dataclass(frozen=True)
class RegisteredPlan:
    """A registered version as checked now: ``plan`` is None, with ``errors``, when its text
    no longer checks (the language changed under it)."""

    plan_id: str
    version: int
    plan: Plan | None
    errors: tuple


def registered_plans(ledger_db: LedgerDb | Connection) -> list[RegisteredPlan]:
    """Every registered plan version, checked from its text, by plan id and version."""
    with reading(ledger_db) as connection:
        rows = connection.execute(select(
            plan_versions.c.plan_id, plan_versions.c.version, plan_versions.c.text
        ).order_by(plan_versions.c.plan_id, plan_versions.c.version)).all()
    found = []
    for plan_id, version, text in rows:
        plan, errors = load_plan_text(text, f"{plan_id}@{version}")
        found.append(RegisteredPlan(plan_id, version, plan, tuple(errors)))
    return found


def fiscal_year_starts(ledger_db: LedgerDb | Connection) -> dict[tuple[str, int], int]:
    """(plan id, version) -> the month its fiscal year starts."""
    with reading(ledger_db) as connection:
        return {(plan_id, version): month for plan_id, version, month in connection.execute(
            select(plan_versions.c.plan_id, plan_versions.c.version,
                   plan_versions.c.fiscal_year_start))}
