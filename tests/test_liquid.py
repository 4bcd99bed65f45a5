"""Jekyll's Liquid and Hugo's shortcodes rendered into Markdown (liquid.py, shortcodes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from booklet.content.frontmatter import read_front_matter_text
from booklet.content.liquid import render_liquid
from booklet.content.posts import addresses, read_posts
from booklet.content.shortcodes import render_shortcodes
from booklet.content.sites import Site, find_site
from booklet.errors import BookletError

SITES = Path(__file__).parent / "fixtures" / "sites"


def jekyll(
    tmp_path: Path, body: str, config: str = "url: https://example.org\nbaseurl: /blog\nauthor: Ann\n"
) -> tuple[str, list[str]]:
    (tmp_path / "_config.yml").write_text(config)
    (tmp_path / "_posts").mkdir(exist_ok=True)
    (tmp_path / "_posts" / "2020-01-02-other.md").write_text("---\ntitle: Other\n---\n")
    post = tmp_path / "_posts" / "2020-01-03-post.md"
    post.write_text("---\ntitle: Post\n---\n" + body)
    site = find_site(tmp_path)
    assert site is not None
    rendered = render_liquid(read_front_matter_text(post), site, addresses(site, read_posts(site)))
    assert rendered.text.count("\n") == body.count("\n")  # the author's lines are kept
    return rendered.text, [f"{note.line}: {note.kind}: {note.message}" for note in rendered.unsupported]


def hugo(tmp_path: Path, body: str) -> tuple[str, list[str]]:
    (tmp_path / "hugo.toml").write_text('baseURL = "https://example.org/"\n')
    posts = tmp_path / "content" / "posts"
    (posts / "bundle").mkdir(parents=True, exist_ok=True)
    (posts / "bundle" / "index.md").write_text("+++\ntitle = 'Bundle'\n+++\n")
    (posts / "other.md").write_text("+++\ntitle = 'Other'\n+++\n")
    post = posts / "post.md"
    post.write_text("+++\ntitle = 'Post'\n+++\n" + body)
    site = find_site(tmp_path)
    assert site is not None
    rendered = render_shortcodes(read_front_matter_text(post), addresses(site, read_posts(site)))
    assert rendered.text.count("\n") == body.count("\n")
    return rendered.text, [f"{note.line}: {note.kind}: {note.message}" for note in rendered.unsupported]


def test_highlight_becomes_a_fenced_block(tmp_path: Path) -> None:
    text, notes = jekyll(tmp_path, "{% highlight ruby linenos %}\n#!define x\nputs 1\n{% endhighlight %}\n")
    assert text == "```ruby\n#!define x\nputs 1\n```\n"  # `#!define` stays code, never a heading
    assert notes == []


def test_a_fence_is_longer_than_the_backticks_inside(tmp_path: Path) -> None:
    text, _ = jekyll(tmp_path, "  {% highlight md %}\n  ```x```\n  {% endhighlight %}\n")
    assert text == "  ````md\n  ```x```\n  ````\n"


def test_raw_keeps_liquid_as_text_even_inside_highlight(tmp_path: Path) -> None:
    body = "{% highlight text %}\n{% raw %}{% highlight ruby %}{{ x }}{% endhighlight %}{% endraw %}\n{% endhighlight %}\n"
    text, _ = jekyll(tmp_path, body)
    assert text == "```text\n{% highlight ruby %}{{ x }}{% endhighlight %}\n```\n"


def test_site_values_and_url_filters(tmp_path: Path) -> None:
    body = '![a]({{ site.baseurl }}/img/a.png) {{ site.url }} {{ "/x/" | relative_url }} {{ "/y" | absolute_url }} {{ site.author }}\n'
    text, _ = jekyll(tmp_path, body)
    assert text == "![a](/blog/img/a.png) https://example.org /blog/x/ https://example.org/blog/y Ann\n"


def test_post_url_and_link_give_the_posts_address(tmp_path: Path) -> None:
    text, _ = jekyll(
        tmp_path, "[a]({% post_url 2020-01-02-other %}) [b]({% link _posts/2020-01-02-other.md %})\n"
    )
    assert text == "[a](/blog/2020/01/02/other.html) [b](/blog/2020/01/02/other.html)\n"


def test_other_tags_lose_their_markers_and_keep_their_content(tmp_path: Path) -> None:
    text, notes = jekyll(
        tmp_path,
        "{% if page.x %}\nshown\n{% endif %}\n{% include note.html %}\n{{ post.title | upcase }}\n{% comment %}\nhidden\n{% endcomment %}\nend\n",
    )
    assert text == "\nshown\n\n\n\n\n\n\nend\n"
    assert notes == [
        "4: {% if %}: Liquid tag `{% if %}` is not rendered outside Jekyll: its markers are left out",
        "7: {% include %}: Liquid tag `{% include %}` is not rendered outside Jekyll: its markers are left out",
        "8: {{ post }}: Liquid value `{{ post.title }}` has no value outside Jekyll: it is left out",
    ]


def test_a_post_url_to_no_post_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(BookletError) as raised:
        jekyll(tmp_path, "text\n[a]({% post_url 2019-01-01-gone %})\n")
    assert str(raised.value) == (
        f"{tmp_path}/_posts/2020-01-03-post.md:5: error: `{{% post_url 2019-01-01-gone %}}`: no post of that name in _posts/: check the name"
    )


def test_an_unclosed_raw_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(BookletError) as raised:
        jekyll(tmp_path, "{% raw %}\n{{ x }}\n")
    assert (
        str(raised.value)
        == f"{tmp_path}/_posts/2020-01-03-post.md:4: error: `{{% raw %}}` is never closed: add `{{% endraw %}}` after its text"
    )


def test_hugo_highlight_and_figure(tmp_path: Path) -> None:
    body = '{{< highlight bash >}}\necho "{{ .x }}"\n{{< /highlight >}}\n\n{{< figure src="/img/a b.png" caption="A \\"cat\\"" link="https://x.org" >}}\n'
    text, notes = hugo(tmp_path, body)
    assert (
        text == '```bash\necho "{{ .x }}"\n```\n\n[![A "cat"](/img/a%20b.png \'A "cat"\')](https://x.org)\n'
    )
    assert notes == []


def test_ref_and_relref_give_the_pages_address(tmp_path: Path) -> None:
    text, _ = hugo(
        tmp_path,
        '[a]({{< ref "other" >}}) [b]({{< relref "posts/bundle" >}}#part) [c]({{< ref "other.md#x" >}})\n',
    )
    assert text == "[a](/posts/other/) [b](/posts/bundle/#part) [c](/posts/other/#x)\n"


def test_embeds_become_links_with_their_captions(tmp_path: Path) -> None:
    body = '{{< youtube 0RKpf3rK57I >}}\n{{< youtube id="abc" title="A talk" >}}\n{{< vimeo 146022717 >}}\n{{< gist spf13 7896402 >}}\n{{< x user="SanDiegoZoo" id="1453110110599868418" >}}\n'
    text, _ = hugo(tmp_path, body)
    assert text.split("\n") == [
        "[YouTube video 0RKpf3rK57I](https://www.youtube.com/watch?v=0RKpf3rK57I)",
        "[A talk](https://www.youtube.com/watch?v=abc)",
        "[Vimeo video 146022717](https://vimeo.com/146022717)",
        "[Gist spf13/7896402](https://gist.github.com/spf13/7896402)",
        "[Post by @SanDiegoZoo on X](https://x.com/SanDiegoZoo/status/1453110110599868418)",
        "",
    ]


def test_a_sites_own_shortcodes_keep_their_text(tmp_path: Path) -> None:
    text, notes = hugo(
        tmp_path,
        '{{% fold "代码" %}}\ninside\n{{% /fold %}}\n{{< video src="x" >}}\n{{</* figure src="x" */>}}\n',
    )
    assert text == '**代码**\ninside\n\n\n{{< figure src="x" >}}\n'
    assert notes == [
        "4: {{< fold >}}: shortcode `fold` is one this site defines: its markers are left out, its text kept",
        "7: {{< video >}}: shortcode `video` is one this site defines: it is left out",
    ]


def test_a_ref_to_no_page_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(BookletError) as raised:
        hugo(tmp_path, 'x\n[a]({{< ref "gone" >}})\n')
    assert str(raised.value) == (
        f'{tmp_path}/content/posts/post.md:5: error: `{{{{< ref "gone" >}}}}`: no page of that name in the site: '
        'write its path under content/, such as "posts/x.md"'
    )


def site(name: str) -> Site:
    found = find_site(SITES / name)
    assert found is not None
    return found


def test_every_post_of_the_test_sites_renders_with_its_lines_kept() -> None:
    for name in ("jekyll", "hugo"):
        heads = read_posts(site(name))
        known = addresses(site(name), heads)
        for head in heads:
            if name == "jekyll":
                rendered = render_liquid(head.front, site(name), known)
            else:
                rendered = render_shortcodes(head.front, known)
            assert rendered.text.count("\n") == head.front.body.count("\n"), head.path
            assert "{% " not in rendered.text.replace("{% raw %}", "") or "raw" in head.front.body, head.path


REAL = Path(__file__).parent / "fixtures" / "real"


def test_mdn_macros_stay_readable_with_one_warning_per_kind() -> None:
    """MDN's zh-TW `<dl>` page (tests/fixtures/real): references as code, glossary terms as text,
    page furniture left out; never the empty space the Liquid step used to leave."""
    from booklet.content import load_booklet
    from booklet.errors import Diagnostics

    diagnostics = Diagnostics()
    source = REAL / "zh-tw-mdn-dl" / "index.md"
    booklet = load_booklet(source, diagnostics)
    body = booklet.chapters[0].html
    assert "（使用 <code>&lt;dt&gt;</code> 元素指定）和描述（由 <code>&lt;dd&gt;</code> 元素提供）" in body
    assert "也不要使用 <code>&lt;ul&gt;</code> 元素" in body  # line 173
    assert "例如 <code>margin</code>" in body or "<code>margin</code>" in body  # {{cssxref("margin")}}
    assert "<td><code>HTMLDListElement</code></td>" in body  # {{domxref(…)}} in a raw HTML table
    assert "一個或多個 <code>&lt;dt&gt;</code> 元素，後跟" in body  # line 205, also in the table
    assert "{{" not in body and "EmbedLiveSample" not in body and "InteractiveExample" not in body
    macros = [str(w) for w in diagnostics.warnings if "MDN macro" in str(w)]
    assert macros == [
        f"{source}:6: warning: MDN macro `{{{{HTMLSidebar}}}}` is MDN's page furniture: it is left out",
        f"{source}:8: warning: MDN macro `{{{{HTMLElement}}}}` is not expanded outside MDN: its name is shown as code",
        f"{source}:10: warning: MDN macro `{{{{InteractiveExample}}}}` is MDN's page furniture: it is left out",
        f"{source}:65: warning: MDN macro `{{{{EmbedLiveSample}}}}` is MDN's page furniture: it is left out",
        f"{source}:175: warning: MDN macro `{{{{cssxref}}}}` is not expanded outside MDN: its name is shown as code",
        f"{source}:205: warning: MDN macro `{{{{Glossary}}}}` is not expanded outside MDN: its name is shown as text",
        f"{source}:241: warning: MDN macro `{{{{domxref}}}}` is not expanded outside MDN: its name is shown as code",
        f"{source}:248: warning: MDN macro `{{{{Specifications}}}}` is MDN's page furniture: it is left out",
        f"{source}:252: warning: MDN macro `{{{{Compat}}}}` is MDN's page furniture: it is left out",
    ]


@pytest.mark.parametrize(
    ("macro", "shown"),
    [
        ('{{HTMLElement("dt")}}', "<code>&lt;dt&gt;</code>"),
        ('{{HTMLElement("a", "anchor")}}', "<code>anchor</code>"),
        ("{{cssxref('width')}}", "<code>width</code>"),
        ('{{jsxref("Array.prototype.map()")}}', "<code>Array.prototype.map()</code>"),
        ('{{Glossary("HTTP", "HTTP protocol")}}', "HTTP protocol"),
        ('{{Glossary("R&D")}}', "R&amp;D"),
        ('{{EmbedLiveSample("x", 300)}}', ""),
        ("{{Compat}}", ""),
        ('{{NewMacro("a`b")}}', "<code>a`b</code>"),
    ],
)
def test_an_mdn_macro_becomes_markdown_that_keeps_its_name(tmp_path: Path, macro: str, shown: str) -> None:
    text, notes = jekyll(tmp_path, f"x {macro} y\n")
    assert text == f"x {shown} y\n"
    assert len(notes) == 1 and "MDN macro" in notes[0]


def test_a_liquid_value_is_no_mdn_macro(tmp_path: Path) -> None:
    text, notes = jekyll(tmp_path, "{{ content }} {{ page.nothing }}\n")
    assert text == " \n"
    assert [note.split(": ", 2)[1] for note in notes] == ["{{ content }}", "{{ page }}"]
