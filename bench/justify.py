"""Justification beside XeLaTeX (xeCJK) and Typst: the same text, page, measure and line pitch.

Sets the Kamailio booklet and the mixed fixture three ways: booklet (WeasyPrint), Typst (PyPI
`typst`) and XeLaTeX with xeCJK (TeX Live from Debian, which `make bench` installs); the two
external tools are each a `Setter` over one walk of the text. Each on A5, a 29-character measure of 10.5 pt Noto Serif CJK SC, lines
1.75 × 10.5 pt apart, first lines indented 2 em, notes at the foot. Measured from the glyph
boxes (tests/measure.py, PyMuPDF): per full line, the largest extra gap between two glyphs;
Han–Latin gaps in the quarter-em band (0.2–0.3 em); spaces `pdftotext` puts between two CJK
characters; pages. Writes bench/justify.md and bench/justify-*.png (the same paragraph
from each, side by side).  Usage: python bench/justify.py
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pymupdf
from lxml import html as lxml_html
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from measure import CJK, extra_gaps, full_lines, text_lines

from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.errors import Diagnostics
from booklet.model import Booklet
from booklet.pdf import write_pdf

CASES = {"kamailio": ROOT / "content" / "kamailio-in-action", "mixed": ROOT / "tests" / "fixtures" / "mixed"}
PHRASE = {"kamailio": "此外，如果你读过", "mixed": "本章检验中文与"}
SIZE, MEASURE_CHARS = 10.5, 29
MEASURE = SIZE * MEASURE_CHARS
PITCH = 1.75 * SIZE
NOTE = MEASURE / round(MEASURE / (0.8 * SIZE))


def main() -> None:
    if not shutil.which("xelatex"):
        raise SystemExit("xelatex is missing: `make bench` installs it (texlive-xetex, texlive-lang-chinese)")
    out = Path(tempfile.mkdtemp(prefix="justify-"))
    rows, crops = [], {}
    for name, source in CASES.items():
        booklet = load_booklet(source, Diagnostics())
        pdfs = {"booklet (WeasyPrint)": _booklet(booklet, out / f"{name}.pdf")}
        for setter in SETTERS:
            pdfs[setter.name] = _set_externally(setter, booklet, out / f"{name}-{setter.source_name}")
        for tool, pdf in pdfs.items():
            rows.append((name, tool, *_figures(pdf)))
        crops[name] = _side_by_side([_crop(pdf, PHRASE[name]) for pdf in pdfs.values()])
        crops[name].save(ROOT / "bench" / f"justify-{name}.png", optimize=True)
    _write(rows, ["booklet (WeasyPrint)", *(setter.name for setter in SETTERS)])


def _booklet(booklet: Booklet, path: Path) -> Path:
    path.write_bytes(write_pdf(booklet, read_assets(booklet), datetime(2024, 5, 1, tzinfo=UTC)).data)
    return path


def _figures(pdf: Path) -> tuple[int, float, int, str, int, int]:
    """Full lines, largest extra gap (em), gaps over 0.3 em, Han–Latin in band, pdftotext spaces, pages."""
    lines = [line for line in text_lines(pdf) if line.page > 1]
    body = [line for line in lines if abs(line.glyphs[0].size - SIZE) < 0.2]
    left = {}
    for line in body:
        left[line.page] = min(left.get(line.page, 1e9), line.x0)
    full = full_lines([line for line in lines if line.page in left], left, (PITCH, 1.5 * NOTE))
    gaps = [(extra, pair) for line in full for extra, pair in extra_gaps(line)]
    mixed = [
        extra
        for extra, pair in gaps
        if bool(CJK.match(pair[0])) != bool(CJK.match(pair[1])) and _han_latin(pair)
    ]
    band = sum(-0.05 <= extra <= 0.05 for extra in mixed)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    spaces = len(re.findall(f"{CJK.pattern} +{CJK.pattern}", text))
    with pymupdf.open(pdf) as document:
        pages = len(document)
    largest = max((extra for extra, _ in gaps), default=0.0)
    return len(full), largest, sum(extra > 0.3 for extra, _ in gaps), f"{band} of {len(mixed)}", spaces, pages


def _han_latin(pair: str) -> bool:
    return all(CJK.match(c) or re.match("[A-Za-z0-9]", c) for c in pair)


def _crop(pdf: Path, phrase: str) -> Image.Image:
    """Six lines of the paragraph holding `phrase`, at 150 dpi, from the left edge of the text block."""
    with pymupdf.open(pdf) as document:
        for page in document:
            found = page.search_for(phrase, flags=pymupdf.TEXT_IGNORE_ACTUALTEXT) or page.search_for(phrase)
            if found:
                x0 = min(b[0] for b in page.get_text("blocks")) - 4  # the text block's left edge
                clip = pymupdf.Rect(x0, found[0].y0 - 3 * PITCH, x0 + MEASURE + 8, found[0].y0 + 3 * PITCH)
                pixmap = page.get_pixmap(dpi=150, clip=clip)
                return Image.open(io.BytesIO(pixmap.tobytes("png"))).convert("L")
    raise SystemExit(f"{pdf}: the phrase {phrase} was not found")


def _side_by_side(images: list[Image.Image]) -> Image.Image:
    width = sum(image.width for image in images) + 20 * (len(images) - 1)
    sheet = Image.new("L", (width, max(image.height for image in images)), 255)
    x = 0
    for image in images:
        sheet.paste(image, (x, 0))
        x += image.width + 20
    return sheet


# --- the same text for an external tool (Typst, XeLaTeX) ------------------------------------


@dataclass(frozen=True)
class Setter:
    """An external tool that sets the booklet's text: how its source spells each piece of the
    text, and how a source file becomes a PDF. One walk over the chapters (`_set_externally`)
    serves every tool, so they all get the same text."""

    name: str
    source_name: str  # main.typ, main.tex
    escape: Callable[[str], str]  # text as text
    escape_code: Callable[[str], str]  # inline code, as the tool's code wants it
    inline: dict[str, str]  # note, em, strong, code: a format string around the (escaped) text
    chapter: str  # {} the title
    section: str  # {} the heading
    code: str  # {} the code block, verbatim
    wrap: Callable[[list[str]], str]  # the blocks into the whole source: page, fonts, measure
    compile: Callable[[Path], None]  # the source file → main.pdf beside it


def _chapters(booklet: Booklet) -> list[tuple[str, lxml_html.HtmlElement, dict[str, str]]]:
    """Each chapter: title, body, and its notes' HTML by id."""
    result = []
    for chapter in booklet.chapters:
        body = lxml_html.fragment_fromstring(f"<div>{chapter.html}</div>")
        notes = {note.calls[0]: note.html for note in chapter.footnotes}
        result.append((chapter.title, body, notes))
    return result


