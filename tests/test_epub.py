"""The EPUB: valid (EPUBCheck), accessible (Ace), pop-up footnotes, its own font, a page list
that matches the PDF, and what MuPDF draws from it.

Three EPUBs are built once per session (with their PDFs, whose pagination the page list
follows) and validated in one batch: the Kamailio booklet, the `epub-notes` fixture (lists,
a table, code, a note cited twice, a shared note, links between chapters), and the same
fixture with `embed_fonts: false`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from booklet.epub import check_epub
from booklet.fonts import missing_characters
from conftest import Built
from validators import EpubReports, calibre, format_messages

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
NOTES = ROOT / "tests" / "fixtures" / "epub-notes"
EMPHASIS = ROOT / "tests" / "fixtures" / "emphasis-latin-dotted"
NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# EPUBCheck's only message for an EPUB that embeds a font is a USAGE note that it does
# (CSS-028, "Use of Font-face declaration"): informational, and the issue asks for the font.
FONT_FACE_USAGE = "CSS-028"


def build(source: Path, out: Path, *formats: str, env: dict[str, str] | None = None) -> Path:
    command = [
        sys.executable,
        "-m",
        "booklet",
        "build",
        str(source),
        "--out",
        str(out),
        "--format",
        ",".join(formats),
    ]
    result = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    return out


def without_fonts(tmp: Path) -> Path:
    """The epub-notes fixture with `embed_fonts: false` and the author's own cover, a JPEG."""
    copy = tmp / "epub-notes-plain"
    shutil.copytree(NOTES, copy)
    Image.new("RGB", (400, 640), (120, 30, 40)).save(copy / "cover.jpg", format="JPEG")
    with (copy / "booklet.yml").open("a", encoding="utf-8") as file:
        file.write("embed_fonts: false\ncover: cover.jpg\n")
    return copy


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports, kamailio_built: Built
) -> dict[str, Path]:
    """name → folder holding `<name>.epub` and `<name>.pdf`; all EPUBs registered for one batch."""
    tmp = tmp_path_factory.mktemp("epub")
    folders = {
        "kamailio-in-action": kamailio_built.folder,  # the session's build (conftest.py)
        "epub-notes": build(NOTES, tmp / "notes", "pdf", "epub", "html"),
        "epub-notes-plain": build(without_fonts(tmp), tmp / "plain", "pdf", "epub"),
        "emphasis-latin-dotted": build(EMPHASIS, tmp / "emphasis", "epub"),
    }
    epub_reports.register(*(folder / f"{name}.epub" for name, folder in folders.items()))
    return folders


def epub_of(built: dict[str, Path], name: str) -> Path:
    return built[name] / f"{name}.epub"


def documents(epub: Path) -> dict[str, etree._Element]:
    """Every XHTML document of the EPUB, by file name."""
    with zipfile.ZipFile(epub) as archive:
        return {
            Path(n).name: etree.fromstring(archive.read(n))
            for n in archive.namelist()
            if n.endswith(".xhtml")
        }


def chapters(epub: Path) -> dict[str, etree._Element]:
    return {name: tree for name, tree in documents(epub).items() if re.fullmatch(r"ch\d+\.xhtml", name)}


def package(epub: Path) -> etree._Element:
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read("EPUB/content.opf"))


ALL = ["kamailio-in-action", "epub-notes", "epub-notes-plain", "emphasis-latin-dotted"]


# --- validators -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_epubcheck_reports_nothing(built: dict[str, Path], epub_reports: EpubReports, name: str) -> None:
    messages = epub_reports.epubcheck(epub_of(built, name))
    embeds_font = name != "epub-notes-plain"
    unexpected = [
        m for m in messages if not (embeds_font and m["ID"] == FONT_FACE_USAGE and m["severity"] == "USAGE")
    ]
    assert unexpected == [], format_messages(unexpected)


@pytest.mark.parametrize("name", ALL)
def test_ace_reports_no_violation(built: dict[str, Path], epub_reports: EpubReports, name: str) -> None:
    violations = epub_reports.ace(epub_of(built, name))
    assert violations == [], format_messages(violations)


# --- package and documents ----------------------------------------------------------------


