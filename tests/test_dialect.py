"""The Markdown dialect (booklet/content/dialect.py, markdown.py): CommonMark + GFM as Jekyll,
Hugo and GitHub render it. Each construct on real text (the quoted lines come from the corpus
in tests/fixtures/real, or from the issue that reported them); each refusal's exact text."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from booklet.content import load_booklet
from booklet.content.dialect import markdown_to_html
from booklet.errors import BookletError, Diagnostics
from booklet.model import Request


def html(markdown: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(markdown_to_html(markdown), create_parent="div")


@pytest.mark.parametrize(
    ("name", "markdown", "xpath", "text"),
    [
        # en-rust-test-infra: a fence in a list item, nested by 4; and by 2 and 3.
        (
            "fence in list (4)",
            "- [compiletest]:\n\n    ```rs\n    //@ proc-macro: my.rs\n    ```\n",
            "//li//pre",
            "//@ proc-macro: my.rs",
        ),
        (
            "fence in list (2)",
            "- Run:\n\n  ```console\n  $ rustup update stable\n  ```\n",
            "//li//pre",
            "$ rustup update stable",
        ),
        (
            "fence in list (3)",
            "1. Run:\n\n   ```console\n   $ rustup update stable\n   ```\n",
            "//li//pre",
            "$ rustup update stable",
        ),
        (
            "fence in quote",
            "> ```sh\n> kubectl get --raw /metrics\n> ```\n",
            "//blockquote//pre",
            "kubectl get --raw /metrics",
        ),
        ("a list indented by 2 (crashed)", "  - kubectl\n  - kubeadm\n", "//li", "kubeadm"),
        (
            "nested by 2",
            "- [compiletest]:\n  - [Add AIX run-make support]\n",
            "//li/ul/li",
            "[Add AIX run-make support]",
        ),
        ("nested by 3", "1. kube-controller-manager\n   1. anti-affinity\n", "//li/ol/li", "anti-affinity"),
        # en-rust-1-54: an info string GitHub reads as its first word
        (
            "info string rust=",
            '```rust=\n#![doc = include_str!("README.md")]\n```\n',
            "//pre",
            '#![doc = include_str!("README.md")]',
        ),
        ("info string of two words", "```html interactive-example\n<p>x</p>\n```\n", "//pre", "<p>x</p>"),
        ("strikethrough", "~~This is *strikeout*.~~", "//del", "This is strikeout."),
        (
            "task list",
            "- [x] Write the press release\n- [ ] Update the website\n",
            "//li",
            "\u2611\u00a0Write the press release",
        ),
        (
            "autolink",
            "see https://github.com/rust-lang/rust/pull/132993 for it",
            "//a[@href]",
            "https://github.com/rust-lang/rust/pull/132993",
        ),
        ("definition list", "apple\n:   red fruit\n", "//dl/dd", "red fruit"),
        (
            "heading id",
            "## 弃用警告    {#deprecation-warnings}\n",
            "//h2[@id='deprecation-warnings']",
            "弃用警告",
        ),
        ("kramdown IAL line", "text\n{: .notice}\n", "//p", "text"),
        (
            "escaped <",
            r"Greater-than: \> and less: \< and bar \| and star \*",
            "//p",
            "Greater-than: > and less: < and bar | and star *",
        ),
        (
            "setext heading",
            "Level 2 with *emphasis*\n-----------------------\n",
            "//h2",
            "Level 2 with emphasis",
        ),
        (
            "reference with code label",
            "[`Hash`] trait\n\n[`Hash`]: http://doc.rust-lang.org/std/hash/trait.Hash.html\n",
            "//a/code",
            "Hash",
        ),
        ("unclosed div ends at a blank line", "<div>\nopen\n\nafter *em*\n", "//p/em", "em"),
        (
            "table caption",
            "| Target | Tier |\n| - | - |\n| `x86_64-unknown-linux-musl` | 2 |\n\n: Updated targets\n",
            "//table/caption",
            "Updated targets",
        ),
        (
            "pandoc inline note",
            "Here is an inline note.^[Inlines notes are easier to write.]",
            "//div[@class='footnote']//p",
            "Inlines notes are easier to write.",
        ),
        (
            "CJK line break",
            "允许 Kubernetes API\n服务器向客户端发送警告。\n第一行\n第二行",
            "//p",
            "允许 Kubernetes API\n服务器向客户端发送警告。第一行第二行",
        ),
        (
            "emphasis by full-width punctuation",
            "他说**“重要”**之后，这**很重要。**之后",
            "//strong",
            "“重要”",
        ),
        ("math as TeX in code", r"比率是 \\(90/75\\)，即超出目标 20%", "//code", "90/75"),
        ("superscript", "a^bc^d", "//sup", "bc"),
        ("subscript", "H~2~O", "//sub", "2"),
        ("container fences", "::: warning\nKeep it short.\n:::\n", "//p", "Keep it short."),
    ],
)
def test_construct(name: str, markdown: str, xpath: str, text: str) -> None:
    tree = html(markdown)
    found = [element.text_content() for element in tree.xpath(xpath)]
    assert any(text in f for f in found), (name, found, markdown_to_html(markdown))


def test_no_marker_is_left_as_text() -> None:
    tree = html(
        "## Title {#id}\n\npara\n{: .class}\n\n* TOC\n{:toc}\n\n```rust=\nx\n```\n\n::: note\nin\n:::\n"
    )
    text = tree.text_content()
    for marker in ("{#id}", "{:", "```", ":::", "TOC"):
        assert marker not in text


def test_dashes_and_ellipses_as_smarty_made_them() -> None:
    """`content.linear` does smarty's three substitutions in one walk: code, raw HTML and escapes kept."""
    text = (
        "a -- b ... c --- d ---- e .... f `x -- y` \\-\\- g\n\n    code -- z\n\n"
        '<span title="a--b">p--q</span>\n\n- it -- em\n\n*e--m*\n'
    )
    assert markdown_to_html(text) == (
        "<p>a \u2013 b \u2026 c \u2014 d ---- e .... f <code>x -- y</code> -- g</p>\n"
        '<div class="language-text highlight"><pre><span></span><code>code -- z\n</code></pre></div>\n'
        '<p><span title="a--b">p\u2013q</span></p>\n<ul>\n<li>it \u2013 em</li>\n</ul>\n<p><em>e\u2013m</em></p>'
    )