def _inline(element: lxml_html.HtmlElement, notes: dict[str, str], setter: Setter) -> str:
    syntax, escape = setter.inline, setter.escape
    text = escape(element.text or "")
    for child in element:
        if child.tag == "sup" and child.find("a") is not None and child.find("a").get("id") in notes:
            note = lxml_html.fragment_fromstring(f"<div>{notes[child.find('a').get('id')]}</div>")
            text += syntax["note"].format(_inline(note, {}, setter).strip())
        elif child.tag in ("em", "i"):
            text += syntax["em"].format(_inline(child, notes, setter))
        elif child.tag in ("strong", "b"):
            text += syntax["strong"].format(_inline(child, notes, setter))
        elif child.tag == "code":
            text += syntax["code"].format(setter.escape_code(child.text_content()))
        elif child.tag in ("p", "li", "ul", "ol", "div"):
            text += "\n\n" + _inline(child, notes, setter) + "\n\n"
        else:
            text += _inline(child, notes, setter)
        text += escape(child.tail or "")
    return text


def _set_externally(setter: Setter, booklet: Booklet, folder: Path) -> Path:
    """The booklet's chapters (text, sections, code, notes; no tables) set by `setter`: its PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = []
    for title, body, notes in _chapters(booklet):
        blocks.append(setter.chapter.format(setter.escape(title)))
        for block in body:
            if block.tag in ("h2", "h3"):
                blocks.append(setter.section.format(setter.escape(block.text_content())))
            elif block.tag == "pre":
                blocks.append(setter.code.format(block.text_content()))
            elif block.tag != "table":
                blocks.append(_inline(block, notes, setter).strip() + "\n")
    source = folder / setter.source_name
    source.write_text(setter.wrap(blocks), encoding="utf-8")
    setter.compile(source)
    return folder / "main.pdf"


# The page both tools are given: A5, the text block centred a little towards the spine.
SIDE = 419.5276 - MEASURE - 0.02
TOP, BOTTOM = 595.2756 * 0.095, 595.2756 * 0.105


def _typst_escape(text: str) -> str:
    return re.sub(r"([\\#\[\]*_`$<>@=\-+/~])", r"\\\1", text.replace("\n", ""))


def _typst_string(text: str) -> str:
    """Inside `#raw("…")`: a Typst string, where only the backslash and the quote are escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _typst_source(blocks: list[str]) -> str:
    return "\n".join(
        [
            (
                f'#set page(paper: "a5", margin: (top: {TOP:.3f}pt, bottom: {BOTTOM:.3f}pt,'
                f" inside: {SIDE * 0.55:.3f}pt, outside: {SIDE * 0.45:.3f}pt), binding: left)"
            ),
            '#set text(font: "Noto Serif CJK SC", size: 10.5pt, lang: "zh", region: "cn", top-edge: 1em, bottom-edge: 0em)',
            "#set par(justify: true, leading: 0.75em, spacing: 0.75em, first-line-indent: (amount: 2em, all: true))",
            f"#show footnote.entry: set text(size: {NOTE:.4f}pt)",
            '#show heading: set text(font: "Noto Sans CJK SC")',
            *blocks,
        ]
    )


