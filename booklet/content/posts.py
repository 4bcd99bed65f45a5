"""Stage 1 (reading): a site's posts, known from their front matter only, and the chosen ones.

Takes a `Site`; returns one `PostHead` per post file (its date, tags, categories, series, draft
or not, its address on the site), reading front matter only, so that a selection from a thousand
posts is known before a single body is read (bench/sites.py). `choose_posts` applies a `Selection`
and says how many drafts, unpublished and future posts it left out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from booklet.content.frontmatter import FrontMatter, read_front_matter_text, when
from booklet.content.sites import Site
from booklet.errors import BookletError
from booklet.model import Selection

POST_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn")
JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")


@dataclass(frozen=True, slots=True)
class PostHead:
    """A post known from its front matter only."""

    front: FrontMatter
    date: date | None  # as the author wrote it (its own time zone), else from a Jekyll file name
    moment: datetime | None  # for "is it in the future?": aware when a zone was given
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    series: tuple[str, ...]
    draft: bool  # in `_drafts/`, or `draft: true`
    published: bool  # `published: false` says no
    url: str  # its address on the site, without the site's address: "/news/2016/05/18/x/"
    name: str  # Jekyll's post_url name (`2016-05-18-x`), Hugo's path under content/ (`posts/x.md`)

    @property
    def path(self) -> Path:
        return self.front.path


def read_posts(site: Site) -> tuple[PostHead, ...]:
    """Every post of the site (drafts too), from front matter only; a bad one is a located error."""
    heads = [_head(site, path, False) for path in _post_files(site)]
    if site.drafts is not None:
        heads += [_head(site, path, True) for path in _files(site.drafts)]
    return tuple(heads)


# --- posts ------------------------------------------------------------------------------------


def _post_files(site: Site) -> list[Path]:
    found: list[Path] = []
    for folder in site.content:
        found += _files(folder)
    if site.kind == "hugo":  # a list page (`_index.md`) is not a post
        found = [p for p in found if p.name not in ("_index.md", "_index.markdown")]
    return found


def _files(folder: Path) -> list[Path]:
    return sorted(
        Path(base) / name
        for base, _, names in os.walk(folder)
        for name in names
        if name.endswith(POST_SUFFIXES) and not name.startswith(".")
    )


def _head(site: Site, path: Path, in_drafts: bool) -> PostHead:
    front = read_front_matter_text(path, site.root)  # a post linked to a file elsewhere in the site is read
    written = when(front, "date")
    named = JEKYLL_NAME.match(path.stem) if site.kind == "jekyll" else None
    day = written[0] if written else (_name_date(named, front) if named else None)
    return PostHead(
        front,
        day,
        written[1] if written else (datetime(day.year, day.month, day.day) if day else None),  # noqa: DTZ001 - as written
        _terms(front, "tags", "tag"),
        _terms(front, "categories", "category") or _folder_categories(site, path),
        _terms(front, "series"),
        in_drafts or front.values.get("draft") is True,
        front.values.get("published") is not False,
        _url(site, path, front, day, named),
        _name(site, path),
    )


def _name_date(named: re.Match[str], front: FrontMatter) -> date:
    try:
        return date(int(named.group(1)), int(named.group(2)), int(named.group(3)))
    except ValueError:
        raise BookletError(
            front.path, None, "the file name's date is not a date: name it YYYY-MM-DD-title.md"
        ) from None


def _terms(front: FrontMatter, *keys: str) -> tuple[str, ...]:
    """Tags, categories or series: a list, or (Jekyll) one text of words separated by spaces."""
    for key in keys:
        value = front.values.get(key)
        if isinstance(value, str):
            return (
                tuple(value.split())
                if key in ("tags", "categories") and "," not in value
                else (value.strip(),)
            )
        if isinstance(value, list):
            return tuple(
                str(item).strip()
                for item in value
                if isinstance(item, (str, int, float)) and str(item).strip()
            )
    return ()


def _folder_categories(site: Site, path: Path) -> tuple[str, ...]:
    """Jekyll: the folders above `_posts/` are the post's categories (`release/_posts/x.md`)."""
    if site.kind != "jekyll":
        return ()
    parts = path.relative_to(site.root).parts
    return tuple(parts[: parts.index("_posts")]) if "_posts" in parts else ()


def _name(site: Site, path: Path) -> str:
    if site.kind == "jekyll":
        return path.stem
    for folder in site.content:
        if path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
    return path.name


def _url(site: Site, path: Path, front: FrontMatter, day: date | None, named: re.Match[str] | None) -> str:
    """The post's address on the site, as its generator makes it (the common cases)."""
    explicit = front.values.get("permalink" if site.kind == "jekyll" else "url")
    if isinstance(explicit, str) and explicit.strip():
        return "/" + explicit.strip().lstrip("/")
    if site.kind == "jekyll":
        slug = str(front.values.get("slug") or (named.group(4) if named else path.stem))
        categories = "/".join(
            c.lower() for c in (_terms(front, "categories", "category") or _folder_categories(site, path))
        )
        return _fill(site.permalink, day, slug, categories, ".html")
    stem = path.parent.name if path.stem in ("index", "_index") else path.stem
    slug = str(front.values.get("slug") or stem)
    section = _name(site, path).split("/")[0] if "/" in _name(site, path) else ""
    if site.permalink:
        title = re.sub(r"[^\w]+", "-", str(front.values.get("title") or stem).lower()).strip("-")
        return _fill(
            site.permalink.replace(":filename", stem).replace(":section", section), day, slug, "", "", title
        )
    return f"/{section}/{slug.lower()}/" if section else f"/{slug.lower()}/"


