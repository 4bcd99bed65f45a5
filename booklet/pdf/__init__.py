"""Stage 3a: the PDF, typeset for print and laid out by WeasyPrint.

Takes the model, the files the document refers to (cover, images) and the build date;
renders the print document (`templates/print.html.j2`, each note set after its call by
`notes`) and returns a `model.PrintedPdf`:

    printed = write_pdf(booklet, assets, built_at)
    printed.data      # the PDF's bytes: tagged, built as PDF/UA-1, with /Lang and an outline
    printed.pages     # {element id: page number}: where each id landed, 1-based
    printed.warnings  # what WeasyPrint warned about (the tests require none)
    printed.moved_notes  # notes set in the text instead of at the foot (build warns)

`pages` is the print edition's pagination, for the EPUB's page list: every chapter
(`ch01`), heading (`ch01-s01`), top-level block (`ch01-b003`) and note (`fn-x`) maps to
the PDF page it starts on. Page numbers are the PDF's own page indexes, counted from the
cover (page 1), and they are the numbers printed in the page corners and in the contents;
a number that is not printed (cover, title page, blank pages) still counts.

Sub-stages: `notes` (each note after its call, for `float: footnote`), `typeset` (clreq:
spaces, punctuation, line breaking; with `points` and `wordbreaks`), then `layout`
(WeasyPrint, with `compact` as its finisher, `parts` laying the book out part by part for
the preview, which keeps the parts an edit leaves unchanged, `subsets` and `images` keeping its
font subsets and image data from one build to the next, `upstream`: fixes carried for WeasyPrint's own superlinear spots on long
documents, and `justify`: a line of CJK text stretched between its characters when its
elastic points are few). `impose` turns the bytes into a print-at-home booklet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

import segno
from lxml import html as lxml_html

from booklet.assets import Assets
from booklet.errors import BookletError
from booklet.model import PAGE_GEOMETRY, PAGE_SIZES, Booklet, Chapter, Footnote, PrintedPdf, Step
from booklet.pdf.compact import Compactor
from booklet.pdf.layout import PageOverflow, lay_out
from booklet.pdf.notes import inline_footnotes
from booklet.pdf.parts import PartCache, lay_out_parts, parts_allowed
from booklet.pdf.subsets import SubsetKeeper
from booklet.pdf.typeset import typeset_print_html, unfloat_note
from booklet.theme import fragment, fragment_tree, render_template, stylesheet

__all__ = ["PartCache", "PrintedPdf", "chapters_running_on", "write_pdf"]


def write_pdf(
    booklet: Booklet,
    assets: Assets,
    built_at: datetime,
    report: Callable[[Step], None] | None = None,
    paginate_only: bool = False,
    compact: Compactor | None = None,
    keep_subsets: SubsetKeeper | None = None,
    parts: PartCache | None = None,
) -> PrintedPdf:
    """Render, typeset and lay out the booklet into a tagged PDF; a glyph missing from every font is an error.

    A note longer than a page cannot float to the page foot (WeasyPrint 70 cannot split a
    note): the longest note is then set in the text after its paragraph instead, and so on
    until the booklet lays out. A shorter note can still be too long for the rest of its page:
    `footnote-policy: block` then takes the paragraph calling it to the next page, and when
    that paragraph follows a heading, the heading is left alone (a chapter's title on a page
    of its own). The longest note that paragraph calls is then set in the text too, and the
    booklet laid out again. Such notes are listed in `moved_notes` (build warns).
    `report` is told each page as WeasyPrint lays it out, then the layout's and the writing's times.
    `paginate_only`: the pagination without the PDF's bytes (`data` is empty), for the EPUB's
    page list when no PDF is wanted: the pages are laid out, not drawn. `compact`: how the
    embedded CJK fonts are made compact (`compact.compact_cff`, or build's cache of it);
    `keep_subsets`: where WeasyPrint's font subsets are kept between builds (`subsets`).
    `parts`: lay the book out in parts and keep them there, for the next build in this process
    (`parts`: the preview); the same pages as one layout, which is what a build without it does.
    """
    html = print_document(booklet, built_at, (assets.print_cover or assets.cover).href)
    typeset = typeset_print_html(html, booklet.metadata.language)
    notes = sorted(_notes(booklet), key=lambda note: len(note.html), reverse=True)
    moved: list[Footnote] = []
    while True:
        try:
            if parts is not None and parts_allowed(booklet):
                data, pages, warnings = lay_out_parts(
                    typeset,
                    booklet,
                    assets,
                    report or _ignore,
                    not paginate_only,
                    compact,
                    keep_subsets,
                    parts,
                )
            else:
                data, pages, warnings = lay_out(
                    typeset, booklet, assets, report or _ignore, not paginate_only, compact, keep_subsets
                )
        except PageOverflow:
            if not notes:
                raise BookletError(
                    booklet.source, None, "WeasyPrint could not fit something on an empty page"
                ) from None
            moved.append(notes.pop(0))
            typeset = unfloat_note(typeset, moved[-1].id)
            continue
        lonely = _notes_after_lonely_headings(typeset, pages)  # once per layout, never per note
        culprit = next((note for note in notes if note.id in lonely), None)
        if culprit is None:
            return PrintedPdf(data, pages, warnings, tuple(moved))
        notes.remove(culprit)
        moved.append(culprit)
        typeset = unfloat_note(typeset, culprit.id)


def print_document(booklet: Booklet, built_at: datetime, cover_href: str) -> str:
    """One HTML document for WeasyPrint: cover, title page, contents, chapters, colophon."""
    chapters = [(chapter, fragment(inline_footnotes(chapter))) for chapter in booklet.chapters]
    codes = {chapter.id: _qr(chapter.source_url) for chapter in booklet.chapters if chapter.source_url}
    return render_template(
        "print.html.j2",
        qr=codes,
        booklet=booklet,
        geometry=PAGE_GEOMETRY[booklet.metadata.page_size],
        run_on=chapters_running_on(booklet),
        meta=booklet.metadata,
        chapters=chapters,
        built_at=built_at,
        cover_href=cover_href,
        page_size=PAGE_SIZES[booklet.metadata.page_size],
        css=fragment(stylesheet("base.css", "print.css", language=booklet.metadata.language)),
        author_css=fragment(booklet.style),  # after the page geometry, so that its @page rules win
    )


def _qr(address: str) -> str:
    """The original post's address as a QR code (an SVG `data:` URI), for a reader of the paper copy."""
    return str(segno.make_qr(address, error="m").svg_data_uri(scale=1, border=2))


def _ignore(step: Step) -> None:
    return None


def chapters_running_on(booklet: Booklet) -> frozenset[str]:
    """The chapters set under the one before instead of on a page of their own (`chapter_start`).

    `run-in`: all but the first. `auto`: those shorter than about half a page, so a booklet of
    one-paragraph summaries is not one four-fifths empty page each; a long chapter still opens
    a page. The first chapter always opens a page (after the contents).
    """
    start = booklet.metadata.chapter_start
    if start in ("page", "right"):
        return frozenset()
    width, height, size = PAGE_GEOMETRY[booklet.metadata.page_size]
    characters = int(width * 0.75 / size)
    half_page = height * 0.8 / (1.75 * size) / 2
    return frozenset(
        chapter.id
        for chapter in booklet.chapters[1:]
        if start == "run-in" or _lines(chapter, characters) < half_page
    )


_WIDE_CHARACTER = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")


def _lines(chapter: Chapter, characters: int) -> float:
    """About how many body lines a chapter takes: its title (three), each block's text and notes."""
    root = fragment_tree(chapter.html)
    lines = 3.0
    for block in root:
        text = block.text_content() if isinstance(block.tag, str) else ""
        wide = len(_WIDE_CHARACTER.findall(text))
        lines += (wide + 0.5 * (len(text) - wide)) / characters + 0.6
    return lines + sum(0.8 * len(note.html) / 2 / characters + 0.5 for note in chapter.footnotes)


_ID = re.compile(r'\bid="(ch\d+(?:-[sb]\d+)?)"')


def _notes_after_lonely_headings(html: str, pages: Mapping[str, int]) -> set[str]:
    """The floated notes called by a block that starts on a later page than the heading before it.

    Chapters (`ch01`, whose title opens the section), headings (`ch01-s02`) and top-level
    blocks (`ch01-b003`) carry ids in document order (content/assemble.py).
    """
    lonely: list[str] = []
    heading: str | None = None
    for match in _ID.finditer(html):
        name = match.group(1)
        if "-b" not in name:
            heading = heading or name
            continue
        if heading is not None and name in pages and heading in pages and pages[name] > pages[heading]:
            lonely.append(name)
        heading = None
    if not lonely:
        return set()
    wanted = set(lonely)
    root = lxml_html.document_fromstring(html)  # one pass over the notes, not one search per block
    return {
        str(note.get("id"))
        for note in root.find_class("footnote")
        if note.tag == "span" and any(block.get("id") in wanted for block in note.iterancestors())
    }


def _notes(booklet: Booklet) -> list[Footnote]:
    """Each floated note once (a shared note is floated in each chapter, under its own id)."""
    return list({note.id: note for chapter in booklet.chapters for note in chapter.footnotes}.values())
