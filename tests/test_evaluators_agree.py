"""The vectorised evaluator agrees with the reference evaluator, row for row, exactly.

Hypothesis builds well-typed expressions over the deal and payee names of a plan and a batch
of credit rows; each row's reference value (exact Python numbers, one row at a time) must
equal the vectorised column's value on that row, division by zero included.
"""
import datetime
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.reference_evaluator import EvaluationError, evaluate
from rules_dsl.money import Money
from engine.vector import Col, as_fractions, broadcast
from engine.vector import evaluate as evaluate_vector
from rules_dsl import nodes
from rules_dsl.printer import to_text

F = Fraction
TYPES = ("new", "expansion", "renewal")


def member(path):
    head, *names = path.split(".")
    node = nodes.Name(head)
    for name in names:
        node = nodes.Member(node, name)
    return node


money_literal = st.integers(-10_000, 10_000).map(
    lambda cents: nodes.Money(F(abs(cents), 100), "USD", f"{abs(cents) / 100:.2f}")
    if cents >= 0 else nodes.Negate(nodes.Money(F(-cents, 100), "USD")))
rate_literal = st.integers(0, 2_000).map(lambda basis: nodes.Percent(F(basis, 10_000)))
number_literal = st.integers(1, 50).map(lambda tenths: nodes.Number(F(tenths, 10), False))
int_literal = st.integers(0, 20).map(lambda n: nodes.Number(F(n), True))


money_leaf = st.one_of(st.just(member("deal.amount")), st.just(member("credit.amount")),
                       st.just(nodes.Name("target_incentive")), st.just(member("ytd.b")),
                       money_literal,
                       st.just(nodes.Call("prorated", (member("param.base_salary"),))))
# `ytd.attainment.b`, `ytd.b`: another window's figures (7.2) are payee names like the rest
number_leaf = st.one_of(st.just(member("credit.share")), st.just(member("attainment.b")),
                        st.just(member("ytd.attainment.b")), rate_literal, number_literal)
int_leaf = st.one_of(st.just(nodes.Name("logos")), int_literal)
bool_leaf = st.builds(lambda t: nodes.Compare("==", member("deal.type"), nodes.String(t)),
                      st.sampled_from(TYPES))


def _binary(op, left, right):
    return st.builds(lambda a, b: nodes.Arithmetic(op, a, b), left, right)


MONEY = st.deferred(lambda: st.one_of(
    money_leaf, money_leaf,
    _binary("+", MONEY, MONEY), _binary("-", MONEY, MONEY),
    _binary("*", MONEY, NUMBER), _binary("*", NUMBER, MONEY), _binary("*", MONEY, INT),
    _binary("/", MONEY, NUMBER),
    st.builds(lambda c, a, b: nodes.Conditional(a, c, b), BOOL, MONEY, MONEY),
    st.builds(lambda a, b, f: nodes.Call(f, (a, b)), MONEY, MONEY,
              st.sampled_from(("min", "max"))),
    st.builds(lambda a: nodes.Call("abs", (a,)), MONEY),
    st.builds(nodes.Negate, MONEY)))
NUMBER = st.deferred(lambda: st.one_of(
    number_leaf, number_leaf,
    _binary("+", NUMBER, NUMBER), _binary("-", NUMBER, NUMBER), _binary("*", NUMBER, NUMBER),
    _binary("/", NUMBER, NUMBER), _binary("/", MONEY, MONEY), _binary("+", NUMBER, INT),
    _binary("/", INT, INT),
    st.builds(lambda c, a, b: nodes.Conditional(a, c, b), BOOL, NUMBER, INT),
    st.builds(lambda a, lo, hi: nodes.Call("clamp", (a, lo, hi)), NUMBER, NUMBER, NUMBER)))
INT = st.deferred(lambda: st.one_of(
    int_leaf, int_leaf,
    _binary("+", INT, INT), _binary("-", INT, INT), _binary("*", INT, INT),
    st.just(nodes.Call("days", (member("deal.date"), member("period.end")))),
    st.builds(lambda d: nodes.Call("months", (member("deal.date"), nodes.Date(d))),
              st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)))))
