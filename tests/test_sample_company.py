"""The sample company of `icm demo` (views/sample_company.py): deterministic, shaped as the
issue asks, and accepted by the ledger and engine end to end."""
import csv
import json
from collections import defaultdict
from fractions import Fraction

import pytest
from click.testing import CliRunner

from cli import main
from views.sample_company import write_sample_company


def read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    directory = tmp_path_factory.mktemp("company")
    written = write_sample_company(directory)
    return written, {kind: read(path) for kind, path in written.csv_files}


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    first = write_sample_company(tmp_path / "a")
    second = write_sample_company(tmp_path / "b")
    other = write_sample_company(tmp_path / "c", seed=7)
    for (kind, a), (_, b), (_, c) in zip(first.csv_files, second.csv_files, other.csv_files):
        assert a.name == f"{kind}.csv"
        assert a.read_bytes() == b.read_bytes(), kind
    assert (first.plan_files, first.periods, first.adjustment, first.cancelled_deal) == (
        second.plan_files, second.periods, second.adjustment, second.cancelled_deal)
    assert (tmp_path / "a" / "deals.csv").read_bytes() != (tmp_path / "c" / "deals.csv"
                                                          ).read_bytes()


def test_the_files_and_plans_are_named_in_import_order(company):
    written, _ = company
    assert [kind for kind, _ in written.csv_files] == ["payees", "assignments", "quotas", "fx",
                                                       "deals", "credits"]
    assert len(written.plan_files) >= 3
    assert all(path.is_file() and path.parent.name == "plans" for path in written.plan_files)
    assert written.fiscal_year == 2026
    months = [p for p in written.periods if "Q" not in p]
    quarters = [p for p in written.periods if "Q" in p]
    assert months == [f"2026-{m:02d}" for m in range(1, 13)]
    assert quarters == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    payee, period, amount, reason = written.adjustment
    assert period in written.periods and amount.endswith(" USD") and reason


def test_a_two_level_hierarchy_of_25_or_more_payees(company):
    _, files = company
    payees = files["payees"]
    ids = {row["id"] for row in payees}
    assert len(ids) >= 25
    manager_of = {row["id"]: row["manager_id"] for row in payees
                  if not row["effective_from"]}
    (top,) = [payee for payee, manager in manager_of.items() if not manager]
    first_line = {payee for payee, manager in manager_of.items() if manager == top}
    assert len(first_line) >= 4
    reps = {payee for payee, manager in manager_of.items() if manager in first_line}
    assert reps and first_line | reps | {top} == ids
    names = [row["name"] for row in payees]
    assert any(not name.isascii() for name in names)
    assert any("'" in name or "&" in name for name in names)
    # one rep changes team mid-year: a second row with effective_from
    assert any(row["effective_from"] for row in payees)


def test_a_year_of_deals_in_two_currencies_with_splits_and_a_cancellation(company):
    written, files = company
    deals = {row["id"]: row for row in files["deals"]}
    booked = [row for row in deals.values() if row["type"] != "opportunity"]
    assert len(booked) >= 2000
    assert {row["currency"] for row in booked} == {"USD", "EUR"}
    assert {row["date"][:4] for row in deals.values()} == {"2026"}
    assert all(len(row["amount"].split(".")[1]) == 2 for row in deals.values())
    shares = defaultdict(list)
    for row in files["credits"]:
        shares[row["deal_id"]].append(Fraction(row["share"].rstrip("%")) / 100)
    assert shares and all(sum(s) == 1 for s in shares.values())
    assert any(len(s) >= 2 for s in shares.values())
    assert {row["role"] for row in files["credits"]} == {"ae", "sdr"}
    cancelled = deals[written.cancelled_deal]
    assert cancelled["status"] == "cancelled"
    assert cancelled["date"] < "2026-04-01" <= cancelled["cancel_date"]
    # both directions of EUR/USD, since the ledger never inverts a rate
    pairs = {(row["from"], row["to"]) for row in files["fx"]}
    assert pairs == {("EUR", "USD"), ("USD", "EUR")}
    assert min(row["date"] for row in files["fx"]) <= min(row["date"] for row in booked)


