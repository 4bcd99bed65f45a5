"""The order of stages: load → write each output, and the only place outputs are written.

Takes a source path, an output folder, the formats wanted and the build date;
writes `<name>.pdf`, `<name>.epub` and `<name>.html` (and `<name>-cover.png`, or .jpg/.gif as
the author's cover is) together (`files.replace_together`:
all of them replace the previous set, or none does; never a file of the source) and
returns what it wrote. Everything is read and checked before anything is written. Each writer
(`pdf`, `epub`, `web`) takes the model and its assets and returns bytes.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from booklet import files
from booklet.aside import Printer, print_edition, single_threaded
from booklet.assets import Asset, Assets, cover_asset
from booklet.content import load_booklet, read_asset
from booklet.cover import cover_png
from booklet.epub import check_written_epub, font_subsets, write_epub
from booklet.errors import BookletError, Diagnostics
from booklet.fonts import cached_subset, subset_is_cached
from booklet.model import FORMATS, PAGE_GEOMETRY, Booklet, PrintedPdf, Request, Stage, Step
from booklet.web import write_web

if TYPE_CHECKING:
    from booklet.pdf import PartCache

__all__ = ["FORMATS", "Output", "Report", "Warm", "build", "read_assets", "report_layout"]

Report = Callable[[Step], None]


@dataclass(frozen=True, slots=True)
class Output:
    """One file written, and the time it took, everything it needed included: the PDF's and the
    EPUB's `seconds` include the print layout (`layout_seconds`; the EPUB's page list comes from
    it), laid out once for both when `layout_shared`."""

    path: Path
    size: int
    seconds: float
    layout_seconds: float = 0.0
    layout_shared: bool = False


class Warm:
    """What a long-lived process (the preview) keeps from one build to the next: the print
    layout's parts (pdf/parts.py), so a rebuild lays out again only what an edit changed."""

    def __init__(self) -> None:
        self.parts: PartCache | None = None


def _silent(step: Step) -> None:
    return None


