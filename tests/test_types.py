"""The type rules of spec section 2 as tables: expression, where it stands, type or error."""
import pytest

from rules_dsl.checker import (CREDIT_FIELDS, DEAL, MEASURE, PAYEE, PAYEE_FIELDS,
                               PERIOD_FIELDS, MeasureInfo, Scope, check)
from rules_dsl.deal_fields import DEAL_FIELD_TYPES
from rules_dsl.parser import parse_expression
from rules_dsl.types import ListOf, Type

FIELDS = {
    "deal": {**DEAL_FIELD_TYPES, "region": Type.STRING},
    "credit": dict(CREDIT_FIELDS),
    "payee": {**PAYEE_FIELDS, "segment": Type.STRING},
    "param": {"accelerator": Type.NUMBER},
    "period": dict(PERIOD_FIELDS),
}
MEASURES = {
    "bookings": MeasureInfo("sum", Type.MONEY),
    "new_logos": MeasureInfo("count", Type.INT),
    "biggest_deal": MeasureInfo("max", Type.MONEY),
}


def scope(context):
    # as seen from the second of three components: commission, club, kicker
    return Scope(context, "USD", FIELDS, MEASURES, earlier_components=("commission",),
                 later_components=("club", "kicker"), where="in component 'club'")


def type_of(text, context):
    node, problems = parse_expression(text)
    assert problems == []
    found, problems = check(node, scope(context))
    return found, [p.message for p in problems]


@pytest.mark.parametrize("text, context, expected", [
    # Money arithmetic
    ("500 USD + 250.50 USD", PAYEE, Type.MONEY),
    ("target_incentive - 1 USD", PAYEE, Type.MONEY),
    ("10% * target_incentive", PAYEE, Type.MONEY),
    ("target_incentive * 2", PAYEE, Type.MONEY),
    ("target_incentive / 4", PAYEE, Type.MONEY),
    ("bookings / quota.bookings", PAYEE, Type.NUMBER),
    ("-bookings", PAYEE, Type.MONEY),
    ("abs(bookings)", PAYEE, Type.MONEY),
    # numbers: Int stays Int, widens to Number when mixed
    ("1 + 2", PAYEE, Type.INT),
    ("new_logos * 2", PAYEE, Type.INT),
    ("new_logos + 0.5", PAYEE, Type.NUMBER),
    ("new_logos / 2", PAYEE, Type.NUMBER),
    ("attainment.bookings * 100%", PAYEE, Type.NUMBER),
    ("quota.new_logos", PAYEE, Type.INT),
    ("team.bookings", PAYEE, Type.MONEY),
    ("team_all.new_logos", PAYEE, Type.INT),
    ("earned.commission", PAYEE, Type.MONEY),
    ("period.number", PAYEE, Type.INT),
    ("days(payee.hire_date, period.end)", PAYEE, Type.INT),
    ("min(attainment.bookings, 1.5)", PAYEE, Type.NUMBER),
    ("max(bookings, 0 USD, target_incentive)", PAYEE, Type.MONEY),
    ("clamp(param.accelerator, 1, 2)", PAYEE, Type.NUMBER),
    ("10% if attainment.bookings >= 100% else 5%", PAYEE, Type.NUMBER),
    ("1 if payee.segment == \"smb\" else 0.5", PAYEE, Type.NUMBER),
    # conditions
    ("attainment.bookings >= 120%", PAYEE, Type.BOOL),
    ("new_logos >= 3 and not (payee.role == \"manager\")", PAYEE, Type.BOOL),
    ("period.end >= 2026-12-31", PAYEE, Type.BOOL),
    ("payee.segment in [\"smb\", \"mid\"]", PAYEE, Type.BOOL),
    ("new_logos in [1, 2.5]", PAYEE, Type.BOOL),
    ("period.number not in []", PAYEE, Type.BOOL),
    # deal context
    ("deal.amount >= 50000 USD", DEAL, Type.BOOL),
    ("500 USD * credit.share", DEAL, Type.MONEY),
    ("credit.amount * 10%", DEAL, Type.MONEY),
    ("deal.region == \"EMEA\" and credit.role != \"sdr\"", DEAL, Type.BOOL),
    ("10% * param.accelerator", DEAL, Type.NUMBER),
    ("days(deal.date, period.end) <= 30", DEAL, Type.BOOL),
    ("12% if attainment.bookings > 1 else 8%", DEAL, Type.NUMBER),
    # measures: one aggregate over credit rows
    ("sum(credit.amount where deal.type in [\"new\", \"expansion\"])", MEASURE, Type.MONEY),
    ("sum(credit.amount)", MEASURE, Type.MONEY),
    ("count(where deal.type == \"new\")", MEASURE, Type.INT),
    ("count()", MEASURE, Type.INT),
    ("sum(credit.share where deal.product == \"x\")", MEASURE, Type.NUMBER),
    ("max(deal.amount where deal.status == \"booked\")", MEASURE, Type.MONEY),
    ("min(deal.date)", MEASURE, Type.DATE),
    ("[1, 2]", PAYEE, ListOf(Type.INT)),
])
def test_types(text, context, expected):
    found, problems = type_of(text, context)
    assert problems == []
    assert found == expected


