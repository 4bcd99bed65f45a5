"""The print pages in the other outputs: which block opens each printed page.

Takes the ids of the blocks in reading order (chapter headings and the top-level blocks
of their bodies, which the PDF reports) and the PDF's pagination (element id → printed
page); returns the blocks that open a page, each with its page. The EPUB puts a page-break
marker before each (its page list), the web page an anchor `#p12`: one answer for both,
so "see page 12" leads to the same place in the PDF, the EPUB and the web page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def page_openings(blocks: Iterable[str], pages: Mapping[str, int]) -> dict[str, int]:
    """Block id → the printed page it opens: the first block seen on each page after the last.

    A page that no block opens (one long paragraph filling it) gets nothing: a marker inside
    a paragraph could not say where the page begins.
    """
    openings: dict[str, int] = {}
    last = 0
    for block in blocks:
        page = pages.get(block)
        if page is not None and page > last:
            openings[block] = last = page
    return openings
