"""YAML read as nodes that remember where they stand, so errors point into the file.

The loader never constructs Python values from YAML: it walks the composed node tree and reads
every scalar as its source text (so ``0.1`` is never a float). ``ScalarPositions`` maps a
character of a scalar's value back to its line and column in the file, through quotes, escapes
and folded lines, which is how an expression's error lands under the right character.
"""
from __future__ import annotations

import bisect
import re

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
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, anywhere
        line, col = SourceLines(text).position(min(error.position, len(text)))
        raise YamlSyntaxError(line, col, f"YAML: the character U+{error.character:04X} cannot "
                                         "stand in a YAML file; delete it") from None
    except yaml.YAMLError as error:
        first_line = str(error).partition("\n")[0]
        raise YamlSyntaxError(1, 1, f"YAML: {first_line}") from None
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
    """Where each character of a scalar's value stands in the file.

    Characters are lined up only as far as a caller asks: an expression too long to parse is
    reported at its first character, and lining up a long scalar of escapes up to its end,
    each character searched for to the scalar's end, took seconds per thousand characters.
    """

    def __init__(self, lines: SourceLines, node: yaml.ScalarNode):
        self.lines, self.node = lines, node
        self.indexes: list[int] = []  # source index of each value character lined up so far
        self.cursor = _first_value_index(lines.text, node)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.node.value)))
        while len(self.indexes) <= offset:
            self._align_next()
        return self.lines.position(self.indexes[offset])

    def _align_next(self) -> None:
        """Line up the next value character (or the end, one past the last), greedily.

        Quotes, doubled quotes, escape backslashes, block indentation and folded line breaks
        are source characters with no value character of their own, so skipping forward to the
        next equal character (any white space for a folded space) lines the two up.
        """
        start, end = self.node.start_mark.index, self.node.end_mark.index
        done = len(self.indexes)
        if done == len(self.node.value):
            self.indexes.append(min(self.cursor, max(end, start)))
            return
        found = _find(self.lines.text, self.node.value[done], self.cursor, end)
        if found < 0:
            found = self.cursor
        self.indexes.append(found)
        self.cursor = found + 1


def _first_value_index(text: str, node: yaml.ScalarNode) -> int:
    """Where the value's characters may start: after a quote, or on a block's second line."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        return start + 1
    if node.style in ("|", ">"):
        newline = text.find("\n", start, end)
        return newline + 1 if newline >= 0 else start
    return start


_FOLDED_SPACE = re.compile("[ \t\r\n]")


def _find(text: str, value_char: str, start: int, end: int) -> int:
    """The next source index from ``start`` that shows ``value_char``, or -1."""
    if value_char == " ":
        match = _FOLDED_SPACE.search(text, start, end)
        return match.start() if match else -1
    return text.find(value_char, start, end)
