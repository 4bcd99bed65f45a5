"""The reading stage's text: UTF-8 source files, YAML mappings with their lines, front matter.

Takes file paths and text; returns checked text (`read_text`: UTF-8, a BOM accepted, no
character XML forbids), YAML mappings with the 1-based line of each key
(`parse_yaml_mapping`: PyYAML counts from 0, authors from 1; converted once, in
`yaml_position`) and a Markdown file split from its front matter (`split_front_matter`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from booklet.errors import BookletError


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A parsed YAML mapping with the 1-based line of each key."""

    values: Mapping[str, object]
    lines: Mapping[str, int]
    path: Path
    line: int  # line of the mapping's first key (or where it would be)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


def read_text(path: Path) -> str:
    """Read a UTF-8 source file; a BOM is accepted, a bad byte is a located error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookletError(path, None, "no such file") from None
    except OSError as error:
        raise BookletError(path, None, f"cannot read ({error.strerror}): check the file") from None
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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        values = yaml.load(text, Loader=yaml.SafeLoader)
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
