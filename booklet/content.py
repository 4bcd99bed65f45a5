"""Stage 1b: read a booklet's Markdown into the content model.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional
`footnotes.md`) or a single post with front matter; returns a `Booklet` whose
chapters hold polyglot HTML/XHTML fragments, headings and footnotes.
Markdown becomes HTML here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import markdown
from lxml import etree
from lxml import html as lxml_html

from booklet.config import (
    YamlMapping,
    metadata_from_post,
    parse_yaml_mapping,
    read_front_matter,
    read_metadata,
    read_text,
)
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.images import locate_image
from booklet.model import Booklet, Chapter, Footnote, Heading, Image, Metadata
from booklet.sanitize import sanitize

SHARED_FOOTNOTES = "footnotes.md"
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]
FENCE = re.compile(r"^(```|~~~)")
DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:")
LIST_ITEM = re.compile(r"^ *(?:[-*+]|\d{1,9}[.)])(?: |$)")
ATX_TOP_HEADING = re.compile(r"^#(?!#)\s+(.+?)\s*#*\s*$")

_T = TypeVar("_T")
VOID_ELEMENTS = {"br", "hr", "img", "col", "wbr"}


@dataclass(slots=True)
class _Draft:
    """A chapter between Markdown and the model: ids and numbers are assigned booklet-wide."""

    title: str
    source: Path
    line: int
    body: str  # Markdown, without front matter
    body_line: int  # file line of the body's first line
    tree: lxml_html.HtmlElement | None = None
    definitions: dict[str, lxml_html.HtmlElement] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)  # labels in order of first call


def load_booklet(source: Path, diagnostics: Diagnostics, remote_cache: Path | None = None) -> Booklet:
    """Read and check a whole booklet; raise every error found, together.

    Remote images are fetched into `remote_cache` only when it is given (`--fetch-remote`).
    """
    if not source.exists():
        raise BookletError(source, None, "no such file or folder")
    if source.is_dir():
        metadata, drafts, shared = _read_folder(source, diagnostics)
        root, name = source, source.name
    else:
        metadata, drafts = _read_post(source, diagnostics)
        shared = _post_definitions(drafts) if len(drafts) > 1 else {}
        root, name = source.parent, source.stem
    errors: list[BookletError] = []
    for draft in drafts:
        _convert(draft, shared, errors, diagnostics)
    images = _collect_images(drafts, root, remote_cache, diagnostics, errors)
    _check_links(drafts, metadata, diagnostics)
    chapters = _finish(drafts, shared, metadata, errors, diagnostics)
    if errors:
        raise BookletErrors(errors)
    return Booklet(name=name, metadata=metadata, chapters=chapters, images=images, source=source)


# --- reading files -------------------------------------------------------------------------


def _read_folder(
    folder: Path, diagnostics: Diagnostics
) -> tuple[Metadata, list[_Draft], dict[str, tuple[str, Path, int]]]:
    """Read booklet.yml, every chapter and footnotes.md; report the errors of all of them together."""
    config = folder / "booklet.yml"
    if not config.is_file():
        raise BookletError(config, None, "missing booklet.yml: a booklet folder needs one with a `title`")
    files = sorted(p for p in folder.glob("*.md") if p.name != SHARED_FOOTNOTES)
    errors: list[BookletError] = []
    metadata = _collecting(errors, read_metadata, config)
    if not files:
        errors.append(BookletError(folder, None, "no chapter: add Markdown files (*.md) with front matter"))
    for path in files:
        if not path.resolve().is_relative_to(folder.resolve()):
            message = f"`{path.name}` is a link to a file outside the booklet's folder: copy the file in"
            errors.append(BookletError(path, None, message))
    drafts = [_collecting(errors, _read_chapter_file, path, diagnostics) for path in files]
    shared_path = folder / SHARED_FOOTNOTES
    shared = _collecting(errors, _shared_definitions, shared_path) if shared_path.is_file() else {}
    if errors or metadata is None or shared is None:
        raise BookletErrors(errors)
    return metadata, [draft for draft in drafts if draft is not None], shared


def _collecting(errors: list[BookletError], read: Callable[..., _T], *args: Any) -> _T | None:
    """Call `read`; on bad input, note the error(s) and go on, so that the author sees them all at once."""
    try:
        return read(*args)
    except BookletErrors as found:
        errors.extend(found.errors)
    except BookletError as error:
        errors.append(error)
    return None


def _split_front_matter(text: str, path: Path) -> tuple[YamlMapping, str, int]:
    """Split `---` front matter from the Markdown body; return (mapping, body, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise BookletError(path, 1, "missing front matter: start the file with `---`, `title: …`, `---`")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            mapping = parse_yaml_mapping("\n".join(lines[1:index]), path, first_line=2)
            return mapping, "\n".join(lines[index + 1 :]), index + 2
    raise BookletError(path, 1, "front matter is not closed: add a line `---` after it")


def _read_chapter_file(path: Path, diagnostics: Diagnostics) -> _Draft:
    mapping, body, body_line = _split_front_matter(read_text(path), path)
    front = read_front_matter(mapping, diagnostics)
    return _Draft(front.title, path, front.line, body, body_line)


def _read_post(path: Path, diagnostics: Diagnostics) -> tuple[Metadata, list[_Draft]]:
    """A single post: its front matter is the booklet's, its top-level headings are chapters."""
    mapping, body, body_line = _split_front_matter(read_text(path), path)
    metadata = metadata_from_post(mapping, diagnostics)
    drafts = _split_at_headings(body, body_line, path)
    if not drafts:
        drafts = [_Draft(metadata.title, path, mapping.line_of("title"), body, body_line)]
    return metadata, drafts


def _post_definitions(drafts: list[_Draft]) -> dict[str, tuple[str, Path, int]]:
    """In a post split at its headings, a note defined anywhere may be cited from any chapter.

    Each definition is taken out of its chapter (its lines blanked, so line numbers hold)
    and shared, as `footnotes.md` is in a booklet folder.
    """
    shared: dict[str, tuple[str, Path, int]] = {}
    for draft in drafts:
        lines = draft.body.split("\n")
        for label, starts in _definition_lines(draft.body, draft.body_line).items():
            for start in starts:
                index = start - draft.body_line
                end = _definition_end(lines, index)
                if label in shared:
                    first = shared[label][2]
                    raise BookletError(
                        draft.source,
                        start,
                        f"footnote [^{label}] is defined twice (first at line {first}): keep one definition",
                    )
                shared[label] = ("\n".join(lines[index:end]).rstrip(), draft.source, start)
                lines[index:end] = [""] * (end - index)
        draft.body = "\n".join(lines)
    return shared


def _definition_end(lines: list[str], start: int) -> int:
    """A definition runs on over indented lines, and its first paragraph's lazy lines."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if DEFINITION.match(line):
            break
        if line.strip() == "":
            following = next((l for l in lines[end + 1 :] if l.strip()), "")
            if not following.startswith(("    ", "\t")):
                break
        elif not line.startswith(("    ", "\t")) and lines[end - 1].strip() == "":
            break
        end += 1
    return end


def _split_at_headings(body: str, body_line: int, path: Path) -> list[_Draft]:
    drafts: list[_Draft] = []
    lines = body.split("\n")
    starts = [
        (i, match.group(1)) for i, line in _outside_fences(lines) if (match := ATX_TOP_HEADING.match(line))
    ]
    if not starts:
        return []
    preamble = "\n".join(lines[: starts[0][0]])
    for number, (index, title) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        text = "\n".join(lines[index + 1 : end])
        if number == 0 and preamble.strip():
            text = preamble + "\n\n" + text  # what comes before the first heading opens the first chapter
        drafts.append(_Draft(title, path, body_line + index, text, body_line + index + 1))
    return drafts


def _outside_fences(lines: list[str]) -> list[tuple[int, str]]:
    """Each line outside fenced code blocks, with its index."""
    result = []
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            result.append((index, line))
    return result


def _definition_lines(body: str, body_line: int) -> dict[str, list[int]]:
    """Each footnote label defined in `body`, with the file lines that define it."""
    found: dict[str, list[int]] = {}
    for index, line in _outside_fences(body.split("\n")):
        definition = DEFINITION.match(line)
        if definition:
            found.setdefault(definition.group(1), []).append(body_line + index)
    return found


def _shared_definitions(path: Path) -> dict[str, tuple[str, Path, int]]:
    """footnotes.md: label → (its Markdown definition, file, line). Front matter is optional."""
    text = read_text(path)
    body, body_line = text, 1
    if text.startswith("---\n"):
        _, body, body_line = _split_front_matter(text, path)
    lines = body.split("\n")
    starts = sorted(
        line - body_line for lines_ in _definition_lines(body, body_line).values() for line in lines_
    )
    shared: dict[str, tuple[str, Path, int]] = {}
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        label = DEFINITION.match(lines[start]).group(1)  # type: ignore[union-attr]
        if label in shared:
            first = shared[label][2]
            raise BookletError(
                path,
                body_line + start,
                f"footnote [^{label}] is defined twice (first at line {first}): keep one definition",
            )
        shared[label] = ("\n".join(lines[start:end]).rstrip(), path, body_line + start)
    return shared


# --- Markdown to a tree ---------------------------------------------------------------------


def _convert(
    draft: _Draft,
    shared: dict[str, tuple[str, Path, int]],
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> None:
    local = _definition_lines(draft.body, draft.body_line)
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
        diagnostics.warn(draft.source, _line_of(draft, item.token), item.message)
    draft.tree = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
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
            for first, after in zip(items, [*items[1:], end]):  # each top-level item has its own style
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


def _take_definitions(draft: _Draft) -> None:
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
        if label not in draft.cited:
            draft.cited.append(label)


def _report_undefined_calls(draft: _Draft, errors: list[BookletError]) -> None:
    """Python-Markdown leaves a call to an undefined note as its literal text."""
    assert draft.tree is not None
    for element in draft.tree.iter():
        if element.tag in ("code", "pre") or not isinstance(element.tag, str):
            continue
        for text in (element.text, element.tail):
            for label in re.findall(r"\[\^([^\]\s]+)\]", text or ""):
                line = _line_of(draft, f"[^{label}]")
                errors.append(
                    BookletError(
                        draft.source,
                        line,
                        f"footnote [^{label}] is cited but never defined: add a line `[^{label}]: …`",
                    )
                )


def _line_of(draft: _Draft, token: str) -> int:
    """Python-Markdown keeps no line numbers: find the token in the chapter's source."""
    index = draft.body.find(token)
    if index < 0:
        index = draft.body.lower().find(token.lower())
    return draft.body_line + draft.body.count("\n", 0, index) if index >= 0 else draft.line


# --- images and links -----------------------------------------------------------------------


def _collect_images(
    drafts: list[_Draft],
    root: Path,
    remote_cache: Path | None,
    diagnostics: Diagnostics,
    errors: list[BookletError],
) -> tuple[Image, ...]:
    """Check every image; the outputs refer to each by a stable href (`images/image001.png`)."""
    images: dict[Path, Image] = {}
    for draft in drafts:
        assert draft.tree is not None
        for img in list(draft.tree.iter("img")):
            src = img.get("src", "")
            if not src:  # the sanitizer dropped it (a data: or javascript: URL), with a warning
                img.drop_tree()
                continue
            line = _line_of(draft, src)
            if not img.get("alt"):
                diagnostics.warn(draft.source, line, f"image `{src}` has no alt text: describe it in ![…](…)")
            try:
                found = locate_image(src, draft.source, line, root, remote_cache)
            except BookletError as error:
                errors.append(error)
                img.drop_tree()
                continue
            if found.path not in images:
                href = f"images/image{len(images) + 1:03d}{found.suffix}"
                images[found.path] = Image(found.path, href, found.media_type)
            img.set("src", images[found.path].href)
    return tuple(images.values())


def _check_links(drafts: list[_Draft], metadata: Metadata, diagnostics: Diagnostics) -> None:
    """Site-relative links resolve against base_url; a link that leads nowhere becomes its text."""
    for draft in drafts:
        assert draft.tree is not None
        for anchor in draft.tree.xpath(".//a[not(@href)][not(@id)]"):
            anchor.drop_tag()  # its href was dropped by the sanitizer, with a warning
        for link in draft.tree.xpath(".//a[@href]"):
            href = link.get("href")
            if link.get("class") in ("footnote-ref",) or urlsplit(href).scheme in ("http", "https", "mailto"):
                continue
            if href.startswith("/") and not href.startswith("//") and metadata.base_url:
                link.set("href", urljoin(metadata.base_url, href))
                continue
            if href.startswith("#"):
                continue
            line = _line_of(draft, f"({href}")
            diagnostics.warn(
                draft.source,
                line,
                f"link `{href}` leads nowhere outside the blog: it is kept as text (set `base_url` in booklet.yml to resolve site links)",
            )
            link.drop_tag()


# --- ids, numbers and the finished model ---------------------------------------------------


def _finish(
    drafts: list[_Draft],
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
            )
        )
    _warn_uncited(drafts, shared, diagnostics)
    return tuple(chapters)


