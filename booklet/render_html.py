"""Stage 2: run the Jinja2 templates over a `Booklet`.

Takes the model (and, for print, the build date); returns HTML or XHTML text
for each output. All markup lives in `templates/`; here we only choose the
template and prepare values. Markdown-made fragments are marked safe in
`_fragment`, and nowhere else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
import yaml
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from booklet.model import Booklet, Chapter, Footnote, join_names, writing_system

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def labels(language: str) -> dict[str, str]:
    """The interface words for a booklet in `language` (a BCP 47 tag): `templates/labels.yml`."""
    return _labels()[writing_system(language)]


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = yaml.safe_load((TEMPLATES / "labels.yml").read_text(encoding="utf-8"))
    return tables


@dataclass(frozen=True, slots=True)
class EpubDocument:
    file_name: str  # "ch01.xhtml"
    title: str
    xhtml: str


def stylesheet(*names: str, language: str = "zh-CN") -> str:
    """The CSS files, joined in order (`base.css` first: the shared typography, clreq); then,
    for a language not written in CJK, `latin.css` (its indents and italics)."""
    if writing_system(language) == "other":
        names = (*names, "latin.css")
    return "\n".join((TEMPLATES / name).read_text(encoding="utf-8") for name in names)


def render_print(booklet: Booklet, built_at: datetime, cover_href: str, page_size: str) -> str:
    """One HTML document for WeasyPrint: cover, title page, contents, chapters, colophon."""
    chapters = [(chapter, _fragment(_inline_footnotes(chapter))) for chapter in booklet.chapters]
    return (
        _environment()
        .get_template("print.html.j2")
        .render(
            booklet=booklet,
            meta=booklet.metadata,
            chapters=chapters,
            built_at=built_at,
            cover_href=cover_href,
            page_size=page_size,
            css=Markup(stylesheet("base.css", "print.css", language=booklet.metadata.language)),
        )
    )


def render_epub(booklet: Booklet, built_at: datetime) -> tuple[EpubDocument, ...]:
    """The title page and one XHTML document per chapter."""
    env = _environment()
    documents = [
        EpubDocument(
            "title.xhtml",
            booklet.metadata.title,
            env.get_template("epub_title.xhtml.j2").render(meta=booklet.metadata, built_at=built_at),
        )
    ]
    for chapter in booklet.chapters:
        xhtml = env.get_template("epub_chapter.xhtml.j2").render(
            meta=booklet.metadata, chapter=chapter, body=_fragment(chapter.html), notes=_notes(chapter)
        )
        documents.append(EpubDocument(f"{chapter.id}.xhtml", chapter.title, xhtml))
    return tuple(documents)


def render_template(name: str, **values: object) -> str:
    """Any one template over prepared values (the EPUB's cover and navigation documents)."""
    return _environment().get_template(name).render(**values)


def render_web(booklet: Booklet, built_at: datetime, cover_src: str, links: dict[str, str]) -> str:
    """One self-contained page: its CSS inline, every chapter, notes after each chapter."""
    chapters = [(chapter, _fragment(chapter.html), _notes(chapter)) for chapter in booklet.chapters]
    return (
        _environment()
        .get_template("web.html.j2")
        .render(
            booklet=booklet,
            meta=booklet.metadata,
            chapters=chapters,
            built_at=built_at,
            cover_src=cover_src,
            links=links,
            css=Markup(stylesheet("base.css", "web.css", language=booklet.metadata.language)),
        )
    )


@functools.cache  # compiled templates are kept; FileSystemLoader reloads a template whose file changed
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(labels=labels, writing_system=writing_system)
    env.filters["names"] = join_names  # {{ meta.authors | names(meta.language) }}
    return env


def _fragment(html: str) -> Markup:
    """Chapter and note bodies were made from Markdown and sanitized in `content`."""
    return Markup(html)


def _notes(chapter: Chapter) -> list[tuple[Footnote, Markup]]:
    return [(note, _fragment(note.html)) for note in chapter.footnotes]


def _inline_footnotes(chapter: Chapter) -> str:
    """For print: each note's body goes right after its first call, to float to the page foot.

    Every call stays a link to its note (print.css hides WeasyPrint's own `::footnote-call`),
    and the note opens with its number as a link back to the first call, as in the EPUB and
    the web page. Its blocks become spans (`_blocks_to_spans`), as a `<p>`, `<ul>`, `<li>`…
    inside a `<p>` would end the outer one and move the rest of the note into the text.
    """
    root = lxml_html.fragment_fromstring(f"<div>{chapter.html}</div>")
    for note in chapter.footnotes:
        calls = root.xpath(f".//a[@id='{note.calls[0]}']")
        if not calls:
            continue
        body = lxml_html.fragment_fromstring(f'<span class="footnote" id="{note.id}">{note.html}</span>')
        body.set("data-number", str(note.number))
        _blocks_to_spans(body)
        _open_with_backlink(body, note)
        sup = calls[0].getparent()
        body.tail, sup.tail = sup.tail, None
        sup.addnext(body)
    text = "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return (root.text or "") + text


# Every block a note may hold (Markdown and the sanitizer's raw HTML): in print they become
# `<span class="fn-TAG">`, and print.css gives each the display of its tag.
NOTE_BLOCKS = frozenset(
    [
        "p",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
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
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "figure",
        "figcaption",
        "details",
        "summary",
        "address",
    ]
)


def _blocks_to_spans(body: lxml_html.HtmlElement) -> None:
    """Each block inside a note becomes a span carrying its role: `class="fn-ul"` and so on.

    A top-level block is also a `footnote-para`: the first one runs on after the note's
    number, the later ones are blocks (print.css). An `<ol start>` keeps its numbering.
    """
    top = list(body)
    for element in list(body.iterdescendants()):
        if not isinstance(element.tag, str) or element.tag not in NOTE_BLOCKS:
            continue
        roles = ["footnote-para"] if element in top else []
        roles += [f"fn-{element.tag}", *str(element.get("class") or "").split()]
        start = element.get("start", "") if element.tag == "ol" else ""
        if start.lstrip("-").isdigit():
            element.set("style", f"counter-reset: list-item {int(start) - 1}")
        element.tag = "span"
        element.set("class", " ".join(roles))
    for element in body.iter("span"):  # white space between blocks would be set as blank lines
        blocks = [child for child in element if child.tag == "span" and "fn-" in str(child.get("class"))]
        if blocks and "fn-pre" not in str(element.get("class")):
            element.text = element.text if (element.text or "").strip() else None
            for child in blocks:
                child.tail = child.tail if (child.tail or "").strip() else None


def _open_with_backlink(body: lxml_html.HtmlElement, note: Footnote) -> None:
    """`<a class="footnote-back" href="#fnref-x">1.</a>` first in the note's first paragraph.

    A note that opens with another block (a list, a quotation) has the number on a line of its own.
    """
    opens_with_paragraph = len(body) and "fn-p" in str(body[0].get("class") or "").split()
    first = body[0] if opens_with_paragraph and not (body.text or "").strip() else body
    back = etree.Element("a", {"class": "footnote-back", "href": f"#{note.calls[0]}"})
    back.text = f"{note.number}."
    back.tail, first.text = first.text, None
    first.insert(0, back)
