"""Stage 1 (reading): Jekyll's Liquid in a post, rendered into Markdown before Markdown is read.

Takes a post's body, the site's settings and the addresses of its posts; returns Markdown in
which the tags that mean something in a booklet are done — `{% highlight %}` (a fenced block),
`{% raw %}`, `{% comment %}`, `{% post_url %}`, `{% link %}`, `{{ site.url }}`,
`{{ site.baseurl }}`, `relative_url`, `absolute_url` — and every other tag is left out with its
markers, its content kept, and noted as unsupported (the caller warns once per kind).
Line breaks are kept where a tag stood, so that later messages still name the author's lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from booklet.content.frontmatter import FrontMatter
from booklet.content.kumascript import render_macro
from booklet.content.sites import Site
from booklet.errors import BookletError, BookletErrors

TOKEN = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}|\{\{-?(.*?)-?\}\}", re.DOTALL)
RAW = re.compile(r"\{%-?\s*raw\s*-?%\}")
END_RAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
END_COMMENT = re.compile(r"\{%-?\s*endcomment\s*-?%\}")
END_HIGHLIGHT = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
FILTER = re.compile(r"^\s*(\w+)\s*(?::\s*(.*))?$", re.DOTALL)
LITERAL = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)')\s*$""")


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A tag or shortcode booklet does not render: its kind (one warning each), where, and what was done."""

    kind: str  # "{% include %}", "{{< imgproc >}}"
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    unsupported: tuple[Unsupported, ...]


def render_liquid(front: FrontMatter, site: Site, addresses: Mapping[str, str]) -> Rendered:
    """Render a Jekyll post's Liquid; `addresses` maps post_url names and `link` paths to site addresses."""
    return gathered(
        lambda notes, errors: _render(front.body, front.body_line, front, site, addresses, notes, errors)
    )


def gathered(render: Callable[[list[Unsupported], list[BookletError]], str]) -> Rendered:
    """Run `render`, gathering what it leaves out as unsupported and every error it finds (raised together)."""
    notes: list[Unsupported] = []
    errors: list[BookletError] = []
    text = render(notes, errors)
    if errors:
        raise BookletErrors(errors)
    return Rendered(text, tuple(notes))


def replace_tags(
    text: str, first_line: int, tag: re.Pattern[str], replace: Callable[[re.Match[str], int], tuple[str, int]]
) -> str:
    """Each match of `tag` in `text`, in turn, becomes what `replace` makes of it — given the match
    and its line in the file; it returns the replacement and where reading goes on."""
    out: list[str] = []
    position = 0
    while (match := tag.search(text, position)) is not None:
        out.append(text[position : match.start()])
        piece, position = replace(match, first_line + text.count("\n", 0, match.start()))
        out.append(piece)
    out.append(text[position:])
    return "".join(out)


def _render(
    text: str,
    first_line: int,
    front: FrontMatter,
    site: Site,
    addresses: Mapping[str, str],
    notes: list[Unsupported],
    errors: list[BookletError],
) -> str:
    def replace(match: re.Match[str], line: int) -> tuple[str, int]:
        try:
            return _token(match, text, line, front, site, addresses, notes, errors)
        except BookletError as error:
            errors.append(error)
            return kept_lines(match.group(0), ""), match.end()

    return replace_tags(text, first_line, TOKEN, replace)


