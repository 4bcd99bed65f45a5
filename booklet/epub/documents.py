"""Stage 3b, first half: the EPUB's content documents, finished for e-readers.

Takes the model and the build date, and renders the title page and one XHTML document per
chapter (`render_documents`); then, with the print pagination (element id → printed page),
returns every content document in spine order (`finish_documents`) —
cover, title page, contents (the navigation document), chapters — and the page
breaks placed. In the chapters, footnote calls get their EPUB 3 semantics and stay
with the character before them, a link to an id in another chapter gets that chapter's
file name, the Latin runs of a CJK emphasis are marked (no emphasis dots, italic), and a
page-break marker goes before the first block of each printed page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from booklet.epub.check import KINDLE_TOC_DEPTH
from booklet.model import Booklet, Heading
from booklet.pages import page_openings
from booklet.scripts import PICTOGRAPH_RANGES, join_names, writing_system
from booklet.theme import fragment, mark_latin_emphasis, notes, render_template

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
NS = {"x": XHTML_NS, "epub": EPUB_NS}
COVER_FILE, NAV_FILE = "cover.xhtml", "nav.xhtml"
# A run of pictographs, with the joiners and variation selectors between and after them.
_PICTOGRAPH = "".join(f"{chr(low)}-{chr(high)}" for low, high in PICTOGRAPH_RANGES)
PICTOGRAPH_RUN = re.compile(f"([{_PICTOGRAPH}][{_PICTOGRAPH}\u200d\ufe0f]*)")


@dataclass(frozen=True, slots=True)
class EpubDocument:
    file_name: str  # "ch01.xhtml"
    title: str
    xhtml: str


@dataclass(frozen=True, slots=True)
class PageBreak:
    """A marker `page-N` placed in `file_name`, before the block that opens printed page N."""

    page: int
    file_name: str

    @property
    def href(self) -> str:
        return f"{self.file_name}#page-{self.page}"


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    href: str
    children: tuple[TocEntry, ...]


@dataclass(frozen=True, slots=True)
class Content:
    documents: tuple[EpubDocument, ...]  # spine order: cover, title, nav, chapters
    page_breaks: tuple[PageBreak, ...]
    toc: tuple[TocEntry, ...]


def render_documents(booklet: Booklet, built_at: datetime) -> tuple[EpubDocument, ...]:
    """The title page and one XHTML document per chapter."""
    documents = [
        EpubDocument(
            "title.xhtml",
            booklet.metadata.title,
            render_template("epub_title.xhtml.j2", meta=booklet.metadata, built_at=built_at),
        )
    ]
    for chapter in booklet.chapters:
        xhtml = render_template(
            "epub_chapter.xhtml.j2",
            meta=booklet.metadata,
            chapter=chapter,
            body=fragment(chapter.html),
            notes=notes(chapter),
        )
        documents.append(EpubDocument(f"{chapter.id}.xhtml", chapter.title, xhtml))
    return tuple(documents)


def finish_documents(
    booklet: Booklet, rendered: tuple[EpubDocument, ...], pages: Mapping[str, int], cover_href: str
) -> Content:
    """Cover, title page, navigation and chapters, ready to package."""
    trees = {document.file_name: etree.fromstring(document.xhtml.encode()) for document in rendered}
    blocks = [
        block.get("id", "")
        for document in rendered[1:]
        for section in trees[document.file_name].iterfind(".//x:section[@class='chapter']", NS)
        for block in section
    ]
    openings = page_openings(blocks, pages)
    breaks: list[PageBreak] = []
    for document in rendered:
        _mark_pictographs(trees[document.file_name])
    for document in rendered[1:]:
        if writing_system(booklet.metadata.language) != "other":
            mark_latin_emphasis(trees[document.file_name])  # its Latin runs in italics, without dots
        _mark_noterefs(trees[document.file_name])
        breaks.extend(_insert_page_breaks(trees[document.file_name], document.file_name, openings))
    _qualify_links(trees)
    toc = tuple(
        entry for chapter in booklet.chapters for entry in _toc(chapter.headings, f"{chapter.id}.xhtml")
    )
    first_chapter = rendered[1].file_name if len(rendered) > 1 else rendered[0].file_name
    meta = booklet.metadata
    cover = render_template("epub_cover.xhtml.j2", meta=meta, cover_href=cover_href, alt=cover_alt(booklet))
    nav = render_template(
        "epub_nav.xhtml.j2",
        meta=meta,
        toc=toc,
        page_breaks=breaks,
        cover_file=COVER_FILE,
        nav_file=NAV_FILE,
        first_chapter=first_chapter,
    )
    documents = (
        EpubDocument(COVER_FILE, meta.title, cover),
        EpubDocument(rendered[0].file_name, rendered[0].title, _serialize(trees[rendered[0].file_name])),
        EpubDocument(NAV_FILE, meta.title, nav),
        *(EpubDocument(d.file_name, d.title, _serialize(trees[d.file_name])) for d in rendered[1:]),
    )
    return Content(documents, tuple(breaks), toc)


def cover_alt(booklet: Booklet) -> str:
    """The cover's text alternative: what the generated cover shows, title first."""
    meta = booklet.metadata
    parts = [meta.title, meta.subtitle or "", join_names(meta.authors, meta.language)]
    return " — ".join(part for part in parts if part)


