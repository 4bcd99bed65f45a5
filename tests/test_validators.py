"""The validator tooling itself (tests/validators.py), on tiny EPUBs and a PDF made here.

These run the real EPUBCheck, Ace and poppler: if one is missing they fail, naming
tools/install-test-deps.sh. The EPUBs are built in one module fixture and checked in one
batch through the session's `epub_reports`, as the other tests are meant to do.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pikepdf
import pytest

from validators import (
    EpubReports,
    ToolMissing,
    format_messages,
    pdffonts,
    pdftotext,
    run_ace,
    run_epubcheck,
)

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

# What Ace checks for (DAISY KB, "Schema.org Accessibility Metadata"; EPUB Accessibility 1.1).
A11Y_METADATA = """
    <meta property="schema:accessMode">textual</meta>
    <meta property="schema:accessModeSufficient">textual</meta>
    <meta property="schema:accessibilityFeature">structuralNavigation</meta>
    <meta property="schema:accessibilityFeature">tableOfContents</meta>
    <meta property="schema:accessibilityHazard">none</meta>
    <meta property="schema:accessibilitySummary">Text only, with headings and a table of contents.</meta>
    <link rel="dcterms:conformsTo" href="http://www.idpf.org/epub/a11y/accessibility-20170105.html#wcag-aa"/>"""

PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="zh-Hans">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:0b7f5c1e-3d2a-4c8e-9f61-2a7d5e4b8c90</dc:identifier>
    <dc:title>小册子</dc:title>
    <dc:language>zh-Hans</dc:language>
    <meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>{a11y}
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="ch01" href="ch01.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="ch01"/></spine>
</package>"""

NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="zh-Hans" lang="zh-Hans">
<head><title>目录</title></head>
<body>
  <nav epub:type="toc" role="doc-toc" id="toc"><h1>目录</h1>
    <ol><li><a href="ch01.xhtml#ch01">第一章</a></li></ol>
  </nav>
</body>
</html>"""

CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh-Hans" lang="zh-Hans">
<head><title>第一章</title></head>
<body><section id="ch01"><h1>第一章</h1><p>亮独观其大略。</p></section></body>
</html>"""


def write_epub(path: Path, files: dict[str, str]) -> Path:
    """An EPUB's OCF zip: `mimetype` first and stored (EPUB 3.3 §4.2.2), the rest deflated."""
    with zipfile.ZipFile(path, "w") as epub:
        epub.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            epub.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
    return path


def minimal_epub(path: Path, *, a11y: bool = True) -> Path:
    return write_epub(
        path,
        {
            "META-INF/container.xml": CONTAINER,
            "EPUB/package.opf": PACKAGE.format(a11y=A11Y_METADATA if a11y else ""),
            "EPUB/nav.xhtml": NAV,
            "EPUB/ch01.xhtml": CHAPTER,
        },
    )


