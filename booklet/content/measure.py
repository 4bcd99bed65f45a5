"""The reading stage's measure of the text before it is laid out: what the PDF's layout cannot do in time.

Takes the chapters' parsed trees (`markdown.Converted`) and the limits in `Metadata`; returns
located errors. WeasyPrint 70 lays a booklet out in time about proportional to its text,
except for two kinds of input, measured in bench/hostile.md:

- a long run of characters with no place to break a line (a "word" of 200,000 letters, a
  base64 blob): for each line it cuts inside such a run, WeasyPrint lays out the whole rest
  of the block again (it tries a short piece first, but gives up on it when the piece holds
  no break), so the block costs its unbroken characters times its length: one word of 5,000
  characters 0.9 CPU s, of 20,000 15 s, of 200,000 past three minutes; forty words of 1,000
  in one paragraph 42 s, in forty paragraphs 1.4 s. Runs are counted in the text as printed
  (tags gone; blocks, cells and code lines apart: print sets each code line as a block); a
  space, a zero-width space or a CJK character ends one. A block may hold `max_word_length`
  squared of the two multiplied: one word that long, or several shorter ones.
- many blocks of little text: each paragraph, list item or code line is a box of its own, and
  each page holds all its boxes in memory (40,000 one-letter list items: 1,100 pages, 117 CPU s
  and 2 GB from 160 KB). The pages are estimated from the text (lines of each block at the
  page's measure, as `pdf.chapters_running_on` does) and held to a budget that grows with the
  Markdown's size, PAGE_ALLOWANCE + PAGES_PER_KB a kilobyte, far above what real prose prints.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from itertools import chain

from lxml import etree
from lxml import html as lxml_html

from booklet.content.markdown import Converted, line_of
from booklet.errors import BookletError
from booklet.model import PAGE_GEOMETRY, Metadata

PAGE_ALLOWANCE, PAGES_PER_KB = 300, 3  # the page budget (`max_pages` in booklet.yml replaces it)
KB = 1024
RUN_FLOOR = 50  # a run longer than this holds up WeasyPrint's line breaking (see `long_word`)
# What ends a run: a breaking space (not U+00A0, U+2007, U+202F, which hold their neighbours
# together), a zero-width space, and the CJK characters a line may break around (UAX #14 ID).
_BREAK = "\t\n\r\f\v \u1680\u2000-\u2006\u2008-\u200b\u205f\u3000\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
# A run longer than RUN_FLOOR, matched from its start only (the look-behind): linear, however many short runs.
_LONG_RUN = re.compile(f"(?<![^{_BREAK}])[^{_BREAK}]{{{RUN_FLOOR + 1},}}")
_WIDE = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")
# Inline elements: their text runs on with their neighbours'; every other element stands apart.
INLINE = {"a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "rp", "rt", "ruby"}
INLINE |= {"s", "small", "span", "strike", "strong", "sub", "sup", "u"}
SPACE = {"li": 0.1, "dt": 0.1, "dd": 0.1, "tr": 1.2}  # lines between blocks, 0.6 for the others (a row: one)
CELLS = {"td", "th"}  # a table row's cells share its lines
NOUNS = {"p": "paragraph", "li": "list item", "pre": "code line", "td": "table cell", "th": "table cell"}
NOUNS |= {f"h{level}": "heading" for level in range(1, 7)}
FIGURE_LINES = 8  # an image: about a quarter of a page
NOTE_SIZE = 0.75  # a note's lines at the page foot, in lines of the text


def long_word(chapter: Converted, limit: int) -> BookletError | None:
    """The first block (paragraph, list item, code line…) whose unbreakable text, times its length,
    passes `limit` squared: a lone word of more than `limit` characters, or many long ones."""
    trees = (chapter.tree, *chapter.definitions.values())
    for tag, text in chain([("h1", chapter.draft.title)], *(_blocks(tree) for tree in trees)):
        for row in text.split("\n") if tag == "pre" else (text,):
            found = _unbreakable(row, NOUNS.get(tag, "block"), limit)
            if found is not None:
                message, token = found
                return BookletError(chapter.draft.source, line_of(chapter.draft, token), message)
    return None


def long_title(metadata: Metadata) -> BookletError | None:
    """The booklet's title or subtitle, measured as a chapter's block is (the title page prints it)."""
    for text in (metadata.title, metadata.subtitle or ""):
        found = _unbreakable(text, "title", metadata.max_word_length)
        if found is not None:
            return BookletError(metadata.source, None, found[0])
    return None


def _unbreakable(row: str, noun: str, limit: int) -> tuple[str, str] | None:
    """The message and where to find it (the longest run's start), when `row` passes the limit."""
    runs = _LONG_RUN.findall(row)
    unbroken = sum(map(len, runs))
    if unbroken * len(row) <= limit * limit:
        return None
    longest = max(runs, key=len)
    if len(longest) > limit:
        what = f"a word of {len(longest):,} characters with no space or other place to break a line: past {limit:,},"
    else:
        what = (
            f"a {noun} of {len(row):,} characters, {unbroken:,} of them in words of over {RUN_FLOOR} characters"
            f" that no line can break: the two multiplied pass {limit:,} squared, and"
        )
    message = (
        f"{what} laying it out would take minutes; break the words with spaces,"
        " or raise `max_word_length` in booklet.yml"
    )
    return message, longest[:60]


def over_page_budget(chapters: Sequence[Converted], metadata: Metadata) -> BookletError | None:
    """The chapter with the most pages, when the booklet would print as more pages than its budget."""
    if not chapters:
        return None
    pages = [estimate_pages(chapter, metadata) for chapter in chapters]
    size = sum(len(chapter.draft.body.encode("utf-8")) for chapter in chapters)
    budget = metadata.max_pages or PAGE_ALLOWANCE + PAGES_PER_KB * size // KB
    if sum(pages) <= budget:
        return None
    widest = max(range(len(chapters)), key=lambda index: pages[index])
    rule = "`max_pages`" if metadata.max_pages else f"{PAGE_ALLOWANCE} + {PAGES_PER_KB} a KB"
    return BookletError(
        chapters[widest].draft.source,
        chapters[widest].draft.body_line,
        f"the booklet would print as about {sum(pages):,.0f} pages from {size / KB:,.0f} KB of Markdown"
        f" (this chapter {pages[widest]:,.0f}): past {budget:,} ({rule}), laying them out would take"
        " minutes and gigabytes; join short paragraphs or list items, or raise `max_pages` in booklet.yml",
    )


def estimate_pages(chapter: Converted, metadata: Metadata) -> float:
    """About how many pages a chapter prints as: its title (three lines), the lines of its blocks
    and notes, and, when it opens a page (`chapter_start`), half a page left blank before it on
    average (a whole one more for `right`); a short chapter runs on under `auto`."""
    width, height, size = PAGE_GEOMETRY[metadata.page_size]
    ems, lines_a_page = width * 0.75 / size, height * 0.8 / (1.75 * size)
    notes = sum(_lines(tree, ems) for tree in chapter.definitions.values())
    lines = 3 + sum(_lines(block, ems) for block in chapter.tree) + NOTE_SIZE * notes  # not its wrapper
    pages = lines / lines_a_page
    start = metadata.chapter_start
    opens = start in ("page", "right") or (start == "auto" and pages >= 0.5)
    return pages + (0.5 if opens else 0) + (1 if start == "right" else 0)


def _lines(tree: lxml_html.HtmlElement, ems: float) -> float:
    """Lines of each block (its own text, at half an em a Latin letter, one em a CJK one) and the
    space between blocks; a code block's lines each; a table row's cells share its lines; an
    image a quarter page."""
    lines = 0.0
    for tag, text in _blocks(tree):
        wide = len(text) - len(_WIDE.sub("", text))  # counted without a list of 17 million matches
        width = (wide + 0.5 * (len(text) - wide)) / ems
        if tag == "pre":
            lines += sum(max(0.8, 0.8 * math.ceil(0.6 * len(row) / ems)) for row in text.split("\n")) + 1
        elif tag == "img":
            lines += FIGURE_LINES
        elif tag in CELLS:
            lines += width
        elif text.strip():
            lines += math.ceil(width) + SPACE.get(tag, 0.6)
        else:
            lines += SPACE.get(tag, 0.3)
    return lines


def _blocks(tree: lxml_html.HtmlElement) -> Iterator[tuple[str, str]]:
    """Each block element's tag and own text, in the order they end: the text of its inline
    elements runs on with its own; every other element (a nested list, a cell) is a block apart."""
    pieces: list[list[str]] = [[]]  # each open block's text, in pieces (joined once: no quadratic +=)
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):  # a comment: only its tail is text
            pieces[-1].append(element.tail or "" if event == "end" else "")
        elif tag in INLINE:
            pieces[-1].append((element.text or "") if event == "start" else (element.tail or ""))
        elif event == "start":
            pieces.append([element.text or ""])
        else:
            yield tag, "".join(pieces.pop())
            pieces[-1].append(element.tail or "")
