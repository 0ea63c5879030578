"""A period's result is data (ledger.records): settlement figures as ints, statement lines
as typed columns, sentences and JSON rendered at the edge and read back unchanged."""
import json
import sqlite3
from fractions import Fraction

import pandas as pd
import pytest

from ledger.history import Prior
from engine.settle import settle_payee
from ledger.records import LINES, PayeeRecord, SettlementLine, conform, empty_lines, \
    line_schema
from views.document import from_json, payee_document, line_documents, to_json
from views.payroll import split_by_column
from views.source import Statement


def test_a_hand_worked_settlement_is_a_record_of_ints():
    # no plan this period: an adjustment of +200.00 against a balance of 500.00 owed pays
    # nothing and carries 300.00
    prior = Prior(balance={"rep-1": 50000}, adjustments={"rep-1": [(20000, "fix")]},
                  currency={"rep-1": "EUR"}, paid={"rep-1": 120000})
    record = settle_payee("rep-1", [], prior, 2026)
    assert isinstance(record, PayeeRecord)
    assert (record.payee, record.currency, record.plans) == ("rep-1", "EUR", ())
    figures = (record.earned_to_date, record.paid_to_date, record.earned, record.adjustments,
               record.draw, record.payout, record.carried_balance)
    assert figures == (0, 120000, 0, 20000, 0, 0, 30000)
    assert all(type(figure) is int for figure in figures)
    assert record.settlement == (SettlementLine("adjustment", 20000, "fix"),
                                 SettlementLine("balance", -50000),
                                 SettlementLine("carried-forward", 30000))


def test_the_lines_table_has_the_declared_schema():
    lines = conform(empty_lines())
    assert list(lines.columns) == list(LINES)
    assert str(lines["amount"].dtype) == "int64"
    assert str(lines["fiscal_year"].dtype) == "Int64"
    assert "slice_from_per_1" in line_schema(2)


def _statement(lines: list[dict]) -> Statement:
    document = {"payee": "rep-1", "plans": ["ae@2"], "currency": "USD", "attainment": {},
                "components": {"commission": {"earned_to_date": "100.00",
                                              "payout": "100.00"}},
                "earned_to_date": "100.00", "paid_to_date": "0.00", "adjustments": "0.00",
                "draw": "0.00", "payout": "150.00", "carried_balance": "0.00",
                "lines": lines}
    record, table = from_json(document, {"name": "Rep", "measures": []})
    return Statement("2027-Q1", "closed", 1, "Rep", record, table)


def _line(text: str, amount: str = "50.00") -> dict:
    return {"kind": "true-up", "component": "commission", "deal": None, "base": None,
            "rate": None, "slices": [], "amount": amount, "text": text}


def test_payroll_tells_an_earlier_years_line_by_its_fiscal_year_not_its_words():
    statement = _statement([_line("Fiscal 2026: commission: 50.00 USD.")])
    assert statement.lines["fiscal_year"].tolist() == [2026]
    assert split_by_column(statement) == {"ae/commission": 15000}  # 100.00 + 50.00
    # the same line as this year's: the words alone do not make it an earlier year's
    lines = statement.lines.assign(fiscal_year=pd.array([None], dtype="Int64"))
    this_year = Statement("2027-Q1", "closed", 1, "Rep",
                          statement.record, lines)
    with pytest.raises(AssertionError, match="do not add up"):
        split_by_column(this_year)  # this year's line is in its component's payout already


def test_an_earlier_years_line_goes_to_the_plan_that_earned_it():
    # a payee on plans a and b last year: a late change to a's commission is a's, though b is
    # listed last
    statement = _statement([_line("Fiscal 2026: commission: 50.00 USD.")])
    record = statement.record.__class__(**{
        **{f: getattr(statement.record, f) for f in statement.record.__slots__},
        "plans": ("ae@2", "a@1", "b@1")})
    lines = statement.lines.assign(plan=pd.Series(["a"], dtype=object))
    mine = Statement("2027-Q1", "closed", 1, "Rep", record, lines)
    assert split_by_column(mine) == {"ae/commission": 10000, "a/commission": 5000}


def test_a_kept_statement_reads_back_to_the_same_json(tmp_path):
    """Closes before revision 0004 kept each statement as JSON (``kept_statement``); the
    demo's closes, kept that way, read back to the same documents."""
    from ledger.database import open_ledger
    from ledger.results import read_result
    from views.demo import run_demo
    from tests.legacy_statement import kept_statement
    result = run_demo(tmp_path / "demo")
    with sqlite3.connect(result.ledger) as connection:
        runs = [run for (run,) in connection.execute("select id from calculation_runs")]
    ledger = open_ledger(f"sqlite:///{result.ledger}")
    kept = []
    for run in runs:
        records, lines = read_result(ledger, run)
        kept += [(kept_statement(record, line_documents(
            lines[(lines["payee"] == record.payee).to_numpy()])),) for record in records]
    ledger.dispose()
    assert len(kept) > 100
    for (text,) in kept:
        assert "NaN" not in text  # a missing deal or component is null
        stored = json.loads(text)
        record, lines = from_json(stored["document"], stored["context"])
        assert payee_document(record, line_documents(lines)) == stored["document"]
        assert all(isinstance(value, Fraction) for _, value in record.attainment)
        assert isinstance(record.payout, int)


def test_to_json_renders_a_result_with_no_payee():
    from ledger.records import PeriodResult
    assert to_json(PeriodResult("2026-Q1", "draft", None, (), conform(empty_lines()))) == \
        {"period": "2026-Q1", "payees": []}


def test_statements_of_interleaved_lines_each_take_their_own_span_of_one_table():
    """``statements_of`` takes the period's lines once, in the statements' order: a payee's
    lines scattered through the table, or none at all, still make that payee's statement,
    and its view and JSON lines are those of its own lines alone."""
    from views.render import statement_json
    from views.source import statements_of
    from views.view import statement_view
    from ledger.records import PeriodResult
    import dataclasses
    one = _statement([_line("first.", "10.00"), _line("second.", "20.00")])
    two = _statement([_line("third.", "30.00")])
    record_two = dataclasses.replace(two.record, payee="rep-2")
    record_three = dataclasses.replace(two.record, payee="rep-3")  # no lines
    table = pd.concat([one.lines.iloc[[0]], two.lines.assign(payee="rep-2"),
                       one.lines.iloc[[1]]], ignore_index=True)
    result = PeriodResult("2027-Q1", "closed", 1, (record_two, one.record, record_three),
                          table)
    found = statements_of(result, {})
    assert [s.payee for s in found] == ["rep-2", "rep-1", "rep-3"]
    assert [s.lines["text"].tolist() for s in found] == [["third."], ["first.", "second."],
                                                         []]
    assert [[row["text"] for row in statement_view(s).lines] for s in found] == [
        ["third."], ["first.", "second."], []]
    assert [row["amount"] for row in statement_view(found[1]).lines] == ["10.00", "20.00"]
    assert [line["text"] for line in json.loads(statement_json(found[1]))["payees"][0][
        "lines"]] == ["first.", "second."]
    own = Statement("2027-Q1", "closed", 1, "Rep", one.record, one.lines)
    assert statement_view(found[1]).lines == statement_view(own).lines
    assert statement_json(found[1]) == statement_json(own)
