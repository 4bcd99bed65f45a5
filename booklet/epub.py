"""Stage 3b: the EPUB 3, packaged by ebooklib from the rendered XHTML documents.

Takes the model, the rendered documents, the stylesheet and the files they use;
returns the EPUB's bytes, with a fixed zip order and fixed dates so that the
same input always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime

from ebooklib import epub

from booklet.errors import BookletError
from booklet.model import Booklet
from booklet.render_html import EpubDocument

XHTML = "application/xhtml+xml"


def write_epub(
    booklet: Booklet,
    documents: tuple[EpubDocument, ...],
    css: str,
    resources: Mapping[str, bytes],
    built_at: datetime,
) -> bytes:
    book = _package(booklet, documents, css, resources)
    raw = io.BytesIO()
    writer = epub.EpubWriter(raw, book, {"mtime": built_at, "raise_exceptions": True, "epub3_pages": False})
    writer.process()
    writer.write()
    return _repack(raw.getvalue(), built_at, booklet)


def _package(
    booklet: Booklet, documents: tuple[EpubDocument, ...], css: str, resources: Mapping[str, bytes]
) -> epub.EpubBook:
    meta = booklet.metadata
    book = epub.EpubBook()
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    for author in meta.authors:
        book.add_author(author)
    for name, value in (("description", meta.description), ("publisher", meta.publisher), ("date", meta.date), ("rights", meta.license)):
        if value:
            book.add_metadata("DC", name, value)
    book.set_cover("cover.png", resources["cover.png"], create_page=True)
    book.add_item(epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=css.encode()))
    for href, data in resources.items():
        if href != "cover.png":
            book.add_item(epub.EpubItem(uid=href.replace("/", "-").replace(".", "-"), file_name=href, media_type=_media_type(href), content=data))
    items = []
    for document in documents:
        item = epub.EpubItem(uid=document.file_name.removesuffix(".xhtml"), file_name=document.file_name, media_type=XHTML, content=document.xhtml.encode())
        book.add_item(item)
        items.append(item)
    book.toc = [epub.Link(d.file_name, d.title, d.file_name.removesuffix(".xhtml")) for d in documents[1:]]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["cover", *items, "nav"]
    return book


def _media_type(href: str) -> str:
    suffix = href.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "otf": "font/otf", "css": "text/css"}[suffix]


def _repack(data: bytes, built_at: datetime, booklet: Booklet) -> bytes:
    """Rewrite the zip: `mimetype` first and stored (OCF §4.3), then every entry in name order, dated `built_at`."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BookletError(booklet.source, None, "ebooklib wrote a damaged EPUB") from None
    stamp = built_at.timetuple()[:6]
    if stamp[0] < 1980:
        stamp = (1980, 1, 1, 0, 0, 0)
    output = io.BytesIO()
    with source, zipfile.ZipFile(output, "w") as target:
        names = sorted(n for n in source.namelist() if n != "mimetype")
        for name in ["mimetype", *names]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name), compresslevel=9)
    return output.getvalue()
