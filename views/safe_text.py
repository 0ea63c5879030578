"""User text made safe for each place the product prints it.

Names, ids, reasons and deal fields come from CSV files anyone may have edited. Whatever the
place, they go onto one line first (``one_line``): a terminal escape sequence is removed (an
OSC sequence retitles the window, a CSI one recolours or clears the screen), every other
control character becomes a space (a carriage return would start a Markdown heading or a new
terminal line), and a bidi control is shown as ``<U+202E>`` (an override reverses the text
after it, so ``100`` could read ``001``). Then each place gets its own escaping:
``terminal_safe``, ``markdown_safe``, ``csv_text_cell`` and ``json_text``; HTML is escaped by
Jinja2, after the templates' finalize hook has applied ``one_line``.
"""
from __future__ import annotations

import functools
import json
import re

ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing the screen
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC...
    r"|\x1b[ -/]*[0-~]")  # the other escapes: a character or two after ESC
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, line separators
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, overrides, isolates
BIDI_CONTROL = re.compile(f"[{BIDI}]")
JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI}]")  # what json.dumps leaves raw
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~])")
MARKDOWN_MARKS = frozenset("\\`*_[]<>|~")  # what MARKDOWN_PUNCTUATION escapes
MARKDOWN_BLOCK_MARK = re.compile(r"^([#+=-])")  # a heading, a list item, a rule (> is escaped)
MARKDOWN_LIST_NUMBER = re.compile(r"^(\d+)([.)])")
FORMULA_START = ("=", "+", "-", "@")


def one_line(text) -> str:
    """``text`` on one line: escape sequences removed, other controls a space, bidi controls
    shown as ``<U+XXXX>``."""
    text = str(text)
    if text.isascii() and text.isprintable():  # the usual text: no control, escape or bidi
        return text
    text = CONTROL.sub(" ", ESCAPE_SEQUENCE.sub("", text))
    return BIDI_CONTROL.sub(lambda found: f"<U+{ord(found.group()):04X}>", text)


def terminal_safe(text) -> str:
    """User text a terminal prints as it reads: nothing in it can retitle the window,
    recolour, move the cursor, start a line or reverse what follows."""
    return one_line(text)


def markdown_safe(text) -> str:
    """User text inside a Markdown table cell, heading or list item: one line, no markup,
    no HTML, no cell break, nothing that could start a block."""
    text = one_line(text).strip()
    if MARKDOWN_MARKS.isdisjoint(text) and not (text[:1] in "#+=-" or (
            text[:1].isdigit() and MARKDOWN_LIST_NUMBER.match(text))):
        return text  # the usual text: nothing to escape
    return _markdown_escaped(text)


@functools.lru_cache(maxsize=1024)  # a statement repeats its component names line after line
def _markdown_escaped(text: str) -> str:
    text = MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return MARKDOWN_BLOCK_MARK.sub(r"\\\1", MARKDOWN_LIST_NUMBER.sub(r"\1\\\2", text))


def csv_text_cell(text) -> str:
    """A text cell (an id, a name, a currency) of a CSV file a spreadsheet may open: one
    line, and a leading single quote when it starts like a formula (OWASP's CSV injection
    advice; a tab or carriage return start is folded to a space first, then checked after
    it). Amount cells are numbers and are written as they are."""
    text = one_line(text)
    return f"'{text}" if text.lstrip(" ").startswith(FORMULA_START) else text


def json_text(document) -> str:
    """Indented JSON whose strings carry every C1 control, line separator and bidi control
    as a ``\\u`` escape (JSON escapes C0 itself): the same data, safe on a terminal."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return JSON_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