def _footnote_ids(drafts: list[_Draft]) -> dict[tuple[int, str], str]:
    """ASCII ids (`fn-zhugeliang`); a label used in several chapters gets the chapter's prefix."""
    chapters_of: dict[str, int] = {}
    for draft in drafts:
        for label in draft.cited:
            chapters_of[label] = chapters_of.get(label, 0) + 1
    ids = {}
    for index, draft in enumerate(drafts, start=1):
        for position, label in enumerate(draft.cited, start=1):
            slug = label.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", label) else f"{position}"
            shared_label = chapters_of[label] > 1 or not slug[0].isalpha()
            ids[(index, label)] = f"ch{index:02d}-fn-{slug}" if shared_label else f"fn-{slug}"
    return ids


def _footnote(
    draft: _Draft, label: str, note_id: str, number: int, shared: dict[str, tuple[str, Path, int]]
) -> Footnote:
    item = draft.definitions[label]
    item.tag = "div"
    for attribute in list(item.attrib):
        del item.attrib[attribute]
    calls = tuple(
        f"{note_id.replace('fn-', 'fnref-', 1)}" + (f"-{n}" if n > 1 else "")
        for n in range(1, len(draft.tree.xpath(f".//a[@class='footnote-ref'][@href='#fn:{label}']")) + 1)  # type: ignore[union-attr]
    )
    if label in shared:
        source, line = shared[label][1], shared[label][2]
    else:
        source, line = draft.source, _line_of(draft, f"[^{label}]:")
    return Footnote(note_id, label, number, _serialize_children(item), calls, source, line)


