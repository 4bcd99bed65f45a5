"""Stage 1 (reading): a Jekyll or Hugo site as a booklet, and the site conventions of any post.

Takes a site folder, what the command line asks (`Request`) and the folder's `booklet.yml`
when it has one; returns a `Blog` — the chosen posts, the booklet's metadata and name — and
one `Draft` per chosen post, its Liquid or shortcodes rendered. Every post's front matter is
read to choose; only the chosen posts' bodies are read further. `render_markup` renders the
Liquid or shortcodes of any post whose site is known (or, for a lone post, guessed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from booklet.content.config import READING_KEYS, metadata_from_values, read_metadata
from booklet.content.frontmatter import FrontMatter, read_front_matter_text
from booklet.content.liquid import Rendered, render_liquid
from booklet.content.posts import PostHead, addresses, choose_posts, read_posts
from booklet.content.shortcodes import render_shortcodes
from booklet.content.sitelinks import post_address
from booklet.content.sites import Site, bcp47, find_site, site_root
from booklet.content.sources import Draft, read_post
from booklet.content.text import YamlMapping, parse_yaml_mapping, read_text, split_front_matter
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import Metadata, RemoteImages, Request, Selection

CONFIG = "booklet.yml"
REMOTE_CHOICES = ("error", "fetch", "link")
POSTS_KEYS = ("tags", "categories", "series", "since", "until")
HUGO_SHORTCODE = re.compile(r"\{\{[<%]")


@dataclass(frozen=True, slots=True)
class Reading:
    """What `booklet.yml` says about reading the sources (never the writers' business)."""

    selection: Selection = field(default_factory=Selection)
    chapters: tuple[tuple[str, int], ...] = ()  # file names in the order given, with their lines
    site_root: Path | None = None
    remote_images: RemoteImages | None = None
    source_links: bool = True
    path: Path | None = None  # the booklet.yml it came from


@dataclass(frozen=True, slots=True)
class Blog:
    site: Site
    posts: tuple[PostHead, ...]  # chapter n is posts[n - 1]
    metadata: Metadata
    name: str


def read_reading(config: Path) -> Reading:
    """The reading keys of a `booklet.yml` (`posts`, `chapters`, `site_root`, `remote_images`,
    `source_links`); none when there is no such file."""
    if not config.is_file():
        return Reading()
    mapping = parse_yaml_mapping(read_text(config), config)
    errors: list[BookletError] = []
    values = {key: _reading_key(mapping, key, errors) for key in READING_KEYS if key in mapping.values}
    if errors:
        raise BookletErrors(errors)
    return Reading(
        values.get("posts") or Selection(),  # type: ignore[arg-type]
        values.get("chapters") or (),  # type: ignore[arg-type]
        values.get("site_root"),  # type: ignore[arg-type]
        values.get("remote_images"),  # type: ignore[arg-type]
        values.get("source_links", True),  # type: ignore[arg-type]
        config,
    )


def read_blog(
    site: Site, request: Request, reading: Reading, diagnostics: Diagnostics
) -> tuple[Blog, list[Draft]]:
    """Choose the posts (the command line's selection, else booklet.yml's), render them into drafts."""
    heads = read_posts(site)
    selection = request.selection if not request.selection.empty() else reading.selection
    choice = choose_posts(heads, selection, request.built_at)
    posts = _listed(site, heads, reading) if reading.chapters else choice.posts
    if not posts:
        raise BookletError(site.root, None, _nothing_chosen(selection))
    _note_left_out(site, choice.drafts, choice.unpublished, choice.future, diagnostics)
    known = addresses(site, heads)
    errors: list[BookletError] = []
    seen: set[str] = set()
    drafts = []
    for head in posts:
        try:
            rendered = render_markup(head.front, site, known)
        except BookletErrors as found:
            errors.extend(found.errors)
            continue
        _warn_unsupported(head.path, rendered, seen, diagnostics)
        drafts.append(
            Draft(
                post_title(head.front),
                head.path,
                head.front.line_of("title"),
                rendered.text,
                head.front.body_line,
            )
        )
    if errors:
        raise BookletErrors(errors)
    metadata = _metadata(site, posts, selection, request, reading)
    return Blog(site, posts, metadata, request.name or _name(site, selection)), drafts


def render_markup(front: FrontMatter, site: Site, known: Mapping[str, str]) -> Rendered:
    """A post's Liquid (Jekyll) or shortcodes (Hugo) rendered into Markdown."""
    if site.kind == "hugo":
        return render_shortcodes(front, known)
    return render_liquid(front, site, known)


def warn_unsupported(path: Path, rendered: Rendered, seen: set[str], diagnostics: Diagnostics) -> None:
    """One warning per kind of tag or shortcode booklet does not render, at its first use."""
    _warn_unsupported(path, rendered, seen, diagnostics)


def post_title(front: FrontMatter) -> str:
    """The front matter's title; else, as Jekyll does, the file name's words (`2020-01-02-hello-world` → hello world)."""
    title = front.text("title")
    if title:
        return title
    stem = front.path.parent.name if front.path.stem in ("index", "_index") else front.path.stem
    return re.sub(r"^\d{4}-\d{1,2}-\d{1,2}-", "", stem).replace("-", " ")


def _warn_unsupported(path: Path, rendered: Rendered, seen: set[str], diagnostics: Diagnostics) -> None:
    for note in sorted(rendered.unsupported, key=lambda note: note.line):
        if note.kind not in seen:
            seen.add(note.kind)
            diagnostics.warn(path, note.line, note.message)


def _listed(site: Site, heads: tuple[PostHead, ...], reading: Reading) -> tuple[PostHead, ...]:
    """booklet.yml's `chapters:` list, in a site folder: post files (from the site's folder), in its order."""
    by_path = {head.path.resolve(): head for head in heads}
    found, errors = [], []
    for name, line in reading.chapters:
        head = by_path.get((site.root / name).resolve())
        if head is None:
            errors.append(
                BookletError(
                    reading.path,
                    line,
                    f"`chapters:` names `{name}`, which is no post of the site: write its path from {site.root}, such as `_posts/2020-01-02-x.md`",
                )
            )
        else:
            found.append(head)
    if errors:
        raise BookletErrors(errors)
    return tuple(found)


def _nothing_chosen(selection: Selection) -> str:
    if selection.empty():
        return "no published post: the site's posts are all drafts, unpublished or future"
    return f"no published post matches {_describe(selection)}: check the spelling, or list the site's tags with `grep -rh '^tags' _posts content`"


def _describe(selection: Selection) -> str:
    parts = [
        f"{kind} {', '.join(values)}"
        for kind, values in (
            ("tag", selection.tags),
            ("category", selection.categories),
            ("series", selection.series),
        )
        if values
    ]
    if selection.since:
        parts.append(f"since {selection.since}")
    if selection.until:
        parts.append(f"until {selection.until}")
    return " and ".join(parts)


def _note_left_out(site: Site, drafts: int, unpublished: int, future: int, diagnostics: Diagnostics) -> None:
    counts = [
        (drafts, "draft", "drafts"),
        (unpublished, "unpublished post", "unpublished posts"),
        (future, "future post", "future posts"),
    ]
    said = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    if said:
        diagnostics.note(
            site.root, f"left out {', '.join(said)} (drafts, `published: false`, or dated after the build)"
        )


def _name(site: Site, selection: Selection) -> str:
    """`<site>-<tag>`: the site's folder and what was chosen, as a file name."""
    words = [site.root.resolve().name, *selection.terms()]
    return "-".join(re.sub(r"[\s/\\:*?\"<>|]+", "-", word).strip("-.") for word in words if word.strip())


def _metadata(
    site: Site, posts: tuple[PostHead, ...], selection: Selection, request: Request, reading: Reading
) -> Metadata:
    """booklet.yml's values, over the command line's title, over what the site and the posts say."""
    title = request.title or " · ".join(
        t for t in (site.title or site.root.resolve().name, "、".join(selection.terms())) if t
    )
    defaults: dict[str, object] = {"title": title}
    languages = {front_language(head.front) for head in posts}
    language = languages.pop() if len(languages) == 1 and None not in languages else site.language
    if language:
        defaults["language"] = bcp47(language)
    if site.base_url:
        defaults["base_url"] = site.base_url
    newest = max((head.date for head in posts if head.date), default=None)
    if newest is not None:
        defaults["date"] = newest.isoformat()
    author = site.variables.get("author")
    if author:
        defaults["author"] = author
    description = _description(posts[0].front) if len(posts) == 1 else site.variables.get("description")
    if description:
        defaults["description"] = description
    if selection.terms():
        defaults["tags"] = list(selection.terms())
    config = site.root / CONFIG
    if config.is_file():
        return read_metadata(config, defaults)
    return metadata_from_values(defaults, site.config)


def front_language(front: FrontMatter) -> str | None:
    return front.text("lang") or front.text("language")


def _description(front: FrontMatter) -> str | None:
    """Where a description belongs: the post's `description`, else its `summary` (Hugo) or `excerpt` (Jekyll)."""
    return front.text("description") or front.text("summary") or front.text("excerpt")


def _reading_key(mapping: YamlMapping, key: str, errors: list[BookletError]) -> object:
    value, line = mapping.values[key], mapping.line_of(key)
    try:
        if key == "posts":
            return _selection(value, mapping.path, line)
        if key == "chapters":
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() for item in value
            ):
                raise BookletError(
                    mapping.path, line, "`chapters` must be a list of file names, such as `- 01-start.md`"
                )
            return tuple((item.strip(), line + 1 + number) for number, item in enumerate(value))
        if key == "site_root":
            if not isinstance(value, str) or not value.strip():
                raise BookletError(mapping.path, line, "`site_root` must be a folder, such as `..`")
            folder = (mapping.path.parent / value.strip()).resolve()
            if not folder.is_dir():
                raise BookletError(
                    mapping.path,
                    line,
                    f"`site_root: {value}` is not a folder: give a folder that holds this one, such as `..`",
                )
            return folder
        if key == "remote_images":
            if value not in REMOTE_CHOICES:
                raise BookletError(
                    mapping.path, line, f"`remote_images` must be error, fetch or link, not {value!r}"
                )
            return value
        if not isinstance(value, bool):
            raise BookletError(mapping.path, line, f"`source_links` must be true or false, not {value!r}")
        return value
    except BookletError as error:
        errors.append(error)
        return None


