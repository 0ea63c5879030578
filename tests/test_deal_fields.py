"""The one table of built-in deal fields (rules_dsl/deal_fields.py) matches what reads it."""
from ledger.kinds import SPECS
from ledger.schema import deals
from rules_dsl.deal_fields import DEAL_FIELD_TYPES, DEAL_FIELDS, STORED


def test_every_stored_field_is_a_column_of_the_deals_table_and_of_the_deals_file():
    table = set(deals.columns.keys())
    assert {field.column for field in STORED} <= table
    spec = SPECS["deals"]
    assert {field.column for field in STORED} == set(spec.required + spec.optional)


def test_the_checker_types_every_built_in_field_and_nothing_else():
    assert DEAL_FIELD_TYPES == {field.name: field.type for field in DEAL_FIELDS}
