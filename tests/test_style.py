"""The author's own look: `style.css` beside booklet.yml (or `css:`) reaches all three outputs,
after booklet's own stylesheets, and sets the generated cover's colours.

The fixture's style.css sets a page size (the PDF's pages), a heading colour (the EPUB's and
the web page's stylesheets, and the PDF's drawing) and the cover's background.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from booklet.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULE = "h1 { color: #8a3324; }"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("style")
    assert main(["build", str(FIXTURES / "style-css"), "--out", str(out), "--strict", "--quiet"]) == 0
    return out


def test_the_pdf_takes_the_authors_page_size_and_colour(built: Path) -> None:
    reader = PdfReader(built / "style-css.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (100, 150)
    drawn = b"".join(
        page.get_contents().get_data() for page in reader.pages if page.get_contents() is not None
    )
    assert re.search(rb"0\.54\d* 0\.2 0\.14\d* rg", drawn), "the heading colour #8a3324 is drawn nowhere"


def test_the_epub_stylesheet_ends_with_the_authors(built: Path) -> None:
    with zipfile.ZipFile(built / "style-css.epub") as epub:
        css = epub.read("EPUB/style.css").decode("utf-8")
    assert css.rstrip().endswith("@page { size: 100mm 150mm; }")
    assert css.index(RULE) > css.index("body.cover")  # after epub.css


def test_the_web_page_stylesheet_ends_with_the_authors(built: Path) -> None:
    page = (built / "style-css.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    assert style is not None
    assert style.group(1).rstrip().endswith("@page { size: 100mm 150mm; }")
    assert style.group(1).index(RULE) > style.group(1).index("--paper")  # after web.css


def test_the_cover_takes_the_authors_colours(built: Path) -> None:
    cover = Image.open(io.BytesIO((built / "style-css-cover.png").read_bytes())).convert("RGB")
    assert cover.getpixel((10, 10)) == (0x20, 0x40, 0x20)


def test_css_names_the_files_and_a_missing_one_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "look"
    shutil.copytree(FIXTURES / "style-css", source)
    (source / "style.css").rename(source / "print-look.css")
    (source / "booklet.yml").write_text(
        "title: Own look\nlanguage: en\ncss: [print-look.css, gone.css]\n", encoding="utf-8"
    )
    assert main(["build", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    expected = f"{source}/booklet.yml:3: error: stylesheet `gone.css` does not exist: check the file name (relative to {source})"
    assert capsys.readouterr().err.splitlines() == [expected]
    (source / "booklet.yml").write_text(
        "title: Own look\nlanguage: en\ncss: print-look.css\n", encoding="utf-8"
    )
    assert main(["build", str(source), "--out", str(tmp_path / "out"), "--quiet", "--format", "html"]) == 0
    assert RULE in (tmp_path / "out" / "look.html").read_text(encoding="utf-8")


def test_a_stylesheet_that_would_end_the_style_element_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "look"
    shutil.copytree(FIXTURES / "style-css", source)
    (source / "style.css").write_text(
        "h1 { color: red; }\n/* </STYLE><script>x</script> */\n", encoding="utf-8"
    )
    assert main(["build", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    expected = f"{source}/style.css:2: error: `</style` would end the stylesheet early: remove it"
    assert capsys.readouterr().err.splitlines() == [expected]
