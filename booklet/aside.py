"""The print edition, laid out on the second core while this process reads the booklet.

Takes the model, its assets and the build date; returns the `PrintedPdf` (`print_edition`,
in this process, or `Printer.receive`, from a child). A cold build spends a third of its time
loading WeasyPrint, and the layout cannot start before the booklet is read: `start_printer`
forks a child before the reading stage loads, which loads the PDF writer while this process
loads the reader and reads. `Printer.send` hands the child the model and the assets (pickled)
and `Printer.receive` returns its result, the layout's steps passed to `report` as they come:
the same bytes as `print_edition` here, made by the same call. As WeasyPrint starts drawing,
the child sends the pages the layout gives (`drafted`): the parent makes the EPUB and the web
page while the PDF is drawn, and keeps them when the final pages are those (a note moved into
the text lays the booklet out again). The child serves one booklet after another (`make`
builds several in one run) and writes no file; only `build` writes.

Only a single-threaded process on two cores or more forks (the command line): in the
preview's, another thread could hold a lock that the child would wait on forever, and one
core would only take turns. A child that is gone (killed) costs only time: the booklet is
laid out here instead.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booklet.assets import Assets
from booklet.errors import BookletError
from booklet.model import PROGRESS_THREAD, Booklet, PrintedPdf, Step

if TYPE_CHECKING:
    from booklet.pdf import PartCache

__all__ = ["Printer", "cached_image", "print_edition", "single_threaded", "start_printer"]

Report = Callable[[Step], None]
Pages = dict[str, int]  # element id → the 1-based page it starts on (model.PrintedPdf.pages)
_Request = tuple[Booklet, Assets, datetime, bool]


def print_edition(
    booklet: Booklet,
    assets: Assets,
    built_at: datetime,
    report: Report,
    paginate_only: bool,
    parts: PartCache | None = None,
) -> PrintedPdf:
    """The PDF (`pdf.write_pdf`), its compact fonts, WeasyPrint's subsets and image data from the
    user's cache; `parts`: a warm process's laid-out parts (pdf/parts.py), laid out in this process."""
    # Loaded here, not with this module: the command line forks the printer as soon as it can.
    from booklet.fonts import cached_pdf_subset
    from booklet.pdf import write_pdf  # WeasyPrint loads here: a web-page-only build never needs it
    from booklet.pdf.images import kept_images

    with kept_images(cached_image):
        return write_pdf(
            booklet, assets, built_at, report, paginate_only, _cached_compact, cached_pdf_subset, parts
        )


def cached_image(key: str, make: Callable[[], bytes]) -> bytes:
    """An image's data as WeasyPrint embeds it (pdf/images.py), from the user's cache under `key`."""
    from booklet.cache import cached

    return cached("pdf-images", key, ".bin", make)


def _cached_compact(font: bytes) -> bytes | None:
    """The PDF's compact CJK font, from the user's cache when these subset bytes were compacted before."""
    from booklet.fonts import cached_compact
    from booklet.pdf import compact  # with the PDF only

    return cached_compact(font, compact.compact_cff, Path(compact.__file__).read_bytes())


def single_threaded() -> bool:
    """No thread but this one, and the progress display's (which takes no lock a child needs)."""
    return all(t is threading.current_thread() or t.name == PROGRESS_THREAD for t in threading.enumerate())


def start_printer() -> Printer | None:
    """A child that loads the PDF writer now and lays out each booklet sent to it; None where
    forking does not pay or is not safe (one core, other threads)."""
    if (os.cpu_count() or 1) < 2 or not single_threaded():
        return None
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_serve, args=(theirs, ours), name="booklet-printer", daemon=True
    )
    child.start()
    theirs.close()
    return Printer(child, ours)


@dataclass(frozen=True, slots=True)
class _Failure:
    """What the child raised: a `BookletError` (located), or our bug (its traceback)."""

    path: Path | None
    line: int | None
    message: str
    column: int | None = None
    bug: bool = False


@dataclass(frozen=True, slots=True)
class _Drafted:
    """The pages of a layout that WeasyPrint starts drawing (the last one, unless a note moves)."""

    pages: Pages


