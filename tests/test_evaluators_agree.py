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
                       money_literal)
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
    st.just(nodes.Call("days", (member("deal.date"), member("period.end"))))))
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
    }
    expected, failed = [], False
    for (amount, share, deal_type, day), credit in zip(data, credit_amounts):
        names = {"deal.amount": Money(amount), "credit.amount": Money(credit),
                 "credit.share": F(share, 1_000_000_000), "deal.type": deal_type,
                 "deal.date": day, "period.end": datetime.date(2026, 12, 31),
                 "target_incentive": Money(6_000_000), "attainment.b": F(5, 4),
                 "ytd.attainment.b": F(7, 8), "ytd.b": Money(17_500_000), "logos": 3}
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
