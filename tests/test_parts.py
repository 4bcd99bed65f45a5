"""The layout in parts (booklet/pdf/parts.py) gives the pages of one layout; the preview keeps them.

A generated booklet of 20 chapters (bench/generate.py: real prose, two notes a chapter) set
to start each chapter on a right page, with two chapters cut short so that they run on under
the one before: blank pages, run-on chapters, the contents' numbers and the running heads all
cross parts. It is laid out whole and in parts, and the two PDFs must agree in everything a
reader or a tool sees: the page count, each page's text (the numbers printed included), the
`pages` map, the links and their targets, the outline, and the PDF/UA structure tree (each
element's type, page and marked content, in order). 20 chapters, not the issue's 100: two
layouts of 100 take minutes on this shared machine, and each chapter is the same kind of part
(bench/warm.py lays out 100 in parts; the comparison there is by hand, see the report).

Then the preview's case, on the Kamailio booklet with `chapter_start: page` (a part per
chapter): an edit lays out only the edited part, or the parts after it too when its page
count changes; either way the pages equal a whole layout of the edited booklet.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pymupdf
import pytest

from bench.generate import generate
from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.errors import Diagnostics
from booklet.model import PrintedPdf, Request
from booklet.pdf import PartCache, write_pdf
from booklet.pdf.parts import parts_allowed

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
BUILT_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CHAPTERS = 20


def laid_out(source: Path, kept: PartCache | None) -> PrintedPdf:
    booklet = load_booklet(source, Diagnostics(), None, Request(BUILT_AT, laid_out=True))
    return write_pdf(booklet, read_assets(booklet), BUILT_AT, parts=kept)


@dataclass(frozen=True)
class Seen:
    """What a reader or a tool sees in a PDF, in a form two PDFs can be compared in."""

    texts: list[str]
    links: list[list[tuple[Any, ...]]]
    outline: list[list[Any]]
    structure: list[Any]


def seen(data: bytes) -> Seen:
    with pymupdf.open(stream=data, filetype="pdf") as document:
        texts = [page.get_text() for page in document]
        links = [[_link(link) for link in page.get_links()] for page in document]
        outline = document.get_toc(simple=False)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
        structure = _element(pdf.Root.StructTreeRoot, pages)
    return Seen(texts, links, [[level, title, page] for level, title, page, _ in outline], structure)


def _link(link: dict[str, Any]) -> tuple[Any, ...]:
    rect = tuple(round(value, 1) for value in link["from"])
    return (link["kind"], link.get("page"), link.get("uri"), rect)


def _element(node: Any, pages: dict[tuple[int, int], int]) -> Any:
    """A structure element as (type, page, kids); marked content as its MCID, annotations as OBJR."""
    if isinstance(node, int):
        return node
    if not isinstance(node, pikepdf.Dictionary):
        return repr(node)
    if node.get("/Type") == "/OBJR":
        return ("OBJR", pages.get(node.Pg.objgen))
    kids = node.get("/K")
    kids = [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    page = pages.get(node.Pg.objgen) if "/Pg" in node else None
    return (str(node.get("/S")), page, [_element(kid, pages) for kid in kids])


@pytest.fixture(scope="module")
def long_booklet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated chapters, each opening on a right-hand page."""
    source = generate(tmp_path_factory.mktemp("parts") / "long", CHAPTERS)
    with (source / "booklet.yml").open("a", encoding="utf-8") as settings:
        settings.write("chapter_start: right\n")
    return source


def assert_same_pages(whole: PrintedPdf, parts: PrintedPdf) -> Seen:
    """The two layouts agree in everything compared; returns what the whole one shows."""
    assert parts.warnings == whole.warnings == ()
    assert parts.pages == whole.pages
    one, other = seen(whole.data), seen(parts.data)
    assert len(other.texts) == len(one.texts)
    for number, (expected, found) in enumerate(zip(one.texts, other.texts, strict=True), start=1):
        assert found == expected, f"page {number}"
    assert other.links == one.links
    assert other.outline == one.outline
    assert other.structure == one.structure
    return one


