"""Stage 1 (reading): a blog site as a source — which site a path belongs to, and its settings.

Takes a folder; returns a `Site`: Jekyll or Hugo, its root, title, address, language, permalink
pattern and where its posts live (posts.py reads them). `site_root` finds the site or book a
lone post or booklet folder belongs to: nothing outside it is ever read.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from booklet.content.text import load_yaml, read_text
from booklet.errors import BookletError

SiteKind = Literal["jekyll", "hugo"]
HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml")
JEKYLL_CONFIGS = ("_config.yml", "_config.yaml")
# What marks the root of a site or a book, for a lone post or a booklet folder inside one
# (Hugo's `config.*`, a common name, only beside `content/`).
ROOT_MARKERS = (*JEKYLL_CONFIGS, "hugo.toml", "hugo.yaml", "hugo.yml", ".vuepress", "mkdocs.yml", "book.toml")
# Jekyll's built-in permalink styles (jekyllrb.com/docs/permalinks/#built-in-formats).
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


@dataclass(frozen=True, slots=True)
class Site:
    """What a site's configuration says, as far as a booklet cares."""

    kind: SiteKind
    root: Path
    config: Path
    title: str | None
    url: str  # "https://jekyllrb.com" (no trailing slash), or "" when unknown
    baseurl: str  # "" or "/blog" (Jekyll's `baseurl`, or the path of Hugo's `baseURL`)
    language: str | None
    permalink: str  # Jekyll: the posts' pattern; Hugo: the `posts` section's pattern, or ""
    variables: Mapping[str, str]  # the configuration's top-level text values: `{{ site.x }}`
    content: tuple[Path, ...]  # where posts are: Jekyll `_posts` folders, Hugo `content/` (or per language)
    drafts: Path | None  # Jekyll's `_drafts`

    @property
    def base_url(self) -> str | None:
        """The address the site is published at, ending in `/`: what site-relative links resolve against."""
        return f"{self.url}{self.baseurl}/" if self.url else None


def find_site(folder: Path) -> Site | None:
    """The Jekyll or Hugo site whose root is `folder`, or None."""
    for name in JEKYLL_CONFIGS:
        if (folder / name).is_file() and (folder / "_posts").is_dir():
            return _jekyll(folder, folder / name)
    for name in HUGO_CONFIGS:
        if (folder / name).is_file() and (folder / "content").is_dir():
            return _hugo(folder, folder / name)
    return None


def site_root(source: Path) -> Path:
    """The nearest folder at or above a post's folder (or a booklet folder) that holds a site or
    book configuration (Jekyll, Hugo, VuePress, MkDocs, mdBook); else the source's own folder.
    Symlinks are resolved first, so the root is a real folder."""
    start = source.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS) or find_site(candidate) is not None:
            return candidate
    return folder


def bcp47(tag: str) -> str:
    """Sites write `zh-cn`, `en_US`: BCP 47 casing (`zh-CN`, `en-US`, `zh-Hant-TW`)."""
    parts = tag.replace("_", "-").split("-")
    fixed = [parts[0].lower()]
    fixed += [
        part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part for part in parts[1:]
    ]
    return "-".join(fixed)


# --- configurations ---------------------------------------------------------------------------


def _jekyll(root: Path, config: Path) -> Site:
    values = _config_values(config)
    url = _text(values.get("url")).rstrip("/")
    baseurl = "/" + _text(values.get("baseurl")).strip("/") if _text(values.get("baseurl")).strip("/") else ""
    collections = values.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    permalink = _text(posts.get("permalink")) if isinstance(posts, dict) else ""
    permalink = permalink or _text(values.get("permalink")) or "date"
    content = tuple(sorted(jekyll_post_folders(root)))
    drafts = root / "_drafts"
    return Site(
        "jekyll",
        root,
        config,
        _text(values.get("title")) or _text(values.get("name")) or None,
        url,
        baseurl,
        _text(values.get("lang")) or _text(values.get("locale")) or None,
        JEKYLL_STYLES.get(permalink, permalink),
        _scalars(values),
        content,
        drafts if drafts.is_dir() else None,
    )


def _hugo(root: Path, config: Path) -> Site:
    values = _config_values(config)
    base = _text(values.get("baseURL") or values.get("baseurl"))
    match = re.match(r"^([a-z][a-z0-9+.-]*://[^/]+)(/.*)?$", base, re.IGNORECASE)
    url, path = (match.group(1), (match.group(2) or "").rstrip("/")) if match else ("", "")
    language = _text(values.get("languageCode")) or _text(values.get("defaultContentLanguage")) or None
    permalinks = values.get("permalinks")
    pattern = ""
    if isinstance(permalinks, dict):
        pattern = _text(permalinks.get("posts") or permalinks.get("post") or permalinks.get("page"))
    content_dir = root / _text(values.get("contentDir") or "content")
    languages = values.get("languages")
    content: tuple[Path, ...] = (content_dir,)
    if isinstance(languages, dict) and all((content_dir / str(lang)).is_dir() for lang in languages):
        content = tuple(content_dir / str(lang) for lang in languages)  # multilingual: content/<lang>/
    return Site(
        "hugo",
        root,
        config,
        _text(values.get("title")) or None,
        url,
        path,
        language,
        pattern,
        _scalars(values),
        content,
        None,
    )


def _config_values(config: Path) -> dict[str, object]:
    """A site configuration as a mapping: YAML or TOML by its name; a bad one is a located error."""
    text = read_text(config)
    try:
        if config.suffix == ".toml":
            values: object = tomllib.loads(text)
        else:
            values = load_yaml(text, config) or {}
    except tomllib.TOMLDecodeError as error:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(error))) else None
        raise BookletError(config, line, f"not valid TOML: {error}: check the quoting") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise BookletError(
            config, line, f"not valid YAML: {error.problem}: check the quoting and indentation"
        ) from None
    if not isinstance(values, dict):
        raise BookletError(config, 1, "not a mapping of settings: write `key: value` lines")
    return {str(key): value for key, value in values.items()}


def _scalars(values: Mapping[str, object]) -> dict[str, str]:
    author = values.get("author")
    if isinstance(author, dict) and _text(
        author.get("name")
    ):  # Jekyll `author: {name: …}`, Hugo `[author] name`
        values = {**values, "author": _text(author.get("name"))}
    return {
        k: _text(v) for k, v in values.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)
    }


def _text(value: object) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def jekyll_post_folders(root: Path) -> Iterator[Path]:
    """`_posts/` and the `<category>/_posts/` folders Jekyll also reads (never inside `_site` or `_drafts`)."""
    for folder, names, _ in os.walk(root):
        names[:] = [n for n in names if n == "_posts" or not n.startswith(("_", "."))]
        if Path(folder).name == "_posts":
            names[:] = []
            yield Path(folder)