def test_latin_in_emphasis_gets_no_dot_and_a_call_keeps_its_character(built: dict[str, Path]) -> None:
    """着重号 under Han characters only: each Latin run of an emphasis is a `span.latin`, which the
    stylesheet keeps italic and unmarked; each call shares a `span.nobreak` (no line break inside)
    with the character before it, so it never starts a line (clreq §3.1.7)."""
    epub = epub_of(built, "emphasis-latin-dotted")
    chapter = chapters(epub)["ch01.xhtml"]
    runs = [span.text for span in chapter.iterfind(".//x:em//x:span[@class='latin']", NS)]
    assert runs == ["Kamailio in Action", "SIP", "RFC 3261", "Kamailio 5.8"]
    stray = [
        text
        for em in chapter.iterfind(".//x:em", NS)
        for text in em.xpath(
            ".//text()[not(ancestor::x:span[@class='latin'] or ancestor::x:code)]", namespaces=NS
        )
        if re.search("[A-Za-z0-9]", text)
    ]
    assert stray == []
    calls = chapter.xpath("//x:sup[x:a[@epub:type='noteref']]", namespaces=NS)
    glued = [sup.getparent() for sup in calls]
    assert calls and all(g.get("class") == "nobreak" and g.text == "手" for g in glued)
    with zipfile.ZipFile(epub) as archive:
        css = re.sub(r"/\*.*?\*/", "", archive.read("EPUB/style.css").decode(), flags=re.DOTALL)
    screen = css[css.index("@media screen") :]
    assert re.search(r"em span\.latin[^{]*\{[^}]*text-emphasis: none", screen)
    assert re.search(r'\[data-script="ja"\] em \{[^}]*text-emphasis: filled sesame', screen)
    assert re.search(r"em span\.latin \{[^}]*font-style: italic", css)
    assert re.search(r"span\.nobreak \{[^}]*white-space: nowrap", css)


def test_package_metadata_is_complete(built: dict[str, Path]) -> None:
    opf = package(epub_of(built, "kamailio-in-action"))
    assert opf.get(XML_LANG) == "zh-CN"
    metas = {m.get("property"): m.text for m in opf.iterfind(".//opf:meta[@property]", NS)}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metas["dcterms:modified"])
    assert metas["dcterms:conformsTo"] == "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    for needed in (
        "schema:accessMode",
        "schema:accessModeSufficient",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
        "pageBreakSource",
    ):
        assert metas.get(needed), needed
    assert metas["pageBreakSource"].startswith("kamailio-in-action.pdf")
    dc = opf.xpath(".//*[namespace-uri()='http://purl.org/dc/elements/1.1/']")
    assert dc and all((element.text or "").strip() for element in dc), "an empty dc: element"
    cover = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert cover is not None and cover.get("media-type") == "image/png"
    spine = [(ref.get("idref"), ref.get("linear")) for ref in opf.iterfind(".//opf:itemref", NS)]
    assert spine[:3] == [("cover", None), ("title", None), ("nav", None)]


def test_every_document_is_kindle_safe(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(epub_of(built, "kamailio-in-action")) as archive:
        for name in (n for n in archive.namelist() if n.endswith(".xhtml")):
            raw = archive.read(name)
            assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), name
            root = etree.fromstring(raw)
            assert root.get("lang") == root.get(XML_LANG) == "zh-CN", name
            assert not root.xpath("//x:style | //*[@style]", namespaces=NS), name
            assert [link.get("href") for link in root.iterfind(".//x:link", NS)] == ["style.css"], name
            assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", i) for i in root.xpath("//@id")), name


def test_stylesheet_is_one_kindle_converters_accept(built: dict[str, Path]) -> None:
    """One stylesheet; no @supports or @import (KindleGen and calibre drop them); Han never slanted."""
    with zipfile.ZipFile(epub_of(built, "kamailio-in-action")) as archive:
        sheets = [n for n in archive.namelist() if n.endswith(".css")]
        css = archive.read("EPUB/style.css").decode()
    assert sheets == ["EPUB/style.css"]
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert not re.search(r"@(supports|import)\b", css)
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
    slanted = [sel.strip() for sel, body in rules if re.search(r"font-style:\s*(italic|oblique)", body)]
    # only Latin text in italics: marked as another language, or a Latin run of an emphasis
    assert all(":lang(" in selector or "span.latin" in selector for selector in slanted), slanted
    assert any(re.search(r"(^|,)\s*em\s*(,|$)", sel) and "font-style: normal" in body for sel, body in rules)
    assert re.search(r"\bp \{[^}]*text-indent: 2em", css) and "text-align: justify" in css


