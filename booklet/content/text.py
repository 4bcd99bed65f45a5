"""The reading stage's text: UTF-8 source files, YAML mappings with their lines, front matter.

Takes file paths and text; returns an author's file's bytes (`read_source`: the only way one
is read — resolved, inside the booklet's folder, a regular file, within its size limit),
checked text (`read_text`: UTF-8, a BOM accepted, no
character XML forbids), YAML mappings with the 1-based line of each key
(`parse_yaml_mapping`: PyYAML counts from 0, authors from 1; converted once, in
`yaml_position`) and a Markdown file split from its front matter (`split_front_matter`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from booklet.errors import BookletError

MB = 1024 * 1024
MAX_CHAPTER_MB = 5  # a chapter, a post, booklet.yml, footnotes.md (`max_chapter_mb` in booklet.yml)
MAX_IMAGE_MB = 20  # an image or the cover (`max_image_mb`)
MAX_ANY_MB = 1024  # what either may be raised to
MAX_WORD = 3_000  # characters in a run with no break (`max_word_length`; content.measure)
MAX_ANY_WORD = MAX_ANY_PAGES = 1_000_000  # what `max_word_length` and `max_pages` may be raised to


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A parsed YAML mapping with the 1-based line of each key."""

    values: Mapping[str, object]
    lines: Mapping[str, int]
    path: Path
    line: int  # line of the mapping's first key (or where it would be)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


