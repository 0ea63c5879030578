"""Plan file to ``Plan``: read the YAML as text, check every rule of the spec, collect errors.

``load_plan_text`` returns the plan or every error in the file, never one at a time. The reader
walks the document in the order a comp admin reads it (header, fields, measures, components,
settlement), so later checks can rely on what earlier ones established, and a mistake in one
component does not hide the mistakes in the next. A component's `type` is looked up in
``rules_dsl.components.registry``, which reads the body of each type.
"""
from __future__ import annotations

import datetime
import hashlib
import re
from fractions import Fraction
from pathlib import Path

import yaml

from rules_dsl.money import is_currency, to_minor_units
from rules_dsl import nodes
from rules_dsl.checker import (CREDIT_FIELDS, DEAL, DECLARABLE_NAMESPACES, FUNCTIONS,
                               INT64_MAX, MEASURE, MEASURE_NAMESPACES, METRIC_TYPES, PAYEE,
                               PAYEE_FIELDS, PERIOD_FIELDS, MeasureInfo, Scope,
                               check_expecting, suggest)
from rules_dsl.deal_fields import DEAL_FIELD_TYPES, DESCRIBING
from rules_dsl.errors import PlanError
from rules_dsl import payable
from rules_dsl.parser import foreign_digit_message, is_foreign_digit, parse_expression
from rules_dsl.components import registry
from rules_dsl.components.contract import Body
from rules_dsl.plan import Component, Draw, Expression, Measure, Plan, Source
from rules_dsl.types import TYPE_NAMES, Type
from rules_dsl.yaml_source import ScalarPositions, SourceLines, YamlSyntaxError, compose

PLAN_KEYS = ("plan", "version", "title", "effective", "currency", "payout_period",
             "attainment_window", "rounding", "fiscal_year_start", "proration", "fields",
             "measures", "components", "cap", "draw", "clawback", "negative_payout")
REQUIRED_PLAN_KEYS = ("plan", "version", "effective", "currency", "payout_period", "components")
CHOICES = {
    "payout_period": ("month", "quarter", "half", "year"),
    "attainment_window": ("period", "ytd", "annual"),
    "rounding": ("half_up", "half_even"),
    "proration": ("days", "months", "none"),
    "negative_payout": ("carry_forward", "deduct"),
}
DEFAULTS = {"attainment_window": "period", "rounding": "half_up", "proration": "days",
            "negative_payout": "carry_forward"}

PLAN_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COMPONENT_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # `earned.ID` must parse
MEASURE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
EFFECTIVE = re.compile(r"^(\S+)\s*\.\.\s*(\S+)$")
# ASCII digits only: `\d`, str.isdigit() and int() also take ١٠ or １０, and
# date.fromisoformat also takes 20260101 and 2026-W01-1.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FISCAL_START = re.compile(r"([0-9]{2})-01")
WHOLE_NUMBER = re.compile(r"[0-9]+")
MAX_WITHIN_DAYS = 36_500  # 100 years: a longer clawback window is a typo, not a policy
CLAWBACK_KEYS = ("within_days", "schedule", "share")
RESERVED_NAMES = set(FUNCTIONS) | set(MEASURE_NAMESPACES) | {
    "target_incentive", "earned", "deal", "credit", "payee", "param", "period", "metric",
    "true", "false", "ytd", "annual", "start", "end", "number"}


