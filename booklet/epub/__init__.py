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
from dataclasses import dataclass
from datetime import datetime

from booklet.assets import Assets
from booklet.epub.check import check_epub, check_written_epub
from booklet.epub.documents import Content, EpubDocument, cover_alt, finish_documents, render_documents
from booklet.epub.package import package_epub
from booklet.fonts import EMOJI_FACE, EMOJI_FAMILY, FONT_FACES, FONT_FAMILIES
from booklet.model import Booklet
from booklet.scripts import CJK_RANGES, cjk_system_of, is_cjk_character, is_pictograph, writing_system
from booklet.theme import render_template, stylesheet

__all__ = ["check_epub", "check_written_epub", "cover_alt", "font_subsets", "write_epub"]

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
    fonts = _fonts(booklet, content)
    if subset_fonts is not None:
        for href, family, face, characters in fonts.subsets:
            files[href] = subset_fonts(family, face, characters)
    embedded = fonts.embedded if subset_fonts is not None else None
    emoji = subset_fonts is not None and any(href == EMOJI_FACE for href, *_ in fonts.subsets)
    emoji_href = EMOJI_FACE if emoji else None
    system, latin = fonts.system, fonts.latin
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


def font_subsets(booklet: Booklet, assets: Assets, built_at: datetime) -> tuple[tuple[str, str, str], ...]:
    """The font subsets `write_epub` asks `subset_fonts` for, (family, face, characters), known before
    the print layout: with a page list of one page, whose characters the real one adds nothing to
    (its page numbers are digits, which every subset holds)."""
    content = finish_documents(
        booklet, render_documents(booklet, built_at), {booklet.chapters[0].id: 1}, assets.cover.href
    )
    return tuple(
        (family, face, characters) for _, family, face, characters in _fonts(booklet, content).subsets
    )


@dataclass(frozen=True, slots=True)
class _Fonts:
    """The faces the EPUB embeds (when `embed_fonts`): `subsets` as (file, family, face, characters)."""

    system: str | None  # the CJK writing system of the text, if any (`other`: Latin, no CJK face)
    latin: bool  # a Latin booklet: the reader's own faces, a CJK face only for CJK text
    embedded: str | None  # the CJK family embedded
    subsets: tuple[tuple[str, str, str, str], ...]


def _fonts(booklet: Booklet, content: Content) -> _Fonts:
    characters = _characters(content.documents)
    pictographs = "".join(c for c in characters if is_pictograph(c))
    system: str | None = writing_system(booklet.metadata.language)
    latin = system == "other"
    if latin:  # the reader's own Latin faces (real italics); a CJK face only for CJK text
        characters = "".join(c for c in characters if is_cjk_character(c))
        system = cjk_system_of(characters) if characters else None
    embed = booklet.metadata.embed_fonts
    embedded = FONT_FAMILIES[system][0] if embed and system is not None else None
    subsets = [(href, embedded, face, characters) for face, _, href in FONT_FACES if embedded]
    if embed and pictographs:
        subsets.append((EMOJI_FACE, EMOJI_FAMILY, "regular", pictographs))
    return _Fonts(system, latin, embedded, tuple(subsets))


def _unicode_range() -> str:
    return ", ".join(f"U+{low:04X}-{high:04X}" for low, high in CJK_RANGES)


def _characters(documents: tuple[EpubDocument, ...]) -> str:
    """Every character the documents can show, sorted; markup's few ASCII characters come along, cheaply."""
    used = set().union(*(set(document.xhtml) for document in documents)) | set(MARKER_CHARACTERS)
    return "".join(sorted(c for c in used if c.isprintable() or c == " "))
