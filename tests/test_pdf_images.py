"""The image data WeasyPrint embeds, kept from one build to the next (booklet/pdf/images.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import weasyprint
from PIL import Image

from booklet.aside import cached_image
from booklet.pdf.images import kept_images


def _page(folder: Path) -> weasyprint.Document:
    """A page with an opaque PNG (kept) and one with transparency (WeasyPrint splits it: not kept)."""
    Image.new("RGB", (300, 200), (200, 30, 30)).save(folder / "opaque.png")
    Image.new("RGBA", (120, 80), (30, 30, 200, 128)).save(folder / "clear.png")
    html = '<img src="opaque.png"><img src="clear.png">'
    return weasyprint.HTML(string=html, base_url=str(folder) + "/").render()


def test_an_image_is_encoded_once_then_the_cache_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint decodes a PNG and encodes it again for the PDF: the result depends only on the
    file's bytes, so the user's cache keeps it; the PDF is the same bytes with and without."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made: list[str] = []

    def keep(key: str, make: Callable[[], bytes]) -> bytes:
        def counted() -> bytes:
            made.append(key)
            return make()

        return cached_image(key, counted)

    plain = _page(tmp_path).write_pdf()
    with kept_images(keep):
        first = _page(tmp_path).write_pdf()
    assert len(made) == 1  # the opaque one; the other's colour and alpha are WeasyPrint's own images
    assert len(list((tmp_path / "cache" / "booklet" / "pdf-images").iterdir())) == 1
    with kept_images(keep):
        second = _page(tmp_path).write_pdf()
    assert len(made) == 1  # nothing encoded again
    assert first == second == plain
