"""The reading stage's sources: a booklet folder's files, or one post split into chapters.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional `footnotes.md`)
or a single post with front matter; returns the metadata, one `Draft` per chapter (its
title, where it starts, its Markdown) and the shared footnote definitions (note key → its
`Definition`). `find_definitions` is the one parser of footnote definitions (chapters, posts,
footnotes.md); `defined_twice` the one message for a note defined twice.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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


@dataclass(frozen=True, slots=True)
class Draft:
    """A chapter as read: its title, where it starts, and its Markdown."""

    title: str
    source: Path
    line: int
    body: str  # Markdown, without front matter
    body_line: int  # file line of the body's first line
    source_url: str | None = None  # the post on its site, for the link back to it
    title_html: str = ""  # the title's Markdown rendered (`title` becomes its text): markdown.render_title


@dataclass(frozen=True, slots=True)
class Definition:
    """One footnote definition as the author wrote it: `[^label]: …` and its continuation lines."""

    label: str  # as written
    markdown: str
    source: Path
    line: int

    @property
    def key(self) -> str:
        return note_key(self.label)


def note_key(label: str) -> str:
    """Note labels match without regard to case or runs of spaces (CommonMark §6.3, as GitHub)."""
    return " ".join(label.split()).casefold()


def read_folder(
    folder: Path, diagnostics: Diagnostics, listed: tuple[tuple[str, int], ...] = ()
) -> tuple[Metadata, list[Draft], dict[str, Definition]]:
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


def post_definitions(
    drafts: list[Draft], diagnostics: Diagnostics
) -> tuple[list[Draft], dict[str, Definition]]:
    """In a post split at its headings, a note defined anywhere may be cited from any chapter.

    Each definition is taken out of its chapter (its lines blanked, so line numbers hold)
    and shared, as `footnotes.md` is in a booklet folder. A label defined twice keeps its
    first definition, as GitHub does, with a warning. Returns the drafts without their
    definitions, and the definitions by `note_key`.
    """
    found = [d for draft in drafts for d in find_definitions(draft.body, draft.body_line, draft.source)]
    shared, twice = first_definitions(found)
    for later in twice:
        diagnostics.warn(later.source, later.line, defined_twice(later, shared[later.key], used_first=True))
    return [without_definitions(draft, found) for draft in drafts], shared


def find_definitions(body: str, body_line: int, source: Path) -> tuple[Definition, ...]:
    """Every footnote definition in `body` (outside code fences), in order: the one parser of them."""
    lines = body.split("\n")
    found = []
    for index, line in outside_fences(lines):
        match = DEFINITION.match(line)
        if match:
            text = "\n".join(lines[index : definition_end(lines, index)]).rstrip()
            found.append(Definition(match.group(1), text, source, body_line + index))
    return tuple(found)


def first_definitions(definitions: Sequence[Definition]) -> tuple[dict[str, Definition], list[Definition]]:
    """Each note's first definition (by `note_key`), and every later one."""
    first: dict[str, Definition] = {}
    later = []
    for definition in definitions:
        if definition.key in first:
            later.append(definition)
        else:
            first[definition.key] = definition
    return first, later


def defined_twice(later: Definition, first: Definition, used_first: bool = False) -> str:
    """The one message for a note defined twice, in one file or in two. `used_first`: the first
    definition is used (in a chapter or post, as GitHub does); else the author must choose."""
    if later.source != first.source:
        return (
            f"footnote [^{later.label}] is also defined in {first.source}:{first.line}: keep one of the two"
        )
    then = "the first definition is used" if used_first else "keep one definition"
    return f"footnote [^{later.label}] is defined twice (first at line {first.line}): {then}"


def without_definitions(draft: Draft, definitions: Sequence[Definition]) -> Draft:
    """The draft with those of `definitions` that lie in it blanked (so line numbers hold)."""
    lines = draft.body.split("\n")
    for definition in definitions:
        start = definition.line - draft.body_line
        if definition.source == draft.source and 0 <= start < len(lines):
            end = start + definition.markdown.count("\n") + 1
            lines[start:end] = [""] * (end - start)
    return dataclasses.replace(draft, body="\n".join(lines))


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
    return _share_link_definitions(drafts)


def _share_link_definitions(drafts: list[Draft]) -> list[Draft]:
    """`[text][ref]` may find its `[ref]: url` anywhere in the post, in another chapter too."""
    found = [
        line
        for draft in drafts
        for _, line in outside_fences(draft.body.split("\n"))
        if LINK_DEFINITION.match(line)
    ]
    return [_with_lines(draft, found) for draft in drafts]


def _with_lines(draft: Draft, lines: list[str]) -> Draft:
    own = set(draft.body.split("\n"))
    missing = [line for line in lines if line not in own]
    if not missing:
        return draft
    return dataclasses.replace(draft, body=draft.body + "\n\n" + "\n".join(missing))


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


def _shared_definitions(path: Path, limit: int) -> dict[str, Definition]:
    """footnotes.md: note key → its definition. Front matter is optional; text outside a
    definition is an error (it would have been added to every chapter)."""
    text = read_text(path, path.parent, limit)
    body, body_line = text, 1
    if text.startswith("---\n"):
        _, body, body_line = split_front_matter(text, path)
    definitions = find_definitions(body, body_line, path)
    shared, twice = first_definitions(definitions)
    errors = [BookletError(d.source, d.line, defined_twice(d, shared[d.key])) for d in twice]
    errors += _stray_text(body, body_line, path, definitions)
    if errors:
        raise BookletErrors(sorted(errors, key=lambda error: error.location.line or 0))
    return shared


def _stray_text(
    body: str, body_line: int, path: Path, definitions: tuple[Definition, ...]
) -> list[BookletError]:
    covered = {d.line + n for d in definitions for n in range(d.markdown.count("\n") + 1)}
    for index, line in enumerate(body.split("\n")):
        if line.strip() and body_line + index not in covered:
            message = "text outside a footnote definition: indent it (four spaces) to continue the note above, or remove it"
            return [BookletError(path, body_line + index, message)]
    return []


def read_style(paths: tuple[Path, ...]) -> tuple[str, tuple[BookletError, ...]]:
    """The author's stylesheets, joined in order; each is pasted into a `<style>` element, which
    `</style` would end (HTML §13.1.2.6), so that is an error. Returns the text and the errors."""
    texts = []
    errors: list[BookletError] = []
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
    return "\n".join(texts), tuple(errors)
