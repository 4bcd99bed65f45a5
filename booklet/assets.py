"""Assets: the files the outputs carry beside their text — the images and the cover.

Each is an `Asset`: the href the documents use, its media type and its bytes, so no writer
guesses a type from a name. `build` reads the files (the only stage besides `content` that
touches the disk) and hands the writers an `Assets`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Asset:
    href: str  # where the documents refer to it: "images/image001.png", "cover.png"
    media_type: str  # "image/png"
    data: bytes


@dataclass(frozen=True, slots=True)
class Assets:
    cover: Asset
    images: tuple[Asset, ...]

    def all(self) -> tuple[Asset, ...]:
        """The images, then the cover (the order the outputs list them in)."""
        return (*self.images, self.cover)

    def by_href(self) -> dict[str, Asset]:
        return {asset.href: asset for asset in self.all()}
