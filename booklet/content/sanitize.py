"""Stage 1b (part): raw HTML in Markdown, cut down to a safe list, so content never runs.

Takes the HTML that Python-Markdown made from a chapter; returns it cleaned by nh3 (a
maintained sanitizer, not regular expressions) and what was dropped, each with a token
to find its line in the chapter's source: `<script>`, `<iframe>`, `<object>`, `<style>`
and any tag off the safe list, event-handler attributes (`onclick`…), and URLs whose
scheme is not http, https or mailto (`javascript:`, `data:`…). `nesting_depth` measures the
tree the writers will walk: past `MAX_DEPTH` the chapter is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

from booklet.model import BLOCK_TAGS, INLINE_TAGS

# Raw HTML an author may write in Markdown (issue: content never runs).
SAFE_TAGS = BLOCK_TAGS | INLINE_TAGS
SAFE_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped with everything inside them; any other tag off the list is dropped but its text kept.
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "frame",
    "frameset",
    "textarea",
    "select",
    "button",
    "form",
    "head",
    "title",
    "meta",
    "link",
    "base",
}
MAX_DEPTH = 100  # elements nested in a chapter: a real book needs a dozen; the writers recurse
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "cite", "background", "xlink:href")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")  # browsers ignore these inside a scheme: "java\tscript:"


@dataclass(frozen=True, slots=True)
class Dropped:
    token: str  # what to search for in the source to find the line: "<script", "onclick", "javascript:"
    message: str


def sanitize(html: str) -> tuple[str, tuple[Dropped, ...]]:
    """Clean `html` to the safe list; say what was dropped."""
    dropped = _find_dropped(html) if "<" in html else ()
    cleaned = nh3.clean(
        html,
        tags=SAFE_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=SAFE_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    return cleaned, dropped


def nesting_depth(root: lxml_html.HtmlElement) -> int:
    """How deep elements nest under `root`, counted without recursion (lxml's `iterwalk`)."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest - 1


RESERVED_ID = re.compile(r"^(?:fn-|fnref-|ch\d+-)")  # the ids assemble gives notes, calls, headings, blocks


def drop_reserved_ids(root: lxml_html.HtmlElement) -> None:
    """An author's raw HTML may not take the ids booklet gives (`fn-x`, `ch01-s02`): two would clash."""
    for element in root.iter():
        if RESERVED_ID.match(element.get("id") or ""):
            del element.attrib["id"]


def unwrap_stray_ruby(root: lxml_html.HtmlElement) -> None:
    """`<rt>` and `<rp>` outside `<ruby>` (HTML §4.5.23) are invalid in an EPUB: keep their text only."""
    for element in list(root.iter("rt", "rp")):
        parent = element.getparent()
        if parent is not None and parent.tag != "ruby":
            element.drop_tag()


def _find_dropped(html: str) -> tuple[Dropped, ...]:
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml cannot read it: nh3 still cleans it, we only lose the warnings
        return ()
    found: dict[tuple[str, str], Dropped] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or element is root:
            continue
        for item in _dropped_from(element):
            found.setdefault((item.token, item.message), item)
    return tuple(found.values())


def _dropped_from(element: lxml_html.HtmlElement) -> list[Dropped]:
    tag = str(element.tag).lower()
    if tag in DROPPED_WITH_CONTENT:
        return [Dropped(f"<{tag}", f"raw HTML `<{tag}>` is not allowed: it is dropped with its content")]
    if tag not in SAFE_TAGS:
        return [
            Dropped(
                f"<{tag}", f"raw HTML `<{tag}>` is not on the safe list: the tag is dropped, its text kept"
            )
        ]
    result = []
    for name, value in element.attrib.items():
        name = name.lower()
        if name.startswith("on"):
            result.append(
                Dropped(name, f"event-handler attribute `{name}` on `<{tag}>` is dropped: content never runs")
            )
        elif name in URL_ATTRIBUTES:
            scheme = _scheme(value)
            if scheme and scheme not in URL_SCHEMES:
                result.append(
                    Dropped(
                        f"{scheme}:", f"a `{scheme}:` URL on `<{tag}>` is dropped: use an http(s) address"
                    )
                )
    return result


def _scheme(url: str) -> str:
    try:
        return urlsplit(_INVISIBLE.sub("", url)).scheme.lower()
    except ValueError:
        return "invalid"
