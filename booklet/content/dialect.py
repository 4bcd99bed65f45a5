"""The reading stage's Markdown dialect: CommonMark + GFM as Jekyll, Hugo and GitHub render it.

Takes a chapter's Markdown source; returns HTML (Python-Markdown, with pymdown-extensions for
what it lacks: fenced code at any depth, `~~strike~~`, task lists, bare-URL autolinks) and
the footnote labels as the author wrote them. Where neither gives CommonMark's behaviour,
small steps of ours run first, on the source (`prepare`), or on the tree (`DialectExtension`).
Source steps keep the number of lines, so a token's line can still be found by search.
"""

from __future__ import annotations

import html
import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import pairwise
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pymdownx.emoji import gemoji

from booklet.content.linear import LinearExtension
from booklet.fonts import printable_emoji


def _emoji_character(
    index: str,
    shortname: str,
    alias: str | None,
    uc: str | None,
    alt: str,
    title: str,
    category: str,
    options: dict[str, Any],
    md: markdown.Markdown,
) -> str:
    """`:tada:` → 🎉; a code whose character the print face lacks stays as the author typed it."""
    codepoints = tuple(int(part, 16) for part in uc.split("-")) if uc else ()
    shown = alt if codepoints and printable_emoji(codepoints) else f":{alias or shortname}:"
    return md.htmlStash.store(html.escape(shown))


@cache
def _gemoji_index() -> dict[str, Any]:
    index: dict[str, Any] = gemoji({}, None)
    return index


def _shared_gemoji_index(options: dict[str, Any], md: markdown.Markdown) -> dict[str, Any]:
    """GitHub's index, built once: pymdown's `gemoji` deep-copies its 1,900 entries for every
    Markdown instance (a chapter's), the larger part of reading a short chapter; the pattern
    only looks names up in it."""
    return _gemoji_index()


EXTENSIONS = [
    "extra",
    "sane_lists",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tilde",
    "pymdownx.caret",
    "pymdownx.tasklist",
    "pymdownx.magiclink",
    "pymdownx.emoji",
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # Python-Markdown puts the notes where a paragraph says "///Footnotes Go Here///", taking the
    # author's text with it: a marker nobody writes instead.
    "extra": {"footnotes": {"UNIQUE_IDS": False, "PLACE_MARKER": "\u2063booklet-notes-f3c9a1e7\u2063"}},
    "pymdownx.tilde": {"subscript": True},
    "pymdownx.caret": {"insert": False},
    "pymdownx.magiclink": {"hide_protocol": False},
    # Pygments' spans (its classes styled in base.css and web.css); the language named on the wrapper.
    "pymdownx.highlight": {"pygments_lang_class": True, "guess_lang": False},
    # GitHub's `:tada:` codes (its gemoji index) as the characters, where the print face has them.
    "pymdownx.emoji": {"emoji_index": _shared_gemoji_index, "emoji_generator": _emoji_character},
}
FENCE_OPEN = re.compile(
    r"^(?P<indent>(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$"
)
KRAMDOWN_MARKER = re.compile(r"^[ \t]*\{:[^}]*\}[ \t]*$")
TOC_MARKER = re.compile(r"^[ \t]*\{:[ \t]*(?:\.no_)?toc[ \t]*\}[ \t]*$")
NOTE_CALL = re.compile(r"\[\^([^\]\n]+)\]")
NOTE_DEFINITION = re.compile(r"^( {0,3})\[\^([^\]\n]+)\]:")
CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
HTML_BLOCK_OPEN = re.compile(
    r"^ {0,3}<(div|section|article|aside|details|figure|blockquote|table|center)(?=[\s>])", re.IGNORECASE
)
CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
CJK_BREAK = re.compile(f"(?<=[{CJK}])[ \\t]*\\n[ \\t]*(?=[{CJK}])")
TASK = {"checked": "\u2611\u00a0", "unchecked": "\u2610\u00a0"}
TASK_BOX = re.compile(r'<input type="checkbox" disabled(?: checked)?\s*/?>\s?')
LIST_ITEM = re.compile(r"^ *(?:[-*+]|\d{1,9}[.)])(?: |$)")
SIMPLE_FENCE = re.compile(r"^(```|~~~)")


@dataclass(slots=True)
class Prepared:
    """A chapter's Markdown after our source steps, and what they found."""

    text: str
    labels: dict[str, str] = field(default_factory=dict)  # safe key → the author's label
    fences: list[int] = field(default_factory=list)  # 0-based lines whose info string was cut
    others: dict[str, int] = field(default_factory=dict)  # other tools' syntax → its first line (0-based)


