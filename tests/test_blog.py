"""A blog is a source: booklets built from the test Jekyll and Hugo sites (tests/fixtures/sites),
chosen by tag, category and series; EPUBCheck and Ace on every EPUB (one batch for all);
links between chosen posts internal; every refusal's exact message and exit status."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Self

import pytest
from fontTools.ttLib import TTFont

from booklet.cli import main
from validators import EpubReports, format_messages

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
FONT_FACE_USAGE = "CSS-028"  # EPUBCheck's note that a @font-face is used: expected when one is embedded
EPOCH = "1764547200"  # 2025-12-01: the Hugo site's 2099 post is in the future
# name → (site, options, chapter titles in order)
BOOKLETS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "jekyll-JEKYLL": ("jekyll", ("--tag", "JEKYLL"), ("快速指南", "撰写博客", "Jekyll搭建博客")),
    "jekyll-Release": (
        "jekyll",
        ("--category", "Release"),
        (
            "Jekyll 1.0.0 Released",
            "Jekyll turns 2.0.0",
            'Jekyll 3.1.4 "Stability Sam" Released',
            "Jekyll 3.1.5 Released",
            "Jekyll 3.3 is here with better theme support, new URL filters, and tons more",
            "Jekyll turns 3.4.0",
            'Jekyll 3.4.1, or "Unintended Consequences"',
            "Jekyll 3.4.2 Released",
            "Jekyll 3.4.3 Released",
            "Jekyll 3.7.0 Released",
            "Jekyll 3.7.3 Released",
        ),
    ),
    "jekyll-Jekyll-3.4": (
        "jekyll",
        ("--series", "Jekyll 3.4"),
        (
            "Jekyll turns 3.4.0",
            'Jekyll 3.4.1, or "Unintended Consequences"',
            "Jekyll 3.4.2 Released",
            "Jekyll 3.4.3 Released",
        ),
    ),
    "hugo-OJ-运维": ("hugo", ("--series", "OJ 运维"), ("Hinata Online Judge 的搭建", "UOJ 自动备份")),
    "hugo-随笔": ("hugo", ("--category", "随笔"), ("记一场“革命”", "筷子")),
    "hugo-hugo": (
        "hugo",
        ("--tag", "hugo"),
        ("HTTP/2 Server Push in Hugo", "Let’s celebrate Hugo’s 5th birthday"),
    ),
    # 🦊 and `:new_moon_with_face:` in the text: printed in the emoji face (Symbola)
    "hugo-浏览器": (
        "hugo",
        ("--tag", "浏览器"),
        ("Firefox 的 Tree Style Tab 和 Duplicate Tabs Closer 插件",),
    ),
}
PRINTED = ("jekyll-Jekyll-3.4", "hugo-浏览器")  # the booklets also built as PDF


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports) -> dict[str, tuple[Path, str]]:
    """Every booklet above as EPUB and web page (the series also as PDF): name → (output folder, stderr)."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path_factory.mktemp("site-booklets")
    found = {}
    for name, (site, options, _) in BOOKLETS.items():
        formats = "pdf,epub,html" if name in PRINTED else "epub,html"
        with _Silent() as captured:
            code = main(["build", str(SITES / site), *options, "--out", str(out), "--format", formats])
        assert code == 0, captured.text
        found[name] = (out, captured.text)
    monkeypatch.undo()
    epub_reports.register(*(out / f"{name}.epub" for name in BOOKLETS))
    return found


class _Silent:
    """Standard error while building, kept for the assertions (the module fixture has no capsys)."""

    def __enter__(self) -> Self:
        import contextlib
        import io

        self.buffer = io.StringIO()
        self._redirect = contextlib.redirect_stderr(self.buffer)
        self._redirect.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._redirect.__exit__(None, None, None)
        self.text = self.buffer.getvalue()


def page(built: dict[str, tuple[Path, str]], name: str) -> str:
    return (built[name][0] / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(BOOKLETS))
