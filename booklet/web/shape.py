"""Stage 3c, first step: the chapters shaped for the web page.

`page_openings` takes the `Booklet` and the PDF's pagination and returns which chapter
or block opens each printed page (`pages.py`, shared with the EPUB's page list).
`shape_for_web` takes the `Booklet`, the data: URL of each image (by href) and those
openings, and returns a copy whose chapter bodies fit the page: every image has its data:
URL, so the page stands alone; the book title is the page's `h1` and chapter titles are `h2`, so body
headings move one level down; an empty anchor `<span id="p12">` stands before the block
that opens printed page 12; in CJK text each Latin run of an emphasis is marked (italic, no
emphasis dots: `theme.mark_latin_emphasis`); each footnote call shares a no-break span with
the character before it, so it never starts a line, and gets a popover button beside
its link, and the note itself is copied into a popover after the call's block,
so the note opens next to its call with no script (HTML popover API).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from lxml import etree
from lxml import html as lxml_html

from booklet import pages as print_pages
from booklet.model import Booklet, Chapter, Footnote
from booklet.scripts import writing_system
from booklet.theme import fragment_tree, mark_latin_emphasis
from booklet.theme import labels as interface_words


def page_openings(booklet: Booklet, pages: Mapping[str, int]) -> dict[str, int]:
    """Chapter id or top-level block id → the printed page it opens, in reading order."""
    blocks: list[str] = []
    for chapter in booklet.chapters:
        root = fragment_tree(chapter.html)
        blocks += [chapter.id, *(str(child.get("id") or "") for child in root)]
    return print_pages.page_openings(blocks, pages)


def shape_for_web(
    booklet: Booklet, sources: Mapping[str, str], openings: Mapping[str, int] | None = None
) -> Booklet:
    """The booklet with each chapter's body shaped for the web page (see the module docstring)."""
    words = interface_words(booklet.metadata.language)
    # What a screen reader says for a call's button, the popover's link to the notes, a table.
    labels = (words["note"], words["all_notes"], words["close"], words["table"])
    cjk = writing_system(booklet.metadata.language) != "other"
    chapters = tuple(
        _shape_chapter(chapter, labels, sources, openings or {}, cjk) for chapter in booklet.chapters
    )
    return dataclasses.replace(booklet, chapters=chapters)


def _shape_chapter(
    chapter: Chapter,
    labels: tuple[str, str, str, str],
    sources: Mapping[str, str],
    openings: Mapping[str, int],
    cjk: bool,
) -> Chapter:
    footnotes = tuple(_shape_note(note, sources, cjk) for note in chapter.footnotes)
    chapter = dataclasses.replace(chapter, footnotes=footnotes)
    root = fragment_tree(chapter.html)
    _inline_images(root, sources)
    _mark_pages(root, openings)  # first: the blocks are still the top-level ones the PDF reports
    _demote_headings(root)
    _scroll_tables(root, labels[3])
    if cjk:
        mark_latin_emphasis(root)
    _glue_calls(root)
    links = _links_by_id(root)  # looked up once: a search per call made 1,200 notes take seconds
    for note in chapter.footnotes:
        for call_id in note.calls:
            _add_popover(root, links, note, call_id, labels)
    body = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    return dataclasses.replace(chapter, html=body)


def _glue_calls(root: lxml_html.HtmlElement) -> None:
    """Each note call with the character before it in a `<span class="call-glue">` (web.css: no
    break inside), so a call never starts a line; the copied text is unchanged."""
    for sup in root.xpath(".//sup[a[contains(concat(' ', @class, ' '), ' noteref ')]]"):
        previous, parent = sup.getprevious(), sup.getparent()
        text = (previous.tail if previous is not None else parent.text) or ""
        if not text or text[-1].isspace():
            continue
        if previous is not None:
            previous.tail = text[:-1]
        else:
            parent.text = text[:-1]
        glue = etree.Element("span")
        glue.set("class", "call-glue")
        glue.text = text[-1]
        tail, sup.tail = sup.tail, None
        sup.addprevious(glue)
        glue.append(sup)
        glue.tail = tail


def _mark_pages(root: lxml_html.HtmlElement, openings: Mapping[str, int]) -> None:
    """`<span class="page" id="p12"></span>` before the block that opens printed page 12:
    empty, so nothing shows and a screen reader says nothing; `#p12` scrolls to it."""
    for block in list(root):
        page = openings.get(str(block.get("id") or ""))
        if page is not None:
            anchor = lxml_html.Element("span", id=f"p{page}")
            anchor.set("class", "page")
            block.addprevious(anchor)