def build(
    source: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    built_at: datetime,
    diagnostics: Diagnostics,
    remote_cache: Path | None = None,
    strict: bool = False,
    impose: bool = False,
    request: Request | None = None,
    report: Report = _silent,
    printer: Printer | None = None,
    warm: Warm | None = None,
) -> tuple[Output, ...]:
    """Build the booklet at `source` into `out_dir`; raise `BookletError` on bad input.

    `remote_cache`: where remote images are fetched to; None (the default) fetches nothing.
    `strict`: a warning stops the build before anything is written.
    `impose` (or `impose: true` in booklet.yml): with the PDF, also write `<name>-print.pdf`.
    `request`: what the command line asks of the reading stage (a site's selection, the name…).
    `report` is told each stage as it begins and ends, and each page as it is laid out.
    `printer`: a child process that lays the PDF out on the second core (aside.py; the
    command line starts it); None lays it out in this process.
    `warm`: kept by the caller from one build to the next (the preview): the PDF is then laid
    out in parts, and the parts an edit did not change are not laid out again (in this process:
    not with a `printer`, which the preview, a threaded process, never has).
    """
    started = time.perf_counter()
    report(Step("read"))
    laid_out = "pdf" in formats or "epub" in formats  # the web page alone lays out no page
    request = replace(request or Request(built_at), laid_out=laid_out)
    booklet = load_booklet(source, diagnostics, remote_cache, request)
    assets = read_assets(booklet)
    report(Step("read", len(booklet.chapters), time.perf_counter() - started))
    made: list[tuple[Output, bytes]] = []
    links = _download_links(booklet.name, formats, out_dir)
    ahead = _Ahead(booklet, assets, built_at, links, formats)  # made while the printer draws the PDF
    printed = _PrintEdition(
        booklet, assets, built_at, report, "pdf" not in formats, printer, warm, ahead.draft
    )  # laid out once: the EPUB's page list too
    imposed = "pdf" in formats and (impose or booklet.metadata.impose)  # print at home: saddle-stitched
    if laid_out:
        printed.start()  # on the second core, when there is a printer
    if imposed:  # its package loads WeasyPrint: here, while the printer lays the PDF out
        from booklet.pdf.impose import impose_booklet
    helper = _make_epub_fonts_aside(booklet, assets, built_at, printed) if "epub" in formats else None
    for kind in sorted(formats, key=FORMATS.index):  # the PDF first: its pages anchor the others
        if kind == "epub" and helper is not None:
            printed.get()  # the page list's layout, meanwhile
            helper.join()  # its font subsets are in the cache now
        make = functools.partial(_make, kind, booklet, assets, built_at, links, printed, ahead)
        data, seconds = _timed(
            kind, report if kind != "pdf" else _silent, printed, make
        )  # pdf/ reports its own
        path = out_dir / f"{booklet.name}.{kind}"
        if kind in ("pdf", "epub"):  # both need the print layout: each one's time includes it
            shared = "pdf" in formats and "epub" in formats
            made.append((Output(path, len(data), seconds + printed.seconds, printed.seconds, shared), data))
        else:
            made.append((Output(path, len(data), seconds), data))
        if kind == "epub":  # the release check (epub/check.py): what readers fail on, as warnings
            diagnostics.warnings.extend(check_written_epub(booklet, data, path))
    if imposed:
        data, seconds = _timed("impose", report, printed, lambda: impose_booklet(printed.get().data))
        made.append((Output(out_dir / f"{booklet.name}-print.pdf", len(data), seconds), data))
    if printed.done:
        report_layout(printed.get(), diagnostics)
    if "html" in formats:  # the web page's og:image and JSON-LD image: a file beside it
        cover = assets.cover.data
        made.append((Output(out_dir / f"{booklet.name}-{assets.cover.href}", len(cover), 0.0), cover))
    if strict and diagnostics.warnings:
        raise BookletError(None, None, "warnings are errors with --strict: nothing was written")
    _prepare(out_dir)
    _check_not_sources(booklet, [output.path for output, _ in made])
    _replace_together({output.path: data for output, data in made}, out_dir)
    return tuple(output for output, _ in made)


def _timed(
    kind: str, report: Report, printed: _PrintEdition, make: Callable[[], bytes]
) -> tuple[bytes, float]:
    """`make()`'s bytes and its own time: less any wait for the print layout meanwhile (counted apart)."""
    stage = cast(Stage, kind)  # one of FORMATS, or "impose"
    report(Step(stage))
    started, waited_before = time.perf_counter(), printed.waited
    data = make()
    seconds = time.perf_counter() - started - (printed.waited - waited_before)
    report(Step(stage, seconds=seconds))
    return data, seconds


def report_layout(printed: PrintedPdf, diagnostics: Diagnostics) -> None:
    """What laying out the PDF found, as the author's warnings (`--strict` fails on them):
    notes no page can hold, and anything WeasyPrint logged (a CSS mistake would go unnoticed)."""
    for note in printed.moved_notes:
        message = f"note [^{note.label}] is too long for the foot of its page: the PDF prints it after its paragraph"
        diagnostics.warn(note.source, note.line, message)
    for message in printed.warnings:
        diagnostics.warn(None, None, f"WeasyPrint: {message}")


def _download_links(name: str, formats: tuple[str, ...], out_dir: Path) -> dict[str, str]:
    """The web page links to the PDF and EPUB built in this run or already beside it (relative)."""
    kinds = [kind for kind in ("pdf", "epub") if kind in formats or (out_dir / f"{name}.{kind}").is_file()]
    return {kind.upper(): f"{name}.{kind}" for kind in kinds}