def fence(code: str) -> str:
    """A fence longer than any run of backticks in the code, so the code cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def kept_lines(replaced: str, replacement: str) -> str:
    """Pad a replacement with the line breaks of what it replaced: later messages keep their lines."""
    return replacement + "\n" * max(0, replaced.count("\n") - replacement.count("\n"))


def _token(
    match: re.Match[str],
    text: str,
    line: int,
    front: FrontMatter,
    site: Site,
    addresses: Mapping[str, str],
    notes: list[Unsupported],
    errors: list[BookletError],
) -> tuple[str, int]:
    """One tag or output: what replaces it, and where reading goes on."""
    if match.group(1) is None:
        return _output(match.group(3), front, site, line, notes), match.end()
    name, argument = match.group(1), match.group(2).strip()
    if name == "raw":
        end = _closing(END_RAW, text, match, front, line, "raw")
        return text[match.end() : end.start()], end.end()
    if name == "comment":
        end = _closing(END_COMMENT, text, match, front, line, "comment")
        return kept_lines(text[match.start() : end.end()], ""), end.end()
    if name == "highlight":
        end = _closing(END_HIGHLIGHT, text, match, front, line, "highlight")
        code = _render(text[match.end() : end.start()], line, front, site, addresses, notes, errors)
        return _fenced(text, match, argument, code), end.end()
    if name in ("post_url", "link"):
        return _address(name, argument, front, site, addresses, line), match.end()
    if not name.startswith("end"):
        message = f"Liquid tag `{{% {name} %}}` is not rendered outside Jekyll: its markers are left out"
        notes.append(Unsupported(f"{{% {name} %}}", line, message))
    return kept_lines(match.group(0), ""), match.end()


def _closing(
    end: re.Pattern[str], text: str, match: re.Match[str], front: FrontMatter, line: int, name: str
) -> re.Match[str]:
    """The tag that closes a block; inside `highlight`, a closing tag within `{% raw %}` does not count."""
    position = match.end()
    while (found := end.search(text, position)) is not None:
        raw = RAW.search(text, position, found.start()) if name == "highlight" else None
        if raw is None:
            return found
        after = END_RAW.search(text, raw.end())
        if after is None:
            break
        position = after.end()
    raise BookletError(
        front.path, line, f"`{{% {name} %}}` is never closed: add `{{% end{name} %}}` after its text"
    )


def _fenced(text: str, match: re.Match[str], argument: str, code: str) -> str:
    """`{% highlight ruby linenos %}…{% endhighlight %}` as a fenced block, where the tag stood."""
    before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
    marks = fence(code)
    opening = ("\n" if before.strip() else "") + marks + (argument.split()[0] if argument else "")
    last = code[code.rfind("\n") + 1 :]
    closing = marks if "\n" in code and not last.strip() else "\n" + marks
    return opening + code + closing


def _address(
    name: str, argument: str, front: FrontMatter, site: Site, addresses: Mapping[str, str], line: int
) -> str:
    key = argument.strip().strip("'\"").lstrip("/")
    if name == "post_url":
        key = key.rsplit("/", 1)[-1]
    found = addresses.get(key)
    if found is None:
        what = "post" if name == "post_url" else "file"
        where = "_posts/" if name == "post_url" else f"the site ({site.root})"
        raise BookletError(
            front.path,
            line,
            f"`{{% {name} {argument.strip()} %}}`: no {what} of that name in {where}: check the name",
        )
    return found


def _output(expression: str, front: FrontMatter, site: Site, line: int, notes: list[Unsupported]) -> str:
    """`{{ value | filter: argument | … }}`: site and page values, quoted text, URL filters;
    an MDN macro (`{{HTMLElement("dt")}}`) as content/kumascript.py shows it."""
    macro = render_macro(expression)
    if macro is not None:
        notes.append(Unsupported(macro.kind, line, macro.message))
        return macro.markdown
    head, *filters = _split_filters(expression)
    value = _value(head.strip(), front, site)
    if value is None:
        root = head.strip().split(".")[0] or head.strip()
        notes.append(
            Unsupported(
                f"{{{{ {root} }}}}",
                line,
                f"Liquid value `{{{{ {head.strip()} }}}}` has no value outside Jekyll: it is left out",
            )
        )
        return ""
    for item in filters:
        value = _filter(value, item, site, line, notes)
    return value


def _split_filters(expression: str) -> list[str]:
    """Split at `|` outside quotes."""
    return list(re.split(r"""\|(?=(?:[^"']*["'][^"']*["'])*[^"']*$)""", expression))


def _value(head: str, front: FrontMatter, site: Site) -> str | None:
    literal = LITERAL.match(head)
    if literal:
        return literal.group(1) if literal.group(1) is not None else literal.group(2)
    scope, _, key = head.partition(".")
    if scope == "site":
        return {"url": site.url, "baseurl": site.baseurl}.get(key, site.variables.get(key))
    if scope == "page" and key:
        return front.text(key)
    return None


def _filter(value: str, item: str, site: Site, line: int, notes: list[Unsupported]) -> str:
    match = FILTER.match(item)
    name = match.group(1) if match else item.strip()
    argument = LITERAL.match(match.group(2) or "") if match else None
    text = (argument.group(1) if argument.group(1) is not None else argument.group(2)) if argument else ""
    if name == "relative_url":
        return value if re.match(r"^[a-z]+:|^//", value) else site.baseurl + "/" + value.lstrip("/")
    if name == "absolute_url":
        return (
            value if re.match(r"^[a-z]+:|^//", value) else site.url + site.baseurl + "/" + value.lstrip("/")
        )
    if name in ("prepend", "append"):
        return text + value if name == "prepend" else value + text
    notes.append(
        Unsupported(
            f"| {name}",
            line,
            f"Liquid filter `{name}` is not applied outside Jekyll: the value is shown as it is",
        )
    )
    return value
