"""Stage 3a, second step: WeasyPrint lays the typeset print HTML out into pages and a PDF.

Takes the print document and the files it refers to (cover, images); returns the PDF's
bytes and, for each element id, the page it landed on. Nothing is fetched from the
network: every URL the document names must be one of the resources given. Importing this
module puts the fixes of `upstream` and the justification of `justify` in place (WeasyPrint
70.0 and pydyf 0.13.0 only).
"""

from __future__ import annotations

import functools
import gc
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from booklet.assets import Assets
from booklet.errors import BookletError
from booklet.model import Booklet, Step
from booklet.pdf.compact import Compactor, compact_cid_fonts
from booklet.pdf.justify import justify_between_characters
from booklet.pdf.upstream import carry_fixes, library_names

with library_names():  # WeasyPrint's libraries by their Linux names, looked up no further (upstream.py)
    import weasyprint
    import weasyprint.layout
    from weasyprint.layout import LayoutContext
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
    with _collected_between_steps() as step_done:
        laid_out = lay_out_document(html, booklet, assets, report, parsed=step_done)
        step_done()  # the pages made again for a counter and the layout's drafts are garbage now
        pdf, written = (
            write_document(laid_out.document, report, compact, keep_subsets) if write else (b"", ())
        )
    warnings = laid_out.warnings + written
    check_glyphs(booklet, warnings)
    pages: dict[str, int] = {}
    for number, page in enumerate(laid_out.document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pdf, pages, warnings


@dataclass(frozen=True, slots=True)
class Start:
    """Where a part of the book begins (parts.py): its first page's number, and the named
    strings (`string-set`) in force from the parts before it."""

    page: int
    strings: dict[str, str]


@dataclass(frozen=True, slots=True)
class LaidOut:
    """A document laid out (not yet written): WeasyPrint's pages, what it warned about, and the
    named strings in force after its last page."""

    document: Any
    warnings: tuple[str, ...]
    strings: dict[str, str]


def lay_out_document(
    html: str,
    booklet: Booklet,
    assets: Assets,
    report: Callable[[Step], None],
    start: Start | None = None,
    images: dict[str, Any] | None = None,
    parsed: Callable[[], None] | None = None,
) -> LaidOut:
    """Paginate `html` (the whole book, or from `start` on: a part); `images`: WeasyPrint's image
    cache; `parsed` is called once the HTML is parsed (`lay_out` collects the parser's tree)."""
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_ResourceFetcher(assets))
    if parsed is not None:
        parsed()
    first = start.page if start is not None else 1
    holder = _Starting(start)
    token = _STARTING.set(holder)
    with _weasyprint_warnings() as warnings, _weasyprint_pages(report, first - 1):
        started = time.perf_counter()
        try:
            rendered = document.render(font_config=_fonts(), cache=images, **_OPTIONS)
        except AssertionError as error:  # layout/page.py: `assert not page_is_empty`
            raise PageOverflow from error
        finally:
            _STARTING.reset(token)
        report(Step("layout", first - 1 + len(rendered.pages), time.perf_counter() - started))
    return LaidOut(rendered, tuple(warnings), holder.strings_after())


def write_document(
    document: Any,
    report: Callable[[Step], None],
    compact: Compactor | None = None,
    keep_subsets: SubsetKeeper | None = None,
) -> tuple[bytes, tuple[str, ...]]:
    """Draw the laid-out pages into the PDF's bytes; and what WeasyPrint warned about meanwhile."""
    with _weasyprint_warnings() as warnings:
        started = time.perf_counter()
        report(Step("pdf"))
        with kept_subsets(keep_subsets):
            pdf = document.write_pdf(finisher=functools.partial(_finish, compact=compact), **_OPTIONS)
        report(Step("pdf", seconds=time.perf_counter() - started))
    return pdf, tuple(warnings)


def check_glyphs(booklet: Booklet, warnings: tuple[str, ...]) -> None:
    """A glyph missing from every font (WeasyPrint warned `.notdef`) is the author's error."""
    missing = [message for message in warnings if ".notdef" in message]
    if missing:
        raise _tofu(booklet, missing[0])


_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


class _Starting:
    """What `_initialize_page_maker` and `_string_or_element_for` read while a part is laid out."""

    def __init__(self, start: Start | None) -> None:
        self.start = start
        self.context: Any = None

    def strings_after(self) -> dict[str, str]:
        """The named strings in force after the last page: the last set of each, or the one carried in."""
        strings = dict(self.start.strings) if self.start is not None else {}
        if self.context is not None:
            for name, by_page in self.context.string_set.items():
                if by_page:
                    strings[name] = by_page[max(by_page)][-1]
        return strings