def _make(
    kind: str,
    booklet: Booklet,
    assets: Assets,
    built_at: datetime,
    links: dict[str, str],
    printed: _PrintEdition,
    ahead: _Ahead,
) -> bytes:
    if kind == "pdf":
        return printed.get().data
    if kind == "epub":
        pages = printed.get().pages
        return ahead.take(kind, pages) or write_epub(booklet, assets, built_at, pages, cached_subset)
    # Anchors #p12 from the print pagination when this build lays the PDF out (a full build;
    # the preview's quick web-page-only build goes without).
    anchors = printed.get().pages if printed.done else None
    return ahead.take(kind, anchors) or write_web(booklet, assets, built_at, links, anchors)


class _Ahead:
    """The EPUB and the web page made from the pages of a layout while the printer draws its
    PDF (aside.py: the parent is idle meanwhile); taken only if the final pages are the same
    (when a note must move into the text, the booklet is laid out again)."""

    def __init__(
        self,
        booklet: Booklet,
        assets: Assets,
        built_at: datetime,
        links: dict[str, str],
        formats: tuple[str, ...],
    ) -> None:
        self.booklet, self.assets, self.built_at, self.links = booklet, assets, built_at, links
        self.formats = formats
        self.made: dict[str, tuple[Mapping[str, int], bytes]] = {}

    def draft(self, pages: Mapping[str, int]) -> None:
        if "epub" in self.formats:
            data = write_epub(self.booklet, self.assets, self.built_at, pages, cached_subset)
            self.made["epub"] = (pages, data)
        if "html" in self.formats:
            self.made["html"] = (
                pages,
                write_web(self.booklet, self.assets, self.built_at, self.links, pages),
            )

    def take(self, kind: str, pages: Mapping[str, int] | None) -> bytes | None:
        """The bytes made ahead for these final pages, or None."""
        drafted, data = self.made.get(kind, (None, None))
        return data if drafted is not None and drafted == pages else None