def test_a_long_booklet_in_parts_has_the_pages_of_one_layout(long_booklet: Path) -> None:
    whole = laid_out(long_booklet, None)
    kept = PartCache()
    one = assert_same_pages(whole, laid_out(long_booklet, kept))
    assert kept.laid_out >= CHAPTERS + 4  # in parts indeed: cover, title, contents, each chapter, colophon
    assert len(one.texts) > 4 * CHAPTERS
    blanks = [number for number, text in enumerate(one.texts, start=1) if not text.strip()]
    assert blanks[:2] == [1, 2]  # the cover (an image), the blank page before the title page
    assert len(blanks) > 5 and all(number % 2 == 0 for number in blanks[1:])  # left, before right-hand starts
    printed = [n for n, text in enumerate(one.texts, start=1) if str(n) in text.splitlines()]
    assert printed == [n for n, text in enumerate(one.texts[:-1], start=1) if n > 4 and text.strip()]
    assert sum(len(links) for links in one.links) > 4 * CHAPTERS  # contents, note calls, back-links
    assert len(one.outline) == 3 * CHAPTERS  # each chapter and its two sections


def test_run_on_chapters_in_parts_have_the_pages_of_one_layout() -> None:
    """Kamailio: short chapters run on under the one before (`chapter_start: auto`)."""
    kept = PartCache()
    assert_same_pages(laid_out(KAMAILIO, None), laid_out(KAMAILIO, kept))
    assert kept.laid_out == 6  # cover, title page, contents (twice: its numbers), the chapters, colophon


@pytest.fixture
def a_part_per_chapter(tmp_path: Path) -> Path:
    source = tmp_path / "kamailio"
    shutil.copytree(KAMAILIO, source)
    with (source / "booklet.yml").open("a", encoding="utf-8") as settings:
        settings.write("chapter_start: page\n")
    return source


def test_an_edit_lays_out_only_its_part_again(a_part_per_chapter: Path) -> None:
    source, kept = a_part_per_chapter, PartCache()
    laid_out(source, kept)
    chapter = source / "05-chapter-5.md"  # ch06
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("。", "，又。", 1), encoding="utf-8")
    edited = laid_out(source, kept)
    assert kept.laid_out == 1
    assert_same_pages(laid_out(source, None), edited)


def test_an_edit_that_adds_a_page_lays_out_the_parts_after_it_again(a_part_per_chapter: Path) -> None:
    source, kept = a_part_per_chapter, PartCache()
    before = laid_out(source, kept)
    chapter = source / "05-chapter-5.md"  # ch06: one paragraph
    paragraph = chapter.read_text(encoding="utf-8").split("\n\n")[1]
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{paragraph}\n" * 8, encoding="utf-8")
    edited = laid_out(source, kept)
    assert edited.pages["ch07"] > before.pages["ch07"]
    assert kept.laid_out == 1 + 8 + 1 + 1  # the chapter, the eight after it, the colophon, the contents
    assert_same_pages(laid_out(source, None), edited)


@pytest.mark.parametrize(
    ("style", "allowed"),
    [
        ("", True),
        (
            "@page :left { margin-left: 2cm; } p { word-break: keep-all; } h1:first-child { color: red; }",
            True,
        ),
        (".chapter { break-before: left; }", False),
        ("h2 { page-break-before: always; }", False),
        (".chapter { page: plain; }", False),
        ("@page { @bottom-center { content: counter(page) ' / ' counter(pages); } }", False),
        ("@page :first { margin-top: 0; }", False),
        ("h2 { string-set: section content(); }", False),
    ],
)
def test_a_stylesheet_that_reaches_across_parts_lays_the_book_out_whole(style: str, allowed: bool) -> None:
    booklet = load_booklet(KAMAILIO, Diagnostics(), None, Request(BUILT_AT, laid_out=True))
    assert parts_allowed(replace(booklet, style=style)) is allowed
