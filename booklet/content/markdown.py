"""The reading stage's Markdown: one chapter's Markdown becomes a sanitized HTML tree.

Takes a `Draft` and the shared footnote definitions; converts its Markdown (Python-Markdown,
once, here and nowhere else), sanitizes the result, and leaves on the draft the tree, the
notes it defines and the labels it cites in order. Python-Markdown keeps no line numbers:
`line_of` finds a token in the chapter's source.
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
from lxml import html as lxml_html

from booklet.content.sanitize import sanitize
from booklet.content.sources import FENCE, Draft, definition_lines
from booklet.errors import BookletError, Diagnostics

MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]
LIST_ITEM = re.compile(r"^ *(?:[-*+]|\d{1,9}[.)])(?: |$)")


def convert(
    draft: Draft,
    shared: dict[str, tuple[str, Path, int]],
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> None:
    local = definition_lines(draft.body, draft.body_line)
    for label, lines in local.items():
        if len(lines) > 1:
            errors.append(
                BookletError(
                    draft.source,
                    lines[1],
                    f"footnote [^{label}] is defined twice (first at line {lines[0]}): keep one definition",
                )
            )
        elif label in shared:
            _, where, line = shared[label]
            errors.append(
                BookletError(
                    draft.source,
                    lines[0],
                    f"footnote [^{label}] is also defined in {where}:{line}: keep one of the two",
                )
            )
    extra = "\n\n".join(text for label, (text, _, _) in shared.items() if label not in local)
    converter = markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs={"footnotes": {"UNIQUE_IDS": False}, "smarty": {"smart_quotes": False}},
    )
    html = converter.convert(_widen_list_indents(draft.body) + "\n\n" + extra)
    html, dropped = sanitize(html)
    for item in dropped:
        diagnostics.warn(draft.source, line_of(draft, item.token), item.message)
    draft.tree = lxml_html.fragment_fromstring(html, create_parent="div") if html else _empty_body()
    _take_definitions(draft)
    _report_undefined_calls(draft, errors)


def _widen_list_indents(body: str) -> str:
    """Nest lists the way Jekyll, Hugo and GitHub authors write them.

    Python-Markdown nests a list item by four spaces; CommonMark nests it by the parent's
    content column, two spaces after `- ` and three after `1. `. Within each list whose
    nested items are indented by two or three, each level is widened to four. Only spaces
    are added, so line numbers hold; code fences outside lists are left alone.
    """
    lines = body.split("\n")
    index, fenced = 0, False
    while index < len(lines):
        if FENCE.match(lines[index]):
            fenced = not fenced
        elif not fenced and LIST_ITEM.match(lines[index]) and _indent(lines[index]) < 4:
            end = _list_end(lines, index)
            items = [n for n in range(index, end) if LIST_ITEM.match(lines[n]) and _indent(lines[n]) < 2]
            for first, after in zip(
                items, [*items[1:], end], strict=True
            ):  # each top-level item has its own style
                _widen(lines, first, after)
            index = end
            continue
        index += 1
    return "\n".join(lines)


def _list_end(lines: list[str], start: int) -> int:
    """Where a list starting at `start` ends: a blank line, then a line neither indented nor an item."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() == "" and end + 1 < len(lines):
            following = lines[end + 1]
            if following.strip() and _indent(following) == 0 and not LIST_ITEM.match(following):
                return end
        end += 1
    return end


def _widen(lines: list[str], start: int, end: int) -> None:
    nested = [_indent(line) for line in lines[start:end] if LIST_ITEM.match(line) and _indent(line) > 0]
    unit = min(nested, default=4)
    if unit not in (2, 3):
        return
    for number in range(start, end):
        depth, rest = divmod(_indent(lines[number]), unit)
        lines[number] = " " * (depth * 4 + rest) + lines[number].lstrip(" ")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _take_definitions(draft: Draft) -> None:
    """Move the footnotes extension's list out of the text; remember the order of calls."""
    assert draft.tree is not None
    for block in draft.tree.xpath("./div[@class='footnote']"):
        for item in block.xpath("./ol/li[starts-with(@id, 'fn:')]"):
            for backref in item.xpath(".//a[@class='footnote-backref']"):
                backref.drop_tree()
            draft.definitions[item.get("id")[3:]] = item
        block.drop_tree()
    for call in draft.tree.xpath(".//sup[starts-with(@id, 'fnref')]/a[@class='footnote-ref']"):
        label = call.get("href", "")[len("#fn:") :]
        if label not in draft.definitions:  # raw HTML imitating a call: its text stays, nothing else
            call.getparent().attrib.pop("id", None)
            call.drop_tag()
        elif label not in draft.cited:
            draft.cited.append(label)


def _report_undefined_calls(draft: Draft, errors: list[BookletError]) -> None:
    """Python-Markdown leaves a call to an undefined note as its literal text."""
    assert draft.tree is not None
    for element in draft.tree.iter():
        if element.tag in ("code", "pre") or not isinstance(element.tag, str):
            continue
        for text in (element.text, element.tail):
            for label in re.findall(r"\[\^([^\]\s]+)\]", text or ""):
                line = line_of(draft, f"[^{label}]")
                errors.append(
                    BookletError(
                        draft.source,
                        line,
                        f"footnote [^{label}] is cited but never defined: add a line `[^{label}]: …`",
                    )
                )


def line_of(draft: Draft, token: str) -> int:
    """Python-Markdown keeps no line numbers: find the token in the chapter's source."""
    index = draft.body.find(token)
    if index < 0:
        index = draft.body.lower().find(token.lower())
    return draft.body_line + draft.body.count("\n", 0, index) if index >= 0 else draft.line


def _empty_body() -> lxml_html.HtmlElement:
    """A chapter with no text: one empty paragraph, so that every output has a body to show."""
    root = lxml_html.Element("div")
    root.append(lxml_html.Element("p"))
    return root
