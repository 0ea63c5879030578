"""Every rule of the plan loader, each with the exact line and column of its error.

Positions are 1-based and point into the YAML file, not into the expression string: in
`    when: deal.amount > 50000`, `deal` stands at column 11 of its line.
"""
import textwrap

import pytest

from rules_dsl import load_plan_text, yaml_source

HEADER = """\
plan: test-plan
version: 1
effective: 2026-01-01 .. 2026-12-31
currency: USD
payout_period: quarter
"""
MEASURES = """\
measures:
  bookings: sum(credit.amount)
"""
COMPONENTS = """\
components:
  - id: commission
    type: commission
    measure: bookings
    rate: 5%
"""


def errors_of(text):
    plan, errors = load_plan_text(text, "plan.yaml")
    assert plan is None, "expected the plan to be refused"
    return [(e.line, e.col, e.message) for e in errors]


def only_error(text):
    (error,) = errors_of(text)
    return error


def test_the_base_plan_is_clean():
    plan, errors = load_plan_text(HEADER + MEASURES + COMPONENTS, "plan.yaml")
    assert errors == []
    assert plan.id == "test-plan" and plan.version == 1 and plan.currency == "USD"
    assert plan.attainment_window == "period" and plan.rounding == "half_up"
    assert plan.proration == "days" and plan.fiscal_year_start == 1
    assert plan.negative_payout == "carry_forward"
    assert plan.components[0].rate.text == "5%"


def test_a_plan_with_several_mistakes_reports_each_at_its_place():
    text = textwrap.dedent("""\
        plan: Bad_Plan
        version: 1
        effective: 2026-01-01 .. 2026-12-31
        currency: USD
        payout_period: quartr
        treshold: 5
        fields:
          deal.region: Strng
        measures:
          bookings: sum(credit.amount where deal.type in ["new", "expansion"])
          logos: count(where deal.amout > 50000 USD)
        components:
          - id: commission
            type: commission
            measure: bookings
            tiers:
              method: marginal
              table:
                - {from: 0%, rate: 5%}
                - {from: 100%, rate: 10 USD}
                - {from: 90%, rate: 15%}
          - id: club
            type: bonus
            when: attainment.bookings >= 120% and earned.later > 0 USD
            amount: 10% * target_incentive + deal.amount
          - id: later
            type: spiff
            when: deal.amount > 50000 EUR
            amount: '500 USD * credit.shar'
          - id: club
            type: formula
            amount: 1 +
        """)
    assert errors_of(text) == [
        (1, 7, "plan id 'Bad_Plan' may use only lowercase letters, digits and '-'"),
        (5, 16, "`payout_period` is one of month, quarter, half, year, not 'quartr'; did you mean "
                "`quarter`?"),
        (6, 1, "unknown key `treshold` in the plan"),
        (8, 16, "unknown type 'Strng': the types are Money, Number, Int, Bool, String, Date; "
                "did you mean `String`?"),
        (11, 22, "unknown field `deal.amout`; did you mean `deal.amount`?"),
        (20, 30, "a tier rate must be Number, but this is Money"),
        (21, 18, "tier `from` values must be strictly ascending"),
        (24, 43, "`earned.later` is listed after this component; only components listed "
                 "earlier can be used"),
        (25, 38, "`deal.amount` is known only per deal; in component 'club' use a measure over "
                 "the deals instead"),
        (28, 25, "50000 EUR is not in the plan's currency: every amount in this plan is in USD"),
        (29, 24, "unknown field `credit.shar`; did you mean `credit.share`?"),
        (30, 5, "component id 'club' is used twice (first at line 22); ids must be unique"),
        (32, 16, "the expression ends too early; expected an expression"),
    ]


