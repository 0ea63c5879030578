"""Expression text to AST: the Lark LALR parser, a Transformer, and friendly syntax errors.

``parse_expression`` never raises on bad input: it returns the AST or the problems, each at a
character offset of the text, with the message a comp admin needs ("use == to compare").
"""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from rules_dsl.money import ISO_4217_CODES, parse_decimal
from rules_dsl import nodes
from rules_dsl.errors import ExprProblem

MAX_EXPRESSION_CHARS = 4096
MAX_DEPTH = 64



def _grammar_cache() -> str | bool:
    """Where Lark keeps its analysis of the grammar between runs: a file in the user's own
    cache folder (made private), which halves every command's start (the LALR tables take
    0.06 s to compute). Lark names the grammar, its options and its own version in the file
    and rebuilds a file that does not match; it ignores one it cannot write. A folder that
    cannot be made means no cache, never an error. Not the shared temporary folder Lark
    would pick by itself: the cache is a pickle, and only the user may write it."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "icm")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return False
    return os.path.join(folder, "expression-grammar.lark-cache")


_PARSER = Lark(
    (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8"),
    parser="lalr",
    propagate_positions=True,
    maybe_placeholders=True,
    cache=_grammar_cache(),
)


_ESCAPE = re.compile(r'\\(["\\nt])')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def _span(meta) -> nodes.Span:
    if getattr(meta, "empty", True):
        return nodes.NO_SPAN
    return (meta.start_pos, meta.end_pos)


def _token_span(token: Token) -> nodes.Span:
    return (token.start_pos, token.end_pos)


@v_args(meta=True)
class _ToAst(Transformer):
    """One method per grammar alias, each building the AST node of nodes.py it stands for
    (several aliases share a class: ``add``/``subtract``/... build ``Arithmetic``)."""

    def number(self, meta, children):
        (token,) = children
        return nodes.Number(parse_decimal(token), "." not in token, span=_token_span(token))

    def percent(self, meta, children):
        (token,) = children
        return nodes.Percent(parse_decimal(token[:-1]) / 100, span=_token_span(token))

    def money(self, meta, children):
        (token,) = children
        digits, currency = token[:-3].strip(), token[-3:]
        return nodes.Money(parse_decimal(digits), currency, digits, span=_token_span(token))

    def string(self, meta, children):
        (token,) = children
        value = _ESCAPE.sub(lambda match: _ESCAPES[match.group(1)], token[1:-1])
        return nodes.String(value, span=_token_span(token))

    def date(self, meta, children):
        (token,) = children
        try:
            value = datetime.date.fromisoformat(str(token))
        except ValueError:
            raise _SyntaxProblem(_token_span(token), f"{token} is not a calendar date") from None
        return nodes.Date(value, span=_token_span(token))

    def true(self, meta, children):
        return nodes.Bool(True, span=_token_span(children[0]))

    def false(self, meta, children):
        return nodes.Bool(False, span=_token_span(children[0]))

    def name(self, meta, children):
        (token,) = children
        return nodes.Name(str(token), span=_token_span(token))

    def member(self, meta, children):
        obj, token = children
        return nodes.Member(obj, str(token), span=(obj.span[0], token.end_pos))

    def call(self, meta, children):
        function, arguments, where = children
        args = tuple(arguments or ())
        return nodes.Call(str(function), args, where, span=_span(meta))

    def arguments(self, meta, children):
        return tuple(children)

    def where(self, meta, children):
        return children[0]

    def list_(self, meta, children):
        opening, arguments, closing = children
        return nodes.ListExpr(tuple(arguments or ()), span=(opening.start_pos, closing.end_pos))

    def negate(self, meta, children):
        return nodes.Negate(children[0], span=_span(meta))

    def not_(self, meta, children):
        return nodes.Not(children[0], span=_span(meta))

    def _arithmetic(op):
        def build(self, meta, children):
            left, right = children
            return nodes.Arithmetic(op, left, right, span=_span(meta))
        return build

    add, subtract = _arithmetic("+"), _arithmetic("-")
    multiply, divide = _arithmetic("*"), _arithmetic("/")

    def compare(self, meta, children):
        left, op, right = children
        return nodes.Compare(str(op), left, right, span=_span(meta))

    def in_(self, meta, children):
        return nodes.In(children[0], children[1], span=_span(meta))

    def not_in(self, meta, children):
        return nodes.In(children[0], children[1], negated=True, span=_span(meta))

    def and_(self, meta, children):
        return nodes.Logical("and", *children, span=_span(meta))

    def or_(self, meta, children):
        return nodes.Logical("or", *children, span=_span(meta))

    def conditional(self, meta, children):
        then, condition, otherwise = children
        return nodes.Conditional(then, condition, otherwise, span=_span(meta))


def is_foreign_digit(char: str) -> bool:
    """A digit of another script (Arabic-Indic ١, full-width １, superscript ²): ``int()``,
    ``str.isdigit()`` and ``\\d`` take them as numbers, so plan values must refuse them."""
    return char.isnumeric() and not char.isascii()


def foreign_digit_message(char: str) -> str:
    return f"{char!r} is not an ASCII digit: write numbers with ASCII digits (0-9)"


class _SyntaxProblem(Exception):
    def __init__(self, span: nodes.Span, message: str):
        super().__init__(message)
        self.problem = ExprProblem(span, message)


_TRANSFORMER = _ToAst()


def parse_expression(text: str) -> tuple[nodes.Node | None, list[ExprProblem]]:
    """The AST of ``text``, or None and the problems that stop it from parsing."""
    if len(text) > MAX_EXPRESSION_CHARS:
        return None, [ExprProblem((0, 0), f"the expression has {len(text)} characters; "
                                          f"at most {MAX_EXPRESSION_CHARS} are allowed")]
    if not text.strip():
        return None, [ExprProblem((0, 0), "an expression is needed here")]
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        return None, [_describe_syntax_error(text, error)]
    deep = _too_deep(tree)
    if deep is not None:
        return None, [ExprProblem(deep, f"the expression nests more than {MAX_DEPTH} deep; "
                                        "split it into measures or components")]
    try:
        return _TRANSFORMER.transform(tree), []
    except VisitError as error:
        if isinstance(error.orig_exc, _SyntaxProblem):
            return None, [error.orig_exc.problem]
        raise


def _too_deep(tree: Tree) -> nodes.Span | None:
    """Span of the first subtree deeper than MAX_DEPTH, found without recursion."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _span(node.meta)
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