def _fill(
    pattern: str, day: date | None, slug: str, categories: str, ext: str, title: str | None = None
) -> str:
    values = {
        ":year": f"{day.year:04d}" if day else "",
        ":month": f"{day.month:02d}" if day else "",
        ":day": f"{day.day:02d}" if day else "",
        ":i_month": str(day.month) if day else "",
        ":i_day": str(day.day) if day else "",
        ":short_year": f"{day.year % 100:02d}" if day else "",
        ":y_day": f"{day.timetuple().tm_yday:03d}" if day else "",
        ":categories": categories,
        ":output_ext": ext,
        ":slug": slug,
        ":title": title if title is not None else slug,
    }
    keys = sorted(values, key=len, reverse=True)  # `:i_month` before `:month`
    url = re.sub("|".join(re.escape(k) for k in keys), lambda m: values[m.group()], pattern)
    return re.sub(r"/{2,}", "/", "/" + url.lstrip("/"))


def quote_url(url: str) -> str:
    """A site-relative address as a browser would send it (CJK file names percent-encoded)."""
    return quote(url, safe="/#:?=&%")


# --- choosing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen posts, oldest first, and how many the selection matched but left out."""

    posts: tuple[PostHead, ...]
    drafts: int
    unpublished: int
    future: int


def choose_posts(heads: tuple[PostHead, ...], selection: Selection, built_at: datetime | None) -> Choice:
    """Apply the selection; drafts, `published: false` and posts dated after `built_at` stay out."""
    matching = [head for head in heads if _matches(head, selection)]
    drafts = [head for head in matching if head.draft]
    unpublished = [head for head in matching if not head.draft and not head.published]
    future = [head for head in matching if not head.draft and head.published and _after(head, built_at)]
    left_out = {id(head) for head in (*drafts, *unpublished, *future)}
    chosen = sorted((head for head in matching if id(head) not in left_out), key=_order)
    return Choice(tuple(chosen), len(drafts), len(unpublished), len(future))


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort names as people count: `2-x.md` before `10-x.md`."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", name)
        if part
    )


def _matches(head: PostHead, selection: Selection) -> bool:
    for wanted, has in (
        (selection.tags, head.tags),
        (selection.categories, head.categories),
        (selection.series, head.series),
    ):
        if wanted and not {_term(t) for t in wanted} & {_term(t) for t in has}:
            return False
    if selection.since and (head.date is None or head.date < selection.since):
        return False
    return not (selection.until and (head.date is None or head.date > selection.until))


def _term(text: str) -> str:
    """Authors mix `FreeSWITCH` and `freeswitch`, and Hugo makes `OJ 运维` into `oj-运维`."""
    return re.sub(r"[\s_-]+", "-", text.strip().casefold())


def _after(head: PostHead, built_at: datetime | None) -> bool:
    if head.moment is None or built_at is None:
        return False
    moment = head.moment if head.moment.tzinfo else head.moment.replace(tzinfo=built_at.tzinfo)
    return moment > built_at


def _order(head: PostHead) -> tuple[object, ...]:
    return (
        head.date is None,
        head.moment.replace(tzinfo=None) if head.moment else datetime.min,  # noqa: DTZ901 - compared with naive days
        natural_key(head.path.as_posix()),
    )


def addresses(site: Site, heads: tuple[PostHead, ...]) -> dict[str, str]:
    """Every name a post can be linked by, to its address with the site's base path.

    Jekyll: its post_url name (`2016-05-18-x`) and its path for `{% link %}` (`_posts/2016-05-18-x.md`).
    Hugo, for `ref`: its path under content/ (`posts/x.md`), without `.md`, its file or bundle name,
    and `@<folder>/<file>` for a path relative to the page that refers (shortcodes.py asks so).
    """
    found: dict[str, str] = {}
    for head in heads:
        address = site.baseurl + head.url
        names = [head.name, head.path.relative_to(site.root).as_posix()]
        if site.kind == "hugo":
            bundle = head.path.stem in ("index", "_index")
            stem = head.path.parent.name if bundle else head.path.stem
            names += [head.name.rsplit(".", 1)[0], stem, head.path.name if not bundle else stem]
            names += [f"@{head.path.parent.parent.as_posix()}/{stem}"] if bundle else []
            names += [
                f"@{head.path.parent.as_posix()}/{head.path.name}",
                f"@{head.path.parent.as_posix()}/{head.path.stem}",
            ]
            if bundle:
                names.append(head.name.rsplit("/", 1)[0])
        for name in names:
            found.setdefault(name, address)
    return found
