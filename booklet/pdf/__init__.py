"""Stage 3a: the PDF, typeset for print and laid out by WeasyPrint.

Takes the print document rendered from `templates/print.html.j2`, the model and the files
the document refers to (cover, images); returns a `model.PrintedPdf`:

    printed = write_pdf(html, booklet, resources)
    printed.data      # the PDF's bytes: tagged, built as PDF/UA-1, with /Lang and an outline
    printed.pages     # {element id: page number}: where each id landed, 1-based
    printed.warnings  # what WeasyPrint warned about (the tests require none)
    printed.moved_notes  # notes longer than a page, set in the text instead (build warns)

`pages` is the print edition's pagination, for the EPUB's page list: every chapter
(`ch01`), heading (`ch01-s01`), top-level block (`ch01-b003`) and note (`fn-x`) maps to
the PDF page it starts on. Page numbers are the PDF's own page indexes, counted from the
cover (page 1), and they are the numbers printed in the page corners and in the contents;
a number that is not printed (cover, title page, blank pages) still counts.

Sub-stages: `typeset` (clreq: spaces, punctuation, line breaking), then `layout`
(WeasyPrint). `impose` (booklet/impose.py) turns the bytes into a print-at-home booklet.
"""

from __future__ import annotations

from collections.abc import Mapping

from booklet.errors import BookletError
from booklet.model import Booklet, Footnote, PrintedPdf
from booklet.pdf.layout import PageOverflow, lay_out
from booklet.pdf.typeset import typeset_print_html, unfloat_note

__all__ = ["PrintedPdf", "write_pdf"]


def write_pdf(html: str, booklet: Booklet, resources: Mapping[str, bytes]) -> PrintedPdf:
    """Typeset and lay out `html` into a tagged PDF; a glyph missing from every font is an error.

    A note longer than a page cannot float to the page foot (WeasyPrint 70 cannot split a
    note): the longest note is then set in the text after its paragraph instead, and so on
    until the booklet lays out; such notes are listed in `moved_notes` (build warns).
    """
    typeset = typeset_print_html(html, booklet.metadata.language)
    notes = sorted(_notes(booklet), key=lambda note: len(note.html), reverse=True)
    moved: list[Footnote] = []
    while True:
        try:
            data, pages, warnings = lay_out(typeset, booklet, resources)
        except PageOverflow:
            if not notes:
                raise BookletError(
                    booklet.source, None, "WeasyPrint could not fit something on an empty page"
                ) from None
            moved.append(notes.pop(0))
            typeset = unfloat_note(typeset, moved[-1].id)
            continue
        return PrintedPdf(data, pages, warnings, tuple(moved))


def _notes(booklet: Booklet) -> list[Footnote]:
    """Each floated note once (a shared note is floated in each chapter, under its own id)."""
    return list({note.id: note for chapter in booklet.chapters for note in chapter.footnotes}.values())