@pytest.mark.parametrize("line, position, message", [
    # header values
    ("plan: enterprise_ae", (1, 7), "plan id 'enterprise_ae' may use only lowercase letters"),
    ("version: 1.5", (2, 10), "version must be a whole number from 1 to 9223372036854775807, "
                              "not '1.5'"),
    ("version: 0", (2, 10), "version must be a whole number from 1 to 9223372036854775807, "
                            "not '0'"),
    ("effective: 2026-01-01 - 2026-12-31", (3, 12), "effective is a range of two dates"),
    ("effective: 2026-12-31 .. 2026-01-01", (3, 12), "the effective range ends (2026-01-01) "
                                                     "before it starts (2026-12-31)"),
    ("effective: 2026-02-30 .. 2026-12-31", (3, 12), "'2026-02-30' is not a date"),
    ("currency: US", (4, 11), "'US' is not an ISO 4217 currency code"),
    ("payout_period: weekly", (5, 16), "`payout_period` is one of month, quarter, half, year"),
])
def test_header_values(line, position, message):
    key = line.split(":")[0]
    lines = [line if existing.startswith(key + ":") else existing
             for existing in HEADER.splitlines()]
    line_no, col, text = only_error("\n".join(lines) + "\n" + MEASURES + COMPONENTS)
    assert (line_no, col) == position
    assert text.startswith(message)


@pytest.mark.parametrize("extra, position, message", [
    ("rounding: bankers", (6, 11), "`rounding` is one of half_up, half_even"),
    ("attainment_window: yearly", (6, 20), "`attainment_window` is one of period, ytd, annual"),
    ("proration: weeks", (6, 12), "`proration` is one of days, months, none"),
    ("negative_payout: carry", (6, 18), "`negative_payout` is one of carry_forward, deduct, "
                                        "not 'carry'; did you mean `carry_forward`?"),
    ("fiscal_year_start: 02-15", (6, 20), "fiscal_year_start is the first day of a month"),
    ("fiscal_year_start: 13-01", (6, 20), "fiscal_year_start is the first day of a month"),
    ("titel: x", (6, 1), "unknown key `titel` in the plan; did you mean `title`?"),
    ("currency: EUR", (6, 1), "`currency` appears twice in the plan (first on line 4); "
                              "keep one"),
    ("cap: 3 * bookings + 5", (6, 6), "cannot add Money and Int: write 5 USD"),
    ("cap: earned.comission", (6, 6), "`earned.comission`: there is no component `comission`; "
                                      "did you mean `commission`?"),
    ("draw: {amount: 2000, recoverable: true}", (6, 16), "the draw amount must be Money, but "
                                                         "this is Int: write 2000 USD"),
    ("draw: {amount: 2000 USD, recoverable: yes}", (6, 39), "`recoverable` is one of true, "
                                                            "false"),
    ("draw: {amount: 2000 USD}", (6, 7), "`recoverable:` is missing from the draw"),
    ("draw: {amount: target_incentive, recoverable: true}", (6, 16),
     "the draw amount must be written as a constant, such as 50000 USD"),
    ("clawback: {within_days: ninety}", (6, 25), "within_days is a whole number of days from 0 "
                                                 "to 36500 (100 years), not 'ninety'"),
    ("clawback: {days: 90}", (6, 12), "unknown key `days` in the clawback"),
])
def test_plan_level_rules(extra, position, message):
    errors = errors_of(HEADER + extra + "\n" + MEASURES + COMPONENTS)
    assert any((line, col) == position and text.startswith(message)
               for line, col, text in errors), errors


@pytest.mark.parametrize("fields, position, message", [
    ("  deal.region: Text", (7, 16), "unknown type 'Text'"),
    ("  region: String", (7, 3), "declare extra columns as deal.NAME, payee.NAME or param.NAME"),
    ("  credit.team: String", (7, 3), "declare extra columns as deal.NAME"),
    ("  deal.amount: Money", (7, 3), "`deal.amount` is built in or declared already"),
    ("  payee.hire_date: Date", (7, 3), "`payee.hire_date` is built in"),
])
def test_fields(fields, position, message):
    (line, col, text), *_ = errors_of(HEADER + "fields:\n" + fields + "\n" + MEASURES
                                      + COMPONENTS)
    assert (line, col) == position and text.startswith(message)


def test_declared_fields_are_usable_and_undeclared_are_not():
    measures = ('measures:\n  bookings: sum(credit.amount where deal.region == "EMEA" '
                'and param.multiplier > 1)\n')
    assert errors_of(HEADER + measures + COMPONENTS) == [
        (7, 37, "unknown field `deal.region`; declare extra columns under `fields:`, e.g. "
                "`deal.region: String`"),
        (7, 63, "unknown field `param.multiplier`; declare extra columns under `fields:`, "
                "e.g. `param.multiplier: String`"),
    ]
    fields = "fields:\n  deal.region: String\n  param.multiplier: Number\n"
    plan, errors = load_plan_text(HEADER + fields + measures + COMPONENTS, "plan.yaml")
    assert errors == []
    assert plan.fields == (("deal.region", plan.fields[0][1]), ("param.multiplier",
                                                                plan.fields[1][1]))


