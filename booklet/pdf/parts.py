"""Stage 3a, the layout in parts: the print document laid out as one WeasyPrint document per part.

Takes the typeset print document; returns the same pages as one layout of the whole
(`layout.lay_out`), made from parts that can be laid out on their own and kept:

    kept = PartCache()                            # one per long-lived process (the preview)
    pdf, pages, warnings = lay_out_parts(html, booklet, assets, report, kept=kept)

A part begins wherever the print stylesheet starts a page: the cover, the title page, the
contents, each chapter that is not run on under the one before (print.css, `break-before`),
and the colophon. Each part is laid out as a document of its own from its first page's number
and side, and knowing the named strings the parts before it set; its pages are then merged
(`Document.copy`) and WeasyPrint writes the links, anchors, outline and PDF/UA structure tree
from the merged pages, as it does for one layout. What crosses parts:

- the page counter, the side and a leading blank page (`break-before: right` after a right
  page): `layout.starting_at` gives WeasyPrint's first page the number and side it has in the
  whole book, and blank when the part's first element asks for the other side;
- running heads: a named string (`string-set`) that a part does not set itself comes from
  the parts before it (the booklet's title, set once on the title page);
- the contents' page numbers (`target-counter`), which point into other parts: the contents
  part is given them as `data-page` attributes (`_CONTENTS_NUMBERS`), laid out again when
  they change, and the parts after it again when its page count does;
- footnote numbers are in the HTML (notes.py), the `pages` map is counted over the merged pages.

Each part's laid-out pages are kept in `kept` under its HTML, first page and incoming strings:
after an edit, only the edited part is laid out again, and those after it only when its page
count changed. A booklet whose own stylesheet touches what crosses parts (breaks, named pages,
counters, strings, `:first`/`:nth`) is laid out whole (`parts_allowed`).

For two cores (issue 15 item 4), what this finds: a part's layout depends on the parts before
it only through its first page's number and side, the named strings and the contents' numbers,
so parts could be laid out in two processes, the second from a start page guessed (the last
build's, or an estimate) and laid out again when the guess is wrong. What stands in the way is
that laid-out pages cannot leave their process (their boxes hold Pango layouts and lxml
elements: nothing pickles), so each process must draw its own PDF and the two be merged with
pikepdf: pages, the structure trees (`/StructParents` and the parent tree renumbered, MCIDs
are per page), the outline, the links between the halves (WeasyPrint drops a link whose
anchor is not in its document: they must be written after the merge), and each process's
subsets of the same fonts (two subsets of Noto CJK: a larger file, unless merged again).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from booklet.assets import Assets
from booklet.model import Booklet, Step
from booklet.pdf.compact import Compactor
from booklet.pdf.layout import LaidOut, Start, check_glyphs, lay_out, lay_out_document, write_document
from booklet.pdf.subsets import SubsetKeeper

# The contents' page numbers when the contents is laid out apart from the chapters: print.css's
# `.contents a::after` with each number given, not looked up (`target-counter`) in the chapters.
_CONTENTS_NUMBERS = '.contents a::after { content: leader("·") attr(data-page); }'
# What, in the author's stylesheet, could make a part's pages differ from the whole book's.
_CROSSING = re.compile(
    r"(?<![\w@-])(?:(?:page-)?break-(?:before|after)|page|counter-(?:reset|increment|set)|string-set)\s*:"
    r"|(?<![\w-])(?:counters?|string|target-counters?|target-text|running|element)\("
    r"|:(?:first|nth|blank)(?![\w-])",
    re.IGNORECASE,
)
_MAX_PASSES = 4  # contents numbers → contents length → chapters' pages …: settles in one or two
_Key = tuple[str, int, tuple[tuple[str, str], ...]]  # a part's HTML digest, first page, incoming strings


@dataclass(frozen=True, slots=True)
class _Part:
    """One part's laid-out pages and what it passes on."""

    laid_out: LaidOut
    strings: tuple[tuple[str, str], ...]  # the named strings in force after its last page


class PartCache:
    """The parts laid out by the last layout, by (document digest, first page, incoming strings).

    Kept by a long-lived process (the preview) from one build to the next; a layout keeps only
    the parts it used, so the cache never holds more than one book. Images are shared through
    `images` (WeasyPrint's image cache), dropped when the booklet's files change.
    """

    def __init__(self) -> None:
        self.parts: dict[_Key, _Part] = {}
        self.images: dict[str, object] = {}
        self.numbers: dict[str, int] = {}  # the contents' page numbers, by the id each entry points to
        self.assets = ""
        self.laid_out = 0  # parts laid out (not found here) by the last layout: the tests look


def parts_allowed(booklet: Booklet) -> bool:
    """Whether the booklet may be laid out in parts: its own stylesheet touches nothing that crosses them."""
    return not _CROSSING.search(booklet.style or "")