_MISTAKES = {
    "=": "use == to compare, not =",
    "&": "use `and`, not &",
    "|": "use `or`, not |",
    "!": "use `not` or !=",
    "'": 'strings are written in double quotes: "new"',
    "$": "write money as a number and a currency code: 50000 USD",
    "€": "write money as a number and a currency code: 50000 EUR",
    "£": "write money as a number and a currency code: 50000 GBP",
}

_EXPECTED_WORDS = {
    "RPAR": "')'", "RSQB": "']'", "COMMA": "','", "LPAR": "'('", "ELSE": "`else`",
    "NAME": "a name", "MEMBER": "a field name after '.'", "NUMBER": "a number",
    "$END": "the end of the expression",
}


def _describe_syntax_error(text: str, error: UnexpectedInput) -> ExprProblem:
    position = getattr(error, "pos_in_stream", None) or 0
    if isinstance(error, UnexpectedCharacters):
        char = text[position]
        if char in _MISTAKES and not text.startswith("==", position):
            message = _MISTAKES[char]
        elif is_foreign_digit(char):
            message = foreign_digit_message(char)
        elif char.isupper():
            message = (f"unexpected {char!r}: names are lowercase; a currency code "
                       "follows a number, as in 50000 USD")
        elif char == '"':
            message = 'a string is not closed: end it with "'
        else:
            message = f"unexpected character {char!r}"
        return ExprProblem((position, position + 1), message)
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = set(error.expected)
        if token.type == "$END":
            unclosed = _unclosed_bracket(text)
            if unclosed is not None:
                return ExprProblem((unclosed, unclosed + 1),
                                   f"this {text[unclosed]!r} is never closed")
            return ExprProblem((len(text), len(text)),
                               f"the expression ends too early; expected {_words(expected)}")
        span = (token.start_pos, token.start_pos + len(token))
        if str(token).upper() in ISO_4217_CODES and str(token) != str(token).upper():
            return ExprProblem(span, f"currency codes are upper case: {str(token).upper()}")
        if token.type == "MEMBER" and not str(token).islower():
            return ExprProblem(span, f"unexpected {str(token)!r}: names are lowercase, as in "
                                     "deal.amount; a currency code follows a number, as in "
                                     "50000 USD")
        if token.type == "COMPARE_OP" and "COMPARE_OP" not in expected:
            return ExprProblem(span, "comparisons cannot be chained: write "
                                     "`a < b and b < c`")
        after_value = bool(expected & {"PLUS", "STAR", "SLASH", "COMPARE_OP"})
        if after_value and token.type in _EXPRESSION_STARTS | {"MEMBER"}:
            return ExprProblem(span, f"unexpected {str(token)!r} after a complete value; "
                                     "is an operator such as `and`, `+` or `,` missing?")
        return ExprProblem(span, f"unexpected {str(token)!r}; expected {_words(expected)}")
    return ExprProblem((position, position + 1), str(error).splitlines()[0])


def _unclosed_bracket(text: str) -> int | None:
    """Offset of the innermost bracket left open at the end of the text, outside strings."""
    opened: list[int] = []
    in_string = False
    for offset, char in enumerate(text):
        if in_string:
            in_string = char != '"' or text[offset - 1] == "\\"
        elif char == '"':
            in_string = True
        elif char in "([":
            opened.append(offset)
        elif char in ")]" and opened:
            opened.pop()
    return opened[-1] if opened else None


_EXPRESSION_STARTS = {"NAME", "NUMBER", "MONEY", "PERCENT", "STRING", "DATE", "LPAR", "LSQB",
                      "TRUE", "FALSE"}


def _words(expected: set[str]) -> str:
    if expected & (_EXPRESSION_STARTS - {"LPAR"}):
        return "an expression"
    named = sorted(_EXPECTED_WORDS.get(name, f"`{name.lower()}`") for name in expected
                   if name in _EXPECTED_WORDS or name.isalpha())
    return " or ".join(named[:4]) if named else "an operator"
