"""Booklets in other languages: each output follows the booklet's `language`.

Three small fixtures, each built once (PDF, EPUB, web page): `lang-ja`, `lang-zh-tw` and
`lang-en`. Checked: the EPUB embeds the regional Noto Serif CJK face (JP, TC; read from the
subset's name table), and none at all for English; the interface words (EPUB navigation, PDF
contents, web page) are in the booklet's language and script; authors are joined with `、`
in Chinese and Japanese and `, ` otherwise; the PDF's faces are the regional ones for the
text and for headings; English paragraphs have a first-line indent except after a heading,
Chinese ones 2 em everywhere (measured with `pdftotext -bbox`). EPUBCheck checks the three.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from booklet.pdf.typeset import typeset_print_html
from booklet.scripts import join_names, writing_system
from booklet.theme import labels
from validators import EpubReports, format_messages

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
NAMES = ("lang-ja", "lang-zh-tw", "lang-yue-hk", "lang-en")
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
FONT_FACE_USAGE = "CSS-028"  # EPUBCheck's note that a @font-face is used: expected when one is embedded
BODY_SIZE = 9.0  # pt, A6


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports) -> dict[str, Path]:
    """name → output folder, with `<name>.pdf`, `.epub`, `.html`."""
    tmp = tmp_path_factory.mktemp("languages")
    sources = {name: FIXTURES / name for name in NAMES}
    sources["lang-en-cjk"] = tmp / "lang-en-cjk"  # English with a few CJK words
    shutil.copytree(FIXTURES / "lang-en", sources["lang-en-cjk"])
    with (sources["lang-en-cjk"] / "02-end.md").open("a", encoding="utf-8") as file:
        file.write("\nThe Japanese words にほんご and 日本語, and the Chinese 中文.\n")
    folders = {}
    for name, source in sources.items():
        out = tmp / name
        result = subprocess.run(
            [sys.executable, "-m", "booklet", "build", str(source), "--out", str(out)],
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        )
        assert result.returncode == 0, result.stderr
        assert "warning" not in result.stderr, result.stderr
        folders[name] = out
    epub_reports.register(*(folder / f"{name}.epub" for name, folder in folders.items()))
    return folders


def output(built: dict[str, Path], name: str, suffix: str) -> Path:
    return built[name] / f"{name}.{suffix}"


def epub_files(built: dict[str, Path], name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(output(built, name, "epub")) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


# --- the writing system and its words -----------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "system"),
    [
        ("zh-CN", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh-Hans-HK", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
        ("yue-HK", "zh-Hant"),
        ("cmn-Hans", "zh-Hans"),
        ("cmn-Hant-TW", "zh-Hant"),
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("ko-KR", "ko"),
        ("en", "other"),
        ("fr-CA", "other"),
        ("de", "other"),
    ],
)
def test_writing_system_of_a_language_tag(tag: str, system: str) -> None:
    assert writing_system(tag) == system


def test_every_table_of_labels_has_the_same_words() -> None:
    keys = set(labels("en"))
    for tag in ("zh-CN", "zh-TW", "ja", "ko"):
        assert set(labels(tag)) == keys, tag


def test_names_are_joined_by_the_language_convention() -> None:
    assert join_names(("陈", "林"), "zh-CN") == "陈、林"
    assert join_names(("山田", "佐藤"), "ja") == "山田、佐藤"
    assert join_names(("Jane Doe", "John Roe"), "en") == "Jane Doe, John Roe"
    assert join_names(("Jean", "Marie"), "fr") == "Jean, Marie"


# --- EPUB -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*NAMES, "lang-en-cjk"])
def test_epubcheck_reports_nothing(built: dict[str, Path], epub_reports: EpubReports, name: str) -> None:
    messages = epub_reports.epubcheck(output(built, name, "epub"))
    unexpected = [m for m in messages if not (m["ID"] == FONT_FACE_USAGE and m["severity"] == "USAGE")]
    assert unexpected == [], format_messages(unexpected)


@pytest.mark.parametrize(
    ("name", "family"), [("lang-ja", "Noto Serif CJK JP"), ("lang-zh-tw", "Noto Serif CJK TC")]
)
def test_epub_embeds_the_regional_face(built: dict[str, Path], name: str, family: str) -> None:
    files = epub_files(built, name)
    fonts = sorted(n for n in files if n.endswith(".otf"))
    assert len(fonts) == 2
    for font in fonts:
        assert TTFont(io.BytesIO(files[font]))["name"].getDebugName(1) == family
    css = files["EPUB/style.css"].decode()
    assert f'font-family: "{family}"' in css
    assert "CJK SC" not in css.split("code,")[0]  # no Simplified face anywhere before the code rule


def test_english_epub_embeds_no_cjk_font(built: dict[str, Path]) -> None:
    files = epub_files(built, "lang-en")
    assert not [n for n in files if n.endswith((".otf", ".ttf", ".woff", ".woff2"))]
    css = files["EPUB/style.css"].decode()
    assert "@font-face" not in css
    assert re.search(r"body \{ font-family: serif; \}", css)


def test_english_epub_with_cjk_words_embeds_a_face_for_them_only(built: dict[str, Path]) -> None:
    files = epub_files(built, "lang-en-cjk")
    fonts = sorted(n for n in files if n.endswith(".otf"))
    assert len(fonts) == 2
    for font in fonts:
        face = TTFont(io.BytesIO(files[font]))
        assert face["name"].getDebugName(1) == "Noto Serif CJK JP"  # kana: Japanese forms
        characters = set(map(chr, face.getBestCmap()))
        assert set("にほんご日本語中文") <= characters
        assert not characters & set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    css = files["EPUB/style.css"].decode()
    assert css.count("unicode-range: U+2E80-2FFF") == 2
    assert 'body { font-family: serif, "Noto Serif CJK JP"' in css  # Latin text: the reader's own serif


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("lang-ja", ("目次", "ランドマーク", "表紙", "ページ（印刷版）")),
        ("lang-zh-tw", ("目錄", "導覽", "封面", "頁碼（印刷版）")),
        ("lang-en", ("Contents", "Landmarks", "Cover", "Pages (print edition)")),
    ],
)
def test_epub_navigation_speaks_the_language(
    built: dict[str, Path], name: str, words: tuple[str, ...]
) -> None:
    nav = etree.fromstring(epub_files(built, name)["EPUB/nav.xhtml"])
    text = [t.strip() for t in nav.xpath("//x:h1//text() | //x:h2//text() | //x:a//text()", namespaces=XHTML)]
    for word in words:
        assert word in text, (word, text)
    for foreign in {"目录", "导航", "Contents", "Landmarks", "目次", "目錄"} - set(words):
        assert foreign not in text


@pytest.mark.parametrize(
    ("name", "authors"),
    [("lang-ja", "山田太郎、佐藤花子"), ("lang-zh-tw", "陳大文、林小明"), ("lang-en", "Jane Doe, John Roe")],
)
def test_authors_joined_by_the_language_convention(built: dict[str, Path], name: str, authors: str) -> None:
    title = etree.fromstring(epub_files(built, name)["EPUB/title.xhtml"])
    assert title.xpath("string(//x:p[@class='authors'])", namespaces=XHTML) == authors
    assert authors in subprocess.run(
        ["pdftotext", "-l", "2", str(output(built, name, "pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\n", " ")
    assert authors in output(built, name, "html").read_text(encoding="utf-8")


# --- web page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "contents", "note"),
    [("lang-ja", "目次", "注 1"), ("lang-zh-tw", "目錄", "註釋 1"), ("lang-en", "Contents", "Note 1")],
)
def test_web_page_speaks_the_language(built: dict[str, Path], name: str, contents: str, note: str) -> None:
    page = etree.HTML(output(built, name, "html").read_bytes())
    assert page.xpath("string(//h2[@id='contents-title'])") == contents
    assert page.xpath(f"//*[@aria-label='{note}']"), note


def test_only_non_cjk_pages_get_the_western_indents(built: dict[str, Path]) -> None:
    assert "h1 + p, h2 + p" in output(built, "lang-en", "html").read_text(encoding="utf-8")
    assert "h1 + p, h2 + p" not in output(built, "lang-zh-tw", "html").read_text(encoding="utf-8")


# --- PDF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "region"), [("lang-ja", "JP"), ("lang-zh-tw", "TC"), ("lang-yue-hk", "TC"), ("lang-en", None)]
)
def test_pdf_faces_follow_the_language(built: dict[str, Path], name: str, region: str | None) -> None:
    listing = subprocess.run(
        ["pdffonts", str(output(built, name, "pdf"))], capture_output=True, text=True, check=True
    ).stdout
    fonts = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]}
    if region is None:
        assert not [font for font in fonts if "CJK" in font], fonts
        assert "Noto-Serif-Italic" in fonts  # emphasis in a real italic
    else:  # text and headings, contents entries included, in the regional faces only
        assert fonts == {f"Noto-{s}-CJK-{region}{w}" for s in ("Serif", "Sans") for w in ("", "-Bold")}, fonts


@pytest.mark.parametrize(
    ("name", "contents"), [("lang-ja", "目次"), ("lang-zh-tw", "目錄"), ("lang-en", "Contents")]
)
def test_pdf_contents_title_speaks_the_language(built: dict[str, Path], name: str, contents: str) -> None:
    text = subprocess.run(
        ["pdftotext", "-f", "3", "-l", "3", str(output(built, name, "pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert text.split()[0] == contents


def words_of(pdf: Path) -> list[tuple[int, str, float]]:
    """Every word: (page number, text, left edge in pt)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    return [
        (number, word.text or "", float(word.get("xMin")))
        for number, page in enumerate(root.iter("{*}page"), start=1)
        for word in page.iter("{*}word")
    ]