def test_cover_page_and_navigation(built: dict[str, Path]) -> None:
    docs = documents(epub_of(built, "kamailio-in-action"))
    image = docs["cover.xhtml"].find(".//x:img", NS)
    assert image.get("role") == "doc-cover" and image.get("src") == "cover.png"
    assert image.get("alt").startswith("《Kamailio实战》内容及特色")
    nav = docs["nav.xhtml"]
    toc = nav.find(".//x:nav[@role='doc-toc']", NS)
    assert toc is not None and toc.get(EPUB_TYPE) == "toc"
    assert len(toc.findall("./x:ol/x:li", NS)) == 14
    landmarks = nav.xpath(".//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)
    assert {a.get(EPUB_TYPE): a.get("href") for a in landmarks} == {
        "cover": "cover.xhtml",
        "toc": "nav.xhtml#toc",
        "bodymatter": "ch01.xhtml",
    }


# --- footnotes: one markup that pops up on every reader (README, "Readers") ----------------


def note_calls(tree: etree._Element) -> list[etree._Element]:
    return tree.xpath(".//x:a[@epub:type='noteref']", namespaces=NS)


def notes_of(epub: Path) -> Iterator[tuple[str, etree._Element, etree._Element, etree._Element]]:
    """(file, chapter, call, the element the call links to) for every call of every chapter."""
    for file_name, tree in chapters(epub).items():
        for call in note_calls(tree):
            targets = tree.xpath("//*[@id=$id]", id=call.get("href").removeprefix("#"))
            assert len(targets) == 1, f"{file_name}: the note of {call.get('id')} is not in the same file"
            yield file_name, tree, call, targets[0]


NOTE_COUNTS = {"kamailio-in-action": 1, "epub-notes": 5}


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kindle_every_note_and_every_call_carry_their_semantics(built: dict[str, Path], name: str) -> None:
    """Kindle pops up a note only when every note has epub:type footnote and role doc-footnote,
    and the call epub:type noteref (Distributed Proofreaders' tests, guiguts-py #1952)."""
    found = 0
    for file_name, _tree, call, note in notes_of(epub_of(built, name)):
        assert call.get("role") == "doc-noteref" and re.fullmatch(r"\d+", call.text) and len(call) == 0
        assert note.tag == f"{{{NS['x']}}}div" and note.get(EPUB_TYPE) == "footnote", file_name
        assert note.get("role") == "doc-footnote", file_name
        found += 1
    assert found == NOTE_COUNTS[name]
    for tree in chapters(epub_of(built, name)).values():  # no note left unmarked
        assert len(tree.xpath(".//*[@epub:type='footnote']", namespaces=NS)) == len(
            tree.xpath(".//*[@role='doc-footnote']")
        )


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_apple_books_shows_the_number_once(built: dict[str, Path], name: str) -> None:
    """Apple Books titles a pop-up with the call's number: the note holds neither its number nor a
    back-link; the number, linking back, stands right before it. And the call is the `<a>` inside
    a `<sup>`, never around one (Apple Books opens no pop-up from `<a><sup>`, pandoc #1995)."""
    for file_name, _, call, note in notes_of(epub_of(built, name)):
        assert call.getparent().tag == f"{{{NS['x']}}}sup", file_name
        assert not note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS), file_name
        assert not "".join(note.itertext()).strip().startswith(call.text), file_name
        back = note.getprevious()
        assert back.get("class") == "footnote-back" and back[0].text == call.text, file_name
        assert "#" + call.get("id") in back.xpath("./x:a[@role='doc-backlink']/@href", namespaces=NS), (
            f"{file_name}: no way back to {call.get('id')}"
        )


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kobo_note_follows_its_call_in_the_same_file_and_is_long_enough(
    built: dict[str, Path], name: str
) -> None:
    """Kobo pops up a link's target when it comes later in the same file and holds 9 to 5000
    characters (kobolabs/epub-spec, "Footnotes/Endnotes Are Fully Supported")."""
    for file_name, tree, call, note in notes_of(epub_of(built, name)):
        order = {element: index for index, element in enumerate(tree.iter())}
        assert order[note] > order[call], f"{file_name}: {note.get('id')} comes before its call"
        text = re.sub(r"\s+", "", "".join(note.itertext()))
        assert 9 <= len(text) <= 5000, f"{file_name}: {note.get('id')} holds {len(text)} characters"


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_duokan_and_zhangyue_find_their_classes(built: dict[str, Path], name: str) -> None:
    """多看 and 掌阅 pop up `a.duokan-footnote` → `ol.duokan-footnote-content > li.duokan-footnote-item`."""
    for file_name, _, call, note in notes_of(epub_of(built, name)):
        assert call.get("class").split() == ["noteref", "duokan-footnote"], file_name
        items = note.xpath(
            "./x:ol[@class='duokan-footnote-content']/x:li[@class='duokan-footnote-item']", namespaces=NS
        )
        assert len(note) == 1 and len(items) == 1, file_name
        assert "".join(items[0].itertext()).strip() == "".join(note.itertext()).strip()


