"""The release check of an EPUB: the hazards EPUBCheck and Ace do not report.

Takes an EPUB's bytes and the path to report it under; returns warnings, each at a
file inside the EPUB (`book.epub/EPUB/ch01.xhtml:12`) with what breaks where and the
fix. Every rule names the reader that fails on it and where that is documented
(README, "Readers"). `booklet check` runs `check_epub` on any EPUB; `build` runs
`check_written_epub` on every EPUB it makes, which reports a note's hazard at the note's source.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image, UnidentifiedImageError

from booklet.errors import BookletWarning, Location
from booklet.model import Booklet

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
OPF_NS = "http://www.idpf.org/2007/opf"
KOBO_MIN_NOTE = 9  # kobolabs/epub-spec: a pop-up's target holds "nine characters or more"
KINDLE_IMAGE_BYTES = 5 * 1024 * 1024  # Kindle Publishing Guidelines: 5 MB an image
KINDLE_IMAGE_SIDE = 10_000  # KDP cover guidelines: at most 10,000 px a side
KINDLE_COVER = (1600, 2560)  # KDP cover guidelines: 1,600 × 2,560 px is the ideal
KINDLE_TOC_DEPTH = 2
NO_PACKAGE = "no package document (META-INF/container.xml naming an OPF file): no reader can open it; EPUBCheck says more"  # Kindle Publishing Guidelines §5.2: two levels of nesting
# CSS that Kindle's converters (KindleGen/Previewer, and calibre's) reject or drop: (pattern, what, fix).
KINDLE_CSS = (
    (r"@supports\b", "@supports", "write its rules without it"),
    (r"@import\b", "@import", "put the imported rules in this stylesheet"),
    (r"(?<![\w-])--[\w-]+\s*:", "a custom property (--name: …)", "write the value itself"),
    (r"\bvar\(", "var()", "write the value itself"),
    (r"\bposition\s*:\s*fixed\b", "position: fixed", "leave the element in the flow"),
)


@dataclass(frozen=True, slots=True)
class _Item:
    href: str  # the member's name in the zip
    media_type: str
    properties: tuple[str, ...]


def check_epub(data: bytes, path: Path) -> tuple[BookletWarning, ...]:
    """Every hazard found in the EPUB `data`, reported under `path`, in file order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return (BookletWarning(Location(path), "not a zip file, so not an EPUB"),)
    with archive:
        found = [_at(path, name, None, message) for name in archive.namelist() for message in _name(name)]
        items = _manifest(archive)
        if items is None:
            found.append(BookletWarning(Location(path), NO_PACKAGE))
            return tuple(found)
        for item in items:
            found += [_at(path, item.href, line, text) for line, text in _item(archive, item)]
        if not any("cover-image" in item.properties for item in items):
            found.append(
                BookletWarning(
                    Location(path),
                    'no cover image (a manifest item with properties="cover-image"): Kindle and Kobo show a blank book; name a cover in booklet.yml',
                )
            )
    return tuple(found)


def check_written_epub(booklet: Booklet, data: bytes, path: Path) -> tuple[BookletWarning, ...]:
    """`check_epub` for the EPUB of `booklet`: a hazard in a note is reported where the author
    wrote the note (`01-one.md:7: warning: note [^sip] holds …`), once for a shared note."""
    notes = {note.id: note for chapter in booklet.chapters for note in chapter.footnotes}
    found: list[BookletWarning] = []
    for warning in check_epub(data, path):
        match = re.match(r'note "([^"]+)" (.*)', warning.message)  # `_notes`' messages
        note = notes.get(match.group(1)) if match else None
        if match and note is not None:
            warning = BookletWarning(
                Location(note.source, note.line), f"note [^{note.label}] {match.group(2)}"
            )
        if warning not in found:
            found.append(warning)
    return tuple(found)


def _at(path: Path, member: str, line: int | None, message: str) -> BookletWarning:
    return BookletWarning(Location(Path(f"{path}/{member}"), line), message)


def _name(name: str) -> Iterator[str]:
    if not name.isascii():
        yield "file name is not ASCII: Kindle and some readers cannot open the file; rename it with ASCII letters, digits, '-', '_' and '.'"


def _manifest(archive: zipfile.ZipFile) -> list[_Item] | None:
    """The package document's items, with their names in the zip (EPUB 3.3 §4.2: container.xml →
    OPF); None when there is no package document to read."""
    try:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_name = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        opf = etree.fromstring(archive.read(opf_name))
    except (KeyError, IndexError, etree.XMLSyntaxError):
        return None
    base = posixpath.dirname(opf_name)
    return [
        _Item(
            posixpath.normpath(posixpath.join(base, item.get("href", ""))),
            item.get("media-type", ""),
            tuple(item.get("properties", "").split()),
        )
        for item in opf.iterfind(f".//{{{OPF_NS}}}manifest/{{{OPF_NS}}}item")
    ]


def _item(archive: zipfile.ZipFile, item: _Item) -> Iterator[tuple[int | None, str]]:
    try:
        data = archive.read(item.href)
    except KeyError:
        return
    if item.media_type == "application/xhtml+xml":
        yield from _document(data, "nav" in item.properties)
    elif item.media_type == "text/css":
        yield from _stylesheet(data.decode("utf-8", "replace"))
    elif item.media_type.startswith("image/") and item.media_type != "image/svg+xml":
        yield from _image(data, "cover-image" in item.properties)


