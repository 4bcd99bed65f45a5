"""The print typesetting (booklet/pdf/typeset.py, points.py) on small documents, before WeasyPrint.

Where each elastic point goes (clreq §3.8), what kinsoku keeps out, the quarter em where Han
meets Latin, emphasis dots, a link's address, lead-ins and inline code's break points. The
PDF these make is measured in test_justification.py.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from booklet.pdf.points import boundary
from booklet.pdf.typeset import typeset_print_html


def _typeset(body: str, language: str = "zh-CN") -> lxml_html.HtmlElement:
    html = f'<html lang="{language}"><body><section class="chapter">{body}</section></body></html>'
    return lxml_html.document_fromstring(typeset_print_html(html, language))


def test_a_point_between_han_characters_and_a_quarter_em_where_han_meets_latin() -> None:
    paragraph = _typeset("<p>使用Lua写路由</p>").find(".//p")
    assert paragraph.text == "使 用"
    assert [(span.get("class"), span.text) for span in paragraph] == [("jp", "\u200b "), ("jp", "\u200b ")]
    assert paragraph[0].tail == "Lua"
    assert paragraph[1].tail == "写 路 由"


def test_kinsoku_keeps_points_away() -> None:
    assert boundary("汉", "，") is None  # a comma may not start a line
    assert boundary("（", "汉") is None  # an opening bracket may not end one
    assert boundary("ン", "ー") is None  # nor may the prolonged sound mark start one
    assert boundary("，", "汉") == "pt"
    assert boundary("汉", "（") == "pt"


def test_no_point_before_a_note_call() -> None:
    body = '<p>读过<sup><a class="noteref" href="#fn-x" id="fnref-x">1</a></sup>此书</p>'
    paragraph = _typeset(body).find(".//p")
    assert paragraph.text == "读 过\u2060"  # a word joiner: the call never starts a line
    assert paragraph.find("sup").tail == " 此 书"


def test_emphasis_dots_go_under_han_characters_only() -> None:
    emphasis = _typeset("<p>在<em>需要，Lua</em>下方</p>").find(".//em")
    assert [span.text for span in emphasis.iter("span") if span.get("class") == "ed"] == ["需", "要"]
    assert "Lua" in emphasis.text_content() and "，" in emphasis.text_content()


def test_emphasis_marks_kana_and_hangul_too_but_not_the_middle_dot_or_code() -> None:
    """Japanese marks each kana and ー (傍点, JLREQ §3.3.2), not ・; Korean without Han is marked too;
    the text after a code inside an emphasis is marked, the code is not."""

    def marked(root: lxml_html.HtmlElement) -> str:
        return "".join(span.text for span in root.iter("span") if span.get("class") == "ed")

    assert marked(_typeset("<p>この<em>サーバー・設定の</em>話</p>", "ja")) == "サーバー設定の"
    assert marked(_typeset("<p>이 <em>강조된 말</em>입니다</p>", "ko")) == "강조된말"
    assert marked(_typeset("<p>代码<em>照抄 <code>kamctl</code> 即可</em>。</p>")) == "照抄即可"


def test_a_paragraph_ending_in_a_colon_stays_with_what_follows() -> None:
    root = _typeset("<p>本书的内容安排如下：</p><ul><li>一</li></ul>")
    assert "lead-in" in root.find(".//p").get("class")


def test_inline_code_breaks_after_separators_but_a_code_block_does_not() -> None:
    root = _typeset("<p>编辑<code>/etc/kamailio/kamailio.cfg</code></p><pre><code>a/b.c</code></pre>")
    assert root.find(".//p/code").text == "/etc/\u200bkamailio/\u200bkamailio.\u200bcfg"
    assert root.find(".//pre/code").text_content() == "a/b.c"  # in its line's block (codelines.py)
    assert [line.text for line in root.iterfind(".//pre/code/span")] == ["a/b.c"]


def test_a_long_camel_case_name_in_code_breaks_between_its_words() -> None:
    root = _typeset("<p>启用<code>HPAConfigurableTolerance</code>和<code>iPhone</code></p>")
    codes = root.findall(".//p/code")
    assert codes[0].text == "HPA\u200bConfigurable\u200bTolerance"
    assert codes[1].text == "iPhone"  # no piece of one letter


def test_a_space_typed_beside_full_width_punctuation_or_between_cjk_characters_goes() -> None:
    paragraph = _typeset("<p>贪婪性。 在节点代理（ kubelet、runtime 等）使用 元素</p>").find(".//p")
    classes = [span.get("class") for span in paragraph.iter("span")]
    assert "（kubelet" in paragraph.text_content()  # no point after an opening bracket either
    assert classes.count("sp") == 0  # 。 在 and 用 元: an elastic point each, no typed space
    assert classes.count("jq") == 1  # runtime 等: a typed space where Latin meets Han stays


def test_a_url_in_the_text_breaks_between_any_two_characters_and_is_not_spaced_out() -> None:
    """As xurl lets it, except inside the scheme and before a mark kinsoku keeps from a line's
    start: a line ending inside a URL does not leave its few points the slack of a whole part."""
    paragraph = _typeset("<p>见https://github.com/example/b_x/issues。</p>").find(".//p")
    url = next(span for span in paragraph.iter("span") if span.get("class") == "url")
    assert (
        url.text.replace("\u200b", "|") == "https://|g|i|t|h|u|b.|c|o|m|/|e|x|a|m|p|l|e|/|b|_|x|/|i|s|s|u|e|s"
    )
    assert " " not in url.text  # no elastic point: a URL is never spaced out


def test_a_latin_word_in_cjk_text_breaks_at_its_hyphenation_points_and_a_long_name_between_its_words() -> (
    None
):
    paragraph = _typeset(
        "<p>为HorizontalPodAutoscaler和DaemonSet对象，在Kubernetes v1.33中见/zh-cn/docs/x。</p>"
    ).find(".//p")
    text = paragraph.text_content()
    assert "Hor\xadi\xadzon\xadtal\u200bPod\u200bAu\xadtoscaler" in text  # a name: its words, then syllables
    assert "DaemonSet" in text  # a short camel-case name stays whole (pyphen: Dae-mon-Set)
    assert "Ku\xadber\xadnetes" in text and "v1.33" in text  # a version number never breaks
    assert "/zh-cn/\u200bdocs/\u200bx" in text  # a path breaks after its separators, unhyphenated


def test_a_line_end_comma_or_full_stop_carries_its_blank_half_in_its_point() -> None:
    """`，。、` and the elastic point after it in one `.lc` (print.css: the mark half-width, the
    point half an em), so that at a line's end, where the point goes, the mark is half-width."""
    paragraph = _typeset("<p>甲，乙。丙、丁。”戊</p>").find(".//p")
    assert [span.text for span in paragraph.iter("span") if span.get("class") == "lc"] == [
        "， ",
        "。 ",
        "、 ",
    ]
    assert [span.text for span in paragraph.iter("span") if span.get("class") == "halt"] == ["。"]