BOOL = st.deferred(lambda: st.one_of(
    bool_leaf,
    st.builds(lambda a, b, op: nodes.Compare(op, a, b), MONEY, MONEY,
              st.sampled_from(("==", "!=", "<", "<=", ">", ">="))),
    st.builds(lambda a, b, op: nodes.Compare(op, a, b), NUMBER, INT,
              st.sampled_from(("<", ">=", "=="))),
    st.builds(lambda t, neg: nodes.In(member("deal.type"), nodes.ListExpr(
        tuple(nodes.String(x) for x in t)), neg),
        st.lists(st.sampled_from(TYPES), max_size=2), st.booleans()),
    st.builds(lambda a, b, op: nodes.Logical(op, a, b), BOOL, BOOL,
              st.sampled_from(("and", "or"))),
    st.builds(nodes.Not, BOOL),
    st.builds(lambda d: nodes.Compare(">=", member("deal.date"), nodes.Date(d)),
              st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)))))


rows = st.lists(st.tuples(st.integers(-5_000_000, 50_000_000), st.integers(1, 1_000_000_000),
                          st.sampled_from(TYPES),
                          st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))),
                min_size=1, max_size=25)


@settings(max_examples=400, deadline=None)
@given(tree=st.one_of(MONEY, NUMBER, INT, BOOL), data=rows,
       mode=st.sampled_from(("half_up", "half_even")))
