"""The reading stage's Python-Markdown, kept linear in the length of a chapter.

Two places where Python-Markdown's time grows with the square of what it reads are replaced
here (`LinearExtension`), each doing the same work in one pass:
- its block parser takes each block off the front of a Python list (`blocks.pop(0)`,
  `blocks.insert(0, …)`), which moves every block after it: 80,000 paragraphs took 10 s in
  those two calls alone. `_Blocks` keeps the blocks back to front, so the front is the end.
- `smarty` ran a second inline pass over the whole tree once every block had its line-break
  tail; that pass looks each element up among its siblings (`list.index`): 40,000 list items
  or paragraphs took half a minute. `_Punctuation` makes smarty's three substitutions
  (`---` → —, `--` → –, `...` → …) in one walk. Text Python-Markdown keeps as written (code
  spans, indented code: `AtomicString`) is left alone, as smarty left it; raw HTML is still in
  the stash by then, and a backslash-escaped `\\-` is a placeholder, so `\\-\\-` stays two hyphens.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

# In smarty's order: the longer dash first. A run of four hyphens or dots is left as it is.
SUBSTITUTIONS = (
    (re.compile(r"(?<!-)---(?!-)"), "\u2014"),
    (re.compile(r"(?<!-)--(?!-)"), "\u2013"),
    (re.compile(r"(?<!\.)\.{3}(?!\.)"), "\u2026"),
)


class LinearExtension(Extension):
    """Blocks taken off the front in constant time; dashes and ellipses where smarty's step ran."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 -- Python-Markdown names it
        parser = md.parser

        def parse_chunk(parent: ET.Element, text: str) -> None:
            parser.parseBlocks(parent, _Blocks(text.split("\n\n")))  # type: ignore[arg-type]

        parser.parseChunk = parse_chunk  # type: ignore[method-assign]
        md.treeprocessors.register(_Punctuation(md), "booklet-punctuation", 6)  # after attr_list, abbr


class _Blocks:
    """The list of blocks a `BlockParser` works through, kept reversed: the block processors
    read, replace, take and put back the first block (`[0]`, `pop(0)`, `insert(0, …)`), each now
    at the end of the Python list. Any other position works too, as in a list."""

    def __init__(self, blocks: list[str]) -> None:
        self._reversed = blocks[::-1]

    def __len__(self) -> int:
        return len(self._reversed)

    def _at(self, index: int) -> int:
        size = len(self._reversed)
        if not -size <= index < size:
            raise IndexError("block index out of range")
        return size - 1 - (index % size)

    def __getitem__(self, index: int) -> str:
        return self._reversed[self._at(index)]

    def __setitem__(self, index: int, block: str) -> None:
        self._reversed[self._at(index)] = block

    def pop(self, index: int = -1) -> str:
        return self._reversed.pop(self._at(index))

    def insert(self, index: int, block: str) -> None:
        size = len(self._reversed)
        index = min(max(index + size if index < 0 else index, 0), size)
        self._reversed.insert(size - index, block)


class _Punctuation(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            element.text = _punctuated(element.text)
            element.tail = _punctuated(element.tail)


def _punctuated(text: str | None) -> str | None:
    if not text or isinstance(text, AtomicString) or ("--" not in text and "..." not in text):
        return text
    for pattern, character in SUBSTITUTIONS:
        text = pattern.sub(character, text)
    return text
