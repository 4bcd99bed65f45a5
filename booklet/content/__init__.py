"""Stage 1: the reading stage, the only one that reads the author's files.

Takes a booklet folder (`booklet.yml`, chapter `*.md` files, an optional `footnotes.md`) or a
single post with front matter; returns a `Booklet` whose chapters hold polyglot HTML/XHTML
fragments, headings and footnotes. Markdown becomes HTML here and nowhere else. Its steps,
one module each: `text` (UTF-8, YAML with lines), `config` (booklet.yml and front matter →
`Metadata`), `sources` (folders and posts → drafts), `markdown` (with `sanitize`), `images`,
`assemble` (ids, numbers, the model).
"""

from __future__ import annotations

from pathlib import Path

from booklet.content.assemble import check_links, collect_images, finish
from booklet.content.markdown import convert
from booklet.content.sources import post_definitions, read_folder, read_post
from booklet.errors import BookletError, BookletErrors, Diagnostics
from booklet.model import Booklet

__all__ = ["load_booklet"]


def load_booklet(source: Path, diagnostics: Diagnostics, remote_cache: Path | None = None) -> Booklet:
    """Read and check a whole booklet; raise every error found, together.

    Remote images are fetched into `remote_cache` only when it is given (`--fetch-remote`).
    """
    if not source.exists():
        raise BookletError(source, None, "no such file or folder")
    if source.is_dir():
        metadata, drafts, shared = read_folder(source, diagnostics)
        root, name = source, source.name
    else:
        metadata, drafts = read_post(source, diagnostics)
        shared = post_definitions(drafts) if len(drafts) > 1 else {}
        root, name = source.parent, source.stem
    errors: list[BookletError] = []
    for draft in drafts:
        convert(draft, shared, errors, diagnostics)
    images = collect_images(drafts, root, remote_cache, diagnostics, errors)
    check_links(drafts, metadata, diagnostics)
    chapters = finish(drafts, shared, metadata, errors, diagnostics)
    if errors:
        raise BookletErrors(errors)
    return Booklet(name=name, metadata=metadata, chapters=chapters, images=images, source=source)
