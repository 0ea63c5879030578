"""YAML read as nodes that remember where they stand, so errors point into the file.

The loader never constructs Python values from YAML: it walks the composed node tree and reads
every scalar as its source text (so ``0.1`` is never a float). ``ScalarPositions`` maps a
character of a scalar's value back to its line and column in the file, through quotes, escapes
and folded lines, which is how an expression's error lands under the right character.
"""
from __future__ import annotations

import bisect

import yaml

from rules_dsl.errors import LINE_BREAK


class YamlSyntaxError(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def compose(text: str) -> yaml.Node | None:
    """The document's node tree; raises YamlSyntaxError with a 1-based position."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "YAML syntax error"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(line, col, f"YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(1, 1, f"YAML: {error}") from None
    except RecursionError:
        raise YamlSyntaxError(1, 1, "YAML: the document nests too deeply") from None


class SourceLines:
    """Character index in the file to 1-based (line, column)."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]

    def position(self, index: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, index) - 1
        return row + 1, index - self.starts[row] + 1

    def of_node(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1


class ScalarPositions:
    """Where each character of a scalar's value stands in the file."""

    def __init__(self, lines: SourceLines, node: yaml.ScalarNode):
        self.lines = lines
        self.indexes = _align(lines.text, node)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.indexes) - 1))
        return self.lines.position(self.indexes[offset])


def _align(text: str, node: yaml.ScalarNode) -> list[int]:
    """Source index of each value character (and one past the last), matched greedily.

    Quotes, doubled quotes, escape backslashes, block indentation and folded line breaks are
    source characters with no value character of their own, so skipping forward to the next
    equal character (any white space for a folded space) lines the two up.
    """
    start, end = node.start_mark.index, node.end_mark.index
    cursor = start
    if node.style in ("'", '"'):
        cursor += 1
    elif node.style in ("|", ">"):
        newline = text.find("\n", start, end)
        cursor = newline + 1 if newline >= 0 else start
    indexes = []
    for char in node.value:
        found = cursor
        while found < end and not _same(char, text[found]):
            found += 1
        if found >= end:
            found = cursor
        indexes.append(found)
        cursor = found + 1
    indexes.append(min(cursor, max(end, start)))
    return indexes


def _same(value_char: str, source_char: str) -> bool:
    if value_char == " ":
        return source_char in " \t\r\n"
    return value_char == source_char
