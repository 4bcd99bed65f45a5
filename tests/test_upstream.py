"""The fixes carried for WeasyPrint 70.0 and pydyf 0.13.0 (booklet/pdf/upstream.py) change no byte of the PDF.

Each booklet is laid out with the fixes and without them, in this process, and the bytes
and the pagination compared: the Kamailio booklet, and a generated booklet of 24 chapters
of realistic length (bench/generate.py: real prose, two headings and two notes a chapter),
long enough for notes moved to later pages, contents numbers laid out again and a
structure tree over a hundred pages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pydyf
import pytest
import weasyprint
import weasyprint.layout.page

from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.errors import Diagnostics
from booklet.model import PrintedPdf
from booklet.pdf import upstream, write_pdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402 - bench/ is on the path only from the line above

BUILT_AT = datetime(2024, 5, 1, tzinfo=UTC)


def printed(source: Path) -> PrintedPdf:
    booklet = load_booklet(source, Diagnostics())
    return write_pdf(booklet, read_assets(booklet), BUILT_AT)


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


def test_another_version_is_left_alone(without_fixes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    original = weasyprint.layout.page.make_page
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert not upstream.carry_fixes()
    assert weasyprint.layout.page.make_page is original
    assert isinstance(pydyf.PDF.__dict__["page_references"], property)
    assert pydyf.PDF.__dict__["page_references"].fget.__module__ == "pydyf"


@pytest.mark.parametrize("name", ["kamailio", "generated"])
def test_the_fixes_change_no_byte_of_the_pdf(name: str, tmp_path: Path) -> None:
    source = ROOT / "content" / "kamailio-in-action" if name == "kamailio" else generate(tmp_path / "g", 24)
    assert upstream.carry_fixes()
    fixed = printed(source)
    upstream.drop_fixes()
    try:
        assert "_booklet" not in str(weasyprint.layout.page.make_page.__code__.co_names)
        plain = printed(source)
    finally:
        assert upstream.carry_fixes()
    assert fixed.pages == plain.pages
    assert fixed.moved_notes == plain.moved_notes
    assert fixed.data == plain.data