def lay_out_parts(
    html: str,
    booklet: Booklet,
    assets: Assets,
    report: Callable[[Step], None],
    write: bool = True,
    compact: Compactor | None = None,
    keep_subsets: SubsetKeeper | None = None,
    kept: PartCache | None = None,
) -> tuple[bytes, dict[str, int], tuple[str, ...]]:
    """`layout.lay_out`'s result, laid out part by part (see the module docstring).

    The contents' numbers are first those of the last layout (`kept`), or none; when the
    chapters' pages say otherwise, the contents is laid out again with them, and so on.
    """
    kept = kept if kept is not None else PartCache()
    digest = _assets_digest(assets)
    if kept.assets != digest:
        kept.parts, kept.images, kept.numbers, kept.assets = {}, {}, {}, digest
    documents = _part_documents(html)
    contents = next((i for i, doc in enumerate(documents) if doc.contents), None)
    used: dict[_Key, _Part] = {}
    kept.laid_out = 0
    for _ in range(_MAX_PASSES):
        laid = list(_lay_out_all(documents, kept.numbers, booklet, assets, report, kept, used))
        pages = _page_map(laid)
        wanted = {} if contents is None else {href: pages.get(href, 0) for href in documents[contents].links}
        if wanted == kept.numbers:
            break
        kept.numbers = wanted
    else:  # never settled (a contents whose length follows its own numbers): the book whole
        kept.parts, kept.numbers = {}, {}
        return lay_out(html, booklet, assets, report, write, compact, keep_subsets)
    kept.parts = {key: part for key, part in used.items() if any(part is p for p in laid)}
    merged = [page for part in laid for page in part.laid_out.document.pages]
    document = laid[0].laid_out.document.copy(merged)
    pdf, written = write_document(document, report, compact, keep_subsets) if write else (b"", ())
    warnings = tuple(message for part in laid for message in part.laid_out.warnings) + written
    check_glyphs(booklet, warnings)
    return pdf, pages, warnings


@dataclass(frozen=True, slots=True)
class _Document:
    """One part as a document of its own: its HTML, whether it holds the contents, and their links."""

    html: str
    contents: bool
    links: tuple[str, ...]  # the ids the contents' entries point to


def _part_documents(html: str) -> list[_Document]:
    """The print document cut before each element that starts a page (not a run-on chapter)."""
    root = lxml_html.document_fromstring(html)
    body = root.find("body")
    assert body is not None  # print.html.j2 has one
    children = list(body)
    groups: list[list[lxml_html.HtmlElement]] = []
    for child in children:
        body.remove(child)
        if groups and "run-on" in (child.get("class") or "").split():
            groups[-1].append(child)
        else:
            groups.append([child])
    documents = []
    for group in groups:
        body.extend(group)
        nav = next((e for e in group if "contents" in (e.get("class") or "").split()), None)
        links = tuple(a.get("href", "")[1:] for a in nav.iter("a")) if nav is not None else ()
        documents.append(_Document(_serialize(root), nav is not None, links))
        for element in group:
            body.remove(element)
    return documents


def _with_numbers(document: _Document, numbers: dict[str, int]) -> str:
    """The contents part's HTML with each entry's page number given (`data-page`)."""
    root = lxml_html.document_fromstring(document.html)
    for nav in root.find_class("contents"):
        for link in nav.iter("a"):
            link.set("data-page", str(numbers.get(link.get("href", "")[1:], 0)))
    head = root.find("head")
    assert head is not None
    style = etree.SubElement(head, "style")
    style.text = _CONTENTS_NUMBERS
    return _serialize(root)


def _lay_out_all(
    documents: list[_Document],
    numbers: dict[str, int],
    booklet: Booklet,
    assets: Assets,
    report: Callable[[Step], None],
    kept: PartCache,
    used: dict[_Key, _Part],
) -> Iterator[_Part]:
    """Each part from the page after the last one's, found in `kept` or laid out."""
    page, strings = 1, ()  # type: tuple[int, tuple[tuple[str, str], ...]]
    for document in documents:
        html = _with_numbers(document, numbers) if document.contents else document.html
        key = (hashlib.sha256(html.encode()).hexdigest(), page, strings)
        part = used.get(key) or kept.parts.get(key)
        if part is None:
            laid_out = lay_out_document(
                html, booklet, assets, report, Start(page, dict(strings)), kept.images
            )
            part = _Part(laid_out, tuple(sorted(laid_out.strings.items())))
            kept.laid_out += 1
        used[key] = part
        yield part
        page += len(part.laid_out.document.pages)
        strings = part.strings


def _page_map(parts: list[_Part]) -> dict[str, int]:
    """{element id: page number} over the merged pages, as `layout.lay_out` counts them."""
    pages: dict[str, int] = {}
    number = 0
    for part in parts:
        for page in part.laid_out.document.pages:
            number += 1
            for anchor in page.anchors:
                pages.setdefault(anchor, number)
    return pages


def _assets_digest(assets: Assets) -> str:
    digest = hashlib.sha256()
    for asset in assets.by_href().values():
        digest.update(asset.href.encode() + b"\0" + hashlib.sha256(asset.data).digest())
    return digest.hexdigest()


def _serialize(root: lxml_html.HtmlElement) -> str:
    return "<!DOCTYPE html>\n" + str(etree.tostring(root, encoding="unicode", method="html"))
