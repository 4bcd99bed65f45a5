"""The reading stage's last step: drafts become the model's chapters.

Takes the converted drafts; checks and numbers their images (`collect_images`), resolves or
unlinks their links (`check_links`), then gives ids and numbers booklet-wide — notes,
headings, top-level blocks — and returns the `Chapter`s (`finish`), their bodies serialized
as polyglot HTML/XHTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from booklet.content.images import Places, locate_image
from booklet.content.markdown import line_of
from booklet.content.sources import Draft
from booklet.errors import BookletError, Diagnostics
from booklet.model import Chapter, Footnote, Heading, Image, Metadata, RemoteImages

VOID_ELEMENTS = {"br", "hr", "img", "col", "wbr"}


def collect_images(
    drafts: list[Draft],
    places: Places,
    remote_cache: Path | None,
    remote: RemoteImages,
    diagnostics: Diagnostics,
    errors: list[BookletError],
    limit: int,
) -> tuple[Image, ...]:
    """Check every image (none larger than `limit` bytes); the outputs refer to each by a stable href (`images/image001.png`).

    With `remote` "link", a remote image becomes a link to it, its alt text the link's text.
    """
    images: dict[Path, Image] = {}
    for draft in drafts:
        assert draft.tree is not None
        for img in list(draft.tree.iter("img")):
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
    return tuple(images.values())


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


def check_links(drafts: list[Draft], metadata: Metadata, diagnostics: Diagnostics) -> None:
    """Site-relative links resolve against base_url; a link that leads nowhere becomes its text."""
    for draft in drafts:
        assert draft.tree is not None
        for anchor in draft.tree.xpath(".//a[not(@href)][not(@id)]"):
            anchor.drop_tag()  # its href was dropped by the sanitizer, with a warning
        for link in draft.tree.xpath(".//a[@href]"):
            href = link.get("href")
            if link.get("class") == "footnote-ref" or urlsplit(href).scheme in ("http", "https", "mailto"):
                continue
            if href.startswith("/") and not href.startswith("//") and metadata.base_url:
                link.set("href", urljoin(metadata.base_url, href))
                continue
            if href.startswith("#"):
                continue
            line = line_of(draft, f"({href}")
            diagnostics.warn(
                draft.source,
                line,
                f"link `{href}` leads nowhere outside the blog: it is kept as text (set `base_url` in booklet.yml to resolve site links)",
            )
            link.drop_tag()


def finish(
    drafts: list[Draft],
    shared: dict[str, tuple[str, Path, int]],
    metadata: Metadata,
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> tuple[Chapter, ...]:
    ids = _footnote_ids(drafts)
    chapters = []
    number = 0
    for index, draft in enumerate(drafts, start=1):
        if metadata.footnote_numbering == "chapter":
            number = 0
        chapter_id = f"ch{index:02d}"
        footnotes = []
        for label in draft.cited:
            number += 1
            footnotes.append(_footnote(draft, label, ids[(index, label)], number, shared))
        _rewrite_calls(draft, {f.label: f for f in footnotes})
        headings = _number_headings(draft, chapter_id)
        _number_blocks(draft, chapter_id)
        chapters.append(
            Chapter(
                chapter_id,
                draft.title,
                _serialize_children(draft.tree),
                headings,
                tuple(footnotes),
                draft.source,
                draft.line,
                draft.source_url,
            )
        )
    _warn_uncited(drafts, shared, diagnostics)
    return tuple(chapters)


def _footnote_ids(drafts: list[Draft]) -> dict[tuple[int, str], str]:
    """ASCII ids (`fn-zhugeliang`); a label used in several chapters gets the chapter's prefix."""
    chapters_of: dict[str, int] = {}
    for draft in drafts:
        for label in draft.cited:
            chapters_of[label] = chapters_of.get(label, 0) + 1
    ids: dict[tuple[int, str], str] = {}
    taken: set[str] = set()
    for index, draft in enumerate(drafts, start=1):
        for position, label in enumerate(draft.cited, start=1):
            slug = label.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", label) else f"{position}"
            shared_label = chapters_of[label] > 1 or not slug[0].isalpha()
            note_id = f"ch{index:02d}-fn-{slug}" if shared_label else f"fn-{slug}"
            if note_id in taken:  # `[^Foo]` and `[^foo]` are two notes: their slugs must not be one id
                note_id = f"ch{index:02d}-fn-{position}"
            ids[(index, label)] = note_id
            taken.add(note_id)
    return ids