def test_the_block_queue_behaves_as_a_list() -> None:
    """`_Blocks` answers every position as the Python list it replaces would."""
    import random

    from booklet.content.linear import _Blocks

    chooser = random.Random(18)
    for _ in range(500):
        expected = [str(n) for n in range(chooser.randint(0, 5))]
        blocks = _Blocks(list(expected))
        for _ in range(8):
            operation, index = chooser.choice(["pop", "insert", "set", "get"]), chooser.randint(-6, 6)
            results = []
            for sequence in (expected, blocks):
                try:
                    if operation == "pop":
                        results.append(sequence.pop(index))
                    elif operation == "insert":
                        results.append(sequence.insert(index, "new"))
                    elif operation == "set":
                        sequence[index] = "set"
                        results.append(None)
                    else:
                        results.append(sequence[index])
                except IndexError:
                    results.append("IndexError")
            assert results[0] == results[1], (operation, index)
            assert [blocks[n] for n in range(len(blocks))] == expected


# --- through the reading stage: notes, links, language ---------------------------------------


def post(tmp_path: Path, body: str, front: str = "title: Post\nlanguage: en\n") -> Path:
    path = tmp_path / "post.md"
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def read(path: Path, language: str | None = None) -> tuple[object, list[str]]:
    diagnostics = Diagnostics()
    booklet = load_booklet(path, diagnostics, request=Request(language=language))
    return booklet, [str(w) for w in diagnostics.warnings] + [str(n) for n in diagnostics.notes]