def test_readium_and_koreader_find_notes_by_their_semantics_alone(built: dict[str, Path]) -> None:
    """Thorium (Readium) and KOReader pop up what a noteref links to; the notes are in the flow
    too, last in the chapter, for readers that only follow links (MuPDF, Adobe Digital Editions)."""
    for file_name, tree in chapters(epub_of(built, "epub-notes")).items():
        notes = tree.find(".//x:section[@class='chapter']", NS)[-1]
        assert notes.get("class") == "footnotes", file_name
        ids = [n.get("id") for n in notes.iterfind("x:div[@epub:type='footnote']", NS)]
        first_calls = dict.fromkeys(call.get("href")[1:] for call in note_calls(tree))
        assert ids == list(first_calls), file_name


def test_note_cited_twice_has_one_body_and_two_ways_back(built: dict[str, Path]) -> None:
    tree = chapters(epub_of(built, "epub-notes"))["ch01.xhtml"]
    calls = [c for c in note_calls(tree) if c.get("href") == "#fn-twice"]
    assert [c.get("id") for c in calls] == ["fnref-twice", "fnref-twice-2"]
    assert [c.text for c in calls] == ["1", "1"]
    notes = tree.xpath(".//x:div[@id='fn-twice']", namespaces=NS)
    assert len(notes) == 1
    back = [a.get("href") for a in notes[0].getprevious().xpath("./x:a[@role='doc-backlink']", namespaces=NS)]
    assert back == ["#fnref-twice", "#fnref-twice", "#fnref-twice-2"]


def test_shared_note_is_in_each_chapter_that_cites_it(built: dict[str, Path]) -> None:
    for file_name, tree in chapters(epub_of(built, "epub-notes")).items():
        notes = tree.xpath(".//x:div[@epub:type='footnote']", namespaces=NS)
        shared = [n for n in notes if "footnotes.md" in "".join(n.itertext())]
        assert len(shared) == 1, file_name
        assert tree.xpath(
            ".//x:a[@epub:type='noteref'][@href=$h]", namespaces=NS, h="#" + shared[0].get("id")
        )


def test_links_between_chapters_name_the_file(built: dict[str, Path]) -> None:
    docs = documents(epub_of(built, "epub-notes"))
    ids = {name: set(tree.xpath("//@id")) for name, tree in docs.items()}
    hrefs = [(name, a.get("href")) for name, tree in docs.items() for a in tree.iterfind(".//x:a[@href]", NS)]
    assert ("ch01.xhtml", "ch02.xhtml#ch02-s01") in hrefs and ("ch02.xhtml", "ch01.xhtml#ch01") in hrefs
    for name, href in hrefs:
        file_name, _, fragment = href.partition("#")
        target = file_name or name
        assert target in ids and (not fragment or fragment in ids[target]), f"{name}: {href} leads nowhere"


# --- page list --------------------------------------------------------------------------------


