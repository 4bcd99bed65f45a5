"""The real-content corpus (tests/fixtures/real, see its SOURCES.md): every case builds, valid.

Each case is a post or chapter nobody on this project wrote, kept as its author wrote it.
All are built once per test run (`build` with every output, two at a time; test_justification
measures the Chinese and Japanese cases' PDFs), their EPUBs checked in one EPUBCheck batch and by Ace; each output's text (web page, EPUB chapters,
the PDF through pdftotext) is searched for dialect markup left as text; the language is
the one the text is written in; the Markdown stage takes under 10 s on each.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from booklet.build import FORMATS, build
from booklet.content import load_booklet
from booklet.errors import Diagnostics
from conftest import once_per_run, run_folder
from validators import format_messages, pdftotext

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
CASES = sorted(path.name for path in REAL.iterdir() if path.is_dir())
LANGUAGES = {"en": "en", "ja": "ja", "zh-cn": "zh-CN", "zh-tw": "zh-TW", "footnotes": "en"}
BUILT_AT = datetime(2026, 1, 1, tzinfo=UTC)
# Dialect markup that must never reach a reader as text (outside code): strikethrough and
# heading-id markers, kramdown IALs, escaped punctuation, inline-note and container markers,
# code fences, math delimiters, template markers (Liquid, shortcodes, MDN's `{{cssxref("x")}}`).
# (`[^x]` is not here: an undefined call stays as written.)
LEFTOVERS = re.compile(
    r"~~|\{#[\w-]+\}|\{:[^}]*\}|\\[<>|*_`#\[\]]|\^\[|^:::|```|\$\$|\\\\\(|\{\{|\}\}|\{%|%\}", re.MULTILINE
)


@dataclass(frozen=True)
class Built:
    folder: Path
    epub: Path
    pdf: Path
    html: Path
    markdown_seconds: float
    weasyprint_warnings: tuple[str, ...]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, epub_reports) -> dict[str, Built]:  # type: ignore[no-untyped-def]
    """Every case built once (PDF, EPUB, web page), two at a time; the EPUBs validated in one batch."""
    run = run_folder(tmp_path_factory)
    with ProcessPoolExecutor(max_workers=2) as pool:
        built = dict(zip(CASES, pool.map(corpus_case, [run] * len(CASES), CASES), strict=True))
    epub_reports.register(*(b.epub for b in built.values()))
    return built


def corpus_case(run: Path, case: str) -> Built:
    """One case, built once in the test run (`run`: conftest.run_folder) by the first process to ask."""
    return once_per_run(run, f"corpus-{case}", functools.partial(_build_case, case))


def _build_case(case: str, out: Path) -> Built:
    """One case (in a worker process): time the reading stage, then build every output."""
    caught: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                caught.append(record.getMessage())

    logging.getLogger("weasyprint").addHandler(Catch())
    source = min((REAL / case).glob("*.md"))
    started = time.perf_counter()
    load_booklet(source, Diagnostics())
    seconds = time.perf_counter() - started
    build(source, out, FORMATS, BUILT_AT, Diagnostics())
    name = source.stem
    return Built(out, out / f"{name}.epub", out / f"{name}.pdf", out / f"{name}.html", seconds, tuple(caught))


def test_weasyprint_warns_of_nothing(corpus) -> None:  # type: ignore[no-untyped-def]
    assert {case: b.weasyprint_warnings for case, b in corpus.items() if b.weasyprint_warnings} == {}


@pytest.mark.parametrize("case", CASES)
def test_epubcheck_finds_nothing(case: str, corpus, epub_reports) -> None:  # type: ignore[no-untyped-def]
    messages = [m for m in epub_reports.epubcheck(corpus[case].epub) if m["severity"] != "USAGE"]
    assert messages == [], format_messages(messages)


@pytest.mark.parametrize("case", CASES)
def test_ace_finds_no_violation(case: str, corpus, epub_reports) -> None:  # type: ignore[no-untyped-def]
    violations = epub_reports.ace(corpus[case].epub)
    assert violations == [], format_messages(violations)


@pytest.mark.parametrize("case", CASES)
def test_no_dialect_markup_is_left_as_text(case: str, corpus) -> None:  # type: ignore[no-untyped-def]
    built = corpus[case]
    texts = {"web page": _text_outside_code(built.html.read_bytes())}
    with zipfile.ZipFile(built.epub) as epub:
        for name in sorted(n for n in epub.namelist() if re.search(r"/ch\d+\.xhtml$", n)):
            texts[name] = _text_outside_code(epub.read(name))
    texts["PDF"] = _without_code_lines(pdftotext(built.pdf), built.html.read_bytes())
    for where, text in texts.items():
        left = sorted({m.group(0) for m in LEFTOVERS.finditer(text)})
        assert left == [], f"{where}: {left}"


def _without_code_lines(text: str, page: bytes) -> str:
    """pdftotext cannot tell code from prose: drop the PDF's lines that are lines of the code."""
    code = "\n".join(c.text_content() for c in lxml_html.fromstring(page).xpath("//pre | //code"))
    return "\n".join(line for line in text.split("\n") if not line.strip() or line.strip() not in code)