def _document(data: bytes, is_nav: bool) -> Iterator[tuple[int | None, str]]:
    if not data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml"):
        yield (
            1,
            'no XML declaration: Kindle\'s converter may misread the text; begin the file with <?xml version="1.0" encoding="utf-8"?>',
        )
    text = data.decode("utf-8", "replace")
    for match in re.finditer(r"<!--(.*?)-->", text, re.DOTALL):
        if "--" in match.group(1) or match.group(1).endswith("-"):
            yield (
                _line(text, match.start()),
                '"--" inside a comment: XML forbids it and Kindle\'s converter stops on it; remove it or the comment',
            )
    tree = etree.fromstring(data, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    if tree is None:
        return
    for element in tree.iter(f"{{{XHTML_NS}}}style"):
        yield (
            element.sourceline,
            "<style> in the document: Kindle's converter and some readers ignore it; move its rules into the stylesheet",
        )
    for element in tree.xpath("//*[@id]"):
        if not element.get("id").isascii():
            yield (
                element.sourceline,
                f"id \"{element.get('id')}\" is not ASCII: calibre's Kindle conversion rejects it (InvalidId) and some readers do not find it; use ASCII letters, digits, '-' and '_'",
            )
    yield from _notes(tree)
    if is_nav:
        yield from _toc(tree)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _notes(tree: etree._Element) -> Iterator[tuple[int | None, str]]:
    """Kobo pops up a note that follows its call in the same file and holds 9 characters or more."""
    order = {element: index for index, element in enumerate(tree.iter())}
    ids = {element.get("id"): element for element in tree.xpath("//*[@id]")}
    seen: set[str] = set()
    for call in tree.iter(f"{{{XHTML_NS}}}a"):
        kinds = (call.get(EPUB_TYPE) or "").split() + (call.get("role") or "").split()
        href = call.get("href") or ""
        if not {"noteref", "doc-noteref"} & set(kinds) or not href.startswith("#") or href in seen:
            continue
        seen.add(href)
        note = ids.get(href[1:])
        if note is None:
            continue
        if order[note] < order[call]:
            yield (
                note.sourceline,
                f'note "{href[1:]}" comes before its call (line {call.sourceline}): Kobo pops up only a note that follows its call; move the note after it',
            )
        length = len(" ".join("".join(note.itertext()).split()))
        if length < KOBO_MIN_NOTE:
            yield (
                note.sourceline,
                f'note "{href[1:]}" holds {length} characters: Kobo pops up only notes of {KOBO_MIN_NOTE} or more; write it out, or put it in the text',
            )


def _toc(tree: etree._Element) -> Iterator[tuple[int | None, str]]:
    """Titles a Kindle table of contents garbles: empty, on several lines, holding images; too deep."""
    for nav in tree.iter(f"{{{XHTML_NS}}}nav"):
        if "toc" not in (nav.get(EPUB_TYPE) or "").split():
            continue
        too_deep = False
        for link in nav.iter(f"{{{XHTML_NS}}}a"):
            title = "".join(link.itertext())
            depth = sum(1 for _ in link.iterancestors(f"{{{XHTML_NS}}}ol"))
            if not title.strip():
                yield (
                    link.sourceline,
                    "table of contents entry with no text: Kindle shows a blank line; give the heading a title",
                )
            elif re.search(r"[\n\r\t]|\s\s", title.strip()):
                yield (
                    link.sourceline,
                    f'table of contents entry "{" ".join(title.split())}" holds line breaks or runs of spaces: Kindle shows them as they are; keep a title on one line',
                )
            if len(link):
                yield (
                    link.sourceline,
                    f'table of contents entry "{" ".join(title.split())}" holds markup (<{etree.QName(link[0]).localname}>): Kindle\'s table of contents shows text only; leave it out of the heading',
                )
            if depth > KINDLE_TOC_DEPTH and not too_deep:  # once: the first entry too deep
                too_deep = True
                yield (
                    link.sourceline,
                    f'table of contents nested {depth} levels deep at "{" ".join(title.split())}": Kindle shows {KINDLE_TOC_DEPTH}; leave the deeper headings out of it',
                )


def _stylesheet(css: str) -> Iterator[tuple[int | None, str]]:
    # Comments become blanks of the same lines, so a rule quoted in a comment is not flagged.
    bare = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), css, flags=re.DOTALL)
    for pattern, what, fix in KINDLE_CSS:
        for match in re.finditer(pattern, bare):
            yield _line(bare, match.start()), f"{what}: Kindle's converter rejects it; {fix}"


def _image(data: bytes, is_cover: bool) -> Iterator[tuple[int | None, str]]:
    if len(data) > KINDLE_IMAGE_BYTES:
        yield (
            None,
            f"image of {len(data) / 1024 / 1024:.1f} MB, over Kindle's 5 MB: save it smaller (fewer pixels, or JPEG)",
        )
    try:
        width, height = Image.open(io.BytesIO(data)).size
    except (UnidentifiedImageError, OSError):
        return
    if max(width, height) > KINDLE_IMAGE_SIDE:
        yield (
            None,
            f"image of {width}×{height} px, over Kindle's {KINDLE_IMAGE_SIDE} px a side: scale it down",
        )
    if is_cover and (width < KINDLE_COVER[0] or height < KINDLE_COVER[1]):
        yield (
            None,
            f"cover of {width}×{height} px, under the {KINDLE_COVER[0]}×{KINDLE_COVER[1]} px Kindle asks for: use a larger image (booklet draws its own at {KINDLE_COVER[0]}×{KINDLE_COVER[1]} when booklet.yml names no cover)",
        )
