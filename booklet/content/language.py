"""The reading stage's language guess, for a source that names no `language`.

Takes the metadata and the Markdown of a booklet's chapters; `choose_language` keeps the
author's `language`/`lang`, else takes `--language`, else the guess, and says so in a note.
The guess (`detect_language`) returns a BCP 47 tag and the evidence in words:
Japanese when kana are among the CJK characters, Korean for Hangul, Simplified or Traditional
Chinese by the characters that differ between the two, else a Western language by its most
frequent small words (English when none stands out). Code, URLs and HTML comments (where
translated posts keep their original text) are left out of the count.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import langcodes

from booklet.content.sites import Site, bcp47
from booklet.content.sources import Draft
from booklet.content.text import parse_yaml_mapping, read_text
from booklet.errors import BookletError, Diagnostics
from booklet.model import Metadata

# Characters written differently in Simplified and Traditional Chinese (common ones only).
SIMPLIFIED = "这们说个来时为会对发过还进关开后义实点现见应经动学于与网页设计数据资体机术书样语认长东车问间题类乐称务员边总产处区万种线变带从亚"
TRADITIONAL = "這們說個來時為會對發過還進關開後義實點現見應經動學於與網頁設計數據資體機術書樣語認長東車問間題類樂稱務員邊總產處區萬種線變帶從亞"
# The distinct pairs only (a few characters are the same in both lists).
_PAIRS = [(s, t) for s, t in zip(SIMPLIFIED, TRADITIONAL, strict=True) if s != t]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
NOT_PROSE = re.compile(
    r"^(```|~~~).*?^\1|<!--.*?-->|`[^`\n]*`|\]\([^)]*\)|https?://\S+|\{\{.*?\}\}|\{%.*?%\}",
    re.DOTALL | re.MULTILINE,
)
STOPWORDS = {
    "en": {"the", "and", "of", "to", "is", "in", "that", "it", "for", "with", "this", "you"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "un", "du", "que", "pour", "dans"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "mit", "ein", "eine", "zu", "den", "auf"},
    "es": {"el", "los", "las", "y", "que", "es", "una", "por", "para", "con", "del", "se"},
    "pt": {"os", "as", "e", "que", "não", "uma", "para", "com", "do", "da", "em", "um"},
    "it": {"il", "che", "di", "non", "una", "per", "sono", "della", "con", "gli", "è", "nel"},
}
FRONT_MATTER = re.compile(
    r"^\ufeff?(---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*$", re.DOTALL | re.MULTILINE
)
LANGUAGE_KEY = re.compile(r"^[ \t]*[\"']?(lang|language)[\"']?[ \t]*[:=]", re.MULTILINE)
NAMES = {"ja": "Japanese", "ko": "Korean", "zh-CN": "Simplified Chinese", "zh-TW": "Traditional Chinese"}
NAMES |= {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
}


def detect_language(markdown: str) -> tuple[str, str]:
    """The tag of the language `markdown` is written in, and why (for the message)."""
    prose = NOT_PROSE.sub(" ", markdown)
    han, kana, hangul = (len(pattern.findall(prose)) for pattern in (HAN, KANA, HANGUL))
    latin = len(LATIN.findall(prose))
    cjk = han + kana + hangul
    if cjk == 0 or cjk * 4 < latin // 4:  # a CJK character carries about 4 Latin letters' worth
        return _western(prose, latin)
    if kana >= max(5, cjk // 20):
        return "ja", f"{kana} kana among {cjk} CJK characters"
    if hangul > han:
        return "ko", f"{hangul} Hangul syllables"
    simplified = sum(prose.count(s) for s, _ in _PAIRS)
    traditional = sum(prose.count(t) for _, t in _PAIRS)
    if traditional > simplified:
        return "zh-TW", f"{traditional} Traditional against {simplified} Simplified forms"
    return "zh-CN", f"{simplified} Simplified against {traditional} Traditional forms"


def _western(prose: str, letters: int) -> tuple[str, str]:
    words = Counter(word.casefold() for word in re.findall(r"[^\W\d_]+", prose))
    scores = {tag: sum(words[w] for w in stopwords) for tag, stopwords in STOPWORDS.items()}
    best = max(scores, key=lambda tag: scores[tag])
    if scores[best] == 0 or scores[best] < 1.5 * scores["en"]:
        best = "en"
    return best, f"{letters} Latin letters, {scores[best]} common {NAMES[best]} words"


def language_name(tag: str) -> str:
    return NAMES.get(tag, tag)


def choose_language(
    metadata: Metadata,
    drafts: list[Draft],
    given: str | None,
    diagnostics: Diagnostics,
    site: Site | None = None,
) -> Metadata:
    """The author's `language`/`lang`, else `--language`, else the language of the site the post
    lies in (`lang`, `languageCode`, `defaultContentLanguage`), else the language of the text;
    the last two with a note that says how to choose."""
    if _declares_language(metadata.source):
        return metadata
    if given:
        if not langcodes.tag_is_valid(given):
            raise BookletError(
                None, None, f"--language `{given}` is not a BCP 47 language tag (for example en, ja, zh-CN)"
            )
        return replace(metadata, language=given)
    key = "lang" if metadata.source.suffix in (".md", ".markdown") else "language"
    if site is not None and site.language:
        tag = bcp47(site.language)
        diagnostics.note(
            metadata.source,
            f"no `{key}` given: the site's {site.config.name} says `{site.language}`, so the booklet is in `{tag}`;"
            f" to choose, add `{key}: {tag}` (or another tag) to the front matter, or build with --language",
        )
        return replace(metadata, language=tag)
    tag, evidence = detect_language("\n".join(draft.body for draft in drafts))
    diagnostics.note(
        metadata.source,
        f"no `language` given: the text reads as {language_name(tag)} ({evidence}), so the booklet is in `{tag}`;"
        f" to choose, add `{key}: {tag}` (or another tag) to the front matter, or build with --language",
    )
    return replace(metadata, language=tag)


def _declares_language(path: Path) -> bool:
    """Whether the author named the language: `language:` in booklet.yml, `lang`/`language` in a post."""
    if path.suffix not in (".md", ".markdown", ".yml", ".yaml"):
        return True  # another kind of settings file: its reader decided
    text = read_text(path)
    if path.suffix in (".yml", ".yaml"):
        return "language" in parse_yaml_mapping(text, path).values
    front = FRONT_MATTER.match(text)  # YAML (`---`) or TOML (`+++`) front matter
    return bool(front and LANGUAGE_KEY.search(front.group(2)))
