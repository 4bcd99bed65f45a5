"""The whole pipeline on the first booklet: every sentence of the post in every output."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import weasyprint.document
from lxml import etree
from lxml import html as lxml_html

import booklet.pdf
from booklet.build import FORMATS, build, read_assets, report_layout
from booklet.content import load_booklet
from booklet.epub import font_subsets, write_epub
from booklet.errors import Diagnostics
from booklet.fonts import cached_subset, subset_is_cached
from booklet.model import PrintedPdf
from booklet.pdf import write_pdf
from conftest import BUILT_AT, Built

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
# The first booklet's source, a real Jekyll post (a copy of shared/source/): also a single-file source.
POST = ROOT / "tests" / "fixtures" / "post" / "kamailio-in-action-post.md"


def run_booklet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "booklet", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def kamailio(kamailio_built: Built) -> Path:
    """The folder of the session's Kamailio build (conftest.py)."""
    return kamailio_built.folder


def post_sentences() -> list[str]:
    """Each sentence of the post's text, as a reader sees it (Markdown syntax removed)."""
    body = POST.read_text(encoding="utf-8").split("---\n", 2)[2]
    body = re.sub(r"\[\^\w+\]:?", "", body)  # footnote calls and definition labels
    body = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", body)  # links keep their text
    body = body.replace("**", "")
    sentences = re.findall(r"[^。！？\n]+[。！？]?", body)
    return [s.strip() for s in sentences if s.strip()]