def markdown_to_html(text: str) -> str:
    """The whole Markdown stage on one piece of text (the conformance bench calls this)."""
    from booklet.content.sanitize import sanitize

    return sanitize(convert(prepare(text).text))[0]


def convert(text: str) -> str:
    converter = markdown.Markdown(
        extensions=[*EXTENSIONS, LinearExtension(), DialectExtension()],
        extension_configs=EXTENSION_CONFIGS,
    )
    return TASK_BOX.sub(_task_mark, converter.convert(text))


def _task_mark(box: re.Match[str]) -> str:
    """A task list's box as a character: every output shows it, none needs a form control."""
    return TASK["checked" if "checked" in box.group(0) else "unchecked"]


def prepare(text: str) -> Prepared:
    """Source steps, in order; each leaves the number of lines as it was."""
    prepared = Prepared(text)
    lines = _widen_list_indents(text).split("\n")
    code = _code_lines(lines)
    _cut_fence_info(lines, prepared)
    _drop_kramdown_markers(lines, code)
    _close_html_blocks(lines, code)
    _other_tools(lines, code, prepared.others)
    text = "\n".join(lines)
    text = _inline_notes(text, code)
    text = _code_reference_labels(text)
    prepared.text = _safe_note_labels(text, prepared.labels)
    return prepared


# --- source steps ------------------------------------------------------------------------------


def _code_lines(lines: list[str]) -> set[int]:
    """Lines inside fenced code (the fences included): no step rewrites them."""
    inside: set[int] = set()
    fence = ""
    for number, line in enumerate(lines):
        match = FENCE_OPEN.match(line)
        if fence:
            inside.add(number)
            if (
                match
                and match["fence"][0] == fence[0]
                and len(match["fence"]) >= len(fence)
                and not match["info"].strip()
            ):
                fence = ""
        elif match and not (match["fence"][0] == "`" and "`" in match["info"]):
            fence = match["fence"]
            inside.add(number)
    return inside


def _cut_fence_info(lines: list[str], prepared: Prepared) -> None:
    """` ```rust= `, ` ```html interactive-example `: keep the language, the first word.

    GitHub and Goldmark take the first word of the info string as the language; superfences
    takes a line with anything after the word for no fence at all and prints it.
    """
    fence = ""
    for number, line in enumerate(lines):
        match = FENCE_OPEN.match(line)
        if not match:
            continue
        if fence:
            if (
                match["fence"][0] == fence[0]
                and len(match["fence"]) >= len(fence)
                and not match["info"].strip()
            ):
                fence = ""
            continue
        if match["fence"][0] == "`" and "`" in match["info"]:
            continue  # an inline code span, not a fence
        fence = match["fence"]
        info = match["info"].strip()
        word = re.match(r"[\w+#.-]*", info.split()[0] if info else "")
        language = word.group(0).strip(".-") if word else ""
        if info != language and not info.startswith("{"):
            lines[number] = f"{match['indent']}{match['fence']}{language}"
            prepared.fences.append(number)


def _drop_kramdown_markers(lines: list[str], code: set[int]) -> None:
    """kramdown's block markers on a line of their own (`{: .notice}`, `{:toc}`) are consumed.

    `* TOC` over `{:toc}` is kramdown's table of contents: the booklet has its own, so the
    list item goes too. A marker after a paragraph would class it; booklet's style has no use
    for an author's classes, so the line is simply dropped.
    """
    for number, line in enumerate(lines):
        if number in code or not KRAMDOWN_MARKER.match(line):
            continue
        if TOC_MARKER.match(line) and number > 0 and re.match(r"^[ \t]*[-*+] ", lines[number - 1]):
            lines[number - 1] = ""
        lines[number] = ""


