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
from booklet.model import Booklet
from booklet.render_html import EpubDocument, render_template

__all__ = ["FONT_FACES", "cover_alt", "write_epub"]

# The faces embedded when `embed_fonts` is on: (name handed to `subset_fonts`, CSS weight, file).
FONT_FACES = (("regular", 400, "fonts/serif-regular.otf"), ("bold", 700, "fonts/serif-bold.otf"))
FONT_FAMILY = "Noto Serif CJK SC"

# What readers draw from CSS rather than text: list bullets and numbers.
MARKER_CHARACTERS = "0123456789.•◦▪–"

# (face name, characters) → an OpenType subset of that face holding those characters.
FontSubsetter = Callable[[str, str], bytes]


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
    if subset_fonts is not None and booklet.metadata.embed_fonts:
        characters = _characters(content.documents)
        for face, _, href in FONT_FACES:
            files[href] = subset_fonts(face, characters)
        css = render_template("epub_fonts.css.j2", faces=FONT_FACES, family=FONT_FAMILY) + css
    return package_epub(booklet, content, css, files, cover_href, built_at)


def _cover_name(image: bytes) -> str:
    """The cover's file name by what its bytes are: an author's cover may be a JPEG or a GIF,
    and a name (and media type) that lies about the format is an EPUBCheck error."""
    if image.startswith(b"\xff\xd8\xff"):
        return "cover.jpg"
    if image.startswith((b"GIF87a", b"GIF89a")):
        return "cover.gif"
    return "cover.png"


def _characters(documents: tuple[EpubDocument, ...]) -> str:
    """Every character the documents can show, sorted; markup's few ASCII characters come along, cheaply."""
    used = set().union(*(set(document.xhtml) for document in documents)) | set(MARKER_CHARACTERS)
    return "".join(sorted(c for c in used if c.isprintable() or c == " "))
