"""The reading stage's configuration: `booklet.yml` and front matter into typed values.

Takes YAML mappings with their lines (`text.parse_yaml_mapping`); returns `Metadata` (for
the booklet) and `FrontMatter` (for a chapter). Every bad key and value is reported at once.
"""

from __future__ import annotations

import difflib
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar, cast

import langcodes

from booklet.content.frontmatter import DATE
from booklet.content.images import locate_image
from booklet.content.text import (
    MAX_ANY_MB,
    MAX_CHAPTER_MB,
    MAX_IMAGE_MB,
    MB,
    YamlMapping,
    parse_yaml_mapping,
    read_text,
)
from booklet.errors import BookletError, BookletErrors, Diagnostics
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
        "site_root",
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
    "max_chapter_mb",
    "max_image_mb",
    "posts",
    "chapters",
    "site_root",
    "remote_images",
    "source_links",
    "css",
]
# booklet.yml's keys about reading the sources, read by content.blog (not part of `Metadata`).
READING_KEYS = ("posts", "chapters", "site_root", "remote_images", "source_links")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    title: str
    line: int


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


def read_metadata(path: Path, defaults: Mapping[str, object] | None = None) -> Metadata:
    """Read and check a booklet folder's `booklet.yml`; every bad key and value is reported at once.

    `defaults`: values a site gives (its title, language, address…); booklet.yml's own win.
    """
    mapping = parse_yaml_mapping(read_text(path), path)
    if defaults:
        mapping = YamlMapping({**defaults, **mapping.values}, mapping.lines, path, mapping.line)
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


def metadata_from_values(values: Mapping[str, object], source: Path) -> Metadata:
    """Metadata from values a site gives, for a site folder without booklet.yml (`source`: its configuration)."""
    return _metadata_from(YamlMapping(dict(values), {}, source, 1), cover_base=source.parent)


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
    for where in ("summary", "excerpt"):  # Hugo's summary, Jekyll's excerpt
        if "description" not in known and where in mapping.values:
            known["description"] = mapping.values[where]
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
    image_mb = check(lambda: _megabytes(mapping, "max_image_mb", MAX_IMAGE_MB), MAX_IMAGE_MB)
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
        cover=check(lambda: _cover(mapping, cover_base, image_mb), None),
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
        css=check(lambda: _css(mapping, cover_base), ()),
        max_chapter_mb=check(lambda: _megabytes(mapping, "max_chapter_mb", MAX_CHAPTER_MB), MAX_CHAPTER_MB),
        max_image_mb=image_mb,
    )
    if found:
        raise BookletErrors(found)
    return metadata


def _css(mapping: YamlMapping, folder: Path) -> tuple[Path, ...]:
    """The author's stylesheets: those `css:` names, else `style.css` beside booklet.yml when it is there."""
    if "css" not in mapping.values:
        default = folder / "style.css"
        return (default,) if mapping.path.name == "booklet.yml" and default.is_file() else ()
    paths = []
    for name in _string_list(mapping, "css"):
        path = folder / name
        if not path.resolve().is_relative_to(folder.resolve()):
            message = f"stylesheet `{name}` lies outside the booklet's folder: copy it into {folder}"
        elif not path.is_file():
            message = f"stylesheet `{name}` does not exist: check the file name (relative to {folder})"
        else:
            paths.append(path)
            continue
        raise BookletError(mapping.path, mapping.line_of("css"), message)
    return tuple(paths)


def _cover(mapping: YamlMapping, folder: Path, limit_mb: int) -> Path | None:
    """The cover image, checked like any image: it exists, is an image, lies in the folder."""
    src = _string(mapping, "cover")
    if src is None:
        return None
    return locate_image(src, mapping.path, mapping.line_of("cover"), folder, None, limit_mb * MB).path


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f": did you mean `{close[0]}`?" if close else f" (known keys: {', '.join(known)})"
    return f"unknown key `{key}`{hint}"


def _wrong_type(mapping: YamlMapping, key: str, expected: str) -> BookletError:
    value = repr(mapping.values[key])
    shown = value if len(value) <= 60 else value[:59] + "…"
    return BookletError(mapping.path, mapping.line_of(key), f"`{key}` must be {expected}, not {shown}")


def _megabytes(mapping: YamlMapping, key: str, default: int) -> int:
    """A size limit in whole megabytes (1 to 1024): raised for a book that needs more."""
    value = mapping.values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ANY_MB:
        raise _wrong_type(mapping, key, "a whole number of megabytes from 1 to 1024")
    return value


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
    """A date as a date: `2016-10-06 11:10:38 -0700` (Jekyll) is 2016-10-06, the day as written."""
    value = mapping.values.get("date")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and (written := DATE.match(value.strip())):
        try:
            return date(int(written.group(1)), int(written.group(2)), int(written.group(3))).isoformat()
        except ValueError:
            pass  # not a real day: kept as the author wrote it
    return _string(mapping, "date")


def _default_identifier(title: str, authors: tuple[str, ...]) -> str:
    """A stable identifier: the same title and authors always give the same UUID."""
    name = "\n".join((title, *authors))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'booklet:' + name)}"