def test_vector_and_reference_agree(tree, data, mode):
    n = len(data)
    amounts = [a for a, _, _, _ in data]
    shares = [s for _, s, _, _ in data]
    credit_amounts = [a * s // 1_000_000_000 for a, s, _, _ in data]
    columns = {
        "deal.amount": Col("money", np.array(amounts, dtype=np.int64)),
        "credit.amount": Col("money", np.array(credit_amounts, dtype=np.int64)),
        "credit.share": Col("number", (np.array(shares, dtype=np.int64),
                                       np.full(n, 1_000_000_000, dtype=np.int64))),
        "deal.type": Col("string", np.array([t for _, _, t, _ in data], dtype=object)),
        "deal.date": Col("date", np.array([d for _, _, _, d in data], dtype="datetime64[D]")),
        "period.end": broadcast(datetime.date(2026, 12, 31), "date", n),
        "target_incentive": broadcast(6_000_000, "money", n),
        "attainment.b": broadcast(F(5, 4), "number", n),
        "ytd.attainment.b": broadcast(F(7, 8), "number", n),
        "ytd.b": broadcast(17_500_000, "money", n),
        "logos": broadcast(3, "int", n),
        "prorated(param.base_salary)": broadcast(3_750_000, "money", n),
    }
    expected, failed = [], False
    for (amount, share, deal_type, day), credit in zip(data, credit_amounts):
        names = {"deal.amount": Money(amount), "credit.amount": Money(credit),
                 "credit.share": F(share, 1_000_000_000), "deal.type": deal_type,
                 "deal.date": day, "period.end": datetime.date(2026, 12, 31),
                 "target_incentive": Money(6_000_000), "attainment.b": F(5, 4),
                 "ytd.attainment.b": F(7, 8), "ytd.b": Money(17_500_000), "logos": 3,
                 "prorated(param.base_salary)": Money(3_750_000)}
        try:
            expected.append(evaluate(tree, names, "USD", mode))
        except (EvaluationError, OverflowError):  # both must refuse, neither may wrap
            failed = True
            break
    try:
        got = as_fractions(evaluate_vector(tree, columns, n, "USD", mode))
    except (EvaluationError, OverflowError):
        assert failed, to_text(tree)
        return
    assert not failed, f"the reference divides by zero on {to_text(tree)}"
    assert got == expected, to_text(tree)


def test_a_rate_choice_per_deal_is_exact():
    # `12% if deal.type == "new" else 8%` times 1,234.56 and 999.99: 148.1472 -> 148.15 and
    # 79.9992 -> 80.00 (each rounded once, half_up)
    from rules_dsl.parser import parse_expression
    tree, _ = parse_expression('credit.amount * (12% if deal.type == "new" else 8%)')
    columns = {"credit.amount": Col("money", np.array([123_456, 99_999])),
               "deal.type": Col("string", np.array(["new", "renewal"], dtype=object))}
    result = evaluate_vector(tree, columns, 2, "USD", "half_up")
    assert result.data.tolist() == [14_815, 8_000]


def test_an_overflow_only_counts_where_its_branch_is_taken():
    # Found by the property above: with a credit share of one billionth, 60,000.00 USD /
    # (share * share) is 6 * 10^24 cents, beyond int64. For a "new" deal the branch is not
    # taken, so the value is the deal amount; for another deal it is a positioned error.
    from rules_dsl.parser import parse_expression
    text = ('deal.amount if deal.type == "new" else '
            'target_incentive / (credit.share * credit.share)')
    tree, _ = parse_expression(text)

    def columns(deal_type):
        return {"deal.amount": Col("money", np.array([0], dtype=np.int64)),
                "deal.type": Col("string", np.array([deal_type], dtype=object)),
                "target_incentive": broadcast(6_000_000, "money", 1),
                "credit.share": Col("number", (np.array([1]), np.array([1_000_000_000])))}
    assert evaluate_vector(tree, columns("new"), 1, "USD", "half_up").data.tolist() == [0]
    try:
        evaluate_vector(tree, columns("renewal"), 1, "USD", "half_up")
        raise AssertionError("the overflow wrapped silently")
    except EvaluationError as error:
        assert error.message == "an amount does not fit in 64-bit minor units"
        assert text[error.span[0]:].startswith("target_incentive /")


SHARES = (
    # share expressions a plan might take back by: the term left, the age, a flat rule
    "max(months(deal.cancel_date, 2027-12-31), 0) / max(months(deal.date, 2027-12-31), 1)",
    "clamp(1 - days(deal.date, deal.cancel_date) / 730, 0%, 100%)",
    "100% if months(deal.date, deal.cancel_date) < 3 else 1 / 3",
)


@st.composite
def clawback_rules(draw):
    """A plan's clawback line: a schedule of 1 to 4 points or a share expression."""
    if draw(st.booleans()):
        return f"clawback: {{share: '{draw(st.sampled_from(SHARES))}'}}"
    gaps = draw(st.lists(st.integers(1, 400), max_size=3))
    days = [sum(gaps[:i]) for i in range(len(gaps) + 1)]
    basis_points = draw(st.lists(st.integers(0, 10_000), min_size=len(days),
                                 max_size=len(days)))
    points = ", ".join(f"[{d}, {b // 100}.{b % 100:02d}%]" for d, b in zip(days, basis_points))
    return f"clawback: {{schedule: [{points}]}}"


cancelled_rows = st.lists(st.tuples(
    st.integers(-5_000_000, 50_000_000),
    st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    st.integers(0, 700)), min_size=1, max_size=20)


@settings(max_examples=100, deadline=None)
@given(rule=clawback_rules(), data=cancelled_rows,
       mode=st.sampled_from(("half_up", "half_even")))
def test_partial_clawback_vector_and_reference_agree(rule, data, mode):
    """engine.clawback over every cancelled row at once equals the reference evaluator's
    partial_clawback a row at a time: the share taken back and the amount kept."""
    import pandas as pd
    from engine.clawback import taken_back
    from engine.reference_evaluator import partial_clawback
    from rules_dsl import load_plan_text
    plan, errors = load_plan_text(
        "plan: p\nversion: 1\neffective: 2026-01-01 .. 2026-12-31\ncurrency: USD\n"
        f"payout_period: quarter\nrounding: {mode}\n{rule}\n"
        "measures:\n  b: sum(credit.amount)\n"
        "components:\n  - id: c\n    type: commission\n    measure: b\n    rate: 5%\n",
        "p.yaml")
    assert errors == [], errors
    dates = [day for _, day, _ in data]
    cancels = [day + datetime.timedelta(days=age) for _, day, age in data]
    rows = pd.DataFrame({
        "deal_id": [f"D-{i}" for i in range(len(data))], "payee_id": "rep-1",
        "seq": np.ones(len(data), dtype=np.int64),
        "date": np.array(dates, dtype="datetime64[s]"),
        "cancel_date": np.array(cancels, dtype="datetime64[s]"),
        "credit_amount": np.array([amount for amount, _, _ in data], dtype=np.int64)})
    kept, clawed = taken_back(rows, np.ones(len(rows), dtype=bool), plan, {})
    expected = {}
    for (amount, day, _), cancel, deal in zip(data, cancels, rows["deal_id"]):
        share, amount_kept = partial_clawback(plan, {
            "deal.date": day, "deal.cancel_date": cancel, "credit.amount": Money(amount)})
        expected[deal] = (share, int(amount_kept))
    # a row taken back whole leaves; the others keep their amount's rounded remainder
    assert dict(zip(kept["deal_id"], kept["credit_amount"].tolist())) == {
        deal: amount for deal, (share, amount) in expected.items() if share != 1}
    assert {deal: F(int(n), int(d)) for deal, n, d in zip(
        clawed["deal"], clawed["taken"], clawed["taken_per"])} == {
        deal: share for deal, (share, _) in expected.items() if 0 < share < 1}


@settings(max_examples=200, deadline=None)
@given(points=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 300)), min_size=1,
                       max_size=5),
       salary=st.integers(0, 10**9), attainment=st.fractions(0, 3, max_denominator=1000),
       interpolate=st.sampled_from(("linear", "step", "step_after")),
       mode=st.sampled_from(("half_up", "half_even")))
