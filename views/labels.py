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

    def title(self, plan_id: str | None, name: str) -> str:
        """A component's or measure's title; `plan/name` (a payee on several plans) keeps
        its plan."""
        plan, _, own = name.rpartition("/")
        found = self.titles.get((plan or plan_id or "", own))
        if found is None:
            return name
        return f"{plan}/{found}" if plan else found

    def deal(self, deal_id: str) -> str:
        """The deal's id with its name and customer where the deals file gives them."""
        described = self.deals.get(deal_id)
        return f"{deal_id} ({described})" if described else deal_id


NONE = Labels()


def period_labels(ledger_db: LedgerDb, deal_ids) -> Labels:
    """The titles of every registered plan (the newest version that titles a name wins)
    and the names of ``deal_ids``."""
    titles = {}
    for found in registered_plans(ledger_db):
        if found.plan is None:
            continue
        for item in (*found.plan.components, *found.plan.measures):
            name = getattr(item, "id", None) or item.name
            if item.title:
                titles[(found.plan_id, name)] = item.title
    deals = {deal_id: ", ".join(part for part in described if part)
             for deal_id, described in deal_descriptions(ledger_db, deal_ids).items()}
    return Labels(titles, deals)