def read_source(path: Path, root: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of an author's file, checked before it is opened: the only way a source is read.

    The path is resolved first (a symlink loop is an error), must lie inside `root`, must be
    a regular file (a FIFO, a device or a folder would hang or never end) and at most `limit`
    bytes long; it is opened without following a link and without blocking, then checked again.
    """
    real = _resolve(path)
    if not real.is_relative_to(_resolve(root)):
        raise BookletError(
            path, None, f"`{path.name}` is a link to a file outside the booklet's folder: copy the file in"
        )
    try:
        _check_kind(path, os.stat(real), limit, what)
        handle = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(handle, "rb") as file:
            _check_kind(path, os.fstat(file.fileno()), limit, what)  # the same file that was checked
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise BookletError(path, None, f"no such {what}") from None
    except OSError as error:
        raise BookletError(path, None, f"cannot read the {what} ({error.strerror}): check the file") from None
    if len(data) > limit:
        raise _too_large(path, limit, what)
    return data


def _resolve(path: Path) -> Path:
    try:
        return path.resolve(strict=False)
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a loop, 3.13 OSError
        raise BookletError(
            path, None, "symbolic links that lead in a loop: replace the link by the file"
        ) from None


def _check_kind(path: Path, status: os.stat_result, limit: int, what: str) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise BookletError(path, None, f"a folder where a {what} is expected: give a file")
    if not stat.S_ISREG(status.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(status.st_mode) else "a device or socket"
        raise BookletError(path, None, f"the {what} is {kind}, not a regular file: give a file")
    if status.st_size > limit:
        raise _too_large(path, limit, what)


def _too_large(path: Path, limit: int, what: str) -> BookletError:
    key = "max_image_mb" if what in ("image", "cover") else "max_chapter_mb"
    return BookletError(
        path, None, f"the {what} is larger than {limit // MB} MB: split it, or raise `{key}` in booklet.yml"
    )


def read_text(path: Path, root: Path | None = None, limit: int = 0) -> str:
    """Read a UTF-8 source file inside `root` (`read_source`); a BOM is accepted, a bad byte is a located error."""
    data = read_source(path, root if root is not None else path.parent, limit or MAX_CHAPTER_MB * MB)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise BookletError(path, line, "not valid UTF-8 text: save the file as UTF-8", column) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _NOT_XML.search(text)
    if bad:
        line, column = _position(text, bad.start())
        raise BookletError(
            path,
            line,
            f"control character U+{ord(bad.group()):04X} is not allowed in text: delete it",
            column,
        )
    return text


# Characters XML 1.0 (§2.2) forbids: no output may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _position(text: str | bytes, index: int) -> tuple[int, int]:
    """1-based line and column of `index`."""
    newline = "\n" if isinstance(text, str) else b"\n"
    line = text.count(newline, 0, index) + 1  # type: ignore[arg-type]
    column = index - (text.rfind(newline, 0, index) + 1) + 1  # type: ignore[arg-type]
    return line, column


def yaml_position(mark: yaml.Mark | None, first_line: int) -> tuple[int, int | None]:
    """PyYAML counts lines and columns from 0, from the start of the YAML text: convert here, once."""
    if mark is None:
        return first_line, None
    return first_line + mark.line, mark.column + 1


def parse_yaml_mapping(text: str, path: Path, first_line: int = 1) -> YamlMapping:
    """Parse YAML that must be a mapping; `first_line` is the file line of `text`'s line 1."""
    try:
        node, values = _load(text, path, first_line, yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        line, column = yaml_position(error.problem_mark or error.context_mark, first_line)
        problem = error.problem or error.context or "syntax error"
        raise BookletError(
            path, line, f"not valid YAML: {problem}: check the quoting and indentation", column
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        # e.g. `date: 2024-13-45` matches YAML's timestamp form but is no date
        raise BookletError(path, first_line, f"not valid YAML: {error}: quote the value") from None
    if values is None:
        values = {}
    if not isinstance(values, dict) or (node is not None and not isinstance(node, yaml.MappingNode)):
        raise BookletError(
            path, first_line, "not a YAML mapping: write `key: value` lines, such as `title: …`"
        )
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, (line, column) = str(key_node.value), yaml_position(key_node.start_mark, first_line)
            if key in lines:
                raise BookletError(
                    path, line, f"key `{key}` appears twice (first at line {lines[key]}): keep one", column
                )
            lines[key] = line
    return YamlMapping({str(k): v for k, v in values.items()}, lines, path, first_line)


def load_yaml(text: str, path: Path, first_line: int = 1) -> object:
    """`yaml.safe_load`, with aliases bounded (`_check_expansion`): every YAML booklet reads comes here.

    Raises PyYAML's errors as `yaml.safe_load` does, and a located `BookletError` for aliases.
    """
    return _load(text, path, first_line, yaml.CSafeLoader)[1]


def _load(text: str, path: Path, first_line: int, kind: type) -> tuple[yaml.Node | None, object]:
    """PyYAML's pure-Python loader gives the messages booklet.yml's errors quote; the C one is faster."""
    loader = kind(text)
    try:
        node = loader.get_single_node()
        _check_expansion(node, path, first_line)
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


MAX_YAML_NODES = 10_000  # values in booklet.yml or front matter once every alias is expanded


def _check_expansion(node: yaml.Node | None, path: Path, first_line: int) -> None:
    """Refuse YAML whose aliases expand to more than `MAX_YAML_NODES` values ("billion laughs").

    PyYAML shares an aliased value, so loading is cheap, but every later step that walks the
    value (a list of tags, a title's text) would walk each copy. Sizes are counted once per
    node, so the count itself takes time linear in the text.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = MAX_YAML_NODES + 1  # a node inside itself (`&a [*a]`) is too large too
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                break
        sizes[id(node)] = total
        return total

    if node is not None and size(node) > MAX_YAML_NODES:
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        culprit = next((pair for pair in pairs if sizes.get(id(pair[1]), 0) > MAX_YAML_NODES), None)
        mark = culprit[0].start_mark if culprit is not None else node.start_mark
        line, column = yaml_position(mark, first_line)
        raise BookletError(
            path,
            line,
            f"YAML aliases (`*name`) expand to more than {MAX_YAML_NODES:,} values: write the values out",
            column,
        )


def split_front_matter(text: str, path: Path) -> tuple[YamlMapping, str, int]:
    """Split `---` front matter from the Markdown body; return (mapping, body, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise BookletError(path, 1, "missing front matter: start the file with `---`, `title: …`, `---`")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            mapping = parse_yaml_mapping("\n".join(lines[1:index]), path, first_line=2)
            return mapping, "\n".join(lines[index + 1 :]), index + 2
    raise BookletError(path, 1, "front matter is not closed: add a line `---` after it")
