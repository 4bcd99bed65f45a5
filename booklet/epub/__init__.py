"""Stage 3b: the EPUB 3, from the model and the print pagination.

Takes the model, the files it uses (cover, images), the build date, the PDF's pagination
(element id → printed page) and a way to make font subsets; returns the EPUB's bytes.
Two steps, one module each: `documents` renders and finishes the content documents
(cover, navigation, footnote semantics, page-break markers), `package` writes the
package and the zip. `check` reads any EPUB's bytes back for the hazards readers fail on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from booklet.assets import Assets
from booklet.epub.check import check_epub, check_written_epub
from booklet.epub.documents import EpubDocument, cover_alt, finish_documents, render_documents
from booklet.epub.package import package_epub
from booklet.fonts import EMOJI_FACE, EMOJI_FAMILY, FONT_FACES, FONT_FAMILIES
from booklet.model import Booklet
from booklet.scripts import CJK_RANGES, cjk_system_of, is_cjk_character, is_pictograph, writing_system
from booklet.theme import render_template, stylesheet

__all__ = ["check_epub", "check_written_epub", "cover_alt", "write_epub"]

# A custom property in the author's style.css (`--cover-ink: #fff;`, for the cover and the web page).
CUSTOM_PROPERTY = re.compile(r"(?<![\w-])--[\w-]+\s*:[^;{}]*;?")

# What readers draw from CSS rather than text: list bullets and numbers.
MARKER_CHARACTERS = "0123456789.•◦▪–"

# (family, face name, characters) → an OpenType subset of that face holding those characters.
FontSubsetter = Callable[[str, str, str], bytes]


def write_epub(
    booklet: Booklet,
    assets: Assets,
    built_at: datetime,
    pages: Mapping[str, int] | None = None,
    subset_fonts: FontSubsetter | None = None,
) -> bytes:
    """The EPUB's bytes. Without `pages` there is no page list; without `subset_fonts`, no embedded font."""
    documents = render_documents(booklet, built_at)
    author = CUSTOM_PROPERTY.sub("", booklet.style)  # Kindle's converter rejects them (epub/check.py)
    css = stylesheet("base.css", "epub.css", language=booklet.metadata.language, author=author)
    files = {asset.href: asset.data for asset in assets.all()}
    cover_href = assets.cover.href
    content = finish_documents(booklet, documents, pages or {}, cover_href)
    characters = _characters(content.documents)
    pictographs = "".join(c for c in characters if is_pictograph(c))
    system: str | None = writing_system(booklet.metadata.language)
    latin = system == "other"
    if latin:  # the reader's own Latin faces (real italics); a CJK face only for CJK text
        characters = "".join(c for c in characters if is_cjk_character(c))
        system = cjk_system_of(characters) if characters else None
    embedded = None
    if subset_fonts is not None and booklet.metadata.embed_fonts and system is not None:
        embedded = FONT_FAMILIES[system][0]
        for face, _, href in FONT_FACES:
            files[href] = subset_fonts(embedded, face, characters)
    emoji_href = None
    if subset_fonts is not None and booklet.metadata.embed_fonts and pictographs:
        emoji_href = EMOJI_FACE
        files[emoji_href] = subset_fonts(EMOJI_FAMILY, "regular", pictographs)
    css = (
        render_template(
            "epub_fonts.css.j2",
            emoji_family=EMOJI_FAMILY,
            emoji_href=emoji_href,
            faces=FONT_FACES if embedded else (),
            family=embedded,
            unicode_range=_unicode_range() if latin else None,
            families=FONT_FAMILIES.get(system or "", ()),
            cjk_first=not latin,
        )
        + css
    )
    return package_epub(booklet, content, css, files, cover_href, built_at)


def _unicode_range() -> str:
    return ", ".join(f"U+{low:04X}-{high:04X}" for low, high in CJK_RANGES)


def _characters(documents: tuple[EpubDocument, ...]) -> str:
    """Every character the documents can show, sorted; markup's few ASCII characters come along, cheaply."""
    used = set().union(*(set(document.xhtml) for document in documents)) | set(MARKER_CHARACTERS)
    return "".join(sorted(c for c in used if c.isprintable() or c == " "))