def _footnote(
    draft: Draft, label: str, note_id: str, number: int, shared: dict[str, tuple[str, Path, int]]
) -> Footnote:
    item = draft.definitions[label]
    item.tag = "div"
    for attribute in list(item.attrib):
        del item.attrib[attribute]
    assert draft.tree is not None
    count = sum(
        1
        for a in draft.tree.iter("a")
        if a.get("class") == "footnote-ref" and a.get("href") == f"#fn:{label}"
    )  # not an XPath built from the label: a quote in it (`[^a'b]`) would break the expression
    calls = tuple(
        f"{note_id.replace('fn-', 'fnref-', 1)}" + (f"-{n}" if n > 1 else "") for n in range(1, count + 1)
    )
    if label in shared:
        source, line = shared[label][1], shared[label][2]
    else:
        source, line = draft.source, line_of(draft, f"[^{label}]:")
    return Footnote(note_id, label, number, _serialize_children(item), calls, source, line)


def _rewrite_calls(draft: Draft, footnotes: dict[str, Footnote]) -> None:
    """`<sup><a class="noteref" href="#fn-x" id="fnref-x">1</a></sup>`: nothing but the number inside."""
    seen: dict[str, int] = {}
    assert draft.tree is not None
    for call in draft.tree.xpath(".//sup[starts-with(@id, 'fnref')]/a[@class='footnote-ref']"):
        note = footnotes[call.get("href")[len("#fn:") :]]
        sup = call.getparent()
        del sup.attrib["id"]
        call.attrib.clear()
        call.set("class", "noteref")
        call.set("href", f"#{note.id}")
        call.set("id", note.calls[seen.get(note.id, 0)])
        call.text = str(note.number)
        seen[note.id] = seen.get(note.id, 0) + 1


def _number_headings(draft: Draft, chapter_id: str) -> tuple[Heading, ...]:
    """The chapter title is level 1; the body's headings start at level 2 and none skips a level
    (WCAG 1.3.1, Ace's heading-order): each is one deeper than the nearest heading before it of a
    higher level as the author wrote them, so a post's `### 1.`, `### 2.` right under its title
    are both level 2, and an `<h5>` in a note box under a `###` is one deeper than it."""
    assert draft.tree is not None
    for empty in [h for h in draft.tree.iter("h1", "h2", "h3", "h4", "h5", "h6") if _says_nothing(h)]:
        empty.tag = "p"  # a heading nothing names (an image without alt) is no heading (WCAG 2.4.6)
    found = [h for h in draft.tree.iter() if h.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    headings = [Heading(1, draft.title, chapter_id)]
    above: list[tuple[int, int]] = []  # (level written, level given) of the headings this one is under
    for number, element in enumerate(found, start=1):
        written = int(str(element.tag)[1])
        while above and above[-1][0] >= written:
            above.pop()
        level = min(above[-1][1] + 1 if above else 2, 6)
        above.append((written, level))
        element.tag = f"h{level}"
        heading_id = f"{chapter_id}-s{number:02d}"
        element.set("id", heading_id)
        text = element.text_content().strip()
        if text:  # a heading with no text (an image alone, or what the sanitizer dropped) is not listed
            headings.append(Heading(level, text, heading_id))
    return tuple(headings)


def _says_nothing(heading: lxml_html.HtmlElement) -> bool:
    return not heading.text_content().strip() and not heading.xpath(".//img[normalize-space(@alt)]")


def _number_blocks(draft: Draft, chapter_id: str) -> None:
    """Give each top-level block an id (`ch01-b003`): the PDF reports the page each lands on."""
    assert draft.tree is not None
    for number, block in enumerate((b for b in draft.tree if isinstance(b.tag, str)), start=1):
        if not block.get("id"):
            block.set("id", f"{chapter_id}-b{number:03d}")


def _warn_uncited(
    drafts: list[Draft], shared: dict[str, tuple[str, Path, int]], diagnostics: Diagnostics
) -> None:
    cited = {label for draft in drafts for label in draft.cited}
    for draft in drafts:
        for label in draft.definitions:
            if label not in cited and label not in shared:
                diagnostics.warn(
                    draft.source,
                    line_of(draft, f"[^{label}]:"),
                    f"footnote [^{label}] is defined but never cited",
                )
    for label, (_, path, line) in shared.items():
        if label not in cited:
            diagnostics.warn(path, line, f"footnote [^{label}] is defined but never cited")


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
