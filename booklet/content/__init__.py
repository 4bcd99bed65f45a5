"""Stage 1: the reading stage, the only one that reads the author's files.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional `footnotes.md`), a
single post with front matter, or a Jekyll or Hugo site folder (its posts chosen by tag,
category, series or date); returns a `Booklet` whose chapters hold polyglot HTML/XHTML
fragments, headings and footnotes. Markdown becomes HTML here and nowhere else. Its steps,
one module each: `text` (UTF-8, YAML with lines), `config` (booklet.yml and front matter →
`Metadata`), `sources` (folders and posts → drafts), `sites`, `frontmatter`, `posts` and
`blog` (a site, its posts, the chosen ones), `liquid` and `shortcodes` (a site's tags in a
post), `markdown` (with `sanitize`), `images`, `sitelinks` (links between chosen posts),
`assemble` (ids, numbers, the model).
"""

from __future__ import annotations

from pathlib import Path

from booklet.content.assemble import check_links, collect_images, finish
from booklet.content.blog import Reading, read_blog, read_lone_post, read_reading
from booklet.content.images import Places
from booklet.content.markdown import convert
from booklet.content.sitelinks import link_posts, post_address
from booklet.content.sites import find_site, site_root
from booklet.content.sources import post_definitions, read_folder, read_style
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import Booklet, Request

__all__ = ["load_booklet"]


def load_booklet(
    source: Path, diagnostics: Diagnostics, remote_cache: Path | None = None, request: Request | None = None
) -> Booklet:
    """Read and check a whole booklet; raise every error found, together.

    Remote images are fetched into `remote_cache` only when asked (`--remote-images fetch`,
    or `remote_images: fetch` in booklet.yml). `request`: what the command line asks.
    """
    request = request or Request()
    if not source.exists():
        raise BookletError(source, None, "no such file or folder")
    site = find_site(source) if source.is_dir() else None
    reading = read_reading(source / "booklet.yml") if source.is_dir() else Reading()
    blog = None
    if site is not None:
        blog, drafts = read_blog(site, request, reading, diagnostics)
        metadata, name = blog.metadata, blog.name
        shared: dict[str, tuple[str, Path, int]] = {}
        starts = (site.root, site.root / "static") if site.kind == "hugo" else (site.root,)
        places = Places(reading.site_root or site.root, starts, site.baseurl)
        for draft, head in zip(drafts, blog.posts, strict=True):
            draft.source_url = post_address(site, head) if reading.source_links else None
    elif source.is_dir():
        metadata, drafts, shared = read_folder(source, diagnostics, reading.chapters)
        root = reading.site_root or site_root(source)
        places = Places(root, (root,))
        name = request.name or source.resolve().name  # the folder's real name, for `.` and `..` too
    else:
        metadata, drafts, root = read_lone_post(source, diagnostics)
        shared = post_definitions(drafts) if len(drafts) > 1 else {}
        places = Places(root, (root,), "", "set `site_root:` in its front matter to a folder that holds it")
        name = request.name or source.stem
    remote = request.remote_images or reading.remote_images or "error"
    errors: list[BookletError] = []
    for draft in drafts:
        convert(draft, shared, errors, diagnostics)
    images = collect_images(
        drafts, places, remote_cache if remote == "fetch" else None, remote, diagnostics, errors
    )
    if blog is not None:
        link_posts(drafts, blog.site, blog.posts)
    check_links(drafts, metadata, diagnostics)
    chapters = finish(drafts, shared, metadata, errors, diagnostics)
    style = read_style(metadata.css, errors)
    if errors:
        raise BookletErrors(errors)
    return Booklet(name=name, metadata=metadata, chapters=chapters, images=images, source=source, style=style)