class _PrintEdition:
    """The PDF, laid out once per build: its bytes, and on which page each element id lands
    (the EPUB's page list); `seconds` is the time that took, `waited` the part of it this
    process spent waiting in `get`. Laid out by the printer (the second core) from `start` on,
    or else here, when first asked for."""

    def __init__(
        self,
        booklet: Booklet,
        assets: Assets,
        built_at: datetime,
        report: Report,
        paginate_only: bool,
        printer: Printer | None = None,
        warm: Warm | None = None,
        drafted: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        self.booklet, self.assets, self.built_at, self.report = booklet, assets, built_at, report
        self.warm = warm
        self.paginate_only = paginate_only  # an EPUB alone: the pages are laid out, no PDF is drawn
        self.printer, self.drafted = printer, drafted  # told the pages as the printer starts drawing
        self.printed: PrintedPdf | None = None
        self.seconds = self.waited = 0.0
        self._started: float | None = None

    @property
    def done(self) -> bool:
        return self.printed is not None

    @property
    def aside(self) -> bool:
        """Whether the printer lays it out (this process is free meanwhile)."""
        return self._started is not None

    def start(self) -> None:
        """Hand the booklet to the printer now; without one, nothing happens before `get`."""
        if self.printer is not None and self._started is None:
            self.report(Step("layout"))
            self._started = time.perf_counter()
            self.printer.send(self.booklet, self.assets, self.built_at, self.paginate_only)

    def get(self) -> PrintedPdf:
        if self.printed is None:
            asked = time.perf_counter()
            if self.printer is None:
                self.report(Step("layout"))  # typesetting and WeasyPrint's parsing come before the first page
                started = time.perf_counter()
                self.printed = print_edition(
                    self.booklet, self.assets, self.built_at, self.report, self.paginate_only, self._parts()
                )
            else:
                self.start()
                started = self._started or time.perf_counter()
                self.printed = self.printer.receive(self.report, self.drafted)
            self.seconds, self.waited = time.perf_counter() - started, time.perf_counter() - asked
        return self.printed

    def _parts(self) -> PartCache | None:
        """The warm process's parts (made at its first layout: WeasyPrint loads with them)."""
        if self.warm is None:
            return None
        if self.warm.parts is None:
            from booklet.pdf import PartCache  # with the PDF only

            self.warm.parts = PartCache()
        return self.warm.parts


def read_assets(booklet: Booklet) -> Assets:
    """The files the outputs refer to: every image, and the author's cover or the generated one."""
    images = tuple(
        Asset(image.href, image.media_type, read_asset(booklet, image.source)) for image in booklet.images
    )
    meta = booklet.metadata
    if meta.cover is not None:
        return Assets(cover_asset(read_asset(booklet, meta.cover)), images)
    width, height, _ = PAGE_GEOMETRY[meta.page_size]  # the PDF's cover: the page's proportions, nothing cut
    page = cover_png(meta, booklet.style, round(1600 * height / width))
    return Assets(
        cover_asset(cover_png(meta, booklet.style)), images, Asset("cover-print.png", "image/png", page)
    )


def _make_epub_fonts_aside(
    booklet: Booklet, assets: Assets, built_at: datetime, printed: _PrintEdition
) -> multiprocessing.process.BaseProcess | None:
    """On a second core, make the EPUB's font subsets that the cache lacks while the PDF is
    laid out.

    Subsetting a CJK font for new text takes seconds. The subsets wanted are known before the
    layout (`font_subsets`); when the printer lays the PDF out (aside.py), this process makes
    those the user's cache lacks meanwhile; else a child makes them while this process lays the
    PDF out. The EPUB made after the PDF finds them in the cache. When the cache holds them all
    (a rebuild), no child is started: one would cost CPU time for nothing (a forked process
    copies the pages it touches). Only a single-threaded process forks (the command line):
    in the preview's, another thread could hold a lock the child would wait on forever.
    """
    if not booklet.metadata.embed_fonts or (os.cpu_count() or 1) < 2:
        return None
    if not printed.aside and not single_threaded():
        return None
    missing = [wanted for wanted in font_subsets(booklet, assets, built_at) if not subset_is_cached(*wanted)]
    if not missing:
        return None
    if printed.aside:
        for family, face, characters in missing:
            cached_subset(family, face, characters)
        return None
    helper = multiprocessing.get_context("fork").Process(target=_make_subsets, args=(missing,), daemon=True)
    helper.start()
    return helper


def _make_subsets(wanted: list[tuple[str, str, str]]) -> None:
    """The child's work; multiprocessing ends it with `os._exit` (no handler of the parent's runs twice)."""
    try:
        for family, face, characters in wanted:
            cached_subset(family, face, characters)
    except BaseException:  # noqa: BLE001 - silently: the parent makes the subsets itself and reports any error
        return


def _prepare(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise BookletError(
            out_dir, None, f"cannot create the output folder ({reason}): choose another with --out"
        ) from None
    if not os.access(out_dir, os.W_OK):
        raise BookletError(out_dir, None, "the output folder is not writable: choose another with --out")
    files.remove_stale_temporaries(out_dir)


def _check_not_sources(booklet: Booklet, targets: list[Path]) -> None:
    """No output may replace a file the booklet is made from (`--out` = the source folder)."""
    read = {chapter.source.resolve() for chapter in booklet.chapters}
    read |= {image.source.resolve() for image in booklet.images}
    read |= {path.resolve() for path in (booklet.metadata.cover, booklet.metadata.source) if path is not None}
    for target in targets:
        if target.resolve() in read:
            raise BookletError(
                target,
                None,
                "the output would replace a file of the booklet: choose another folder with --out",
            )


def _replace_together(outputs: dict[Path, bytes], out_dir: Path) -> None:
    """All the outputs replace the previous ones together, or none does (files.py)."""
    try:
        files.replace_together(outputs)
    except OSError as error:
        reason = error.strerror or str(error)
        raise BookletError(
            out_dir,
            None,
            f"cannot write the outputs ({reason}): the previous ones are unchanged; choose another folder with --out",
        ) from None
