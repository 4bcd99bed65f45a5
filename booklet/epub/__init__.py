"""Stage 3b: the EPUB 3, from the rendered XHTML documents and the print pagination.

Takes the model, the rendered title page and chapters, the stylesheet, the files
they use, the build date, the PDF's pagination (element id → printed page) and a
way to make font subsets; returns the EPUB's bytes. Two steps, one module each:
`documents` finishes the content documents (cover, navigation, footnote
semantics, page-break markers), `package` writes the package and the zip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from booklet.epub.documents import cover_alt, finish_documents
from booklet.epub.package import package_epub
from booklet.model import Booklet, writing_system
from booklet.render_html import EpubDocument, render_template

__all__ = ["FONT_FACES", "FONT_FAMILIES", "cover_alt", "write_epub"]

# The faces embedded when `embed_fonts` is on: (name handed to `subset_fonts`, CSS weight, file).
FONT_FACES = (("regular", 400, "fonts/serif-regular.otf"), ("bold", 700, "fonts/serif-bold.otf"))
# Each CJK writing system's face (regional glyph forms, and where 。、 sit: centred in zh-Hant),
# then the same design under the names other systems give it.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "zh-Hans": ("Noto Serif CJK SC", "Source Han Serif SC", "Songti SC"),
    "zh-Hant": ("Noto Serif CJK TC", "Source Han Serif TC", "Songti TC"),
    "ja": ("Noto Serif CJK JP", "Source Han Serif", "Hiragino Mincho ProN"),
    "ko": ("Noto Serif CJK KR", "Source Han Serif K", "AppleMyungjo"),
}
# The characters a CJK face is embedded for in a booklet in another language (its Latin text
# keeps the reader's own font): CJK punctuation, kana, Han, Hangul, full-width forms.
CJK_RANGES = (
    (0x2E80, 0x2FFF),
    (0x3000, 0x30FF),
    (0x3100, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)

# What readers draw from CSS rather than text: list bullets and numbers.
MARKER_CHARACTERS = "0123456789.•◦▪–"

# (family, face name, characters) → an OpenType subset of that face holding those characters.
FontSubsetter = Callable[[str, str, str], bytes]


def write_epub(
    booklet: Booklet,
    documents: tuple[EpubDocument, ...],
    css: str,
    resources: Mapping[str, bytes],
    built_at: datetime,
    pages: Mapping[str, int] | None = None,
    subset_fonts: FontSubsetter | None = None,
) -> bytes:
    """The EPUB's bytes. Without `pages` there is no page list; without `subset_fonts`, no embedded font."""
    files = {href: data for href, data in resources.items() if href != "cover.png"}
    cover_href = _cover_name(resources["cover.png"])
    files[cover_href] = resources["cover.png"]
    content = finish_documents(booklet, documents, pages or {}, cover_href)
    characters = _characters(content.documents)
    system: str | None = writing_system(booklet.metadata.language)
    latin = system == "other"
    if latin:  # the reader's own Latin faces (real italics); a CJK face only for CJK text
        characters = "".join(c for c in characters if _is_cjk(c))
        system = _cjk_system(characters) if characters else None
    embedded = None
    if subset_fonts is not None and booklet.metadata.embed_fonts and system is not None:
        embedded = FONT_FAMILIES[system][0]
        for face, _, href in FONT_FACES:
            files[href] = subset_fonts(embedded, face, characters)
    css = (
        render_template(
            "epub_fonts.css.j2",
            faces=FONT_FACES if embedded else (),
            family=embedded,
            unicode_range=_unicode_range() if latin else None,
            families=FONT_FAMILIES.get(system or "", ()),
            cjk_first=not latin,
        )
        + css
    )
    return package_epub(booklet, content, css, files, cover_href, built_at)


def _cover_name(image: bytes) -> str:
    """The cover's file name by what its bytes are: an author's cover may be a JPEG or a GIF,
    and a name (and media type) that lies about the format is an EPUBCheck error."""
    if image.startswith(b"\xff\xd8\xff"):
        return "cover.jpg"
    if image.startswith((b"GIF87a", b"GIF89a")):
        return "cover.gif"
    return "cover.png"


def _is_cjk(character: str) -> bool:
    return any(low <= ord(character) <= high for low, high in CJK_RANGES)


def _cjk_system(characters: str) -> str:
    """Which regional face suits CJK text found in a booklet in another language: kana → JP,
    Hangul → KR, else Simplified Chinese (the project's first language)."""
    if any(0x3040 <= ord(c) <= 0x30FF for c in characters):
        return "ja"
    if any(0xAC00 <= ord(c) <= 0xD7FF or 0x1100 <= ord(c) <= 0x11FF for c in characters):
        return "ko"
    return "zh-Hans"


def _unicode_range() -> str:
    return ", ".join(f"U+{low:04X}-{high:04X}" for low, high in CJK_RANGES)


def _characters(documents: tuple[EpubDocument, ...]) -> str:
    """Every character the documents can show, sorted; markup's few ASCII characters come along, cheaply."""
    used = set().union(*(set(document.xhtml) for document in documents)) | set(MARKER_CHARACTERS)
    return "".join(sorted(c for c in used if c.isprintable() or c == " "))
