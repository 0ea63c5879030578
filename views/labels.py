"""What statements call things: a component's or a measure's title where its plan gives one
(else its id), and a deal's name and customer beside its id (PLAN_LANGUAGE.md 1). Read once
per period's statements: the plans from the ledger's registered versions, the deals' names
from their extra columns. Machine output (JSON) keeps the ids."""
from __future__ import annotations

from dataclasses import dataclass, field

from ledger.database import LedgerDb
from ledger.plans import registered_plans
from ledger.reads import deal_descriptions


@dataclass(frozen=True)
class Labels:
    titles: dict[tuple[str, str], str] = field(default_factory=dict)  # (plan id, name)
    deals: dict[str, str] = field(default_factory=dict)  # deal id -> "name, account"
    people: dict[str, str] = field(default_factory=dict)  # payee id -> name
    # plan id -> payout period of its newest version; None: not read (no statements)
    payout_periods: dict[str, str] | None = None

    def person(self, payee_id: str) -> str:
        """A payee by name with the id beside it, where the payees file names them."""
        name = self.people.get(payee_id)
        return f"{name} ({payee_id})" if name and name != payee_id else payee_id

    def title(self, plan_id: str | None, name: str) -> str:
        """A component's or measure's title; `plan/name` (a payee on several plans) keeps
        its plan."""
        plan, _, own = name.rpartition("/")
        found = self.titles.get((plan or plan_id or "", own))
        if found is None:
            return name
        return f"{plan}/{found}" if plan else found


NONE = Labels()


def period_labels(ledger_db: LedgerDb, deal_ids, people: dict[str, str] | None = None
                  ) -> Labels:
    """The titles of every registered plan (the newest version that titles a name wins),
    the names of ``deal_ids``, ``people``'s names (payee id -> name), and each plan's
    payout period: the plans are parsed once for a period's pages."""
    titles, periods = {}, {}
    for found in registered_plans(ledger_db):
        if found.plan is None:
            continue
        periods[found.plan_id] = found.plan.payout_period
        for item in (*found.plan.components, *found.plan.measures):
            name = getattr(item, "id", None) or item.name
            if item.title:
                titles[(found.plan_id, name)] = item.title
    deals = {deal_id: ", ".join(part for part in described if part)
             for deal_id, described in deal_descriptions(ledger_db, deal_ids).items()}
    return Labels(titles, deals, dict(people or {}), periods)