def squeeze(text: str) -> str:
    """Drop white space, and footnote numbers set between two Han characters (a call)."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=[\u4e00-\u9fff])\d{1,3}(?=[\u4e00-\u9fff])", "", text)


def test_sentence_list_is_real() -> None:
    sentences = post_sentences()
    assert len(sentences) > 40
    assert "而亮独观其大略。" in sentences[-6] or any("亮独观其大略" in s for s in sentences)


def test_every_sentence_is_in_the_pdf(kamailio: Path) -> None:
    out = subprocess.run(
        ["pdftotext", str(kamailio / "kamailio-in-action.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # A sentence may cross a page (short chapters run on): leave out page numbers and running heads.
    heads = {
        "《Kamailio实战》内容及特色",
        *(line for line in out.splitlines() if re.fullmatch(r"第.+章|引言|附录|阅读建议|本书特色", line)),
    }
    text = squeeze(
        "\n".join(
            line
            for line in out.split("\n")
            if not line.strip().isdigit() and line.strip().strip("\f") not in heads
        )
    )
    missing = [s for s in post_sentences() if squeeze(s) not in text]
    assert missing == []


def test_every_sentence_is_in_the_epub(kamailio: Path) -> None:
    with zipfile.ZipFile(kamailio / "kamailio-in-action.epub") as epub:
        text = "".join(
            etree.fromstring(epub.read(name)).xpath("string(//*[local-name()='body'])")
            for name in sorted(epub.namelist())
            if name.endswith(".xhtml")
        )
    missing = [s for s in post_sentences() if squeeze(s) not in squeeze(text)]
    assert missing == []


def test_every_sentence_is_in_the_web_page(kamailio: Path) -> None:
    page = lxml_html.fromstring((kamailio / "kamailio-in-action.html").read_bytes())
    text = squeeze(page.body.text_content())
    missing = [s for s in post_sentences() if squeeze(s) not in text]
    assert missing == []


def test_every_pdf_font_is_embedded(kamailio: Path) -> None:
    listing = subprocess.run(
        ["pdffonts", str(kamailio / "kamailio-in-action.pdf")], capture_output=True, text=True, check=True
    ).stdout
    rows = listing.splitlines()[2:]
    assert rows, "no font in the PDF"
    assert any("CJK" in row for row in rows)
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


def test_footnote_links_both_ways_in_the_web_page(kamailio: Path) -> None:
    page = lxml_html.fromstring((kamailio / "kamailio-in-action.html").read_bytes())
    calls = page.xpath("//a[@class='noteref']")
    assert len(calls) == 1
    note = page.get_element_by_id(calls[0].get("href")[1:])
    assert "亮独观其大略" in note.text_content()
    back = note.xpath(".//a[@role='doc-backlink']")[0]
    assert back.get("href") == "#" + calls[0].get("id")


def test_footnote_links_both_ways_in_the_epub(kamailio: Path) -> None:
    with zipfile.ZipFile(kamailio / "kamailio-in-action.epub") as epub:
        names = [n for n in epub.namelist() if n.endswith(".xhtml")]
        documents = {Path(n).name: etree.fromstring(epub.read(n)) for n in names}
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    found = 0
    for document in documents.values():
        for call in document.xpath("//x:a[@class='noteref duokan-footnote']", namespaces=ns):
            target = call.get("href").lstrip("#")
            note = document.xpath(f"//*[@id='{target}']", namespaces=ns)[0]
            # the note's number, linking back, stands just before it
            back = note.getprevious().xpath("./x:a[@role='doc-backlink']", namespaces=ns)[0]
            assert back.get("href") == "#" + call.get("id")
            found += 1
    assert found == 1


def test_pdf_footnote_is_on_the_page_of_its_call(kamailio: Path) -> None:
    pdf = kamailio / "kamailio-in-action.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [squeeze(page) for page in text.split("\f")]  # justification may show as spaces
    call_page = next(i for i, page in enumerate(pages) if "阅读观其大略" in page)  # the call follows 大略
    assert "《魏略》记载：孔明在荆州" in pages[call_page]


@pytest.fixture(scope="module")
def single_post(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("post")
    result = run_booklet("build", str(POST), "--out", str(out), "--format", "epub,html")
    assert result.returncode == 0, result.stderr
    return out


def test_a_single_post_is_a_booklet(single_post: Path) -> None:
    """The post has no top-level heading: one chapter, titled from its front matter."""
    page = lxml_html.fromstring((single_post / "kamailio-in-action-post.html").read_bytes())
    assert page.findtext(".//title") == "《Kamailio实战》内容及特色"
    text = squeeze(page.body.text_content())
    assert [s for s in post_sentences() if squeeze(s) not in text] == []
    with zipfile.ZipFile(single_post / "kamailio-in-action-post.epub") as epub:
        chapters = [n for n in epub.namelist() if Path(n).name.startswith("ch")]
    assert [Path(n).name for n in chapters] == ["ch01.xhtml"]


def test_a_post_with_top_level_headings_makes_one_chapter_each(tmp_path: Path) -> None:
    post = tmp_path / "notes.md"
    post.write_text(
        "---\ntitle: Notes\nlanguage: en\n---\n\nBefore the first heading.\n\n"
        "# One\n\nFirst.[^a]\n\n```\n# not a heading\n```\n\n# Two\n\nSecond.[^a]\n\n[^a]: A note.\n",
        encoding="utf-8",
    )
    result = run_booklet("build", str(post), "--out", str(tmp_path / "out"), "--format", "html")
    assert result.returncode == 0, result.stderr
    page = lxml_html.fromstring((tmp_path / "out" / "notes.html").read_bytes())
    titles = [a.text_content() for a in page.xpath("//nav//a[starts-with(@href, '#ch')]")]
    assert titles == ["One", "Two"]
    assert "Before the first heading." in page.get_element_by_id("ch01").text_content()


def test_headings_without_text_and_links_in_notes_pass_the_validators(tmp_path: Path, epub_reports) -> None:  # type: ignore[no-untyped-def]
    """Regressions: `## <script>…</script>` left an empty nav link (the property test found it);
    `## ![](dot.png)` an empty heading, and a link in a note had no underline (Ace found them)."""
    from PIL import Image

    folder = tmp_path / "empty-heading"
    folder.mkdir()
    Image.new("RGB", (8, 8), "red").save(folder / "dot.png")
    (folder / "booklet.yml").write_text("title: Headings\nlanguage: en\n", encoding="utf-8")
    (folder / "01.md").write_text(
        "---\ntitle: One\n---\n\n## <script>x()</script>\n\nText.[^n]\n\n## ![](dot.png)\n\n## Real\n\nMore.\n\n"
        "[^n]: See [the site](https://example.org/).\n",
        encoding="utf-8",
    )
    result = run_booklet("build", str(folder), "--out", str(tmp_path / "out"), "--format", "epub,html")
    assert result.returncode == 0, result.stderr
    epub = tmp_path / "out" / "empty-heading.epub"
    epub_reports.register(epub)
    with zipfile.ZipFile(epub) as book:
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
        chapter = etree.fromstring(book.read("EPUB/ch01.xhtml"))
    xhtml = "{http://www.w3.org/1999/xhtml}"
    links = [a.xpath("string()").strip() for a in nav.iter(f"{xhtml}a")]
    assert "" not in links and "Real" in links
    headings = [h.xpath("string()").strip() for h in chapter.iter(f"{xhtml}h2")]
    assert headings == ["Real"]
    assert [m for m in epub_reports.epubcheck(epub) if m["severity"] != "USAGE"] == []
    assert epub_reports.ace(epub) == []


def test_footnote_links_both_ways_in_the_pdf(kamailio: Path) -> None:
    """The call links to the note at the page foot, and the note's number back to the call."""
    import pikepdf

    with pikepdf.open(kamailio / "kamailio-in-action.pdf") as pdf:
        links = [
            (
                number,
                str(annotation.get("/Dest") or annotation.get("/A", {}).get("/D")),
                [float(v) for v in annotation.Rect],
            )
            for number, page in enumerate(pdf.pages, start=1)
            for annotation in page.get("/Annots", [])
            if annotation.get("/Subtype") == "/Link"
        ]
        destinations = {str(name): target for name, target in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
    to_note = [(page, rect) for page, target, rect in links if target == "fn-zhugeliang"]
    back = [(page, rect) for page, target, rect in links if target == "fnref-zhugeliang"]
    assert len(to_note) == 1 and len(back) == 1
    assert {"fn-zhugeliang", "fnref-zhugeliang"} <= set(destinations)
    (call_page, call_rect), (note_page, note_rect) = to_note[0], back[0]
    assert call_page == note_page
    assert abs(call_rect[3] - call_rect[1]) > 3 and abs(note_rect[3] - note_rect[1]) > 3  # an area to click
    assert max(note_rect[1], note_rect[3]) < min(call_rect[1], call_rect[3])  # the note is below its call


def test_weasyprint_warnings_are_the_authors_warnings() -> None:
    """What WeasyPrint logs while laying out is printed as a warning (and --strict fails on it);
    it was collected and never shown."""
    diagnostics = Diagnostics()
    report_layout(PrintedPdf(b"%PDF", {}, ("Ignored `colour: red` at 3:1, unknown property.",)), diagnostics)
    assert [str(w) for w in diagnostics.warnings] == [
        "booklet: warning: WeasyPrint: Ignored `colour: red` at 3:1, unknown property."
    ]


# A web page alone: no part of the PDF's machinery is imported (issue 15: a cold start loads what it needs).
WEB_PAGE_ALONE = """
import sys
from booklet.cli import main
status = main(["build", sys.argv[1], "--format", "html", "--quiet", "--out", sys.argv[2]])
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"weasyprint", "pydyf", "cffi"})
print(status, loaded, "fontTools.subset" in sys.modules)
"""


def test_a_web_page_alone_imports_no_weasyprint(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WEB_PAGE_ALONE, str(KAMAILIO), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split("\n")[0] == "0 [] False"
    assert (tmp_path / "kamailio-in-action.html").is_file()


@pytest.mark.parametrize(("formats", "drawn"), [(FORMATS, 1), (("epub",), 0), (("pdf",), 1)])
def test_one_layout_per_build_and_a_pdf_drawn_only_when_wanted(
    formats: tuple[str, ...], drawn: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The EPUB's page list comes from the PDF's layout (one for both); an EPUB alone is paginated, not drawn."""
    counts = {"layout": 0, "drawn": 0}

    def counted(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(booklet.pdf, "lay_out", counted("layout", booklet.pdf.lay_out))
    monkeypatch.setattr(
        weasyprint.document.Document, "write_pdf", counted("drawn", weasyprint.document.Document.write_pdf)
    )
    fixture = ROOT / "tests" / "fixtures" / "image-local"
    written = build(fixture, tmp_path, formats, BUILT_AT, Diagnostics())
    assert {output.path.suffix for output in written} >= {f".{kind}" for kind in formats}
    assert counts == {"layout": 1, "drawn": drawn}


@pytest.mark.parametrize("name", ["kamailio", "lang-ja", "mixed"])
def test_the_font_subsets_known_before_the_layout_are_those_the_epub_embeds(
    name: str, request: pytest.FixtureRequest
) -> None:
    """`build` asks for the EPUB's subsets before the print layout (a child makes those the cache
    lacks, on the other core): they must be the ones the EPUB made with the real page list asks
    for. After a build they are all in the cache, so a rebuild starts no child."""
    if name == "kamailio":
        built: Built = request.getfixturevalue("kamailio_built")
        source, pages = built.booklet, built.printed.pages
    else:
        source = load_booklet(ROOT / "tests" / "fixtures" / name, Diagnostics())
        pages = write_pdf(source, read_assets(source), BUILT_AT, paginate_only=True).pages
    assets = read_assets(source)
    asked: list[tuple[str, str, str]] = []

    def recorded(family: str, face: str, characters: str) -> bytes:
        asked.append((family, face, characters))
        return cached_subset(family, face, characters)

    write_epub(source, assets, BUILT_AT, pages, recorded)
    assert asked, "the booklet embeds fonts"
    assert list(font_subsets(source, assets, BUILT_AT)) == asked
    assert all(subset_is_cached(*wanted) for wanted in asked)
