"""The fixes carried for WeasyPrint 70.0 and pydyf 0.13.0 (booklet/pdf/upstream.py) change no byte of the PDF.

Each booklet is laid out with the fixes and without them, in this process, and the bytes
and the pagination compared: the Kamailio booklet (with the fixes: the session's build,
conftest.py), and a generated booklet of 10 chapters
of realistic length (bench/generate.py: real prose, two headings and two notes a chapter):
66 pages, 20 notes at their pages' feet, contents numbers and running heads found by
target counters, a structure tree and outline over every page. (24 chapters, 165 pages,
took the suite 38 s and exercised no other path.)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pydyf
import pytest
import weasyprint
import weasyprint.layout.inline
import weasyprint.layout.page
import weasyprint.text.line_break

from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.errors import Diagnostics
from booklet.pdf import upstream, write_pdf
from conftest import BUILT_AT as SESSION_BUILT_AT
from conftest import Built

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402 - bench/ is on the path only from the line above

BUILT_AT = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def without_fixes() -> Iterator[None]:
    upstream.drop_fixes()
    yield
    assert upstream.carry_fixes()


def test_the_fixes_are_in_place_for_the_pinned_versions() -> None:
    assert (weasyprint.__version__, pydyf.__version__) == ("70.0", "0.13.0")
    assert upstream.carry_fixes()
    assert "_booklet_first_occurrences" in weasyprint.layout.page.make_page.__code__.co_names
    assert "_booklet_lookups_of" in weasyprint.document.layout_document.__code__.co_names  # imported by name
    assert "get_hb_object_data" not in weasyprint.pdf.fonts.Font.__init__.__code__.co_names
    assert isinstance(weasyprint.pdf.fonts.Font.__dict__["file_content"], property)
    assert "create_layout" not in weasyprint.layout.inline.add_word_spacing.__code__.co_names
    assert "_booklet_font_description" in weasyprint.text.line_break.Layout.setup.__code__.co_names


# Run in a new process: WeasyPrint is imported already in this one.
IMPORT_COUNTING_LOOKUPS = """
import ctypes.util, sys
asked = []
ctypes.util.find_library = lambda name: asked.append(name)
import booklet.pdf
import weasyprint.text.ffi as ffi
assert ffi.pango is not None and ffi.harfbuzz_subset is not None
print(len(asked), "weasyprint" in sys.modules)
"""


def test_weasyprint_loads_its_libraries_without_searching() -> None:
    """Fix 9: no `find_library` (an ldconfig, a gcc and an ld run each) while WeasyPrint imports."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_COUNTING_LOOKUPS], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["0", "True"]


def test_another_version_is_left_alone(without_fixes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    original = weasyprint.layout.page.make_page
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert not upstream.carry_fixes()
    assert weasyprint.layout.page.make_page is original
    assert isinstance(pydyf.PDF.__dict__["page_references"], property)
    assert pydyf.PDF.__dict__["page_references"].fget.__module__ == "pydyf"


@pytest.mark.parametrize("name", ["kamailio", "generated"])
def test_the_fixes_change_no_byte_of_the_pdf(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    assert upstream.carry_fixes()
    if name == "kamailio":
        built: Built = request.getfixturevalue("kamailio_built")
        booklet, built_at, fixed = built.booklet, SESSION_BUILT_AT, built.printed
    else:
        booklet, built_at = load_booklet(generate(tmp_path / "g", 10), Diagnostics()), BUILT_AT
        fixed = write_pdf(booklet, read_assets(booklet), built_at)
    upstream.drop_fixes()
    try:
        assert "_booklet" not in str(weasyprint.layout.page.make_page.__code__.co_names)
        plain = write_pdf(booklet, read_assets(booklet), built_at)
    finally:
        assert upstream.carry_fixes()
    assert fixed.pages == plain.pages
    assert fixed.moved_notes == plain.moved_notes
    assert fixed.data == plain.data