def _typst_compile(source: Path) -> None:
    import typst

    typst.compile(str(source), output=str(source.with_name("main.pdf")))


LATEX_SPECIAL = {"\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}


def _latex_escape(text: str) -> str:
    return re.sub(r"[\\#$%&_{}~^]", lambda m: LATEX_SPECIAL.get(m[0], "\\" + m[0]), text.replace("\n", ""))


def _latex_source(blocks: list[str]) -> str:
    """xeCJK's defaults (its glue between CJK characters, its space between Han and Latin) on the
    same page, measure, face and line pitch; notes at the size and pitch Typst and booklet give them."""
    return "\n".join(
        [
            "\\documentclass[10pt,twoside,openany]{book}",
            (
                f"\\usepackage[a5paper,textwidth={MEASURE}pt,inner={SIDE * 0.55:.3f}pt,top={TOP:.3f}pt,"
                f"bottom={BOTTOM:.3f}pt]{{geometry}}"
            ),
            "\\usepackage{xeCJK,indentfirst}",  # indentfirst: Chinese indents a heading's first paragraph too
            "\\setCJKmainfont{Noto Serif CJK SC}\\setCJKsansfont{Noto Sans CJK SC}\\setmainfont{Noto Serif CJK SC}",
            f"\\renewcommand\\normalsize{{\\fontsize{{{SIZE}pt}}{{{PITCH}pt}}\\selectfont}}\\normalsize",
            f"\\renewcommand\\footnotesize{{\\fontsize{{{NOTE:.4f}pt}}{{{1.5 * NOTE:.4f}pt}}\\selectfont}}",
            "\\parindent=2em\\pagestyle{plain}\\raggedbottom",
            "\\begin{document}",
            *blocks,
            "\\end{document}",
        ]
    )


def _latex_compile(source: Path) -> None:
    for _ in range(2):  # the second run settles the notes and page breaks
        done = subprocess.run(
            ["xelatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
            cwd=source.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{source}: xelatex failed:\n{done.stdout[-2000:]}")


TYPST = Setter(
    name="Typst 0.15",
    source_name="main.typ",
    escape=_typst_escape,
    escape_code=_typst_string,
    inline={"note": "#footnote[{}]", "em": "#emph[{}]", "strong": "#strong[{}]", "code": '#raw("{}")'},
    chapter="#pagebreak(weak: true)\n= {}\n",
    section="== {}\n",
    code="```\n{}\n```\n",
    wrap=_typst_source,
    compile=_typst_compile,
)
XELATEX = Setter(
    name="XeLaTeX + xeCJK",
    source_name="main.tex",
    escape=_latex_escape,
    escape_code=_latex_escape,
    inline={
        "note": "\\footnote{{{}}}",
        "em": "\\emph{{{}}}",
        "strong": "\\textbf{{{}}}",
        "code": "\\texttt{{{}}}",
    },
    chapter="\\chapter*{{{}}}",
    section="\\section*{{{}}}",
    code="\\begin{{verbatim}}\n{}\n\\end{{verbatim}}",
    wrap=_latex_source,
    compile=_latex_compile,
)
SETTERS = (TYPST, XELATEX)


def _write(rows: list[tuple], tools: list[str]) -> None:  # type: ignore[type-arg]
    lines = [
        "# Justification beside Typst and XeLaTeX",
        "",
        "Made by `python bench/justify.py` (see its docstring): the same text on A5, 29 × 10.5 pt,",
        "lines 18.375 pt apart. Gaps are measured from the glyph boxes of every full line of text and",
        "notes (tests/measure.py); extra = beyond 0 between CJK characters, beyond a quarter em",
        "between Han and Latin, beyond a space between Latin words.",
        "",
        "| text | tool | full lines | largest extra gap (em) | gaps > 0.3 em | Han–Latin at ¼ em ± 0.05 | pdftotext spaces between CJK | pages |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, tool, full, largest, over, band, spaces, pages in rows:
        lines.append(f"| {name} | {tool} | {full} | {largest:.2f} | {over} | {band} | {spaces} | {pages} |")
    lines += [
        "",
        "Crops (left to right: " + ", ".join(t for t in tools if any(r[1] == t for r in rows)) + "):",
        "",
    ]
    lines += [f"![{name}](justify-{name}.png)" for name in CASES]
    target = ROOT / "bench" / "justify.md"
    # What someone saw in the crops is written by hand below this heading, and kept.
    kept = target.read_text(encoding="utf-8").partition(SEEN)[2] if target.exists() else ""
    text = "\n".join(lines) + "\n" + (f"\n{SEEN}{kept}" if kept else "")
    target.write_text(text, encoding="utf-8")


SEEN = "## What the crops show"


if __name__ == "__main__":
    main()
