"""Stage 3a, under `layout`: fixes to WeasyPrint 70.0 and pydyf 0.13.0 for long documents.

Carried here until upstream has them; applied only to exactly these versions (checked when
`carry_fixes` runs; any other version, or a source that is not the one each edit expects,
is left untouched). Each fix is a small edit of one upstream function, made on its own
source text when booklet lays out (nothing of WeasyPrint's is copied into booklet), or a
cached property. None changes a byte of the PDF (tests/test_upstream.py builds with and
without them and compares). `drop_fixes` puts the originals back.

The report below is written to be sent upstream as it is.

----

WeasyPrint issue #578, "Performance issue on long documents": seven spots that grow with
the square of the document, found on a Chinese booklet of 1,000 chapters (~4,000 characters
and two footnotes each; 2,000 footnotes, ~7,000 A5 pages, ~100,000 anchors), each removed
with byte-identical output (WeasyPrint 70.0, pydyf 0.13.0, Python 3.11).

1. pydyf: `PDF.page_references` is a property that builds a new tuple of every page's
   reference on each access, and `pdf/tags.py` reads it once per structure element (and
   `pdf/anchors.py` once per link): pages × elements. Fix: keep the tuple while the list of
   pages (`Kids`) is the same object with the same length.
2. `layout/block.py`, `_linebox_layout`: `descendant.footnote in context.footnotes` runs for
   every box of every line, and for a box that calls no footnote (`footnote` is None) it
   scans the whole list of pending footnotes (every footnote of the book not yet placed):
   boxes × footnotes. Fix: test `is not None` first.
3. `layout/page.py`, `make_page`: for each page, the lists of anchors and counter lookups of
   every earlier page are concatenated, and each anchored box is searched for in them:
   anchors × anchors, on every page. Fix: an index from each anchor (lookup) to the pages that
   recorded it, checked against those pages' current lists, so the answer is the same.
4. `layout/page.py`, `set_page_type_computed_styles`: each page scans every cascaded style
   of every earlier page type (page types differ by their index, so there is one per page)
   to find its own margin boxes: pages × pages. Fix: remember which pseudo-elements
   `add_page_declarations` added for each page type, in the order it added them.
5. `css/targets.py`, `TargetCollector.cache_target_page_counters`: when an anchor's page
   counters change (on each page it lands on), every counter lookup of the document is
   scanned for the few that target that anchor: anchors × lookups. Fix: an index from
   anchor to the lookups (in document order) that target it, made once collecting is over.
6. `layout/__init__.py`, `layout_document`, after pagination: each box with page-based
   counters scans every counter lookup for its own (boxes × lookups), and each bookmark is
   searched for in lists of all earlier bookmarks. Fix: an index from box to its lookups,
   and sets for the bookmarks seen.
7. `layout/__init__.py`, `layout_document`, margin boxes: each page looks through every
   other page for fixed boxes (`pages[:i]`, `pages[i + 1:]`): pages × pages. Fix: list the
   pages that have fixed boxes once.

And one cost on every document, however short, found on a booklet of 14 chapters:

8. `pdf/fonts.py`, `Font.__init__` copies the whole font file (the HarfBuzz face's blob)
   into Python bytes for every font the document draws: for Noto Serif CJK, a 26 MB
   collection, for each size and weight it is drawn in. A font that is subset (every font
   but one used in a form) never reads that copy: `subset` works on the HarfBuzz face and
   replaces `file_content` with the subset. Fix: `file_content` read from the face when first
   used. On a booklet of 14 chapters drawn in six fonts: 0.3 CPU s of 3.4 and 150 MB of
   the peak memory.
9. `text/ffi.py`, `_dlopen`, on import: each library is tried under the names every
   platform gives it, the Linux one (`libpango-1.0.so.0`) after three others. cffi hands
   each name it cannot open to `ctypes.util.find_library`, which on Linux runs `ldconfig -p`,
   then gcc and ld: 215 processes and 0.2–0.3 CPU s on every `import weasyprint` here, only
   to load the libraries the Linux names load. Fix (booklet's side, `library_names`): while
   WeasyPrint imports, on Linux, `find_library` finds nothing, so the soname is what loads.

And two costs on every line of justified text (#578 asks, in its comments, why each text
snippet gets its own Pango layout), found on a booklet of 100 chapters whose lines of Chinese
text hold an elastic space between every two characters (~600 text boxes a page):

10. `layout/inline.py`, `add_word_spacing`: for each text box of a justified line that holds
    a space, a Pango layout is made (a context, a font description, the text, one
    letter-spacing attribute per space) and at once deactivated, which drops all of it: what
    is kept is the text as `set_text` stored it and the justification spacing, and `draw_text`
    makes the layout again (`reactivate`). Fix: make the deactivated layout without Pango
    (a decorated text, whose line metrics the layout keeps, still goes through Pango).
11. `text/line_break.py`, `Layout.setup`: a new font description (seven Pango calls and the
    family string) for every layout, made, measured or drawn; Pango copies it into the layout.
    Fix: one description per distinct (family, style, stretch, weight, size, caps, variations).

Measured (CPU seconds of a whole booklet build, PDF and EPUB and web page, all seven fixes
against none, in one run; figures in bench/results.md): see `MEASURED` below.
"""