def test_posts_become_chapters_oldest_first(built: dict[str, tuple[Path, str]], name: str) -> None:
    titles = re.findall(r'<h2 id="ch\d\d-title">(.*?)</h2>', page(built, name))
    assert tuple(titles) == BOOKLETS[name][2]  # markup made in content (render_title): `"` as it is


@pytest.mark.parametrize("name", sorted(BOOKLETS))
def test_every_site_booklet_passes_epubcheck_and_ace(
    built: dict[str, tuple[Path, str]], name: str, epub_reports: EpubReports
) -> None:
    epub = built[name][0] / f"{name}.epub"
    messages = [
        m
        for m in epub_reports.epubcheck(epub)
        if not (m["ID"] == FONT_FACE_USAGE and m["severity"] == "USAGE")
    ]
    assert messages == [], format_messages(messages)
    assert epub_reports.ace(epub) == [], format_messages(epub_reports.ace(epub))


def test_links_between_chosen_posts_are_internal_in_every_output(built: dict[str, tuple[Path, str]]) -> None:
    html = page(built, "jekyll-Jekyll-3.4")
    # 3.4.2 links to 3.4.1 with {% link %}, 3.4.3 to 3.4.0 the same way
    assert re.search(
        r'<section class="chapter" id="ch03".*?<a href="#ch02">lessons as for the\nprevious release</a>',
        html,
        re.DOTALL,
    )
    assert re.search(r'<section class="chapter" id="ch04".*?<a href="#ch01">v3.4.0</a>', html, re.DOTALL)
    with zipfile.ZipFile(built["jekyll-Jekyll-3.4"][0] / "jekyll-Jekyll-3.4.epub") as epub:
        assert 'href="ch02.xhtml#ch02"' in epub.read("EPUB/ch03.xhtml").decode()
    hugo = page(built, "hugo-OJ-运维")  # relref between the two posts of the series
    assert '<a href="#ch01">Hinata Online Judge 的搭建</a>' in hugo
    release = page(built, "jekyll-Release")  # a permalink written by hand; a post_url
    assert re.search(r'<section class="chapter" id="ch04".*?<a href="#ch03">v3.1.4</a>', release, re.DOTALL)
    assert re.search(
        r'<section class="chapter" id="ch02".*?<a href="#ch01">we released Jekyll 1.0.0</a>',
        release,
        re.DOTALL,
    )


def test_a_link_to_a_post_not_chosen_leads_to_the_site(built: dict[str, tuple[Path, str]]) -> None:
    # 3.7.3 links to 3.7.0, and 3.4.2 to 3.4.1: in a booklet without them, links to jekyllrb.com
    html = page(built, "jekyll-Jekyll-3.4")
    assert (
        '<a href="https://jekyllrb.com/docs/configuration/front-matter-defaults/">front matter\ndefaults</a>'
        in html
    )
    chopsticks = page(built, "hugo-随笔")
    assert '<a href="#ch01">记一场“革命”</a>' in chopsticks


def test_each_chapter_ends_with_a_link_to_the_original_post(built: dict[str, tuple[Path, str]]) -> None:
    html = page(built, "jekyll-Jekyll-3.4")
    address = "https://jekyllrb.com/news/2017/01/18/jekyll-3-4-0-released/"
    assert f'<p class="source-link">Original post: <a href="{address}">{address}</a></p>' in html
    hugo = page(built, "hugo-OJ-运维")
    address = "https://ouuan.github.io/posts/uoj-%E8%87%AA%E5%8A%A8%E5%A4%87%E4%BB%BD/"
    assert f'<p class="source-link">原文：<a href="{address}">{address}</a></p>' in hugo


