"""The reading stage's configuration: `booklet.yml` and front matter into typed values.

Takes YAML mappings with their lines (`text.parse_yaml_mapping`); returns `Metadata` (for
the booklet) and `FrontMatter` (for a chapter). Every bad key and value is reported at once.
"""

from __future__ import annotations

import dataclasses
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
    MAX_ANY_PAGES,
    MAX_ANY_WORD,
    MAX_CHAPTER_MB,
    MAX_IMAGE_MB,
    MAX_WORD,
    MB,
    YamlMapping,
    parse_yaml_mapping,
    read_text,
)
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import PAGE_SIZES, Metadata

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


@dataclass(frozen=True, slots=True)
class Key:
    """One `booklet.yml` key, declared once: the `Metadata` field it fills (None for the keys
    about reading the sources, which content.blog reads), how its value is read and checked,
    what it means and its default, in README.md's words (a test keeps the README's table equal)."""

    name: str
    field: str | None
    read: Callable[[YamlMapping, str, Path], object] | None  # (mapping, key, folder) → the field's value
    meaning: str
    default: str


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
    """Every `Metadata` field from its key's reader; a bad value is noted and the others still checked."""
    found: list[BookletError] = []
    values: dict[str, object] = {}
    for key in KEYS:
        if key.field is None or key.read is None:
            continue
        try:
            values[key.field] = key.read(mapping, key.name, cover_base)
        except BookletError as error:
            found.append(error)
    if found:
        raise BookletErrors(found)
    if not values["identifier"]:
        values["identifier"] = _default_identifier(
            str(values["title"]), cast(tuple[str, ...], values["authors"])
        )
    return Metadata(source=mapping.path, **values)  # type: ignore[arg-type]  # each field's type is its reader's


def _css(mapping: YamlMapping, key: str, folder: Path) -> tuple[Path, ...]:
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


def _cover(mapping: YamlMapping, key: str, folder: Path) -> Path | None:
    """The cover image, checked like any image: it exists, is an image, lies in the folder."""
    src = _string(mapping, key)
    if src is None:
        return None
    try:
        limit_mb = _megabytes(mapping, "max_image_mb", MAX_IMAGE_MB)
    except BookletError:  # reported by its own key
        limit_mb = MAX_IMAGE_MB
    return locate_image(src, mapping.path, mapping.line_of(key), folder, None, limit_mb * MB).path


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


def _count(mapping: YamlMapping, key: str, default: int | None, most: int) -> int | None:
    """A limit in whole things (characters, pages), from 1 to `most`: raised for a book that needs more."""
    value = mapping.values.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise _wrong_type(mapping, key, f"a whole number from 1 to {most:,}")
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


def _language(mapping: YamlMapping, key: str) -> str:
    tag = _string(mapping, key) or str(_DEFAULTS["language"])
    if not langcodes.tag_is_valid(tag):
        raise BookletError(
            mapping.path,
            mapping.line_of(key),
            f"`{tag}` is not a BCP 47 language tag (for example zh-CN, en, ja)",
        )
    return tag


def _page_size(mapping: YamlMapping, key: str) -> str:
    value = mapping.values.get(key, _DEFAULTS["page_size"])
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


def _date(mapping: YamlMapping, key: str) -> str | None:
    """A date as a date: `2016-10-06 11:10:38 -0700` (Jekyll) is 2016-10-06, the day as written."""
    value = mapping.values.get(key)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and (written := DATE.match(value.strip())):
        try:
            return date(int(written.group(1)), int(written.group(2)), int(written.group(3))).isoformat()
        except ValueError:
            pass  # not a real day: kept as the author wrote it
    return _string(mapping, key)


def _default_identifier(title: str, authors: tuple[str, ...]) -> str:
    """A stable identifier: the same title and authors always give the same UUID."""
    name = "\n".join((title, *authors))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'booklet:' + name)}"


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Metadata)}


def _text(mapping: YamlMapping, key: str, folder: Path) -> str | None:
    return _string(mapping, key)


def _texts(mapping: YamlMapping, key: str, folder: Path) -> tuple[str, ...]:
    return _string_list(mapping, key)


def _choice_of(*choices: str) -> Callable[[YamlMapping, str, Path], str]:
    return lambda mapping, key, folder: _choice(mapping, key, choices)


def _flag(field: str) -> Callable[[YamlMapping, str, Path], bool]:
    return lambda mapping, key, folder: _boolean(mapping, key, default=bool(_DEFAULTS[field]))


