"""Assets: the files the outputs carry beside their text — the images and the cover.

Each is an `Asset`: the href the documents use, its media type and its bytes, so no writer
guesses a type from a name. An image's type was sniffed when it was read (content/images);
the cover's is sniffed here, once (`cover_asset`): an author's cover may be a JPEG or a GIF,
and a name or media type that lies about the format is an EPUBCheck error. `build` reads
the files (the only stage besides `content` that touches the disk) and hands the writers
an `Assets`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Asset:
    href: str  # where the documents refer to it: "images/image001.png", "cover.png"
    media_type: str  # "image/png"
    data: bytes


# Magic numbers (PNG §5.2, JFIF/JPEG SOI + marker, GIF87a/89a) → (file suffix, media type).
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
)


def cover_asset(data: bytes) -> Asset:
    """The cover as an asset named and typed by what its bytes are: `cover.png`, `cover.jpg`, `cover.gif`."""
    suffix, media_type = next(
        ((s, m) for magic, s, m in _SIGNATURES if data.startswith(magic)), (".png", "image/png")
    )
    return Asset(f"cover{suffix}", media_type, data)


@dataclass(frozen=True, slots=True)
class Assets:
    cover: Asset
    images: tuple[Asset, ...]
    print_cover: Asset | None = None  # the generated cover at the page's proportions (PDF only)

    def all(self) -> tuple[Asset, ...]:
        """The images, then the cover (the order the outputs list them in)."""
        return (*self.images, self.cover)

    def by_href(self) -> dict[str, Asset]:
        extra = (self.print_cover,) if self.print_cover is not None else ()
        return {asset.href: asset for asset in (*self.all(), *extra)}