def test_a_links_address_follows_its_text_unless_it_is_the_text() -> None:
    body = (
        '<p>见<a href="https://kamailio.org/docs">官方文档</a>和<a href="https://a.org/">a.org</a>'
        '和<a href="https://zh.wikipedia.org/wiki/%E6%95%B8">数</a></p>'
    )
    paragraph = _typeset(body).find(".//p")
    addresses = [span.text_content() for span in paragraph.iter("span") if span.get("class") == "address"]
    assert [re.sub("[ \u200b]", "", a) for a in addresses] == [
        "https://kamailio.org/docs",
        "https://zh.wikipedia.org/wiki/%E6%95%B8",  # as written: no Han inside an address
    ]
    assert "（https://" in re.sub("[ \u200b]", "", paragraph.text_content())  # brackets at the text's size
    assert addresses[0].startswith("https://\u200bk")  # no break inside the scheme
    assert "d\u200bo\u200bc\u200bs" in addresses[0]  # a zero-width space between any two characters
    assert " " not in addresses[0]  # no elastic point: an address is never spaced out


def test_only_a_chapters_links_get_their_address_each_once() -> None:
    """The contents and the colophon link too (and a nested section is still the chapter's): the
    links are found in one walk of the document, as the XPath `//section[…chapter…]//a` did."""
    html = (
        '<html lang="en"><body><nav><a href="https://nav.org/">nav</a></nav>'
        '<section class="chapter run-on"><section><p><a href="https://a.org/">a</a></p></section>'
        '<p><a href="http://b.org/">b</a> <a href="#x">x</a> <a>y</a></p></section>'
        '<section class="colophon"><a href="https://c.org/">c</a></section></body></html>'
    )
    root = lxml_html.document_fromstring(typeset_print_html(html, "en"))
    shown = [span.text_content().replace("\u200b", "") for span in root.find_class("address")]
    assert shown == ["https://a.org/", "http://b.org/"]


def test_in_english_a_links_address_breaks_at_zero_width_spaces() -> None:
    root = _typeset('<p>See <a href="https://a.org/x">this</a>.</p>', "en")
    address = next(span for span in root.iter("span") if span.get("class") == "address")
    assert address.text == "https://\u200ba.\u200bo\u200br\u200bg\u200b/\u200bx"  # never before `.`
    assert root.find(".//p").text_content().replace("\u200b", "") == "See this (https://a.org/x)."


def test_an_address_in_a_link_set_as_code_is_not_spaced_out() -> None:
    """Jekyll's `` [`post_url`](https://…) ``: the address followed the code inside `<code>`,
    where the elastic points between its letters kept their width, printed and copied as spaces."""
    paragraph = _typeset(
        '<p>使用<code><a href="https://jekyllrb.com/x/#post-url">post_url</a></code>标签</p>'
    )
    address = next(span for span in paragraph.iter("span") if span.get("class") == "address")
    assert address.text_content().replace("\u200b", "") == "https://jekyllrb.com/x/#post-url"
    assert " " not in address.text_content()
