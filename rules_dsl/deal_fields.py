"""The built-in deal fields, once: a plan's name and type for each, and where its value lives.

The checker types ``deal.<name>`` from this table; the deals file and the ledger's deals table
have the columns it names (``ledger/kinds.py``, ``ledger/import_writes.py``,
``ledger/schema.py``); the engine's window of credited deals reads them under their window
names (``ledger/window.py``), and ``engine/names.py`` turns those into expression columns. A
plan's own extra columns (``fields:``) are not here: the loader adds them.
"""
from __future__ import annotations

from dataclasses import dataclass

from rules_dsl.types import Type


@dataclass(frozen=True)
class DealField:
    name: str  # deal.<name> in a plan
    type: Type  # its type in the plan language
    column: str | None  # the deals file's and the ledger's column; None: the engine computes it
    window: str  # its column in the engine's window of credited deals
    required: bool = False  # a deals file must have the column


# In the order of the deals file's columns. ``amount`` is the deal's amount converted to the
# plan currency; ``original_amount`` is the file's amount, in the deal's own currency.
DEAL_FIELDS = (
    DealField("id", Type.STRING, "id", "deal_id", required=True),
    DealField("date", Type.DATE, "date", "date", required=True),
    DealField("owner_id", Type.STRING, "owner_id", "owner_id", required=True),
    DealField("amount", Type.MONEY, None, "amount"),
    DealField("original_amount", Type.NUMBER, "amount", "original_amount", required=True),
    DealField("currency", Type.STRING, "currency", "deal_currency", required=True),
    DealField("type", Type.STRING, "type", "type"),
    DealField("product", Type.STRING, "product", "product"),
    DealField("status", Type.STRING, "status", "status"),
    DealField("cancel_date", Type.DATE, "cancel_date", "cancel_date"),
)
DEAL_FIELD_TYPES = {field.name: field.type for field in DEAL_FIELDS}
STORED = tuple(field for field in DEAL_FIELDS if field.column is not None)  # file and ledger

# The deal's and the customer's names (PLAN_LANGUAGE.md 1): optional columns of the deals file,
# kept among its extra columns, built in as Strings for every plan. A plan reads them only
# when it names them (the loader declares them then), so other plans read no more.
DESCRIBING = ("name", "account")
