"""content: Markdown → the model, with raw HTML cut to a safe list and every bad input located.

The property test at the end feeds generated Markdown and YAML through the real pipeline
(EPUB and web page, in-process) and finds no crash: every input either builds or ends in a
`BookletError`. A few of the EPUBs it builds are checked by EPUBCheck, in one batch.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from lxml import etree

from booklet.build import build
from booklet.content import load_booklet
from booklet.content.sanitize import sanitize
from booklet.errors import BookletError, Diagnostics
from validators import EpubReports, format_messages

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUILT_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def parse_fragment(html: str) -> etree._Element:
    """A chapter's fragment must be well-formed XML (it goes into the EPUB's XHTML as is)."""
    return etree.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml">{html}</div>')


def test_unsafe_html_never_reaches_the_model() -> None:
    diagnostics = Diagnostics()
    booklet = load_booklet(FIXTURES / "unsafe-html", diagnostics)
    html = booklet.chapters[0].html
    root = parse_fragment(html)
    tags = {etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)}
    assert tags.isdisjoint({"script", "iframe", "object", "style", "embed"})
    assert not any(name.startswith("on") for e in root.iter() for name in e.attrib)
    lowered = html.lower()
    for gone in ("alert", "javascript:", "data:", "display: none", "movie.swf"):
        assert gone not in lowered
    for kept in (
        "<sub>2</sub>",
        "<sup>2</sup>",
        "<kbd>Ctrl</kbd>",
        '<abbr title="Session Initiation Protocol">SIP</abbr>',
        "<ruby>漢<rt>kan</rt></ruby>",
        '<span lang="ja">日本語</span>',
        "<br/>",
        "Click me.",
        "A bad link and a data link.",
    ):
        assert kept in html
    assert len(diagnostics.warnings) == 7


@pytest.mark.parametrize(
    ("html", "token", "message"),
    [
        (
            '<p><a href=" java\tscript:alert(1)">x</a></p>',
            "javascript:",
            "a `javascript:` URL on `<a>` is dropped: use an http(s) address",
        ),
        (
            '<p><img src="data:image/png;base64,AAAA" alt="x"></p>',
            "data:",
            "a `data:` URL on `<img>` is dropped: use an http(s) address",
        ),
        (
            "<p><svg onload=alert(1)></svg></p>",
            "<svg",
            "raw HTML `<svg>` is not on the safe list: the tag is dropped, its text kept",
        ),
        (
            '<p><b OnMouseOver="x()">b</b></p>',
            "onmouseover",
            "event-handler attribute `onmouseover` on `<b>` is dropped: content never runs",
        ),
        ("<embed src=x.swf>", "<embed", "raw HTML `<embed>` is not allowed: it is dropped with its content"),
    ],
)
def test_sanitize_says_what_it_dropped(html: str, token: str, message: str) -> None:
    cleaned, dropped = sanitize(html)
    assert [(d.token, d.message) for d in dropped] == [(token, message)]
    for gone in ("script:", "data:", "svg", "onmouseover", "embed", "alert"):
        assert gone not in cleaned.lower()


def test_rt_and_rp_are_kept_only_inside_ruby(tmp_path: Path, epub_reports: EpubReports) -> None:
    """tests/fixtures/rt-outside-ruby: the ruby stays whole, the stray <rt> and <rp> lose their tags
    (their text stays), and EPUBCheck finds the EPUB valid (the stray <rt> was RSC-005)."""
    diagnostics = Diagnostics()
    html = load_booklet(FIXTURES / "rt-outside-ruby", diagnostics).chapters[0].html
    assert "<ruby>漢<rp>(</rp><rt>ㄏㄢˋ</rt><rp>)</rp></ruby>字，與落單的注音和括號。" in html
    build(FIXTURES / "rt-outside-ruby", tmp_path, ("epub",), BUILT_AT, Diagnostics())
    epub = tmp_path / "rt-outside-ruby.epub"
    epub_reports.register(epub)
    messages = [m for m in epub_reports.epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert messages == [], format_messages(messages)


def test_safe_html_passes_without_a_warning() -> None:
    html = '<p>H<sub>2</sub>O <a href="https://example.org/">x</a> <a href="mailto:a@b.c">m</a> <img src="x.png" alt="x"></p>'
    cleaned, dropped = sanitize(html)
    assert dropped == ()
    assert cleaned == html


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    source = tmp_path / "image-local"
    shutil.copytree(FIXTURES / "image-local", source)
    (source / "pictures").mkdir()
    (source / "pictures" / "same.png").symlink_to(source / "dot.png")
    (source / "02-two.md").write_text(
        "---\ntitle: Two\n---\n\n![the same dot](pictures/same.png)\n", encoding="utf-8"
    )
    booklet = load_booklet(source, Diagnostics())
    assert [image.href for image in booklet.images] == ["images/image001.png"]  # one file, one image
    assert all('src="images/image001.png"' in chapter.html for chapter in booklet.chapters)


def test_several_independent_errors_are_all_reported(tmp_path: Path) -> None:
    source = tmp_path / "two-errors"
    source.mkdir()
    (source / "booklet.yml").write_text("title: Two errors\n", encoding="utf-8")
    (source / "01.md").write_text(
        "---\ntitle: One\n---\n\nA call[^a].\n\n![gone](gone.png)\n", encoding="utf-8"
    )
    (source / "02.md").write_text("---\ntitle: Two\n---\n\n" + "[" * 1001 + "\n", encoding="utf-8")
    with pytest.raises(BookletError) as caught:
        load_booklet(source, Diagnostics())
    assert str(caught.value).splitlines() == [
        (
            f"{source}/02.md:5: error: more than 1,000 `[` in one paragraph: Markdown would take minutes to read it;"
            " put it in a code block (``` above and below)"
        ),
        f"{source}/01.md:7: error: image `gone.png` does not exist: check the file name (relative to {source})",
    ]


def test_errors_in_several_files_are_reported_together(tmp_path: Path) -> None:
    source = tmp_path / "three-files"
    source.mkdir()
    (source / "booklet.yml").write_text("title: Three\npage_size: A3\n", encoding="utf-8")
    (source / "01.md").write_text("---\ntags: [a]\n---\n\nText.\n", encoding="utf-8")
    (source / "02.md").write_bytes(b"---\ntitle: Two\n---\n\nBad \xff byte.\n")
    (source / "03.md").write_text("---\ntitle: Three\n---\n\nGood.\n", encoding="utf-8")
    with pytest.raises(BookletError) as caught:
        load_booklet(source, Diagnostics())
    assert str(caught.value).splitlines() == [
        f"{source}/booklet.yml:2: error: unknown page size `A3`: use one of A4, A5, A6, B5, Letter, 6x9",
        f"{source}/01.md:2: error: missing `title`: add a line `title: …`",
        f"{source}/02.md:5:5: error: not valid UTF-8 text: save the file as UTF-8",
    ]


def test_a_chapter_linked_from_outside_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "linked"
    shutil.copytree(FIXTURES / "utf8-bom", source)
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\n---\n\nNot for the booklet.\n", encoding="utf-8")
    (source / "02-two.md").symlink_to(outside)
    with pytest.raises(BookletError) as caught:
        load_booklet(source, Diagnostics())
    assert str(caught.value) == (
        f"{source}/02-two.md: error: `02-two.md` is a link to a file outside the booklet's folder: copy the file in"
    )


# --- generated input: no crash, ever --------------------------------------------------------

MARKDOWN_PIECES = st.sampled_from(
    [
        "# ",
        "## ",
        "#",
        "\n",
        "\n\n",
        "- ",
        "1. ",
        "> ",
        "    ",
        "```",
        "~~~",
        "*",
        "**",
        "_",
        "`",
        "[",
        "]",
        "(",
        ")",
        "[^a]",
        "[^a]: ",
        "[^1]",
        "[^1]: note",
        "![",
        "](",
        "x.png",
        "https://",
        "/2022/x.html",
        "<",
        ">",
        "&",
        "&amp;",
        "<b>",
        "</b>",
        "<script>",
        "<p onclick=x>",
        "<br>",
        "<ruby>",
        "<rt>",
        "|",
        "|---|",
        ":",
        "---",
        "...",
        "\t",
        "{#id}",
        "\\",
        '"',
        "'",
        "é",
        "中文",
        "。",
        "\u200b",
        "\ufeff",
        "\u2028",
        "🙂",
        "\x7f",
    ]
)
MARKDOWN = st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=6)), max_size=40).map("".join)
YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
YAML_KEYS = st.sampled_from(
    ["title", "author", "language", "date", "page_size", "tags", "cover", "base_url", "x", "lang"]
)
FRONT_MATTER = st.one_of(
    st.dictionaries(YAML_KEYS, YAML_VALUES, max_size=4).map(
        lambda d: __import__("yaml").safe_dump(d, allow_unicode=True)
    ),
    st.lists(
        st.sampled_from(
            [
                "title: T",
                "title:",
                ": x",
                "- a",
                "[",
                "{",
                "'",
                "title: 2024-13-45",
                "&a x",
                "*a",
                "title: !!python/object:os.system x",
                "\t",
                "key: |",
                "  indented",
                "%YAML 1.1",
            ]
        ),
        max_size=4,
    ).map("\n".join),
)


def build_or_fail_cleanly(source: Path, out: Path) -> Path | None:
    """Build EPUB and web page; a `BookletError` is a clean end (located, nothing written)."""
    try:
        outputs = build(source, out, ("epub", "html"), BUILT_AT, Diagnostics())
    except BookletError as error:
        where = source if source.is_dir() else source.parent
        assert all(line.startswith(str(where)) and ": error: " in line for line in str(error).splitlines()), (
            str(error)
        )
        assert not out.exists()
        return None
    return next(o.path for o in outputs if o.path.suffix == ".epub")


# The property test's seed: fixed, so every run tries the same examples and a failure replays;
# printed, and changed with BOOKLET_HYPOTHESIS_SEED to explore further.
HYPOTHESIS_SEED = int(os.environ.get("BOOKLET_HYPOTHESIS_SEED", "20261201"))


# Generated text holds characters no font has: WeasyPrint warns of each while the EPUB's page list
# is laid out, and the build turns that into an error (a clean end, checked below).
@pytest.mark.weasyprint_warnings(".notdef glyph rendered")
def test_generated_markdown_and_yaml_never_crash(tmp_path: Path, epub_reports: EpubReports) -> None:
    """Folder booklets and single posts from generated text: each builds or ends in a clean error."""
    print(f"hypothesis seed {HYPOTHESIS_SEED}: replay with BOOKLET_HYPOTHESIS_SEED={HYPOTHESIS_SEED}")
    kept: list[Path] = []
    successes = iter(range(10**6))
    examples = iter(range(10**6))

    @seed(HYPOTHESIS_SEED)
    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        booklet_yml=st.one_of(st.just("title: Generated\nlanguage: en"), FRONT_MATTER),
        front=st.one_of(st.just("title: Chapter"), FRONT_MATTER),
        body=MARKDOWN,
        shared=st.one_of(st.none(), MARKDOWN),
    )
    def one_build(booklet_yml: str, front: str, body: str, shared: str | None) -> None:
        folder = tmp_path / f"b{next(examples)}"
        source = folder / "generated"
        source.mkdir(parents=True)
        (source / "booklet.yml").write_text(booklet_yml, encoding="utf-8")
        (source / "01.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
        if shared is not None:
            (source / "footnotes.md").write_text(shared, encoding="utf-8")
        post = folder / "post.md"  # the same text as a single post: its front matter is the booklet's
        post.write_text(f"---\n{booklet_yml}\n---\n{body}\n\n# {front}\n\n{shared or ''}", encoding="utf-8")
        for epub in (
            build_or_fail_cleanly(source, folder / "out"),
            build_or_fail_cleanly(post, folder / "post-out"),
        ):
            if epub is not None and next(successes) % 6 == 0 and len(kept) < 10:
                kept.append(epub)  # a spread of the inputs that built, for EPUBCheck

    one_build()
    assert kept, "no generated input built at all: the strategies are too hostile"
    epub_reports.register(*kept)
    for epub in kept:
        messages = [m for m in epub_reports.epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")]
        assert messages == [], f"{epub}:\n{format_messages(messages)}"


def test_a_thousand_chapters_load_and_make_a_web_page(tmp_path: Path) -> None:
    """Robust at size, cheaply: 1,000 generated chapters read, checked and written as the web page.

    The full build of all three outputs at this size takes minutes (the PDF's layout): it is
    measured, with its time and peak memory, by bench/run.py.
    """
    source = tmp_path / "thousand"
    source.mkdir()
    (source / "booklet.yml").write_text("title: 一千章\nlanguage: zh-CN\n", encoding="utf-8")
    (source / "footnotes.md").write_text("[^sip]: 会话初始协议。\n", encoding="utf-8")
    for n in range(1, 1001):
        (source / f"{n:04d}.md").write_text(
            f"---\ntitle: 第{n}章\n---\n\n第{n}章：SIP[^sip] 与注释[^n{n}]。\n\n## 小节\n\n- 一\n- 二\n\n[^n{n}]: 注释 {n}。\n",
            encoding="utf-8",
        )
    diagnostics = Diagnostics()
    booklet = load_booklet(source, diagnostics)
    assert diagnostics.warnings == []
    assert len(booklet.chapters) == 1000
    ids = [heading.id for chapter in booklet.chapters for heading in chapter.headings]
    ids += [note.id for chapter in booklet.chapters for note in chapter.footnotes]
    assert len(ids) == len(set(ids)) == 4000
    outputs = build(source, tmp_path / "out", ("html",), BUILT_AT, Diagnostics())
    page = (tmp_path / "out" / "thousand.html").read_text(encoding="utf-8")
    assert outputs and "第1000章" in page and "注释 1000。" in page
    # From chapter 100 on the ids have three digits: every link in the page still finds its target.
    targets = set(re.findall(r'\bid="([^"]+)"', page))
    assert sorted(set(re.findall(r'href="#([^"]+)"', page)) - targets) == []
    assert "ch1000-s01" in targets


def test_lists_nested_by_two_or_three_spaces_nest(tmp_path: Path) -> None:
    """Regression: Jekyll, Hugo and GitHub nest by the item's content column; Python-Markdown wants 4."""
    from booklet.content import load_booklet
    from booklet.errors import Diagnostics

    folder = tmp_path / "nested-lists"
    folder.mkdir()
    (folder / "booklet.yml").write_text("title: Lists\nlanguage: en\n", encoding="utf-8")
    (folder / "01.md").write_text(
        "---\ntitle: One\n---\n\n- a\n  - a.1\n    - a.1.1\n- b\n\n1. one\n2. two\n   - two.1\n\n"
        "- c\n    - c.1 (four spaces)\n\n```\n- code\n  - stays code\n```\n",
        encoding="utf-8",
    )
    chapter = load_booklet(folder, Diagnostics()).chapters[0]
    tree = etree.fromstring(f"<div>{chapter.html}</div>")
    depth = {li.text.strip(): len(li.xpath("ancestor::ul|ancestor::ol")) for li in tree.iter("li") if li.text}
    assert depth == {
        "a": 1,
        "a.1": 2,
        "a.1.1": 3,
        "b": 1,
        "one": 1,
        "two": 1,
        "two.1": 2,
        "c": 1,
        "c.1 (four spaces)": 2,
    }
    assert "- code\n  - stays code" in tree.findtext(".//pre/code")


def test_headings_never_skip_a_level_and_siblings_stay_siblings(tmp_path: Path) -> None:
    """Regression (a Jekyll post whose first heading is `###`, and `<h5>` note boxes): Ace's
    heading-order, and Kindle's two-level contents, want no skipped level and equal siblings."""
    folder = tmp_path / "headings-skip-a-level"
    folder.mkdir()
    (folder / "booklet.yml").write_text("title: Headings\nlanguage: en\n")
    (folder / "01.md").write_text(
        "---\ntitle: Post\n---\n\n### 1. First\n\ntext\n\n### 2. Second\n\n<h5>Note</h5>\n\n## More\n\n#### Deep\n"
    )
    (chapter,) = load_booklet(folder, Diagnostics()).chapters
    assert [(h.level, h.text) for h in chapter.headings] == [
        (1, "Post"),
        (2, "1. First"),
        (2, "2. Second"),
        (3, "Note"),
        (2, "More"),
        (3, "Deep"),
    ]


def test_a_markdown_title_said_again_by_the_first_heading_is_printed_once(tmp_path: Path) -> None:
    """Issue 12 item 5: the title's Markdown is rendered (`title_html`), its text compared with the
    first heading's, and a note call in a heading stays out of its text and markup (contents,
    running heads, outline, navigation all come from `Heading`)."""
    from booklet.content import load_booklet
    from booklet.errors import Diagnostics
    from booklet.model import Heading

    post = tmp_path / "u128.md"
    post.write_text(
        "---\ntitle: 'The `u128` type, *at last*'\nlang: en\n---\n\n# The `u128` type, *at last*\n\n"
        "Text.\n\n## Why `u128`[^why]\n\nMore.\n\n[^why]: Because.\n",
        encoding="utf-8",
    )
    booklet = load_booklet(post, Diagnostics())
    chapter = booklet.chapters[0]
    assert (chapter.title, chapter.title_html) == (
        "The u128 type, at last",
        "The <code>u128</code> type, <em>at last</em>",
    )
    assert (booklet.metadata.title, booklet.metadata.title_html) == (chapter.title, chapter.title_html)
    assert "at last</h" not in chapter.html  # the heading that repeats the title is gone
    assert chapter.headings[1:] == (Heading(2, "Why u128", "ch01-s01", "Why <code>u128</code>"),)
    assert 'class="noteref"' in chapter.html  # the call itself stays in the heading, in the text
