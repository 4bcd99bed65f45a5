"""The reading stage's Markdown: one chapter's Markdown becomes a sanitized HTML tree.

Takes a `Draft` and the shared footnote definitions; converts its Markdown (Python-Markdown,
once, here and nowhere else), sanitizes the result, and leaves on the draft the tree, the
notes it defines and the labels it cites in order. Python-Markdown keeps no line numbers:
`line_of` finds a token in the chapter's source.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import html as lxml_html

from booklet.content.dialect import convert as markdown_html
from booklet.content.dialect import prepare
from booklet.content.guard import check_markdown
from booklet.content.sanitize import sanitize
from booklet.content.sources import Draft, definition_end, definition_lines, warn_defined_twice
from booklet.errors import BookletError, Diagnostics

NOTE_KEY_CALL = re.compile(r"\[\^(n\d+)\]")


def convert(
    draft: Draft,
    shared: dict[str, tuple[str, Path, int]],
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> None:
    """Markdown → sanitized tree on `draft`, with its notes taken out and its calls in order."""
    try:
        check_markdown(draft.body, draft.source, draft.body_line)
    except BookletError as error:
        errors.append(error)
        draft.tree = lxml_html.fragment_fromstring("<p></p>", create_parent="div")
        return
    body = _first_definitions_only(draft, shared, errors, diagnostics)
    extra = "\n\n".join(text for key, (text, _, _) in shared.items() if key not in draft.labels.values())
    prepared = prepare(body + "\n\n" + extra)
    draft.labels = prepared.labels
    for kind, index in prepared.others.items():
        diagnostics.warn(draft.source, draft.body_line + index, f"not GitHub Markdown: {kind}")
    html, dropped = sanitize(markdown_html(prepared.text))
    for item in dropped:
        diagnostics.warn(draft.source, line_of(draft, item.token), item.message)
    draft.tree = lxml_html.fragment_fromstring(html, create_parent="div") if html else _empty_body()
    _take_definitions(draft)
    _report_undefined_calls(draft, diagnostics)


def _first_definitions_only(
    draft: Draft,
    shared: dict[str, tuple[str, Path, int]],
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> str:
    """A label defined twice keeps its first definition (as GitHub does), with a warning.

    Returns the body with later definitions blanked; notes `draft.labels` with the keys
    defined here (to leave out the shared definitions this chapter overrides... or clashes with).
    """
    lines = draft.body.split("\n")
    local = definition_lines(draft.body, draft.body_line)
    for key, starts in local.items():
        for start in starts[1:]:
            index = start - draft.body_line
            warn_defined_twice(diagnostics, draft.source, start, lines[index], starts[0])
            end = definition_end(lines, index)
            lines[index:end] = [""] * (end - index)
        if key in shared:
            _, where, line = shared[key]
            label = lines[starts[0] - draft.body_line].strip()[2:].split("]:")[0]
            errors.append(
                BookletError(
                    draft.source,
                    starts[0],
                    f"footnote [^{label}] is also defined in {where}:{line}: keep one of the two",
                )
            )
    draft.labels = {key: key for key in local}
    return "\n".join(lines)


def _take_definitions(draft: Draft) -> None:
    """Move the footnotes extension's list out of the text; remember the order of calls.

    Calls are counted in reading order: the body's first, then those inside each cited note
    (a note may cite another), so every cited note is numbered and printed.
    """
    assert draft.tree is not None
    for block in draft.tree.xpath("./div[@class='footnote']"):
        for item in block.xpath("./ol/li[starts-with(@id, 'fn:')]"):
            for backref in item.xpath(".//a[@class='footnote-backref']"):
                backref.drop_tree()
            draft.definitions[item.get("id")[3:]] = item
        block.drop_tree()
    queue = [draft.tree]
    while queue:
        element = queue.pop(0)
        for call in element.xpath(".//sup[starts-with(@id, 'fnref')]/a[@class='footnote-ref']"):
            key = call.get("href", "")[len("#fn:") :]
            if key not in draft.definitions:  # raw HTML imitating a call: its text stays, nothing else
                call.getparent().attrib.pop("id", None)
                call.drop_tag()
            elif key not in draft.cited:
                draft.cited.append(key)
                queue.append(draft.definitions[key])


def _report_undefined_calls(draft: Draft, diagnostics: Diagnostics) -> None:
    """A call to a note never defined stays as the author wrote it (as on GitHub), with a warning."""
    assert draft.tree is not None
    for element in draft.tree.iter():
        if element.tag in ("code", "pre") or not isinstance(element.tag, str):
            continue
        for attribute in ("text", "tail"):
            text = getattr(element, attribute)
            if not text or "[^" not in text:
                continue
            for key in NOTE_KEY_CALL.findall(text):
                label = draft.labels.get(key, key)
                diagnostics.warn(
                    draft.source,
                    line_of(draft, f"[^{label}]"),
                    f"footnote [^{label}] is cited but never defined: it is printed as written; add a line `[^{label}]: …`",
                )
            setattr(
                element, attribute, NOTE_KEY_CALL.sub(lambda m: f"[^{draft.labels.get(m[1], m[1])}]", text)
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
