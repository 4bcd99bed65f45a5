"""The reading stage's links: where each link of a chapter leads, in the booklet or outside it.

Takes the converted chapters (their text and their notes: a link in a note or a table is
checked as one in the body is). `check_links` resolves site-relative links against
`base_url` (else keeps their text, with a warning), percent-encodes the rest and turns a
link to another chapter's file into an internal one; `resolve_anchors`, once headings have
booklet's ids, points each in-page link at the heading it names (by the author's id or by
the slug Jekyll, Hugo or GitHub would give that heading), gives the author's other ids
booklet's namespace, and keeps as text, with a warning, a link that names nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from lxml import html as lxml_html

from booklet.content.markdown import Converted, line_of
from booklet.content.sources import Draft
from booklet.errors import Diagnostics
from booklet.model import Metadata

URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
BOOKLET_ID = re.compile(r"^(ch\d+(-[sb]\d+|-a\d+)?|(ch\d+-)?fn(ref)?-.*)$")
NOTE_ID = re.compile(r"^(fnref\d*|fn):n\d+$")  # Python-Markdown's, for our note keys (dialect.prepare)


def parts(chapter: Converted) -> Iterator[lxml_html.HtmlElement]:
    """The chapter's text and each of its notes."""
    yield chapter.tree
    yield from chapter.definitions.values()


def check_links(converted: list[Converted], metadata: Metadata, diagnostics: Diagnostics) -> None:
    """Site-relative links resolve against base_url; a link that leads nowhere becomes its text."""
    files = {c.draft.source.resolve(): f"ch{index:02d}" for index, c in enumerate(converted, start=1)}
    for chapter in converted:
        for part in parts(chapter):
            for anchor in part.xpath(".//a[not(@href)][not(@id)]"):
                anchor.drop_tag()  # its href was dropped by the sanitizer, with a warning
            for link in part.xpath(".//a[@href]"):
                if link.get("class") != "footnote-ref":
                    _check_link(link, chapter.draft, files, metadata, diagnostics)


def _check_link(
    link: lxml_html.HtmlElement,
    draft: Draft,
    chapters: dict[Path, str],
    metadata: Metadata,
    diagnostics: Diagnostics,
) -> None:
    href = link.get("href", "").strip()
    split = urlsplit(href)
    if split.scheme in ("http", "https", "mailto"):
        link.set("href", quote(href, safe=URL_SAFE))
        return
    if href.startswith("#"):
        return
    if href.startswith("/") and not href.startswith("//") and metadata.base_url:
        link.set("href", quote(urljoin(metadata.base_url, href), safe=URL_SAFE))
        return
    if not split.scheme and split.path and not href.startswith("/"):
        target = (draft.source.parent / unquote(split.path)).resolve()
        if target in chapters:  # a link to another chapter's file (`02-setup.md#x`)
            link.set("href", f"#{split.fragment}" if split.fragment else f"#{chapters[target]}")
            return
    diagnostics.warn(
        draft.source,
        line_of(draft, f"({href}"),
        f"link `{href}` leads nowhere outside the blog: it is kept as text"
        " (set `base_url` in booklet.yml to resolve site links)",
    )
    link.drop_tag()


def slugs(text: str) -> set[str]:
    """The ids GitHub/Hugo (Goldmark) and Jekyll (kramdown) give a heading with this text."""
    lowered = text.strip().lower()
    github = re.sub(r"[^\w\- ]", "", lowered).replace(" ", "-")
    kramdown = re.sub(r"^[^a-z]+", "", re.sub(r"[^a-z0-9\- ]", "", lowered).replace(" ", "-"))
    return {slug for slug in (github, kramdown) if slug}


def resolve_anchors(
    converted: list[Converted], named: list[dict[str, str]], diagnostics: Diagnostics
) -> None:
    """In-page links lead to what they name in every output, or become text with a warning.

    `named`: for each chapter, what its headings' ids and slugs name (booklet's ids)."""
    anchors: dict[str, str] = {}
    for chapter_anchors in named:
        for name, target in chapter_anchors.items():
            anchors.setdefault(name, target)
    used: set[str] = set()
    for index, chapter in enumerate(converted, start=1):
        _namespace_ids(chapter, f"ch{index:02d}", anchors, used, diagnostics)
    for chapter in converted:
        draft = chapter.draft
        for part in parts(chapter):
            for link in part.xpath(".//a[starts-with(@href, '#')]"):
                if link.get("class") == "footnote-ref":
                    continue
                name = unquote(link.get("href")[1:])
                if name in anchors:
                    link.set("href", f"#{anchors[name]}")
                elif not BOOKLET_ID.match(name):
                    diagnostics.warn(
                        draft.source,
                        line_of(draft, f"(#{name}"),
                        f"link `#{name}` names no heading or anchor in the booklet: it is kept as text",
                    )
                    link.drop_tag()


def _namespace_ids(
    chapter: Converted, chapter_id: str, anchors: dict[str, str], used: set[str], diagnostics: Diagnostics
) -> None:
    """The author's own ids (`<dfn id="html">`) become ASCII ids of booklet's (`ch01-a01`)."""
    number = 0
    draft = chapter.draft
    for part in parts(chapter):
        for element in part.xpath(".//*[@id]"):
            old = element.get("id")
            if BOOKLET_ID.match(old) or NOTE_ID.match(old):
                continue
            if old in used:
                diagnostics.warn(
                    draft.source,
                    line_of(draft, f'id="{old}"'),
                    f"id `{old}` is used twice: links lead to the first",
                )
                del element.attrib["id"]
                continue
            used.add(old)
            number += 1
            anchors.setdefault(old, f"{chapter_id}-a{number:02d}")
            element.set("id", f"{chapter_id}-a{number:02d}")
