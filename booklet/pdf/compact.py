"""Stage 3a, last step: shrink the CJK fonts WeasyPrint embeds in the PDF.

WeasyPrint subsets a font but keeps every glyph slot ("retain gids"), so a
subset of Noto CJK still holds 60,000 empty slots: about 400 KB for a few
hundred glyphs drawn. For CID-keyed CFF fonts the slots are not needed: each
glyph's CID is kept in the CFF charset, and PDF readers find glyphs by CID
(PDF 32000-1 §9.7.4.2). So we keep only the drawn glyphs and embed the bare
CFF (`/CIDFontType0C`). WeasyPrint writes glyph ids as the PDF's character
codes, so each kept glyph gets its old glyph id as its CID (in Noto CJK the two
are almost always equal already). Text extraction is unchanged: ToUnicode maps
the same codes.

Used as WeasyPrint's `finisher`: it takes the document and the pydyf PDF
just before it is written. A font's compact form depends only on its bytes, so `build`
keeps it in the user's cache (`compact`, a `Compactor` wrapping `compact_cff`): the same
text set again (a rebuild, `make`, the preview) skips fontTools.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pydyf
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont, TTLibError

# A font's OpenType/CFF bytes → its compact bare CFF, or None when it is not CID-keyed.
Compactor = Callable[[bytes], bytes | None]


def compact_cid_fonts(document: object, pdf: pydyf.PDF, compact: Compactor | None = None) -> None:
    """Replace each embedded CID-keyed OpenType/CFF font by its compact bare CFF (`compact_cff`, or `compact`)."""
    for stream in pdf.objects:
        if isinstance(stream, pydyf.Stream) and stream.extra.get("Subtype") == "/OpenType":
            compact_form = (compact or compact_cff)(b"".join(stream.stream))
            if compact_form is not None:
                stream.stream = [compact_form]
                stream.extra["Subtype"] = "/CIDFontType0C"


def compact_cff(data: bytes) -> bytes | None:
    """The CFF table with only its non-empty glyphs, each CID set to its old glyph id; None if not CID-keyed."""
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        cff: CFFFontSet = font["CFF "].cff
    except (TTLibError, KeyError, AssertionError):
        return None
    top = cff[cff.fontNames[0]]
    if not hasattr(top, "ROS") or not hasattr(top, "FDSelect"):
        return None  # name-keyed: the PDF's codes are glyph indices, which compaction would change
    index = top.CharStrings.charStringsIndex
    charset = top.charset
    keep = [gid for gid in range(len(index)) if gid == 0 or index.offsets[gid + 1] - index.offsets[gid] > 1]
    names = [".notdef", *(f"cid{gid:05d}" for gid in keep[1:])]
    glyphs = {
        name: top.CharStrings[charset[gid]] for name, gid in zip(names, keep, strict=True)
    }  # raw, desubroutinized
    selectors = top.FDSelect.gidArray
    top.CharStrings.charStringsIndex = None
    top.CharStrings.charStringsAreIndexed = 0
    top.CharStrings.charStrings = glyphs
    top.charset = list(glyphs)
    top.FDSelect.gidArray = [selectors[gid] for gid in keep]
    top.FDSelect.format = 3
    font.recalcBBoxes = False  # recomputing bounds would interpret every charstring: slow, and not needed
    output = io.BytesIO()
    cff.compile(output, font)
    return output.getvalue()
