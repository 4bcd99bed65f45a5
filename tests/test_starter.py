"""`booklet new`: a starter that builds as it is, with every booklet.yml key present or explained.

The starter and a booklet started from a post are made and built once (module fixtures) by
the real command line, in folders of their own; their EPUBs go through EPUBCheck together.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from booklet.cli import main
from booklet.content.config import BOOKLET_KEYS
from validators import EpubReports, format_messages

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FONT_FACE_USAGE = "CSS-028"  # EPUBCheck's note that a font is embedded (a zh booklet embeds one)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports) -> dict[str, Path]:
    """`booklet new my-notes` and `booklet new from-post --from POST`, each then `booklet build`."""
    root = tmp_path_factory.mktemp("starter")
    post = FIXTURES / "post" / "kamailio-in-action-post.md"
    before = Path.cwd()
    os.chdir(root)
    try:
        assert main(["new", "my-notes"]) == 0
        assert main(["new", "from-post", "--from", str(post)]) == 0
        assert main(["build", "my-notes", "--strict", "--out", "my-notes/dist"]) == 0  # not one warning
        assert main(["build", "from-post", "--out", "from-post/dist"]) == 0  # the post's site links warn
    finally:
        os.chdir(before)
    epub_reports.register(*(root / name / "dist" / f"{name}.epub" for name in ("my-notes", "from-post")))
    return {name: root / name for name in ("my-notes", "from-post")}


def test_the_starter_holds_a_config_two_chapters_a_shared_note_and_an_image(made: dict[str, Path]) -> None:
    names = sorted(p.name for p in made["my-notes"].iterdir() if p.name != "dist")
    assert names == [
        "01-welcome.md",
        "02-writing.md",
        "booklet.yml",
        "footnotes.md",
        "pipeline.png",
        "style.css",
    ]


def test_booklet_yml_names_every_key_present_or_commented(made: dict[str, Path]) -> None:
    text = (made["my-notes"] / "booklet.yml").read_text(encoding="utf-8")
    named = set(re.findall(r"^(?:# )?([a-z_]+):", text, flags=re.MULTILINE))
    assert named == set(BOOKLET_KEYS)
    for line in text.splitlines():  # each commented key comes with its explanation
        if re.match(r"# [a-z_]+: ", line) and line.split(":")[0][2:] != "description":
            assert "  # " in line, line
    assert yaml.safe_load(text) == {"title": "My notes", "language": "en"}


def test_the_starter_shows_a_footnote_a_shared_note_an_image_a_table_and_code(made: dict[str, Path]) -> None:
    page = (made["my-notes"] / "dist" / "my-notes.html").read_text(encoding="utf-8")
    assert "<table" in page and "<pre" in page and "<img" in page
    notes = re.findall(r'<li id="(ch\d+)-fn-shared"', page)  # listed after each chapter that cites it
    assert notes == ["ch01", "ch02"], notes
    assert "A footnote: in the PDF it sits at the foot of the page" in page
    picture = (made["my-notes"] / "pipeline.png").read_bytes()
    with zipfile.ZipFile(made["my-notes"] / "dist" / "my-notes.epub") as epub:
        assert any(epub.read(name) == picture for name in epub.namelist() if name.startswith("EPUB/images/"))


@pytest.mark.parametrize("name", ["my-notes", "from-post"])
def test_a_new_booklet_passes_epubcheck(made: dict[str, Path], epub_reports: EpubReports, name: str) -> None:
    messages = epub_reports.epubcheck(made[name] / "dist" / f"{name}.epub")
    unexpected = [m for m in messages if not (m["ID"] == FONT_FACE_USAGE and m["severity"] == "USAGE")]
    assert unexpected == [], format_messages(unexpected)


def test_a_booklet_from_a_post_takes_its_front_matter_and_text(made: dict[str, Path]) -> None:
    config = yaml.safe_load((made["from-post"] / "booklet.yml").read_text(encoding="utf-8"))
    assert config == {"title": "《Kamailio实战》内容及特色", "language": "zh-CN", "tags": ["kamailio"]}
    post = (FIXTURES / "post" / "kamailio-in-action-post.md").read_text(encoding="utf-8")
    assert (made["from-post"] / "01-kamailio-in-action-post.md").read_text(encoding="utf-8") == post


def test_keys_only_booklet_yml_takes_are_commented_out_of_the_chapter(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(
        "---\ntitle: A post\nlanguage: en\npage_size:\n  A4\ntags: [x]\n---\n\nText.\n", encoding="utf-8"
    )
    assert main(["new", str(tmp_path / "book"), "--from", str(post)]) == 0
    chapter = (tmp_path / "book" / "01-post.md").read_text(encoding="utf-8")
    assert chapter.split("---")[1].splitlines()[1:] == [
        "title: A post",
        "# language: en  # in booklet.yml now",
        "# page_size:  # in booklet.yml now",
        "#   A4  # in booklet.yml now",
        "tags: [x]",
    ]
    assert (
        main(["build", str(tmp_path / "book"), "--strict", "--format", "html", "--out", str(tmp_path)]) == 0
    )


def test_new_never_writes_into_a_folder_that_holds_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.md").write_text("mine\n", encoding="utf-8")
    assert main(["new", str(tmp_path / "taken")]) == 1
    assert (
        capsys.readouterr().err
        == f"{tmp_path}/taken: error: already exists and is not empty: choose a new name\n"
    )
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.md"]