def _text_outside_code(markup: bytes) -> str:
    page = lxml_html.fromstring(markup)
    for code in page.xpath("//pre | //code | //script | //style"):
        code.drop_tree()
    return page.text_content()


@pytest.mark.parametrize("case", CASES)
def test_the_language_is_the_texts(case: str, corpus) -> None:  # type: ignore[no-untyped-def]
    expected = next(tag for prefix, tag in LANGUAGES.items() if case.startswith(prefix + "-"))
    page = lxml_html.fromstring(corpus[case].html.read_bytes())
    assert page.get("lang") == expected
    with zipfile.ZipFile(corpus[case].epub) as epub:
        assert f'xml:lang="{expected}"' in epub.read("EPUB/content.opf").decode()


@pytest.mark.parametrize("case", CASES)
def test_the_markdown_stage_takes_under_10_seconds(case: str, corpus) -> None:  # type: ignore[no-untyped-def]
    assert corpus[case].markdown_seconds < 10


def test_a_line_break_between_chinese_characters_is_no_space(corpus) -> None:  # type: ignore[no-untyped-def]
    # zh-cn-k8s-warnings, lines 29-30: "…提高可用性的方法。" / "在开发功能、分类 Bug…"
    built = corpus["zh-cn-k8s-warnings"]
    with zipfile.ZipFile(built.epub) as epub:
        chapter = epub.read("EPUB/ch01.xhtml").decode()
    assert "的方法。在开发功能" in lxml_html.fromstring(built.html.read_bytes()).text_content()
    assert "的方法。在开发功能" in chapter
    assert "的方法。在开发功能" in re.sub(r"\s+", "", pdftotext(built.pdf))


def test_every_case_is_recorded_in_sources() -> None:
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    assert [case for case in CASES if f"| {case} |" not in sources] == []
    assert [p for p in REAL.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000] == []


def test_markdown_in_a_title_is_printed_as_markup_and_given_as_text_where_only_text_fits(corpus) -> None:  # type: ignore[no-untyped-def]
    """The Sass blog's `title: "Announcing `pkg:` Importers"` (issue 12 item 5): code on the title
    page, the chapter heading and the contents; text in `<title>`, PDF metadata and outline,
    dc:title and the EPUB navigation (Kindle's contents show text only: epub/check.py)."""
    import pypdf

    built = corpus["en-sass-pkg-importers"]
    text, html = "Announcing pkg: Importers", "Announcing <code>pkg:</code> Importers"
    page = built.html.read_text(encoding="utf-8")
    assert f"<title>{text}</title>" in page and f'<h2 id="ch01-title">{html}</h2>' in page
    assert f'<a href="#ch01">{html}</a>' in page  # the contents
    assert '<li><a href="#ch01-s01">What is a <code>pkg:</code> importer?</a></li>' in page
    assert "`" not in lxml_html.fromstring(page.encode()).xpath("string(//header)")
    pdf = pypdf.PdfReader(built.pdf)
    assert pdf.metadata is not None and pdf.metadata.title == text
    assert pdf.outline[0].title == text and pdf.outline[1][0].title == "What is a pkg: importer?"
    assert "`pkg:`" not in pdftotext(built.pdf) and text in pdftotext(built.pdf)
    with zipfile.ZipFile(built.epub) as epub:
        assert f"<dc:title>{text}</dc:title>" in epub.read("EPUB/content.opf").decode()
        nav = epub.read("EPUB/nav.xhtml").decode()
        assert f'<a href="ch01.xhtml">{text}</a>' in nav and "<code>" not in nav
        chapter = epub.read("EPUB/ch01.xhtml").decode()
        assert f"<title>{text}</title>" in chapter and f'<h1 id="ch01">{html}</h1>' in chapter
        assert f'<h1 class="book-title">{html}</h1>' in epub.read("EPUB/title.xhtml").decode()


