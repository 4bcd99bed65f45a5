"""Stage 3a, under `layout`: the image data WeasyPrint embeds, kept from one build to the next.

WeasyPrint 70.0 embeds a PNG by decoding it and encoding it again with Pillow
(`RasterImage._get_png_data`), keeping the encoded rows: for the print cover (1600 × 2270
pixels), a tenth of a second of every build. What it embeds depends only on the file's bytes
and the versions of Pillow and zlib, so while `kept_images(keep)` is in effect, an image
opened from its bytes is encoded once and its data asked of `keep` under that key after that
(`aside` keeps it in the user's cache). An image WeasyPrint made itself (the colour part of
an image with transparency) is encoded as before. The PDF is the same byte for byte
(tests/test_pdf.py).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import PIL
from weasyprint.images import RasterImage

# (key, make) → the bytes kept under `key`, made by `make()` when there are none.
ImageKeeper = Callable[[str, Callable[[], bytes]], bytes]

_keeper: ContextVar[ImageKeeper | None] = ContextVar("booklet_image_keeper", default=None)
_original: list[Callable[[Any], bytes]] = []  # WeasyPrint's own `_get_png_data`, once replaced


@contextmanager
def kept_images(keep: ImageKeeper | None) -> Iterator[None]:
    """While in effect (in this thread), the PNG data WeasyPrint embeds comes from `keep`."""
    if not _original:
        _original.append(RasterImage._get_png_data)
        RasterImage._get_png_data = staticmethod(_png_data)
    token = _keeper.set(keep)
    try:
        yield
    finally:
        _keeper.reset(token)


def _png_data(image: Any) -> bytes:
    """`RasterImage._get_png_data`, from the keeper for an image not yet decoded from its file's bytes."""
    keep, original = _keeper.get(), _original[0]
    source = getattr(image, "fp", None)
    if keep is None or not isinstance(source, io.BytesIO):
        return original(image)
    digest = hashlib.sha256(source.getvalue()).hexdigest()
    key = f"Pillow {PIL.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}|{image.mode}|{digest}"
    return keep(key, lambda: original(image))