from __future__ import annotations

import ctypes.util
import inspect
import itertools
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any

PINNED = {"weasyprint": "70.0", "pydyf": "0.13.0"}
MEASURED = "see bench/results.md, 'Carried WeasyPrint fixes'"

__all__ = ["carry_fixes", "drop_fixes", "library_names"]


@dataclass(frozen=True, slots=True)
class _Edit:
    """One upstream function (`module`, `name`: `Class.method` for a method) and its edits."""

    issue: str
    module: str
    name: str
    replacements: tuple[tuple[str, str], ...]  # (text found exactly once, its replacement)


_EDITS = (
    _Edit(
        "#578 (2: footnotes pending)",
        "weasyprint.layout.block",
        "_linebox_layout",
        (
            (
                "if descendant.footnote in context.footnotes)",
                "if descendant.footnote is not None and descendant.footnote in context.footnotes)",
            ),
        ),
    ),
    _Edit(
        "#578 (3: anchors of earlier pages)",
        "weasyprint.layout.page",
        "make_page",
        (
            (
                (
                    "    cached_anchors = []\n    cached_lookups = []\n"
                    "    for (_, _, _, _, x_remake_state) in page_maker[:page_number - 1]:\n"
                    "        cached_anchors.extend(x_remake_state.get('anchors', []))\n"
                    "        cached_lookups.extend(x_remake_state.get('content_lookups', []))\n"
                ),
                (
                    "    cached_anchors, cached_lookups = _booklet_first_occurrences(\n"
                    "        context, page_maker, page_number)\n"
                ),
            ),
        ),
    ),
    _Edit(
        "#578 (4: cascaded styles of every page)",
        "weasyprint.layout.page",
        "set_page_type_computed_styles",
        (
            (
                "    style_for.add_page_declarations(page_type)\n",
                "    _booklet_add_page_declarations(style_for, page_type)\n",
            ),
            (
                (
                    "    for element, pseudo_type in style_for.get_cascaded_styles():\n"
                    "        if pseudo_type and element == page_type:\n"
                ),
                (
                    "    for element, pseudo_type in _booklet_page_pseudo_types(style_for, page_type):\n"
                    "        if pseudo_type and element == page_type:\n"
                ),
            ),
        ),
    ),
    _Edit(
        "#578 (5: target-counter lookups)",
        "weasyprint.css.targets",
        "TargetCollector.cache_target_page_counters",
        (
            (
                "for (_, css_token), item in self.counter_lookup_items.items():",
                "for (_, css_token), item in _booklet_lookups_targeting(self, anchor_name):",
            ),
        ),
    ),
    _Edit(
        "8: a copy of the font file per font",
        "weasyprint.pdf.fonts",
        "Font.__init__",
        (("    self.file_content = get_hb_object_data(self.hb_face)\n", ""),),
    ),
    _Edit(
        "#578 (10: a Pango layout made and thrown away for each justified text box)",
        "weasyprint.layout.inline",
        "add_word_spacing",
        (
            (
                (
                    "            layout = create_layout(\n"
                    "                box.text, box.style, context, max_width=None,\n"
                    "                justification_spacing=box.justification_spacing)\n"
                    "            layout.deactivate()\n"
                ),
                (
                    "            layout = _booklet_deactivated_layout(\n"
                    "                box.text, box.style, context, box.justification_spacing)\n"
                ),
            ),
        ),
    ),
    _Edit(
        "#578 (11: a Pango font description made for each layout)",
        "weasyprint.text.line_break",
        "Layout.setup",
        (
            (
                "    font_description = get_font_description(style)\n",
                "    font_description = _booklet_font_description(style)\n",
            ),
        ),
    ),
    _Edit(
        "#578 (6, 7: lookups per box, bookmarks, fixed boxes)",
        "weasyprint.layout",
        "layout_document",
        (
            (
                "    watch_elements = []\n    watch_elements_before = []\n    watch_elements_after = []\n",
                "    watch_elements = set()\n    watch_elements_before = set()\n    watch_elements_after = set()\n",
            ),
            (
                "                    checklist.append(child.element)\n",
                "                    checklist.add(child.element)\n",
            ),
            (
                (
                    "                for (box, css_token), item in (\n"
                    "                        context.target_collector.counter_lookup_items.items()):\n"
                ),
                (
                    "                for (box, css_token), item in (\n"
                    "                        _booklet_lookups_of(context.target_collector, child.missing_link)):\n"
                ),
            ),
            (
                "    # Add margin boxes\n    for i, page in enumerate(pages):\n",
                (
                    "    # Add margin boxes\n    _booklet_fixed = [(j, page) for j, page in enumerate(pages) if page.fixed_boxes]\n"
                    "    for i, page in enumerate(pages):\n"
                ),
            ),
            (
                "layout_fixed_boxes(context, pages[:i], page)",
                "layout_fixed_boxes(context, [page for j, page in _booklet_fixed if j < i], page)",
            ),
            (
                "layout_fixed_boxes(context, pages[i + 1:], page)",
                "layout_fixed_boxes(context, [page for j, page in _booklet_fixed if j > i], page)",
            ),
        ),
    ),
)

