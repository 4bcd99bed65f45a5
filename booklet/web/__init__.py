"""Stage 3c: the web page, one self-contained HTML file.

Takes the model, the files it refers to (cover, images), the build date and the links to
the other outputs, and the PDF's pagination when there is one; returns the page's bytes.
Two steps around the template (`templates/web.html.j2`): `shape` fits the chapters to the
page (print-page anchors, headings, note popovers, scrolling tables) and gives every image
a data: URL, so the file opens anywhere alone.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime

from booklet.assets import Asset, Assets
from booklet.model import Booklet
from booklet.theme import fragment, notes, render_template, stylesheet
from booklet.web.shape import page_openings, shape_for_web

__all__ = ["write_web"]


def write_web(
    booklet: Booklet,
    assets: Assets,
    built_at: datetime,
    links: Mapping[str, str],
    pages: Mapping[str, int] | None = None,
) -> bytes:
    """One self-contained page: its CSS inline, every chapter, notes after each chapter; with
    the PDF's pagination (`pages`), an anchor `#p12` where printed page 12 begins."""
    openings = page_openings(booklet, pages or {})
    sources = {asset.href: _data_url(asset) for asset in assets.all()}
    shaped = shape_for_web(booklet, sources, openings)
    chapters = [(chapter, fragment(chapter.html), notes(chapter)) for chapter in shaped.chapters]
    page = render_template(
        "web.html.j2",
        booklet=shaped,
        meta=shaped.metadata,
        chapters=chapters,
        built_at=built_at,
        cover_src=sources[assets.cover.href],
        cover_file=f"{booklet.name}-{assets.cover.href}",
        links=links,
        page_starts=openings,
        css=fragment(
            stylesheet("base.css", "web.css", language=booklet.metadata.language, author=booklet.style)
        ),
    )
    return page.encode("utf-8")


def _data_url(asset: Asset) -> str:
    """The file inside the page (RFC 2397), so the page opens anywhere alone."""
    return f"data:{asset.media_type};base64,{base64.b64encode(asset.data).decode()}"
