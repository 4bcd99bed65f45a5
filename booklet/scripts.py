"""Writing systems: what a language tag asks of the text, in one place for every stage.

Takes BCP 47 tags and text; returns the writing system (`zh-Hans`, `zh-Hant`, `ja`, `ko`,
`other`), the character classes of CJK text (clreq §3.1, JLREQ §3.1.7 kinsoku), and how
names are joined. The reading stage, the templates, the cover, the PDF's typesetting and
the EPUB's font subsets all ask here, so they cannot disagree.
"""

from __future__ import annotations

from typing import Literal

# Writing systems with their own conventions (fonts, interface words, name lists, indents).
WritingSystem = Literal["zh-Hans", "zh-Hant", "ja", "ko", "other"]
_HANT_REGIONS = {"tw", "hk", "mo"}

# The characters a CJK face is embedded for in a booklet in another language (its Latin text
# keeps the reader's own font): CJK punctuation, kana, Han, Hangul, full-width forms.
CJK_RANGES = (
    (0x2E80, 0x2FFF),
    (0x3000, 0x30FF),
    (0x3100, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)

# Character classes as regular-expression ranges. Wide characters: Han, CJK symbols and
# punctuation, kana, Hangul, full-width forms, and the quotation marks, dashes and ellipsis
# that Chinese sets full-width.
WIDE = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
    "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
LATIN = "A-Za-z0-9\u00c0-\u024f"
# Closing and stopping punctuation (clreq §3.1.6), and opening punctuation. The ones set in
# the left (closing) or right (opening) half of their em box can lose the blank half.
CLOSING = "，。、；：？！）》」』”’】〕〉〗｝"
OPENING = "（《「『“‘【〔〈〖｛"
HALF_CLOSING = "，。、；：）》」』”’】〕〉〗｝"
HALF_OPENING = OPENING
DASHES = "—…"

# clreq §3.1.7 / JLREQ (kinsoku): characters that may not begin a line, and that may not end one.
NO_LINE_START = set(
    "）)]｝}〕〉》」』】〙〗〟’”｠»、。，．,.：:；;！!？?‼⁇⁈⁉・·‐゠–〜～…‥ヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻％%‰℃"
)
NO_LINE_END = set("（([｛{〔〈《「『【〘〖〝‘“｟«")


# Pictographs (emoji) and the symbols set like them: what the EPUB sets in its embedded emoji face
# (an e-reader may have none), never in the text face. Unicode blocks: Miscellaneous Symbols,
# Dingbats, Miscellaneous Symbols and Arrows, and the emoji planes' symbol blocks.
PICTOGRAPH_RANGES = ((0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))


def is_pictograph(character: str) -> bool:
    return any(low <= ord(character) <= high for low, high in PICTOGRAPH_RANGES)


def writing_system(language: str) -> WritingSystem:
    """The writing system a BCP 47 tag asks for: `zh-TW`, `zh-HK`, `zh-Hant…` → Traditional Chinese,
    any other `zh` → Simplified; `ja`, `ko`; everything else (en, fr, de…) → "other"."""
    subtags = language.lower().replace("_", "-").split("-")
    if subtags[0] in ("zh", "cmn", "yue"):
        if "hans" in subtags:
            return "zh-Hans"
        if "hant" in subtags or _HANT_REGIONS & set(subtags[1:]) or subtags[0] == "yue":
            return "zh-Hant"
        return "zh-Hans"
    if subtags[0] in ("ja", "ko"):
        return subtags[0]  # type: ignore[return-value]
    return "other"


def is_cjk_language(language: str) -> bool:
    """Whether text in `language` is set as CJK (clreq, JLREQ): the same answer as `writing_system`
    gives every other stage, so `yue-HK` and `cmn-Hans` are typeset as the Chinese they are."""
    return writing_system(language) != "other"


def is_cjk_character(character: str) -> bool:
    return any(low <= ord(character) <= high for low, high in CJK_RANGES)


def cjk_system_of(characters: str) -> WritingSystem:
    """Which regional face suits CJK text found in a booklet in another language: kana → JP,
    Hangul → KR, else Simplified Chinese (the project's first language)."""
    if any(0x3040 <= ord(c) <= 0x30FF for c in characters):
        return "ja"
    if any(0xAC00 <= ord(c) <= 0xD7FF or 0x1100 <= ord(c) <= 0x11FF for c in characters):
        return "ko"
    return "zh-Hans"


def join_names(names: tuple[str, ...] | list[str], language: str) -> str:
    """Authors as one line: `、` between names in Chinese and Japanese, `, ` in any other language
    (a comma, unlike "and", needs no translation)."""
    return ("、" if writing_system(language) in ("zh-Hans", "zh-Hant", "ja") else ", ").join(names)