def _selection(value: object, path: Path, line: int) -> Selection:
    """`posts:` with `tags`, `categories`, `series` (a text or a list), `since`, `until` (dates)."""
    if not isinstance(value, dict):
        raise BookletError(
            path,
            line,
            "`posts` must hold `tags`, `categories`, `series`, `since` or `until`, such as `tags: [FreeSWITCH]`",
        )
    for key in value:
        if key not in POSTS_KEYS:
            raise BookletError(path, line, f"unknown key `{key}` in `posts`: use {', '.join(POSTS_KEYS)}")
    lists = {key: _texts(value.get(key), key, path, line) for key in ("tags", "categories", "series")}
    return Selection(
        lists["tags"],
        lists["categories"],
        lists["series"],
        _day(value.get("since"), "since", path, line),
        _day(value.get("until"), "until", path, line),
    )


def _texts(value: object, key: str, path: Path, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, (str, int)) else value
    if not isinstance(items, list) or not all(isinstance(item, (str, int)) for item in items):
        raise BookletError(path, line, f"`posts: {key}` must be a text or a list of texts")
    return tuple(str(item) for item in items)


def _day(value: object, key: str, path: Path, line: int) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BookletError(
            path, line, f"`posts: {key}` must be a date, such as 2024-05-01, not {value!r}"
        ) from None


