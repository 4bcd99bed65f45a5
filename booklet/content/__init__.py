"""Stage 1: the reading stage, the only one that reads the author's files.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional `footnotes.md`), a
single post with front matter, or a Jekyll or Hugo site folder (its posts chosen by tag,
category, series or date); returns a `Booklet` whose chapters hold polyglot HTML/XHTML
fragments, headings and footnotes. Markdown becomes HTML here and nowhere else. Its steps,
one module each: `text` (UTF-8, YAML with lines), `config` (booklet.yml and front matter →
`Metadata`), `sources` (folders and posts → drafts), `sites`, `frontmatter`, `posts` and
`blog` (a site, its posts, the chosen ones), `liquid` and `shortcodes` (a site's tags in a
post), `markdown` (with `sanitize`), `measure` (text the PDF's layout could not
break into lines or pages in time), `images`, `sitelinks` (links between chosen posts),
`assemble` (ids, numbers, the model).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from booklet.content.assemble import collect_images, finish
from booklet.content.blog import Reading, read_blog, read_lone_post, read_reading
from booklet.content.guard import NESTED
from booklet.content.images import Places
from booklet.content.language import choose_language
from booklet.content.links import check_links
from booklet.content.markdown import Converted, convert, render_title, unreadable
from booklet.content.measure import long_title, long_word, over_page_budget
from booklet.content.sanitize import MAX_DEPTH, drop_reserved_ids, nesting_depth, unwrap_stray_ruby
from booklet.content.sitelinks import link_posts, post_address
from booklet.content.sites import Site, find_site, site_root
from booklet.content.sources import Definition, Draft, post_definitions, read_folder, read_style
from booklet.content.text import MB, read_source
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import Booklet, Request

__all__ = ["load_booklet", "read_asset"]


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
    own_name = source.resolve().name if source.is_dir() else source.stem
    if not _utf8(own_name):
        raise BookletError(source, None, f"the name `{own_name}` is not valid UTF-8: rename it")
    site = find_site(source) if source.is_dir() else None
    reading = read_reading(source / "booklet.yml") if source.is_dir() else Reading()
    blog = None
    lone_site: Site | None = None
    if site is not None:
        blog, drafts = read_blog(site, request, reading, diagnostics)
        metadata, name = blog.metadata, blog.name
        shared: dict[str, Definition] = {}
        starts = (site.root, site.root / "static") if site.kind == "hugo" else (site.root,)
        places = Places(reading.site_root or site.root, starts, site.baseurl)
        if reading.source_links:
            drafts = [
                replace(draft, source_url=post_address(site, head))
                for draft, head in zip(drafts, blog.posts, strict=True)
            ]
    elif source.is_dir():
        metadata, drafts, shared = read_folder(source, diagnostics, reading.chapters)
        root = reading.site_root or site_root(source)
        places = Places(root, (root,))
        name = request.name or source.resolve().name  # the folder's real name, for `.` and `..` too
    else:
        metadata, drafts, root, lone_site = read_lone_post(source, diagnostics)
        drafts, shared = post_definitions(drafts, diagnostics) if len(drafts) > 1 else (drafts, {})
        starts = (root, root / "static") if lone_site is not None and lone_site.kind == "hugo" else (root,)
        advice = "set `site_root:` in its front matter to a folder that holds it"
        places = Places(root, starts, lone_site.baseurl if lone_site else "", advice)
        name = request.name or source.stem
    remote = request.remote_images or reading.remote_images or "error"
    if blog is None:  # a site's language comes from its settings (content/blog.py)
        metadata = choose_language(metadata, drafts, request.language, diagnostics, lone_site)
    text, html = render_title(metadata.title)
    metadata = replace(metadata, title=text, title_html=html)
    drafts = [_titled(draft) for draft in drafts]
    max_word = metadata.max_word_length if request.laid_out else None
    found = [_convert_bounded(draft, shared, diagnostics, max_word) for draft in drafts]
    converted = [chapter for chapter, _ in found]
    measured = request.laid_out and not any(errors for _, errors in found)
    too_long = (long_title(metadata) or over_page_budget(converted, metadata)) if measured else None
    cache = remote_cache if remote == "fetch" else None
    limit = metadata.max_image_mb * MB
    images, unusable = collect_images(converted, places, cache, remote, diagnostics, limit)
    if blog is not None:
        link_posts(converted, blog.site, blog.posts)
    check_links(converted, metadata, diagnostics)
    chapters = finish(converted, shared, metadata, diagnostics)  # its warnings show beside any error
    style, bad_style = read_style(metadata.css)
    errors = [error for _, chapter_errors in found for error in chapter_errors] + [*unusable, *bad_style]
    errors += [too_long] if too_long is not None else []
    if errors:
        raise BookletErrors(errors)
    return Booklet(name=name, metadata=metadata, chapters=chapters, images=images, source=source, style=style)


def _titled(draft: Draft) -> Draft:
    """The draft with its title's Markdown rendered: `title` its text, `title_html` its markup."""
    text, html = render_title(draft.title)
    return replace(draft, title=text, title_html=html)


def _convert_bounded(
    draft: Draft, shared: dict[str, Definition], diagnostics: Diagnostics, max_word: int | None
) -> tuple[Converted, tuple[BookletError, ...]]:
    """Markdown to a tree; a tree nested deeper than any page shows is refused (the writers recurse),
    and, when pages are laid out (`max_word`), text too long to break into lines in time (content.measure)."""
    try:
        chapter, errors = convert(draft, shared, diagnostics)
    except RecursionError:
        chapter, errors = None, ()
    if chapter is not None:
        for part in (chapter.tree, *chapter.definitions.values()):
            unwrap_stray_ruby(part)
            drop_reserved_ids(part)
        if nesting_depth(chapter.tree) <= MAX_DEPTH:
            word = long_word(chapter, max_word) if max_word is not None else None
            return chapter, (*errors, word) if word is not None else errors
    return unreadable(draft), (*errors, BookletError(draft.source, draft.body_line, NESTED))


def _utf8(name: str) -> bool:
    """The booklet's name names its outputs and appears in the web page: it must be text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_asset(booklet: Booklet, path: Path) -> bytes:
    """The bytes of an image or the cover that `load_booklet` found inside the folder it reads:
    read again the same safe way (a regular file, within `max_image_mb`, no link followed)."""
    return read_source(path, path.resolve().parent, booklet.metadata.max_image_mb * MB, "image")
