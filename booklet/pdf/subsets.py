"""Stage 3a, under `layout`: the subsets of the fonts WeasyPrint embeds, kept from one build to the next.

WeasyPrint cuts each font it embeds down to the glyphs drawn (`Font.subset`, HarfBuzz): for
the two Noto CJK faces of a booklet, a fifth of a build's CPU time. The subset depends only
on the font file, the face, the glyphs and the options, so `build` keeps it in the user's
cache: while `kept_subsets(keep)` is in effect (the PDF being written), `Font.subset` asks
`keep` for the bytes under that key, and `keep` makes them with WeasyPrint's own subsetting
the first time. A subset that fails (WeasyPrint warns and embeds the whole font) is not kept.
The PDF is the same byte for byte (tests/test_pdf_fonts.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import weasyprint
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz

# (key, make) → the bytes kept under `key`, made by `make()` when there are none (b"": no subset).
SubsetKeeper = Callable[[str, Callable[[], bytes]], bytes]

_keeper: ContextVar[SubsetKeeper | None] = ContextVar("booklet_subset_keeper", default=None)
_original: list[Callable[..., None]] = []  # WeasyPrint's own `Font.subset`, once replaced


@contextmanager
def kept_subsets(keep: SubsetKeeper | None) -> Iterator[None]:
    """While in effect (in this thread), WeasyPrint's font subsets come from `keep`."""
    if not _original:
        _original.append(Font.subset)
        Font.subset = _subset
    token = _keeper.set(keep)
    try:
        yield
    finally:
        _keeper.reset(token)


def _subset(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
    """`Font.subset`, from the keeper when there is one (WeasyPrint does nothing without glyphs)."""
    keep, original = _keeper.get(), _original[0]
    if keep is None or not to_unicode:
        original(font, to_unicode, hinting)
        return
    made: list[bool] = []

    def make() -> bytes:
        made.append(True)
        whole = _face_length(font)
        original(font, to_unicode, hinting)
        data: bytes | None = font.file_content
        return data if data and len(data) != whole else b""  # the whole font: the subset failed

    data = keep(_key(font, to_unicode, hinting), make)
    if data:
        font.file_content = data
    elif not made:  # kept as failed: WeasyPrint tries again, and warns again
        original(font, to_unicode, hinting)


def _key(font: Any, to_unicode: dict[int, str], hinting: bool) -> str:
    """What the subset depends on: the font (its table directory), the face, the glyphs, the options, the code."""
    glyphs = ",".join(map(str, sorted(to_unicode)))
    versions = f"WeasyPrint {weasyprint.__version__}, HarfBuzz {_harfbuzz_version()}"
    index = harfbuzz.hb_face_get_index(font.hb_face)
    return f"{versions}|{_face_digest(font)}|{index}|{hinting}|{bool(font.missing)}|{glyphs}"


@functools.cache
def _harfbuzz_version() -> str:
    """The loaded HarfBuzz's version (WeasyPrint declares only `hb_version_atleast`)."""
    major = max(n for n in range(100) if harfbuzz.hb_version_atleast(n, 0, 0))
    minor = max(n for n in range(1000) if harfbuzz.hb_version_atleast(major, n, 0))
    micro = max(n for n in range(1000) if harfbuzz.hb_version_atleast(major, minor, n))
    return f"{major}.{minor}.{micro}"


def _face_digest(font: Any) -> str:
    """The face's identity: SHA-256 of the file's length and the face's table directory, where the
    font records each table's checksum, offset and length (OpenType §5.2, "Table directory").
    Read in place: hashing the whole file would read a 26 MB collection into memory on every build."""
    blob = harfbuzz.hb_face_reference_blob(font.hb_face)
    try:
        length = ffi.new("unsigned int *")
        data = ffi.buffer(harfbuzz.hb_blob_get_data(blob, length), length[0])
        start = _directory(data, harfbuzz.hb_face_get_index(font.hb_face))
        tables = int.from_bytes(data[start + 4 : start + 6], "big")
        directory = bytes(data[start : start + 12 + 16 * tables])
        return hashlib.sha256(len(data).to_bytes(8, "big") + directory).hexdigest()
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _directory(data: Any, index: int) -> int:
    """Where face `index`'s table directory starts: in a collection, its header says (§5.1, "TTC header")."""
    if bytes(data[:4]) != b"ttcf":
        return 0
    return int.from_bytes(data[12 + 4 * index : 16 + 4 * index], "big")


def _face_length(font: Any) -> int:
    blob = harfbuzz.hb_face_reference_blob(font.hb_face)
    try:
        return int(harfbuzz.hb_blob_get_length(blob))
    finally:
        harfbuzz.hb_blob_destroy(blob)