@pytest.fixture(scope="module")
def epubs(tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("epubs")
    made = {
        # No nav, no title, a manifest item whose file is missing, a spine of nothing.
        "broken": write_epub(
            folder / "broken.epub",
            {
                "META-INF/container.xml": CONTAINER,
                "EPUB/package.opf": PACKAGE.format(a11y="")
                .replace(' properties="nav"', "")
                .replace("<dc:title>小册子</dc:title>", "")
                .replace('<itemref idref="ch01"/>', ""),
                "EPUB/nav.xhtml": NAV,
            },
        ),
        "valid": minimal_epub(folder / "valid.epub"),
        "no-a11y-metadata": minimal_epub(folder / "no-a11y.epub", a11y=False),
    }
    epub_reports.register(*made.values())  # broken first: state must not leak to the next
    return made


def test_epubcheck_reports_errors_of_a_broken_epub(epubs: dict[str, Path], epub_reports: EpubReports) -> None:
    messages = epub_reports.epubcheck(epubs["broken"])
    errors = {(m["ID"], m["locations"][0]) for m in messages if m["severity"] == "ERROR"}
    assert ("RSC-001", "EPUB/ch01.xhtml") in errors, format_messages(messages)
    no_title = next(m for m in messages if "dc:title" in m["message"])
    assert (no_title["severity"], no_title["ID"]) == ("ERROR", "RSC-005")
    assert no_title["locations"] == ["EPUB/package.opf:8:14"]  # path:line:column
    assert any(m["severity"] == "USAGE" for m in messages)  # usage messages are kept too


def test_epubcheck_passes_a_minimal_valid_epub(epubs: dict[str, Path], epub_reports: EpubReports) -> None:
    messages = epub_reports.epubcheck(epubs["valid"])
    assert messages == [], format_messages(messages)


def test_epub_reports_checks_all_registered_epubs_in_one_batch() -> None:
    batches: list[list[Path]] = []

    def record(paths: list[Path]) -> dict[Path, list[dict[str, object]]]:
        batches.append(paths)
        return {path: [{"ID": path.name}] for path in paths}

    reports = EpubReports(epubcheck=record, ace=record)
    here = Path(__file__)
    reports.register(here, here.parent / "conftest.py")
    assert reports.epubcheck(here) == [{"ID": here.name}]
    assert reports.epubcheck(here.parent / "conftest.py") == [{"ID": "conftest.py"}]
    assert reports.epubcheck(here.parent / "validators.py") == [{"ID": "validators.py"}]
    assert batches == [[here, here.parent / "conftest.py"], [here.parent / "validators.py"]]


def test_ace_finds_no_violation_in_the_valid_epub(epubs: dict[str, Path], epub_reports: EpubReports) -> None:
    violations = epub_reports.ace(epubs["valid"])
    assert violations == [], format_messages(violations)


def test_ace_reports_missing_accessibility_metadata(
    epubs: dict[str, Path], epub_reports: EpubReports
) -> None:
    violations = epub_reports.ace(epubs["no-a11y-metadata"])
    rules = {v["rule"]: v for v in violations}
    assert {"metadata-accessmode", "metadata-accessibilityhazard"} <= rules.keys(), format_messages(
        violations
    )
    assert rules["metadata-accessmode"]["impact"] == "serious"
    assert rules["metadata-accessmode"]["file"].endswith("package.opf")


def test_missing_tools_fail_loudly(epubs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("PUPPETEER_EXECUTABLE_PATH", raising=False)
    with pytest.raises(ToolMissing, match=r"`java`.*install-test-deps\.sh"):
        run_epubcheck([epubs["valid"]])
    with pytest.raises(ToolMissing, match=r"install-test-deps\.sh"):
        run_ace([epubs["valid"]])
    with pytest.raises(ToolMissing, match=r"`pdffonts`.*poppler-utils"):
        pdffonts(Path("any.pdf"))


def test_a_missing_epub_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such\.epub"):
        run_epubcheck([tmp_path / "no-such.epub"])


@pytest.fixture(scope="module")
def helvetica_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One page setting a line in Helvetica, a standard font pdffonts lists as not embedded."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    page = pdf.add_blank_page(page_size=(420, 595))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 500 Td (Hello, booklet) Tj ET")
    path = tmp_path_factory.mktemp("pdf") / "helvetica.pdf"
    pdf.save(path)
    return path


def test_pdffonts_parses_each_font_row(helvetica_pdf: Path) -> None:
    [row] = pdffonts(helvetica_pdf)
    assert row["name"] == "Helvetica"
    assert row["type"] == "Type 1"
    assert row["encoding"] == "WinAnsi"
    assert (row["emb"], row["sub"], row["uni"]) == (False, False, False)


def test_pdftotext_returns_the_text(helvetica_pdf: Path) -> None:
    assert pdftotext(helvetica_pdf, "-layout").strip() == "Hello, booklet"