def _rewrite_calls(draft: _Draft, footnotes: dict[str, Footnote]) -> None:
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


def _number_headings(draft: _Draft, chapter_id: str) -> tuple[Heading, ...]:
    """The chapter title is level 1; the body's headings are shifted to start at level 2."""
    assert draft.tree is not None
    for empty in [h for h in draft.tree.iter("h1", "h2", "h3", "h4", "h5", "h6") if _says_nothing(h)]:
        empty.tag = "p"  # a heading nothing names (an image without alt) is no heading (WCAG 2.4.6)
    found = [h for h in draft.tree.iter() if h.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    shift = 2 - min((int(h.tag[1]) for h in found), default=2)
    headings = [Heading(1, draft.title, chapter_id)]
    for number, element in enumerate(found, start=1):
        level = min(int(element.tag[1]) + shift, 6)
        element.tag = f"h{level}"
        element.set("id", f"{chapter_id}-s{number:02d}")
        text = element.text_content().strip()
        if text:  # a heading with no text (an image alone, or what the sanitizer dropped) is not listed
            headings.append(Heading(level, text, element.get("id")))
    return tuple(headings)


def _says_nothing(heading: lxml_html.HtmlElement) -> bool:
    return not heading.text_content().strip() and not heading.xpath(".//img[normalize-space(@alt)]")


def _number_blocks(draft: _Draft, chapter_id: str) -> None:
    """Give each top-level block an id (`ch01-b003`): the PDF reports the page each lands on."""
    assert draft.tree is not None
    for number, block in enumerate((b for b in draft.tree if isinstance(b.tag, str)), start=1):
        if not block.get("id"):
            block.set("id", f"{chapter_id}-b{number:03d}")


def _warn_uncited(
    drafts: list[_Draft], shared: dict[str, tuple[str, Path, int]], diagnostics: Diagnostics
) -> None:
    cited = {label for draft in drafts for label in draft.cited}
    for draft in drafts:
        for label in draft.definitions:
            if label not in cited and label not in shared:
                diagnostics.warn(
                    draft.source,
                    _line_of(draft, f"[^{label}]:"),
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
