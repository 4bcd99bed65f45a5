"""The reading stage's last step: converted chapters become the model's chapters.

Takes the `Converted` chapters; checks and numbers their images (`collect_images`, which
returns the images and an error for each that cannot be used), then gives ids and numbers
booklet-wide — notes, headings, top-level blocks — and returns the `Chapter`s (`finish`),
their bodies serialized as polyglot HTML/XHTML.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from booklet.content.images import Places, locate_image
from booklet.content.links import parts, resolve_anchors, slugs
from booklet.content.markdown import Converted, line_of
from booklet.content.sources import Definition, Draft, note_key
from booklet.errors import BookletError, Diagnostics
from booklet.model import Chapter, Footnote, Heading, Image, Metadata, RemoteImages

VOID_ELEMENTS = {"br", "hr", "img", "col", "wbr"}


def collect_images(
    converted: list[Converted],
    places: Places,
    remote_cache: Path | None,
    remote: RemoteImages,
    diagnostics: Diagnostics,
    limit: int,
) -> tuple[tuple[Image, ...], tuple[BookletError, ...]]:
    """Check every image (none larger than `limit` bytes); the outputs refer to each by a stable href (`images/image001.png`).

    With `remote` "link", a remote image becomes a link to it, its alt text the link's text.
    Returns the images, and an error for each that cannot be used (gathered, not raised).
    """
    images: dict[Path, Image] = {}
    errors: list[BookletError] = []
    for chapter in converted:
        draft = chapter.draft
        for img in [img for part in parts(chapter) for img in part.iter("img")]:
            src = img.get("src", "")
            if not src:  # the sanitizer dropped it (a data: or javascript: URL), with a warning
                img.drop_tree()
                continue
            line = line_of(draft, src)
            if remote == "link" and (src.startswith("//") or urlsplit(src).scheme in ("http", "https")):
                _link_instead(img, src, draft, line, diagnostics)
                continue
            if not img.get("alt"):
                diagnostics.warn(draft.source, line, f"image `{src}` has no alt text: describe it in ![…](…)")
            try:
                found = locate_image(src, draft.source, line, places, remote_cache, limit)
            except BookletError as error:
                errors.append(error)
                img.drop_tree()
                continue
            if found.path not in images:
                href = f"images/image{len(images) + 1:03d}{found.suffix}"
                images[found.path] = Image(found.path, href, found.media_type)
            img.set("src", images[found.path].href)
    return tuple(images.values()), tuple(errors)


def _link_instead(
    img: lxml_html.HtmlElement, src: str, draft: Draft, line: int, diagnostics: Diagnostics
) -> None:
    """A remote image not fetched: a link to it, so a booklet builds when an old image host is gone."""
    address = "https:" + src if src.startswith("//") else src
    text = (img.get("alt") or "").strip() or address
    diagnostics.warn(
        draft.source, line, f"remote image `{src}` is a link in this booklet (remote images: link)"
    )
    if any(parent.tag == "a" for parent in img.iterancestors()):
        _replace(img, None, text)  # already inside a link: its text only
    else:
        _replace(img, address, text)


def _replace(img: lxml_html.HtmlElement, href: str | None, text: str) -> None:
    link = lxml_html.Element("a", {"href": href}) if href else lxml_html.Element("span")
    link.text = text
    link.tail = img.tail
    parent = img.getparent()
    assert parent is not None  # an image in a chapter sits inside its body
    parent.replace(img, link)


def finish(
    converted: list[Converted], shared: dict[str, Definition], metadata: Metadata, diagnostics: Diagnostics
) -> tuple[Chapter, ...]:
    """Ids and numbers booklet-wide (notes, headings, blocks); each chapter serialized."""
    ids = _footnote_ids(converted)
    numbered = [_number_headings(c, f"ch{index:02d}") for index, c in enumerate(converted, start=1)]
    resolve_anchors(converted, [anchors for _, anchors in numbered], diagnostics)
    result = []
    number = 0
    for index, chapter in enumerate(converted, start=1):
        if metadata.footnote_numbering == "chapter":
            number = 0
        notes = {}
        for key in chapter.cited:
            number += 1
            notes[key] = (ids[(index, key)], number)
        calls = _rewrite_calls(chapter, notes)
        footnotes = tuple(_footnote(chapter, key, *notes[key], calls[key], shared) for key in chapter.cited)
        _number_blocks(chapter, f"ch{index:02d}")
        draft = chapter.draft
        result.append(
            Chapter(
                f"ch{index:02d}",
                draft.title,
                _serialize_children(chapter.tree),
                numbered[index - 1][0],
                footnotes,
                draft.source,
                draft.line,
                draft.source_url,
                draft.title_html,
            )
        )
    _warn_uncited(converted, shared, diagnostics)
    return tuple(result)


def _footnote_ids(converted: list[Converted]) -> dict[tuple[int, str], str]:
    """ASCII ids (`fn-zhugeliang`); a label used in several chapters gets the chapter's prefix."""
    chapters_of: dict[str, int] = {}
    for chapter in converted:
        for key in chapter.cited:
            label = note_key(chapter.labels.get(key, key))
            chapters_of[label] = chapters_of.get(label, 0) + 1
    ids: dict[tuple[int, str], str] = {}
    taken: set[str] = set()
    for index, chapter in enumerate(converted, start=1):
        for position, key in enumerate(chapter.cited, start=1):
            label = chapter.labels.get(key, key)
            slug = label.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", label) else f"{position}"
            chapter_prefixed = (
                chapters_of[note_key(label)] > 1 or not slug[0].isalpha() or f"fn-{slug}" in taken
            )
            ids[(index, key)] = f"ch{index:02d}-fn-{slug}" if chapter_prefixed else f"fn-{slug}"
            taken.add(ids[(index, key)])
    return ids


