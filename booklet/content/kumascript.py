"""Stage 1 (reading): MDN's KumaScript macros (`{{HTMLElement("dt")}}`, `{{cssxref("width")}}`).

MDN writes its pages in GFM plus macros in double braces, which its own build expands into links
and page furniture. Takes the text between the braces; returns the Markdown (inline HTML) that keeps
the macro readable in a booklet, and the kind for one warning per kind (`render_macro`), or None when
the text is no macro (a Liquid value such as `{{ page.title }}` is left to the Liquid step):
- a reference to an element, property, interface… shows its name as inline code, as MDN shows it
  (`{{HTMLElement("dt")}}` → `<dt>`, `{{cssxref("margin")}}` → `margin`; a second argument,
  when given, is the text MDN shows instead);
- a glossary term shows as text;
- page furniture (live samples, sidebars, compatibility tables, banners) means nothing on paper
  and is left out;
- any other macro shows its first argument as inline code.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CALL = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*\((.*)\)\s*$", re.DOTALL)
BARE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*$")
ARGUMENT = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^,]*?))\s*(?:,|$)""", re.DOTALL)
# Macros whose argument names an element (shown in angle brackets, as MDN shows it).
ELEMENTS = {"htmlelement", "svgelement", "mathmlelement"}
GLOSSARY = {"glossary"}
# Page furniture: MDN's live samples, sidebars, tables and banners. Names are compared in lower case.
FURNITURE = re.compile(
    r"^(embedlivesample|embedghlivesample|interactiveexample|embedinteractiveexample|compat|specifications"
    r"|.*sidebar|(?:css|api|js|html|svg|http|webext|addon|glossary)ref|.*_header|.*_inline|seecompattable|previous|next|previousnext|previousmenunext"
    r"|availableinworkers|securecontext_.*|listsubpages.*|quicklinkswithsubpages|embedyoutube)$"
)


@dataclass(frozen=True, slots=True)
class Macro:
    """What replaces one macro, its kind (`{{HTMLElement}}`) and what the warning says was done."""

    markdown: str
    kind: str
    message: str


def render_macro(expression: str) -> Macro | None:
    """The Markdown for `{{expression}}` when it is an MDN macro; None when it is not one."""
    call = CALL.match(expression)
    found = call or BARE.match(expression)
    if found is None or (call is None and not any(c.isupper() for c in found.group(1))):
        return None  # neither a call nor a bare name with a capital (Liquid's values are lower case)
    name = found.group(1)
    arguments = _arguments(call.group(2)) if call else []
    kind = f"{{{{{name}}}}}"
    lower = name.lower()
    if FURNITURE.match(lower) or not any(arguments):
        return Macro("", kind, f"MDN macro `{kind}` is MDN's page furniture: it is left out")
    own_text = len(arguments) > 1 and bool(arguments[1])
    shown = arguments[1] if own_text else arguments[0]
    if lower in GLOSSARY:
        return Macro(html.escape(shown, quote=False), kind, _kept(kind, "as text"))
    if lower in ELEMENTS and not own_text:
        shown = f"<{shown}>"
    return Macro(_code(shown), kind, _kept(kind, "as code"))


def _kept(kind: str, how: str) -> str:
    return f"MDN macro `{kind}` is not expanded outside MDN: its name is shown {how}"


def _arguments(text: str) -> list[str]:
    """`"dt", 'x', 3` → ["dt", "x", "3"] (quoted or bare, separated by commas)."""
    found: list[str] = []
    position = 0
    while position < len(text):
        match = ARGUMENT.match(text, position)
        if match is None or match.end() == position:
            break
        found.append(next((g for g in match.groups() if g is not None), "").strip())
        position = match.end()
    return found


def _code(text: str) -> str:
    """Inline code holding `text`: as HTML, which reads the same in a paragraph and inside the raw
    HTML tables MDN writes (where Markdown's backticks would stay backticks)."""
    return f"<code>{html.escape(text, quote=False)}</code>"
