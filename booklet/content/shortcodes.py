"""Stage 1 (reading): Hugo's shortcodes in a post, rendered into Markdown before Markdown is read.

Takes a post's body and the addresses of the site's pages; returns Markdown in which the
shortcodes that mean something in a booklet are done — `highlight` (a fenced block), `figure`
(an image with its caption), `ref`/`relref` (the page's address, which becomes a chapter link
when that page is chosen), `param`, and `youtube`/`vimeo`/`gist`/`x`/`tweet`/`instagram` as a
link with its caption — and every other shortcode is left out with its markers, its content and
title kept, and noted as unsupported (the caller warns once per kind).
Line breaks are kept where a shortcode stood, so later messages still name the author's lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from booklet.content.frontmatter import FrontMatter
from booklet.content.liquid import Rendered, Unsupported, fence, gathered, kept_lines, replace_tags
from booklet.errors import BookletError

SHORTCODE = re.compile(r"\{\{([<%])(/\*)?\s*(/)?\s*([\w./-]+)(.*?)(\*/)?\s*(/)?\s*([>%])\}\}", re.DOTALL)
ARGUMENT = re.compile(r"""(?:([\w-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)""")
EMBEDS = {
    "youtube": ("https://www.youtube.com/watch?v={0}", "YouTube video {0}"),
    "vimeo": ("https://vimeo.com/{0}", "Vimeo video {0}"),
    "instagram": ("https://www.instagram.com/p/{0}/", "Instagram post {0}"),
}


def render_shortcodes(front: FrontMatter, addresses: Mapping[str, str]) -> Rendered:
    """Render a Hugo post's shortcodes; `addresses` maps page paths (as `ref` names them) to site addresses."""
    return gathered(
        lambda notes, errors: _render(front.body, front.body_line, front, addresses, notes, errors)
    )


def _render(
    text: str,
    first_line: int,
    front: FrontMatter,
    addresses: Mapping[str, str],
    notes: list[Unsupported],
    errors: list[BookletError],
) -> str:
    def replace(match: re.Match[str], line: int) -> tuple[str, int]:
        position = match.end()
        if match.group(2):  # `{{</* figure */>}}`: the shortcode written out, as the author means it
            return "{{" + match.group(1) + " " + match.group(0)[5:-5].strip() + " " + match.group(
                8
            ) + "}}", position
        name, arguments = match.group(4), _arguments(match.group(5))
        closing = None if match.group(3) or match.group(7) else _closing(text, match, name)
        inner = ""
        if closing is not None:
            inner = _render(text[match.end() : closing.start()], line, front, addresses, notes, errors)
            position = closing.end()
        try:
            piece = _shortcode(
                name, arguments, inner, closing is not None, text, match, front, addresses, line, notes
            )
        except BookletError as error:
            errors.append(error)
            piece = ""
        return (kept_lines(text[match.start() : position], piece) if closing is None else piece), position

    return replace_tags(text, first_line, SHORTCODE, replace)


def _closing(text: str, match: re.Match[str], name: str) -> re.Match[str] | None:
    """A shortcode is paired when its closing tag follows (the same name, not nested again first)."""
    pattern = re.compile(r"\{\{[<%]\s*(/)?\s*" + re.escape(name) + r"\b[^}]*?[>%]\}\}")
    depth = 0
    for found in pattern.finditer(text, match.end()):
        if found.group(1):
            if depth == 0:
                return found
            depth -= 1
        elif not found.group(0).rstrip("}>% ").endswith("/"):
            depth += 1
    return None


def _arguments(text: str) -> tuple[tuple[str | None, str], ...]:
    """Positional and named arguments, quotes removed: `src="a b.png" 600` → ((src, a b.png), (None, 600))."""
    found = []
    for key, value in ARGUMENT.findall(text):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        elif value.startswith("`"):
            value = value[1:-1]
        found.append((key or None, value))
    return tuple(found)


def _named(arguments: tuple[tuple[str | None, str], ...], *keys: str, position: int | None = None) -> str:
    for key in keys:
        for name, value in arguments:
            if name == key:
                return value
    positional = [value for name, value in arguments if name is None]
    if position is None or not -len(positional) <= position < len(positional):
        return ""
    return positional[position]


def _shortcode(
    name: str,
    arguments: tuple[tuple[str | None, str], ...],
    inner: str,
    paired: bool,
    text: str,
    match: re.Match[str],
    front: FrontMatter,
    addresses: Mapping[str, str],
    line: int,
    notes: list[Unsupported],
) -> str:
    if name == "highlight":
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        marks = fence(inner)
        last = inner[inner.rfind("\n") + 1 :]
        closing = marks if "\n" in inner and not last.strip() else "\n" + marks
        return (
            ("\n" if before.strip() else "") + marks + _named(arguments, "lang", position=0) + inner + closing
        )
    if name == "figure":
        return _figure(arguments)
    if name in ("ref", "relref"):
        return _reference(name, _named(arguments, "path", position=0), front, addresses, line)
    if name == "param":
        return front.text(_named(arguments, "name", position=0)) or ""
    if name in EMBEDS or name in ("gist", "x", "tweet", "twitter"):
        return _embed(name, arguments) + inner
    positional = [value for key, value in arguments if key is None]
    title = (_named(arguments, "title") or (positional[0] if len(positional) == 1 else "")) if paired else ""
    notes.append(
        Unsupported(
            f"{{{{< {name} >}}}}",
            line,
            f"shortcode `{name}` is one this site defines: "
            + ("its markers are left out, its text kept" if paired else "it is left out"),
        )
    )
    return (f"**{_escape(title)}**" if title else "") + inner


def _figure(arguments: tuple[tuple[str | None, str], ...]) -> str:
    """`{{< figure src="x.png" caption="…" >}}` → `![alt](x.png "caption")`, linked when it has a link."""
    source = _named(arguments, "src", position=0)
    caption = _named(arguments, "caption", "title")
    alt = _named(arguments, "alt") or re.sub(r"<[^>]+>", "", caption)
    title = ""
    if caption:
        quote = '"' if '"' not in caption else "'"
        title = f" {quote}{caption if quote not in caption else caption.replace(quote, '”')}{quote}"
    image = f"![{_escape(alt)}]({source.replace(' ', '%20')}{title})"
    link = _named(arguments, "link")
    return f"[{image}]({link})" if link else image


def _reference(name: str, target: str, front: FrontMatter, addresses: Mapping[str, str], line: int) -> str:
    path, _, anchor = target.partition("#")
    found = addresses.get(path.strip().lstrip("/")) or addresses.get(_beside(front, path))
    if found is None:
        raise BookletError(
            front.path,
            line,
            f'`{{{{< {name} "{target}" >}}}}`: no page of that name in the site: write its path under content/, such as "posts/x.md"',
        )
    return found + (f"#{anchor}" if anchor else "")


def _beside(front: FrontMatter, path: str) -> str:
    """A `ref` relative to the page itself, as a key of `addresses` (a path under content/)."""
    return f"@{front.path.parent.as_posix()}/{path.strip()}"


def _embed(name: str, arguments: tuple[tuple[str | None, str], ...]) -> str:
    """A video, gist or post embedded on the web page is, in a booklet, a link with its caption."""
    if name in EMBEDS:
        identifier = _named(arguments, "id", position=0)
        address, caption = EMBEDS[name]
        url, label = address.format(identifier), caption.format(identifier)
    elif name == "gist":
        user, identifier = _named(arguments, "user", position=0), _named(arguments, "id", position=1)
        url, label = f"https://gist.github.com/{user}/{identifier}", f"Gist {user}/{identifier}"
    else:
        user, identifier = _named(arguments, "user", position=0), _named(arguments, "id", position=1)
        url, label = f"https://x.com/{user}/status/{identifier}", f"Post by @{user} on X"
    return f"[{_escape(_named(arguments, 'title') or label)}]({url})"


def _escape(text: str) -> str:
    return re.sub(r"([\[\]\\*_`])", r"\\\1", text)
