"""Fonts: which face each writing system uses, where fontconfig finds it, and subsets of it.

Takes a writing system, a face name and the characters a booklet uses; returns the installed
font file (`font_face`, asked of fontconfig once per pattern) or an OpenType (CFF) subset
holding exactly those characters (`subset_font`, for the EPUB, so that a reader without a
CJK font shows no tofu; `cached_subset` keeps it in the user's cache), and keeps the PDF's
compact CJK fonts and WeasyPrint's subsets in that cache too (`cached_compact`, `cached_pdf_subset`). `SUBSET_VERSION`
goes into that cache's key, so a change of the options below invalidates old subsets.
"""

from __future__ import annotations

import functools
import hashlib
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

from fontTools.ttLib import TTFont

from booklet.cache import cached, file_key, is_cached
from booklet.errors import BookletError

SUBSET_VERSION = "2"  # 2: head.modified is the font's own, not the time of subsetting

# The faces embedded when `embed_fonts` is on: (name handed to `subset_fonts`, CSS weight, file).
FONT_FACES = (("regular", 400, "fonts/serif-regular.otf"), ("bold", 700, "fonts/serif-bold.otf"))
# Each CJK writing system's face (regional glyph forms, and where 。、 sit: centred in zh-Hant),
# then the same design under the names other systems give it.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "zh-Hans": ("Noto Serif CJK SC", "Source Han Serif SC", "Songti SC"),
    "zh-Hant": ("Noto Serif CJK TC", "Source Han Serif TC", "Songti TC"),
    "ja": ("Noto Serif CJK JP", "Source Han Serif", "Hiragino Mincho ProN"),
    "ko": ("Noto Serif CJK KR", "Source Han Serif K", "AppleMyungjo"),
}
# The fontconfig style of each face the EPUB embeds (the family follows the language).
FACE_STYLES = {"regular": "", "bold": ":bold"}
# The print stacks' last face (print.css): emoji and symbols in outline, which WeasyPrint embeds
# like any TrueType font (colour bitmap emoji fonts do not embed as outlines), and which prints in
# black like the text around it. Debian package: fonts-symbola.
EMOJI_FAMILY = "Symbola"
EMOJI_FACE = "fonts/emoji.ttf"  # the EPUB's subset of it (TrueType outlines, as Symbola has)
JOINERS = {0x200D, 0xFE0E, 0xFE0F}  # zero-width joiner and variation selectors: no glyph of their own


@functools.cache  # fontconfig is a subprocess: ask once per pattern, not for every cover and subset
def font_face(pattern: str) -> tuple[Path, int]:
    """Ask fontconfig where a font lives (file, face index in a collection); the CJK fonts are a set-up step (`make`)."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}|%{family}", pattern],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        raise BookletError(
            None, None, "fontconfig (fc-match) is missing: run `make` to install the fonts"
        ) from None
    path, index, family = found.split("|", 2)
    if pattern.split(":")[0] not in family:
        package = "fonts-symbola" if pattern.startswith(EMOJI_FAMILY) else "fonts-noto-cjk"
        raise BookletError(
            None, None, f"font `{pattern}` is not installed: run `make` (or apt-get install {package})"
        )
    return Path(path), int(index or 0)


def printable_emoji(codepoints: tuple[int, ...]) -> bool:
    """Whether the print face for emoji draws every one of `codepoints` (joiners aside)."""
    return all(c in _emoji_cmap() for c in codepoints if c not in JOINERS)


@functools.cache
def _emoji_cmap() -> frozenset[int]:
    path, index = font_face(EMOJI_FAMILY)
    return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap())


def cached_subset(family: str, face: str, characters: str) -> bytes:
    """The EPUB's font subset, from the user's cache when this font file and these characters were seen before."""
    path, index = font_face(family + FACE_STYLES[face])
    key = _subset_key(family, face, characters)
    return cached("fonts", key, ".otf", lambda: subset_font(path.read_bytes(), index, characters))


def subset_is_cached(family: str, face: str, characters: str) -> bool:
    """Whether `cached_subset` would find this subset in the user's cache."""
    return is_cached("fonts", _subset_key(family, face, characters), ".otf")


def _subset_key(family: str, face: str, characters: str) -> str:
    return "\0".join((file_key(font_face(family + FACE_STYLES[face])), SUBSET_VERSION, characters))


def cached_compact(font: bytes, compact: Callable[[bytes], bytes | None], made_by: bytes) -> bytes | None:
    """`compact(font)` (the PDF's compact CJK font, pdf/compact.py), from the user's cache when
    the same bytes were compacted before by the same code (`made_by`: its source)."""
    key = hashlib.sha256(made_by + font).hexdigest()
    return cached("pdf-fonts", key, ".cff", lambda: compact(font) or b"") or None


def cached_pdf_subset(key: str, make: Callable[[], bytes]) -> bytes:
    """A subset WeasyPrint makes of a font it embeds in the PDF (pdf/subsets.py), from the user's
    cache when `key` (the font file's digest, the glyphs, the options) was seen before."""
    return cached("pdf-subsets", hashlib.sha256(key.encode()).hexdigest(), ".otf", make)


def subset_font(font: bytes, index: int, characters: str) -> bytes:
    """Face `index` of `font`, cut down to `characters` (plus .notdef), as OpenType bytes.

    Layout features stay (fontTools' default set, which holds `locl`, `vert`, `kern`…),
    names stay (the family name is the font's licence-required identity), hinting goes:
    e-readers rasterise at their own sizes and it would only add weight.
    """
    from fontTools import subset  # a fifth of a second to import: a web page alone never needs it

    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    # `head.modified` stays the font's own: fontTools would stamp it with the time of subsetting
    # (or SOURCE_DATE_EPOCH), and a subset kept in the cache would carry one build's date into another.
    face = TTFont(io.BytesIO(font), fontNumber=index, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters])
    subsetter.subset(face)
    output = io.BytesIO()
    face.save(output)
    return output.getvalue()


def missing_characters(font: bytes, characters: str) -> str:
    """The characters that `font`'s best cmap does not map: what a reader would draw as tofu."""
    cmap = TTFont(io.BytesIO(font), lazy=True).getBestCmap()
    return "".join(c for c in characters if ord(c) not in cmap)
