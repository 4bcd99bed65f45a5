"""Stage 3a, part of `typeset`: where a Latin word, a name or an address may break in print.

Takes the text of one run (a word of prose in Chinese or Japanese text, a URL, a printed
address); returns the same text with break opportunities put in, which WeasyPrint's line
breaker takes and a reader's copy does not see:

- a word of prose in CJK text, set in a line of a few characters, would leave its line short
  by the width of the whole word (`HorizontalPodAutoscaler` is eleven ems): a name written
  in camel case may break between its words without a hyphen (Horizontal·Pod·Autoscaler, a
  zero-width space, as a programming book breaks an identifier), and a long word (or one of
  those words) at its English hyphenation points with a hyphen (a soft hyphen; `Ku-bernetes`,
  `Horizon-tal`). Hyphenation points are found word by word: pyphen on a whole camel-case
  name breaks it where no English word would (`Dae-mon-Set`). A word with digits, `_`, `/`
  or `.` in it is a name, never hyphenated: it breaks after its hyphens, slashes and a
  domain's dots (`ref-`, `/docs/`, `k8s.`), and after `_` between words of three letters or
  more (`request_·route`; `t_on_failure` stays whole);
- an address (a URL in the text, a printed link address) may break between any two of its
  characters, as LaTeX's xurl lets it, except inside its scheme (`https://`), before a mark
  that may not start a line, or after one that may not end one.
"""

from __future__ import annotations

import re

import pyphen

ZWSP = "\u200b"
SOFT_HYPHEN = "\u00ad"

# Between two letters, digits or marks of an address, unless kinsoku forbids it (`.`, `)`).
_ADDRESS_BREAK = re.compile(r"(?<=[!-~])(?=[!-~])(?<![(\[{])(?![)\]}.,:;!?%])")
_SCHEME = re.compile("h\u200bt\u200bt\u200bp(?:\u200bs)?\u200b?:\u200b?/\u200b?/")
# A run of Latin letters (with the hyphens of a compound), and the names among the other runs.
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f0-9_/.\-]*[A-Za-z\u00c0-\u024f0-9/]|[A-Za-z]")
_NAME = re.compile(r"[0-9_/.]")
# Inside a camel-case name, before a capital that starts a word: HPA·Configurable, Pod·Autoscaler.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[A-Z][a-z]{2})")
# After the slash of a path (`/zh-cn/docs/`: `-` allows a break already), the dot of a domain
# (`k8s.io`), not inside a number (`v1.33`), and after `_` between two words of three letters
# or more (`request_·route`; `t_on_failure` whole: `t_` / `on_failure` reads as two other words).
_SEPARATOR = re.compile(
    r"(?<=[^/]/)(?=[A-Za-z0-9])|(?<=[A-Za-z][.])(?=[A-Za-z])|(?<=[A-Za-z0-9]{3}_)(?=[A-Za-z0-9]{3})"
)
# TeX's English limits: two letters before a hyphen, three after; words under seven letters whole.
# A camel-case name breaks between its words only when long (`DaemonSet`, `GitHub` stay whole).
_HYPHENATION = pyphen.Pyphen(lang="en_US", left=2, right=3)
_SHORTEST = 7
_LONG_NAME = 12


def break_words(text: str) -> str:
    """`text` (CJK prose) with its Latin words' break opportunities (see the module docstring)."""
    return _WORD.sub(lambda match: _broken_word(match.group(0)), text)


def break_address(text: str) -> str:
    """`text` (an address) with a zero-width space between any two of its characters where a line may break."""
    broken = _ADDRESS_BREAK.sub(ZWSP, text)
    return _SCHEME.sub(lambda m: m.group(0).replace(ZWSP, ""), broken)


def _broken_word(word: str) -> str:
    if _NAME.search(word):
        return _SEPARATOR.sub(ZWSP, word)
    if _CAMEL.search(word):
        return ZWSP.join(map(_hyphenated, _CAMEL.split(word))) if len(word) >= _LONG_NAME else word
    return _hyphenated(word)


def _hyphenated(word: str) -> str:
    """Each piece of a compound (`cloud-controller-manager`) at its hyphenation points, when long."""
    return "-".join(
        _HYPHENATION.inserted(piece, hyphen=SOFT_HYPHEN) if len(piece) >= _SHORTEST else piece
        for piece in word.split("-")
    )