@pytest.mark.parametrize(
    "body",
    [
        "x[^a'b]\n\n[^a'b]: note\n",  # an apostrophe (crashed: exit 70)
        "x[^Foo] y[^foo]\n\n[^Foo]: A\n",  # case variants are one label
        "a ///Footnotes Go Here/// b[^1]\n\n[^1]: n\n",  # Python-Markdown's placeholder
        "x[^中 文]\n\n[^中 文]: 注\n",  # spaces and CJK
    ],
)
def test_note_labels_never_crash(tmp_path: Path, body: str) -> None:
    booklet, _ = read(post(tmp_path, body))
    assert booklet.chapters[0].footnotes  # type: ignore[attr-defined]


def test_a_definition_that_starts_with_a_call_builds(tmp_path: Path) -> None:
    booklet, _ = read(post(tmp_path, "x[^1]\n\n[^1]:[^2]: x\n"))  # crashed: exit 70
    assert booklet.chapters[0].html  # type: ignore[attr-defined]


def test_case_variants_are_one_note_cited_twice(tmp_path: Path) -> None:
    booklet, _ = read(post(tmp_path, "x[^Foo] y[^foo]\n\n[^Foo]: A\n"))
    (note,) = booklet.chapters[0].footnotes  # type: ignore[attr-defined]
    assert (note.label, len(note.calls)) == ("Foo", 2)


def test_a_note_citing_a_note_numbers_and_prints_both(tmp_path: Path) -> None:
    # pandoc's "footnote in footnote" case, as GitHub renders it
    booklet, _ = read(
        post(
            tmp_path,
            "hello[^1] world\n\n[^1]: a footnote containing another footnote[^2]\n[^2]: second footnote\n",
        )
    )
    notes = booklet.chapters[0].footnotes  # type: ignore[attr-defined]
    assert [n.number for n in notes] == [1, 2]
    assert 'href="#fn-2"' not in notes[0].html and f'href="#{notes[1].id}"' in notes[0].html
    assert notes[1].calls[0] in notes[0].html  # the call in note 1 links back from note 2


def test_a_notes_line_breaks_are_soft(tmp_path: Path) -> None:
    # en-rust-test-infra's [^scope], written over four lines
    body = "infra[^scope]\n\n[^scope]: The test infra here refers to the test harness and\nsupporting components in our build system.\n"
    booklet, _ = read(post(tmp_path, body))
    assert "harness and supporting" in booklet.chapters[0].footnotes[0].html  # type: ignore[attr-defined]


def test_an_undefined_call_stays_as_written_with_a_warning(tmp_path: Path) -> None:
    path = post(tmp_path, "Also a reference that does not exist[^6].\n")
    booklet, messages = read(path)
    assert "[^6]" in booklet.chapters[0].html  # type: ignore[attr-defined]
    assert messages == [
        f"{path}:6: warning: footnote [^6] is cited but never defined: it is printed as written; add a line `[^6]: …`"
    ]


def test_a_label_defined_twice_keeps_the_first_with_a_warning(tmp_path: Path) -> None:
    path = post(tmp_path, "x[^1]\n\n[^1]: foo\n\n[^1]: bar\n")
    booklet, messages = read(path)
    assert "foo" in booklet.chapters[0].footnotes[0].html  # type: ignore[attr-defined]
    assert messages == [
        f"{path}:10: warning: footnote [^1] is defined twice (first at line 8): the first definition is used"
    ]


def test_an_uncited_note_is_warned_in_the_chapter_that_defines_it(tmp_path: Path) -> None:
    path = post(tmp_path, "# One\n\nx[^a]\n\n[^a]: A\n\n# Two\n\nno call\n\n[^b]: B\n")
    _, messages = read(path)
    assert f"{path}:16: warning: footnote [^b] is defined but never cited" in messages