# What `carry_fixes` replaced: (owner, attribute, original), to put back; and the helper names.
_applied: list[tuple[Any, str, Any]] = []


def carry_fixes() -> bool:
    """Apply every fix if WeasyPrint and pydyf are the pinned versions; True when they are in place."""
    if _applied:
        return True
    import pydyf
    import weasyprint

    if (weasyprint.__version__, pydyf.__version__) != (PINNED["weasyprint"], PINNED["pydyf"]):
        return False
    try:
        made = [(edit, _edited(edit)) for edit in _EDITS]
    except (OSError, TypeError, ValueError, SyntaxError):  # a source not as expected: change nothing
        return False
    for module_name, helpers in _HELPERS.items():
        for name, helper in helpers.items():
            _replace(sys.modules[module_name], name, helper)
    for edit, function in made:
        _install(edit, function)
    _replace(pydyf.PDF, "page_references", property(_page_references))
    from weasyprint.pdf.fonts import Font

    _replace(Font, "file_content", property(_file_content, _set_file_content))
    return True


def drop_fixes() -> None:
    """Put WeasyPrint's and pydyf's own code back (the tests compare the PDF without the fixes)."""
    while _applied:
        owner, attribute, original = _applied.pop()
        if original is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)


_MISSING = object()


@contextmanager
def library_names() -> Iterator[None]:
    """While WeasyPrint imports on Linux, its libraries are loaded by their sonames alone (fix 9).

    Each of WeasyPrint's lists of names holds the Linux soname, which `dlopen` finds by the
    same search as the system's loader; the names before it are other platforms', and each
    would cost `find_library` an ldconfig, a gcc and an ld run to learn nothing new.
    """
    if not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = _find_nothing
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _find_nothing(name: str) -> None:
    return None


def _replace(owner: Any, attribute: str, value: Any) -> None:
    _applied.append((owner, attribute, owner.__dict__.get(attribute, _MISSING)))
    setattr(owner, attribute, value)


def _target(edit: _Edit) -> tuple[ModuleType, Any, str]:
    """The module, the object holding the function (module or class) and the function's name."""
    module = sys.modules.get(edit.module) or __import__(edit.module, fromlist=["_"])
    owner_name, _, name = edit.name.rpartition(".")
    return module, getattr(module, owner_name) if owner_name else module, name