def _mark_noterefs(tree: etree._Element) -> None:
    """EPUB 3 SSV `noteref` and DPUB-ARIA `doc-noteref` on each call, which holds only its number,
    and 多看/掌阅's `duokan-footnote` class (their pop-up; the note's side is in the template)."""
    for call in tree.iterfind(".//x:a[@class='noteref']", NS):
        call.set(f"{{{EPUB_NS}}}type", "noteref")
        call.set("role", "doc-noteref")
        call.set("class", "noteref duokan-footnote")
        sup = call.getparent()
        if sup is not None and sup.tag == f"{{{XHTML_NS}}}sup":
            _keep_with_previous_character(sup)


def _mark_pictographs(tree: etree._Element) -> None:
    """Each run of pictographs (emoji) in the text as `<span class="emoji">`: set in the embedded
    emoji face (epub_fonts.css.j2), so an e-reader without one draws no empty boxes."""
    body = tree.find("x:body", NS)
    for element in list(body.iter() if body is not None else ()):
        if not isinstance(element.tag, str):
            continue
        if element.text and PICTOGRAPH_RUN.search(element.text):
            runs = PICTOGRAPH_RUN.split(element.text)
            element.text = runs[0]
            for index, span in enumerate(_pictograph_spans(runs)):
                element.insert(index, span)
        if element is not body and element.tail and PICTOGRAPH_RUN.search(element.tail):
            runs = PICTOGRAPH_RUN.split(element.tail)
            element.tail = runs[0]
            for span in reversed(_pictograph_spans(runs)):
                element.addnext(span)


def _pictograph_spans(runs: list[str]) -> list[etree._Element]:
    """`re.split` with a group: [text, pictographs, text, pictographs, text…] → spans with tails."""
    spans = []
    for pictographs, after in zip(runs[1::2], runs[2::2], strict=True):
        span = etree.Element(f"{{{XHTML_NS}}}span", {"class": "emoji"})
        span.text, span.tail = pictographs, after
        spans.append(span)
    return spans


def _keep_with_previous_character(sup: etree._Element) -> None:
    """A call never starts a line (clreq §3.1.7): it and the character before it go into one
    `<span class="nobreak">`, which epub.css keeps on one line."""
    parent, previous = sup.getparent(), sup.getprevious()
    assert parent is not None  # a call's <sup> sits in a paragraph
    text = previous.tail if previous is not None else parent.text
    if not text or text[-1].isspace():
        return
    if previous is not None:
        previous.tail = text[:-1]
    else:
        parent.text = text[:-1]
    tail, sup.tail = sup.tail, None
    span = etree.Element(f"{{{XHTML_NS}}}span", {"class": "nobreak"})
    span.text = text[-1]
    sup.addprevious(span)
    span.append(sup)
    span.tail = tail


def _insert_page_breaks(tree: etree._Element, file_name: str, openings: Mapping[str, int]) -> list[PageBreak]:
    """Before each block that opens a printed page (`pages.page_openings`: chapter headings and
    the top-level blocks of their bodies), `<span epub:type="pagebreak">` (EPUB 3.3 §D.4.1)."""
    placed: list[PageBreak] = []
    for section in tree.iterfind(".//x:section[@class='chapter']", NS):
        for block in list(section):
            page = openings.get(block.get("id", ""))
            if page is None:  # the notes (`div.footnotes`) have no id: never a page's first block
                continue
            marker = etree.Element(f"{{{XHTML_NS}}}span", nsmap=None)
            marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
            marker.set(
                "class", "page"
            )  # as the web page's anchor: latin.css keeps `h2 + .page + p` unindented
            marker.set("role", "doc-pagebreak")
            marker.set("id", f"page-{page}")
            marker.set("aria-label", str(page))
            marker.tail = "\n"
            block.addprevious(marker)
            placed.append(PageBreak(page, file_name))
    return placed


def _qualify_links(trees: Mapping[str, etree._Element]) -> None:
    """A fragment link (`#ch02-s01`) to an id in another document gets that document's name."""
    owner = {
        element.get("id"): name for name, tree in trees.items() for element in tree.iterfind(".//*[@id]")
    }
    for name, tree in trees.items():
        for link in tree.iterfind(".//x:a[@href]", NS):
            target = link.get("href", "")[1:] if link.get("href", "").startswith("#") else None
            if target and owner.get(target, name) != name:
                link.set("href", f"{owner[target]}#{target}")


def _toc(headings: tuple[Heading, ...], file_name: str) -> tuple[TocEntry, ...]:
    """Nest a chapter's headings by level; the chapter title links to the file itself.

    Only chapters and their sections: Kindle shows two levels of a table of contents and garbles
    deeper ones (epub.check warns of it), so deeper headings are in the text, not in the list."""
    headings = tuple(heading for heading in headings if heading.level <= KINDLE_TOC_DEPTH)

    def build(start: int, level: int) -> tuple[list[TocEntry], int]:
        entries: list[TocEntry] = []
        index = start
        while index < len(headings) and headings[index].level >= level:
            heading = headings[index]
            children, index = build(index + 1, heading.level + 1)
            href = file_name if heading.level == 1 else f"{file_name}#{heading.id}"
            entries.append(TocEntry(heading.text, href, tuple(children)))
        return entries, index

    return tuple(build(0, 1)[0])


def _serialize(tree: etree._Element) -> str:
    """XHTML with its XML declaration (Kindle's converter wants one) and the HTML doctype."""
    text = str(etree.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>"))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n"