def test_a_mid_year_hire_on_a_draw(company):
    written, files = company
    hire = next(row for row in files["payees"] if row["id"] == written.new_hire)
    assert "2026-03-01" < hire["hire_date"] < "2026-10-01"
    (assignment,) = [row for row in files["assignments"] if row["payee_id"] == written.new_hire]
    assert assignment["effective_from"] == hire["hire_date"]
    plan = next(p for p in written.plan_files if p.stem == assignment["plan"])
    assert "\ndraw:" in plan.read_text()


def run(*args, db):
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == 0, f"icm {' '.join(args)}: {result.output} {result.exception}"
    return result


def test_the_ledger_imports_it_and_closes_the_first_quarter(tmp_path):
    written = write_sample_company(tmp_path)
    db = f"sqlite:///{tmp_path / 'icm.db'}"
    run("plans", "add", *map(str, written.plan_files), db=db)
    for kind, path in written.csv_files:
        run("import", kind, str(path), db=db)
    payee, period, amount, reason = written.adjustment
    run("adjust", "--payee", payee, "--period", period, "--amount", amount, "--reason", reason,
        db=db)
    months = {}
    for month in ("2026-01", "2026-02", "2026-03"):
        months[month] = json.loads(run("close", "--period", month, "--json", db=db).stdout)
    q1 = json.loads(run("close", "--period", "2026-Q1", "--json", db=db).stdout)
    by_payee = {entry["payee"]: entry for entry in q1["payees"]}

    # By hand from the files: a US enterprise AE's credited Q1 bookings (new and expansion,
    # no services, deals not cancelled by 31 March), each row its share of the deal. Every
    # such amount is a multiple of 250.00 and every share a whole percent, so the shares are
    # exact; below 100% of the annual quota the commission is a flat 8% of it.
    deals = {row["id"]: row for row in read(tmp_path / "deals.csv")}
    credits = defaultdict(list)
    for row in read(tmp_path / "credits.csv"):
        credits[row["deal_id"]].append((row["payee_id"], int(row["share"].rstrip("%"))))
    quota = {row["payee_id"]: row["amount"] for row in read(tmp_path / "quotas.csv")
             if row["period"] == "2026" and row["measure"] == "bookings"}
    credited = defaultdict(int)  # cents
    for deal in deals.values():
        if not ("2026-01-01" <= deal["date"] <= "2026-03-31") or deal["currency"] != "USD" \
                or deal["type"] not in ("new", "expansion") or deal["product"] == "services" \
                or (deal["cancel_date"] and deal["cancel_date"] <= "2026-03-31"):
            continue
        cents = int(deal["amount"].replace(".", ""))
        for payee_id, share in credits.get(deal["id"], [(deal["owner_id"], 100)]):
            credited[payee_id] += cents * share // 100
    us_aes = [p for p in by_payee if p.startswith(("ae-e", "ae-w"))
              and by_payee[p]["plans"] == ["enterprise-ae@1"]]
    assert len(us_aes) >= 8
    for ae in us_aes:
        attainment = Fraction(credited[ae], int(quota[ae].replace(".", "")))
        assert attainment < 1
        entry = by_payee[ae]
        assert entry["attainment"]["bookings"] == f"{float(round(attainment, 4)):.4f}"
        commission = credited[ae] * 8 // 100
        assert entry["components"]["commission"]["earned_to_date"] == \
            f"{commission // 100}.{commission % 100:02d}", ae

    # the cancelled deal is paid in Q1 (it is cancelled in Q2)
    owner = deals[written.cancelled_deal]["owner_id"]
    assert written.cancelled_deal in {line["deal"] for line in by_payee[owner]["lines"]}
    # split credit: a deal credited to two payees pays each of them a line on their share
    lines_of_deal = defaultdict(set)
    for document in [q1, *months.values()]:
        for entry in document["payees"]:
            for line in entry["lines"]:
                if line["kind"] == "deal" and line["deal"] in credits:
                    lines_of_deal[line["deal"]].add(entry["payee"])
    assert any(len(payees) >= 2 for payees in lines_of_deal.values())
    # every plan in Q1 and its months pays most of its payees something
    paid = defaultdict(list)
    for document in [q1, *months.values()]:
        for entry in document["payees"]:
            paid[entry["plans"][0]].append(entry["payout"] != "0.00")
    for plan, flags in paid.items():
        assert sum(flags) > len(flags) / 2, plan
    # the EMEA team is on a USD plan and sells in EUR: its payees are listed, in USD
    assert any(entry["payee"].startswith("ae-m") and entry["currency"] == "USD"
               for entry in q1["payees"])