def test_a_money_curve_of_prorated_salary_agrees_with_its_share_curve(
        points, salary, attainment, interpolate, mode):
    """A curve whose payouts are `k% * prorated(param.base_salary)`: each payout is the same
    by the vectorised and the reference evaluator, and the curve pays what the curve of the
    shares k% pays of that amount (the salary in whole hundreds of minor units, so k% of it
    is whole and neither path rounds)."""
    from rules_dsl.components.payout_curve import curve_value
    from rules_dsl.plan import CurvePoint
    amount = salary * 100
    points = sorted(points)
    shares, paid = [], []
    for x, k in points:
        y = nodes.Arithmetic("*", nodes.Percent(F(k, 100)), nodes.Call(
            "prorated", (member("param.base_salary"),)))
        reference = evaluate(y, {"prorated(param.base_salary)": Money(amount)}, "USD", mode)
        column = evaluate_vector(y, {"prorated(param.base_salary)": broadcast(
            amount, "money", 1)}, 1, "USD", mode)
        assert as_fractions(column) == [int(reference)]
        shares.append(CurvePoint(F(x, 100), F(k, 100), None))
        paid.append(CurvePoint(F(x, 100), F(int(reference)), None))
    assert curve_value(paid, attainment, interpolate) == \
        amount * curve_value(shares, attainment, interpolate)


# -- payee context: metric.NAME and rank(M), one row per payee (PLAN_LANGUAGE.md 7.4) --------

def rank_of(measure):
    return nodes.Call("rank", (nodes.Name(measure),))


p_money_leaf = st.one_of(st.just(nodes.Name("bookings")), st.just(member("metric.revenue")),
                         money_literal)
p_number_leaf = st.one_of(st.just(nodes.Name("ratio")), st.just(member("metric.margin")),
                          rate_literal)
p_int_leaf = st.one_of(st.sampled_from([rank_of("bookings"), rank_of("logos"),
                                        rank_of("ratio")]),
                       st.just(nodes.Name("logos")), int_literal)
P_MONEY = st.deferred(lambda: st.one_of(
    p_money_leaf, p_money_leaf, _binary("+", P_MONEY, P_MONEY), _binary("*", P_MONEY, P_NUMBER),
    _binary("*", P_MONEY, P_INT), _binary("/", P_MONEY, P_INT),
    st.builds(lambda c, a, b: nodes.Conditional(a, c, b), P_BOOL, P_MONEY, P_MONEY)))
P_NUMBER = st.deferred(lambda: st.one_of(
    p_number_leaf, p_number_leaf, _binary("/", P_MONEY, P_MONEY), _binary("/", P_INT, P_INT),
    _binary("*", P_NUMBER, P_INT)))
