"""Stage 3b (EPUB): font subsets, so that a reader without a CJK font shows no tofu.

Takes a font file's bytes (an OpenType font, or one face of a collection) and the
characters a booklet uses; returns an OpenType (CFF) font holding exactly those
characters. Values in, bytes out: reading the font file and caching the result on
disk belong to `build`. `SUBSET_VERSION` goes into that cache's key, so a change of
the options below invalidates old subsets.
"""

from __future__ import annotations

import io

from fontTools import subset
from fontTools.ttLib import TTFont

SUBSET_VERSION = "1"


def subset_font(font: bytes, index: int, characters: str) -> bytes:
    """Face `index` of `font`, cut down to `characters` (plus .notdef), as OpenType bytes.

    Layout features stay (fontTools' default set, which holds `locl`, `vert`, `kern`…),
    names stay (the family name is the font's licence-required identity), hinting goes:
    e-readers rasterise at their own sizes and it would only add weight.
    """
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    face = TTFont(io.BytesIO(font), fontNumber=index, lazy=True)
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