def _footnote(
    chapter: Converted,
    key: str,
    note_id: str,
    number: int,
    calls: tuple[str, ...],
    shared: dict[str, Definition],
) -> Footnote:
    item = chapter.definitions[key]
    item.tag = "div"
    for attribute in list(item.attrib):
        del item.attrib[attribute]
    _soften_line_breaks(item)
    label = chapter.labels.get(key, key)
    if note_key(label) in shared:
        source, line = shared[note_key(label)].source, shared[note_key(label)].line
    else:
        source, line = chapter.draft.source, line_of(chapter.draft, f"[^{label}]:")
    return Footnote(note_id, label, number, _serialize_children(item), calls, source, line)


def _soften_line_breaks(note: lxml_html.HtmlElement) -> None:
    """A note's source line breaks are soft (a space), as in body text; the PDF sets notes inline."""
    verbatim = {node for pre in note.iter("pre") for node in pre.iter()}
    for element in note.iter():
        if not isinstance(element.tag, str):
            continue
        if element not in verbatim and element.tag != "code" and element.text and "\n" in element.text:
            element.text = re.sub(r"[ \t]*\n[ \t]*", " ", element.text)
        parent = element.getparent()
        if parent is not None and parent not in verbatim and element.tail and "\n" in element.tail:
            element.tail = re.sub(r"[ \t]*\n[ \t]*", " ", element.tail)


def _rewrite_calls(chapter: Converted, notes: dict[str, tuple[str, int]]) -> dict[str, tuple[str, ...]]:
    """`<sup><a class="noteref" href="#fn-x" id="fnref-x">1</a></sup>`: nothing but the number inside.

    Calls in the text and in the notes (a note citing a note); returns each note's call ids.
    """
    calls: dict[str, list[str]] = {key: [] for key in notes}
    for part in parts(chapter):
        for call in part.xpath(".//sup[starts-with(@id, 'fnref')]/a[@class='footnote-ref']"):
            key = call.get("href")[len("#fn:") :]
            if key not in notes:
                continue
            note_id, number = notes[key]
            call_id = note_id.replace("fn-", "fnref-", 1) + (f"-{len(calls[key]) + 1}" if calls[key] else "")
            calls[key].append(call_id)
            sup = call.getparent()
            del sup.attrib["id"]
            call.attrib.clear()
            call.set("class", "noteref")
            call.set("href", f"#{note_id}")
            call.set("id", call_id)
            call.text = str(number)
    return {key: tuple(ids) for key, ids in calls.items()}