class Printer:
    """The parent's end: send a booklet, receive its print edition."""

    def __init__(self, child: BaseProcess, connection: Connection) -> None:
        self._child, self._connection = child, connection
        self._request: _Request | None = None
        self._unread = False  # a layout the child sends that nobody has read yet

    def send(self, booklet: Booklet, assets: Assets, built_at: datetime, paginate_only: bool) -> None:
        """Start laying `booklet` out in the child (pickled: the model and the assets' bytes)."""
        if self._unread:  # an earlier booklet's build failed after sending it: its layout is dropped
            self._drop()
        self._request, self._unread = (booklet, assets, built_at, paginate_only), True
        try:
            self._connection.send(self._request)
        except OSError:  # the child is gone: `receive` lays it out here
            return

    def receive(self, report: Report, drafted: Callable[[Pages], None] | None = None) -> PrintedPdf:
        """The print edition of the booklet last sent; `report` is told the child's steps, and
        `drafted` each layout's pages as its drawing starts (the last ones are the final pages
        unless a note moved)."""
        assert self._request is not None, "send a booklet first"
        request = self._request
        try:
            while True:
                message = self._connection.recv()
                if isinstance(message, Step):
                    report(message)
                elif isinstance(message, _Drafted):
                    if drafted is not None:
                        drafted(message.pages)
                else:
                    self._unread = False
                    if isinstance(message, _Failure):
                        raise _raised(message)
                    return message  # type: ignore[no-any-return]  # a PrintedPdf
        except (EOFError, OSError):  # killed meanwhile: lay it out here
            self._unread = False
            return print_edition(*request[:3], report, request[3])

    def close(self) -> None:
        """The child ends when its end of the pipe closes; wait for it (its CPU time is counted).
        A layout nobody will read (the build was interrupted, or failed meanwhile) is stopped."""
        if self._unread:
            self._child.terminate()
        self._connection.close()
        self._child.join(5)
        if self._child.is_alive():
            self._child.terminate()
            self._child.join()

    def _drop(self) -> None:
        """Read and drop what the child sends of the layout in progress."""
        try:
            while isinstance(self._connection.recv(), Step | _Drafted):
                pass
        except (EOFError, OSError):
            pass
        self._unread = False


def _raised(failure: _Failure) -> Exception:
    if failure.bug:
        return RuntimeError(f"the print layout failed in the child process:\n{failure.message}")
    return BookletError(failure.path, failure.line, failure.message, failure.column)


def _serve(connection: Connection, parents_end: Connection) -> None:
    """The child: load the PDF writer, then lay out each booklet sent until the parent's end closes.

    Ctrl-C reaches the child too: it is ignored here, and the parent, which reports it, ends
    the child (multiprocessing terminates a daemonic child as its parent exits)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parents_end.close()
    importlib.import_module("booklet.pdf")  # WeasyPrint loads now, while the parent reads the booklet
    _announce_drafts(connection)
    gc.freeze()  # as the parent does (cli): what is loaded stays out of the cycle collector
    try:
        while True:
            booklet, assets, built_at, paginate_only = connection.recv()
            connection.send(_printed(connection, booklet, assets, built_at, paginate_only))
    except (EOFError, OSError):  # the parent is done (or gone)
        return


def _announce_drafts(connection: Connection) -> None:
    """In the child: as WeasyPrint starts drawing a layout, the parent is sent its pages (as
    `pdf.layout` reads them from the laid-out document), so that it makes the EPUB and the web
    page while the PDF is drawn."""
    from weasyprint.document import Document

    drawing = Document.write_pdf

    def write_pdf(document: Any, *args: Any, **kwargs: Any) -> Any:
        pages: Pages = {}
        for number, page in enumerate(document.pages, start=1):
            for anchor in page.anchors:
                pages.setdefault(anchor, number)
        connection.send(_Drafted(pages))
        return drawing(document, *args, **kwargs)

    Document.write_pdf = write_pdf


def _printed(
    connection: Connection, booklet: Booklet, assets: Assets, built_at: datetime, paginate_only: bool
) -> PrintedPdf | _Failure:
    try:
        return print_edition(booklet, assets, built_at, connection.send, paginate_only)
    except BookletError as error:
        where = error.location
        return _Failure(where.path, where.line, error.message, where.column)
    except Exception:  # noqa: BLE001 - our bug: the parent reports it with this traceback
        return _Failure(None, None, traceback.format_exc(), bug=True)
