"""The print-at-home copy: A5 pages two to an A4 sheet, in saddle-stitch order."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from booklet.build import build
from booklet.errors import Diagnostics
from booklet.pdf.impose import impose_booklet, saddle_stitch_order

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import Built
from validators import pdftotext

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
MIXED = ROOT / "tests" / "fixtures" / "mixed"
A4_LANDSCAPE = (841.8898, 595.2756)


def test_order_of_an_eight_page_booklet() -> None:
    assert saddle_stitch_order(8) == ((8, 1), (2, 7), (6, 3), (4, 5))


def test_blank_pages_make_up_a_multiple_of_four() -> None:
    assert saddle_stitch_order(5) == ((None, 1), (2, None), (None, 3), (4, 5))
    assert saddle_stitch_order(1) == ((None, 1), (None, None))
    assert len(saddle_stitch_order(17)) == 10


@pytest.mark.parametrize("count", [1, 4, 7, 18, 33])
def test_folded_stack_reads_in_order(count: int) -> None:
    """Fold the printed stack: reading the halves from the outside sheet in gives 1, 2, 3 …"""
    sides = saddle_stitch_order(count)
    sheets = [(sides[i], sides[i + 1]) for i in range(0, len(sides), 2)]
    first_half = [page for front, back in sheets for page in (front[1], back[0])]
    second_half = [page for front, back in reversed(sheets) for page in (back[1], front[0])]
    reading = [page for page in first_half + second_half if page is not None]
    assert reading == list(range(1, count + 1))


@pytest.fixture(scope="module")
def kamailio_print(kamailio_built: Built) -> Path:
    """The session's Kamailio build (conftest.py): the PDF and its imposed `-print.pdf`."""
    return kamailio_built.folder


def _half_text(path: Path, sheet: int, half: int, width: float, height: float) -> str:
    crop = ["-x", str(int(half * width / 2)), "-y", "0", "-W", str(int(width / 2)), "-H", str(int(height))]
    return re.sub(r"\s+", "", pdftotext(path, "-f", str(sheet), "-l", str(sheet), "-r", "72", *crop))


def test_imposed_sheets_hold_the_right_pages(kamailio_print: Path) -> None:
    source, imposed = (
        kamailio_print / "kamailio-in-action.pdf",
        kamailio_print / "kamailio-in-action-print.pdf",
    )
    with pikepdf.open(source) as pdf:
        count = len(pdf.pages)
    with pikepdf.open(imposed) as pdf:
        sizes = {(round(float(p.mediabox[2]), 1), round(float(p.mediabox[3]), 1)) for p in pdf.pages}
        sheets = len(pdf.pages)
    assert sizes == {(round(A4_LANDSCAPE[0], 1), round(A4_LANDSCAPE[1], 1))}
    assert sheets == -(-count // 4) * 2
    pages = [re.sub(r"\s+", "", pdftotext(source, "-f", str(n), "-l", str(n))) for n in range(1, count + 1)]
    for sheet, sides in enumerate(saddle_stitch_order(count), start=1):
        for half, page in enumerate(sides):
            text = _half_text(imposed, sheet, half, *A4_LANDSCAPE)
            assert text == ("" if page is None else pages[page - 1]), (
                f"sheet side {sheet}, half {half}: page {page}"
            )
    assert any(pages), "the source pages have text to compare"


def test_the_impose_flag_writes_the_print_copy(tmp_path: Path) -> None:
    """`booklet build --impose` (the command-line flag) on a small booklet."""
    command = [sys.executable, "-m", "booklet", "build", "tests/fixtures/lang-en", "--out", str(tmp_path)]
    result = subprocess.run(
        [*command, "--format", "pdf", "--impose"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "lang-en-print.pdf" in result.stdout and (tmp_path / "lang-en-print.pdf").is_file()


def test_impose_in_booklet_yml_writes_the_print_copy(tmp_path: Path) -> None:
    """`impose: true` in booklet.yml (the mixed booklet) without the flag."""
    built = build(MIXED, tmp_path, ("pdf",), datetime(2024, 5, 1, tzinfo=UTC), Diagnostics())
    assert [output.path.name for output in built] == ["mixed.pdf", "mixed-print.pdf"]


def test_pages_larger_than_a5_go_on_a_sheet_two_pages_wide() -> None:
    a4 = _blank_pdf(595.2756, 841.8898, 3)
    with pikepdf.open(io.BytesIO(impose_booklet(a4))) as pdf:
        assert len(pdf.pages) == 2
        assert [round(float(v), 1) for v in pdf.pages[0].mediabox[2:]] == [1190.6, 841.9]


def _blank_pdf(width: float, height: float, count: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=(width, height))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