def read_lone_post(path: Path, diagnostics: Diagnostics) -> tuple[Metadata, list[Draft], Path, Site | None]:
    """A single post (YAML or TOML front matter), its Liquid or shortcodes rendered with its site's
    settings when it lies in a site; returns its metadata, drafts, the folder images may come from,
    and the site it lies in (None: none), whose language it takes when it names none."""
    text = read_text(path)
    if text.startswith("+++"):
        front = read_front_matter_text(path)
    else:
        mapping, body, body_line = split_front_matter(text, path)
        front = FrontMatter(path, "yaml", mapping.values, mapping.lines, body, body_line)
    root = _post_root(front) or site_root(path)
    found = find_site(root)
    heads = read_posts(found) if found is not None else ()
    here = next((head for head in heads if head.path.resolve() == path.resolve()), None)
    # Outside a site: Hugo's when its front matter is TOML or its text holds `{{< >}}`/`{{% %}}`
    # (a Hugo post keeps YAML front matter as often as not), else Jekyll's.
    hugo = front.kind == "toml" or HUGO_SHORTCODE.search(front.body) is not None
    site = found or Site("hugo" if hugo else "jekyll", root, path, None, "", "", None, "", {}, (), None)
    rendered = render_markup(front, site, addresses(site, heads))
    _warn_unsupported(path, rendered, set(), diagnostics)
    split = (YamlMapping(front.values, front.lines, path, 2), rendered.text, front.body_line)
    metadata, drafts = read_post(path, diagnostics, split)
    if site.base_url and metadata.base_url is None:
        metadata = replace(metadata, base_url=site.base_url)
    if here is not None and site.url:
        drafts[-1] = replace(drafts[-1], source_url=post_address(site, here))
    return metadata, drafts, root, found


def _post_root(front: FrontMatter) -> Path | None:
    value = front.text("site_root")
    if value is None:
        return None
    folder = (front.path.parent / value).resolve()
    if not folder.is_dir():
        raise BookletError(
            front.path,
            front.line_of("site_root"),
            f"`site_root: {value}` is not a folder: give a folder that holds this post, such as `..`",
        )
    return folder
