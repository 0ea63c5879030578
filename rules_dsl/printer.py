"""AST back to expression text, so a checked expression can be shown in explanations.

Every compound operand is parenthesised: the output is not pretty, but it parses back to the
same AST, which the round-trip property test holds it to.
"""
from __future__ import annotations

from rules_dsl.money import decimal_text
from rules_dsl import nodes

_ATOMS = (nodes.Number, nodes.Percent, nodes.Money, nodes.String, nodes.Date, nodes.Bool,
          nodes.Name, nodes.Member, nodes.Call, nodes.ListExpr)


def to_text(node: nodes.Node) -> str:
    if isinstance(node, nodes.Number):
        text = decimal_text(node.value)
        return text if node.is_whole_literal or "." in text else f"{text}.0"
    if isinstance(node, nodes.Percent):
        return f"{decimal_text(node.value * 100)}%"
    if isinstance(node, nodes.Money):
        return f"{decimal_text(node.amount)} {node.currency}"
    if isinstance(node, nodes.String):
        escaped = node.value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'
    if isinstance(node, nodes.Date):
        return node.value.isoformat()
    if isinstance(node, nodes.Bool):
        return "true" if node.value else "false"
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Member):
        return f"{_operand(node.obj)}.{node.name}"
    if isinstance(node, nodes.Call):
        args = ", ".join(to_text(arg) for arg in node.args)
        where = f"{' ' if args else ''}where {to_text(node.where)}" if node.where else ""
        return f"{node.function}({args}{where})"
    if isinstance(node, nodes.ListExpr):
        return "[" + ", ".join(to_text(item) for item in node.items) + "]"
    if isinstance(node, nodes.Negate):
        return f"-{_operand(node.operand)}"
    if isinstance(node, nodes.Not):
        return f"not {_operand(node.operand)}"
    if isinstance(node, (nodes.Arithmetic, nodes.Compare, nodes.Logical)):
        return f"{_operand(node.left)} {node.op} {_operand(node.right)}"
    if isinstance(node, nodes.In):
        op = "not in" if node.negated else "in"
        return f"{_operand(node.item)} {op} {_operand(node.container)}"
    if isinstance(node, nodes.Conditional):
        parts = (node.then, node.condition, node.otherwise)
        then, condition, otherwise = (_operand(part) for part in parts)
        return f"{then} if {condition} else {otherwise}"
    raise TypeError(f"no text for {type(node).__name__}")


def _operand(node: nodes.Node) -> str:
    text = to_text(node)
    return text if isinstance(node, _ATOMS) else f"({text})"