@pytest.mark.parametrize("measures, position, message", [
    ("  Bookings: sum(credit.amount)", (7, 3), "measure name 'Bookings' must be lowercase"),
    ("  target_incentive: sum(credit.amount)", (7, 3), "measure name 'target_incentive'"),
    ("  bookings: credit.amount", (7, 13), "a measure is one aggregate"),
    ("  bookings: sum(credit.amount where deal.type = \"new\")", (7, 47), "use == to compare"),
])
def test_measures(measures, position, message):
    (line, col, text), *_ = errors_of(HEADER + "measures:\n" + measures + "\n" + COMPONENTS)
    assert (line, col) == position and text.startswith(message)


def component(body):
    return HEADER + MEASURES + "components:\n" + textwrap.indent(textwrap.dedent(body), "  ")


@pytest.mark.parametrize("body, position, message", [
    ("""\
     - id: commission
       type: comission
       measure: bookings
     """, (10, 11), "`type` is one of commission, payout_curve, bonus, spiff, override, "
                    "formula, not 'comission'; did you mean `commission`?"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
     """, (9, 5), "a commission needs `rate:` or `tiers:`"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5%
       tiers: {method: marginal, table: [{from: 0%, rate: 5%}]}
     """, (13, 5), "a commission has either `rate:` or `tiers:`, not both"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {method: landed, table: [{from: 0%, rate: 5%}]}
     """, (12, 21), "`method` is one of marginal, retroactive, landing, per_deal, not 'landed'; "
                    "did you mean `landing`?"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {method: per_deal, table: [{from: 0%, rate: 5%}]}
     """, (12, 21), "per_deal tiers are on each row's own amount: add `basis: amount`"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {method: marginal, min: 100 USD, table: [{from: 0%, rate: 5%}]}
     """, (12, 36), "`min:` is a floor per row of per_deal tiers, not of marginal ones"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {method: marginal, above: 80%, table: [{from: 0%, rate: 5%}]}
     """, (12, 38), "`above:` is where retroactive tiers start paying, not marginal ones"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {method: retroactive, above: 1000 USD, table: [{from: 0%, rate: 5%}]}
     """, (12, 41), "`above` (basis: attainment)"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers: {basis: amount, method: per_deal, min: 5%, table: [{from: 0 USD, rate: 5%}]}
     """, (12, 51), "the minimum must be Money"),
    ("""\
     - id: commission
       type: commission
       measure: booking
       rate: 5%
     """, (11, 14), "there is no measure 'booking'; did you mean `bookings`?"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5%
       when: true
     """, (13, 5), "`when` does not apply to a commission component; it takes measure, rate, "
                   "tiers, title, threshold, cap, window, payable"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5%
       treshold: attainment.bookings > 50%
     """, (13, 5), "unknown key `treshold` in the component; did you mean `threshold`?"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5 USD
     """, (12, 11), "the rate must be Number, but this is Money"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5%
       threshold: attainment.bookings
     """, (13, 16), "the threshold must be Bool, but this is Number"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       rate: 5%
       cap: 2 * target_incentive + earned.commission
     """, (13, 33), "a component cannot use its own earnings (`earned.commission`)"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers:
         method: marginal
         table:
           - {from: 10%, rate: 5%}
     """, (15, 18), "the first tier starts from 0%"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers:
         basis: amount
         method: marginal
         table:
           - {from: 0 USD, rate: 5%}
           - {from: 100%, rate: 10%}
     """, (17, 18), "a tier's `from` (basis: amount) must be Money, but this is Number"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers:
         table:
           - {from: 0%, rate: 5%}
     """, (13, 7), "`method:` is missing from the tiers"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers:
         method: marginal
         table:
           - {from: 0%, rate: 5%, upto: 100%}
     """, (15, 32), "unknown key `upto` in the tier row"),
    ("""\
     - id: commission
       type: commission
       measure: bookings
       tiers:
         method: marginal
         table:
           - {from: 0%, rate: 5%}
           - {from: attainment.bookings, rate: 10%}
     """, (16, 18), "a tier's `from` (basis: attainment) must be written as a constant"),
    ("""\
     - id: logo
       type: spiff
       when: deal.type == "new"
     """, (9, 5), "a spiff component needs `amount:`"),
    ("""\
     - id: logo
       type: spiff
       when: deal.type == "new"
       amount: 500 USD * credit.share + earned.x
     """, (12, 38), "`earned.x` is a payee-level value; it cannot be used in component "
                    "'logo'"),
    ("""\
     - id: club
       type: bonus
       when: bookings >= 100000
       amount: 1000 USD
     """, (11, 11), "cannot compare Money with Int: write 100000 USD"),
    ("""\
     - id: curve
       type: payout_curve
       attainment: attainment.bookings
       curve: [[0%, 0%], [100%, 100%], [90%, 150%]]
     """, (12, 38), "curve points must not go back"),
    ("""\
     - id: curve
       type: payout_curve
       attainment: attainment.bookings
       curve: [[0%, 0%, 1], [100%, 100%]]
     """, (12, 13), "a curve point is a pair [attainment, payout]"),
    ("""\
     - id: curve
       type: payout_curve
       attainment: attainment.bookings
       curve: [[0%, 0%], [100%, 100%]]
       interpolate: cubic
     """, (13, 18), "`interpolate` is one of linear, step, step_after"),
    ("""\
     - id: curve
       type: payout_curve
       attainment: bookings
       curve: [[0%, 0%], [100%, 100%]]
     """, (11, 17), "the curve's attainment must be Number, but this is Money"),
    ("""\
     - id: over
       type: override
       measure: bookings
       rate: 2%
     """, (9, 5), "an override component needs `team:`"),
    ("""\
     - id: over
       type: override
       measure: bookings
       team: everyone
       rate: 2%
     """, (12, 11), "`team` is one of direct, all"),
    ("""\
     - id: plan_cap
       type: formula
       amount: 0 USD
     """, (9, 9), "component id 'plan_cap' may use only"),
    ("""\
     - id: 2x-bonus
       type: formula
       amount: 0 USD
     """, (9, 9), "component id '2x-bonus' may use only lowercase letters, digits and '-', "
                  "starts with a letter"),
    ("""\
     - type: formula
       amount: 0 USD
     """, (9, 5), "`id:` is missing from the component"),
])
def test_component_rules(body, position, message):
    errors = errors_of(component(body))
    assert any((line, col) == position and text.startswith(message)
               for line, col, text in errors), errors


def test_commission_measure_must_be_a_sum_of_money():
    text = component("""\
        - id: commission
          type: commission
          measure: logos
          rate: 5%
        """)
    text = text.replace("bookings: sum(credit.amount)", 'logos: count(where deal.type == "new")')
    assert only_error(text) == (11, 14, "a commission is paid on a sum of Money; measure "
                                        "'logos' is a count of Int")


def test_components_must_be_a_non_empty_list():
    assert only_error(HEADER + MEASURES + "components: []\n") == (
        8, 13, "components is a list with at least one component (each starting `- id: ...`)")


def test_required_keys_are_reported_at_the_mapping():
    assert errors_of("plan: x\nversion: 1\n") == [
        (1, 1, "`components:` is missing from the plan"),
        (1, 1, "`currency:` is missing from the plan"),
        (1, 1, "`effective:` is missing from the plan"),
        (1, 1, "`payout_period:` is missing from the plan"),
    ]


def test_yaml_syntax_errors_are_positioned():
    (line, col, message), = errors_of(HEADER + "measures:\n  bookings: [sum(\n")
    assert (line, col) == (8, 1) and message.startswith("YAML:")


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x80", "\ufffe"])
def test_a_character_yaml_refuses_is_reported_where_it_stands(character):
    # YAML's reader refused it with a two-line message at 1:1 ("... not allowed\n  in
    # "<unicode string>", position 183"): a C1 control from a bad encoding, an escape code
    # pasted from a terminal.
    text = HEADER + MEASURES + COMPONENTS.replace("rate: 5%", f"rate: 5%{character}")
    assert errors_of(text) == [(12, 13, f"YAML: the character U+{ord(character):04X} cannot "
                                        "stand in a YAML file; delete it")]


def test_an_expression_yaml_reads_as_a_list_asks_for_quotes():
    text = component("""\
        - id: logo
          type: spiff
          when: ["new"]
          amount: 1 USD
        """)
    assert only_error(text) == (11, 11, "YAML reads `when` as a list; put the expression in "
                                        "quotes")


@pytest.mark.parametrize("value, col", [
    ("'deal.amount > 5 + credit.shar'", 32),   # single-quoted: the quote is column 13
    ('"deal.amount > 5 + credit.shar"', 32),   # double-quoted
    ("deal.amount > 5 + credit.shar", 31),      # plain: `deal` is column 13
])
def test_positions_account_for_yaml_quoting(value, col):
    text = component(f"""\
        - id: logo
          type: spiff
          when: true
          amount: {value}
        """)
    assert errors_of(text)[0][:2] == (12, col)


def test_a_long_scalar_of_escapes_is_placed_without_lining_up_all_of_it(monkeypatch):
    # Found with issue 11: a value character whose source is an escape (\x41 for A) was
    # searched for up to the scalar's end, and every character was lined up even when only
    # the first was reported, so 4,000 escaped characters took 13 s to report at offset 0.
    searches = []
    find = yaml_source._find
    monkeypatch.setattr(yaml_source, "_find",
                        lambda *args: searches.append(args[1]) or find(*args))
    escapes = "\\x41" * 5000  # YAML reads "\x41" as "A"
    text = component(f"""\
        - id: club
          type: bonus
          when: true
          amount: "{escapes}"
        """)
    assert errors_of(text) == [(12, 14, "the expression has 5000 characters; at most 4096 are "
                                        "allowed")]
    assert searches.count("A") == 1  # the other expressions are lined up whole, as they parse


def test_positions_follow_folded_multi_line_expressions():
    text = component("""\
        - id: logo
          type: spiff
          when: true
          amount: >-
            500 USD * credit.share
              + 100 USD * credit.shar
        """)
    assert errors_of(text) == [(14, 21, "unknown field `credit.shar`; did you mean "
                                        "`credit.share`?")]


FOREIGN_DIGIT = "is not an ASCII digit: write numbers with ASCII digits (0-9)"


@pytest.mark.parametrize("old, new, position, message", [
    # Issue 11: int(), str.isdigit(), `\d` and Fraction() read these as numbers; `version: ²`
    # was a traceback, `version: ١` registered version 1.
    ("version: 1", "version: ١", (2, 10), f"'١' {FOREIGN_DIGIT}"),
    ("version: 1", "version: 1٠", (2, 11), f"'٠' {FOREIGN_DIGIT}"),
    ("version: 1", "version: ²", (2, 10), f"'²' {FOREIGN_DIGIT}"),
    ("version: 1", "version: １", (2, 10), f"'１' {FOREIGN_DIGIT}"),
    ("effective: 2026-01-01 .. 2026-12-31", "effective: 2026-01-01 .. ٢٠٢٦-12-31", (3, 26),
     f"'٢' {FOREIGN_DIGIT}"),
    # date.fromisoformat takes these too, but a plan's dates are YYYY-MM-DD
    ("effective: 2026-01-01 .. 2026-12-31", "effective: 20260101 .. 20261231", (3, 12),
     "'20260101' is not a date: write YYYY-MM-DD"),
    ("effective: 2026-01-01 .. 2026-12-31", "effective: 2026-W01-1 .. 2026-12-31", (3, 12),
     "'2026-W01-1' is not a date: write YYYY-MM-DD"),
    ("payout_period: quarter", "payout_period: quarter\nfiscal_year_start: ٠٢-01", (6, 20),
     f"'٠' {FOREIGN_DIGIT}"),
    ("payout_period: quarter", "payout_period: quarter\nfiscal_year_start: 0２-01", (6, 21),
     f"'２' {FOREIGN_DIGIT}"),
    ("payout_period: quarter", "payout_period: quarter\nclawback: {within_days: ١٨٠}", (6, 25),
     f"'١' {FOREIGN_DIGIT}"),
    ("payout_period: quarter", "payout_period: quarter\nclawback: {within_days: 1²}", (6, 26),
     f"'²' {FOREIGN_DIGIT}"),
    ("payout_period: quarter", "payout_period: quarter\ncap: ١٠٠٠ USD", (6, 6),
     f"'١' {FOREIGN_DIGIT}"),
    ("payout_period: quarter", "payout_period: quarter\ndraw: {amount: ２000 USD, "
                               "recoverable: true}", (6, 16), f"'２' {FOREIGN_DIGIT}"),
    ("rate: 5%", "rate: ١٠%", (12, 11), f"'١' {FOREIGN_DIGIT}"),
    ("rate: 5%", "rate: 5٪", (12, 12), "unexpected character '٪'"),
    ("rate: 5%", "rate: 5% * 1.٥", (12, 18), f"'٥' {FOREIGN_DIGIT}"),
])
def test_numbers_and_dates_are_ascii_digits_only(old, new, position, message):
    text = HEADER + MEASURES + COMPONENTS
    assert old in text
    assert only_error(text.replace(old, new)) == (*position, message)


def test_digits_of_other_scripts_in_strings_and_titles_are_text():
    text = (HEADER + 'title: خطة ٢٠٢٦\n' + MEASURES
            + COMPONENTS.replace("rate: 5%", 'rate: 5% if deal.product == "١٠٠" else 6%'))
    plan, errors = load_plan_text(text, "plan.yaml")
    assert errors == []
    assert plan.title == "خطة ٢٠٢٦"


INT64_MAX = 9_223_372_036_854_775_807


@pytest.mark.parametrize("old, new, position, message", [
    # Issue 11: a 23-digit version was a traceback at `icm plans add`; money literals beyond
    # 64-bit minor units and absurd clawback windows were accepted.
    ("version: 1", "version: 9223372036854775808", (2, 10),
     "version must be a whole number from 1 to 9223372036854775807, not '9223372036854775808'"),
    ("version: 1", "version: 99999999999999999999999", (2, 10),
     "version must be a whole number from 1 to 9223372036854775807, "
     "not '99999999999999999999999'"),
    ("payout_period: quarter", "payout_period: quarter\ncap: 92233720368547758.08 USD", (6, 6),
     "92233720368547758.08 USD does not fit in 64-bit minor units: an amount is at most "
     "92233720368547758.07 USD"),
    ("payout_period: quarter", "payout_period: quarter\ncap: 100_000_000_000_000_000 USD",
     (6, 6), "100_000_000_000_000_000 USD does not fit in 64-bit minor units: an amount is at "
             "most 92233720368547758.07 USD"),
    ("payout_period: quarter",
     "payout_period: quarter\ndraw: {amount: 100000000000000000 USD, recoverable: true}",
     (6, 16), "100000000000000000 USD does not fit in 64-bit minor units"),
    ("rate: 5%", "rate: 5% if deal.amount < 99999999999999999999 USD else 6%", (12, 31),
     "99999999999999999999 USD does not fit in 64-bit minor units"),
    ("payout_period: quarter", "payout_period: quarter\nclawback: {within_days: 36501}",
     (6, 25), "within_days is a whole number of days from 0 to 36500 (100 years), not '36501'"),
])
def test_numbers_must_fit_the_ledger(old, new, position, message):
    text = HEADER + MEASURES + COMPONENTS
    assert old in text
    line, col, found = only_error(text.replace(old, new))
    assert (line, col) == position and found.startswith(message), found


def test_a_version_with_thousands_of_digits_is_an_error_not_a_traceback():
    # int() refuses text of more than 4,300 digits with a ValueError
    text = (HEADER + MEASURES + COMPONENTS).replace("version: 1", "version: " + "9" * 5000)
    line, col, message = only_error(text)
    assert (line, col) == (2, 10)
    assert message.startswith("version must be a whole number from 1 to 9223372036854775807")
    text = (HEADER + "clawback: {within_days: " + "1" * 5000 + "}\n" + MEASURES + COMPONENTS)
    line, col, message = only_error(text)
    assert (line, col) == (6, 25) and message.startswith("within_days is a whole number")


def test_the_largest_numbers_that_fit_are_accepted():
    text = (HEADER + "cap: 92233720368547758.07 USD\nclawback: {within_days: 36500}\n"
            + MEASURES + COMPONENTS).replace("version: 1", f"version: {INT64_MAX}")
    plan, errors = load_plan_text(text, "plan.yaml")
    assert errors == []
    assert plan.version == INT64_MAX and plan.clawback_within_days == 36_500
    yen = text.replace("currency: USD", "currency: JPY").replace(
        "cap: 92233720368547758.07 USD", "cap: 9223372036854775808 JPY")
    assert errors_of(yen) == [(6, 6, "9223372036854775808 JPY does not fit in 64-bit minor "
                                     "units: an amount is at most 9223372036854775807 JPY")]
