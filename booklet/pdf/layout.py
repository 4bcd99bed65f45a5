"""Stage 3a, second step: WeasyPrint lays the typeset print HTML out into pages and a PDF.

Takes the print document and the files it refers to (cover, images); returns the PDF's
bytes and, for each element id, the page it landed on. Nothing is fetched from the
network: every URL the document names must be one of the resources given. Importing this
module puts the fixes of `upstream` and the justification of `justify` in place (WeasyPrint
70.0 and pydyf 0.13.0 only).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote

from booklet.assets import Assets
from booklet.errors import BookletError
from booklet.model import Booklet, Step
from booklet.pdf.compact import Compactor, compact_cid_fonts
from booklet.pdf.justify import justify_between_characters
from booklet.pdf.upstream import carry_fixes, library_names

with library_names():  # WeasyPrint's libraries by their Linux names, looked up no further (upstream.py)
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from booklet.pdf.copytext import drop_elastic_points  # imports WeasyPrint too
    from booklet.pdf.subsets import SubsetKeeper, kept_subsets

# Relative URLs in the print document resolve against this; the fetcher below answers them.
BASE_URL = "https://booklet.invalid/"

carry_fixes()  # WeasyPrint 70.0 and pydyf 0.13.0 on long documents (upstream.py); other versions: nothing
justify_between_characters()  # WeasyPrint 70.0: a line of few elastic points stretches between its letters too


class PageOverflow(Exception):
    """WeasyPrint could not fit something on an empty page (a note longer than a page)."""


QR_PREFIX = "data:image/svg+xml;charset=utf-8,"


class _ResourceFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint is untyped (pyproject)
    """Serves the booklet's own files and refuses everything else (no network). The one other
    kind: the `data:image/svg+xml` images the PDF draws itself, QR codes, print.css's code
    continuation mark and sesame dot (the sanitizer keeps `data:` URLs out of the author's text, so no other
    can reach here)."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(allowed_protocols=())
        self._assets = assets.by_href()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith(QR_PREFIX):
            return URLFetcherResponse(
                url, unquote(url[len(QR_PREFIX) :]).encode(), {"Content-Type": "image/svg+xml"}
            )
        asset = self._assets.get(url.removeprefix(BASE_URL))
        if asset is None:
            raise ValueError(f"not one of the booklet's files: {url}")
        return URLFetcherResponse(url, asset.data, {"Content-Type": asset.media_type})


def lay_out(
    html: str,
    booklet: Booklet,
    assets: Assets,
    report: Callable[[Step], None],
    write: bool = True,
    compact: Compactor | None = None,
    keep_subsets: SubsetKeeper | None = None,
) -> tuple[bytes, dict[str, int], tuple[str, ...]]:
    """Paginate `html` into a tagged PDF (PDF/UA-1, with /Lang).

    Returns the PDF (empty when not `write`: the pages alone, for an EPUB-only build),
    {element id: page number (1-based)} and every warning WeasyPrint logged. A glyph missing from every font (tofu) is an error. Raises `PageOverflow` when
    WeasyPrint 70 cannot place a floated note even on an empty page (it asserts).
    `report` is told each page as it is laid out, then the layout's and the writing's times.
    `compact` and `keep_subsets`: build's cache of the embedded fonts' work (compact.py, subsets.py).
    """
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_ResourceFetcher(assets))
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    with _weasyprint_warnings() as warnings, _weasyprint_pages(report):
        started = time.perf_counter()
        try:
            rendered = document.render(font_config=_fonts(), **options)
        except AssertionError as error:  # layout/page.py: `assert not page_is_empty`
            raise PageOverflow from error
        report(Step("layout", len(rendered.pages), time.perf_counter() - started))
        pdf = b""
        if write:
            started = time.perf_counter()
            report(Step("pdf"))
            with kept_subsets(keep_subsets):
                pdf = rendered.write_pdf(finisher=functools.partial(_finish, compact=compact), **options)
            report(Step("pdf", seconds=time.perf_counter() - started))
    missing = [message for message in warnings if ".notdef" in message]
    if missing:
        raise _tofu(booklet, missing[0])
    pages: dict[str, int] = {}
    for number, page in enumerate(rendered.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pdf, pages, tuple(warnings)


def _finish(document: object, pdf: object, compact: Compactor | None = None) -> None:
    """WeasyPrint's finisher: the copied text without elastic points, then the compact CJK fonts."""
    drop_elastic_points(document, pdf)
    compact_cid_fonts(document, pdf, compact)


@functools.cache
def _fonts() -> FontConfiguration:
    """One fontconfig set-up and Pango font map for every layout in this process (a layout again
    for a moved note, each booklet of `make`, each rebuild of the preview): the system's fonts
    are found and loaded once. The print document names no web font, so nothing is kept
    from one document to the next but the fonts themselves."""
    return FontConfiguration()


def _tofu(booklet: Booklet, message: str) -> BookletError:
    """A located error for WeasyPrint's `.notdef glyph rendered for … (U+E001)` warning."""
    codes = re.findall(r"U\+([0-9A-Fa-f]{4,6})", message)
    characters = "".join(chr(int(code, 16)) for code in codes)
    where = next((c for c in booklet.chapters if any(ch in c.title + c.html for ch in characters)), None)
    names = ", ".join(f"U+{code.upper()}" for code in codes) or "a character"
    return BookletError(
        where.source if where else booklet.source,
        None,
        f"{names} has no glyph in any installed font (it would print as an empty box): "
        "remove it or install a font that has it",
    )


@contextmanager
def _weasyprint_pages(report: Callable[[Step], None]) -> Iterator[None]:
    """Report each page as WeasyPrint lays it out: its documented progress logger,
    `weasyprint.progress`, logs `Step 5 - Creating layout - Page %d` at INFO level for each
    page it makes (the layout is a generator of pages, consumed inside `render`)."""
    thread = threading.get_ident()

    class _Pages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread and "Creating layout - Page" in str(record.msg) and record.args:
                report(Step("layout", int(record.args[0])))  # type: ignore[index, call-overload]

    handler, logger = _Pages(logging.INFO), logging.getLogger("weasyprint.progress")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs (warnings and errors) while it works."""
    messages: list[str] = []

    class _Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collector(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