_STARTING: ContextVar[_Starting | None] = ContextVar("booklet_starting", default=None)


def _initialize_page_maker(context: Any, root_box: Any) -> None:
    """WeasyPrint's first page, for a part: its number and side in the whole book, and blank
    when the part's first element breaks to the other side (as a blank page comes before it there)."""
    _original_initialize(context, root_box)
    holder = _STARTING.get()
    if holder is None:
        return
    holder.context = context
    if holder.start is None:
        return
    number = holder.start.page
    resume_at, next_page, _, page_state, remake_state = context.page_maker[0]
    right_page = number % 2 == 1  # the book's first page is a right page (its root breaks `auto`)
    first = _first_in_flow(root_box)
    side = first.style["break_before"] if first is not None else "auto"
    if side in ("left", "right") and (side == "right") != right_page:
        # WeasyPrint makes the first page blank; it goes on after a blank page only from
        # somewhere (a blank page resuming from nowhere ends the document): the body's start.
        next_page = {**next_page, "break": side}
        body = next(i for i, child in enumerate(root_box.children) if child.element_tag == "body")
        resume_at = {body: None}
    page_state[1]["page"] = [number - 1]  # the counter WeasyPrint's first page increments
    page_state[2][-1].add("page")
    context.page_maker[0] = (resume_at, next_page, right_page, page_state, remake_state)


def _first_in_flow(root_box: Any) -> Any:
    """The first element in the body (the part's first section), as WeasyPrint built it."""
    body = next((child for child in root_box.children if child.element_tag == "body"), None)
    if body is None:
        return None
    return next((child for child in body.children if child.is_in_normal_flow()), None)


def _string_or_element_for(self: Any, store: Any, page: Any, name: str, keyword: str) -> Any:
    """`string(name)` on a page of a part before the part sets it: the value the parts before left."""
    found = _original_string_or_element_for(self, store, page, name, keyword)
    holder = _STARTING.get()
    if found or holder is None or holder.start is None or store is not self.string_set:
        return found
    if keyword == "all-once" or self.current_page in store[name] or name not in holder.start.strings:
        return found
    return (holder.start.strings[name],)


# A part's first page and named strings (parts.py): WeasyPrint's own functions, wrapped; they
# change nothing unless `lay_out_document` is given a `Start`.
_original_initialize = weasyprint.layout.initialize_page_maker
_original_string_or_element_for = LayoutContext.get_string_or_element_for
weasyprint.layout.initialize_page_maker = _initialize_page_maker
LayoutContext.get_string_or_element_for = _string_or_element_for


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
def _collected_between_steps() -> Iterator[Callable[[], None]]:
    """Python's cycle collector, paced for one layout: no full collection of its own, one at each step.

    A full collection walks every object the collector tracks, and Python runs one whenever
    they have grown by a quarter: over a layout, whose objects grow to millions, about 25
    walks of ever more objects, most of them alive: a fifth of a 100-chapter build's CPU time.
    Young objects are still collected as usual; what the layout leaves as garbage in cycles
    (the HTML parser's tree, pages made again, drafts of lines) is collected once at each step
    the caller marks (`step_done`). Python's thresholds come back afterwards.
    """
    # Layouts in threads (the preview): the first saves Python's thresholds, the last puts them back.
    with _pacing:
        if not _layouts:
            _saved[:] = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], _NEVER)
        _layouts.append(threading.get_ident())
    try:
        yield _collect
    finally:
        with _pacing:
            _layouts.pop()
            if not _layouts:
                gc.set_threshold(*_saved)


def _collect() -> None:
    gc.collect()


_NEVER = 1_000_000_000  # gen-1 collections before a full one: never, within a layout
_pacing = threading.Lock()
_saved: list[int] = []  # Python's thresholds while a layout is under way
_layouts: list[int] = []  # the layouts under way (their threads)


@contextmanager
def _weasyprint_pages(report: Callable[[Step], None], before: int = 0) -> Iterator[None]:
    """Report each page as WeasyPrint lays it out: its documented progress logger,
    `weasyprint.progress`, logs `Step 5 - Creating layout - Page %d` at INFO level for each
    page it makes (the layout is a generator of pages, consumed inside `render`)."""
    thread = threading.get_ident()

    class _Pages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread and "Creating layout - Page" in str(record.msg) and record.args:
                report(Step("layout", before + int(record.args[0])))  # type: ignore[index, call-overload]

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