def _number_headings(chapter: Converted, chapter_id: str) -> tuple[tuple[Heading, ...], dict[str, str]]:
    """The chapter title is level 1; the body's headings start at level 2 and none skips a level
    (WCAG 1.3.1, Ace's heading-order): each is one deeper than the nearest heading before it of a
    higher level as the author wrote them, so a post's `### 1.`, `### 2.` right under its title
    are both level 2, and an `<h5>` in a note box under a `###` is one deeper than it.
    Also returns what the author's ids and the headings' slugs name: booklet's ids."""
    tree = chapter.tree
    for empty in [h for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6") if _says_nothing(h)]:
        empty.tag = "p"  # a heading nothing names (an image without alt) is no heading (WCAG 2.4.6)
    _drop_repeated_title(tree, chapter.draft.title)
    found = [h for h in tree.iter() if h.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    headings = [Heading(1, chapter.draft.title, chapter_id, chapter.draft.title_html)]
    anchors: dict[str, str] = {}
    above: list[tuple[int, int]] = []  # (level written, level given) of the headings this one is under
    for number, element in enumerate(found, start=1):
        written = int(str(element.tag)[1])
        while above and above[-1][0] >= written:
            above.pop()
        level = min(above[-1][1] + 1 if above else 2, 6)
        above.append((written, level))
        element.tag = f"h{level}"
        text, inner = _heading_parts(element)
        new = f"{chapter_id}-s{number:02d}"
        for name in [element.get("id"), *sorted(slugs(text))]:
            if name:
                anchors.setdefault(name, new)
        element.set("id", new)
        if text:  # a heading with no text (an image alone, or what the sanitizer dropped) is not listed
            headings.append(Heading(level, text, new, inner))
    return tuple(headings), anchors


def _heading_text(heading: lxml_html.HtmlElement) -> str:
    return _heading_parts(heading)[0]


def _heading_parts(heading: lxml_html.HtmlElement) -> tuple[str, str]:
    """A heading's words (outline, running heads, navigation) and its inline markup (contents):
    without its note calls, links (an entry is a link itself), ids or images."""
    copy = lxml_html.fragment_fromstring(lxml_html.tostring(heading, encoding="unicode"))
    for call in copy.xpath(".//sup[a[@class='footnote-ref']] | .//img"):
        call.drop_tree()
    for link in copy.xpath(".//a"):
        link.drop_tag()
    for element in copy.iterdescendants():
        element.attrib.clear()
    inner = escape(copy.text or "", quote=False) + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in copy
    )
    return " ".join(copy.text_content().split()), " ".join(inner.split())


def _drop_repeated_title(tree: lxml_html.HtmlElement, title: str) -> None:
    """A chapter whose text opens with a heading that says its title: the title is printed once."""
    first = next((child for child in tree if isinstance(child.tag, str)), None)
    if (
        first is not None
        and first.tag in ("h1", "h2")
        and not (tree.text or "").strip()
        and _heading_text(first) == " ".join(title.split())
    ):
        first.drop_tree()


def _says_nothing(heading: lxml_html.HtmlElement) -> bool:
    return not heading.text_content().strip() and not heading.xpath(".//img[normalize-space(@alt)]")


def _number_blocks(chapter: Converted, chapter_id: str) -> None:
    """Give each top-level block an id (`ch01-b003`): the PDF reports the page each lands on."""
    for number, block in enumerate((b for b in chapter.tree if isinstance(b.tag, str)), start=1):
        if not block.get("id"):
            block.set("id", f"{chapter_id}-b{number:03d}")


def _warn_uncited(
    converted: list[Converted], shared: dict[str, Definition], diagnostics: Diagnostics
) -> None:
    """A note defined in a chapter and cited by none of its calls is warned for that chapter."""
    cited = {note_key(chapter.labels.get(key, key)) for chapter in converted for key in chapter.cited}
    for chapter in converted:
        for key in chapter.definitions:
            label = chapter.labels.get(key, key)
            if key not in chapter.cited and note_key(label) not in shared:
                diagnostics.warn(
                    chapter.draft.source,
                    line_of(chapter.draft, f"[^{label}]:"),
                    f"footnote [^{label}] is defined but never cited",
                )
    for key, definition in shared.items():
        if key not in cited:
            diagnostics.warn(
                definition.source,
                definition.line,
                f"footnote [^{definition.label}] is defined but never cited",
            )


def _serialize_children(element: lxml_html.HtmlElement | None) -> str:
    """Serialize as polyglot markup: well-formed XHTML that HTML parsers read the same way."""
    assert element is not None
    for node in element.iter():
        if (
            isinstance(node.tag, str)
            and node.tag not in VOID_ELEMENTS
            and node.text is None
            and len(node) == 0
        ):
            node.text = ""  # `<a></a>`, never `<a/>`, which HTML reads as an open tag
    parts = [etree.tostring(child, encoding="unicode", method="xml") for child in element]
    return (element.text or "") + "".join(parts)