@pytest.mark.parametrize("text, context, message", [
    ("deal.amount > 50000", DEAL, "cannot compare Money with Int: write 50000 USD"),
    ("bookings >= 1_000.5", PAYEE, "cannot compare Money with Number: write 1000.5 USD"),
    ("bookings + 500", PAYEE, "cannot add Money and Int: write 500 USD"),
    ("bookings * bookings", PAYEE, "cannot multiply Money and Money: multiply money by a "
                                   "number such as a rate (5%)"),
    ("2 / bookings", PAYEE, "cannot divide a number by Money"),
    ("50000 EUR", PAYEE, "50000 EUR is not in the plan's currency: every amount in this plan "
                         "is in USD"),
    ("0.001 USD", PAYEE, "USD has 2 decimal places; 0.001 USD has more"),
    ("100 XYZ", PAYEE, "XYZ is not an ISO 4217 currency code"),
    ("bookings / 0", PAYEE, "division by zero"),
    ("\"a\" + \"b\"", PAYEE, "cannot add String and String"),
    ("true < false", PAYEE, "Bool values have no order; only == and != compare them"),
    ("payee.role == 1", PAYEE, "cannot compare String with Int"),
    ("new_logos and true", PAYEE, "`and` needs a true/false value, but this is Int"),
    ("not bookings", PAYEE, "`not` needs a true/false value, but this is Money"),
    ("-payee.name", PAYEE, "cannot negate String"),
    ("1 if 2 else 3", PAYEE, "the condition after `if` needs a true/false value, but this is "
                             "Int"),
    ("bookings if true else 1", PAYEE, "both sides of `if ... else` must have one type: "
                                       "Money and Int differ"),
    ("payee.role in payee.name", PAYEE, "`in` needs a list written out"),
    ("payee.role in [1, 2]", PAYEE, "cannot look for String in a list of Int"),
    ("[1, \"a\"]", PAYEE, "a list holds one type: this is String, the items before it are Int"),
    ("min(bookings, 5)", PAYEE, "min(...) takes values of one type; this is Int: write 5 USD"),
    ("clamp(1, 2)", PAYEE, "clamp(x, lo, hi) takes three values"),
    ("abs(\"x\")", PAYEE, "abs(x) takes one Money or Number"),
    ("days(1, 2)", PAYEE, "days(d1, d2) takes two dates"),
    ("median(bookings)", PAYEE, "unknown function `median`"),
    # names
    ("booking", PAYEE, "unknown name `booking`; did you mean `bookings`?"),
    ("deal.amout", DEAL, "unknown field `deal.amout`; did you mean `deal.amount`?"),
    ("deal.segment", DEAL, "unknown field `deal.segment`; declare extra columns under "
                           "`fields:`, e.g. `deal.segment: String`"),
    ("param.rate", DEAL, "unknown field `param.rate`; declare extra columns"),
    ("dael.amount", DEAL, "unknown name `dael`; did you mean `deal`?"),
    ("deal.amount.cents", DEAL, "unknown name `deal.amount.cents`"),
    ("deal", DEAL, "`deal` is a group of names: write `deal.` and a field"),
    ("sum", PAYEE, "`sum` is a function: call it as sum(...)"),
    ("attainment.bookngs", PAYEE, "`attainment.bookngs`: there is no measure `bookngs`; did "
                                  "you mean `bookings`?"),
    ("attainment.biggest_deal", PAYEE, "`attainment.biggest_deal` needs a sum or count "
                                       "measure; `biggest_deal` is a max"),
    ("earned.club", PAYEE, "a component cannot use its own earnings (`earned.club`)"),
    ("earned.kicker", PAYEE, "`earned.kicker` is listed after this component; only components "
                             "listed earlier can be used"),
    ("earned.comission", PAYEE, "`earned.comission`: there is no component `comission`; did "
                                "you mean `commission`?"),
    # contexts
    ("deal.amount", PAYEE, "`deal.amount` is known only per deal; in component 'club' use a "
                           "measure over the deals instead"),
    ("credit.share", PAYEE, "`credit.share` is known only per deal"),
    ("earned.commission", DEAL, "`earned.commission` is a payee-level value; it cannot be used "
                                "in component 'club'"),
    ("sum(credit.amount)", PAYEE, "`sum(...)` over deals is allowed only in `measures:`"),
    ("max(deal.amount)", DEAL, "`max(...)` over deals is allowed only in `measures:`"),
    ("min(1, 2 where true)", PAYEE, "`min(...)` over deals is allowed only in `measures:`"),
    # measures
    ("credit.amount", MEASURE, "a measure is one aggregate: sum(EXPR where COND)"),
    ("sum(credit.amount) + sum(credit.amount)", MEASURE, "a measure is one aggregate"),
    ("sum(bookings)", MEASURE, "a measure cannot use another measure"),
    ("sum(credit.amount where attainment.bookings > 1)", MEASURE,
     "a measure cannot use `attainment.bookings`"),
    ("sum(deal.type)", MEASURE, "sum(...) cannot add up String values"),
    ("sum(credit.amount where deal.amount)", MEASURE, "`where` needs a true/false value, but "
                                                      "this is Money"),
    ("count(deal.id)", MEASURE, "count(where COND) takes no value before `where`"),
    ("sum(where true)", MEASURE, "sum(EXPR where COND) takes one value"),
    ("sum(sum(credit.amount))", MEASURE, "`sum(...)` over deals is allowed only in"),
])
def test_type_errors(text, context, message):
    found, problems = type_of(text, context)
    assert found is None
    assert any(p.startswith(message) for p in problems), problems


def test_error_spans_point_at_the_offending_part():
    node, _ = parse_expression("attainment.bookings >= 1 and deal.amout > 0 USD")
    _, problems = check(node, scope(DEAL))
    (problem,) = problems
    assert problem.span == (29, 39)  # `deal.amout`
