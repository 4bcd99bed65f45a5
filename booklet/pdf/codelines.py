"""Stage 3a, first step (print only): each line of a code block becomes a block of its own.

Takes the print document's body; splits the text of every `<pre>` at its line breaks into
`<span class="code-line">` blocks, Pygments' token spans cut at the break and opened again
on the next line. print.css then gives each line a hanging indent and marks the rows a long
line wraps onto (a printed book's continuation mark): WeasyPrint can only break a line, not
say where it did, so the mark is drawn per row of the line's own box.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import html as lxml_html

Piece = tuple[str, tuple[lxml_html.HtmlElement, ...]]  # some text, and the elements it sits in


def split_code_lines(body: lxml_html.HtmlElement) -> None:
    """Every `<pre>` (or its `<code>`) holds one `span.code-line` per line of its text."""
    for pre in list(body.iter("pre")):
        codes = [child for child in pre if child.tag == "code"]
        holder = codes[0] if len(codes) == 1 else pre
        lines: list[list[Piece]] = [[]]
        for text, chain in _pieces(holder, ()):
            for number, part in enumerate(text.split("\n")):
                if number:
                    lines.append([])
                if part:
                    lines[-1].append((part, chain))
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # the line break that ends the last line
        for child in list(holder):
            holder.remove(child)
        holder.text = None
        for line in lines:
            holder.append(_line(line))


def _pieces(element: lxml_html.HtmlElement, chain: tuple[lxml_html.HtmlElement, ...]) -> Iterator[Piece]:
    """The text inside `element` in reading order, each piece with the elements around it."""
    if element.text:
        yield element.text, chain
    for child in element:
        if isinstance(child.tag, str):
            yield from _pieces(child, (*chain, child))
        if child.tail:
            yield child.tail, chain


def _line(pieces: list[Piece]) -> lxml_html.HtmlElement:
    """One line: its pieces inside copies of their elements (a token spanning lines is copied)."""
    line = lxml_html.Element("span")
    line.set("class", "code-line")
    copies: dict[lxml_html.HtmlElement, lxml_html.HtmlElement] = {}
    for text, chain in pieces:
        parent = line
        for element in chain:
            if element not in copies:
                copies[element] = lxml_html.Element(element.tag, dict(element.attrib))
                parent.append(copies[element])
            parent = copies[element]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text
    return line
