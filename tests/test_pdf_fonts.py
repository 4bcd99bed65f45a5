"""The PDF's CJK fonts are compacted to the glyphs drawn, and the text still reads the same."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import weasyprint

from booklet.fonts import cached_compact, cached_pdf_subset
from booklet.pdf.compact import compact_cff, compact_cid_fonts
from booklet.pdf.subsets import kept_subsets

# Bold Noto Serif CJK has glyphs whose CID differs from their glyph id: both weights are used.
PAGE = """<html lang="zh-CN"><body style="font-family: 'Noto Serif CJK SC'">
<p>鉴于本书的章节安排，本书适合顺序阅读。“英雄所见略同”，大概如此吧。</p>
<p><b>本书的主要特色是KEMI，以及通过Lua写路由脚本。</b>（OpenResty）、PostgreSQL。</p>
</body></html>"""


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fonts")
    plain, compact = folder / "plain.pdf", folder / "compact.pdf"
    document = weasyprint.HTML(string=PAGE).render()
    plain.write_bytes(document.write_pdf())
    compact.write_bytes(document.write_pdf(finisher=compact_cid_fonts))
    return plain, compact


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_compact_fonts_are_much_smaller(pdfs: tuple[Path, Path]) -> None:
    plain, compact = pdfs
    assert compact.stat().st_size < plain.stat().st_size / 4


def test_compact_fonts_are_bare_cff_embedded_subsets(pdfs: tuple[Path, Path]) -> None:
    rows = run("pdffonts", str(pdfs[1])).splitlines()[2:]
    assert len(rows) == 2
    for row in rows:
        assert "CID Type 0C " in row and "(OT)" not in row, row
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row


def test_text_copies_out_the_same(pdfs: tuple[Path, Path]) -> None:
    plain, compact = pdfs
    assert run("pdftotext", str(compact), "-") == run("pdftotext", str(plain), "-")
    assert "英雄所见略同" in run("pdftotext", str(compact), "-")


def test_every_glyph_draws_the_same_in_poppler_and_mupdf(pdfs: tuple[Path, Path], tmp_path: Path) -> None:
    """Readers find CFF glyphs by CID: both renderers must show the page as before compaction."""
    plain, compact = pdfs
    for name, pdf in (("plain", plain), ("compact", compact)):
        subprocess.run(
            ["pdftoppm", "-r", "50", "-gray", str(pdf), str(tmp_path / f"poppler-{name}")], check=True
        )
        subprocess.run(
            [
                "mutool",
                "draw",
                "-q",
                "-r",
                "50",
                "-c",
                "gray",
                "-o",
                str(tmp_path / f"mupdf-{name}.pgm"),
                str(pdf),
            ],
            check=True,
        )
    assert (tmp_path / "poppler-compact-1.pgm").read_bytes() == (
        tmp_path / "poppler-plain-1.pgm"
    ).read_bytes()
    assert (tmp_path / "mupdf-compact.pgm").read_bytes() == (tmp_path / "mupdf-plain.pgm").read_bytes()


def test_a_compact_font_comes_from_the_cache_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A font's compact form depends only on its bytes: build keeps it in the user's cache (issue 15)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    document = weasyprint.HTML(string=PAGE).render()

    def cached_by(compact: Callable[[bytes], bytes | None]) -> Callable[[object, object], None]:
        return functools.partial(compact_cid_fonts, compact=lambda font: cached_compact(font, compact, b"v1"))

    def never(font: bytes) -> bytes | None:
        raise AssertionError("compacted again: the cache was not used")

    first = document.write_pdf(finisher=cached_by(compact_cff))
    assert len(list((tmp_path / "booklet" / "pdf-fonts").iterdir())) == 2  # regular and bold
    assert document.write_pdf(finisher=cached_by(never)) == first
    assert document.write_pdf(finisher=compact_cid_fonts) == first


def test_weasyprint_subsets_a_font_once_then_the_cache_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint's subset of an embedded font depends only on the font, the glyphs and the
    options: build keeps it in the user's cache (pdf/subsets.py); the PDF is the same bytes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    document = weasyprint.HTML(string=PAGE).render()
    made: list[str] = []

    def keep(key: str, make: Callable[[], bytes]) -> bytes:
        def counted() -> bytes:
            made.append(key)
            return make()

        return cached_pdf_subset(key, counted)

    plain = document.write_pdf(finisher=compact_cid_fonts)
    with kept_subsets(keep):
        first = document.write_pdf(finisher=compact_cid_fonts)
    assert len(made) == 2  # regular and bold, subset by WeasyPrint
    assert len(list((tmp_path / "booklet" / "pdf-subsets").iterdir())) == 2
    with kept_subsets(keep):
        second = document.write_pdf(finisher=compact_cid_fonts)
    assert len(made) == 2  # nothing subset again
    assert first == second == plain
