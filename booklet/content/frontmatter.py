"""Stage 1 (reading): a post's front matter, YAML (`---`) or TOML (`+++`), with the line of each key.

Takes a Markdown file; returns its front matter's values, the file line of each top-level key,
and the body with the file line it starts on. Parsing is the fast kind (libyaml, `tomllib`):
a site's thousand posts are read this way before anything is chosen. Dates as Jekyll and Hugo
write them (`2016-10-06 11:10:38 -0700`, `2021-02-01T21:21:41+08:00`) are read here, once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

import yaml

from booklet.content.text import load_yaml, read_text
from booklet.errors import BookletError

FENCES: dict[str, Literal["yaml", "toml"]] = {"---": "yaml", "+++": "toml"}
YAML_KEY = re.compile(r"^([^\s#:\-'\"][^:]*?|'[^']*'|\"[^\"]*\")\s*:(?:\s|$)")
TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=")
DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ Tt](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A post's front matter and body, each key with its 1-based file line."""

    path: Path
    kind: Literal["yaml", "toml"]
    values: Mapping[str, object]
    lines: Mapping[str, int]
    body: str
    body_line: int  # the file line of the body's first line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    def text(self, key: str) -> str | None:
        """A key's value as one line of text, or None when absent, empty or not text."""
        value = self.values.get(key)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None
        return " ".join(str(value).split()) or None


def read_front_matter_text(path: Path, root: Path | None = None) -> FrontMatter:
    """Read a post and split its front matter from its body; a bad one is a located error.

    `root`: the folder the post may lie in, through links (a site's root); else the post's own folder.
    """
    text = read_text(path, root)
    lines = text.split("\n")
    kind = FENCES.get(lines[0].strip()) if lines else None
    if kind is None:
        raise BookletError(
            path, 1, "missing front matter: start the file with `---` (YAML) or `+++` (TOML), then `title: …`"
        )
    closing = ("---", "...") if kind == "yaml" else ("+++",)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in closing), None)
    if end is None:
        raise BookletError(path, 1, f"front matter is not closed: add a line `{lines[0].strip()}` after it")
    source = "\n".join(lines[1:end])
    values = _yaml(source, path) if kind == "yaml" else _toml(source, path, end)
    keys = _key_lines(lines[1:end], YAML_KEY if kind == "yaml" else TOML_KEY)
    return FrontMatter(path, kind, values, keys, "\n".join(lines[end + 1 :]), end + 2)


def when(front: FrontMatter, key: str) -> tuple[date, datetime] | None:
    """A date key: (the day as written, in its own time zone; the moment, aware when a zone is given)."""
    value = front.values.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date(), value
    if isinstance(value, date):
        return value, datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a day as written, no zone
    match = DATE.match(str(value).strip()) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        moment = _moment(match)
    except ValueError:
        raise BookletError(
            front.path,
            front.line_of(key),
            f"`{key}: {value}` is not a date: write it as 2024-05-01, or 2024-05-01 10:30:00 +0800",
        ) from None
    return moment.date(), moment


def _moment(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second, zone = match.groups()
    tz = None
    if zone is not None:
        if zone in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz
    )


def _yaml(source: str, path: Path) -> dict[str, object]:
    try:
        values = load_yaml(source, path, first_line=2)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = 2 + mark.line if mark is not None else 2
        problem = error.problem or error.context or "syntax error"
        raise BookletError(
            path, line, f"front matter is not valid YAML: {problem}: check the quoting and indentation"
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
        raise BookletError(path, 2, f"front matter is not valid YAML: {error}: quote the value") from None
    return _mapping(values, path)


def _toml(source: str, path: Path, last_line: int) -> dict[str, object]:
    try:
        values = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = 1 + int(found.group(1)) if found else last_line  # "at end of document": its last line
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error)).lower()
        raise BookletError(
            path, line, f'front matter is not valid TOML: {problem}: check the quoting (`key = "text"`)'
        ) from None
    return _mapping(values, path)


def _mapping(values: object, path: Path) -> dict[str, object]:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise BookletError(
            path, 2, "front matter is not a mapping: write `key: value` lines, such as `title: …`"
        )
    return {str(key): value for key, value in values.items()}


def _key_lines(lines: list[str], pattern: re.Pattern[str]) -> dict[str, int]:
    """The file line of each top-level key (TOML: until the first `[table]`)."""
    found: dict[str, int] = {}
    toml = pattern is TOML_KEY
    for index, line in enumerate(lines):
        if toml and line.lstrip().startswith("["):
            break
        if not toml and line[:1] in (" ", "\t"):
            continue
        match = pattern.match(line)
        if match:
            found.setdefault(match.group(1).strip("'\""), index + 2)
    return found
