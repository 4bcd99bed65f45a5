"""`booklet check`: each hazard EPUBCheck and Ace let through, found with its exact message.

Every case starts from `tests/fixtures/check-clean` (the smallest EPUB that passes booklet's
own check, and EPUBCheck; it has no accessibility metadata, which the last test makes Ace
find), makes one change, zips it and checks the bytes. The cover, a 1600×2560 PNG, is drawn here.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from booklet.epub import check_epub

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "tests" / "fixtures" / "check-clean"
Files = dict[str, bytes]


def png(width: int, height: int, noise: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (90, 40, 40))
    if noise:  # incompressible: a PNG as large as its pixels
        image = Image.frombytes("RGB", (width, height), random.Random(1).randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def clean_files() -> Files:
    files = {str(p.relative_to(CLEAN)): p.read_bytes() for p in sorted(CLEAN.rglob("*")) if p.is_file()}
    files["EPUB/cover.png"] = png(1600, 2560)
    return files


def zipped(files: Files) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", files.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def edit(member: str, old: str, new: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        text = files[member].decode()
        assert old in text, f"{old!r} not in {member}"
        files[member] = text.replace(old, new, 1).encode()

    return change


def rename(old: str, new: str) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        files[new] = files.pop(old)
        for member in ("EPUB/package.opf", "EPUB/nav.xhtml"):
            files[member] = files[member].replace(Path(old).name.encode(), Path(new).name.encode())

    return change


def add_image(name: str, data: bytes) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        files[f"EPUB/{name}"] = data
        item = f'<item id="extra" href="{name}" media-type="image/png"/>\n</manifest>'
        edit("EPUB/package.opf", "</manifest>", item)(files)

    return change


def both(*changes: Callable[[Files], None]) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        for one in changes:
            one(files)

    return change


CH01, NAV, CSS, OPF = "EPUB/ch01.xhtml", "EPUB/nav.xhtml", "EPUB/style.css", "EPUB/package.opf"
KINDLE_CSS = "Kindle's converter rejects it"
CASES: dict[str, tuple[Callable[[Files], None], list[str]]] = {
    "no-xml-declaration": (
        edit(CH01, '<?xml version="1.0" encoding="utf-8"?>\n', ""),
        [
            'EPUB/ch01.xhtml:1: warning: no XML declaration: Kindle\'s converter may misread the text; begin the file with <?xml version="1.0" encoding="utf-8"?>'
        ],
    ),
    "file-name-not-ascii": (
        rename(CH01, "EPUB/第一章.xhtml"),
        [
            "EPUB/第一章.xhtml: warning: file name is not ASCII: Kindle and some readers cannot open the file; rename it with ASCII letters, digits, '-', '_' and '.'"
        ],
    ),
    "id-not-ascii": (
        both(edit(CH01, 'id="s1"', 'id="第一节"'), edit(NAV, "#s1", "#第一节")),
        [
            "EPUB/ch01.xhtml:9: warning: id \"第一节\" is not ASCII: calibre's Kindle conversion rejects it (InvalidId) and some readers do not find it; use ASCII letters, digits, '-' and '_'"
        ],
    ),
    "style-element": (
        edit(CH01, "</head>", "<style>p { color: red; }</style></head>"),
        [
            "EPUB/ch01.xhtml:4: warning: <style> in the document: Kindle's converter and some readers ignore it; move its rules into the stylesheet"
        ],
    ),
    "double-hyphen-in-comment": (
        edit(CH01, "the smallest book", "the smallest -- book"),
        [
            'EPUB/ch01.xhtml:6: warning: "--" inside a comment: XML forbids it and Kindle\'s converter stops on it; remove it or the comment'
        ],
    ),
    "css-kindle-rejects": (
        edit(
            CSS,
            "p { text-indent: 2em; }",
            "@import url(more.css);\n@supports (display: grid) { p { display: grid; } }\n"
            ":root { --gap: 1em; }\np { margin: var(--gap); }\nnav { position: fixed; }",
        ),
        [
            f"EPUB/style.css:4: warning: @supports: {KINDLE_CSS}; write its rules without it",
            f"EPUB/style.css:3: warning: @import: {KINDLE_CSS}; put the imported rules in this stylesheet",
            f"EPUB/style.css:5: warning: a custom property (--name: …): {KINDLE_CSS}; write the value itself",
            f"EPUB/style.css:6: warning: var(): {KINDLE_CSS}; write the value itself",
            f"EPUB/style.css:7: warning: position: fixed: {KINDLE_CSS}; leave the element in the flow",
        ],
    ),
    "note-too-short-for-kobo": (
        edit(CH01, "A note long enough for Kobo.", "Ibid."),
        [
            'EPUB/ch01.xhtml:12: warning: note "fn-1" holds 5 characters: Kobo pops up only notes of 9 or more; write it out, or put it in the text'
        ],
    ),
    "note-before-its-call": (
        both(
            edit(
                CH01,
                '<div class="footnote" epub:type="footnote" role="doc-footnote" id="fn-1"><p>A note long enough for Kobo.</p></div>\n',
                "",
            ),
            edit(
                CH01,
                "<h1>One</h1>",
                '<h1>One</h1><div class="footnote" epub:type="footnote" role="doc-footnote" id="fn-1"><p>A note long enough for Kobo.</p></div>',
            ),
        ),
        [
            'EPUB/ch01.xhtml:8: warning: note "fn-1" comes before its call (line 10): Kobo pops up only a note that follows its call; move the note after it'
        ],
    ),
    "image-over-kindle-size": (
        add_image("big.png", png(1100, 1700, noise=True)),
        [
            "EPUB/big.png: warning: image of 5.4 MB, over Kindle's 5 MB: save it smaller (fewer pixels, or JPEG)"
        ],
    ),
    "image-over-kindle-side": (
        add_image("wide.png", png(10001, 2)),
        ["EPUB/wide.png: warning: image of 10001×2 px, over Kindle's 10000 px a side: scale it down"],
    ),
    "cover-too-small": (
        lambda files: files.update({"EPUB/cover.png": png(400, 640)}),
        [
            "EPUB/cover.png: warning: cover of 400×640 px, under the 1600×2560 px Kindle asks for: use a larger image (booklet draws its own at 1600×2560 when booklet.yml names no cover)"
        ],
    ),
    "no-cover": (
        edit(OPF, ' properties="cover-image"', ""),
        [
            ': warning: no cover image (a manifest item with properties="cover-image"): Kindle and Kobo show a blank book; name a cover in booklet.yml'
        ],
    ),
    "toc-titles-kindle-garbles": (
        both(
            edit(NAV, ">One</a>", '><img src="cover.png" alt=""/>One</a>'),
            edit(
                NAV,
                "One, first part</a></li>",
                'One,\n  first part</a>\n<ol><li><a href="ch01.xhtml#s1"> </a></li></ol></li>',
            ),
        ),
        [
            'EPUB/nav.xhtml:8: warning: table of contents entry "One" holds markup (<img>): Kindle\'s table of contents shows text only; leave it out of the heading',
            'EPUB/nav.xhtml:10: warning: table of contents entry "One, first part" holds line breaks or runs of spaces: Kindle shows them as they are; keep a title on one line',
            "EPUB/nav.xhtml:12: warning: table of contents entry with no text: Kindle shows a blank line; give the heading a title",
            'EPUB/nav.xhtml:12: warning: table of contents nested 3 levels deep at "": Kindle shows 2; leave the deeper headings out of it',
        ],
    ),
}


def test_the_clean_fixture_passes() -> None:
    assert check_epub(zipped(clean_files()), Path("book.epub")) == ()


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_hazard_is_found_with_its_message(case: str) -> None:
    change, expected = CASES[case]
    files = clean_files()
    change(files)
    found = [str(w) for w in check_epub(zipped(files), Path("book.epub"))]
    assert found == ["book.epub" + ("/" if not line.startswith(":") else "") + line for line in expected]


def test_a_zip_without_a_package_document() -> None:
    files = clean_files()
    del files["META-INF/container.xml"]
    assert [str(w) for w in check_epub(zipped(files), Path("book.epub"))] == [
        (
            "book.epub: warning: no package document (META-INF/container.xml naming an OPF file): "
            "no reader can open it; EPUBCheck says more"
        )
    ]


def test_a_file_that_is_not_a_zip() -> None:
    assert [str(w) for w in check_epub(b"%PDF-1.7", Path("book.epub"))] == [
        "book.epub: warning: not a zip file, so not an EPUB"
    ]


def run_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "booklet", "check", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or dict(os.environ),
        check=False,
    )


def test_cli_says_which_checkers_could_not_run(tmp_path: Path) -> None:
    files = clean_files()
    CASES["style-element"][0](files)
    epub = tmp_path / "book.epub"
    epub.write_bytes(zipped(files))
    result = run_check(str(epub), env={**os.environ, "PATH": "/nonexistent", "PUPPETEER_EXECUTABLE_PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{epub}/EPUB/ch01.xhtml:4: warning: <style> in the document: Kindle's converter and some readers ignore it; move its rules into the stylesheet",
        "booklet: 1 reader hazard(s)",
        "booklet: EPUBCheck not run: it needs Java: `apt-get install default-jre-headless`",
        "booklet: Ace not run: it needs Chromium: `apt-get install chromium`",
    ]
    strict = run_check(
        str(epub), "--strict", env={**os.environ, "PATH": "/nonexistent", "PUPPETEER_EXECUTABLE_PATH": ""}
    )
    assert strict.returncode == 1


def test_cli_on_a_missing_file() -> None:
    result = run_check("no/such.epub")
    assert (result.returncode, result.stderr) == (
        1,
        "no/such.epub: error: cannot read: No such file or directory\n",
    )


def test_cli_runs_epubcheck_and_ace_and_fails_on_their_findings(tmp_path: Path) -> None:
    """The clean fixture has no reader hazard and is valid EPUB, but carries no accessibility
    metadata: Ace's findings are printed, each at its file, and fail the check."""
    epub = tmp_path / "book.epub"
    epub.write_bytes(zipped(clean_files()))
    result = run_check(str(epub))
    ace = f"{epub}/EPUB/package.opf: error: Ace"
    assert result.stderr.splitlines() == [
        f"{ace} metadata-accessibilityfeature (serious): Publications must declare the 'schema:accessibilityFeature' metadata",
        f"{ace} metadata-accessibilityhazard (serious): Publications must declare the 'schema:accessibilityHazard' metadata",
        f"{ace} metadata-accessibilitysummary (moderate): Publications should declare the 'schema:accessibilitySummary' metadata",
        f"{ace} metadata-accessmode (serious): Publications must declare the 'schema:accessMode' metadata",
        f"{ace} metadata-accessmodesufficient (moderate): Publications should declare the 'schema:accessModeSufficient' metadata",
        f"{epub}/EPUB/ch01.xhtml: error: Ace epub-type-has-matching-role (moderate): Element has no ARIA role matching its epub:type",
        "booklet: 0 reader hazard(s)",
        "booklet: EPUBCheck ran: 0 finding(s)",
        "booklet: Ace ran: 6 finding(s)",
    ]
    assert result.returncode == 1
