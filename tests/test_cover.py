"""The generated cover: Kindle's size, the same bytes for the same metadata, and titles that
wrap by the Chinese and Japanese line-breaking rules (no 》 at a line start)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from booklet.cover import NO_LINE_END, NO_LINE_START, _font, make_cover, wrap
from booklet.fonts import font_face
from booklet.model import Metadata

TITLES = [
    "《Kamailio实战》内容及特色",
    "《FreeSWITCH权威指南》读书笔记与实践心得",
    "一个很长很长的中文书名，用来测试自动换行是否正确处理标点符号。以及更多内容（附录）",
    "「引号」开头的标题：冒号、顿号、句号。感叹号！问号？",
    "The Art of Computer Programming: Fundamental Algorithms",
    "日本語のタイトル「ゆっくり」読むための本、ちょっと長めです。",
]


@pytest.fixture(scope="module")
def faces() -> tuple[tuple[Path, int], tuple[Path, int]]:
    return font_face("Noto Serif CJK SC:bold"), font_face("Noto Serif CJK SC")


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("width", [500, 800, 1140])
def test_wrapping_keeps_the_line_breaking_rules(
    faces: tuple[tuple[Path, int], ...], title: str, width: int
) -> None:
    font = _font(faces[0], 104)
    lines = wrap(title, font, width)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")
    for line in lines[1:]:
        assert line[0] not in NO_LINE_START, lines
    for line in lines[:-1]:
        assert line[-1] not in NO_LINE_END, lines
    for word in re.findall(r"[A-Za-z]+", title):  # a Latin word is never cut
        assert any(word in line for line in lines), lines
    assert all(font.getlength(line) <= width or len(line.split()) == 1 for line in lines)


def test_kamailio_title_breaks_after_the_book_title_marks(faces: tuple[tuple[Path, int], ...]) -> None:
    assert wrap("《Kamailio实战》内容及特色", _font(faces[0], 128), 1140) == [
        "《Kamailio实战》",
        "内容及特色",
    ]


def test_a_title_that_fits_stays_on_one_line(faces: tuple[tuple[Path, int], ...]) -> None:
    assert wrap("阅读建议", _font(faces[0], 128), 1140) == ["阅读建议"]


def test_cover_is_kindle_sized_and_reproducible(faces: tuple[tuple[Path, int], tuple[Path, int]]) -> None:
    metadata = Metadata(
        title="《Kamailio实战》内容及特色",
        source=Path("booklet.yml"),
        subtitle="各章内容提要与阅读建议",
        authors=("杜金房", "张令考"),
        publisher="电子工业出版社",
    )
    first = make_cover(metadata, *faces)
    assert first == make_cover(metadata, *faces)
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "PNG" and image.size == (1600, 2560)
        # the title is drawn: light ink in the upper half, on the dark panel
        band = image.crop((200, 700, 1400, 1100)).convert("L")
        assert band.getextrema()[1] > 200