def _inline_images(root: lxml_html.HtmlElement, sources: Mapping[str, str]) -> None:
    for image in root.iter("img"):
        src = sources.get(str(image.get("src")))
        if src is not None:
            image.set("src", src)


def _shape_note(note: Footnote, sources: Mapping[str, str], cjk: bool) -> Footnote:
    """A note holding an image gets its data: URL too, one holding CJK emphasis its Latin runs
    marked; most notes hold neither, and keep their markup as is."""
    if "<img" not in note.html and not (cjk and "<em" in note.html):
        return note
    root = fragment_tree(note.html)
    _inline_images(root, sources)
    if cjk:
        mark_latin_emphasis(root)
    html = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="xml") for child in root
    )
    return dataclasses.replace(note, html=html)


def _demote_headings(root: lxml_html.HtmlElement) -> None:
    """h2 → h3 …: the page's h1 is the book, its h2s the chapters; no level skipped (WCAG 1.3.1).

    A heading goes at most one level below the one before it (the chapter title is 2),
    so an author's jump from `##` to `####` does not leave a hole in the outline.
    """
    previous = 2
    for element in root.iter("h2", "h3", "h4", "h5", "h6"):
        level = min(int(str(element.tag)[1]) + 1, previous + 1, 6)
        element.tag, previous = f"h{level}", level


def _scroll_tables(root: lxml_html.HtmlElement, label: str) -> None:
    """A table wider than a phone scrolls sideways in a box a keyboard can reach (WCAG 2.1.1)."""
    for table in list(root.iter("table")):
        box = lxml_html.Element("div", tabindex="0", role="region")
        box.set("class", "table-scroll")
        caption = table.find("caption")
        box.set("aria-label", caption.text_content().strip() if caption is not None else label)
        table.addprevious(box)
        box.tail, table.tail = table.tail, None
        box.append(table)


def _links_by_id(root: lxml_html.HtmlElement) -> dict[str, lxml_html.HtmlElement]:
    """Each link with an id, the first in document order (a note's copy in a popover comes later)."""
    links: dict[str, lxml_html.HtmlElement] = {}
    for link in root.iter("a"):
        if link.get("id"):
            links.setdefault(str(link.get("id")), link)
    return links


def _add_popover(
    root: lxml_html.HtmlElement,
    links: dict[str, lxml_html.HtmlElement],
    note: Footnote,
    call_id: str,
    labels: tuple[str, str, str, str],
) -> None:
    """`<button popovertarget>` beside the call's link, the note in a popover after the call's block.

    The link stays (the notes list's back-link returns to its id; without popover
    support the stylesheet shows it instead of the button), but leaves the tab order
    and the accessibility tree, so a reader meets one control per call.
    """
    link = links.get(call_id)
    if link is None:
        return
    popover_id = f"peek-{call_id}"
    link.set("tabindex", "-1")
    link.set("aria-hidden", "true")
    button = lxml_html.Element("button", type="button", popovertarget=popover_id)
    button.set("class", "note-peek")
    button.set("aria-label", f"{labels[0]} {note.number}")
    button.text = str(note.number)
    link.addnext(button)
    button.tail, link.tail = link.tail, None
    block = link
    while (parent := block.getparent()) is not root and parent is not None:
        block = parent
    popover = _popover(note, popover_id, labels)
    block.addnext(popover)
    for inner in _links_by_id(popover).items():  # a call inside the note (a note citing a note)
        links.setdefault(*inner)


def _popover(note: Footnote, popover_id: str, labels: tuple[str, str, str, str]) -> lxml_html.HtmlElement:
    popover = lxml_html.Element("div", id=popover_id, popover="auto", role="note")
    popover.set("class", "note-popover")
    popover.set("aria-label", f"{labels[0]} {note.number}")
    close = etree.SubElement(
        popover, "button", type="button", popovertarget=popover_id, popovertargetaction="hide"
    )
    close.set("class", "note-close")
    close.set("aria-label", labels[2])
    close.text = "×"
    number = etree.SubElement(popover, "span")
    number.set("class", "note-number")
    number.text = f"{note.number}"
    for block in lxml_html.fragments_fromstring(note.html):
        if isinstance(block, str):
            number.tail = (number.tail or "") + block
        else:
            popover.append(block)
    more = etree.SubElement(popover, "p")
    more.set("class", "note-more")
    etree.SubElement(more, "a", href=f"#{note.id}").text = labels[1]
    return popover
