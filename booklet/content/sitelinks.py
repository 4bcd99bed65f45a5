"""Stage 1 (reading): links between a site's posts, once the chosen posts are chapters.

Takes the converted chapters of a site booklet (one per chosen post, in order) and the site;
a link to another chosen post — by its address on the site (absolute, site-relative or
relative to the post's own address, as `{% post_url %}`, `{% link %}` and `ref` make them) or
by its file name — becomes a link to that chapter (`#ch03`, which every output resolves); any
other link into the site becomes an absolute link to the site. Also each chapter's address on
the site, for the link back to the original post.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from booklet.content.markdown import Converted
from booklet.content.posts import PostHead
from booklet.content.sites import Site


def post_address(site: Site, head: PostHead) -> str | None:
    """The post's address on the web, percent-encoded; None when the site's address is unknown."""
    return quote(site.url + site.baseurl + head.url, safe="/:#?&=%") if site.url else None


def link_posts(converted: list[Converted], site: Site, posts: tuple[PostHead, ...]) -> None:
    """Rewrite each chapter's links to chosen posts as chapter links, and its site links as absolute."""
    by_address = {
        _key(site.baseurl + head.url): f"#ch{number:02d}" for number, head in enumerate(posts, start=1)
    }
    by_file = {head.path.resolve(): f"#ch{number:02d}" for number, head in enumerate(posts, start=1)}
    for chapter, head in zip(converted, posts, strict=True):
        page = site.url + site.baseurl + head.url if site.url else None
        for link in chapter.tree.xpath(".//a[@href]"):
            href = link.get("href", "")
            if href.startswith("#") or link.get("class") == "footnote-ref":
                continue
            target = _target(href, chapter.draft.source, page, site, by_address, by_file)
            if target is not None:
                link.set("href", target)


def _target(
    href: str,
    source: Path,
    page: str | None,
    site: Site,
    by_address: dict[str, str],
    by_file: dict[Path, str],
) -> str | None:
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, tel:…
    if parts.scheme and not (site.url and href.startswith(site.url + "/")):
        return None  # another site
    if not parts.scheme and not parts.netloc and not href.startswith("/"):
        file = (source.parent / unquote(parts.path)).resolve() if parts.path else None
        if file in by_file:
            return by_file[file]  # [the earlier post](2017-03-02-x.md)
    absolute = urljoin(page, href) if page else (href if href.startswith("/") else None)
    if absolute is None:
        return None  # no address to resolve against: the links check says so
    chapter = by_address.get(_key(urlsplit(absolute).path))
    if chapter is not None:
        return chapter
    return quote(absolute, safe="/:#?&=%") if page else None


def _key(path: str) -> str:
    """An address as a lookup key: `/news/x/`, `/news/x`, `/news/x/index.html` and `/news/x.html` are one."""
    path = unquote(path).casefold()
    for ending in ("index.html", ".html", "/"):
        if path.endswith(ending) and len(path) > len(ending):
            path = path[: -len(ending)]
    return path.rstrip("/")