P_INT = st.deferred(lambda: st.one_of(
    p_int_leaf, p_int_leaf, _binary("+", P_INT, P_INT), _binary("-", P_INT, P_INT)))
P_BOOL = st.deferred(lambda: st.one_of(
    st.builds(lambda a, b, op: nodes.Compare(op, a, b), P_INT, P_INT,
              st.sampled_from(("==", "<=", ">"))),
    st.builds(lambda a, b: nodes.Compare(">=", a, b), P_MONEY, P_MONEY)))

payee_rows = st.lists(st.tuples(st.integers(-3, 3).map(lambda k: k * 10_000),
                                st.integers(0, 3),
                                st.integers(0, 4).map(lambda k: F(k, 3))),
                      min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(tree=st.one_of(P_MONEY, P_NUMBER, P_INT, P_BOOL), data=payee_rows,
       revenue=st.integers(-10_000_000, 10_000_000), margin=st.integers(-50, 50),
       mode=st.sampled_from(("half_up", "half_even")))
def test_metrics_and_ranks_agree_payee_by_payee(tree, data, revenue, margin, mode):
    """Over the payees of a window: the vectorised evaluator ranks whole columns, the
    reference one counts, for one payee at a time, the payees with more."""
    n = len(data)
    bookings, logos, ratios = (list(column) for column in zip(*data))
    columns = {"bookings": Col("money", np.array(bookings, dtype=np.int64)),
               "logos": Col("int", np.array(logos, dtype=np.int64)),
               "ratio": Col("number", (np.array([r.numerator for r in ratios], dtype=object),
                                       np.array([r.denominator for r in ratios],
                                                dtype=object))),
               "metric.revenue": broadcast(revenue, "money", n),
               "metric.margin": broadcast(F(margin, 100), "number", n)}
    everyone = {"ranked.bookings": tuple(Money(b) for b in bookings),
                "ranked.logos": tuple(logos), "ranked.ratio": tuple(ratios)}
    expected, failed = [], False
    for b, count, ratio in data:
        names = {"bookings": Money(b), "logos": count, "ratio": ratio,
                 "metric.revenue": Money(revenue), "metric.margin": F(margin, 100), **everyone}
        try:
            expected.append(evaluate(tree, names, "USD", mode))
        except (EvaluationError, OverflowError):
            failed = True
            break
    try:
        got = as_fractions(evaluate_vector(tree, columns, n, "USD", mode))
    except (EvaluationError, OverflowError):
        assert failed, to_text(tree)
        return
    assert not failed, f"the reference fails on {to_text(tree)}"
    assert got == expected, to_text(tree)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-5, 5), min_size=1, max_size=40),
       kind=st.sampled_from(("money", "int", "number")))
def test_a_rank_is_a_permutation_with_ties(values, kind):
    """Ranks lie between 1 and n; a payee's rank is 1 + the payees with strictly more; the
    best value has rank 1 and equal values share one rank."""
    from engine.vector import competition_ranks
    n = len(values)
    col = Col("number", (np.array(values, dtype=object), np.full(n, 7, dtype=object))) \
        if kind == "number" else Col(kind, np.array(values, dtype=np.int64))
    ranks = competition_ranks(col).tolist()
    assert all(1 <= r <= n for r in ranks)
    assert ranks == [1 + sum(other > v for other in values) for v in values]
    assert ranks[values.index(max(values))] == 1
    for i, v in enumerate(values):
        for j, w in enumerate(values):
            assert (ranks[i] == ranks[j]) == (v == w)
            assert (ranks[i] < ranks[j]) == (v > w)
    # the sorted ranks are 1, then each rank k repeated c times is followed by k + c
    ordered = sorted(ranks)
    assert ordered[0] == 1
    assert all(b == a or b == i + 1 for i, (a, b) in enumerate(zip(ordered, ordered[1:]), 1))


def test_ties_share_the_better_rank():
    # values 5, 5, 3: ranks 1, 1, 3; 0 below them is 4th
    from engine.vector import competition_ranks
    assert competition_ranks(Col("int", np.array([5, 5, 3, 0]))).tolist() == [1, 1, 3, 4]
