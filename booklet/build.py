"""The order of stages: load → render → write, and the only place outputs are written.

Takes a source path, an output folder, the formats wanted and the build date;
writes `<name>.pdf`, `<name>.epub` and `<name>.html` atomically (a temporary
file in the output folder, renamed into place once complete) and returns what
it wrote. Everything is read and checked before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from booklet import cover, epub, files, fonts, render_html, web
from booklet.content import load_booklet
from booklet.errors import BookletError, Diagnostics
from booklet.impose import impose_booklet
from booklet.model import PAGE_SIZES, Booklet, PrintedPdf, writing_system

FORMATS = ("pdf", "epub", "html")
# The fontconfig style of each face the EPUB embeds (see epub.FONT_FACES; the family follows the language).
EPUB_STYLES = {"regular": "", "bold": ":bold"}


@dataclass(frozen=True, slots=True)
class Output:
    path: Path
    size: int
    seconds: float


def build(
    source: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    built_at: datetime,
    diagnostics: Diagnostics,
    remote_cache: Path | None = None,
    strict: bool = False,
    impose: bool = False,
) -> tuple[Output, ...]:
    """Build the booklet at `source` into `out_dir`; raise `BookletError` on bad input.

    `remote_cache`: where remote images are fetched to; None (the default) fetches nothing.
    `strict`: a warning stops the build before anything is written.
    `impose` (or `impose: true` in booklet.yml): with the PDF, also write `<name>-print.pdf`.
    """
    booklet = load_booklet(source, diagnostics, remote_cache)
    resources = _resources(booklet)
    made: list[tuple[Path, bytes, float]] = []
    links = _download_links(booklet.name, formats, out_dir)
    printed: dict[str, PrintedPdf] = {}  # the PDF, laid out once: its pagination feeds the EPUB's page list
    helper = _make_epub_fonts_aside(booklet, resources, built_at) if "epub" in formats else None
    for kind in formats:
        if kind == "epub" and helper is not None:
            _print_edition(booklet, resources, built_at, printed)  # the page list's layout, meanwhile
            helper.join()  # its font subsets are in the cache now
        started = time.perf_counter()
        data = _make(kind, booklet, resources, built_at, links, printed)
        made.append((out_dir / f"{booklet.name}.{kind}", data, time.perf_counter() - started))
    if "pdf" in formats and (impose or booklet.metadata.impose):  # print at home: saddle-stitched
        started = time.perf_counter()
        data = impose_booklet(printed["pdf"].data)
        made.append((out_dir / f"{booklet.name}-print.pdf", data, time.perf_counter() - started))
    for note in printed["pdf"].moved_notes if "pdf" in printed else ():  # a note no page can hold
        message = f"note [^{note.label}] is too long for the foot of its page: the PDF prints it after its paragraph"
        diagnostics.warn(note.source, note.line, message)
    if "html" in formats:  # the web page's og:image and JSON-LD image: a file beside it
        made.append((out_dir / f"{booklet.name}-cover.png", resources["cover.png"], 0.0))
    if strict and diagnostics.warnings:
        raise BookletError(None, None, "warnings are errors with --strict: nothing was written")
    _prepare(out_dir)
    return tuple(Output(path, _write_atomically(path, data), seconds) for path, data, seconds in made)


def _download_links(name: str, formats: tuple[str, ...], out_dir: Path) -> dict[str, str]:
    """The web page links to the PDF and EPUB built in this run or already beside it (relative)."""
    kinds = [kind for kind in ("pdf", "epub") if kind in formats or (out_dir / f"{name}.{kind}").is_file()]
    return {kind.upper(): f"{name}.{kind}" for kind in kinds}


def _make(
    kind: str,
    booklet: Booklet,
    resources: dict[str, bytes],
    built_at: datetime,
    links: dict[str, str],
    printed: dict[str, PrintedPdf],
) -> bytes:
    if kind == "pdf":
        return _print_edition(booklet, resources, built_at, printed).data
    if kind == "epub":
        documents = render_html.render_epub(booklet, built_at)
        css = render_html.stylesheet("base.css", "epub.css", language=booklet.metadata.language)
        pages = _print_edition(booklet, resources, built_at, printed).pages
        return epub.write_epub(booklet, documents, css, resources, built_at, pages, _subset_font)
    page = render_html.render_web(web.shape_for_web(booklet), built_at, "cover.png", links)
    return web.inline_resources(page, booklet, resources)


def _print_edition(
    booklet: Booklet, resources: dict[str, bytes], built_at: datetime, printed: dict[str, PrintedPdf]
) -> PrintedPdf:
    """The PDF, laid out once per build: its bytes, and on which page each element id lands."""
    if "pdf" not in printed:
        from booklet import pdf  # imports WeasyPrint (half a second): a web-page-only build never needs it

        html = render_html.render_print(
            booklet, built_at, "cover.png", PAGE_SIZES[booklet.metadata.page_size]
        )
        printed["pdf"] = pdf.write_pdf(html, booklet, resources)
    return printed["pdf"]


def _resources(booklet: Booklet) -> dict[str, bytes]:
    """The files the outputs refer to, by the href they use: the cover and every image."""
    resources = {image.href: _read(image.source) for image in booklet.images}
    resources["cover.png"] = _cover(booklet)
    return resources


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BookletError(path, None, f"cannot read: {error.strerror}") from None


def _cover(booklet: Booklet) -> bytes:
    """The author's cover, or the generated one: drawn once, then taken from the user's cache."""
    if booklet.metadata.cover is not None:
        return _read(booklet.metadata.cover)
    meta = booklet.metadata
    family = epub.FONT_FAMILIES.get(writing_system(meta.language), epub.FONT_FAMILIES["zh-Hans"])[0]
    faces = (_font_face(f"{family}:bold"), _font_face(family))  # the language's glyph forms
    drawn_by = Path(cover.__file__).read_bytes()  # a change to the drawing code draws again
    key = repr(
        (
            meta.title,
            meta.subtitle,
            meta.authors,
            meta.publisher,
            meta.language,
            *map(_file_key, faces),
            drawn_by,
        )
    )
    return _cached("covers", key, ".png", lambda: cover.make_cover(meta, *faces))


def _make_epub_fonts_aside(
    booklet: Booklet, resources: dict[str, bytes], built_at: datetime
) -> multiprocessing.process.BaseProcess | None:
    """On a second core, make the EPUB's font subsets while this process lays out the PDF.

    Subsetting a CJK font for new text takes seconds. The child makes the EPUB with a
    stand-in page list of one page (the real one adds only page numbers, digits the subsets
    always hold), which leaves the subsets in the cache under the same characters; the EPUB
    made after the PDF finds them there. Its EPUB is dropped.
    Only a single-threaded process forks (the command line): in the preview's, another
    thread could hold a lock the child would wait on forever.
    """
    if not booklet.metadata.embed_fonts or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
        return None
    helper = multiprocessing.get_context("fork").Process(
        target=_make_epub_fonts, args=(booklet, resources, built_at), daemon=True
    )
    helper.start()
    return helper


def _make_epub_fonts(booklet: Booklet, resources: dict[str, bytes], built_at: datetime) -> None:
    """The child's work; multiprocessing ends it with `os._exit` (no handler of the parent's runs twice)."""
    try:
        documents = render_html.render_epub(booklet, built_at)
        pages = {booklet.chapters[0].id: 1}
        epub.write_epub(booklet, documents, "", resources, built_at, pages, _subset_font)
    except BaseException:  # noqa: BLE001 - silently: the parent makes the subsets itself and reports any error
        return


@functools.cache  # fontconfig is a subprocess: ask once per pattern, not for every cover and subset
def _font_face(pattern: str) -> tuple[Path, int]:
    """Ask fontconfig where a font lives (file, face index in a collection); the CJK fonts are a set-up step (`make`)."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}|%{family}", pattern],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        raise BookletError(
            None, None, "fontconfig (fc-match) is missing: run `make` to install the fonts"
        ) from None
    path, index, family = found.split("|", 2)
    if pattern.split(":")[0] not in family:
        raise BookletError(
            None, None, f"font `{pattern}` is not installed: run `make` (or apt-get install fonts-noto-cjk)"
        )
    return Path(path), int(index or 0)


