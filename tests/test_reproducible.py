"""Same input, same bytes: with SOURCE_DATE_EPOCH, two builds in two folders are identical.

The first booklet is copied into two different folders and built from each (as a real
process, from that folder, so relative and absolute paths differ too). PDF, EPUB and web
page must match byte for byte, and every date inside them must be SOURCE_DATE_EPOCH's.
Without it, the dates are the time of the build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
EPOCH = 1700000000  # 2023-11-14T22:13:20Z
STAMP = datetime.fromtimestamp(EPOCH, UTC)
KINDS = ("pdf", "epub", "html")


def build_in(folder: Path, epoch: str | None) -> Path:
    """Copy the booklet into `folder` and build it from there; return the output folder."""
    shutil.copytree(KAMAILIO, folder / "kamailio-in-action")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    result = subprocess.run(
        [sys.executable, "-m", "booklet", "build", "kamailio-in-action", "--out", "out", "--quiet"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # booklet's own warnings only (the post's site-relative link): none from WeasyPrint (--quiet: no progress)
    assert all(re.match(r"^\S+:\d+: warning: ", line) for line in result.stderr.splitlines()), result.stderr
    return folder / "out"


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first = build_in(tmp_path_factory.mktemp("first-folder"), str(EPOCH))
    second = build_in(tmp_path_factory.mktemp("another") / "deeper", str(EPOCH))
    return first, second


@pytest.mark.parametrize("kind", KINDS)
def test_two_builds_are_byte_identical(twice: tuple[Path, Path], kind: str) -> None:
    first, second = (folder / f"kamailio-in-action.{kind}" for folder in twice)
    assert first.read_bytes() == second.read_bytes()


def test_every_file_written_is_identical(twice: tuple[Path, Path]) -> None:
    first, second = twice
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_no_output_holds_the_build_folder(twice: tuple[Path, Path]) -> None:
    for folder in twice:
        leaks = [str(folder.parent), str(folder.parent.resolve()), str(Path.home()) + "/", "/tmp/"]
        for path in folder.iterdir():
            texts = [path.read_bytes()]
            if path.suffix == ".epub":
                with zipfile.ZipFile(path) as epub:
                    texts += [epub.read(name) for name in epub.namelist()]
            if path.suffix == ".pdf":
                with pikepdf.open(path) as pdf:
                    texts += [obj.read_bytes() for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
            for text in texts:
                for leak in leaks:
                    assert leak.encode() not in text, f"{path.name} holds {leak}"


def test_pdf_dates_are_source_date_epoch(twice: tuple[Path, Path]) -> None:
    with pikepdf.open(twice[0] / "kamailio-in-action.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20231114221320")
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20231114221320")
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "/ID" not in pdf.trailer or pdf.trailer.ID[0] == pdf.trailer.ID[0]
    dates = re.findall(r"<xmp:(?:CreateDate|ModifyDate|MetadataDate)>([^<]+)<", xmp)
    assert dates and set(dates) == {"2023-11-14T22:13:20Z"}, dates


def test_epub_dates_and_zip_order_are_fixed(twice: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(twice[0] / "kamailio-in-action.epub") as epub:
        infos = epub.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
        opf_name = next(n for n in epub.namelist() if n.endswith(".opf"))
        opf = etree.fromstring(epub.read(opf_name))
    modified = opf.xpath("//*[local-name()='meta'][@property='dcterms:modified']/text()")
    assert modified == ["2023-11-14T22:13:20Z"]


def test_without_source_date_epoch_the_dates_are_now(tmp_path: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    out = build_in(tmp_path, None)
    after = datetime.now(UTC)
    with pikepdf.open(out / "kamailio-in-action.pdf") as pdf:
        created = datetime.strptime(str(pdf.docinfo["/CreationDate"])[2:16], "%Y%m%d%H%M%S").replace(
            tzinfo=UTC
        )
    assert before <= created <= after
    with zipfile.ZipFile(out / "kamailio-in-action.epub") as epub:
        opf = etree.fromstring(epub.read(next(n for n in epub.namelist() if n.endswith(".opf"))))
        stamp = datetime(*epub.infolist()[0].date_time, tzinfo=UTC)
    modified = opf.xpath("string(//*[local-name()='meta'][@property='dcterms:modified'])")
    assert before <= datetime.fromisoformat(modified) <= after
    assert before.replace(second=before.second // 2 * 2) <= stamp <= after  # zip times have 2 s steps


def test_a_cached_font_subset_carries_no_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subset kept in the cache by a build without SOURCE_DATE_EPOCH is the one a build with it makes.

    fontTools stamps `head.modified` with the time (or SOURCE_DATE_EPOCH) unless told not to:
    the EPUB then depended on what the font cache held (issue 18).
    """
    from booklet.fonts import font_face, subset_font

    path, index = font_face("DejaVu Sans")
    font = path.read_bytes()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    now = subset_font(font, index, "Booklet")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert subset_font(font, index, "Booklet") == now
