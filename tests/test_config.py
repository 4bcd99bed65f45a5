"""config: YAML → typed values, with every error located at the author's line (and column)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from booklet.content.config import KEYS, read_metadata
from booklet.content.text import parse_yaml_mapping, read_text, yaml_position
from booklet.errors import BookletError
from booklet.model import Metadata

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def error_of(call: object, *args: object) -> str:
    with pytest.raises(BookletError) as caught:
        call(*args)  # type: ignore[operator]
    return str(caught.value)


def test_yaml_marks_count_from_zero_and_we_convert_once() -> None:
    """PyYAML's line 0, column 0 is the author's line 1, column 1 (front matter starts at line 2)."""
    try:
        yaml.safe_load("a: 1\n\tb: 2\n")
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
    assert (mark.line, mark.column) == (1, 0)
    assert yaml_position(mark, first_line=1) == (2, 1)
    assert yaml_position(mark, first_line=2) == (3, 1)
    assert yaml_position(None, first_line=5) == (5, None)


def test_front_matter_lines_count_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    mapping = parse_yaml_mapping("title: X\n\ntags: [a]\n", path, first_line=2)
    assert (mapping.line_of("title"), mapping.line_of("tags"), mapping.line_of("absent")) == (2, 4, 2)


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "booklet.yml"
    assert error_of(parse_yaml_mapping, "title: A\nlanguage: en\ntitle: B\n", path) == (
        f"{path}:3:1: error: key `title` appears twice (first at line 1): keep one"
    )


def test_a_date_that_is_no_date_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "booklet.yml"
    message = error_of(parse_yaml_mapping, "title: A\ndate: 2024-13-45\n", path)
    assert message.startswith(f"{path}:1: error: not valid YAML: month must be in 1..12")
    assert message.endswith(": quote the value")


def test_empty_yaml_is_an_empty_mapping(tmp_path: Path) -> None:
    assert dict(parse_yaml_mapping("", tmp_path / "x.md", 2).values) == {}
    assert error_of(read_metadata, write(tmp_path / "booklet.yml", "")) == (
        f"{tmp_path / 'booklet.yml'}:1: error: missing `title`: add a line `title: …`"
    )


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_read_text_accepts_a_bom_and_windows_line_ends(tmp_path: Path) -> None:
    assert read_text(write(tmp_path / "a.md", b"\xef\xbb\xbfone\r\ntwo\rthree\n")) == "one\ntwo\nthree\n"


def test_read_text_names_line_and_column_of_the_first_bad_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "第一行\n第二行\n".encode() + b"ab\xe4\xb8\n")
    assert error_of(read_text, path) == f"{path}:3:3: error: not valid UTF-8 text: save the file as UTF-8"


def test_a_control_character_is_located(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "title\nsome \x1b[31mcolour\n")
    assert error_of(read_text, path) == (
        f"{path}:2:6: error: control character U+001B is not allowed in text: delete it"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: X\nauthor: {name: A}\n",
            "2: error: `author` must be text or a list of texts, not {'name': 'A'}",
        ),
        ("title: X\nembed_fonts: maybe\n", "2: error: `embed_fonts` must be true or false, not 'maybe'"),
        ("title: [a, b]\n", "1: error: `title` must be text, not ['a', 'b']"),
        (
            "title: X\nfootnote_numbering: page\n",
            "2: error: `footnote_numbering` must be `chapter` or `booklet`, not 'page'",
        ),
        (
            "title: X\nlanguage: english\n",
            "2: error: `english` is not a BCP 47 language tag (for example zh-CN, en, ja)",
        ),
        ("title: X\npage_size: a5\n", None),
        ("language: en\ntitle: '   '\n", "2: error: missing `title`: add a line `title: …`"),
        (
            "title: X\ncover: missing.png\n",
            "2: error: image `missing.png` does not exist: check the file name (relative to {dir})",
        ),
        (
            "title: X\ncover: booklet.yml\n",
            "2: error: `booklet.yml` is not an image: use a PNG, JPEG or GIF file",
        ),
        (
            "title: X\ncover: ../outside.png\n",
            "2: error: image `../outside.png` lies outside {dir}, the folder booklet reads: move the image into it and change the path",
        ),
        ("title: X\nsubtitel: Y\n", "2: error: unknown key `subtitel`: did you mean `subtitle`?"),
        (
            "title: X\nzzz: Y\n",
            (
                "2: error: unknown key `zzz` (known keys: title, subtitle, author, language, date, publisher, "
                "description, identifier, cover, base_url, page_size, tags, license, footnote_numbering, chapter_start, "
                "embed_fonts, impose, max_chapter_mb, max_image_mb, max_word_length, max_pages, posts, chapters, site_root, remote_images, source_links, css)"
            ),
        ),
    ],
)
def test_values_of_the_wrong_kind_are_located(tmp_path: Path, text: str, expected: str | None) -> None:
    path = write(tmp_path / "booklet.yml", text)
    if expected is None:
        assert read_metadata(path).page_size == "A5"
        return
    assert error_of(read_metadata, path) == f"{path}:" + expected.replace("{dir}", str(tmp_path))


def test_a_good_booklet_yml_gives_typed_metadata() -> None:
    metadata = read_metadata(FIXTURES / "image-local" / "booklet.yml")
    assert (metadata.title, metadata.language, metadata.page_size, metadata.authors) == (
        "Fixture",
        "en",
        "A5",
        (),
    )
    assert metadata.identifier == read_metadata(FIXTURES / "utf8-bom" / "booklet.yml").identifier  # stable


def test_every_bad_key_and_value_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path / "booklet.yml", "autor: A\ntitle: X\npage_size: 12\nlanguage: 'no such'\nimpose: often\n"
    )
    assert error_of(read_metadata, path).splitlines() == [
        f"{path}:1: error: unknown key `autor`: did you mean `author`?",
        f"{path}:3: error: `page_size` must be one of A4, A5, A6, B5, Letter, 6x9, not 12",
        f"{path}:4: error: `no such` is not a BCP 47 language tag (for example zh-CN, en, ja)",
        f"{path}:5: error: `impose` must be true or false, not 'often'",
    ]


def test_values_are_one_line_of_text(tmp_path: Path) -> None:
    path = write(tmp_path / "booklet.yml", 'title: "Two\\r\\nlines\\t and  tabs"\nauthor: ["A\\nB", ""]\n')
    metadata = read_metadata(path)
    assert (metadata.title, metadata.authors) == ("Two lines and tabs", ("A B",))
    path = write(tmp_path / "booklet.yml", 'title: "bell \\a"\n')
    assert (
        error_of(read_metadata, path)
        == f"{path}:1: error: `title` holds the control character U+0007: remove it"
    )


def test_a_message_quoting_the_input_stays_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "booklet.yml", 'title: X\nlanguage: "x\\u2028y"\n"subtitl\\r": Y\n')
    message = error_of(read_metadata, path)
    assert message.splitlines() == [
        f"{path}:2: error: `x y` is not a BCP 47 language tag (for example zh-CN, en, ja)",
        f"{path}:3: error: unknown key `subtitl\\x0d`: did you mean `subtitle`?",
    ]


README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_metadata_field_is_one_key() -> None:
    """The schema (content/config.py KEYS) drives Metadata: each field is filled by one key
    (but where it was read, and the title's markup, which content makes from `title`)."""
    derived = {"source", "title_html"}
    fields = sorted(f.name for f in dataclasses.fields(Metadata) if f.name not in derived)
    assert sorted(key.field for key in KEYS if key.field is not None) == fields
    assert len({key.name for key in KEYS}) == len(KEYS)


def test_the_readme_lists_every_key_as_the_schema_declares_it() -> None:
    """README.md's `booklet.yml` table is the schema's rows, in order (as sqlite-utils keeps its docs)."""
    text = README.read_text(encoding="utf-8").split("| key | meaning | default |\n|---|---|---|\n", 1)[1]
    lines = text.split("\n\n", 1)[0].splitlines()
    rows = [tuple(cell.strip() for cell in line.strip().strip("|").split(" | ")) for line in lines]
    assert rows == [(f"`{key.name}`", key.meaning, key.default) for key in KEYS]