def _field(name: str, read: Callable[[YamlMapping, str, Path], object], meaning: str, default: str) -> Key:
    """A key that fills the `Metadata` field of its name."""
    return Key(name, name, read, meaning, default)


def _reading(name: str, meaning: str, default: str) -> Key:
    """A key about reading the sources: content.blog reads it (it is not part of `Metadata`)."""
    return Key(name, None, None, meaning, default)


# Every key of booklet.yml, in the order README.md lists them.
KEYS = (
    _field("title", lambda m, k, f: _string(m, k, required=True) or "", "the booklet's title (required)", ""),
    _field("subtitle", _text, "a subtitle for the cover and title page", "none"),
    Key("author", "authors", _texts, "one name, or a list", "none"),
    _field(
        "language",
        lambda m, k, f: _language(m, k),
        "BCP 47 tag (`zh-CN`, `en`, `ja`…)",
        "detected from the text (see below)",
    ),
    _field("date", lambda m, k, f: _date(m, k), "publication date", "none"),
    _field("publisher", _text, "publisher's name", "none"),
    _field("description", _text, "a sentence or two, for e-readers and the web page", "none"),
    _field("identifier", _text, "ISBN or URN", "a stable UUID derived from title and author"),
    _field("cover", _cover, "a cover image (path relative to the folder)", "one is generated"),
    _field("base_url", _text, "the blog's address, to resolve site-relative links", "none"),
    _field("page_size", lambda m, k, f: _page_size(m, k), ", ".join(f"`{n}`" for n in PAGE_SIZES), "`A5`"),
    _field("tags", _texts, "keywords", "none"),
    _field("license", _text, "the license line printed in the colophon", "none"),
    _field(
        "footnote_numbering",
        _choice_of("chapter", "booklet"),
        "`chapter` (restart each chapter) or `booklet` (run through)",
        "`chapter`",
    ),
    _field(
        "chapter_start",
        _choice_of("auto", "page", "right", "run-in"),
        "`auto` (a chapter shorter than about half a page runs on under the one before; a longer one starts a page), `page` (a new page), `right` (a right-hand page, for print) or `run-in` (every chapter runs on)",
        "`auto`",
    ),
    _field("embed_fonts", _flag("embed_fonts"), "embed a subset of the CJK font in the EPUB", "`true`"),
    _field(
        "impose",
        _flag("impose"),
        "also write `<name>-print.pdf`, imposed for saddle-stitch printing",
        "`false`",
    ),
    _field(
        "max_chapter_mb",
        lambda m, k, f: _megabytes(m, k, MAX_CHAPTER_MB),
        "the largest chapter, post or `footnotes.md` read, in MB (1–1024)",
        "`5`",
    ),
    _field(
        "max_image_mb",
        lambda m, k, f: _megabytes(m, k, MAX_IMAGE_MB),
        "the largest image or cover read, in MB (1–1024)",
        "`20`",
    ),
    _field(
        "max_word_length",
        lambda m, k, f: _count(m, k, MAX_WORD, MAX_ANY_WORD),
        "the longest run of characters with no space or other place to break a line (a word, an address, a line of base64 in code), in characters (1–1,000,000)",
        "`3000`",
    ),
    _field(
        "max_pages",
        lambda m, k, f: _count(m, k, None, MAX_ANY_PAGES),
        "the most pages the booklet may print as, estimated from its text before layout (1–1,000,000)",
        "300 + 3 a KB of Markdown",
    ),
    # About reading the sources: content.blog reads these (they are not part of Metadata).
    _reading(
        "posts",
        "in a site folder: which posts (`tags`, `categories`, `series`: a text or a list; `since`, `until`: dates)",
        "every published post",
    ),
    _reading("chapters", "the chapter files, in order (`- 01-start.md`)", "every `*.md`, in natural order"),
    _reading(
        "site_root",
        "the folder images and links may come from (`..`); nothing outside it is read",
        "the nearest folder above with a site or book configuration, else this folder",
    ),
    _reading("remote_images", "`error`, `fetch` or `link` (as `--remote-images`)", "`error`"),
    _reading("source_links", "end each chapter made from a post with a link to the original post", "`true`"),
    _field(
        "css",
        _css,
        "your stylesheets (one file or a list, relative to the folder), after booklet's own",
        "`style.css` when there",
    ),
)
BOOKLET_KEYS = [key.name for key in KEYS]
READING_KEYS = tuple(key.name for key in KEYS if key.field is None)
