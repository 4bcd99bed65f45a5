"""The content model: frozen values passed from one stage to the next.

`content.load_booklet` makes a `Booklet`; the renderers and writers only read it.
Every value keeps the file (and line) it came from, so a later stage can still
report a located error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

FORMATS = ("pdf", "epub", "html")  # the outputs booklet writes, in the order it writes them
# The build's stages as the command line shows them (`Step`), in the order they run.
Stage = Literal["read", "layout", "pdf", "epub", "html", "impose"]
# The one thread that may run beside a build that forks (progress.py): it takes no lock a child needs.
PROGRESS_THREAD = "booklet-progress"

# The elements a chapter's or a note's `html` may hold (the reading stage's sanitizer keeps
# these and no other): the blocks, which a writer setting a note inline turns into spans
# (pdf/notes.py), and the inline elements.
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "blockquote",
        "pre",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "details",
        "summary",
        "figure",
        "figcaption",
        "table",
        "caption",
        "colgroup",
        "col",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
    ]
)
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "br",
        "cite",
        "code",
        "del",
        "em",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "u",
        "var",
    ]
)

FootnoteNumbering = Literal["chapter", "booklet"]
ChapterStart = Literal["auto", "page", "right", "run-in"]
RemoteImages = Literal["error", "fetch", "link"]

# The print geometry of each page size: page width and height, body font size (pt). The text
# block is a whole number of characters wide (print.html.j2, clreq §3.1.3).
PAGE_GEOMETRY: dict[str, tuple[float, float, float]] = {
    "A4": (595.2756, 841.8898, 11.0),
    "A5": (419.5276, 595.2756, 10.5),
    "A6": (297.6378, 419.5276, 9.0),
    "B5": (498.8976, 708.6614, 10.5),
    "Letter": (612.0, 792.0, 11.0),
    "6x9": (432.0, 648.0, 10.5),
}

# Page sizes an author may name in booklet.yml, as CSS `size` values.
PAGE_SIZES: dict[str, str] = {
    "A4": "A4",
    "A5": "A5",
    "A6": "A6",
    "B5": "B5",
    "Letter": "letter",
    "6x9": "6in 9in",
}


@dataclass(frozen=True, slots=True)
class Step:
    """How far a build has got: a stage begun (`seconds` None), a count so far (chapters read,
    pages laid out), or the stage ended after `seconds`."""

    stage: Stage
    count: int = 0
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Metadata:
    """What `booklet.yml` (or a post's front matter) says about the booklet."""

    title: str  # text: where only text fits (`<title>`, PDF metadata, dc:title)
    source: Path
    title_html: str = ""  # the title's Markdown rendered, for the title page ("": the text)
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    language: str = "zh-CN"
    date: str | None = None
    publisher: str | None = None
    description: str | None = None
    identifier: str = ""
    cover: Path | None = None
    base_url: str | None = None
    page_size: str = "A5"
    tags: tuple[str, ...] = ()
    license: str | None = None
    footnote_numbering: FootnoteNumbering = "chapter"
    chapter_start: ChapterStart = "auto"
    embed_fonts: bool = True
    impose: bool = False
    css: tuple[Path, ...] = ()  # the author's stylesheets: `css:`, or style.css beside booklet.yml
    max_chapter_mb: int = 5  # the largest chapter (or footnotes.md) read, in MB
    max_image_mb: int = 20  # the largest image (or cover) read, in MB
    max_word_length: int = 3000  # the longest run of characters with no break (content.measure)
    max_pages: int | None = None  # the page budget; None: 300 + 3 a KB of Markdown (content.measure)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading inside a chapter; level 1 is the chapter title itself."""

    level: int
    text: str  # the outline, running heads, EPUB navigation: text only
    id: str
    html: str = ""  # its inline markup (code, emphasis), without note calls or links: the contents


@dataclass(frozen=True, slots=True)
class Footnote:
    """One note as it appears in one chapter (a shared note appears in each that cites it)."""

    id: str  # ASCII, unique in the booklet: "fn-zhugeliang"
    label: str  # what the author wrote between [^ and ]
    number: int
    html: str  # the note's body: one or more block elements
    calls: tuple[str, ...]  # ids of the calls in the text, in order
    source: Path
    line: int


@dataclass(frozen=True, slots=True)
class Chapter:
    id: str  # "ch01"
    title: str
    html: str  # the chapter's body, without its title
    headings: tuple[Heading, ...]  # the title first, then sections
    footnotes: tuple[Footnote, ...]
    source: Path
    line: int
    source_url: str | None = (
        None  # the post on its site, when the chapter is a post and the site's address is known
    )
    title_html: str = ""  # the title's Markdown rendered (`` `u128` `` → <code>): where it is printed


@dataclass(frozen=True, slots=True)
class Image:
    source: Path  # the file on disk
    href: str  # where the outputs refer to it: "images/diagram.png"
    media_type: str


@dataclass(frozen=True, slots=True)
class Booklet:
    name: str  # the output's file stem
    metadata: Metadata
    chapters: tuple[Chapter, ...]
    images: tuple[Image, ...]
    source: Path
    style: str = ""  # the author's CSS (metadata.css, read): added after booklet's own in every output


@dataclass(frozen=True, slots=True)
class PrintedPdf:
    """The PDF stage's result: the file, and the print edition's pagination (see booklet.pdf)."""

    data: bytes
    pages: dict[str, int]  # element id ("ch01", "ch01-s01", "ch01-b003", "fn-x") → 1-based page
    warnings: tuple[str, ...] = ()  # what WeasyPrint warned about while laying out
    # Notes longer than a page, set in the text after their paragraph instead of at the foot.
    moved_notes: tuple[Footnote, ...] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    """Which posts of a site make the booklet: any of the tags, and any of the categories, and any
    of the series (each case-insensitive), dated within `since`…`until` (inclusive). Empty: all."""

    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def terms(self) -> tuple[str, ...]:
        """What was asked for, in the order a name or a title shows it."""
        return (*self.tags, *self.categories, *self.series)

    def empty(self) -> bool:
        return not (self.terms() or self.since or self.until)


@dataclass(frozen=True, slots=True)
class Request:
    """What the command line asks of the reading stage, besides the source."""

    built_at: datetime | None = None  # posts dated later are future posts, and stay out (None: none is)
    selection: Selection = field(default_factory=Selection)
    name: str | None = None  # the output's file stem
    title: str | None = None
    remote_images: RemoteImages | None = None  # None: booklet.yml's `remote_images`, else "error"
    language: str | None = None  # --language: for a source that names none (else it is detected)
    laid_out: bool = False  # pages are laid out (a PDF or an EPUB is made): the text is measured for them
