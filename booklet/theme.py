"""The theme: the Jinja2 environment over `templates/`, the interface words, the stylesheets.

Takes a template's name and prepared values; returns HTML or XHTML text. All markup and
style lives in `templates/`; the writers (pdf, epub, web) choose a template and prepare the
values. Markdown-made fragments are marked safe in `fragment`, and nowhere else; the screen
writers (epub, web) mark the Latin runs of emphasis in CJK text with `mark_latin_emphasis`.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from pathlib import Path

import jinja2
import yaml
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from booklet.model import Chapter, Footnote
from booklet.scripts import LATIN, join_names, writing_system

# A run of Latin letters or digits, with the spaces and ASCII punctuation inside it ("Kamailio in Action").
_LATIN_RUN = re.compile(f"([{LATIN}](?:[{LATIN}\\s!-/:-@\\[-`{{-~\u2019]*[{LATIN}])?)")
_UNMARKED = {"code", "kbd", "samp"}  # code keeps its face, upright, with no dots (base.css)

# templates/ is the package `booklet.templates` (setup.py): inside the wheel, or the repository's in a checkout.
TEMPLATES = Path(str(importlib.resources.files("booklet.templates")))


def labels(language: str) -> dict[str, str]:
    """The interface words for a booklet in `language` (a BCP 47 tag): `templates/labels.yml`."""
    return _labels()[writing_system(language)]


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = yaml.safe_load((TEMPLATES / "labels.yml").read_text(encoding="utf-8"))
    return tables


def stylesheet(*names: str, language: str = "zh-CN", author: str = "") -> str:
    """The CSS files, joined in order (`base.css` first: the shared typography, clreq); then,
    for a language not written in CJK, `latin.css` (its indents and italics); then the
    author's own CSS (style.css), last, so that it wins over booklet's rules of equal weight."""
    if writing_system(language) == "other":
        names = (*names, "latin.css")
    sheets = [(TEMPLATES / name).read_text(encoding="utf-8") for name in names]
    return "\n".join([*sheets, author] if author else sheets)


def render_template(name: str, **values: object) -> str:
    """One template over prepared values."""
    return _environment().get_template(name).render(**values)


def fragment(html: str) -> Markup:
    """Chapter and note bodies were made from Markdown and sanitized in `content`; a stylesheet is ours."""
    return Markup(html)  # noqa: S704 - the one place: sanitized in content, or our own stylesheet


def fragment_tree(html: str, tag: str = "div") -> lxml_html.HtmlElement:
    """A chapter's or a note's body (made in `content`) parsed inside a new `<tag>`, white space
    before its first element kept (lxml's `create_parent` drops it): no markup written in Python."""
    root = lxml_html.fragment_fromstring(html, create_parent=tag)
    lead = html[: len(html) - len(html.lstrip())]
    if lead and not (root.text or "").strip():
        root.text = lead + (root.text or "")
    return root


def mark_latin_emphasis(root: etree._Element) -> None:
    """Each Latin run inside an `<em>` of `root` in a `<span class="latin">` (HTML or XHTML alike):
    the emphasis dots of CJK text go under (or, in Japanese, over) each Han character and kana only
    (clreq §3.2.2, JLREQ §3.3.2), and Latin keeps its italic instead (base.css). Code is left as is."""
    outermost = [
        element
        for element in root.iter()
        if _local(element) == "em" and not any(_local(e) == "em" for e in element.iterancestors())
    ]
    for emphasis in outermost:
        slots = [(emphasis, "text")] + [
            (element, attribute)
            for element in emphasis.iterdescendants()
            if isinstance(element.tag, str)
            and not any(_local(e) in _UNMARKED for e in element.iterancestors() if e is not emphasis)
            for attribute in ("text", "tail")
            if attribute == "tail" or _local(element) not in _UNMARKED
        ]
        for owner, attribute in slots:
            _wrap_latin(owner, attribute)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _wrap_latin(owner: etree._Element, attribute: str) -> None:
    """The Latin runs of `owner.text` (into it) or `owner.tail` (after it) as spans."""
    pieces = _LATIN_RUN.split(getattr(owner, attribute) or "")
    if len(pieces) == 1:
        return
    namespace = etree.QName(owner).namespace
    spans = []
    for latin, after in zip(pieces[1::2], pieces[2::2], strict=True):
        span = owner.makeelement(f"{{{namespace}}}span" if namespace else "span", {"class": "latin"})
        span.text, span.tail = latin, after
        spans.append(span)
    setattr(owner, attribute, pieces[0])
    if attribute == "text":
        for index, span in enumerate(spans):
            owner.insert(index, span)
    else:
        for span in reversed(spans):
            owner.addnext(span)


def notes(chapter: Chapter) -> list[tuple[Footnote, Markup]]:
    """Each note of a chapter with its body ready for a template."""
    return [(note, fragment(note.html)) for note in chapter.footnotes]


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
    env.filters["fragment"] = fragment  # {{ chapter.title_html | fragment }}
    env.filters["names"] = join_names  # {{ meta.authors | names(meta.language) }}
    return env
