"""The reading stage's Markdown: one chapter's Markdown becomes a sanitized HTML tree.

Takes a `Draft` and the shared footnote definitions; converts its Markdown (Python-Markdown,
once, here and nowhere else), sanitizes the result, and returns a `Converted` chapter — the
tree, the notes it defines and the notes it cites in order — with the errors found.
Python-Markdown keeps no line numbers: `line_of` finds a token in the chapter's source.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass
from html import escape

from lxml import html as lxml_html

from booklet.content.dialect import CODE_SPAN, NOTE_CALL, prepare
from booklet.content.dialect import convert as markdown_html
from booklet.content.guard import check_markdown
from booklet.content.sanitize import sanitize
from booklet.content.sources import (
    Definition,
    Draft,
    defined_twice,
    find_definitions,
    first_definitions,
    without_definitions,
)
from booklet.errors import BookletError, Diagnostics

NOTE_KEY_CALL = re.compile(r"\[\^(n\d+)\]")
NOTE_TOKEN = re.compile(r"\[\^[^\]\n]+\]:?")
# What a title may hold: Markdown's inline markup (a link keeps its words: the title is a link in the contents).
# A title without these is text as it stands (no Markdown to read: no converter made for it).
TITLE_MARKUP = re.compile(r"[`*_~\\<>&\[\]^$]|:\w+:|--|\.\.\.|https?:|www\.")
TITLE_TAGS = {"code", "em", "strong", "del", "s", "sub", "sup", "kbd", "mark", "span", "br"}


@dataclass(frozen=True, slots=True)
class Converted:
    """A chapter after Markdown: its draft, its sanitized tree, the notes it defines (the footnote
    list's items, by note key), the keys it cites in reading order, and each key's label as written."""

    draft: Draft
    tree: lxml_html.HtmlElement
    definitions: dict[str, lxml_html.HtmlElement]
    cited: tuple[str, ...]
    labels: dict[str, str]


def convert(
    draft: Draft, shared: dict[str, Definition], diagnostics: Diagnostics
) -> tuple[Converted, tuple[BookletError, ...]]:
    """Markdown → a sanitized tree, its notes taken out and its calls in order; and the errors
    found (a note also defined in footnotes.md, Markdown no page can show), gathered, not raised."""
    try:
        check_markdown(draft.body, draft.source, draft.body_line)
    except BookletError as error:
        return unreadable(draft), (error,)
    body, local, errors = _first_definitions_only(draft, shared, diagnostics)
    extra = "\n\n".join(d.markdown for key, d in shared.items() if key not in local)
    prepared = prepare(body + "\n\n" + extra)
    for kind, index in prepared.others.items():
        diagnostics.warn(draft.source, draft.body_line + index, f"not GitHub Markdown: {kind}")
    html, dropped = sanitize(markdown_html(prepared.text))
    for item in dropped:
        diagnostics.warn(draft.source, line_of(draft, item.token), item.message)
    tree = lxml_html.fragment_fromstring(html, create_parent="div") if html else _empty_body()
    definitions, cited = _take_definitions(tree)
    _report_undefined_calls(draft, tree, prepared.labels, diagnostics)
    return Converted(draft, tree, definitions, cited, prepared.labels), errors


def unreadable(draft: Draft) -> Converted:
    """A chapter whose Markdown could not be read: one empty paragraph, no notes (an error says why)."""
    return Converted(draft, lxml_html.fragment_fromstring("<p></p>", create_parent="div"), {}, (), {})


def _first_definitions_only(
    draft: Draft, shared: dict[str, Definition], diagnostics: Diagnostics
) -> tuple[str, dict[str, Definition], tuple[BookletError, ...]]:
    """A label defined twice keeps its first definition (as GitHub does), with a warning.

    Returns the body with later definitions blanked, the chapter's own definitions by note key
    (the shared ones it overrides are left out), and an error for each also in footnotes.md.
    """
    local, twice = first_definitions(find_definitions(draft.body, draft.body_line, draft.source))
    for later in twice:
        diagnostics.warn(later.source, later.line, defined_twice(later, local[later.key], used_first=True))
    errors = tuple(
        BookletError(d.source, d.line, defined_twice(d, shared[key]))
        for key, d in local.items()
        if key in shared
    )
    return without_definitions(draft, twice).body, local, errors


def _take_definitions(
    tree: lxml_html.HtmlElement,
) -> tuple[dict[str, lxml_html.HtmlElement], tuple[str, ...]]:
    """Take the footnotes extension's list out of the text; the note keys cited, in reading order.

    Calls are counted in reading order: the body's first, then those inside each cited note
    (a note may cite another), so every cited note is numbered and printed.
    """
    definitions = {}
    for block in tree.xpath("./div[@class='footnote']"):
        for item in block.xpath("./ol/li[starts-with(@id, 'fn:')]"):
            for backref in item.xpath(".//a[@class='footnote-backref']"):
                backref.drop_tree()
            definitions[str(item.get("id"))[3:]] = item
        block.drop_tree()
    cited: list[str] = []
    queue = [tree]
    while queue:
        element = queue.pop(0)
        for call in element.xpath(".//sup[starts-with(@id, 'fnref')]/a[@class='footnote-ref']"):
            key = call.get("href", "")[len("#fn:") :]
            if key not in definitions:  # raw HTML imitating a call: its text stays, nothing else
                call.getparent().attrib.pop("id", None)
                call.drop_tag()
            elif key not in cited:
                cited.append(key)
                queue.append(definitions[key])
    return definitions, tuple(cited)


def _report_undefined_calls(
    draft: Draft, tree: lxml_html.HtmlElement, labels: dict[str, str], diagnostics: Diagnostics
) -> None:
    """A call to a note never defined stays as the author wrote it (as on GitHub), with a warning."""
    for element in tree.iter():
        if element.tag in ("code", "pre") or not isinstance(element.tag, str):
            continue
        for attribute in ("text", "tail"):
            text = getattr(element, attribute)
            if not text or "[^" not in text:
                continue
            for key in NOTE_KEY_CALL.findall(text):
                label = labels.get(key, key)
                diagnostics.warn(
                    draft.source,
                    line_of(draft, f"[^{label}]"),
                    f"footnote [^{label}] is cited but never defined: it is printed as written; add a line `[^{label}]: …`",
                )
            setattr(element, attribute, NOTE_KEY_CALL.sub(lambda m: f"[^{labels.get(m[1], m[1])}]", text))


def render_title(title: str) -> tuple[str, str]:
    """A title's Markdown (`` `u128` ``, `*x*`) → (its text, its inline HTML).

    The text goes where only text fits (`<title>`, PDF metadata, dc:title, outline, running
    heads, EPUB navigation); the HTML where the title is printed. Raw HTML in a title is text, as
    in Hugo's `.Title` (`<dl>: …` on MDN), and a note call is left out. A title that Markdown
    would read as a block (`1. Intro` a list, `# x` a heading) keeps every character as text.
    """
    title = NOTE_CALL.sub("", title).strip()
    if not TITLE_MARKUP.search(title):
        return " ".join(title.split()), escape(" ".join(title.split()), quote=False)
    escaped, position = "", 0
    for span in CODE_SPAN.finditer(title):  # `<` outside code spans is text
        escaped += title[position : span.start()].replace("<", "&lt;") + span.group(0)
        position = span.end()
    escaped += title[position:].replace("<", "&lt;")
    html, _ = sanitize(markdown_html(prepare(escaped).text))
    tree = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    paragraph = tree[0] if len(tree) == 1 and tree[0].tag == "p" else None
    for link in paragraph.xpath(".//a") if paragraph is not None else ():
        link.drop_tag()  # its words stay: the title is a link itself in the contents
    if paragraph is None or any(e.tag not in TITLE_TAGS for e in paragraph.iterdescendants()):
        paragraph = lxml_html.Element("p")
        paragraph.text = title
    for element in paragraph.iter():
        element.attrib.clear()
    text = " ".join(paragraph.text_content().split())
    inner = escape(paragraph.text or "", quote=False) + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in paragraph
    )
    return text, inner.strip()


def line_of(draft: Draft, token: str) -> int:
    """Python-Markdown keeps no line numbers: find the token in the chapter's source.
    A note's call or definition (`[^x]`, `[^x]:`) is looked up among the chapter's, found once:
    a search of the whole chapter for each note made 1,200 notes cost their square."""
    if NOTE_TOKEN.fullmatch(token):
        exact, folded = _note_tokens(draft.body)
        index = exact.get(token, folded.get(token.lower(), -1))
    else:
        index = draft.body.find(token)
        if index < 0:
            index = _lower(draft.body).find(token.lower())
    return draft.body_line + bisect_left(_line_breaks(draft.body), index) if index >= 0 else draft.line


@functools.lru_cache(maxsize=4)
def _note_tokens(body: str) -> tuple[dict[str, int], dict[str, int]]:
    """Where each `[^label]` and `[^label]:` first stands in `body`, as written and in lower case."""
    exact: dict[str, int] = {}
    for match in NOTE_TOKEN.finditer(body):
        exact.setdefault(match.group(0), match.start())
        if match.group(0).endswith(":"):
            exact.setdefault(match.group(0)[:-1], match.start())
    folded: dict[str, int] = {}
    for token, index in sorted(exact.items(), key=lambda item: item[1]):
        folded.setdefault(token.lower(), index)
    return exact, folded


@functools.lru_cache(maxsize=4)  # a chapter's lines are looked up once per note: not counted each time
def _line_breaks(body: str) -> tuple[int, ...]:
    return tuple(match.start() for match in re.finditer("\n", body))


@functools.lru_cache(maxsize=4)
def _lower(body: str) -> str:
    return body.lower()


def _empty_body() -> lxml_html.HtmlElement:
    """A chapter with no text: one empty paragraph, so that every output has a body to show."""
    root = lxml_html.Element("div")
    root.append(lxml_html.Element("p"))
    return root
