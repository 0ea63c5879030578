"""A payee whose one result is one of this year's plans is settled with the others of that
plan at once (engine.settle.PlanSettlement); any other payee by settle_payee. Both must give
the same record: here the sample company of `icm demo` (a hire on a draw, a manual
adjustment, a cancellation clawed back, balances carried, managers on override plans) is
settled both ways in every period it closes."""
from engine import calculate
from engine.calculate import calculate_period
from engine.closing import close_period
from ledger.closes import add_adjustment
from ledger.database import open_ledger
from ledger.importing import import_csv
from ledger.plans import register_plans
from rules_dsl import load_plans
from views.sample_company import write_sample_company


def test_a_plan_at_once_settles_as_settle_payee_does(tmp_path, monkeypatch):
    company = write_sample_company(tmp_path)
    ledger_db = open_ledger(f"sqlite:///{tmp_path / 'icm.db'}")
    alone, made = calculate._settled_alone, []

    def counted(*args):
        found = alone(*args)
        made.append(len(found))
        return found

    try:
        plans, errors = load_plans(list(company.plan_files))
        assert errors == []
        register_plans(ledger_db, plans)
        for kind, path in company.csv_files:
            import_csv(ledger_db, kind, path)
        add_adjustment(ledger_db, *company.adjustment)
        for period in company.periods:
            monkeypatch.setattr(calculate, "_settled_alone", lambda *args: {})
            one_by_one = calculate_period(ledger_db, period).result.payees
            monkeypatch.setattr(calculate, "_settled_alone", counted)
            at_once = close_period(ledger_db, period)[0].payees
            assert at_once == one_by_one, period
    finally:
        ledger_db.dispose()
    assert sum(made) > 100  # of the 159 records the year has, a plan at a time
