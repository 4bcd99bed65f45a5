"""The print PDF, checked on real output with poppler, MuPDF and pikepdf (issue 4, "Done when").

Two booklets are laid out once per test run: the Kamailio booklet (chapters start on any
page, notes numbered per chapter) and tests/fixtures/mixed (Chinese and English, lists, a
table, code, a long URL, emphasis, a note cited twice, a multi-paragraph note, a very long
note, a shared note; chapters on right-hand pages, notes numbered through the booklet).
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pikepdf
import pymupdf
import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html

from booklet import pdf as pdf_stage
from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.epub import write_epub
from booklet.errors import Diagnostics
from booklet.model import PAGE_SIZES, Booklet, PrintedPdf
from booklet.pdf import chapters_running_on, print_document, write_pdf
from booklet.scripts import writing_system
from booklet.web import write_web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import Built, once_per_run, run_folder
from validators import pdffonts, pdftotext

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
MIXED = ROOT / "tests" / "fixtures" / "mixed"
BUILT_AT = datetime(2024, 5, 1, tzinfo=UTC)

# The page geometry print.html.j2 must produce, computed here independently:
# [page width pt, body font size pt]; the measure is ⌊0.75 × width / size⌋ characters.
GEOMETRY = {
    "A4": (595.2756, 11.0),
    "A5": (419.5276, 10.5),
    "A6": (297.6378, 9.0),
    "B5": (498.8976, 10.5),
    "Letter": (612.0, 11.0),
    "6x9": (432.0, 10.5),
}
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
WIDE = re.compile(
    "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’]|.[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’]"
)
HALF_WIDTH = (
    "，。、；：）》」』”’“‘（《「『"  # set half-width (halt) before another mark: drawn over its blank half
)
NO_LINE_START = set("，。、；：？！）》」』”’")
NO_LINE_END = set("（《「『“‘")


@dataclass(frozen=True)
class Printed:
    booklet: Booklet
    result: PrintedPdf
    path: Path

    @property
    def page_count(self) -> int:
        with pikepdf.open(self.path) as pdf:
            return len(pdf.pages)

    @property
    def page_height(self) -> float:
        with pikepdf.open(self.path) as pdf:
            return float(pdf.pages[0].mediabox[3])


def lay_out(source: Path, folder: Path) -> Printed:
    """The PDF stage for real, in this process (so WeasyPrint's warnings come back)."""
    booklet = load_booklet(source, Diagnostics())
    result = write_pdf(booklet, read_assets(booklet), BUILT_AT)
    path = folder / f"{booklet.name}.pdf"
    path.write_bytes(result.data)
    return Printed(booklet, result, path)


@pytest.fixture(scope="session")
def kamailio(kamailio_built: Built) -> Printed:
    """The session's Kamailio build (conftest.py)."""
    return Printed(kamailio_built.booklet, kamailio_built.printed, kamailio_built.path(".pdf"))


@pytest.fixture(scope="session")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    return mixed_layout(run_folder(tmp_path_factory))


def mixed_layout(run: Path) -> Printed:
    """The mixed fixture laid out once in the test run (`run`: conftest.run_folder), for test_justification too."""
    return once_per_run(run, "mixed-pdf", functools.partial(lay_out, MIXED))


@pytest.fixture(params=["kamailio", "mixed"])
def printed(request: pytest.FixtureRequest) -> Printed:
    return request.getfixturevalue(request.param)


# --- reading the PDF -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    text: str


def bbox_lines(path: Path) -> list[Line]:
    """Every text line (`pdftotext -bbox-layout`), in pt, top-down.

    poppler cuts a line in two where a gap is wide; pieces on one baseline are joined again.
    """
    root = etree.fromstring(pdftotext(path, "-bbox-layout").encode())
    lines: list[Line] = []
    for number, page in enumerate(root.iter("{*}page"), start=1):
        pieces = []
        for line in page.iter("{*}line"):
            text = " ".join(word.text or "" for word in line.iter("{*}word"))
            box = [float(line.get(k)) for k in ("xMin", "xMax", "yMin", "yMax")]
            pieces.append(Line(number, *box, text))
        for piece in sorted(pieces, key=lambda p: (round(p.y1, 1), p.x0)):
            last = lines[-1] if lines else None
            if (
                last
                and last.page == number
                and abs(last.y1 - piece.y1) < 0.2
                and abs(last.y0 - piece.y0) < 0.2
            ):
                lines[-1] = Line(
                    number, last.x0, max(last.x1, piece.x1), last.y0, last.y1, f"{last.text} {piece.text}"
                )
            else:
                lines.append(piece)
    return lines


@dataclass(frozen=True)
class Glyph:
    page: int
    font: str
    size: float  # pt
    x: float  # pt, from the left
    y: float  # pt, baseline, from the top
    text: str
    advance: float  # pt
    glyph: int  # -1: the rest of a ligature (one glyph drawn for "——")


def glyphs(path: Path) -> list[Glyph]:
    """Every glyph drawn, with its font and size, from MuPDF's `mutool trace`."""
    mutool = shutil.which("mutool")
    assert mutool, "mutool is missing: run tools/install-test-deps.sh (Debian mupdf-tools)"
    trace = subprocess.run([mutool, "trace", str(path)], capture_output=True, text=True, check=True).stdout
    root = etree.fromstring(f"<trace>{trace}</trace>".encode(), etree.XMLParser(recover=True, huge_tree=True))
    found = []
    for page in root.iter("page"):
        number = int(page.get("number"))
        for span in page.iter("span"):
            scale = 0.75  # WeasyPrint draws in CSS px under a 0.75 matrix
            size = float(span.get("trm").split()[0]) * scale
            for g in span.iter("g"):
                found.append(
                    Glyph(
                        number,
                        span.get("font"),
                        size,
                        float(g.get("x")) * scale,
                        float(g.get("y")) * scale,
                        g.get("unicode") or "",
                        float(g.get("adv")) * size,
                        int(g.get("glyph", -1)),
                    )
                )
    return found


def text_block(booklet: Booklet, page: int) -> tuple[float, float]:
    """Left and right edge of the text block on a page (page 1, the cover, is a right page)."""
    width, size = GEOMETRY[booklet.metadata.page_size]
    measure = int(width * 0.75 / size) * size
    side = width - measure - 0.02
    left = side * (0.55 if page % 2 else 0.45)
    return left, left + measure + 0.02


# --- the tests -------------------------------------------------------------------------------


def test_weasyprint_logged_no_warning(printed: Printed) -> None:
    assert printed.result.warnings == ()


def test_every_font_is_embedded_subset_and_not_type3(printed: Printed) -> None:
    fonts = pdffonts(printed.path)
    assert fonts
    for font in fonts:
        assert font["emb"] and font["sub"] and font["uni"], font
        assert font["type"] != "Type 3", font
    names = {font["name"].split("+", 1)[-1] for font in fonts}
    assert "Noto-Serif-CJK-SC" in names and "Noto-Sans-CJK-SC-Bold" in names
    assert not any("JP" in name for name in names), "the Japanese face was picked for Chinese"


def test_no_glyph_is_missing(printed: Printed) -> None:
    missing = [g for g in glyphs(printed.path) if (g.glyph == 0 and g.text.strip()) or g.text == "\ufffd"]
    assert missing == []


def test_no_han_character_is_slanted(printed: Printed) -> None:
    slanted = [
        g
        for g in glyphs(printed.path)
        if HAN.match(g.text) and re.search("italic|oblique", g.font, re.IGNORECASE)
    ]
    assert slanted == []


def test_latin_marked_as_english_keeps_a_real_italic(mixed: Printed) -> None:
    fonts = {g.font.split("+", 1)[-1] for g in glyphs(mixed.path) if g.text in "emphasised"}
    assert "Noto-Serif-Italic" in fonts


# Where each writing system marks emphasis: a dot under each Han character in Chinese (着重号,
# clreq §3.2.2), a sesame dot over each character, kana included, in Japanese (傍点, JLREQ §3.3.2);
# never on punctuation or Latin. The characters each fixture's emphasis marks, in order.
EMPHASIS_MARKS = {
    "emphasis-latin-dotted": ("under", "的第一章再看的照抄即可"),
    "emphasis-ja-dotted-under": ("over", "の設定可能な許容値"),
}
# The Latin letters of each fixture's emphasis: in a real italic (Noto Serif Italic), unmarked.
EMPHASIS_ITALIC = {
    "emphasis-latin-dotted": "KamailioinActionSIPRFC3261",
    "emphasis-ja-dotted-under": "HorizontalPodAutoscaler",
}


@pytest.mark.parametrize("case", EMPHASIS_MARKS)
def test_emphasis_marks_go_under_in_chinese_and_over_in_japanese(case: str, tmp_path: Path) -> None:
    """Ink drawn in a band from 0.05 to 0.35 em above or below each glyph's em box (0.88 em over the
    baseline, 0.12 under) of the body text, seen in a 300 dpi rendering: the marks are on the
    expected side of the emphasised characters only, they are graphics (the text copies out as
    written), and the lines keep their pitch."""
    side, marked = EMPHASIS_MARKS[case]
    printed = lay_out(ROOT / "tests" / "fixtures" / case, tmp_path)
    assert printed.result.warnings == ()
    size = GEOMETRY[printed.booklet.metadata.page_size][1]
    body = [g for g in glyphs(printed.path) if g.page == 4 and abs(g.size - size) < 0.01 and g.text.strip()]
    with pymupdf.open(printed.path) as document:
        page = document[3]
        pixmap = page.get_pixmap(dpi=300, colorspace=pymupdf.csGRAY)
        text = page.get_text()
    found = {"over": "", "under": ""}
    for g in body:
        top, bottom = g.y - 0.88 * size, g.y + 0.12 * size
        bands = {
            "over": (top - 0.35 * size, top - 0.05 * size),
            "under": (bottom + 0.05 * size, bottom + 0.35 * size),
        }
        for where, (y0, y1) in bands.items():
            if _ink(pixmap, g.x, g.x + g.advance, y0, y1) >= 4:
                found[where] += g.text
    assert found == {side: marked, ("under" if side == "over" else "over"): ""}
    assert "".join(g.text for g in body if g.font.endswith("Noto-Serif-Italic")) == EMPHASIS_ITALIC[case]
    assert marked[:4] in text.replace("\n", "")  # the marks are graphics: the text copies out clean
    assert not re.search("[\ufe45\ufe46\u2022\u30fb\u00b7]", text)
    baselines = sorted({g.y for g in body})
    assert len(baselines) >= 2
    assert [b - a for a, b in pairwise(baselines)] == pytest.approx(
        [size * 1.75] * (len(baselines) - 1), abs=0.01
    )


def _ink(pixmap: pymupdf.Pixmap, x0: float, x1: float, y0: float, y1: float) -> int:
    """How many dark pixels a rectangle (in pt) of a grey pixmap holds."""
    scale, samples = pixmap.xres / 72, pixmap.samples
    columns = range(max(0, round(x0 * scale)), min(pixmap.width, round(x1 * scale)))
    rows = range(max(0, round(y0 * scale)), min(pixmap.height, round(y1 * scale)))
    return sum(1 for y in rows for x in columns if samples[y * pixmap.stride + x] < 128)


def test_full_lines_end_flush_with_the_text_block(printed: Printed) -> None:
    """A line that another line of the same paragraph follows ends at the block's right edge.

    Text lines step by 1.75 × the body size; notes by 1.5 × theirs, a size that also divides
    the measure. A note starts with its number; a note's later paragraph is indented.
    """
    checked, ragged = _flushness(printed)
    assert checked > 20
    assert ragged == []


def _flushness(printed: Printed) -> tuple[int, list[str]]:
    """How many full lines were measured, and those that do not end at the block's right edge."""
    width, size = GEOMETRY[printed.booklet.metadata.page_size]
    measure = int(width * 0.75 / size) * size
    note_size = measure / round(measure / (0.8 * size))
    lines = [line for line in bbox_lines(printed.path) if line.page > 1]
    checked, ragged = 0, []
    for line, after in pairwise(lines):
        left, right = text_block(printed.booklet, line.page)
        step = after.y0 - line.y0
        text_step = abs(step - 1.75 * size) < 0.3
        note_step = abs(step - 1.5 * note_size) < 0.3 and not re.match(r"\d+\.", after.text)
        same_paragraph = after.page == line.page and abs(after.x0 - left) < 0.6 and (text_step or note_step)
        one_word = " " not in line.text and not HAN.search(line.text)  # a URL cut anywhere cannot stretch
        if same_paragraph and line.x0 < left + 2 * size + 0.6 and not one_word:
            checked += 1
            if (
                abs(line.x1 - _line_end_half(printed.booklet, line, size if text_step else note_size) - right)
                > 0.5
            ):
                ragged.append(f"page {line.page}: {line.text} ends {right - line.x1:.2f} pt short")
    return checked, ragged


def _line_end_half(booklet: Booklet, line: Line, size: float) -> float:
    """How far a line's box reaches past the edge: a line-end `，。、`, set half-width in
    Simplified Chinese and Japanese (print.css `.lc`), keeps its em-wide glyph box."""
    compressed = writing_system(booklet.metadata.language) in ("zh-Hans", "ja")
    return 0.5 * size if compressed and line.text[-1:] in "，。、" else 0.0


def test_traditional_chinese_full_lines_end_flush(tmp_path: Path) -> None:
    """Regression (zh-TW): lines with 。「」, emphasis, Latin and a note, in Noto Serif CJK TC
    (which centres 。，、 in the em box), end at the block's right edge like zh-CN lines do."""
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-zh-tw-flush", tmp_path)
    assert printed.result.warnings == ()
    faces = {g.font.split("+", 1)[-1] for g in glyphs(printed.path) if HAN.match(g.text)}
    assert "Noto-Serif-CJK-TC" in faces and "Noto-Serif-CJK-SC" not in faces
    checked, ragged = _flushness(printed)
    assert checked >= 10
    assert ragged == []
    lines = bbox_lines(printed.path)
    assert [
        line.text for line in lines if line.text[:1] in NO_LINE_START or line.text[-1:] in NO_LINE_END
    ] == []


def test_no_prohibited_punctuation_at_a_line_start_or_end(printed: Printed) -> None:
    bad = []
    for line in bbox_lines(printed.path):
        if line.text[:1] in NO_LINE_START or line.text[-1:] in NO_LINE_END:
            bad.append(f"page {line.page}: {line.text}")
        if re.search("(?<!—)—$|(?<!…)…$", line.text):
            bad.append(f"page {line.page}: a dash or ellipsis split: {line.text}")
    assert bad == []


def test_nothing_leaves_the_text_block(printed: Printed) -> None:
    """Long URLs, code lines and tables stay between the margins (the cover is an image)."""
    outside = []
    for g in glyphs(printed.path):
        left, right = text_block(printed.booklet, g.page)
        if g.page > 1 and not left - 0.5 <= g.x <= right + 0.5:
            outside.append(f"page {g.page}: {g.text!r} at x={g.x:.1f} (block {left:.1f}–{right:.1f})")
    assert outside == []


def test_no_glyph_overlaps_the_next(printed: Printed) -> None:
    """Elastic points and half-width punctuation never pull two characters over each other."""
    found = [glyph for glyph in glyphs(printed.path) if glyph.text.strip()]  # spaces draw nothing
    overlaps = [
        f"page {a.page}: {a.text}{b.text} overlap by {a.x + a.advance - b.x:.2f} pt"
        for a, b in pairwise(found)
        if (a.page, a.y) == (b.page, b.y)
        and a.x < b.x
        and a.x + a.advance > b.x + 0.15  # kerning moves Latin by hundredths
        and WIDE.match(a.text + b.text)
        and not (a.text in HALF_WIDTH and b.text in HALF_WIDTH + "“‘（《「『")
    ]
    assert overlaps == []


def test_adjacent_punctuation_is_half_width(mixed: Printed) -> None:
    """`。”`, `”，`, `）、`: the first mark loses its blank half (OpenType `halt`, clreq §3.1.6)."""
    found = glyphs(mixed.path)
    pairs = [
        (a, b)
        for a, b in pairwise(found)
        if (a.page, a.y) == (b.page, b.y)
        and a.text in "，。、；：）》」』”’"
        and b.text in "，。、；：）》」』”’"
    ]
    assert len(pairs) >= 3
    assert [round((b.x - a.x) / a.size, 2) for a, b in pairs] == [0.5] * len(pairs)


def _notes_and_calls(printed: Printed) -> tuple[dict[int, list[tuple[str, float]]], dict[int, list[str]]]:
    """Per page: the note numbers set at the foot (with their height) and the call numbers in the text."""
    size = GEOMETRY[printed.booklet.metadata.page_size][1]
    notes: dict[int, list[tuple[str, float]]] = {}
    calls: dict[int, list[str]] = {}
    previous: Glyph | None = None
    run, run_x = "", 0.0
    for g in [*glyphs(printed.path), Glyph(0, "", 0, 0, 0, "", 0, 1)]:
        if (
            previous
            and (g.page, g.size, g.y) == (previous.page, previous.size, previous.y)
            and g.text.isdigit()
        ):
            run += g.text
        else:
            if previous and run and abs(previous.size - 0.7 * size) < 0.05:
                calls.setdefault(previous.page, []).append(run)
            at_line_start = previous and abs(run_x - text_block(printed.booklet, previous.page)[0]) < 0.5
            marker = g.text == "." and previous and (g.page, g.y) == (previous.page, previous.y)
            if previous and run and marker and at_line_start and previous.size < 0.9 * size:
                notes.setdefault(previous.page, []).append((run, previous.y))
            run, run_x = (g.text, g.x) if g.text.isdigit() else ("", 0.0)
        previous = g
    return notes, calls


def test_every_note_is_at_the_foot_of_the_page_of_its_call(printed: Printed) -> None:
    notes, calls = _notes_and_calls(printed)
    height = printed.page_height
    expected = sum(len(chapter.footnotes) for chapter in printed.booklet.chapters)
    printed_notes = [number for page in notes.values() for number, _ in page]
    assert len(printed_notes) == expected
    for page, found in notes.items():
        for number, y in found:
            assert number in calls.get(page, []), f"note {number} on page {page}, its call elsewhere"
            assert y > height / 2, f"note {number} is not in the lower half of page {page}"
    seen: set[str] = set()
    for page in sorted(calls):
        seen |= {number for number, _ in notes.get(page, [])}
        assert set(calls[page]) <= seen, f"page {page}: a call to a note not printed yet"


def test_notes_follow_the_booklets_numbering(kamailio: Printed, mixed: Printed) -> None:
    # footnote_numbering: booklet — a shared note keeps its number in each chapter that cites it
    numbers = [note.number for chapter in mixed.booklet.chapters for note in chapter.footnotes]
    assert list(dict.fromkeys(numbers)) == list(range(1, max(numbers) + 1))
    notes, _ = _notes_and_calls(mixed)
    assert sorted(int(n) for page in notes.values() for n, _ in page) == sorted(numbers)
    for chapter in kamailio.booklet.chapters:  # footnote_numbering: chapter
        assert [note.number for note in chapter.footnotes] == list(range(1, len(chapter.footnotes) + 1))


def test_a_note_cited_twice_is_printed_once_and_both_calls_show_its_number(mixed: Printed) -> None:
    note = next(n for c in mixed.booklet.chapters for n in c.footnotes if n.label == "skim")
    assert len(note.calls) == 2
    notes, calls = _notes_and_calls(mixed)
    assert [n for page in notes.values() for n, _ in page].count(str(note.number)) == 1
    assert [n for page in calls.values() for n in page].count(str(note.number)) == 2


def test_long_and_multi_paragraph_notes_are_whole(mixed: Printed) -> None:
    text = re.sub(r"\s+", "", pdftotext(mixed.path))
    assert "第二段：这是同一个脚注的第二段，用来检验多段脚注的排版。" in text
    assert "掌握了这个顺序，就能写出清晰、可靠的路由脚本。" in text
    assert "SIP的核心规范是RFC3261，发布于2002年。" in text


def test_an_identifier_in_a_note_does_not_break_mid_word(mixed: Printed) -> None:
    """`request_route` and `t_on_failure` in the long note (mixed/02-long.md) broke as
    `request_rout` / `e` and `t_` / `on_failure`."""
    words = re.findall(r"[a-z_]+", pdftotext(mixed.path))
    assert [w for w in words if w.endswith("_rout") or w == "t_"] == []
    assert words.count("request_route") >= 5 and "t_on_failure" in words


def test_latin_words_inside_an_emphasis_keep_their_spaces(mixed: Printed) -> None:
    """`<em lang="en">emphasised English words</em>` in Chinese text: its Latin run (span.latin,
    set in italic) took the elastic points' negative word-spacing and printed as one word."""
    text = pdftotext(mixed.path)
    assert "emphasised English words" in text
    assert "Kamailio in Action" in text


def _contents_entries(printed: Printed) -> list[tuple[str, int]]:
    toc_page = next(i for i in range(2, 8) if "目录" in pdftotext(printed.path, "-f", str(i), "-l", str(i)))
    text = pdftotext(printed.path, "-layout", "-f", str(toc_page), "-l", str(toc_page))
    return [
        (m[1].strip(), int(m[2]))
        for m in re.finditer(r"^\s*(\S.*?)\s*(?:[.·]\s*){3,}(\d+)\s*$", text, re.MULTILINE)
    ]


def test_contents_page_numbers_are_the_real_pages(printed: Printed) -> None:
    entries = _contents_entries(printed)
    headings = [h for c in printed.booklet.chapters for h in c.headings if h.level <= 2]
    assert [title for title, _ in entries] == [h.text for h in headings]
    for (title, page), heading in zip(entries, headings, strict=True):
        assert page == printed.result.pages[heading.id], title
        assert title in pdftotext(printed.path, "-f", str(page), "-l", str(page)).replace("\n", "")


def _outline(path: Path) -> list[tuple[int, str, int]]:
    pdf = pikepdf.open(path)
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    found = []

    def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
        for item in items:
            destination = item.destination
            page = pages[destination[0].objgen] if isinstance(destination, pikepdf.Array) else 0
            found.append((level, item.title, page))
            walk(item.children, level + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 1)
    return found


def test_outline_matches_the_headings(printed: Printed) -> None:
    expected = [
        (h.level, h.text, printed.result.pages[h.id]) for c in printed.booklet.chapters for h in c.headings
    ]
    assert _outline(printed.path) == expected


def test_contents_links_go_to_the_chapters(printed: Printed) -> None:
    with pikepdf.open(printed.path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        named = pikepdf.NameTree(pdf.Root.Names.Dests)
        toc = next(
            i
            for i in range(len(pdf.pages))
            if "目录" in pdftotext(printed.path, "-f", str(i + 1), "-l", str(i + 1))
        )
        targets = set()
        for annotation in pdf.pages[toc].get("/Annots", []):
            destination = annotation.get("/Dest")
            if isinstance(destination, pikepdf.String):
                destination = named[str(destination)]
            targets.add(pages[destination[0].objgen])
    assert {printed.result.pages[c.id] for c in printed.booklet.chapters} <= targets


def test_document_metadata_language_and_tags(mixed: Printed) -> None:
    pdf = pikepdf.open(mixed.path)  # kept open (the name) while the test reads it
    meta = mixed.booklet.metadata
    assert str(pdf.docinfo["/Title"]) == meta.title
    assert str(pdf.docinfo["/Author"]) == ", ".join(meta.authors)
    assert str(pdf.docinfo["/Subject"]) == meta.description
    assert str(pdf.docinfo["/Keywords"]) == ", ".join(meta.tags)
    assert str(pdf.Root.Lang) == "zh-CN"
    assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"


def test_running_heads_and_page_numbers(printed: Printed) -> None:
    """Heads: booklet title on left pages, chapter title on right; numbers in the outer corner."""
    meta = printed.booklet.metadata
    top, bottom = 0.095 * 595.2756, 595.2756 * (1 - 0.105)  # A5 in both booklets
    lines = bbox_lines(printed.path)
    run_on = chapters_running_on(printed.booklet)
    opening = {printed.result.pages[c.id] for c in printed.booklet.chapters if c.id not in run_on}
    first_on: dict[int, str] = {}  # the head shows the first chapter title set on its page
    last_on: dict[int, str] = {}
    for chapter in printed.booklet.chapters:
        first_on.setdefault(printed.result.pages[chapter.id], chapter.title)
        last_on[printed.result.pages[chapter.id]] = chapter.title
    current, heads = "", 0
    first_chapter = min(opening)
    for page in range(1, printed.page_count):  # the last page, the colophon, has neither
        shown = first_on.get(page, current)
        current = last_on.get(page, current)
        head = [line for line in lines if line.page == page and line.y1 < top]
        foot = [line for line in lines if line.page == page and line.y0 > bottom]
        left, right = text_block(printed.booklet, page)
        blank = not any(line.page == page for line in lines)
        if page < first_chapter or blank:
            assert head == [], f"page {page} has a running head"
            if page <= 2 or blank:
                assert foot == [], f"page {page} (cover, title page or blank) has a number"
            continue
        assert [line.text for line in foot] == [str(page)]
        x = foot[0].x1 if page % 2 else foot[0].x0
        assert abs(x - (right if page % 2 else left)) < 1, f"page {page}: number not in the outer corner"
        if page in opening:
            assert head == [], f"page {page} opens a chapter but has a running head"
            continue
        assert [line.text.replace(" ", "") for line in head] == [
            (shown if page % 2 else meta.title).replace(" ", "")
        ]
        heads += 1
    multi_page_chapters = len(opening) < printed.page_count - first_chapter
    assert heads > 0 or not multi_page_chapters


def test_chapters_open_on_right_hand_pages_with_chapter_start_right(mixed: Printed) -> None:
    assert mixed.booklet.metadata.chapter_start == "right"
    assert all(mixed.result.pages[c.id] % 2 == 1 for c in mixed.booklet.chapters)


def test_pagination_tells_where_each_block_lands(printed: Printed) -> None:
    pages = printed.result.pages
    for chapter in printed.booklet.chapters:
        ids = re.findall(r'<(?:p|ul|ol|pre|table|blockquote|div)\b[^>]*\bid="(ch\d\d-b\d{3})"', chapter.html)
        assert ids and all(i in pages for i in ids)
        for block_id in ids:
            start = re.search(rf'id="{block_id}"[^>]*>([^<]{{4,}})', chapter.html)
            if start and HAN.search(start[1][:6]):
                page_text = re.sub(
                    r"\s+",
                    "",
                    pdftotext(printed.path, "-f", str(pages[block_id]), "-l", str(pages[block_id])),
                )
                assert re.sub(r"\s+", "", start[1])[:4] in page_text, block_id


def test_every_page_size_keeps_a_whole_number_of_characters(tmp_path: Path) -> None:
    """For each page size: the page is that size and full lines of Han end flush."""
    text = "鉴于本书的章节安排，本书适合顺序阅读。当然，所谓顺序阅读也不需要逐字逐句阅读。" * 12
    for name in PAGE_SIZES:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "booklet.yml").write_text(
            yaml.safe_dump({"title": "版心", "page_size": name}, allow_unicode=True), encoding="utf-8"
        )
        (folder / "01.md").write_text(f"---\ntitle: 第一章\n---\n\n{text}\n", encoding="utf-8")
        printed = lay_out(folder, folder)
        assert printed.result.warnings == ()
        with pikepdf.open(printed.path) as pdf:
            width = float(pdf.pages[2].mediabox[2])
        assert abs(width - GEOMETRY[name][0]) < 0.1, name
        page = printed.result.pages["ch01"]
        lines = [
            line for line in bbox_lines(printed.path) if line.page == page and HAN.match(line.text[:1] or " ")
        ]
        left, right = text_block(printed.booklet, page)
        body = [
            line
            for line in lines
            if abs(line.x0 - left) < 0.6 and line.y1 - line.y0 < 1.8 * GEOMETRY[name][1]
        ]
        assert len(body) >= 3, name
        size = GEOMETRY[name][1]
        assert all(
            abs(line.x1 - _line_end_half(printed.booklet, line, size) - right) <= 0.5 for line in body[:-1]
        ), (name, [right - line.x1 for line in body])


def test_a_note_longer_than_a_page_is_printed_in_the_text(tmp_path: Path) -> None:
    """Regression: WeasyPrint 70 asserted (exit 70) on a note that no page can hold."""
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-note-longer-than-a-page", tmp_path)
    assert printed.result.warnings == ()
    assert [note.label for note in printed.result.moved_notes] == ["huge"]
    text = re.sub(r"\s+", "", pdftotext(printed.path))
    text = re.sub(r"\d+(长注|第一章)", "", text)  # a page's number and the next page's head
    assert text.count("比一页还长") == 60 and "脚注到此结束。" in text


def test_cover_title_page_and_colophon(mixed: Printed) -> None:
    meta = mixed.booklet.metadata
    images = subprocess.run(
        ["pdfimages", "-list", "-f", "1", "-l", "1", str(mixed.path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert len(images) == 1 and pdftotext(mixed.path, "-f", "1", "-l", "1").strip() == ""
    title_page = pdftotext(mixed.path, "-f", "3", "-l", "3")  # chapter_start: right: page 3
    for value in (meta.title, meta.subtitle, *meta.authors, meta.publisher, meta.date):
        assert value and value.replace(" ", "") in title_page.replace(" ", "").replace("\n", ""), value
    colophon = pdftotext(mixed.path, "-f", str(mixed.page_count), "-l", str(mixed.page_count))
    for value in (
        f"许可：{meta.license}",
        f"标识符：{meta.identifier}",
        f"出版日期：{meta.date}",
        "排版：booklet",
    ):
        assert value in colophon.replace("\n", ""), value


def test_the_colophon_gives_the_publication_date_not_the_build_date(kamailio: Printed) -> None:
    assert kamailio.booklet.metadata.date is None
    colophon = pdftotext(kamailio.path, "-f", str(kamailio.page_count), "-l", str(kamailio.page_count))
    assert "书名：" in colophon and "出版日期" not in colophon
    assert BUILT_AT.strftime("%Y-%m-%d") not in colophon


def test_short_chapters_run_on_and_the_kamailio_booklet_fits_ten_pages(kamailio: Printed) -> None:
    """`chapter_start: auto`: one-paragraph chapters run on under their headings (issue 14)."""
    pages = [kamailio.result.pages[c.id] for c in kamailio.booklet.chapters]
    assert kamailio.page_count <= 10
    assert len(set(pages)) < len(pages) / 2  # several chapters to a page
    assert chapters_running_on(kamailio.booklet) == {c.id for c in kamailio.booklet.chapters[1:]}


def test_no_heading_is_left_alone_at_a_page_foot(printed: Printed) -> None:
    """The block after each chapter title and section heading starts on the heading's page."""
    _assert_no_heading_alone(printed)


def _assert_no_heading_alone(printed: Printed) -> None:
    pages = printed.result.pages
    for chapter in printed.booklet.chapters:
        ids = [chapter.id, *re.findall(r'\bid="(ch\d\d-[bs]\d+)"', chapter.html)]
        for heading, following in pairwise(ids):
            if "-b" not in heading:
                assert pages[heading] == pages[following], f"{heading} alone on page {pages[heading]}"


def test_a_chapter_title_is_never_alone_on_its_page(tmp_path: Path) -> None:
    """Regression: a first paragraph citing a note longer than the rest of the page went to the
    next page with its note (`footnote-policy: block`), leaving a page with only the title.

    The note is set in the text after its paragraph instead, as a note longer than a page is.
    """
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-chapter-title-alone", tmp_path)
    assert printed.result.warnings == ()
    _assert_no_heading_alone(printed)
    assert [note.label for note in printed.result.moved_notes] == ["long"]
    chapter = printed.booklet.chapters[0]
    page = printed.result.pages[chapter.id]
    lines = [line for line in bbox_lines(printed.path) if line.page == page]
    assert any("这一章的第一段" in line.text for line in lines)
    # The moved note crosses a page: leave out page numbers and running heads.
    heads = {printed.booklet.metadata.title, chapter.title}
    kept = [
        line
        for line in pdftotext(printed.path).split("\n")
        if not line.strip("\f ").isdigit() and line.strip("\f ") not in heads
    ]
    assert re.sub(r"\s+", "", "".join(kept)).count("注释里的一句话") == 15


def test_a_character_without_a_glyph_stops_the_build(tmp_path: Path) -> None:
    """WeasyPrint's `.notdef glyph rendered` warning is an error naming the chapter file."""
    fixture = Path("tests") / "fixtures" / "pdf-character-without-glyph"
    command = [
        sys.executable,
        "-m",
        "booklet",
        "build",
        str(fixture),
        "--out",
        str(tmp_path),
        "--format",
        "pdf",
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"{fixture / '01.md'}: error: U+E001 has no glyph in any installed font "
        "(it would print as an empty box): remove it or install a font that has it"
    )
    assert not (tmp_path / "pdf-character-without-glyph.pdf").exists()


def test_a_wide_table_and_a_tall_image_stay_on_the_page(tmp_path: Path) -> None:
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-wide-table-tall-image", tmp_path)
    assert printed.result.warnings == ()
    outside = [g for g in glyphs(printed.path) if g.page > 1 and not _inside(printed, g.page, g.x, g.x)]
    assert outside == []
    trace = subprocess.run(
        ["mutool", "trace", str(printed.path)], capture_output=True, text=True, check=True
    ).stdout
    images = 0
    for page, body in re.findall(r'<page number="(\d+)"(.*?)</page>', trace, re.DOTALL):
        for transform in re.findall(r'<fill_image [^>]*transform="([^"]+)"', body):
            width, _, _, height, x, y = map(float, transform.split())
            if int(page) > 1:
                images += 1
                assert _inside(printed, int(page), x, x + width), f"page {page}: image beside the block"
                assert y >= 0 and y + height <= printed.page_height, f"page {page}: image off the page"
    assert images == 1


def _inside(printed: Printed, page: int, x0: float, x1: float) -> bool:
    left, right = text_block(printed.booklet, page)
    return left - 0.5 <= x0 and x1 <= right + 0.5


def test_a_note_with_a_list_quotation_code_and_table_stays_at_the_page_foot(tmp_path: Path) -> None:
    """Regression: a note's nested blocks (`<ul>`, `<li>`…) were set among the body lines.

    The HTML parser closed the calling paragraph at the note's list; now every block in a
    note is a span with its role, and all the note's lines lie under the body's, in the block.
    """
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-note-with-blocks", tmp_path)
    assert printed.result.warnings == ()
    lines = bbox_lines(printed.path)
    body_size = GEOMETRY[printed.booklet.metadata.page_size][1]
    call = next(line for line in lines if line.text.startswith("Routing is done"))
    note_texts = (
        "1. The first paragraph of a note",
        "The second paragraph, with",
        "a list in a note",
        "its second item, with code",
        "an ordered item",
        "another",
        "A quotation in a note.",
        'route { xlog("L_INFO",',
        "Key Value",
        "The last paragraph of the note.",
    )
    note_lines = [next(line for line in lines if text in line.text) for text in note_texts]
    last_body_line = next(line for line in lines if line.text.startswith("stay in the body"))
    assert last_body_line.page == call.page
    for line in note_lines:
        assert line.page == call.page, f"{line.text!r} on page {line.page}, its call on {call.page}"
        assert line.y0 > last_body_line.y1, f"{line.text!r} is among the body lines"
        assert line.y1 - line.y0 < 1.2 * body_size, f"{line.text!r} is not set at the notes' size"
        assert _inside(printed, line.page, line.x0, line.x1), f"{line.text!r} leaves the text block"
    assert [line.y0 for line in note_lines] == sorted(line.y0 for line in note_lines)
    items = [line for line in note_lines if line.text.startswith(("•", "1.", "2."))]
    assert len(items) == 5  # the number, two bullets, two numbers


def test_the_lonely_heading_check_runs_once_per_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 15): the check ran once per note over the whole print document (a
    generator called it for each note in turn), so its cost grew with notes × book length.

    Counts the real functions' calls (they still run): one check for each layout.
    """
    counts = {"check": 0, "layout": 0}

    def counted(name: str, real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object) -> object:
            counts[name] += 1
            return real(*args)

        return call

    monkeypatch.setattr(
        pdf_stage, "_notes_after_lonely_headings", counted("check", pdf_stage._notes_after_lonely_headings)
    )
    monkeypatch.setattr(pdf_stage, "lay_out", counted("layout", pdf_stage.lay_out))
    printed = lay_out(ROOT / "tests" / "fixtures" / "pdf-lonely-check-once-per-layout", tmp_path)
    assert [note.label for note in printed.result.moved_notes] == ["long"]
    assert counts == {"check": 2, "layout": 2}


def test_pagination_alone_gives_the_same_pages_without_drawing_a_pdf(kamailio: Printed) -> None:
    """An EPUB-only build needs the print pages for its page list, not the PDF (issue 15)."""
    result = write_pdf(kamailio.booklet, read_assets(kamailio.booklet), BUILT_AT, paginate_only=True)
    assert result.data == b""
    assert result.pages == kamailio.result.pages
    assert result.moved_notes == kamailio.result.moved_notes


def test_a_list_in_a_note_keeps_its_start_without_an_inline_style(tmp_path: Path) -> None:
    """`3.` in a note starts its list at 3: WeasyPrint reads `start` on `<ol>` only (a note's
    list is a span, notes.py) and CSS cannot set a counter from an attribute, so each item
    carries its number. No output, nor the document handed to WeasyPrint, has a `style=`."""
    printed = lay_out(ROOT / "tests" / "fixtures" / "note-list-start", tmp_path)
    assert printed.result.warnings == ()
    lines = [" ".join(line.split()) for line in pdftotext(printed.path).splitlines()]
    for item in ("3. third item", "4. fourth item, long enough", "1. first", "2. second"):
        assert any(line.startswith(item) for line in lines), item
    booklet, assets = printed.booklet, read_assets(printed.booklet)
    documents = {"print": print_document(booklet, BUILT_AT, "").encode()}
    with zipfile.ZipFile(io.BytesIO(write_epub(booklet, assets, BUILT_AT))) as epub:
        documents |= {name: epub.read(name) for name in epub.namelist() if name.endswith("html")}
    documents["web"] = write_web(booklet, assets, BUILT_AT, {})
    assert b'data-number="3"' in documents["print"]
    for name, text in documents.items():
        assert lxml_html.document_fromstring(text).xpath("//@style") == [], name


def test_each_line_of_a_code_block_is_a_block_of_its_own_for_print() -> None:
    """pdf/codelines.py: a Pygments token that spans lines (a docstring) is cut at the break and
    opened again; the text of the block is unchanged; an empty line stays a line."""
    from booklet.content.dialect import markdown_to_html
    from booklet.pdf.codelines import split_code_lines

    source = '```python\ndef f():\n    """Two\n    lines."""\n\n    return 1\n```\n'
    body = lxml_html.fragment_fromstring(markdown_to_html(source), create_parent="body")
    text = body.xpath("string(//pre)")
    split_code_lines(body)
    lines = body.xpath("//pre/code/span[@class='code-line']")
    assert [line.text_content() for line in lines] == [
        "def f():",
        '    """Two',
        '    lines."""',
        "",
        "    return 1",
    ]
    assert "".join(line.text_content() + "\n" for line in lines) == text
    assert [s.get("class") for s in lines[1].iter("span")][1:] == ["w", "sd"]
    assert [s.get("class") for s in lines[2].iter("span")][1:] == ["sd"]  # the docstring, opened again


def test_a_layout_makes_two_full_collections_and_gives_the_thresholds_back() -> None:
    """pdf/layout.py paces Python's cycle collector: none of its own full collections while
    WeasyPrint works, one after the HTML is parsed and one after pagination; Python's
    thresholds come back afterwards."""
    import gc

    booklet = load_booklet(ROOT / "tests" / "fixtures" / "lang-en", Diagnostics())
    thresholds = gc.get_threshold()
    full: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(gc.get_threshold()[2])

    gc.callbacks.append(count)
    try:
        write_pdf(booklet, read_assets(booklet), datetime(2024, 5, 1, tzinfo=UTC))
    finally:
        gc.callbacks.remove(count)
    paced = [threshold for threshold in full if threshold != thresholds[2]]  # inside the layout
    assert len(paced) == 2
    assert gc.get_threshold() == thresholds