def _close_html_blocks(lines: list[str], code: set[int]) -> None:
    """An HTML block ends at a blank line (CommonMark §4.6): close a tag that is never closed.

    Python-Markdown reads a raw `<div>` to its end tag; one that has none would take in the
    rest of the chapter as raw HTML. Its end tag is put at the end of its block's last line.
    Counted from the end of the chapter backwards, so a long chapter is read once.
    """
    unclosed: dict[str, int] = {}  # tag → end tags minus start tags from this line to the end
    closes: dict[int, str] = {}
    for number in range(len(lines) - 1, -1, -1):
        line = lines[number]
        if number in code or "<" not in line:
            continue
        for slash, tag in re.findall(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(?=[\s>/])", line):
            tag = tag.lower()
            unclosed[tag] = unclosed.get(tag, 0) + (1 if slash else -1)
        match = HTML_BLOCK_OPEN.match(line)
        if match and unclosed.get(match.group(1).lower(), 0) < 0:
            tag = match.group(1).lower()
            closes[number] = tag
            unclosed[tag] = 0
    block_end = len(lines) - 1
    ends: dict[int, int] = {}
    for number in range(len(lines) - 1, -1, -1):
        if not lines[number].strip():
            block_end = number - 1
        ends[number] = block_end
    for number, tag in sorted(closes.items()):
        lines[ends[number]] += f"</{tag}>"


OTHER_SYNTAX = {
    "math (`$…$`, `$$…$$`, `\\(…\\)`): shown as its TeX source in code": re.compile(
        r"\$\$.+?\$\$|(?<![\w$\\])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)|\\\\\(.+?\\\\\)|\\\\\[.+?\\\\\]"
    ),
    "pandoc's superscript `^x^`: rendered as superscript": re.compile(
        r"(?<![\^\[])\^(?=[^\s^\[])[^\s^\]]+?\^"
    ),
    "pandoc's subscript `~x~`: rendered as subscript": re.compile(r"(?<!~)~(?=[^\s~])[^\s~]+?~(?!~)"),
}
CONTAINER = re.compile(r"^ {0,3}:{3,}")
CODE_REFERENCE = re.compile(r"^ {0,3}\[([^\]\n]*`[^\]\n]*)\]:[ \t]*\S", re.MULTILINE)
OTHER_SYNTAX_MATH = next(iter(OTHER_SYNTAX.values()))
MATH_DELIMITERS = re.compile(r"\$\$|\$|\\\\[()\[\]]")


def _other_tools(lines: list[str], code: set[int], found: dict[str, int]) -> None:
    """Other tools' syntax is kept readable, never printed as its markers; each kind is noted once.

    Math becomes a code span of its TeX source; `:::` container fences (pandoc, markdown-it)
    are dropped and their content read as Markdown; `^sup^`, `~sub~` are rendered.
    """
    for number, line in enumerate(lines):
        if number in code:
            continue
        if CONTAINER.match(line):
            found.setdefault(
                "`:::` containers (pandoc, markdown-it): the fences are dropped, the text kept", number
            )
            lines[number] = ""
            continue
        for kind, pattern in OTHER_SYNTAX.items():
            if pattern.search(_without_code_spans(line)):
                found.setdefault(kind, number)
                if kind.startswith("math"):
                    lines[number] = _math_as_code(line)


def _without_code_spans(line: str) -> str:
    return CODE_SPAN.sub(lambda span: " " * len(span.group(0)), line)


def _math_as_code(line: str) -> str:
    """`$x^2$` → `` `x^2` ``: the TeX source, as code (a reader of the PDF can still read it)."""
    spans = [(m.start(), m.end()) for m in CODE_SPAN.finditer(line)]

    def as_code(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in spans):
            return match.group(0)
        inner = MATH_DELIMITERS.sub("", match.group(0)).strip()
        return f"`` {inner} ``" if "`" in inner else f"`{inner}`"

    return OTHER_SYNTAX_MATH.sub(as_code, line)


def _inline_notes(text: str, code: set[int]) -> str:
    """pandoc's inline notes `^[…]` become numbered notes defined at the end."""
    if "^[" not in text:
        return text
    out, notes, index = [], [], 0
    while (start := text.find("^[", index)) >= 0:
        end = _closing_bracket(text, start + 1)
        line = text.count("\n", 0, start)
        if end < 0 or line in code or _in_code_span(text, start):
            out.append(text[index : start + 2])
            index = start + 2
            continue
        notes.append(text[start + 2 : end].replace("\n", " "))
        label = f"inline-{len(notes)}"
        body = text[start + 2 : end]
        out.append(f"{text[index:start]}[^{label}]" + "\n" * body.count("\n"))
        index = end + 1
    out.append(text[index:])
    definitions = "".join(f"\n\n[^inline-{n}]: {note}" for n, note in enumerate(notes, start=1))
    return "".join(out) + definitions


def _code_reference_labels(text: str) -> str:
    """`[`width`]` with `[`width`]: url` anywhere: a reference whose label holds inline code.

    Python-Markdown reads the code span before it looks the label up, so it never matches;
    such labels become plain ones (`[`width`][code-1]`, `[code-1]: url`) before it reads them.
    """
    labels = {m.group(1) for m in CODE_REFERENCE.finditer(text)}
    for number, label in enumerate(sorted(labels), start=1):
        key = f"code-{number}"
        text = re.sub(rf"^( {{0,3}})\[{re.escape(label)}\]:", rf"\1[{key}]:", text, flags=re.MULTILINE)
        text = re.sub(rf"\[{re.escape(label)}\](?:\[\])?(?![\[(:])", f"[{label}][{key}]", text)
    return text


def _closing_bracket(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, min(len(text), opening + 10_000)):
        char = text[index]
        if char == "\\":
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _in_code_span(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    offset = position - line_start
    return any(span.start() < offset < span.end() for span in CODE_SPAN.finditer(line))


def _safe_note_labels(text: str, labels: dict[str, str]) -> str:
    """Every note label becomes a safe key (`n1`, `n2`…), the same for its case variants.

    Labels may hold any character (quotes, spaces, CJK) and match without regard to case
    (CommonMark §6.3 label matching, as GitHub does for notes); the keys keep ids ASCII and
    the tree's queries simple. `labels` maps each key back to the label as first written.
    """
    keys: dict[str, str] = {}

    def key(label: str) -> str:
        folded = " ".join(label.split()).casefold()
        if folded not in keys:
            keys[folded] = f"n{len(keys) + 1}"
            labels[keys[folded]] = label
        return keys[folded]

    lines = text.split("\n")
    code = _code_lines(lines)
    for number, line in enumerate(lines):
        if number in code or "[^" not in line:
            continue
        spans = [(m.start(), m.end()) for m in CODE_SPAN.finditer(line)]
        lines[number] = NOTE_CALL.sub(partial(_swap, spans=spans, key=key), line)
    return "\n".join(lines)


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
        if SIMPLE_FENCE.match(lines[index]):
            fenced = not fenced
        elif not fenced and LIST_ITEM.match(lines[index]) and _indent(lines[index]) < 4:
            end = _list_end(lines, index)
            items = [n for n in range(index, end) if LIST_ITEM.match(lines[n]) and _indent(lines[n]) < 2]
            for first, after in pairwise([*items, end]):  # each top-level item: its own style
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
    unit = min(nested, default=0)
    if unit in (2, 3):
        for number in range(start, end):
            depth, rest = divmod(_indent(lines[number]), unit)
            lines[number] = " " * (depth * 4 + rest) + lines[number].lstrip(" ")
    elif not nested:  # no nested list: content under the item at its content column (2 or 3)
        marker = LIST_ITEM.match(lines[start])
        column = marker.end() - _indent(lines[start]) if marker else 4
        if column in (2, 3):
            for number in range(start + 1, end):
                if lines[number].strip() and _indent(lines[number]) >= column:
                    lines[number] = " " * (4 - column) + lines[number]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _swap(match: re.Match[str], spans: list[tuple[int, int]], key: Callable[[str], str]) -> str:
    """A note call outside code spans gets its safe key."""
    if any(start <= match.start() < end for start, end in spans):
        return match.group(0)
    return f"[^{key(match.group(1))}]"


# --- tree steps --------------------------------------------------------------------------------


class DialectExtension(Extension):
    """Backslash escapes of all ASCII punctuation; CJK line breaks; table captions; figures."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 -- Python-Markdown names it
        for char in string.punctuation:  # CommonMark §2.4: any ASCII punctuation can be escaped
            if char not in md.ESCAPED_CHARS:
                md.ESCAPED_CHARS.append(char)
        md.treeprocessors.register(_DialectTree(md), "booklet-dialect", 1)


class _DialectTree(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in list(root.iter()):
            if element.tag in ("pre", "code"):
                continue
            if element.tag == "table":
                _caption_after(element, parents)
            if element.tag == "p":
                _figure(element)
            for attribute in ("text", "tail"):
                value = getattr(element, attribute)
                if value and "\n" in value and (attribute == "text" or parents.get(element) is not None):
                    setattr(element, attribute, CJK_BREAK.sub("", value))


def _figure(paragraph: ET.Element) -> None:
    """An image alone in its paragraph, with a title: a figure, the title its caption."""
    if len(paragraph) != 1 or (paragraph.text or "").strip() or (paragraph[0].tail or "").strip():
        return
    image = paragraph[0]
    if image.tag != "img" or not (image.get("title") or "").strip():
        return
    paragraph.tag = "figure"
    caption = ET.SubElement(paragraph, "figcaption")
    caption.text = image.attrib.pop("title")


def _caption_after(table: ET.Element, parents: dict[ET.Element, ET.Element]) -> None:
    """pandoc's `: caption` line after a table (read by def_list as a lone <dd>) is its caption."""
    parent = parents.get(table)
    if parent is None:
        return
    siblings = list(parent)
    index = siblings.index(table)
    if index + 1 >= len(siblings):
        return
    after = siblings[index + 1]
    if after.tag != "dl" or len(after) != 1 or after[0].tag != "dd":
        return
    caption = ET.Element("caption")
    caption.text, caption[:] = after[0].text, list(after[0])
    if len(caption) == 1 and caption[0].tag == "p" and not caption.text:
        paragraph = caption[0]
        caption.text, caption[:] = paragraph.text, list(paragraph)
    table.insert(0, caption)
    caption.tail = "\n"
    parent.remove(after)