def _edited(edit: _Edit) -> FunctionType:
    """The upstream function compiled again from its own source with `edit` made."""
    module, owner, name = _target(edit)
    original = owner.__dict__[name]
    lines, first_line = inspect.getsourcelines(original)
    source = textwrap.dedent("".join(lines))
    for old, new in edit.replacements:
        if source.count(old) != 1:
            raise ValueError(f"{edit.module}.{edit.name}: expected once: {old!r}")
        source = source.replace(old, new)
    code = compile("\n" * (first_line - 1) + source, inspect.getfile(original), "exec")
    namespace: dict[str, Any] = {}
    exec(code, module.__dict__, namespace)  # noqa: S102 - upstream's own source, edited as above
    function: FunctionType = namespace[name]
    function.__qualname__ = original.__qualname__
    function.__doc__ = original.__doc__
    return function


def _install(edit: _Edit, function: FunctionType) -> None:
    """Put `function` in place of the original, also where another module imported it by name."""
    _module, owner, name = _target(edit)
    original = owner.__dict__[name]
    _replace(owner, name, function)
    if owner is _module:
        for other in [m for n, m in sys.modules.items() if n.startswith("weasyprint") and m is not _module]:
            for attribute, value in list(vars(other).items()):
                if value is original:
                    _replace(other, attribute, function)


# ---- the helpers the edited functions call (put into their modules as `_booklet_…`) ----