def find(words: list[tuple[int, str, float]], start: str, page: int | None = None) -> tuple[int, float]:
    """The first word starting with `start` (on `page`): its page and left edge."""
    return next((p, x) for p, text, x in words if text.startswith(start) and page in (None, p))


def test_english_indents_except_after_a_heading(built: dict[str, Path]) -> None:
    words = words_of(output(built, "lang-en", "pdf"))
    page, left = find(words, "Firstline")  # the paragraph right after the chapter title
    assert find(words, "Introduction", page) == (page, left)
    second = find(words, "Secondline")
    assert second[0] == page
    assert 1.2 * BODY_SIZE <= second[1] - left <= 1.6 * BODY_SIZE, second[1] - left
    assert find(words, "Thirdline") == (page, left)  # after a section heading: flush left


def test_chinese_keeps_two_em_after_a_heading(built: dict[str, Path]) -> None:
    words = words_of(output(built, "lang-zh-tw", "pdf"))
    page, first = find(words, "這是一本")  # right after the chapter title
    _, left = find(words, "序言", page)
    assert first - left == pytest.approx(2 * BODY_SIZE, abs=0.5)
    assert find(words, "「引號」") == (page, first)  # right after a section heading


@pytest.mark.parametrize(
    ("language", "typeset"),
    [("zh-CN", True), ("yue-HK", True), ("cmn-Hans", True), ("ja", True), ("en", False), ("jam", False)],
)
def test_every_chinese_tag_gets_the_chinese_typesetting(language: str, typeset: bool) -> None:
    """The typesetter asks scripts.writing_system, as every other stage does (it asked
    `startswith("zh")`, so yue-HK and cmn-Hans were set without elastic points)."""
    html = f'<html lang="{language}"><body><div class="chapter"><p>中文，English 中文</p></div></body></html>'
    assert ("cjk-set" in typeset_print_html(html, language)) is typeset


def test_the_writing_system_is_one_attribute_on_html(built: dict[str, Path]) -> None:
    """yue-HK: every document says zh-Hant once, on <html>, and the CSS asks for it there."""
    page = output(built, "lang-yue-hk", "html").read_text(encoding="utf-8")
    assert '<html lang="yue-HK" data-script="zh-Hant">' in page
    assert '[data-script="zh-Hant"] body' in page and ":lang(zh-TW)" not in page
    for name, data in epub_files(built, "lang-yue-hk").items():
        if name.endswith(".xhtml"):
            assert b'xml:lang="yue-HK" data-script="zh-Hant"' in data, name
