"""The reading stage's guard: Markdown that would keep the parser busy is refused, located.

Takes a chapter's Markdown (and where it starts in its file); raises a `BookletError` naming
the line when the text holds what makes Python-Markdown or the layout take minutes or
unbounded memory: a paragraph with more than a thousand `[` (Python-Markdown's link
search is quadratic in them: 4,000 take 10 s), raw HTML or quotes nested deeper than any
page can show. Everything else goes through: a 200,000-character word costs well under 1 s.
"""

from __future__ import annotations

import re
from pathlib import Path

from booklet.errors import BookletError

MAX_BRACKETS = 1_000  # `[` in one paragraph
MAX_DEPTH = 100  # nested raw HTML elements, block quotes or list levels
FENCE = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
# Elements that have no end tag, or whose end tag HTML lets an author leave out.
UNCOUNTED = {"br", "hr", "img", "input", "col", "wbr", "meta", "link", "area", "base", "source", "track"}
UNCOUNTED |= {"p", "li", "dt", "dd", "tr", "td", "th", "option", "colgroup", "tbody", "thead", "tfoot"}


def check_markdown(text: str, path: Path, first_line: int) -> None:
    """Raise a located error for the first thing in `text` that would keep the parser busy."""
    lines = text.split("\n")
    prose = _outside_fences(lines)
    for check in (_brackets, _html_depth, _quote_depth):
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


def _brackets(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    count, start = 0, 0
    for index, line in prose:
        if not line.strip():
            count = 0
            continue
        if count == 0:
            start = index
        count += line.count("[")
        if count > MAX_BRACKETS:
            return start, (
                f"more than {MAX_BRACKETS:,} `[` in one paragraph: Markdown would take minutes to read it;"
                " put it in a code block (``` above and below)"
            )
    return None


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
                return index, (
                    f"raw HTML nested more than {MAX_DEPTH} elements deep: no page can show it;"
                    " close the elements (`</div>`) or remove the nesting"
                )
    return None


def _quote_depth(prose: list[tuple[int, str]]) -> tuple[int, str] | None:
    for index, line in prose:
        marks = re.match(r"^(?:[ \t]*>)+", line)
        indent = len(line) - len(line.lstrip(" \t"))
        if (marks and marks.group(0).count(">") > MAX_DEPTH) or indent > 4 * MAX_DEPTH:
            return index, f"block quotes or lists nested more than {MAX_DEPTH} deep: no page can show them"
    return None