def test_the_booklet_takes_the_sites_language_address_and_title(built: dict[str, tuple[Path, str]]) -> None:
    assert '<html lang="zh-CN"' in page(built, "jekyll-JEKYLL")  # every chosen post says lang: zh-CN
    assert '<html lang="en"' in page(built, "jekyll-Release")  # the site's lang
    assert '<html lang="zh-CN"' in page(built, "hugo-随笔")  # languageCode = "zh-cn"
    assert "<title>Jekyll News · Jekyll 3.4</title>" in page(built, "jekyll-Jekyll-3.4")


def test_liquid_and_shortcodes_are_rendered_never_printed(built: dict[str, tuple[Path, str]]) -> None:
    for name in BOOKLETS:
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", page(built, name), flags=re.DOTALL)
        assert "{{<" not in text and "{{%" not in text and "{% " not in text, name
    hugo = page(built, "hugo-hugo")
    assert '<a href="https://www.youtube.com/watch?v=0RKpf3rK57I">YouTube video 0RKpf3rK57I</a>' in hugo
    assert (
        "Number of Hugo themes on themes.gohugo.io in relation to the Hugo release dates." in hugo
    )  # figure
    chinese = page(built, "jekyll-JEKYLL")
    assert re.search(r'class="[^"]*\blanguage-bash\b', chinese)  # {% highlight bash %}


def test_left_out_posts_and_unsupported_tags_are_said_once(built: dict[str, tuple[Path, str]]) -> None:
    jekyll = SITES / "jekyll"
    assert (
        f"{jekyll}: note: left out 1 draft (drafts, `published: false`, or dated after the build)"
        in built["jekyll-JEKYLL"][1]
    )
    hugo = SITES / "hugo"
    bundle = hugo / "content" / "posts" / "lets-celebrate-hugos-5th-birthday" / "index.md"
    lines = built["hugo-hugo"][1].splitlines()
    assert (
        f"{bundle}:19: warning: shortcode `imgproc` is one this site defines: its markers are left out, its text kept"
        in lines
    )
    assert sum("imgproc" in line for line in lines) == 1
    assert (
        f"{hugo}: note: left out 1 future post (drafts, `published: false`, or dated after the build)"
        in lines
    )


