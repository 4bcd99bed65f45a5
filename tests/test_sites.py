"""Sites as sources: settings, front matter, post addresses, and the choice of posts (tests/fixtures/sites)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from booklet.content.frontmatter import read_front_matter_text, when
from booklet.content.posts import addresses, choose_posts, natural_key, read_posts
from booklet.content.sites import find_site, site_root
from booklet.errors import BookletError
from booklet.model import Selection

SITES = Path(__file__).parent / "fixtures" / "sites"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def names(site: str, selection: Selection) -> list[str]:
    found = find_site(SITES / site)
    assert found is not None
    return [head.path.name for head in choose_posts(read_posts(found), selection, NOW).posts]


def test_a_jekyll_site_says_its_address_language_and_permalinks() -> None:
    site = find_site(SITES / "jekyll")
    assert site is not None
    assert (site.kind, site.title, site.base_url, site.language) == (
        "jekyll",
        "Jekyll News",
        "https://jekyllrb.com/",
        "en",
    )
    assert site.permalink == "/news/:year/:month/:day/:title/"
    assert site.variables["repository"] == "https://github.com/jekyll/jekyll"


def test_a_hugo_site_says_its_address_and_language() -> None:
    site = find_site(SITES / "hugo")
    assert site is not None
    assert (site.kind, site.title, site.base_url, site.language) == (
        "hugo",
        "ouuan的博客",
        "https://ouuan.github.io/",
        "zh-cn",
    )


def test_a_hugo_base_url_with_a_path_gives_the_base_path(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "hugo.yaml").write_text("baseURL: https://example.org/blog/\nlanguageCode: en-GB\n")
    site = find_site(tmp_path)
    assert site is not None
    assert (site.url, site.baseurl, site.base_url, site.language) == (
        "https://example.org",
        "/blog",
        "https://example.org/blog/",
        "en-GB",
    )


def test_a_folder_without_posts_is_no_site(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: x\n")
    assert find_site(tmp_path) is None


@pytest.mark.parametrize("marker", ["_config.yml", "hugo.toml", ".vuepress", "mkdocs.yml", "book.toml"])
def test_the_site_root_is_the_nearest_folder_with_a_site_or_book(tmp_path: Path, marker: str) -> None:
    (tmp_path / marker).mkdir() if marker.startswith(".") else (tmp_path / marker).write_text("")
    post = tmp_path / "docs" / "part" / "post.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: x\n---\n")
    assert site_root(post) == tmp_path.resolve()
    assert site_root(post.parent) == tmp_path.resolve()


def test_a_config_yaml_alone_is_no_site(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("x: 1\n")
    (tmp_path / "book").mkdir()
    assert site_root(tmp_path / "book") == (tmp_path / "book").resolve()


def test_a_multilingual_hugo_site_reads_each_languages_content(tmp_path: Path) -> None:
    (tmp_path / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ndefaultContentLanguage = "zh-cn"\n[languages.zh-cn]\n[languages.en]\n'
    )
    for language in ("zh-cn", "en"):
        (tmp_path / "content" / language / "posts").mkdir(parents=True)
        (tmp_path / "content" / language / "posts" / "a.md").write_text("+++\ntitle = 'a'\n+++\n")
    site = find_site(tmp_path)
    assert site is not None
    assert site.language == "zh-cn"
    assert sorted(head.path.relative_to(tmp_path).as_posix() for head in read_posts(site)) == [
        "content/en/posts/a.md",
        "content/zh-cn/posts/a.md",
    ]


def test_without_a_site_the_root_is_the_source_folder(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: x\n---\n")
    assert site_root(post) == tmp_path.resolve()


def test_dates_with_time_and_zone_are_the_day_as_written() -> None:
    front = read_front_matter_text(SITES / "jekyll" / "_posts" / "2016-10-06-jekyll-3-3-is-here.md")
    day, moment = when(front, "date") or (None, None)
    assert day == date(2016, 10, 6)
    assert moment == datetime(2016, 10, 6, 11, 10, 38, tzinfo=timezone(-timedelta(hours=7)))


def test_toml_front_matter_is_read_with_its_lines() -> None:
    front = read_front_matter_text(SITES / "hugo" / "content" / "posts" / "UOJ-自动备份.md")
    assert front.kind == "toml"
    assert front.values["tags"] == ["OJ"]
    assert (front.line_of("title"), front.line_of("series"), front.body_line) == (2, 8, 10)
    assert when(front, "date") == (
        date(2019, 9, 27),
        datetime(2019, 9, 27, 12, 1, 5, tzinfo=timezone(timedelta(hours=8))),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# no front matter\n",
            "post.md:1: error: missing front matter: start the file with `---` (YAML) or `+++` (TOML), then `title: …`",
        ),
        ("+++\ntitle = 'x'\n", "post.md:1: error: front matter is not closed: add a line `+++` after it"),
        (
            "+++\ntitle = 'x'\ndate = 2021-02-31\n+++\n",
            'post.md:3: error: front matter is not valid TOML: invalid date or datetime: check the quoting (`key = "text"`)',
        ),
        (
            "---\ntitle: [x\n---\n",
            "post.md:3: error: front matter is not valid YAML: did not find expected ',' or ']': check the quoting and indentation",
        ),
        (
            "---\n- a\n---\n",
            "post.md:2: error: front matter is not a mapping: write `key: value` lines, such as `title: …`",
        ),
    ],
)
def test_bad_front_matter_is_located(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "post.md").write_text(text)
    with pytest.raises(BookletError) as raised:
        read_front_matter_text(tmp_path / "post.md")
    assert str(raised.value) == f"{tmp_path}/{message}"


def test_a_date_that_is_no_date_is_located(tmp_path: Path) -> None:
    (tmp_path / "post.md").write_text("---\ntitle: x\ndate: 'last tuesday'\n---\n")
    front = read_front_matter_text(tmp_path / "post.md")
    with pytest.raises(BookletError) as raised:
        when(front, "date")
    assert str(raised.value) == (
        f"{tmp_path}/post.md:3: error: `date: last tuesday` is not a date: write it as 2024-05-01, or 2024-05-01 10:30:00 +0800"
    )


def test_post_addresses_follow_the_sites_permalinks() -> None:
    jekyll = find_site(SITES / "jekyll")
    hugo = find_site(SITES / "hugo")
    assert jekyll is not None and hugo is not None
    jekyll_urls = {head.path.name: head.url for head in read_posts(jekyll)}
    hugo_urls = {head.name: head.url for head in read_posts(hugo)}
    assert (
        jekyll_urls["2016-05-18-jekyll-3-1-4-released.markdown"] == "/news/2016/05/18/jekyll-3-1-4-released/"
    )
    assert hugo_urls["posts/chopsticks.md"] == "/posts/chopsticks/"
    assert (
        hugo_urls["posts/lets-celebrate-hugos-5th-birthday/index.md"]
        == "/posts/lets-celebrate-hugos-5th-birthday/"
    )
    assert (
        hugo_urls["posts/2099-12-17-no-more-releasenotes.md"] == "/posts/no-more-releasenotes-here/"
    )  # its slug


def test_a_jekyll_site_without_a_permalink_uses_the_date_style(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("url: https://example.org\nbaseurl: /blog\n")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2020-1-2-hello.md").write_text("---\ntitle: Hello\ncategories: Notes Go\n---\n")
    site = find_site(tmp_path)
    assert site is not None
    (head,) = read_posts(site)
    assert (head.url, head.date, head.categories) == (
        "/notes/go/2020/01/02/hello.html",
        date(2020, 1, 2),
        ("Notes", "Go"),
    )
    assert addresses(site, (head,))["2020-1-2-hello"] == "/blog/notes/go/2020/01/02/hello.html"


def test_a_post_linked_within_the_site_is_read_and_one_linked_outside_refused(tmp_path: Path) -> None:
    """A post in `_posts` may be a symlink to a file elsewhere in the site's root (it used to be
    refused: the post's own folder was taken for the root); outside the root stays refused."""
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "notes").mkdir()
    (root / "_config.yml").write_text("title: Blog\n")
    (root / "notes" / "linked.md").write_text("---\ntitle: Linked\n---\n\nHello.\n")
    (root / "_posts" / "2024-02-01-linked.md").symlink_to("../notes/linked.md")
    site = find_site(root)
    assert site is not None
    (head,) = read_posts(site)
    assert (head.front.values["title"], head.front.body.strip()) == ("Linked", "Hello.")
    (tmp_path / "outside.md").write_text("---\ntitle: Secret\n---\n\nSecret.\n")
    (root / "_posts" / "2024-03-01-outside.md").symlink_to(tmp_path / "outside.md")
    with pytest.raises(BookletError) as caught:
        read_posts(site)
    assert str(caught.value) == (
        f"{root}/_posts/2024-03-01-outside.md: error: `2024-03-01-outside.md` is a link to a file"
        " outside the booklet's folder: copy the file in"
    )


