"""Stage 3c: the web page, one self-contained HTML file.

Takes the rendered page and the files it refers to; returns the page's bytes
with every image inlined as a data: URL, so the file opens anywhere alone.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from booklet.model import Booklet


def inline_resources(html: str, booklet: Booklet, resources: Mapping[str, bytes]) -> bytes:
    """Replace each reference to one of the booklet's files by a data: URL."""
    media_types = {image.href: image.media_type for image in booklet.images} | {"cover.png": "image/png"}
    for href, data in resources.items():
        url = f"data:{media_types.get(href, 'application/octet-stream')};base64,{base64.b64encode(data).decode()}"
        html = html.replace(f'src="{href}"', f'src="{url}"')
    return html.encode("utf-8")