def _page_references(pdf: Any) -> tuple[bytes, ...]:
    """pydyf's `PDF.page_references`, made once while the list of pages is unchanged (fix 1)."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_booklet_page_references")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        cached = pdf.__dict__["_booklet_page_references"] = (kids, len(kids), references)
    return cached[2]  # type: ignore[no-any-return]


def _file_content(font: Any) -> bytes | None:
    """The font file, read from its HarfBuzz face when first asked for (fix 8), as `Font.__init__` did."""
    if "_booklet_file_content" not in font.__dict__:
        from weasyprint.text.fonts import get_hb_object_data

        font.__dict__["_booklet_file_content"] = get_hb_object_data(font.hb_face)
    data: bytes | None = font.__dict__["_booklet_file_content"]
    return data


def _set_file_content(font: Any, data: bytes | None) -> None:
    font.__dict__["_booklet_file_content"] = data


class _FirstOccurrences:
    """What `make_page`'s list of earlier pages' anchors (or lookups) answered, without the list (fix 3).

    `value in seen` is true when an earlier page's list (`remake_state[key]`, as it is now)
    holds `value`, or when it was added on this page: the index remembers which pages
    recorded each value and checks those pages' lists, so a page laid out again is honoured.
    """

    def __init__(
        self, index: dict[Any, list[int]], page_maker: list[Any], page_number: int, key: str
    ) -> None:
        self._index, self._page_maker, self._key = index, page_maker, key
        self._before = page_number - 1  # page_maker[:page_number - 1]: the earlier pages
        self._added: set[Any] = set()

    def __contains__(self, value: object) -> bool:
        if value in self._added:
            return True
        return any(
            page < self._before and value in self._page_maker[page][-1].get(self._key, ())
            for page in self._index.get(value, ())
        )

    def append(self, value: Any) -> None:
        self._added.add(value)
        pages = self._index.setdefault(value, [])
        if self._before not in pages:
            pages.append(self._before)  # make_page appended it to this page's list too


def _first_occurrences(
    context: Any, page_maker: list[Any], page_number: int
) -> tuple[_FirstOccurrences, _FirstOccurrences]:
    indexes = context.__dict__.setdefault("_booklet_first_occurrences", ({}, {}))
    return (
        _FirstOccurrences(indexes[0], page_maker, page_number, "anchors"),
        _FirstOccurrences(indexes[1], page_maker, page_number, "content_lookups"),
    )


def _add_page_declarations(style_for: Any, page_type: Any) -> None:
    """`add_page_declarations`, noting which (page type, pseudo-element) keys it added, in order (fix 4)."""
    cascaded = style_for.get_cascaded_styles()
    before = len(cascaded)
    style_for.add_page_declarations(page_type)
    added = list(itertools.islice(reversed(cascaded), len(cascaded) - before))[::-1]
    pages: dict[Any, list[Any]] = style_for.__dict__.setdefault("_booklet_page_keys", {})
    for key in added:
        pages.setdefault(key[0], []).append(key)


def _page_pseudo_types(style_for: Any, page_type: Any) -> Iterable[tuple[Any, Any]]:
    """The cascaded keys of `page_type`, in the order the cascade holds them (fix 4)."""
    pages: dict[Any, list[Any]] = style_for.__dict__.get("_booklet_page_keys", {})
    return pages.get(page_type, ())


def _lookup_index(collector: Any) -> tuple[dict[str, list[Any]], dict[Any, list[Any]]]:
    """(anchor → its `content` lookups, box → its lookups), in document order; made again if lookups were added."""
    items = collector.counter_lookup_items
    cached = collector.__dict__.get("_booklet_lookups")
    if cached is None or cached[0] != len(items):
        by_anchor: dict[str, list[Any]] = {}
        by_box: dict[Any, list[Any]] = {}
        for key, item in items.items():
            box, css_token = key
            by_box.setdefault(box, []).append((key, item))
            if css_token == "content":  # noqa: S105 - a CSS property name, not a password
                for anchor in item.missing_target_counters:
                    by_anchor.setdefault(anchor, []).append((key, item))
        cached = collector.__dict__["_booklet_lookups"] = (len(items), by_anchor, by_box)
    return cached[1], cached[2]


def _lookups_targeting(collector: Any, anchor_name: str) -> Iterator[Any]:
    """The counter lookups whose content targets `anchor_name` (fix 5); the others did nothing."""
    return iter(_lookup_index(collector)[0].get(anchor_name, ()))


def _lookups_of(collector: Any, box: Any) -> Iterator[Any]:
    """The counter lookups of `box` (fix 6); the others did nothing (`child.missing_link == box`)."""
    return iter(_lookup_index(collector)[1].get(box, ()))


def _deactivated_layout(text: str, style: Any, context: Any, justification_spacing: float) -> Any:
    """What `create_layout(…, max_width=None, …)` followed by `deactivate()` leaves (fix 10).

    A deactivated layout keeps its text (as `set_text` stored it), its justification spacing
    and, for a decorated text, the font's line metrics; its Pango objects are gone, and
    `reactivate` makes them again when the box is drawn. Only a decorated text needs Pango here.
    """
    from weasyprint.text.line_break import Layout, create_layout

    if style["text_decoration_line"] != "none":
        layout = create_layout(text, style, context, None, justification_spacing)
        layout.deactivate()
        return layout
    layout = Layout.__new__(Layout)
    layout.justification_spacing, layout.max_width, layout.first_line_direction = (
        justification_spacing,
        None,
        0,
    )
    layout.ascent = layout.underline_position = layout.strikethrough_position = None
    if "\n" in text:  # `set_text` keeps the first line and one more character
        text = text[: text.index("\n") + 2]
    if text == " " and style["word_spacing"]:  # `set_text`: "We need more than one space to set word spacing"
        text = " \u200b"
    layout.text = text
    return layout


# What `get_font_description` reads of a style (text/fonts.py).
_FONT_PROPERTIES = (
    "font_family",
    "font_style",
    "font_stretch",
    "font_weight",
    "font_size",
    "font_variant_caps",
    "font_variation_settings",
)
_descriptions: dict[tuple[Any, ...], Any] = {}


def _font_description(style: Any) -> Any:
    """`get_font_description(style)`, made once for each distinct font (fix 11): Pango copies a
    layout's description (`pango_layout_set_font_description`) and only reads it for metrics."""
    from weasyprint.text.fonts import get_font_description

    key = tuple(style[name] for name in _FONT_PROPERTIES)
    try:
        description = _descriptions.get(key)
    except TypeError:  # a value that is not hashable: made as upstream does
        return get_font_description(style)
    if description is None:
        description = _descriptions[key] = get_font_description(style)
    return description


_HELPERS: dict[str, dict[str, Callable[..., Any]]] = {
    "weasyprint.layout.inline": {"_booklet_deactivated_layout": _deactivated_layout},
    "weasyprint.text.line_break": {"_booklet_font_description": _font_description},
    "weasyprint.layout.page": {
        "_booklet_first_occurrences": _first_occurrences,
        "_booklet_add_page_declarations": _add_page_declarations,
        "_booklet_page_pseudo_types": _page_pseudo_types,
    },
    "weasyprint.css.targets": {"_booklet_lookups_targeting": _lookups_targeting},
    "weasyprint.layout": {"_booklet_lookups_of": _lookups_of},
}