def _subset_font(family: str, face: str, characters: str) -> bytes:
    """The EPUB's font subset, from the user's cache when this font file and these characters were seen before."""
    path, index = _font_face(family + EPUB_STYLES[face])
    key = "\0".join((_file_key((path, index)), fonts.SUBSET_VERSION, characters))
    return _cached("fonts", key, ".otf", lambda: fonts.subset_font(path.read_bytes(), index, characters))


def _file_key(face: tuple[Path, int]) -> str:
    """A font file's identity for a cache key: a font updated by the system makes new entries."""
    path, index = face
    stat = path.stat()
    return f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}"


def _cached(kind: str, key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
    """`make()`'s bytes, kept in the user's cache under a digest of `key`."""
    cached = cache_dir() / kind / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"
    if cached.is_file():
        return cached.read_bytes()
    data = make()
    try:  # a cache that cannot be written only costs time
        cached.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(cached, data)
    except (OSError, BookletError):
        pass
    return data


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/booklet, or ~/.cache/booklet (XDG Base Directory Specification)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "booklet"


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


def _write_atomically(path: Path, data: bytes) -> int:
    """Write through a temporary file beside `path` (files.py): a reader never sees half a file."""
    try:
        files.write_atomically(path, data)
    except OSError as error:
        raise BookletError(
            path, None, f"cannot write ({error.strerror}): choose another folder with --out"
        ) from None
    return len(data)