def test_a_tag_is_chosen_whatever_its_case_and_oldest_first() -> None:
    assert names("jekyll", Selection(tags=("JEKYLL",))) == [
        "2016-04-19-quickstart-zh.md",
        "2016-04-22-writing-posts-zh.md",
        "2017-01-04-how-to-install-jekyll.md",
    ]
    assert names("jekyll", Selection(tags=("liquid",))) == [
        "2016-10-06-jekyll-3-3-is-here.md",
        "2017-03-21-jekyll-3-4-3-released.markdown",
    ]


def test_tags_are_any_of_and_kinds_are_all_of() -> None:
    assert names("jekyll", Selection(tags=("liquid", "stickers"))) == [
        "2014-06-04-jekyll-stickers-1-dollar-stickermule.markdown",
        "2016-10-06-jekyll-3-3-is-here.md",
        "2017-03-21-jekyll-3-4-3-released.markdown",
    ]
    assert names("jekyll", Selection(tags=("liquid", "stickers"), categories=("partners",))) == [
        "2014-06-04-jekyll-stickers-1-dollar-stickermule.markdown"
    ]


def test_a_series_is_chosen_as_hugo_names_its_terms() -> None:
    assert names("hugo", Selection(series=("oj-运维",))) == [
        "Hinata-Online-Judge-的搭建.md",
        "UOJ-自动备份.md",
    ]
    assert names("jekyll", Selection(series=("Jekyll 3.4",))) == [
        "2017-01-18-jekyll-3-4-0-released.markdown",
        "2017-03-02-jekyll-3-4-1-released.markdown",
        "2017-03-09-jekyll-3-4-2-released.markdown",
        "2017-03-21-jekyll-3-4-3-released.markdown",
    ]