def test_a_chapter_that_opens_with_its_title_prints_it_once(corpus) -> None:  # type: ignore[no-untyped-def]
    """The Rust test-infra post opens with `# This Month in Our Test Infra: November 2024`, its title."""
    built = corpus["en-rust-test-infra"]
    title = "This Month in Our Test Infra: November 2024"
    page = lxml_html.fromstring(built.html.read_bytes())
    headings = page.xpath("//section[@class='chapter']//*[self::h2 or self::h3 or self::h4]")
    assert [h.get("id") for h in headings if h.text_content() == title] == ["ch01-title"]
    with zipfile.ZipFile(built.epub) as epub:
        chapter = lxml_html.fromstring(epub.read("EPUB/ch01.xhtml"))
    assert [h.tag for h in chapter.xpath("//h1|//h2|//h3") if h.text_content() == title] == ["h1"]


def test_a_wrapped_code_line_shows_a_continuation_mark_in_the_pdf(corpus) -> None:  # type: ignore[no-untyped-def]
    """The k8s HPA post shows its formula as a 115-character code line, wider than the A5 text
    block: each row it wraps onto starts under a hanging indent with the ↪ mark (grey, #555)
    before it; no other row of the booklet has one (pdf/codelines.py, print.css)."""
    import pymupdf

    marked: list[str] = []
    with pymupdf.open(corpus["en-k8s-hpa-tolerance"].pdf) as pdf:
        for page in pdf:
            drawings = page.get_drawings()
            marks = [d["rect"] for d in drawings if d.get("color") and _grey(d["color"], 0x55)]
            covers = [d["rect"] for d in drawings if d.get("fill") and _grey(d["fill"], 0xFF)]
            visible = [m for m in marks if not any(c.contains(m) for c in covers)]
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    x0, y0, _, y1 = line["bbox"]
                    if any(m.y0 >= y0 - 1 and m.y1 <= y1 + 1 and m.x1 <= x0 + 0.5 for m in visible):
                        marked.append("".join(span["text"] for span in line["spans"]))
    formula = r"desiredReplicas = ceil\left\lceil currentReplicas \times \frac{currentMetricValue}{desiredMetricValue} \right\rceil"
    assert marked and all(row.strip() in formula for row in marked), marked
    assert formula.index(marked[0].strip()) > 40  # the line's first row is not marked, the next one is


def _grey(colour: tuple[float, ...], level: int) -> bool:
    return all(abs(channel - level / 255) < 0.01 for channel in colour)


def test_a_hugo_post_outside_its_site_keeps_its_figures(corpus) -> None:  # type: ignore[no-untyped-def]
    """The Japanese k8s post has YAML front matter and `{{< figure … >}}` shortcodes: read as
    Hugo's (not as Liquid, which dropped them), each is an image with its caption."""
    page = lxml_html.fromstring(corpus["ja-k8s-ccm-chicken-egg"].html.read_bytes())
    assert [f.text_content() for f in page.xpath("//figure/figcaption")] == [
        "Kubernetesのコンポーネント",
        "「鶏が先か卵が先か」問題のシーケンス図",
    ]