def test_the_series_pdf_prints_the_original_addresses(built: dict[str, tuple[Path, str]]) -> None:
    import subprocess

    text = subprocess.run(
        ["pdftotext", str(built["jekyll-Jekyll-3.4"][0] / "jekyll-Jekyll-3.4.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "https://jekyllrb.com/news/2017/03/21/jekyll-3-4-3-released/" in text


def test_emoji_print_in_the_emoji_face_and_github_codes_become_emoji(
    built: dict[str, tuple[Path, str]],
) -> None:
    """ouuan's post writes 🦊 twice and `:new_moon_with_face:` once: the PDF embeds an outline
    face for them (no missing glyph, which fails the build), the EPUB a subset of it for the
    pictographs it holds, and every output shows the characters."""
    import subprocess

    pdf = built["hugo-浏览器"][0] / "hugo-浏览器.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"\+Symbola\S*\s+CID TrueType\s+Identity-H\s+yes yes yes", fonts), fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("🦊") == 2 and "🌚" in text and ":new_moon_with_face:" not in text
    html = page(built, "hugo-浏览器")
    assert "（我感觉这个东西应该叫黑名单 🌚）" in html and html.count("🦊") == 2
    with zipfile.ZipFile(built["hugo-浏览器"][0] / "hugo-浏览器.epub") as epub:
        chapter = epub.read("EPUB/ch01.xhtml").decode()
        face = TTFont(io.BytesIO(epub.read("EPUB/fonts/emoji.ttf")))  # an e-reader may have no emoji face
        css = epub.read("EPUB/style.css").decode()
    assert (
        '黑名单 <span class="emoji">🌚</span>）' in chapter
        and chapter.count('<span class="emoji">🦊</span>') == 2
    )
    assert {ord("🦊"), ord("🌚")} <= set(face.getBestCmap()) and face["name"].getBestFamilyName() == "Symbola"
    assert 'src: url("fonts/emoji.ttf") format("truetype")' in css


def test_a_github_code_the_print_face_lacks_stays_as_typed(tmp_path: Path) -> None:
    from booklet.content.dialect import markdown_to_html

    assert markdown_to_html("Ship it :tada: :octocat: `:tada:`") == (
        "<p>Ship it \U0001f389 :octocat: <code>:tada:</code></p>"
    )


def test_a_lone_post_takes_its_sites_language_unless_the_command_line_names_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Order (issue 12 item 6): `lang` in the post, --language, the site's language, detection.
    The post lies in a Hugo site (`languageCode = "zh-cn"`); its images are under static/."""
    post = (
        SITES / "hugo" / "content" / "posts" / "firefox-tree-style-tab-and-duplicate-tabs-closer" / "index.md"
    )
    code, _, err = run(capsys, "build", str(post), "--out", str(tmp_path / "a"), "--format", "html")
    assert code == 0, err
    assert (
        f"{post}: note: no `lang` given: the site's hugo.toml says `zh-cn`, so the booklet is in `zh-CN`;"
        " to choose, add `lang: zh-CN` (or another tag) to the front matter, or build with --language"
    ) in err.splitlines()
    html = (tmp_path / "a" / "index.html").read_text()
    assert '<html lang="zh-CN"' in html
    assert (
        len(re.findall(r"<img alt=\"[^\"]+\" src=\"data:image/png;base64,", html)) == 2
    )  # /post_img/… in static/
    code, _, err = run(
        capsys, "build", str(post), "--language", "ja", "--out", str(tmp_path / "b"), "--format", "html"
    )
    assert code == 0, err
    assert '<html lang="ja"' in (tmp_path / "b" / "index.html").read_text()
    assert "note: no `lang`" not in err


# --- refusals and options ---------------------------------------------------------------------


def copy_site(tmp_path: Path, site: str) -> Path:
    target = tmp_path / site
    shutil.copytree(SITES / site, target)
    return target


def test_a_selection_that_matches_nothing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "build", str(SITES / "jekyll"), "--tag", "nosuch", "--out", str(tmp_path))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        f"{SITES / 'jekyll'}: error: no published post matches tag nosuch: check the spelling,"
        " or list the site's tags with `grep -rh '^tags' _posts content`"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--since", "2017-13-01"), "--since: `2017-13-01` is not a date: write it as 2024-05-01"),
        (
            ("--fetch-remote", "--remote-images", "link"),
            "--fetch-remote and --remote-images link disagree: keep one",
        ),
        (("--name", "../x"), "--name: `../x` is not a file name: use letters, digits and dashes"),
    ],
)
def test_bad_options_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["build", str(SITES / "jekyll"), *options, "--out", str(tmp_path)])
    assert raised.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"booklet: error: {message}"


def test_a_post_url_to_no_post_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(tmp_path, "jekyll")
    post = site / "_posts" / "2017-03-09-jekyll-3-4-2-released.markdown"
    post.write_text(
        post.read_text().replace("_posts/2017-03-02-jekyll-3-4-1-released.markdown", "_posts/gone.md")
    )
    code, _, err = run(capsys, "build", str(site), "--series", "Jekyll 3.4", "--out", str(tmp_path / "out"))
    assert code == 1
    assert err.splitlines()[-1] == (
        f"{post}:11: error: `{{% link _posts/gone.md %}}`: no file of that name in the site ({site}): check the name"
    )


def test_only_the_chosen_posts_bodies_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_site(tmp_path, "jekyll")
    broken = site / "_posts" / "2013-05-06-jekyll-1-0-0-released.markdown"
    broken.write_text(broken.read_text() + "\n{% raw %}\nnever closed\n")
    code, _, err = run(
        capsys,
        "build",
        str(site),
        "--series",
        "Jekyll 3.4",
        "--out",
        str(tmp_path / "out"),
        "--format",
        "html",
    )
    assert code == 0, err
    code, _, err = run(
        capsys,
        "build",
        str(site),
        "--category",
        "release",
        "--out",
        str(tmp_path / "out"),
        "--format",
        "html",
    )
    assert code == 1
    assert (
        err.splitlines()[-1]
        == f"{broken}:24: error: `{{% raw %}}` is never closed: add `{{% endraw %}}` after its text"
    )


def test_bad_toml_front_matter_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(tmp_path, "hugo")
    post = site / "content" / "posts" / "chopsticks.md"
    post.write_text(post.read_text().replace("tags = ['食堂']", "tags = ['食堂'"))
    code, _, err = run(capsys, "build", str(site), "--out", str(tmp_path / "out"))
    assert code == 1
    assert err.splitlines()[-1] == (
        f'{post}:6: error: front matter is not valid TOML: unclosed array: check the quoting (`key = "text"`)'
    )


def test_images_never_come_from_outside_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_site(tmp_path, "hugo")
    (tmp_path / "outside.png").write_bytes(
        (site / "static" / "images" / "blog" / "hugo-http2-push.png").read_bytes()
    )
    post = site / "content" / "posts" / "chopsticks.md"
    post.write_text(post.read_text() + "\n![outside](../../../outside.png)\n")
    code, _, err = run(
        capsys, "build", str(site), "--tag", "食堂", "--out", str(tmp_path / "out"), "--format", "html"
    )
    assert code == 1
    assert err.splitlines()[-1] == (
        f"{post}:28: error: image `../../../outside.png` lies outside {site}, the folder booklet reads:"
        " move the image into it and change the path, or set `site_root:` in booklet.yml to a folder that holds it"
    )


def test_a_missing_site_image_names_where_it_was_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(tmp_path, "hugo")
    post = site / "content" / "posts" / "chopsticks.md"
    post.write_text(post.read_text() + "\n![gone](/post_img/gone.png)\n")
    code, _, err = run(
        capsys, "build", str(site), "--tag", "食堂", "--out", str(tmp_path / "out"), "--format", "html"
    )
    assert code == 1
    assert err.splitlines()[-1] == (
        f"{post}:28: error: image `/post_img/gone.png` does not exist: check the path (a leading `/` starts at {site} or {site}/static)"
    )


def test_remote_images_error_by_default_and_link_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(tmp_path, "hugo")
    post = site / "content" / "posts" / "chopsticks.md"
    post.write_text(post.read_text() + "\n![a gone host](//img.example.invalid/x.png)\n")
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", str(site), "--tag", "食堂", "--out", str(out), "--format", "html")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"{post}:28: error: remote image `https://img.example.invalid/x.png` is not fetched: save it beside the chapter,"
        " or build with --remote-images fetch (or --remote-images link, when its host is gone)"
    )
    code, _, err = run(
        capsys,
        "build",
        str(site),
        "--tag",
        "食堂",
        "--out",
        str(out),
        "--format",
        "html",
        "--remote-images",
        "link",
    )
    assert code == 0, err
    assert (
        f"{post}:28: warning: remote image `//img.example.invalid/x.png` is a link in this booklet (remote images: link)"
        in err
    )
    assert (
        '<a href="https://img.example.invalid/x.png">a gone host</a>' in (out / "hugo-食堂.html").read_text()
    )


def test_booklet_yml_in_a_site_holds_the_selection_and_the_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(tmp_path, "hugo")
    (site / "booklet.yml").write_text("title: 食堂二三事\nposts:\n  tags: [食堂]\nsource_links: false\n")
    code, _out, err = run(capsys, "build", str(site), "--out", str(tmp_path / "out"), "--format", "html")
    assert code == 0, err
    html = (tmp_path / "out" / "hugo-食堂.html").read_text()  # the name: the site and the selection
    assert "<title>食堂二三事</title>" in html
    assert re.findall(r'<h2 id="ch\d\d-title">(.*?)</h2>', html) == ["记一场“革命”", "筷子"]
    assert 'class="source-link"' not in html


def test_name_and_title_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        capsys,
        "build",
        str(SITES / "hugo"),
        "--tag",
        "食堂",
        "--name",
        "canteen",
        "--title",
        "食堂",
        "--out",
        str(tmp_path),
        "--format",
        "html",
    )
    assert code == 0, err
    assert "<title>食堂</title>" in (tmp_path / "canteen.html").read_text()


def test_a_lone_post_in_a_site_gets_its_sites_conventions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    post = SITES / "hugo" / "content" / "posts" / "UOJ-自动备份.md"  # TOML front matter, shortcodes
    code, _, err = run(capsys, "build", str(post), "--out", str(tmp_path), "--format", "html")
    assert code == 0, err
    html = (tmp_path / "UOJ-自动备份.html").read_text()
    assert '<a href="https://ouuan.github.io/posts/hinata-online-judge-%E7%9A%84%E6%90%AD%E5%BB%BA/">' in html
    assert '<p class="source-link">原文：<a href="https://ouuan.github.io/posts/uoj-' in html
    assert "2019-09-27" in html and "2019-09-27T" not in html  # the date as a date


def test_chapters_sort_naturally_or_as_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    for name in ("10-end.md", "2-middle.md", "1-start.md"):
        (folder / name).write_text(f"---\ntitle: {name[:-3]}\n---\n\nText.\n")
    (folder / "booklet.yml").write_text("title: Order\nlanguage: en\n")
    code, _, err = run(capsys, "build", str(folder), "--out", str(tmp_path / "a"), "--format", "html")
    assert code == 0, err
    titles = re.findall(r'<h2 id="ch\d\d-title">(.*?)</h2>', (tmp_path / "a" / "book.html").read_text())
    assert titles == ["1-start", "2-middle", "10-end"]
    (folder / "booklet.yml").write_text(
        "title: Order\nlanguage: en\nchapters:\n  - 10-end.md\n  - 1-start.md\n  - 3-gone.md\n"
    )
    code, _, err = run(capsys, "build", str(folder), "--out", str(tmp_path / "b"), "--format", "html")
    assert code == 1
    assert (
        err.splitlines()[-1]
        == f"{folder}/booklet.yml:6: error: `chapters:` names `3-gone.md`, which is not in {folder}: check the file name"
    )
    (folder / "booklet.yml").write_text(
        "title: Order\nlanguage: en\nchapters:\n  - 10-end.md\n  - 1-start.md\n"
    )
    code, _, err = run(capsys, "build", str(folder), "--out", str(tmp_path / "c"), "--format", "html")
    assert code == 0, err
    assert (
        f"{folder}/2-middle.md: warning: not in booklet.yml's `chapters:` list: left out (add it to the list to include it)"
        in err
    )
    titles = re.findall(r'<h2 id="ch\d\d-title">(.*?)</h2>', (tmp_path / "c" / "book.html").read_text())
    assert titles == ["10-end", "1-start"]


def test_the_pdf_prints_a_qr_code_of_each_original_address(built: dict[str, tuple[Path, str]]) -> None:
    from datetime import UTC, datetime

    import segno

    from booklet.content import load_booklet
    from booklet.errors import Diagnostics
    from booklet.model import Request, Selection
    from booklet.pdf import print_document

    assert (
        "warning:" not in built["jekyll-Jekyll-3.4"][1]
    )  # the PDF with its QR codes: WeasyPrint had nothing to say
    request = Request(selection=Selection(series=("Jekyll 3.4",)))
    booklet = load_booklet(SITES / "jekyll", Diagnostics(), None, request)
    html = print_document(booklet, datetime(2025, 12, 1, tzinfo=UTC), "cover.png")
    for chapter in booklet.chapters:
        assert chapter.source_url is not None
        code = segno.make_qr(chapter.source_url, error="m").svg_data_uri(scale=1, border=2)
        assert (
            f'<img class="source-qr" src="{code}" alt="QR code of the original post&#39;s address"/>' in html
        )