def pdf_destinations(pdf: Path) -> dict[str, int]:
    """Each named destination of the PDF (an element id) → its 1-based page, from poppler's pdfinfo."""
    listing = subprocess.run(
        ["pdfinfo", "-dests", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return {
        m.group(2): int(m.group(1))
        for m in re.finditer(r'^\s*(\d+)\s+\[.*?\]\s+"(.*)"$', listing, re.MULTILINE)
    }


def page_markers(tree: etree._Element) -> Iterator[tuple[etree._Element, etree._Element]]:
    for marker in tree.xpath(".//*[@epub:type='pagebreak']", namespaces=NS):
        yield marker, marker.getnext()


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_page_list_matches_the_pdf(built: dict[str, Path], name: str) -> None:
    pages = pdf_destinations(built[name] / f"{name}.pdf")
    epub = epub_of(built, name)
    markers: list[str] = []
    block_pages: set[int] = set()
    for file_name, tree in chapters(epub).items():
        for marker, block in page_markers(tree):
            page = int(marker.get("aria-label"))
            assert marker.get("role") == "doc-pagebreak" and marker.get("id") == f"page-{page}"
            assert pages[block.get("id")] == page, (
                f"{file_name}: marker {page} stands before {block.get('id')}, on PDF page {pages[block.get('id')]}"
            )
            markers.append(f"{file_name}#page-{page}")
        section = tree.find(".//x:section", NS)
        block_pages |= {pages[b.get("id")] for b in section if b.get("id") in pages}
    assert len(markers) == len(block_pages), "a printed page on which a block starts has no marker"
    nav = documents(epub)["nav.xhtml"]
    listed = nav.xpath(".//x:nav[@epub:type='page-list']//x:a/@href", namespaces=NS)
    assert listed == markers
    with zipfile.ZipFile(epub) as archive:
        ncx = etree.fromstring(archive.read("EPUB/toc.ncx"))
    ncx_ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    assert ncx.xpath("//n:pageList/n:pageTarget/n:content/@src", namespaces=ncx_ns) == markers
    assert [int(m.rsplit("-", 1)[1]) for m in markers] == sorted(block_pages)


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_web_page_anchors_match_the_pdf_and_the_epub_page_list(built: dict[str, Path], name: str) -> None:
    """`#p12` in the web page stands right before the block that opens PDF page 12, and the
    web page anchors the same pages as the EPUB's page list: "see page 12" works in all three."""
    pages = pdf_destinations(built[name] / f"{name}.pdf")
    page = lxml_html.fromstring((built[name] / f"{name}.html").read_bytes())
    anchored = []
    for anchor in page.xpath("//span[@class='page']"):
        number = int(anchor.get("id").removeprefix("p"))
        block = anchor.getnext()
        block_id = block.get("id").removesuffix("-title") if block.tag == "h2" else block.get("id")
        assert pages[block_id] == number, (
            f"#p{number} stands before {block_id}, on PDF page {pages[block_id]}"
        )
        assert len(anchor) == 0 and not (anchor.text or "").strip(), "an anchor shows something"
        anchored.append(number)
    nav = documents(epub_of(built, name))["nav.xhtml"]
    listed = [
        int(h.rsplit("-", 1)[1])
        for h in nav.xpath(".//x:nav[@epub:type='page-list']//x:a/@href", namespaces=NS)
    ]
    assert anchored == listed and len(anchored) > {"kamailio-in-action": 4, "epub-notes": 3}[name]


# --- Kindle: calibre's AZW3 (KF8), as Send-to-Kindle would have it ------------------------


@pytest.fixture(scope="session")
def kindle(
    built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[str, Path, Path]]:
    """name → (ebook-convert's log, the AZW3 taken apart by calibre-debug --inspect-mobi,
    and the AZW3 converted back to an EPUB, where calibre resolves every kindle:pos link)."""
    tmp = tmp_path_factory.mktemp("kindle")
    made = {}
    for name in ("kamailio-in-action", "epub-notes"):
        azw3 = tmp / f"{name}.azw3"
        log = calibre("ebook-convert", str(epub_of(built, name)), str(azw3))
        calibre("calibre-debug", "--inspect-mobi", str(azw3), cwd=tmp)  # writes decompiled_<name> here
        back = tmp / f"{name}-back.epub"
        calibre("ebook-convert", str(azw3), str(back))
        made[name] = (log, tmp / f"decompiled_{name}", back)
    return made


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kindle_conversion_warns_of_nothing(kindle: dict[str, tuple[str, Path, Path]], name: str) -> None:
    log = kindle[name][0]
    complaints = [
        line for line in log.splitlines() if re.search(r"warn|error|invalid|fail", line, re.IGNORECASE)
    ]
    assert complaints == [] and "AZW3 output written" in log, "\n".join(complaints)


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kindle_notes_stay_linked_and_marked(
    built: dict[str, Path], kindle: dict[str, tuple[str, Path, Path]], name: str
) -> None:
    """In the AZW3 each call still links (kindle:pos) and keeps noteref, each note footnote and
    doc-footnote; back in EPUB form, each call leads to its note's text."""
    _, decompiled, back = kindle[name]
    kf8 = "".join(p.read_text(encoding="utf-8") for p in sorted((decompiled / "files").glob("*.html")))
    calls = re.findall(r"<a [^>]*role=\"doc-noteref\"[^>]*>", kf8)
    assert len(calls) == NOTE_COUNTS[name] and all('href="kindle:pos:fid:' in c for c in calls), calls
    assert len(re.findall(r'type="footnote" role="doc-footnote"', kf8)) == len(
        re.findall(
            r"<div [^>]*doc-footnote",
            "".join(etree.tostring(t, encoding="unicode") for t in chapters(epub_of(built, name)).values()),
        )
    )
    texts = {
        note.get("id"): " ".join("".join(note.itertext()).split())
        for _, _, _, note in notes_of(epub_of(built, name))
    }
    with zipfile.ZipFile(back) as archive:
        pages = {n: lxml_html.fromstring(archive.read(n)) for n in archive.namelist() if n.endswith(".html")}
    followed = 0
    for page in pages.values():
        for call in page.xpath("//a[@role='doc-noteref']"):
            file_name, _, target = call.get("href").partition("#")
            note = next(p for n, p in pages.items() if n.endswith(file_name)).get_element_by_id(target)
            assert " ".join(note.text_content().split()) == texts[target]
            followed += 1
    assert followed == NOTE_COUNTS[name]


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kindle_keeps_the_embedded_fonts(
    built: dict[str, Path], kindle: dict[str, tuple[str, Path, Path]], name: str
) -> None:
    """The AZW3 holds the EPUB's two font subsets byte for byte, declared by @font-face."""
    decompiled = kindle[name][1]
    with zipfile.ZipFile(epub_of(built, name)) as archive:
        ours = sorted(archive.read(n) for n in archive.namelist() if n.endswith(".otf"))
    theirs = sorted(p.read_bytes() for p in (decompiled / "fonts").iterdir())
    assert len(ours) == 2 and theirs == ours
    css = "".join(p.read_text(encoding="utf-8") for p in (decompiled / "flows").glob("*.txt"))
    assert len(re.findall(r"src: url\(kindle:embed:\w+\) format\(\"opentype\"\)", css)) == 2


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_kindle_keeps_the_cjk_typography(kindle: dict[str, tuple[str, Path, Path]], name: str) -> None:
    """The AZW3's stylesheet still holds what the EPUB's screen rules ask of CJK text (calibre
    resolves them onto each element's class): strict line breaking, the quarter em where Han meets
    Latin and trimmed punctuation where readers have them, calls kept with their character, and
    the emphasis dots."""
    css = "".join(p.read_text(encoding="utf-8") for p in (kindle[name][1] / "flows").glob("*.txt"))
    assert "line-break: strict" in css
    assert "text-autospace: normal" in css and "text-spacing-trim: space-first" in css
    assert re.search(r"\.nobreak \{[^}]*white-space: nowrap", css)
    if name == "epub-notes":  # *强调的文字*
        assert re.search(r"\{[^}]*-webkit-text-emphasis: filled dot;[^}]*font-style: normal", css)


# --- the release check (booklet check) --------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_booklets_own_epub_passes_its_own_check(built: dict[str, Path], name: str) -> None:
    """booklet's EPUB has none of the hazards `booklet check` looks for; only the author's own
    small cover (400×640, in the plain variant) is one, named as such."""
    epub = epub_of(built, name)
    found = [str(w) for w in check_epub(epub.read_bytes(), epub)]
    expected = {
        "epub-notes-plain": [
            f"{epub}/EPUB/cover.jpg: warning: cover of 400×640 px, under the 1600×2560 px Kindle asks for: use a larger image (booklet draws its own at 1600×2560 when booklet.yml names no cover)"
        ]
    }
    assert found == expected.get(name, [])


def test_deep_headings_stay_out_of_kindles_two_level_contents(tmp_path: Path) -> None:
    """A post's `###` and `####` are in the text but not in the navigation: Kindle shows two
    levels, so booklet's own check would otherwise warn the author about booklet's own nav."""
    source = tmp_path / "deep"
    source.mkdir()
    (source / "booklet.yml").write_text("title: Deep\nlanguage: en\n", encoding="utf-8")
    (source / "01-one.md").write_text(
        "---\ntitle: One\n---\n\n## Section\n\nText.\n\n### Subsection\n\nMore.\n\n#### Deeper\n\nEnd.\n",
        encoding="utf-8",
    )
    epub = build(source, tmp_path / "out", "epub") / "deep.epub"
    links = documents(epub)["nav.xhtml"].xpath(".//x:nav[@role='doc-toc']//x:a", namespaces=NS)
    assert [" ".join("".join(a.itertext()).split()) for a in links] == ["One", "Section"]
    assert "Subsection" in "".join(chapters(epub)["ch01.xhtml"].itertext())
    assert [str(w) for w in check_epub(epub.read_bytes(), epub)] == []


# --- the font -------------------------------------------------------------------------------


def text_characters(epub: Path) -> str:
    """Every visible character of the text. Spaces are left out: Noto CJK has no glyph for
    U+00A0 and readers set it as a space (the MuPDF test below checks what is drawn)."""
    text = "".join(
        "".join(tree.xpath("//x:body//text()", namespaces=NS)) for tree in documents(epub).values()
    )
    return "".join(sorted(c for c in set(text) if not c.isspace()))


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_embedded_font_covers_every_character(built: dict[str, Path], name: str) -> None:
    epub = epub_of(built, name)
    with zipfile.ZipFile(epub) as archive:
        fonts = {n: archive.read(n) for n in archive.namelist() if n.startswith("EPUB/fonts/")}
        css = archive.read("EPUB/style.css").decode()
    assert sorted(fonts) == ["EPUB/fonts/serif-bold.otf", "EPUB/fonts/serif-regular.otf"]
    characters = text_characters(epub)
    assert len(characters) > 30
    for font_name, data in fonts.items():
        assert data[:4] == b"OTTO", f"{font_name} is not an OpenType (CFF) font"
        assert missing_characters(data, characters) == "", font_name
    assert len(re.findall(r"@font-face\s*\{", css)) == 2
    assert re.search(r'body\s*\{[^}]*font-family:\s*"Noto Serif CJK SC"', css)


def test_kamailio_epub_is_small(built: dict[str, Path]) -> None:
    assert epub_of(built, "kamailio-in-action").stat().st_size < 1_500_000


def test_embed_fonts_false_embeds_no_font(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(epub_of(built, "epub-notes-plain")) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".otf")]
        assert not re.search(r"@font-face\s*\{", archive.read("EPUB/style.css").decode())


def test_an_authors_jpeg_cover_is_named_as_a_jpeg(built: dict[str, Path]) -> None:
    opf = package(epub_of(built, "epub-notes-plain"))
    cover = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert (cover.get("href"), cover.get("media-type")) == ("cover.jpg", "image/jpeg")
    image = documents(epub_of(built, "epub-notes-plain"))["cover.xhtml"].find(".//x:img", NS)
    assert image.get("src") == "cover.jpg"


@pytest.mark.parametrize("name", ["kamailio-in-action", "epub-notes"])
def test_mupdf_draws_no_notdef(built: dict[str, Path], name: str) -> None:
    """MuPDF lays the EPUB out with its embedded fonts (the e-ink worst case): no missing glyph."""
    mutool = shutil.which("mutool")
    assert mutool, "mutool is missing: run tools/install-test-deps.sh"
    trace = subprocess.run(
        [mutool, "trace", "-W", "420", "-H", "595", str(epub_of(built, name))],
        capture_output=True,
        text=True,
        check=True,
    )
    glyphs = re.findall(r'<g unicode="([^"]*)" glyph="([^"]*)"', trace.stdout)
    assert len(glyphs) > 100
    missing = [u for u, glyph in glyphs if glyph in ("0", ".notdef") or u == "\ufffd"]
    assert missing == [], f"MuPDF drew .notdef for {missing[:20]}"
    assert "notdef" not in trace.stderr
    assert (
        'font="Noto Serif CJK SC Regular"' in trace.stdout and 'font="Noto Serif CJK SC Bold"' in trace.stdout
    )


# --- builds ---------------------------------------------------------------------------------


def test_same_input_same_bytes_and_fonts_come_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = build(NOTES, tmp_path / "a", "epub", env={"XDG_CACHE_HOME": str(cache)}) / "epub-notes.epub"
    subsets = sorted((cache / "booklet" / "fonts").iterdir())
    assert len(subsets) == 2
    stamps = [s.stat().st_mtime_ns for s in subsets]
    second = build(NOTES, tmp_path / "b", "epub", env={"XDG_CACHE_HOME": str(cache)}) / "epub-notes.epub"
    assert first.read_bytes() == second.read_bytes()
    assert [s.stat().st_mtime_ns for s in sorted((cache / "booklet" / "fonts").iterdir())] == stamps
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