def test_links_in_notes_are_checked_like_body_links(tmp_path: Path) -> None:
    path = post(
        tmp_path,
        "x[^n]\n\n[^n]: See [the audit docs](/docs/tasks/debug/audit/) and [PuTTY](https://www.putty.org/a b).\n",
    )
    booklet, messages = read(path)
    note = booklet.chapters[0].footnotes[0].html  # type: ignore[attr-defined]
    assert "booklet.invalid" not in note and 'href="/docs' not in note
    assert 'href="https://www.putty.org/a%20b"' in note
    assert any("link `/docs/tasks/debug/audit/` leads nowhere" in m for m in messages)


def test_in_page_anchors_lead_to_their_heading(tmp_path: Path) -> None:
    # en-rust-crates-io-malware: "After [analysing](#analysis) …", "## Analysis"
    body = "After [analysing](#analysis) the crates.\n\n## Analysis\n\nText [back](#custom-id) [gone](#nowhere).\n\n## Other {#custom-id}\n"
    path = post(tmp_path, body)
    booklet, messages = read(path)
    page = lxml_html.fragment_fromstring(booklet.chapters[0].html, create_parent="div")  # type: ignore[attr-defined]
    hrefs = [a.get("href") for a in page.iter("a")]
    assert hrefs == ["#ch01-s01", "#ch01-s02"]
    assert messages == [
        f"{path}:10: warning: link `#nowhere` names no heading or anchor in the booklet: it is kept as text"
    ]


def test_a_link_to_another_chapters_file_is_internal(tmp_path: Path) -> None:
    (tmp_path / "booklet.yml").write_text("title: B\nlanguage: en\n", encoding="utf-8")
    (tmp_path / "01-one.md").write_text(
        "---\ntitle: One\n---\n\nSee [setup](02-setup.md#install) and [two](02-setup.md).\n", encoding="utf-8"
    )
    (tmp_path / "02-setup.md").write_text(
        "---\ntitle: Setup\n---\n\n## Install\n\nDo it.\n", encoding="utf-8"
    )
    booklet, messages = read(tmp_path)
    page = lxml_html.fragment_fromstring(booklet.chapters[0].html, create_parent="div")  # type: ignore[attr-defined]
    assert [a.get("href") for a in page.iter("a")] == ["#ch02-s01", "#ch02"]
    assert messages == []


def test_author_ids_are_namespaced_and_a_duplicate_warned(tmp_path: Path) -> None:
    path = post(tmp_path, '<p id="fnref1">a</p>\n\n<p id="fnref1">b</p>\n\n[to a](#fnref1)\n')
    booklet, messages = read(path)
    html_ = booklet.chapters[0].html  # type: ignore[attr-defined]
    assert (
        'id="ch01-a01"' in html_
        and 'href="#ch01-a01"' in html_
        and html_.count('id="') == html_.count('id="ch01-')
    )
    assert messages == [f"{path}:1: warning: id `fnref1` is used twice: links lead to the first"] or any(
        "used twice" in m for m in messages
    )


@pytest.mark.parametrize(
    ("body", "tag", "name"),
    [
        (
            "This post describes configurable tolerance for horizontal Pod autoscaling, a new alpha feature.",
            "en",
            "English",
        ),
        (
            "この投稿では、Kubernetes 1.33で初めて利用可能になった新しいアルファ機能について説明します。",
            "ja",
            "Japanese",
        ),
        (
            "該元素僅支援全域屬性。當與元素一起使用時，這個屬性具有特定的語義意義。",
            "zh-TW",
            "Traditional Chinese",
        ),
        (
            "作为 Kubernetes 维护者，我们一直在寻找在保持兼容性的同时提高可用性的方法。",
            "zh-CN",
            "Simplified Chinese",
        ),
    ],
)
def test_a_post_without_a_language_gets_its_texts(tmp_path: Path, body: str, tag: str, name: str) -> None:
    path = post(tmp_path, body, front="title: Post\n")
    booklet, messages = read(path)
    assert booklet.metadata.language == tag  # type: ignore[attr-defined]
    assert len(messages) == 1 and messages[0].startswith(
        f"{path}: note: no `language` given: the text reads as {name} ("
    )
    assert messages[0].endswith(
        f"so the booklet is in `{tag}`; to choose, add `lang: {tag}` (or another tag) to the front matter, or build with --language"
    )