def load_plan(path: str | Path) -> tuple[Plan | None, list[PlanError]]:
    """Read and check one plan file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        return None, [PlanError(str(path), 1, 1, f"cannot read the plan: {reason}")]
    return load_plan_text(text, str(path))


def load_plans(paths) -> tuple[list[Plan], list[PlanError]]:
    """Check several files; a (plan, version) given twice with different text is an error."""
    plans, errors = [], []
    seen: dict[tuple[str, int], Plan] = {}
    for path in paths:
        plan, file_errors = load_plan(path)
        errors.extend(file_errors)
        if plan is None:
            continue
        twin = seen.get((plan.id, plan.version))
        if twin is not None and twin.sha256 != plan.sha256:
            errors.append(PlanError(plan.file, 1, 1, f"{plan.key} is also defined, differently, "
                                                     f"in {twin.file}: bump the version"))
            continue
        seen[(plan.id, plan.version)] = plan
        plans.append(plan)
    return plans, errors


def load_plan_text(text: str, file: str) -> tuple[Plan | None, list[PlanError]]:
    """Check plan text; the plan when it is clean, else None and every error, in file order."""
    reader = _PlanReader(text, file)
    plan = reader.read()
    errors = sorted(set(reader.errors))
    return (plan if not errors else None), errors


class _PlanReader:
    def __init__(self, text: str, file: str):
        self.text, self.file = text, file
        self.lines = SourceLines(text)
        self.errors: list[PlanError] = []
        self.currency = "USD"
        self.attainment_window = DEFAULTS["attainment_window"]
        self.fields: dict[str, dict[str, Type]] = {
            "deal": {**DEAL_FIELD_TYPES, **{name: Type.STRING for name in DESCRIBING}},
            "credit": dict(CREDIT_FIELDS),
            "payee": dict(PAYEE_FIELDS), "param": {}, "period": dict(PERIOD_FIELDS),
            "metric": {}}
        self.measures: dict[str, MeasureInfo] = {}
        self.declared: list[tuple[str, str, Type]] = []  # extra columns under `fields:`
        self.key_nodes: dict[int, yaml.Node] = {}  # value node id -> its key node

    # -- reporting ------------------------------------------------------------------------

    def source(self, node: yaml.Node) -> Source:
        return Source(self.file, *self.lines.of_node(node))

    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = self.lines.of_node(node) if node is not None else (1, 1)
        self.errors.append(PlanError(self.file, line, col, message))

    def key_node(self, value: yaml.Node) -> yaml.Node:
        """The key node a mapping value stands under (for an error about the key)."""
        return self.key_nodes[id(value)]

    def error_at(self, positions: ScalarPositions, offset: int, message: str) -> None:
        """An error at a character of a scalar's value, where it stands in the file."""
        line, col = positions.position(offset)
        self.errors.append(PlanError(self.file, line, col, message))

    # -- the document ---------------------------------------------------------------------

    def read(self) -> Plan | None:
        try:
            root = compose(self.text)
        except YamlSyntaxError as error:
            self.errors.append(PlanError(self.file, error.line, error.col, error.message))
            return None
        if not isinstance(root, yaml.MappingNode):
            self.error(root, "a plan is a YAML mapping of keys such as `plan:` and "
                             "`components:`")
            return None
        top = self.mapping(root, PLAN_KEYS, "plan", REQUIRED_PLAN_KEYS)
        header = self.read_header(top)
        self.read_fields(top.get("fields"))
        measures = self.read_measures(top.get("measures"))
        components = self.read_components(top.get("components"))
        component_ids = tuple(c.id for c in components)
        cap = None
        self.require_one_window(top.get("cap"), components)
        if "cap" in top:
            cap = self.expression(top["cap"], self.payee_scope(component_ids, (), "in the plan "
                                  "cap"), (Type.MONEY,), "the plan cap")
        draw = self.read_draw(top.get("draw"))
        clawback = self.read_clawback(top.get("clawback"))
        if self.errors or header is None:
            return None
        self.declare_describing(measures, components, cap)
        return Plan(**header, fields=tuple((f"{ns}.{name}", t) for ns, name, t in self.declared),
                    measures=measures, components=components, cap=cap, draw=draw,
                    **clawback, file=self.file, text=self.text,
                    sha256=hashlib.sha256(self.text.encode("utf-8")).hexdigest())

    def declare_describing(self, measures, components, cap) -> None:
        """`deal.name` and `deal.account`, where the plan reads them, as declared columns:
        the engine reads a declared column from the deals' extra columns."""
        expressions = [m.expression for m in measures] + [cap] + [
            e for c in components for e in c.expressions()]
        read = {nodes.dotted_name(sub) for e in expressions if e is not None
                for sub in nodes.walk(e.node)}
        for name in DESCRIBING:
            if f"deal.{name}" in read and ("deal", name, Type.STRING) not in self.declared:
                self.declared.append(("deal", name, Type.STRING))

    def title(self, node) -> str | None:
        """A component's or measure's title: one line of text a statement can show."""
        text = self.scalar(node, "title")
        if text is not None and (len(text) > 120 or "\n" in text):
            self.error(node, "a title is one line of at most 120 characters")
            return None
        return text

    def require_one_window(self, cap_node, components: tuple[Component, ...]) -> None:
        """A plan-level cap adds up what its components earn in one window, so it needs
        every component over the same kind of window."""
        kinds = sorted({c.window or self.attainment_window for c in components})
        if cap_node is not None and len(kinds) > 1:
            self.error(cap_node, "a plan-level cap adds up components over one window, but "
                                 f"these are over {' and '.join(kinds)} windows; put a `cap:` "
                                 "on each component instead")

    def read_header(self, top: dict[str, yaml.Node]) -> dict | None:
        header: dict = {}
        plan_id = self.scalar(top.get("plan"), "plan")
        if plan_id is not None and not PLAN_ID.match(plan_id):
            self.error(top["plan"], f"plan id {plan_id!r} may use only lowercase letters, "
                                    "digits and '-'")
        header["id"] = plan_id
        header["version"] = self.read_version(top.get("version"))
        header["title"] = self.scalar(top.get("title"), "title") or plan_id or ""
        header["effective_from"], header["effective_to"] = self.read_effective(
            top.get("effective"))
        currency = self.scalar(top.get("currency"), "currency")
        if currency is not None:
            if is_currency(currency):
                self.currency = currency
            else:
                self.error(top["currency"], f"{currency!r} is not an ISO 4217 currency code "
                                            "such as USD or EUR")
        header["currency"] = self.currency
        for key, choices in CHOICES.items():
            header[key] = self.choice(top.get(key), key, choices, DEFAULTS.get(key))
        header["fiscal_year_start"] = self.read_fiscal_start(top.get("fiscal_year_start"))
        self.attainment_window = header["attainment_window"] or DEFAULTS["attainment_window"]
        if any(value is None for value in header.values()):
            return None
        return header

    def read_version(self, node) -> int | None:
        text = self.numeric_scalar(node, "version")
        if text is None:
            return None
        version = _whole_number(text, INT64_MAX)
        if version is None or version < 1:
            self.error(node, f"version must be a whole number from 1 to {INT64_MAX}, "
                             f"not {text!r}")
            return None
        return version

    def read_effective(self, node) -> tuple[datetime.date | None, datetime.date | None]:
        text = self.numeric_scalar(node, "effective")
        if text is None:
            return None, None
        match = EFFECTIVE.match(text)
        dates = []
        for part in match.groups() if match else ():
            date = _iso_date(part)
            if date is None:
                self.error(node, f"{part!r} is not a date: write YYYY-MM-DD")
                return None, None
            dates.append(date)
        if len(dates) != 2:
            self.error(node, "effective is a range of two dates: 2026-01-01 .. 2026-12-31")
            return None, None
        if dates[0] > dates[1]:
            self.error(node, f"the effective range ends ({dates[1]}) before it starts "
                             f"({dates[0]})")
            return None, None
        return dates[0], dates[1]

    def read_fiscal_start(self, node) -> int | None:
        if node is None:
            return 1
        text = self.numeric_scalar(node, "fiscal_year_start")
        match = FISCAL_START.fullmatch(text or "")
        if text is not None and not (match and 1 <= int(match.group(1)) <= 12):
            self.error(node, f"fiscal_year_start is the first day of a month, MM-01 "
                             f"(e.g. 02-01), not {text!r}")
            return None
        return int(match.group(1)) if match else None

    # -- fields and measures --------------------------------------------------------------

    def read_fields(self, node) -> None:
        if node is None:
            return
        for key_node, value in self.pairs(node, "fields"):
            namespace, _, name = key_node.value.partition(".")
            if namespace not in DECLARABLE_NAMESPACES or not FIELD_NAME.match(name):
                self.error(key_node, f"declare extra columns as deal.NAME, payee.NAME or "
                                     f"param.NAME, and metrics as metric.NAME, not "
                                     f"{key_node.value!r}")
                continue
            describing = namespace == "deal" and name in DESCRIBING
            if name in self.fields[namespace] and not describing:
                self.error(key_node, f"`{key_node.value}` is built in or declared already")
                continue
            type_name = self.scalar(value, key_node.value)
            if type_name is None:
                continue
            if describing:  # a plan from before they were built in declares them so
                if type_name != "String":
                    self.error(value, f"`{key_node.value}` is built in as a String")
                elif ("deal", name, Type.STRING) not in self.declared:
                    self.declared.append(("deal", name, Type.STRING))
                continue
            if type_name not in TYPE_NAMES:
                self.error(value, f"unknown type {type_name!r}: the types are "
                                  f"{', '.join(TYPE_NAMES)}{suggest(type_name, TYPE_NAMES)}")
                continue
            if namespace == "metric" and TYPE_NAMES[type_name] not in METRIC_TYPES:
                self.error(value, f"a metric is Money or Number, not {type_name}")
                continue
            self.fields[namespace][name] = TYPE_NAMES[type_name]
            self.declared.append((namespace, name, TYPE_NAMES[type_name]))

    def read_measures(self, node) -> tuple[Measure, ...]:
        measures = []
        scope = Scope(MEASURE, self.currency, self.fields, where="in a measure")
        for key_node, value in self.pairs(node, "measures") if node is not None else ():
            name = key_node.value
            if not MEASURE_NAME.match(name) or name in RESERVED_NAMES:
                self.error(key_node, f"measure name {name!r} must be lowercase letters, digits "
                                     "and '_', and not a built-in name")
                continue
            title = None
            if isinstance(value, yaml.MappingNode):  # {title: ..., value: EXPR}
                keys = self.mapping(value, ("title", "value"), f"measure `{name}`",
                                    ("value",))
                title = self.title(keys.get("title"))
                value = keys.get("value")
                if value is None:
                    self.measures[name] = MeasureInfo("sum", None)
                    continue
            expression = self.expression(value, scope, (Type.MONEY, Type.NUMBER, Type.INT,
                                                        Type.DATE), f"measure `{name}`")
            if expression is None:
                self.measures[name] = MeasureInfo("sum", None)  # known, so no knock-on errors
                continue
            aggregate = expression.node.function
            self.measures[name] = MeasureInfo(aggregate, expression.type)
            measures.append(Measure(name, expression, aggregate, expression.type,
                                    self.source(key_node), title))
        return tuple(measures)

    # -- components -----------------------------------------------------------------------

    def read_components(self, node) -> tuple[Component, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, "components is a list with at least one component "
                             "(each starting `- id: ...`)")
            return ()
        ids = [self.peek_id(item) for item in node.value]
        windows = [self.peek_key(item, "window") or self.attainment_window
                   for item in node.value]
        components, seen = [], {}
        for index, item in enumerate(node.value):
            same = [i for i, w in zip(ids[:index], windows) if w == windows[index]]
            other = {i: w for i, w in zip(ids[:index], windows) if w != windows[index] and i}
            component = self.read_component(item, tuple(same), tuple(ids[index:]), other)
            if component is None:
                continue
            if component.id in seen:
                self.error(item, f"component id {component.id!r} is used twice (first at line "
                                 f"{seen[component.id].line}); ids must be unique")
                continue
            seen[component.id] = component.source
            components.append(component)
        return tuple(components)

    def peek_id(self, item) -> str | None:
        return self.peek_key(item, "id")

    @staticmethod
    def peek_key(item, wanted: str) -> str | None:
        """A component's scalar key before the component is read (its id, its window)."""
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if key.value == wanted and isinstance(value, yaml.ScalarNode):
                    return value.value
        return None

    def read_component(self, item, earlier: tuple, later: tuple,
                       other_windows: dict[str, str] | None = None) -> Component | None:
        """``earlier``: the components listed before it over the same kind of window, whose
        ``earned.*`` it may read; ``other_windows``: those over another kind, by id."""
        if not isinstance(item, yaml.MappingNode):
            self.error(item, "a component is a mapping with `id:` and `type:`")
            return None
        keys = self.mapping(item, registry.all_keys(), "component", ("id", "type"))
        component_id = self.scalar(keys.get("id"), "id")
        if component_id is not None and (not COMPONENT_ID.match(component_id)
                                         or component_id == "plan_cap"):
            self.error(keys["id"], f"component id {component_id!r} may use only lowercase "
                                   "letters, digits and '-', starts with a letter, and is "
                                   "not `plan_cap`")
        kind = self.choice(keys.get("type"), "type", registry.names(), None)
        if kind is None or component_id is None:
            return None
        component_type = registry.lookup(kind)
        takes = component_type.keys + ("title", "threshold", "cap", "window") + (
            ("payable",) if kind in payable.TYPES else ())
        for key, value in keys.items():
            if key not in takes + ("id", "type"):
                self.error(self.key_nodes[id(value)], f"`{key}` does not apply to {_a(kind)} "
                                                      f"component; it takes {', '.join(takes)}")
        for key in component_type.required:
            if key not in keys:
                self.error(item, f"{_a(kind)} component needs `{key}:`")
        earlier_ids = tuple(i for i in earlier if i)
        later_ids = tuple(i for i in later if i)
        where = f"in component {component_id!r}"
        payee = self.payee_scope(earlier_ids, later_ids, where, other_windows or {})
        deal = Scope(DEAL, self.currency, self.fields, self.measures, where=where)
        common: dict = {"id": component_id, "type": kind, "source": self.source(item)}
        if "title" in keys:
            common["title"] = self.title(keys["title"])
        if "payable" in keys and kind in payable.TYPES:
            common["payable"] = payable.read_payable(self, keys["payable"], deal)
        if "window" in keys:
            common["window"] = self.choice(keys["window"], "window",
                                           CHOICES["attainment_window"], None)
        if "threshold" in keys:
            common["threshold"] = self.expression(keys["threshold"], payee, (Type.BOOL,),
                                                  "the threshold")
        if "cap" in keys:
            common["cap"] = self.expression(keys["cap"], payee, (Type.MONEY,), "a cap")
        body = {key: value for key, value in keys.items() if key in component_type.keys}
        return component_type.read(Body(kind, item, body, payee, deal, self), common)

    def payee_scope(self, earlier: tuple, later: tuple, where: str,
                    other_windows: dict[str, str] | None = None) -> Scope:
        return Scope(PAYEE, self.currency, self.fields, self.measures, earlier, later, where,
                     other_windows or {})

    # -- settlement -----------------------------------------------------------------------

    def read_draw(self, node) -> Draw | None:
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "draw is {amount: 2000 USD, recoverable: true}")
            return None
        keys = self.mapping(node, ("amount", "recoverable"), "draw", ("amount", "recoverable"))
        amount = self.literal(keys["amount"], Type.MONEY, "the draw amount") \
            if "amount" in keys else None
        if amount is not None and amount < 0:
            self.error(keys["amount"], "a draw cannot be negative")
            amount = None
        recoverable = self.choice(keys.get("recoverable"), "recoverable", ("true", "false"),
                                  None)
        if amount is None or recoverable is None:
            return None
        return Draw(to_minor_units(amount, self.currency), recoverable == "true",
                    self.source(node))

    def read_clawback(self, node) -> dict:
        """The clawback rule: ``within_days`` (section 5), or a ``schedule`` or ``share`` of
        the deal taken back (7.5), which alone decides and so excludes the others."""
        found = {"clawback_within_days": None}
        if node is None:
            return found
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "clawback is {within_days: 90}, {schedule: [[0, 100%], "
                             "[365, 50%]]} or {share: EXPR}")
            return found
        keys = self.mapping(node, CLAWBACK_KEYS, "clawback")
        given = [key for key in CLAWBACK_KEYS if key in keys]
        if not given:
            self.error(node, "clawback needs `within_days:`, `schedule:` or `share:`")
        for key in given[1:]:
            self.error(self.key_node(keys[key]), f"the clawback takes one of within_days, "
                                                 f"schedule and share: `{given[0]}` and "
                                                 f"`{key}` cannot both be given")
        if "within_days" in keys:
            found["clawback_within_days"] = self.read_within_days(keys["within_days"])
        if "schedule" in keys:
            found["clawback_schedule"] = self.read_clawback_schedule(keys["schedule"])
        if "share" in keys:
            scope = Scope(DEAL, self.currency, self.fields, where="in the clawback share")
            share = self.expression(keys["share"], scope, (Type.NUMBER,), "the clawback share")
            found["clawback_share"] = share if self.per_deal_only(share) else None
        return found

    def read_within_days(self, node) -> int | None:
        days = self.numeric_scalar(node, "within_days")
        if days is None:
            return None
        within_days = _whole_number(days, MAX_WITHIN_DAYS)
        if within_days is None:
            self.error(node, f"within_days is a whole number of days from 0 to "
                             f"{MAX_WITHIN_DAYS} (100 years), not {days!r}")
        return within_days

    def read_clawback_schedule(self, node) -> tuple | None:
        """[[days, share], ...]: days whole and strictly ascending from 0, shares constant
        Numbers from 0 to 100%."""
        example = "[[0, 100%], [365, 50%], [548, 0%]]"
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"a clawback schedule is a list of [days, share] points, e.g. "
                             f"{example}")
            return None
        points = []
        for point in node.value:
            if not (isinstance(point, yaml.SequenceNode) and len(point.value) == 2):
                self.error(point, "a schedule point is a pair [days, share], e.g. [365, 50%]")
                return None
            days_node, share_node = point.value
            text = self.numeric_scalar(days_node, "a schedule point's days")
            days = _whole_number(text, MAX_WITHIN_DAYS) if text is not None else None
            if text is not None and days is None:
                self.error(days_node, f"a schedule point's days are a whole number from 0 to "
                                      f"{MAX_WITHIN_DAYS}, not {text!r}")
            share = self.literal(share_node, Type.NUMBER, "a schedule point's share")
            if share is not None and not 0 <= share <= 1:
                self.error(share_node, "a share taken back is from 0% to 100%")
                share = None
            if days is None or share is None:
                return None
            if not points and days != 0:
                self.error(days_node, "a clawback schedule starts at 0 days: [0, 100%]")
                return None
            if points and days <= points[-1][0]:
                self.error(days_node, f"schedule days must ascend: {days} does not come "
                                      f"after {points[-1][0]}")
                return None
            points.append((days, share))
        return tuple(points)

    def per_deal_only(self, share: Expression | None) -> bool:
        """A clawback share reads the deal and its credit row alone: it decides what a
        window counts, so it cannot read what a window computes or a payee's values."""
        if share is None:
            return False
        clean = True
        for node in _named(share.node):
            name = nodes.dotted_name(node)
            if not name.startswith(("deal.", "credit.")):
                where = share.source_at(node.span[0])
                self.errors.append(PlanError(self.file, where.line, where.col,
                                             f"the clawback share reads only deal.* and "
                                             f"credit.* names, not `{name}`"))
                clean = False
        return clean

    # -- YAML helpers ---------------------------------------------------------------------

    def mapping(self, node: yaml.MappingNode, allowed, what: str,
                required=()) -> dict[str, yaml.Node]:
        """The mapping's values by key; unknown and repeated keys are errors."""
        found: dict[str, yaml.Node] = {}
        for key_node, value in self.pairs(node, what):
            key = key_node.value
            if key not in allowed:
                self.error(key_node, f"unknown key `{key}` in the {what}"
                                     f"{suggest(key, allowed)}")
                continue
            found[key] = value
            self.key_nodes[id(value)] = key_node
        for key in required:
            if key not in found:
                self.error(node, f"`{key}:` is missing from the {what}")
        return found

    def pairs(self, node: yaml.Node, what: str):
        """(key node, value node) of a mapping, refusing repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of `key: value` lines")
            return
        seen: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, f"the keys of {what} must be plain names")
                continue
            if key_node.value in seen:
                first = seen[key_node.value].start_mark.line + 1
                self.error(key_node, f"`{key_node.value}` appears twice in the {what} (first "
                                     f"on line {first}); keep one")
                continue
            seen[key_node.value] = key_node
            yield key_node, value

    def scalar(self, node, what: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
            self.error(node, f"`{what}` needs a single value")
            return None
        return node.value.strip()

    def numeric_scalar(self, node, what: str) -> str | None:
        """A scalar of numbers or dates; refused at its first digit of another script."""
        text = self.scalar(node, what)
        if text is None:
            return None
        offset = next((i for i, char in enumerate(node.value) if is_foreign_digit(char)), None)
        if offset is None:
            return text
        self.error_at(ScalarPositions(self.lines, node), offset,
                      foreign_digit_message(node.value[offset]))
        return None

    def choice(self, node, what: str, choices, default) -> str | None:
        if node is None:
            return default
        value = self.scalar(node, what)
        if value is not None and value not in choices:
            self.error(node, f"`{what}` is one of {', '.join(choices)}, not {value!r}"
                             f"{suggest(value, choices)}")
            return None
        return value

    def expression(self, node, scope: Scope, expected, what: str) -> Expression | None:
        """Parse and type-check a scalar as an expression; errors point into the file."""
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            shape = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            self.error(node, f"YAML reads {what} as {shape}; put the expression in quotes")
            return None
        if node is None or not isinstance(node, yaml.ScalarNode):
            return None
        positions = ScalarPositions(self.lines, node)
        tree, problems = parse_expression(node.value)
        expr_type = None
        if tree is not None:
            expr_type, problems = check_expecting(tree, scope, expected, what)
        for problem in problems:
            self.error_at(positions, problem.span[0], problem.message)
        if problems or expr_type is None:
            return None
        table = tuple(positions.position(i) for i in range(len(node.value) + 1))
        return Expression(node.value, tree, expr_type, self.source(node), table)

    def literal(self, node, expected: Type, what: str) -> Fraction | None:
        """The exact value of a constant: a number or percent, or money in the plan currency."""
        if isinstance(node, yaml.ScalarNode):
            tree, _ = parse_expression(node.value)
            if tree is not None and _constant(tree) is None:
                example = f"50000 {self.currency}" if expected == Type.MONEY else "100%"
                self.error(node, f"{what} must be written as a constant, such as {example}")
                return None
        scope = Scope(PAYEE, self.currency, {}, where="in a constant")
        expression = self.expression(node, scope, (expected,), what)
        return _constant(expression.node) if expression is not None else None


def _named(node: nodes.Node):
    """The name nodes (``deal.date``, ``bookings``) of an expression, in text order."""
    if isinstance(node, (nodes.Name, nodes.Member)) and nodes.dotted_name(node) is not None:
        yield node
        return
    for child in nodes.children(node):
        yield from _named(child)


def _whole_number(text: str, largest: int) -> int | None:
    """The value of ASCII digits from 0 to ``largest``, else None. The length is checked
    first: int() refuses text of more than 4,300 digits with a ValueError."""
    if not WHOLE_NUMBER.fullmatch(text) or len(text.lstrip("0")) > len(str(largest)):
        return None
    value = int(text)
    return value if value <= largest else None


def _iso_date(text: str) -> datetime.date | None:
    """The date of YYYY-MM-DD text, or None for any other text or an impossible date."""
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _constant(node: nodes.Node) -> Fraction | None:
    if isinstance(node, (nodes.Number, nodes.Percent)):
        return node.value
    if isinstance(node, nodes.Money):
        return node.amount
    if isinstance(node, nodes.Negate):
        inner = _constant(node.operand)
        return -inner if inner is not None else None
    return None