def test_since_and_until_are_inclusive() -> None:
    assert names(
        "jekyll", Selection(categories=("release",), since=date(2017, 3, 2), until=date(2017, 3, 21))
    ) == [
        "2017-03-02-jekyll-3-4-1-released.markdown",
        "2017-03-09-jekyll-3-4-2-released.markdown",
        "2017-03-21-jekyll-3-4-3-released.markdown",
    ]


def test_drafts_unpublished_and_future_posts_stay_out_and_are_counted() -> None:
    jekyll, hugo = find_site(SITES / "jekyll"), find_site(SITES / "hugo")
    assert jekyll is not None and hugo is not None
    everything = choose_posts(read_posts(jekyll), Selection(), NOW)
    assert (len(everything.posts), everything.drafts, everything.unpublished, everything.future) == (
        15,
        1,
        1,
        0,
    )
    choice = choose_posts(read_posts(hugo), Selection(), NOW)
    assert (len(choice.posts), choice.drafts, choice.unpublished, choice.future) == (8, 1, 0, 1)
    later = choose_posts(read_posts(hugo), Selection(), datetime(2100, 1, 1, tzinfo=UTC))
    assert later.future == 0


def test_names_sort_as_people_count() -> None:
    assert sorted(["10-end.md", "2-middle.md", "1-start.md"], key=natural_key) == [
        "1-start.md",
        "2-middle.md",
        "10-end.md",
    ]
