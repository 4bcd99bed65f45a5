"""The print typesetting (booklet/pdf/typeset.py, points.py) on small documents, before WeasyPrint.

Where each elastic point goes (clreq §3.8), what kinsoku keeps out, the quarter em where Han
meets Latin, emphasis dots, lead-ins and inline code's break points. The
PDF these make is measured in test_justification.py.
"""

from __future__ import annotations

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


def test_a_paragraph_ending_in_a_colon_stays_with_what_follows() -> None:
    root = _typeset("<p>本书的内容安排如下：</p><ul><li>一</li></ul>")
    assert "lead-in" in root.find(".//p").get("class")


def test_inline_code_breaks_after_separators_but_a_code_block_does_not() -> None:
    root = _typeset("<p>编辑<code>/etc/kamailio/kamailio.cfg</code></p><pre><code>a/b.c</code></pre>")
    assert root.find(".//p/code").text == "/etc/\u200bkamailio/\u200bkamailio.\u200bcfg"
    assert root.find(".//pre/code").text_content() == "a/b.c"  # in its line's block (codelines.py)
    assert [line.text for line in root.iterfind(".//pre/code/span")] == ["a/b.c"]
