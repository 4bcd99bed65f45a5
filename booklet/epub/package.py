"""Stage 3b, second half: the package document and the zip, written by ebooklib.

Takes the model, the finished content documents, the stylesheet, fonts and other
files; returns the EPUB's bytes. ebooklib writes the manifest, spine and NCX; the
navigation document is ours (ebooklib's has no page list) and goes in as an item
with `properties="nav"`. The zip is then rewritten with a fixed order and fixed
dates, so the same input always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ebooklib import epub
from lxml import etree

from booklet.epub.documents import NAV_FILE, Content, PageBreak, TocEntry
from booklet.errors import BookletError
from booklet.model import Booklet

XHTML = "application/xhtml+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "otf": "font/otf",
    "ttf": "font/ttf",
    "css": "text/css",
}


class _Writer(epub.EpubWriter):  # type: ignore[misc]
    """ebooklib's writer, plus `xml:lang` on `<package>` (EPUB 3.3 §5.4.1.3; Ace `epub-lang`)
    and the print pages in the NCX, for readers that take page numbers from there (Adobe's)."""

    page_breaks: tuple[PageBreak, ...] = ()

    def _write_opf_file(self, root: etree._Element) -> None:
        root.set(XML_LANG, self.book.language)
        # schema:, a11y:, dcterms: and rendition: are reserved prefixes (EPUB 3.3 §D.3.1):
        # declaring one again is an EPUBCheck warning.
        del root.attrib["prefix"]
        super()._write_opf_file(root)

    def _get_ncx(self) -> bytes:
        """ebooklib's NCX with its real depth, and a `pageList` (Z39.86-2005 §8.4.2) with its counts."""
        ncx = etree.fromstring(super()._get_ncx())
        points = list(ncx.iter(f"{{{NCX_NS}}}navPoint"))
        depth = max((len(list(p.iterancestors(f"{{{NCX_NS}}}navPoint"))) + 1 for p in points), default=0)
        pages = [mark.page for mark in self.page_breaks]
        counts = {
            "dtb:depth": depth,
            "dtb:totalPageCount": len(pages),
            "dtb:maxPageNumber": max(pages, default=0),
        }
        for meta in ncx.iterfind(f"{{{NCX_NS}}}head/{{{NCX_NS}}}meta"):
            name = meta.get("name")
            if name is not None and name in counts:
                meta.set("content", str(counts[name]))
        if self.page_breaks:
            page_list = etree.SubElement(ncx, f"{{{NCX_NS}}}pageList")
            for mark in self.page_breaks:
                target = etree.SubElement(page_list, f"{{{NCX_NS}}}pageTarget")
                target.attrib.update(
                    {"id": f"page-target-{mark.page}", "type": "normal", "value": str(mark.page)}
                )
                label = etree.SubElement(
                    etree.SubElement(target, f"{{{NCX_NS}}}navLabel"), f"{{{NCX_NS}}}text"
                )
                label.text = str(mark.page)
                etree.SubElement(target, f"{{{NCX_NS}}}content", src=mark.href)
        return bytes(etree.tostring(ncx, encoding="utf-8", xml_declaration=True))


def package_epub(
    booklet: Booklet,
    content: Content,
    css: str,
    files: Mapping[str, bytes],
    cover_href: str,
    built_at: datetime,
) -> bytes:
    """Package documents and files (`href` → bytes) into an EPUB 3; return the zip's bytes."""
    book = epub.EpubBook()
    _metadata(book, booklet, content)
    book.set_cover(cover_href, files[cover_href], create_page=False)
    book.add_item(
        epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=css.encode())
    )
    for number, (href, data) in enumerate(sorted(files.items()), start=1):
        if href != cover_href:
            book.add_item(
                epub.EpubItem(
                    uid=f"file{number:03d}", file_name=href, media_type=_media_type(href), content=data
                )
            )
    spine = []
    for document in content.documents:
        item = epub.EpubItem(
            uid=_uid(document.file_name),
            file_name=document.file_name,
            media_type=XHTML,
            content=document.xhtml.encode(),
        )
        if document.file_name == NAV_FILE:
            item.properties = ["nav"]
        book.add_item(item)
        spine.append(item)
    book.toc = [_ncx_entry(entry) for entry in content.toc]
    book.add_item(epub.EpubNcx())
    book.spine = spine
    raw = io.BytesIO()
    writer = _Writer(
        raw,
        book,
        {"mtime": built_at, "raise_exceptions": True, "epub3_pages": False, "epub3_landmark": False},
    )
    writer.page_breaks = content.page_breaks
    writer.process()
    writer.write()
    return _repack(raw.getvalue(), built_at, booklet)


def _metadata(book: epub.EpubBook, booklet: Booklet, content: Content) -> None:
    """Dublin Core, then EPUB Accessibility 1.1 metadata (§5.1 and the a11y metadata guide)."""
    meta = booklet.metadata
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    for number, author in enumerate(meta.authors, start=1):
        book.add_author(author, uid=f"creator{number}")
    for name, value in (
        ("description", meta.description),
        ("publisher", meta.publisher),
        ("date", meta.date),
        ("rights", meta.license),
    ):
        if value and value.strip():  # no empty dc: element (Kindle rejects them)
            book.add_metadata("DC", name, value.strip())
    for tag in meta.tags:
        if tag.strip():
            book.add_metadata("DC", "subject", tag.strip())
    for property_, value in _accessibility(booklet, content):
        book.add_metadata(None, "meta", value, _attributes(property_, value))


def _attributes(property_: str, value: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {"property": property_}
    if property_ == "schema:accessibilitySummary":
        attributes[XML_LANG] = "en"
    return attributes


def _accessibility(booklet: Booklet, content: Content) -> list[tuple[str, str]]:
    paged = bool(content.page_breaks)
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
    ]
    if paged:
        features += ["pageBreakMarkers", "pageNavigation"]
    summary = (
        "Text with headings, a table of contents and text alternatives for every image; "
        "footnotes link to their calls and back."
        + (" Page-break markers and a page list follow the PDF edition." if paged else "")
        + f" Meets {CONFORMS_TO}."
    )
    entries = [("schema:accessMode", "textual")]
    if booklet.images:
        entries.append(("schema:accessMode", "visual"))
    entries += [("schema:accessModeSufficient", "textual")]
    entries += [("schema:accessibilityFeature", feature) for feature in features]
    entries += [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary)]
    entries += [("dcterms:conformsTo", CONFORMS_TO)]
    if paged:
        entries.append(("pageBreakSource", f"{booklet.name}.pdf ({booklet.metadata.page_size})"))
    return entries


def _ncx_entry(entry: TocEntry) -> Any:
    """An NCX nav point for older readers, nested as ebooklib expects: a link, or (section, children)."""
    link = epub.Link(entry.href, entry.title, "nav-" + entry.href.replace(".xhtml", "").replace("#", "-"))
    if not entry.children:
        return link
    return (link, [_ncx_entry(child) for child in entry.children])


def _uid(file_name: str) -> str:
    return file_name.removesuffix(".xhtml").replace("/", "-").replace(".", "-")


def _media_type(href: str) -> str:
    return MEDIA_TYPES[href.rsplit(".", 1)[-1].lower()]


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
