"""Stage 1a: read `booklet.yml` and front matter into typed values.

Takes file paths and YAML text; returns `Metadata` (for the booklet) and
`FrontMatter` (for a chapter). All YAML passes through here so that line
numbers are converted once (PyYAML counts from 0, authors from 1).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar, cast

import langcodes
import yaml

from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.images import locate_image
from booklet.model import PAGE_SIZES, ChapterStart, FootnoteNumbering, Metadata

_T = TypeVar("_T")

# Keys that Jekyll and Hugo posts carry: accepted in front matter, used where they mean something.
POST_KEYS = frozenset(
    [
        "layout",
        "tags",
        "categories",
        "category",
        "date",
        "permalink",
        "excerpt",
        "draft",
        "author",
        "authors",
        "slug",
        "description",
        "summary",
        "weight",
        "aliases",
        "lastmod",
        "published",
        "comments",
        "toc",
        "subtitle",
        "lang",
        "image",
        "keywords",
        "series",
        "type",
        "url",
        "last_modified_at",
        "header",
        "sidebar",
        "share",
        "related",
    ]
)
CHAPTER_KEYS = frozenset({"title"}) | POST_KEYS

BOOKLET_KEYS = [
    "title",
    "subtitle",
    "author",
    "language",
    "date",
    "publisher",
    "description",
    "identifier",
    "cover",
    "base_url",
    "page_size",
    "tags",
    "license",
    "footnote_numbering",
    "chapter_start",
    "embed_fonts",
    "impose",
]


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A parsed YAML mapping with the 1-based line of each key."""

    values: Mapping[str, object]
    lines: Mapping[str, int]
    path: Path
    line: int  # line of the mapping's first key (or where it would be)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    title: str
    line: int


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


def read_front_matter(mapping: YamlMapping, diagnostics: Diagnostics) -> FrontMatter:
    """Check a chapter's front matter: a title, and only keys that mean something."""
    for key in mapping.values:
        if key not in CHAPTER_KEYS:
            diagnostics.warn(
                mapping.path, mapping.line_of(key), f"unknown front matter key `{key}` is ignored"
            )
    title = _string(mapping, "title", required=True)
    assert title is not None
    return FrontMatter(title=title, line=mapping.line_of("title"))


def read_metadata(path: Path) -> Metadata:
    """Read and check a booklet folder's `booklet.yml`; every bad key and value is reported at once."""
    mapping = parse_yaml_mapping(read_text(path), path)
    errors = [
        BookletError(path, mapping.line_of(key), _unknown_key(key, BOOKLET_KEYS))
        for key in mapping.values
        if key not in BOOKLET_KEYS
    ]
    try:
        metadata = _metadata_from(mapping, cover_base=path.parent)
    except BookletErrors as found:
        errors.extend(found.errors)
    if errors:
        raise BookletErrors(sorted(errors, key=lambda error: error.location.line or 0))
    return metadata


def metadata_from_post(mapping: YamlMapping, diagnostics: Diagnostics) -> Metadata:
    """A single post's front matter gives the booklet's metadata."""
    for key in mapping.values:
        if key not in CHAPTER_KEYS and key not in BOOKLET_KEYS:
            diagnostics.warn(
                mapping.path, mapping.line_of(key), f"unknown front matter key `{key}` is ignored"
            )
    known = {k: v for k, v in mapping.values.items() if k in BOOKLET_KEYS}
    if "author" not in known and "authors" in mapping.values:
        known["author"] = mapping.values["authors"]
    if "description" not in known and "excerpt" in mapping.values:
        known["description"] = mapping.values["excerpt"]
    if "language" not in known and "lang" in mapping.values:
        known["language"] = mapping.values["lang"]
    post = YamlMapping(known, mapping.lines, mapping.path, mapping.line)
    return _metadata_from(post, cover_base=mapping.path.parent)


