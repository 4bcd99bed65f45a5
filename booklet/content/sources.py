"""The reading stage's sources: a booklet folder's files, or one post split into chapters.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional `footnotes.md`)
or a single post with front matter; returns the metadata, one `Draft` per chapter (its
title, where it starts, its Markdown) and the shared footnote definitions (label → its
Markdown, file and line).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lxml import html as lxml_html

from booklet.content.config import metadata_from_post, read_front_matter, read_metadata
from booklet.content.posts import natural_key
from booklet.content.text import MAX_CHAPTER_MB, MB, YamlMapping, read_text, split_front_matter
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import Metadata

SHARED_FOOTNOTES = "footnotes.md"
FENCE = re.compile(r"^(```|~~~)")
DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\n]+)\]:")
ATX_TOP_HEADING = re.compile(r"^#(?!#)\s+(.+?)\s*#*\s*$")
SETEXT_TOP_UNDERLINE = re.compile(r"^ {0,3}=+[ \t]*$")
LINK_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S")

_T = TypeVar("_T")


@dataclass(slots=True)
class Draft:
    """A chapter between Markdown and the model: ids and numbers are assigned booklet-wide."""

    title: str
    source: Path
    line: int
    body: str  # Markdown, without front matter
    body_line: int  # file line of the body's first line
    tree: lxml_html.HtmlElement | None = None
    definitions: dict[str, lxml_html.HtmlElement] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)  # note keys in order of first call
    source_url: str | None = None  # the post on its site, for the link back to it
    labels: dict[str, str] = field(default_factory=dict)  # note key → the label as written
    anchors: dict[str, str] = field(default_factory=dict)  # an author's id or heading slug → booklet's id


def note_key(label: str) -> str:
    """Note labels match without regard to case or runs of spaces (CommonMark §6.3, as GitHub)."""
    return " ".join(label.split()).casefold()


def read_folder(
    folder: Path, diagnostics: Diagnostics, listed: tuple[tuple[str, int], ...] = ()
) -> tuple[Metadata, list[Draft], dict[str, tuple[str, Path, int]]]:
    """Read booklet.yml, every chapter and footnotes.md; report the errors of all of them together.

    Chapters are the `*.md` files in natural order (`2-x.md` before `10-x.md`), or `listed`
    (booklet.yml's `chapters:`, with the lines of its items) in the order given.
    """
    config = folder / "booklet.yml"
    if not os.path.lexists(config):
        raise BookletError(config, None, "missing booklet.yml: a booklet folder needs one with a `title`")
    errors: list[BookletError] = []
    files = _chapter_files(folder, config, listed, errors, diagnostics)
    metadata = _collecting(errors, read_metadata, config)
    limit = (metadata.max_chapter_mb if metadata is not None else MAX_CHAPTER_MB) * MB
    if not files:
        errors.append(BookletError(folder, None, "no chapter: add Markdown files (*.md) with front matter"))
    drafts = [_collecting(errors, _read_chapter_file, path, diagnostics, limit, folder) for path in files]
    shared_path = folder / SHARED_FOOTNOTES
    shared = (
        _collecting(errors, _shared_definitions, shared_path, limit) if os.path.lexists(shared_path) else {}
    )
    if errors or metadata is None or shared is None:
        raise BookletErrors(errors)
    return metadata, [draft for draft in drafts if draft is not None], shared


def _chapter_files(
    folder: Path,
    config: Path,
    listed: tuple[tuple[str, int], ...],
    errors: list[BookletError],
    diagnostics: Diagnostics,
) -> list[Path]:
    found = sorted(
        (p for p in folder.glob("*.md") if p.name != SHARED_FOOTNOTES), key=lambda p: natural_key(p.name)
    )
    if not listed:
        return found
    for name, line in listed:
        if not (folder / name).is_file():
            errors.append(
                BookletError(
                    config, line, f"`chapters:` names `{name}`, which is not in {folder}: check the file name"
                )
            )
    names = {name for name, _ in listed}
    for path in found:
        if path.name not in names:
            diagnostics.warn(
                path,
                None,
                "not in booklet.yml's `chapters:` list: left out (add it to the list to include it)",
            )
    return [folder / name for name, _ in listed if (folder / name).is_file()]


def _collecting(errors: list[BookletError], read: Callable[..., _T], *args: Any) -> _T | None:
    """Call `read`; on bad input, note the error(s) and go on, so that the author sees them all at once."""
    try:
        return read(*args)
    except BookletErrors as found:
        errors.extend(found.errors)
    except BookletError as error:
        errors.append(error)
    return None


def _read_chapter_file(path: Path, diagnostics: Diagnostics, limit: int, folder: Path) -> Draft:
    mapping, body, body_line = split_front_matter(read_text(path, folder, limit), path)
    front = read_front_matter(mapping, diagnostics)
    return Draft(front.title, path, front.line, body, body_line)


def read_post(
    path: Path, diagnostics: Diagnostics, split: tuple[YamlMapping, str, int] | None = None
) -> tuple[Metadata, list[Draft]]:
    """A single post: its front matter is the booklet's, its top-level headings are chapters.

    `split`: its front matter and body when already read (TOML front matter, Liquid rendered).
    """
    mapping, body, body_line = split or split_front_matter(read_text(path), path)
    metadata = metadata_from_post(mapping, diagnostics)
    drafts = _split_at_headings(body, body_line, path)
    if not drafts:
        drafts = [Draft(metadata.title, path, mapping.line_of("title"), body, body_line)]
    return metadata, drafts


def post_definitions(drafts: list[Draft], diagnostics: Diagnostics) -> dict[str, tuple[str, Path, int]]:
    """In a post split at its headings, a note defined anywhere may be cited from any chapter.

    Each definition is taken out of its chapter (its lines blanked, so line numbers hold)
    and shared, as `footnotes.md` is in a booklet folder. A label defined twice keeps its
    first definition, as GitHub does, with a warning. Shared labels are keyed by `note_key`.
    """
    shared: dict[str, tuple[str, Path, int]] = {}
    for draft in drafts:
        lines = draft.body.split("\n")
        for key, starts in definition_lines(draft.body, draft.body_line).items():
            for start in starts:
                index = start - draft.body_line
                end = definition_end(lines, index)
                if key in shared:
                    warn_defined_twice(diagnostics, draft.source, start, lines[index], shared[key][2])
                else:
                    shared[key] = ("\n".join(lines[index:end]).rstrip(), draft.source, start)
                lines[index:end] = [""] * (end - index)
        draft.body = "\n".join(lines)
    return shared


def warn_defined_twice(diagnostics: Diagnostics, path: Path, line: int, text: str, first: int) -> None:
    label = DEFINITION.match(text).group(1)  # type: ignore[union-attr]
    diagnostics.warn(
        path,
        line,
        f"footnote [^{label}] is defined twice (first at line {first}): the first definition is used",
    )


def definition_end(lines: list[str], start: int) -> int:
    """A definition runs on over indented lines, and its first paragraph's lazy lines."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if DEFINITION.match(line):
            break
        if line.strip() == "":
            following = next((text for text in lines[end + 1 :] if text.strip()), "")
            if not following.startswith(("    ", "\t")):
                break
        elif not line.startswith(("    ", "\t")) and lines[end - 1].strip() == "":
            break
        end += 1
    return end


def _split_at_headings(body: str, body_line: int, path: Path) -> list[Draft]:
    """Top-level headings, `# Title` or `Title` over `=====`, start the chapters of a post."""
    drafts: list[Draft] = []
    lines = body.split("\n")
    starts: list[tuple[int, int, str]] = []  # (heading's first line, its last line, title)
    prose = outside_fences(lines)
    outside = {index for index, _ in prose}
    for index, line in prose:
        if match := ATX_TOP_HEADING.match(line):
            starts.append((index, index, match.group(1)))
        elif (
            index > 0
            and SETEXT_TOP_UNDERLINE.match(line)
            and index - 1 in outside
            and any(character.isalnum() for character in lines[index - 1])  # words, not markup
            and (index < 2 or not lines[index - 2].strip())
        ):
            starts.append((index - 1, index, lines[index - 1].strip()))
    if not starts:
        return []
    preamble = "\n".join(lines[: starts[0][0]])
    for number, (index, last, title) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        text = "\n".join(lines[last + 1 : end])
        if number == 0 and preamble.strip():
            text = preamble + "\n\n" + text  # what comes before the first heading opens the first chapter
        drafts.append(Draft(title, path, body_line + index, text, body_line + last + 1))
    _share_link_definitions(drafts)
    return drafts


def _share_link_definitions(drafts: list[Draft]) -> None:
    """`[text][ref]` may find its `[ref]: url` anywhere in the post, in another chapter too."""
    found = [
        line
        for draft in drafts
        for _, line in outside_fences(draft.body.split("\n"))
        if LINK_DEFINITION.match(line)
    ]
    if not found:
        return
    for draft in drafts:
        own = set(draft.body.split("\n"))
        missing = [line for line in found if line not in own]
        if missing:
            draft.body += "\n\n" + "\n".join(missing)


def outside_fences(lines: list[str]) -> list[tuple[int, str]]:
    """Each line outside fenced code blocks, with its index."""
    result = []
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            result.append((index, line))
    return result


def definition_lines(body: str, body_line: int) -> dict[str, list[int]]:
    """Each footnote label defined in `body` (by `note_key`), with the file lines that define it."""
    found: dict[str, list[int]] = {}
    for index, line in outside_fences(body.split("\n")):
        definition = DEFINITION.match(line)
        if definition:
            found.setdefault(note_key(definition.group(1)), []).append(body_line + index)
    return found


def _shared_definitions(path: Path, limit: int) -> dict[str, tuple[str, Path, int]]:
    """footnotes.md: label → (its Markdown definition, file, line). Front matter is optional."""
    text = read_text(path, path.parent, limit)
    body, body_line = text, 1
    if text.startswith("---\n"):
        _, body, body_line = split_front_matter(text, path)
    lines = body.split("\n")
    starts = sorted(
        line - body_line for lines_ in definition_lines(body, body_line).values() for line in lines_
    )
    shared: dict[str, tuple[str, Path, int]] = {}
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        label = note_key(DEFINITION.match(lines[start]).group(1))  # type: ignore[union-attr]
        if label in shared:
            first = shared[label][2]
            raise BookletError(
                path,
                body_line + start,
                f"footnote [^{label}] is defined twice (first at line {first}): keep one definition",
            )
        shared[label] = ("\n".join(lines[start:end]).rstrip(), path, body_line + start)
    return shared


def read_style(paths: tuple[Path, ...], errors: list[BookletError]) -> str:
    """The author's stylesheets, joined in order; each is pasted into a `<style>` element, which
    `</style` would end (HTML §13.1.2.6), so that is an error."""
    texts = []
    for path in paths:
        try:
            text = read_text(path)
        except BookletError as error:
            errors.append(error)
            continue
        end = re.search(r"</style", text, flags=re.IGNORECASE)
        if end is not None:
            line = text.count("\n", 0, end.start()) + 1
            errors.append(BookletError(path, line, "`</style` would end the stylesheet early: remove it"))
        texts.append(f"/* {path.name} */\n{text}")
    return "\n".join(texts)
