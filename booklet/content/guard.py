"""The reading stage's guard: Markdown that would keep the parser busy is refused, located.

Takes a chapter's Markdown (and where it starts in its file); raises a `BookletError` naming
the line when the text holds what makes Python-Markdown or the layout take minutes or
unbounded memory: a paragraph with more than a thousand `[` (Python-Markdown's link
search is quadratic in them: 4,000 take 10 s) or more than ten thousand inline marks (its
inline pass rebuilds the paragraph's text at each one: 250,000 `*a*` ran past five minutes);
lists, quotes or raw HTML nested deeper than any page can show — the same limit and message
as the check of the parsed tree, given here before the parser spends seconds on them.
Everything else goes through: a 200,000-character word costs well under 1 s.
"""

from __future__ import annotations

import re
from pathlib import Path

from booklet.errors import BookletError

MAX_BRACKETS = 1_000  # `[` in one paragraph
MAX_MARKS = 10_000  # inline marks in one paragraph: emphasis, code, links, HTML, entities, escapes
# Python-Markdown and the writers spend about 80 µs on each block: past MAX_BLOCKS, a chapter
# must give each one at least BLOCK_BYTES of text on average to stay within 10 s a megabyte.
MAX_BLOCKS, BLOCK_BYTES = 100_000, 10
MAX_DEPTH = 100  # elements nested: a list level is two (`ul`, `li`), a quote or an HTML element one
NESTED = f"lists, quotes or raw HTML nested more than {MAX_DEPTH} levels deep: no page can show them; flatten the nesting"
MARK_CHARACTERS = re.compile(r"[*_`<&\\~^!@]|://|www\.|  $", re.MULTILINE)
# Quote marks and list markers opening a line, and what follows them (a line of markers only is a rule).
PREFIX = re.compile(r"^((?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t])))+)[ \t]*(.?)")
DELIMITER_ROW = re.compile(
    r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$"
)  # a table's `|---|:-:|`
LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t])")
FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
# Elements that have no end tag, or whose end tag HTML lets an author leave out.
UNCOUNTED = {"br", "hr", "img", "input", "col", "wbr", "meta", "link", "area", "base", "source", "track"}
UNCOUNTED |= {"p", "li", "dt", "dd", "tr", "td", "th", "option", "colgroup", "tbody", "thead", "tfoot"}


def check_markdown(text: str, path: Path, first_line: int) -> None:
    """Raise a located error for the first thing in `text` that would keep the parser busy."""
    lines = text.split("\n")
    prose = _outside_fences(lines)
    for check in (_html_depth, _prefix_depth, _paragraph_marks, _block_density):
        found = check(prose)
        if found is not None:
            index, message = found
            raise BookletError(path, first_line + index, message)


def _outside_fences(lines: list[str]) -> list[tuple[int, str]]:
    result, fence = [], ""
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if match and (not fence or (match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence))):
            fence = "" if fence else match.group(1)
        elif not fence:
            result.append((index, line))
    return result


def _paragraph_marks(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    """`[` and inline marks in one piece of inline text: a paragraph, a list item, a heading or a
    table row (Python-Markdown reads each apart: a long list or table is not one paragraph; but a
    list that does not start its block is text of the paragraph, as Python-Markdown reads it)."""
    brackets = marks = 0
    start: int | None = None
    block: int | None = None
    kind = ""
    for index, line in prose:
        if not line.strip():
            brackets, marks, start, block = 0, 0, None, None
            continue
        if block is None:
            block, kind = index, ("list" if _list_item(line) else "paragraph")
        elif kind == "paragraph" and index == block + 1 and DELIMITER_ROW.match(line):
            kind = "table"
        if start is None or kind == "table" or (kind == "list" and _list_item(line)) or _heading(line):
            brackets, marks, start = 0, 0, index
        brackets += line.count("[")
        marks += line.count("[") + len(MARK_CHARACTERS.findall(line))
        if brackets > MAX_BRACKETS:
            return start, (
                f"more than {MAX_BRACKETS:,} `[` in one paragraph: Markdown would take minutes to read it;"
                " put it in a code block (``` above and below)"
            )
        if marks > MAX_MARKS:
            return start, (
                f"more than {MAX_MARKS:,} inline marks (`*`, `_`, `` ` ``, `<`, `&`, `\\`…) in one paragraph:"
                " Markdown would take minutes to read it; split the paragraph with blank lines"
            )
    return None


def _list_item(line: str) -> bool:
    prefix = PREFIX.match(line)
    return bool(prefix and LIST_MARKER.search(line, 0, prefix.end(1) + 1))


def _heading(line: str) -> bool:
    return line.lstrip(" >").startswith("#")


def _html_depth(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    depth = 0
    for index, line in prose:
        if "<" not in line:
            continue
        for closing, tag, self_closing in TAG.findall(line):
            if tag.lower() in UNCOUNTED or self_closing:
                continue
            depth = max(0, depth - 1) if closing else depth + 1
            if depth > MAX_DEPTH:
                return index, NESTED
    return None


def _prefix_depth(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    """Quotes and list levels opened at the start of one line, or indented past any list."""
    for index, line in prose:
        indent = len(line) - len(line.lstrip(" \t"))
        prefix = PREFIX.match(line)
        depth = 0
        if prefix and prefix.group(2) not in ("", "-", "*", "_"):
            depth = prefix.group(1).count(">") + 2 * len(LIST_MARKER.findall(line, 0, prefix.end(1) + 1))
        if depth > MAX_DEPTH or indent > 4 * MAX_DEPTH:
            return index, NESTED
    return None


def _block_density(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    """Paragraphs, list items, headings and table rows: past a hundred thousand, one at least every
    ten bytes on average; located where the count passes the limit."""
    blocks, size, after_blank, past = 0, 0, True, 0
    for index, line in prose:
        size += len(line) + 1
        stripped = line.lstrip(" \t>")
        if not stripped:
            after_blank = True
            continue
        prefix = PREFIX.match(line)
        markers = len(LIST_MARKER.findall(line, 0, prefix.end(1) + 1)) if prefix else 0
        blocks += max(markers, after_blank or stripped[0] in "#|")
        after_blank = False
        past = past or (index if blocks > MAX_BLOCKS else 0)
    if blocks > MAX_BLOCKS and blocks * BLOCK_BYTES > size:
        return past, (
            f"{blocks:,} paragraphs, list items and headings, one every {size / blocks:.0f} bytes:"
            f" past {MAX_BLOCKS:,}, Markdown needs at least {BLOCK_BYTES} bytes for each to read them in time;"
            " split the chapter"
        )
    return None