def test_the_command_lines_language_wins_over_the_guess(tmp_path: Path) -> None:
    booklet, messages = read(
        post(tmp_path, "Plain English text of a post.", front="title: Post\n"), language="de"
    )
    assert booklet.metadata.language == "de" and messages == []  # type: ignore[attr-defined]


# --- the guard: within 10 s, a located error or a correct build ------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[" * 20_000 + "\n", "post.md:6: error: more than 1,000 `[` in one paragraph"),
        (
            "<div>" * 100_000 + "\n",
            "post.md:6: error: lists, quotes or raw HTML nested more than 100 levels deep",
        ),
        ("a" * 200_000 + "\n", None),
        (
            ">" * 5_000 + " deep\n",
            "post.md:6: error: lists, quotes or raw HTML nested more than 100 levels deep",
        ),
    ],
)
def test_the_guard(tmp_path: Path, body: str, error: str | None) -> None:
    import time

    path = post(tmp_path, body)
    started = time.perf_counter()
    if error is None:
        booklet, _ = read(path)
        assert "a" * 1000 in booklet.chapters[0].html  # type: ignore[attr-defined]
    else:
        with pytest.raises(BookletError) as caught:
            read(path)
        assert str(caught.value).startswith(f"{tmp_path}/{error}")
    assert time.perf_counter() - started < 10


# --- images, headings ------------------------------------------------------------------------


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#345"/></svg>'


def test_svg_and_webp_are_images(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "diagram.svg").write_text(SVG, encoding="utf-8")
    Image.new("RGB", (8, 8), "red").save(tmp_path / "photo.webp")
    booklet, messages = read(post(tmp_path, "![Sequence diagram](diagram.svg)\n\n![A photo](photo.webp)\n"))
    assert [i.media_type for i in booklet.images] == ["image/svg+xml", "image/webp"]  # type: ignore[attr-defined]
    assert messages == []


def test_an_svg_that_would_run_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.svg").write_text(
        SVG.replace("<rect", "<script>alert(1)</script><rect"), encoding="utf-8"
    )
    with pytest.raises(BookletError) as caught:
        read(post(tmp_path, "![Diagram](bad.svg)\n"))
    assert str(caught.value) == (
        f"{tmp_path}/post.md:6: error: image `bad.svg` is an SVG with a script or an outside link: remove them, or use a PNG"
    )


def test_an_image_alone_with_a_title_is_a_figure(tmp_path: Path) -> None:
    (tmp_path / "diagram.svg").write_text(SVG, encoding="utf-8")
    booklet, _ = read(
        post(tmp_path, '![「鶏が先か卵が先か」問題のシーケンス図](diagram.svg "シーケンス図")\n')
    )
    page = lxml_html.fragment_fromstring(booklet.chapters[0].html, create_parent="div")  # type: ignore[attr-defined]
    assert [f.findtext("figcaption") for f in page.iter("figure")] == ["シーケンス図"]


def test_a_note_call_in_a_heading_stays_out_of_the_contents(tmp_path: Path) -> None:
    booklet, _ = read(post(tmp_path, "## Analysis[^n]\n\nText.\n\n[^n]: A note.\n"))
    assert [h.text for h in booklet.chapters[0].headings] == ["Post", "Analysis"]  # type: ignore[attr-defined]


def test_a_chapter_opening_with_its_title_prints_it_once(tmp_path: Path) -> None:
    (tmp_path / "booklet.yml").write_text("title: B\nlanguage: en\n", encoding="utf-8")
    (tmp_path / "01.md").write_text("---\ntitle: Setup\n---\n\n# Setup\n\nDo it.\n", encoding="utf-8")
    booklet, _ = read(tmp_path)
    assert "Setup" not in booklet.chapters[0].html  # type: ignore[attr-defined]
