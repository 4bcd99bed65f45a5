"""The web page of the Kamailio booklet, read as a file and opened in headless Chromium.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright from PyPI (never
`playwright install`); axe-core comes from npm into tools/axe (tools/install-test-deps.sh).
Screenshots go to $BOOKLET_SCREENSHOTS when set (to look at them), else to a temporary folder.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Browser, Page, Playwright, Request, Route, sync_playwright

from validators import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
NAME = "kamailio-in-action"
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = {"width": 375, "height": 812}, {"width": 1280, "height": 900}


def run_booklet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "booklet", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web page alone, beside a PDF and an EPUB left by an earlier build (links are relative)."""
    out = tmp_path_factory.mktemp("web")
    for kind in ("pdf", "epub"):
        (out / f"{NAME}.{kind}").write_bytes(b"an earlier build")
    result = run_booklet("build", str(KAMAILIO), "--out", str(out), "--format", "html")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def page_file(built: Path) -> Path:
    return built / f"{NAME}.html"


@pytest.fixture(scope="module")
def tree(page_file: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(page_file.read_bytes())


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("BOOKLET_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.is_file(), (
        "Chromium is missing: run tools/install-test-deps.sh (apt-get install chromium)"
    )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Opened:
    """A page opened from the file, with every request it made and those the route refused."""

    def __init__(self, page: Page, requests: list[str], refused: list[str]) -> None:
        self.page, self.requests, self.refused = page, requests, refused


def open_page(browser: Browser, page_file: Path, viewport: dict[str, int], scheme: str = "light") -> Opened:
    context = browser.new_context(viewport=viewport, color_scheme=scheme, reduced_motion="reduce")
    requests: list[str] = []
    refused: list[str] = []

    def guard(route: Route, request: Request) -> None:
        if request.url == page_file.as_uri() or request.url.startswith("data:"):
            route.continue_()
        else:
            refused.append(request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri(), wait_until="load")
    return Opened(page, requests, refused)


@pytest.fixture(scope="module", params=[PHONE, DESKTOP], ids=["375px", "1280px"])
def opened(request: pytest.FixtureRequest, browser: Browser, page_file: Path) -> Iterator[Opened]:
    """The page at a phone's and at a desktop's width, opened once for the tests that read it or
    click its links and notes (a note they open, they close; each scrolls to what it looks at)."""
    result = open_page(browser, page_file, request.param)
    yield result
    result.page.context.close()


# ---- the file itself ----


def test_the_page_is_one_file(tree: lxml_html.HtmlElement, page_file: Path) -> None:
    assert tree.xpath("//link[@rel='stylesheet']") == []
    assert [s.get("type") for s in tree.xpath("//script")] == ["application/ld+json"], (
        "no script is needed to read"
    )
    sources = tree.xpath("//@src")
    assert sources and all(src.startswith("data:image/") for src in sources)
    css = "".join(tree.xpath("//style/text()"))
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_language_title_and_description(tree: lxml_html.HtmlElement) -> None:
    assert tree.get("lang") == "zh-CN"
    assert tree.findtext(".//title").startswith("《Kamailio实战》内容及特色")
    assert tree.xpath("string(//meta[@name='description']/@content)").startswith("《Kamailio实战》一书")


def test_headings_go_down_one_level_at_a_time(tree: lxml_html.HtmlElement) -> None:
    levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    chapters = tree.xpath("//section[@class='chapter']")
    assert len(chapters) == 14
    assert all(re.fullmatch(r"ch\d\d", c.get("id")) for c in chapters)
    assert all(c[0].tag == "h2" for c in chapters)


def test_open_graph_and_json_ld(tree: lxml_html.HtmlElement, built: Path) -> None:
    og = {m.get("property"): m.get("content") for m in tree.xpath("//meta[starts-with(@property, 'og:')]")}
    assert og["og:type"] == "book" and og["og:title"] == "《Kamailio实战》内容及特色"
    assert (
        og["og:image"] == f"{NAME}-cover.png"
        and (built / og["og:image"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    )
    (data,) = [json.loads(s.text) for s in tree.xpath("//script[@type='application/ld+json']")]
    assert data["@context"] == "https://schema.org" and data["@type"] == "Book"
    assert data["name"] == "《Kamailio实战》内容及特色" and data["inLanguage"] == "zh-CN"
    assert data["image"] == og["og:image"]
    assert {e["url"] for e in data["workExample"]} == {f"{NAME}.pdf", f"{NAME}.epub"}


def test_an_authors_jpeg_cover_stays_a_jpeg(tmp_path: Path) -> None:
    """tests/fixtures/web-jpeg-cover: the cover file beside the page, og:image and the inlined
    image all say JPEG (it was `<name>-cover.png`, typed image/png)."""
    result = run_booklet("build", "tests/fixtures/web-jpeg-cover", "--out", str(tmp_path), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web-jpeg-cover-cover.jpg", "web-jpeg-cover.html"]
    cover = tmp_path / "web-jpeg-cover-cover.jpg"
    assert cover.read_bytes() == (ROOT / "tests/fixtures/web-jpeg-cover/cover.jpg").read_bytes()
    tree = lxml_html.fromstring((tmp_path / "web-jpeg-cover.html").read_bytes())
    assert tree.xpath("string(//meta[@property='og:image']/@content)") == "web-jpeg-cover-cover.jpg"
    assert json.loads(tree.xpath("string(//script[@type='application/ld+json'])"))["image"] == cover.name
    assert tree.xpath("string(//img[@class='cover']/@src)").startswith("data:image/jpeg;base64,")


def test_download_links_are_relative_and_only_to_files_beside_it(
    tree: lxml_html.HtmlElement, tmp_path: Path
) -> None:
    assert tree.xpath("//p[@class='downloads']/a/@href") == [f"{NAME}.pdf", f"{NAME}.epub"]
    (tmp_path / f"{NAME}.epub").write_bytes(b"an earlier build")
    result = run_booklet("build", str(KAMAILIO), "--out", str(tmp_path), "--format", "html")
    assert result.returncode == 0, result.stderr
    alone = lxml_html.fromstring((tmp_path / f"{NAME}.html").read_bytes())
    assert alone.xpath("//p[@class='downloads']/a/@href") == [f"{NAME}.epub"]


def test_each_call_has_a_popover_button_and_the_notes_list_stays(tree: lxml_html.HtmlElement) -> None:
    (button,) = tree.xpath("//button[@class='note-peek']")
    popover = tree.get_element_by_id(button.get("popovertarget"))
    assert popover.get("popover") == "auto" and "亮独观其大略" in popover.text_content()
    link = button.getprevious()
    assert link.get("class") == "noteref" and link.get("id") == "fnref-zhugeliang"
    note = tree.get_element_by_id("fn-zhugeliang")
    assert note.xpath(".//a[@role='doc-backlink']/@href") == ["#fnref-zhugeliang"]


# ---- in Chromium ----


def test_no_request_leaves_the_file(opened: Opened, screenshots: Path) -> None:
    width = opened.page.viewport_size["width"]
    opened.page.screenshot(path=screenshots / f"web-{width}-light.png")
    opened.page.screenshot(path=screenshots / f"web-{width}-light-full.png", full_page=True)
    opened.page.wait_for_load_state("networkidle")
    assert opened.refused == []
    file = opened.page.url.split("#")[0]  # the contents' links, followed, add a fragment
    assert [url for url in opened.requests if not url.startswith("data:")] == [file]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_dark_scheme_follows_the_system(
    browser: Browser, page_file: Path, viewport: dict[str, int], screenshots: Path
) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        opened = open_page(browser, page_file, viewport, scheme)
        opened.page.screenshot(path=screenshots / f"web-{viewport['width']}-{scheme}.png")
        backgrounds[scheme] = opened.page.evaluate(
            "getComputedStyle(document.documentElement).backgroundColor"
        )
        opened.page.context.close()
    assert backgrounds["light"] == "rgb(253, 252, 248)" and backgrounds["dark"] == "rgb(23, 24, 26)"


def test_the_footnote_opens_next_to_its_call(opened: Opened, screenshots: Path) -> None:
    page = opened.page
    button = page.locator("button.note-peek").first
    button.scroll_into_view_if_needed()
    button.click()
    popover = page.locator(".note-popover:popover-open")
    assert popover.count() == 1
    assert "亮独观其大略" in popover.inner_text()
    call, note = button.bounding_box(), popover.bounding_box()
    assert call and note
    below = 0 <= note["y"] - (call["y"] + call["height"]) <= 16
    above = 0 <= call["y"] - (note["y"] + note["height"]) <= 16
    assert below or above, (call, note)
    assert note["x"] <= call["x"] <= note["x"] + note["width"], (call, note)
    assert note["x"] >= 0 and note["x"] + note["width"] <= page.viewport_size["width"]
    page.screenshot(path=screenshots / f"web-{page.viewport_size['width']}-footnote.png")
    page.keyboard.press("Escape")
    assert page.locator(".note-popover:popover-open").count() == 0


def test_the_contents_jump_to_each_chapter(opened: Opened) -> None:
    page = opened.page
    wide = page.viewport_size["width"] >= 1024
    links = page.locator("nav.contents > ol > li > a")
    assert links.count() == 14
    for index in range(links.count()):
        if not wide:  # on a phone the bar at the top leads back to the contents
            bar = page.locator("nav.bar a.bar-contents")
            assert bar.is_visible() and 0 <= bar.bounding_box()["y"] < 20
            bar.click()
        link = links.nth(index)
        target = link.get_attribute("href")
        link.click()
        page.wait_for_function("hash => location.hash === hash", arg=target)
        heading = page.locator(f"{target} > h2").bounding_box()
        assert heading is not None, target
        top = 0.0 if wide else page.locator("nav.bar").bounding_box()["height"]
        at_end = page.evaluate("Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight")
        assert top <= heading["y"] <= (top + 120 if not at_end else page.viewport_size["height"] - 40), (
            target,
            heading,
        )
        if wide:  # the contents stay in view beside the text
            nav = page.locator("nav.contents").bounding_box()
            assert nav is not None and nav["y"] >= 0 and nav["x"] + nav["width"] <= heading["x"]


@pytest.mark.parametrize("width", [320, 375, 768, 1024, 1280, 1600])
def test_no_sideways_scroll_and_a_comfortable_measure(browser: Browser, page_file: Path, width: int) -> None:
    opened = open_page(browser, page_file, {"width": width, "height": 900})
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    per_line = page.evaluate(
        "(() => { const p = document.querySelector('main p');"
        " return p.clientWidth / parseFloat(getComputedStyle(p).fontSize); })()"
    )
    if width >= 768:
        assert 35 <= per_line <= 40, per_line
    else:
        assert per_line >= 15, per_line
    opened.page.context.close()


def test_fonts_are_the_readers_own_ending_in_serif(opened: Opened) -> None:
    family = opened.page.evaluate("getComputedStyle(document.body).fontFamily")
    for name in ("Noto Serif CJK SC", "Songti SC", "SimSun", "PingFang SC", "Microsoft YaHei"):
        assert name in family
    assert family.rstrip().endswith("serif") and not family.rstrip().endswith("sans-serif")


def test_clreq_typography(opened: Opened) -> None:
    style = opened.page.evaluate(
        "(() => { const p = getComputedStyle(document.querySelector('main p'));"
        " const b = getComputedStyle(document.body);"
        " return [p.textIndent, p.fontSize, b.textAutospace, b.textSpacingTrim]; })()"
    )
    indent, size, autospace, trim = style
    assert float(indent.removesuffix("px")) == pytest.approx(2 * float(size.removesuffix("px")))
    assert autospace == "normal" and trim == "space-first"


def test_print_hides_the_navigation(browser: Browser, page_file: Path) -> None:
    opened = open_page(browser, page_file, DESKTOP)
    page = opened.page
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "['nav.bar', 'button.note-peek', 'p.downloads']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    assert page.evaluate("getComputedStyle(document.querySelector('.title-page')).breakAfter") == "page"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    opened.page.context.close()


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(PHONE, "light"), (DESKTOP, "light"), (PHONE, "dark"), (DESKTOP, "dark")],
    ids=["375px-light", "1280px-light", "375px-dark", "1280px-dark"],
)
def test_axe_finds_no_violation(
    browser: Browser, page_file: Path, viewport: dict[str, int], scheme: str
) -> None:
    assert AXE.is_file(), f"{AXE} is missing: run tools/install-test-deps.sh"
    opened = open_page(browser, page_file, viewport, scheme)
    page = opened.page
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    closed = page.evaluate("async () => await axe.run(document)")
    assert len(closed["passes"]) > 20, "axe ran no check"
    page.locator("button.note-peek").first.click()  # and with a note open
    violations = closed["violations"] + page.evaluate("async () => (await axe.run(document)).violations")
    report = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert report == [], "\n".join(map(str, report))
    opened.page.context.close()


# ---- a booklet unlike the first: English, deep headings, notes in lists, wide content ----

HOSTILE_CHAPTER = """\
---
title: "Getting started"
---

# A top heading in the body

A paragraph with a note[^twice] and a very long address:
https://example.org/a/very/long/path/that/does/not/break/anywhere/on/its/own/at/all/ever/really.

## A second level

- An item with a note[^inlist] inside a list.
- Another item citing the first note again[^twice].

| a wide table | with | many | columns | that | will | not | fit | on | a | phone |
|---|---|---|---|---|---|---|---|---|---|---|
| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 |

```
a_code_line_that_is_much_longer_than_any_phone_screen_is_wide_and_has_no_spaces_at_all_anywhere()
```

#### Skipped a level

> A quote with a note.[^quote]

[^twice]: A note cited twice.

    Its second paragraph.

[^inlist]: A note called from a list item.
[^quote]: A note called from a block quote.
"""


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("hostile") / "field-guide"
    source.mkdir()
    (source / "booklet.yml").write_text('title: "A Field Guide"\nlanguage: en\n', encoding="utf-8")
    (source / "01-start.md").write_text(HOSTILE_CHAPTER, encoding="utf-8")
    (source / "02-more.md").write_text(
        '---\ntitle: "More"\n---\n\nA second chapter.[^quote]\n\n[^quote]: Again.\n', encoding="utf-8"
    )
    out = source.parent / "out"
    result = run_booklet("build", str(source), "--out", str(out), "--format", "html")
    assert result.returncode == 0, result.stderr
    return out / "field-guide.html"


def test_an_english_booklet_speaks_english_with_unique_ids(hostile_page: Path) -> None:
    tree = lxml_html.fromstring(hostile_page.read_bytes())
    assert tree.get("lang") == "en"
    assert tree.xpath("string(//a[@class='skip-link'])") == "Skip to the text"
    assert tree.xpath("string(//h2[@id='contents-title'])") == "Contents"
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1 and min(levels[1:]) == 2
    assert len(tree.xpath("//button[@class='note-peek']")) == 5  # one per call, a note cited twice has two


@pytest.mark.parametrize("width", [320, 1280])
def test_an_unusual_booklet_fits_and_every_note_opens_beside_its_call(
    browser: Browser, hostile_page: Path, width: int
) -> None:
    opened = open_page(browser, hostile_page, {"width": width, "height": 700})
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    buttons = page.locator("button.note-peek")
    for index in range(buttons.count()):
        button = buttons.nth(index)
        button.scroll_into_view_if_needed()
        button.click()
        note = page.locator(".note-popover:popover-open")
        assert note.count() == 1
        call, box = button.bounding_box(), note.bounding_box()
        assert call and box
        assert (
            abs(box["y"] - (call["y"] + call["height"])) <= 16
            or abs(call["y"] - (box["y"] + box["height"])) <= 16
        )
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        page.keyboard.press("Escape")
    assert AXE.is_file(), f"{AXE} is missing: run tools/install-test-deps.sh"
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    report = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert report == [], "\n".join(map(str, report))
    opened.page.context.close()


def test_sibling_rules_reach_across_the_page_anchors() -> None:
    """An empty page anchor (`.page`: the web page's #p12, the EPUB's page break) between two
    blocks must not change how they look: every `X + p` rule also has its `X + .page + p`."""
    for sheet in ("web.css", "latin.css"):
        css = re.sub(
            r"/\*.*?\*/", "", (ROOT / "templates" / sheet).read_text(encoding="utf-8"), flags=re.DOTALL
        )
        selectors = {s.strip() for rule in re.findall(r"([^{}]+)\{", css) for s in rule.split(",")}
        pairs = {s for s in selectors if re.fullmatch(r"[^+]+ \+ p", s)}
        assert pairs and all(s.replace(" + p", " + .page + p") in selectors for s in pairs), sheet


# ---- emphasis, note calls and Latin text (issue 14) ----

SCRIPT_PAGES = {
    "zh": ROOT / "tests" / "fixtures" / "emphasis-latin-dotted",
    "ja": ROOT / "tests" / "fixtures" / "emphasis-ja-dotted-under",
    "en": ROOT / "tests" / "fixtures" / "lang-en",
    "calls": ROOT / "tests" / "fixtures" / "web-call-starts-a-line",
}
# Each emphasis's computed marks and slant, each Latin run's, code's, and any Latin letter or
# digit of an emphasis left outside a `span.latin` (or code), where it would get a mark.
EMPHASIS = """() => {
  const style = e => getComputedStyle(e);
  const ems = [...document.querySelectorAll('main em')];
  const stray = [];
  for (const em of ems) {
    const walker = document.createTreeWalker(em, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement.closest('span.latin, code') && /[A-Za-z0-9]/.test(n.data)) stray.push(n.data);
    }
  }
  return {
    em: ems.map(e => [style(e).textEmphasisStyle, style(e).textEmphasisPosition, style(e).fontStyle]),
    latin: [...document.querySelectorAll('main em span.latin')].map(
      e => [e.textContent, style(e).textEmphasisStyle, style(e).fontStyle]),
    code: [...document.querySelectorAll('main em code')].map(e => style(e).textEmphasisStyle),
    stray,
  };
}"""
# Each note call drawn on a later line than the character before it (none may be: clreq §3.1.7).
CALLS_STARTING_A_LINE = """() => {
  const starts = [];
  for (const sup of document.querySelectorAll('main sup')) {
    if (!sup.querySelector('a.noteref') || sup.closest('.note-popover')) continue;
    const call = [...sup.querySelectorAll('button.note-peek, a.noteref')]
      .find(e => e.getBoundingClientRect().width > 1);
    const block = sup.closest('p, li, td, th, dd, dt, blockquote, h2, h3, h4, h5, h6');
    if (!call || !block) continue;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let before = null;
    for (let n = walker.nextNode(); n && !sup.contains(n); n = walker.nextNode()) {
      if (n.data.trim()) before = n;
    }
    if (!before || /\\s$/.test(before.data)) continue;  // after a typed space a line may break
    const range = document.createRange();
    range.setStart(before, before.data.length - 1);
    range.setEnd(before, before.data.length);
    const rects = range.getClientRects();
    const character = rects[rects.length - 1], drawn = call.getBoundingClientRect();
    if ((drawn.top + drawn.bottom) / 2 > character.bottom) starts.push(before.data.slice(-6) + sup.textContent);
  }
  return starts;
}"""


@pytest.fixture(scope="module")
def script_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("scripts")
    for key, source in SCRIPT_PAGES.items():
        result = run_booklet("build", str(source), "--out", str(out / key), "--format", "html")
        assert result.returncode == 0, result.stderr
    return {key: out / key / f"{source.name}.html" for key, source in SCRIPT_PAGES.items()}


@pytest.mark.parametrize(
    ("key", "marks", "latin"),
    [
        ("zh", ["dot", "under", "normal"], ["Kamailio in Action", "SIP", "RFC 3261", "Kamailio 5.8"]),
        ("ja", ["sesame", "over", "normal"], ["HorizontalPodAutoscaler"]),
    ],
)
def test_emphasis_marks_han_and_kana_and_latin_keeps_its_italic(
    browser: Browser, script_pages: dict[str, Path], key: str, marks: list[str], latin: list[str]
) -> None:
    """着重号 under each Han character in Chinese, 傍点 (sesame) over each character in Japanese;
    Latin inside the emphasis gets no mark and stays italic, code gets no mark (the body's
    emphasis and the same note's, in its popover and in the notes list)."""
    opened = open_page(browser, script_pages[key], DESKTOP)
    found = opened.page.evaluate(EMPHASIS)
    opened.page.context.close()
    assert found["em"] and all(style == marks for style in found["em"]), found["em"]
    assert sorted({run for run, _, _ in found["latin"]}) == sorted(latin)
    assert all(style == ["none", "italic"] for _, *style in found["latin"]), found["latin"]
    assert found["code"] == (["none"] if key == "zh" else [])
    assert found["stray"] == []


@pytest.mark.parametrize("width", [320, 375, 414, 768, 1024, 1280])
def test_a_note_call_never_starts_a_line(browser: Browser, script_pages: dict[str, Path], width: int) -> None:
    """Sixty calls at six widths: each is drawn on the line of the character before it."""
    opened = open_page(browser, script_pages["calls"], {"width": width, "height": 900})
    calls = opened.page.evaluate("document.querySelectorAll('main sup a.noteref').length")
    starts = opened.page.evaluate(CALLS_STARTING_A_LINE)
    opened.page.context.close()
    assert calls > 50 and starts == []


def test_latin_text_is_ragged_and_hyphenated_and_cjk_justified(
    browser: Browser, script_pages: dict[str, Path]
) -> None:
    """English: ragged right with hyphenation (a justified screen measure without a dictionary
    opened gaps of an em between words), about 65 characters a line; Chinese stays justified."""
    style = (
        "(() => { const p = document.querySelector('main p'), s = getComputedStyle(p);"
        " return [document.documentElement.lang, s.textAlign, s.hyphens,"
        " p.clientWidth / parseFloat(s.fontSize)]; })()"
    )
    opened = open_page(browser, script_pages["en"], DESKTOP)
    lang, align, hyphens, measure = opened.page.evaluate(style)
    opened.page.context.close()
    assert (lang, align, hyphens) == ("en", "left", "auto") and 30 <= measure <= 33, measure
    opened = open_page(browser, script_pages["zh"], DESKTOP)
    lang, align, hyphens, measure = opened.page.evaluate(style)
    opened.page.context.close()
    assert (lang, align, hyphens) == ("zh-CN", "justify", "manual") and 35 <= measure <= 40, measure