def _metadata_from(mapping: YamlMapping, cover_base: Path) -> Metadata:
    found: list[BookletError] = []

    def check(read: Callable[[], _T], default: _T) -> _T:
        """One field: a bad value is noted, and the others are still checked."""
        try:
            return read()
        except BookletError as error:
            found.append(error)
            return default

    title = check(lambda: _string(mapping, "title", required=True) or "", "")
    none: tuple[str, ...] = ()
    authors = check(lambda: _string_list(mapping, "author"), none)
    metadata = Metadata(
        title=title,
        source=mapping.path,
        subtitle=check(lambda: _string(mapping, "subtitle"), None),
        authors=authors,
        language=check(lambda: _language(mapping), "zh-CN"),
        date=check(lambda: _date(mapping), None),
        publisher=check(lambda: _string(mapping, "publisher"), None),
        description=check(lambda: _string(mapping, "description"), None),
        identifier=check(lambda: _string(mapping, "identifier"), None) or _default_identifier(title, authors),
        cover=check(lambda: _cover(mapping, cover_base), None),
        base_url=check(lambda: _string(mapping, "base_url"), None),
        page_size=check(lambda: _page_size(mapping), "A5"),
        tags=check(lambda: _string_list(mapping, "tags"), none),
        license=check(lambda: _string(mapping, "license"), None),
        footnote_numbering=check(
            lambda: cast(FootnoteNumbering, _choice(mapping, "footnote_numbering", ("chapter", "booklet"))),
            "chapter",
        ),
        chapter_start=check(
            lambda: cast(ChapterStart, _choice(mapping, "chapter_start", ("page", "right"))), "page"
        ),
        embed_fonts=check(lambda: _boolean(mapping, "embed_fonts", default=True), True),
        impose=check(lambda: _boolean(mapping, "impose", default=False), False),
    )
    if found:
        raise BookletErrors(found)
    return metadata


def _cover(mapping: YamlMapping, folder: Path) -> Path | None:
    """The cover image, checked like any image: it exists, is an image, lies in the folder."""
    src = _string(mapping, "cover")
    if src is None:
        return None
    return locate_image(src, mapping.path, mapping.line_of("cover"), folder, None).path


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f": did you mean `{close[0]}`?" if close else f" (known keys: {', '.join(known)})"
    return f"unknown key `{key}`{hint}"


def _wrong_type(mapping: YamlMapping, key: str, expected: str) -> BookletError:
    value = mapping.values[key]
    return BookletError(mapping.path, mapping.line_of(key), f"`{key}` must be {expected}, not {value!r}")


def _string(mapping: YamlMapping, key: str, required: bool = False) -> str | None:
    value = mapping.values.get(key)
    if isinstance(value, str):
        value = _one_line_text(mapping, key, value)
    if value is None or value == "":
        if required:
            line = mapping.line_of(key)
            raise BookletError(mapping.path, line, f"missing `{key}`: add a line `{key}: …`")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, date)):
        raise _wrong_type(mapping, key, "text")
    return str(value)


def _string_list(mapping: YamlMapping, key: str) -> tuple[str, ...]:
    value = mapping.values.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        items = (_one_line_text(mapping, key, str(item)) for item in value if not isinstance(item, bool))
        return tuple(item for item in items if item)
    raise _wrong_type(mapping, key, "text or a list of texts")


def _one_line_text(mapping: YamlMapping, key: str, text: str) -> str:
    """A title, a name, a tag: one line, with runs of white space (line breaks too) made one space.

    YAML escapes (`"\\a"`, `"\\0"`) can put characters in a value that no output may hold (XML 1.0 §2.2).
    """
    text = " ".join(text.split())
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff"), None)
    if bad is not None:
        raise BookletError(
            mapping.path,
            mapping.line_of(key),
            f"`{key}` holds the control character U+{ord(bad):04X}: remove it",
        )
    return text


def _boolean(mapping: YamlMapping, key: str, default: bool) -> bool:
    value = mapping.values.get(key, default)
    if not isinstance(value, bool):
        raise _wrong_type(mapping, key, "true or false")
    return value


def _choice(mapping: YamlMapping, key: str, choices: tuple[str, ...]) -> str:
    value = mapping.values.get(key, choices[0])
    if value not in choices:
        raise _wrong_type(mapping, key, " or ".join(f"`{c}`" for c in choices))
    return str(value)


def _language(mapping: YamlMapping) -> str:
    tag = _string(mapping, "language") or "zh-CN"
    if not langcodes.tag_is_valid(tag):
        raise BookletError(
            mapping.path,
            mapping.line_of("language"),
            f"`{tag}` is not a BCP 47 language tag (for example zh-CN, en, ja)",
        )
    return tag


def _page_size(mapping: YamlMapping) -> str:
    value = mapping.values.get("page_size", "A5")
    if not isinstance(value, str):
        raise _wrong_type(mapping, "page_size", f"one of {', '.join(PAGE_SIZES)}")
    for name in PAGE_SIZES:
        if name.lower() == value.strip().lower():
            return name
    raise BookletError(
        mapping.path,
        mapping.line_of("page_size"),
        f"unknown page size `{value}`: use one of {', '.join(PAGE_SIZES)}",
    )


def _date(mapping: YamlMapping) -> str | None:
    value = mapping.values.get("date")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _string(mapping, "date")


def _default_identifier(title: str, authors: tuple[str, ...]) -> str:
    """A stable identifier: the same title and authors always give the same UUID."""
    name = "\n".join((title, *authors))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'booklet:' + name)}"
