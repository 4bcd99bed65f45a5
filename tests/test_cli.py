"""The command line on bad input: one located message, exit 1, no traceback, nothing lost.

Each kind of bad input has its own fixture under tests/fixtures/<case>/. Every case builds
into an output folder that already holds a booklet's three outputs, and checks that they
are byte-for-byte as they were, with no temporary file beside them. Most cases run the
command in-process (`cli.main`); a few run it as a real process, to see its exit status
and standard error as a shell does.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from booklet.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EARLIER = {
    "pdf": b"%PDF-1.7 an earlier build\n",
    "epub": b"PK an earlier build\n",
    "html": b"<!DOCTYPE html>earlier\n",
}
YAML_HINT = "check the quoting and indentation"
MAPPING = "not a YAML mapping: write `key: value` lines, such as `title: …`"
SIZES = "A4, A5, A6, B5, Letter, 6x9"

# fixture → the one line the build must print on standard error ({src}: the booklet's folder)
ERRORS = {
    "yaml-invalid": f"{{src}}/booklet.yml:2:1: error: not valid YAML: found character '\\t' that cannot start any token: {YAML_HINT}",
    "front-matter-invalid-yaml": f"{{src}}/01-one.md:3:12: error: not valid YAML: expected ',' or ']', but got '<stream end>': {YAML_HINT}",
    "yaml-not-a-mapping": f"{{src}}/booklet.yml:1: error: {MAPPING}",
    "front-matter-not-a-mapping": f"{{src}}/01-one.md:2: error: {MAPPING}",
    "not-utf8": "{src}/01-one.md:5:26: error: not valid UTF-8 text: save the file as UTF-8",
    "missing-title": "{src}/booklet.yml:1: error: missing `title`: add a line `title: …`",
    "chapter-missing-title": "{src}/01-one.md:2: error: missing `title`: add a line `title: …`",
    "unknown-key": "{src}/booklet.yml:3: error: unknown key `autor`: did you mean `author`?",
    "page-size-wrong-type": f"{{src}}/booklet.yml:3: error: `page_size` must be one of {SIZES}, not 12",
    "page-size-unknown": f"{{src}}/booklet.yml:3: error: unknown page size `A3`: use one of {SIZES}",
    "language-unknown": "{src}/booklet.yml:2: error: `not a language` is not a BCP 47 language tag (for example zh-CN, en, ja)",
    "no-chapter": "{src}: error: no chapter: add Markdown files (*.md) with front matter",
    "guard-brackets": (
        "{src}/01-one.md:7: error: more than 1,000 `[` in one paragraph: Markdown would take minutes to read it;"
        " put it in a code block (``` above and below)"
    ),
    "guard-nested-html": (
        "{src}/01-one.md:106: error: lists, quotes or raw HTML nested more than 100 levels deep:"
        " no page can show them; flatten the nesting"
    ),
    "footnote-defined-twice-shared": (
        "{src}/01-one.md:7: error: footnote [^sip] is also defined in {src}/footnotes.md:1: keep one of the two"
    ),
    "footnotes-md-stray-text": (
        "{src}/footnotes.md:3: error: text outside a footnote definition: indent it (four spaces) "
        "to continue the note above, or remove it"
    ),
    "image-missing": "{src}/01-one.md:7: error: image `missing.png` does not exist: check the file name (relative to {src})",
    "image-not-an-image": "{src}/01-one.md:5: error: `notes.png` is not an image: use a PNG, JPEG or GIF file",
    "image-outside": (
        "{src}/01-one.md:5: error: image `../../etc/hostname` lies outside {src}, the folder booklet reads:"
        " move the image into it and change the path, or set `site_root:` in booklet.yml to a folder that holds it"
    ),
    "image-symlink-out": (
        "{src}/01-one.md:5: error: image `leak.png` lies outside {src}, the folder booklet reads:"
        " move the image into it and change the path, or set `site_root:` in booklet.yml to a folder that holds it"
    ),
    "image-remote": (
        "{src}/01-one.md:5: error: remote image `https://example.invalid/picture.png` is not fetched: "
        "save it beside the chapter, or build with --remote-images fetch (or --remote-images link, when its host is gone)"
    ),
}


def stage(tmp_path: Path, case: str) -> tuple[Path, Path]:
    """Copy the fixture; make an output folder holding an earlier build of it."""
    source = tmp_path / "content" / case
    shutil.copytree(FIXTURES / case, source, symlinks=True)
    if case == "image-symlink-out":
        (source / "leak.png").symlink_to("/etc/hostname")
    out = tmp_path / "dist"
    out.mkdir()
    for kind, data in EARLIER.items():
        (out / f"{case}.{kind}").write_bytes(data)
    return source, out


def assert_untouched(out: Path, case: str) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{case}.{kind}" for kind in EARLIER), (
        "a file was added"
    )
    for kind, data in EARLIER.items():
        assert (out / f"{case}.{kind}").read_bytes() == data


# The plain progress lines a build prints on standard error when it is not a terminal
# (tests/test_progress.py tests them): the cases here are about the diagnostics between them.
PROGRESS = re.compile(r"booklet: (read|laid out|wrote|made|imposed|built) .*in \d+\.\d\ds")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, diagnostics(captured.err)


def diagnostics(stderr: str) -> str:
    """Standard error without the progress lines."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not PROGRESS.fullmatch(line.rstrip("\n"))
    )


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_input_gives_one_located_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = stage(tmp_path, case)
    code, stdout, stderr = run(capsys, "build", str(source), "--out", str(out), "--format", "epub,html")
    assert code == 1
    assert stderr.splitlines() == [ERRORS[case].format(src=source)]
    assert stdout == ""
    assert_untouched(out, case)


def test_a_missing_source_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-booklet"
    code, _, stderr = run(capsys, "build", str(missing), "--out", str(tmp_path / "out"))
    assert code == 1
    assert stderr == f"{missing}: error: no such file or folder\n"
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # We run as root, so permissions would not stop a write: a file where a folder must be does.
    source, out = stage(tmp_path, "utf8-bom")
    blocker = out / "not-a-folder"
    blocker.write_bytes(b"a file\n")
    target = blocker / "dist"
    code, _, stderr = run(capsys, "build", str(source), "--out", str(target), "--format", "epub,html")
    assert code == 1
    assert (
        stderr
        == f"{target}: error: cannot create the output folder (Not a directory): choose another with --out\n"
    )
    assert blocker.read_bytes() == b"a file\n"
    blocker.unlink()
    assert_untouched(out, "utf8-bom")


def test_an_output_path_that_is_a_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = stage(tmp_path, "utf8-bom")
    target = out / "utf8-bom.pdf"
    code, _, stderr = run(capsys, "build", str(source), "--out", str(target), "--format", "epub")
    assert code == 1
    assert (
        stderr
        == f"{target}: error: cannot create the output folder (File exists): choose another with --out\n"
    )
    assert_untouched(out, "utf8-bom")


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out = stage(tmp_path, "utf8-bom")
    code, stdout, stderr = run(capsys, "build", str(source), "--out", str(out), "--format", "epub,html")
    assert (code, stderr) == (0, "")
    printed = [line.split()[0] for line in stdout.splitlines()]
    assert {str(out / "utf8-bom.epub"), str(out / "utf8-bom.html")} <= set(printed)
    assert b"Fixture" in (out / "utf8-bom.html").read_bytes()
    assert "\ufeff" not in (out / "utf8-bom.html").read_text(encoding="utf-8")


def test_an_uncited_footnote_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out = stage(tmp_path, "footnote-never-cited")
    warning = f"{source}/01-one.md:7: warning: footnote [^sip] is defined but never cited"
    code, stdout, stderr = run(capsys, "build", str(source), "--out", str(out), "--format", "html")
    assert (code, stderr.splitlines()) == (0, [warning])
    assert (out / "footnote-never-cited.html").read_bytes() != EARLIER["html"]
    source, out = stage(tmp_path / "strict", "footnote-never-cited")
    code, stdout, stderr = run(
        capsys, "build", str(source), "--out", str(out), "--format", "html", "--strict"
    )
    warning = f"{source}/01-one.md:7: warning: footnote [^sip] is defined but never cited"
    assert (code, stdout) == (1, "")
    assert stderr.splitlines() == [
        warning,
        "booklet: error: warnings are errors with --strict: nothing was written",
    ]
    assert_untouched(out, "footnote-never-cited")


def test_unsafe_html_is_dropped_with_a_warning_per_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = stage(tmp_path, "unsafe-html")
    code, _, stderr = run(capsys, "build", str(source), "--out", str(out), "--format", "epub,html")
    chapter = f"{source}/01-one.md"
    assert code == 0
    assert stderr.splitlines() == [
        f"{chapter}:8: warning: raw HTML `<script>` is not allowed: it is dropped with its content",
        f"{chapter}:10: warning: event-handler attribute `onclick` on `<p>` is dropped: content never runs",
        f"{chapter}:12: warning: raw HTML `<iframe>` is not allowed: it is dropped with its content",
        f"{chapter}:14: warning: raw HTML `<object>` is not allowed: it is dropped with its content",
        f"{chapter}:16: warning: raw HTML `<style>` is not allowed: it is dropped with its content",
        f"{chapter}:18: warning: a `javascript:` URL on `<a>` is dropped: use an http(s) address",
        f"{chapter}:18: warning: a `data:` URL on `<a>` is dropped: use an http(s) address",
    ]


# --- remote images: fetched only when asked, from a loopback server, never from outside ------


class _Pictures(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path != "/picture.png":
            self.send_error(404)
            return
        data = (FIXTURES / "image-local" / "dot.png").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
        pass


@pytest.fixture
def picture_server() -> Iterator[tuple[str, list[str]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pictures)
    hits: ClassVar[list[str]] = []
    server.RequestHandlerClass = type("Handler", (_Pictures,), {"hits": hits})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def remote_booklet(tmp_path: Path, url: str) -> Path:
    source = tmp_path / "content" / "remote"
    source.mkdir(parents=True)
    (source / "booklet.yml").write_text("title: Remote\nlanguage: en\n", encoding="utf-8")
    (source / "01-one.md").write_text(f"---\ntitle: One\n---\n\n![a dot]({url})\n", encoding="utf-8")
    return source


def test_a_remote_image_is_fetched_once_into_the_cache(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    picture_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, hits = picture_server
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = remote_booklet(tmp_path, f"{base}/picture.png")
    for _ in range(2):
        code, _, stderr = run(
            capsys, "build", str(source), "--out", str(tmp_path / "out"), "--format", "html", "--fetch-remote"
        )
        assert (code, stderr) == (0, "")
    assert hits == ["/picture.png"]
    assert len(list((tmp_path / "cache" / "booklet" / "remote").iterdir())) == 1
    assert b"data:image/png;base64," in (tmp_path / "out" / "remote.html").read_bytes()


def test_a_remote_image_that_fails_is_a_clear_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    picture_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, _ = picture_server
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"{base}/missing.png"
    source = remote_booklet(tmp_path, url)
    code, _, stderr = run(capsys, "build", str(source), "--out", str(tmp_path / "out"), "--fetch-remote")
    assert code == 1
    assert (
        stderr
        == f"{source}/01-one.md:5: error: cannot fetch remote image `{url}`: the server answered 404 Not Found: check the address\n"
    )
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "cache" / "booklet" / "remote").exists()


def test_an_unreachable_remote_image_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"http://127.0.0.1:{port}/picture.png"
    source = remote_booklet(tmp_path, url)
    code, _, stderr = run(capsys, "build", str(source), "--out", str(tmp_path / "out"), "--fetch-remote")
    assert code == 1
    assert stderr == (
        f"{source}/01-one.md:5: error: cannot fetch remote image `{url}`: [Errno 111] Connection refused: "
        "check the address, or save the image beside the chapter\n"
    )


def test_a_remote_image_that_never_answers_times_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from booklet.content import images

    monkeypatch.setattr(images, "REMOTE_TIMEOUT", 0.5)  # 10 s in real use
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/picture.png"
        source = remote_booklet(tmp_path, url)
        started = time.monotonic()
        code, _, stderr = run(capsys, "build", str(source), "--out", str(tmp_path / "out"), "--fetch-remote")
    assert time.monotonic() - started < 30
    assert code == 1
    assert stderr == (
        f"{source}/01-one.md:5: error: cannot fetch remote image `{url}`: timed out: "
        "check the address, or save the image beside the chapter\n"
    )


# --- as a real process ----------------------------------------------------------------------


def booklet_process(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "booklet", *args],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[call-overload]
    )


def test_a_real_process_exits_1_without_a_traceback(tmp_path: Path) -> None:
    source, out = stage(tmp_path, "image-missing")
    process = booklet_process("build", str(source), "--out", str(out))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stderr == ERRORS["image-missing"].format(src=source) + "\n"
    assert_untouched(out, "image-missing")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    process = booklet_process("build", str(FIXTURES / "utf8-bom"), "--format", "docx")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "--format: unknown format docx; choose from pdf,epub,html" in stderr
    process = booklet_process(
        "build", str(FIXTURES / "utf8-bom"), env={**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    )
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'" in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_leaves_earlier_outputs_intact(tmp_path: Path, signum: int) -> None:
    """Stop a build part-way (Ctrl-C, a kill): the previous files stay, no temporary file is left."""
    source = tmp_path / "content" / "long"
    source.mkdir(parents=True)
    (source / "booklet.yml").write_text("title: Long\nlanguage: en\n", encoding="utf-8")
    for number in range(1, 61):
        text = "\n\n".join(
            f"Paragraph {n} of chapter {number}, with some words to lay out." for n in range(40)
        )
        (source / f"{number:03d}.md").write_text(
            f"---\ntitle: Chapter {number}\n---\n\n{text}\n", encoding="utf-8"
        )
    out = tmp_path / "dist"
    out.mkdir()
    for kind, data in EARLIER.items():
        (out / f"long.{kind}").write_bytes(data)
    process = booklet_process("build", str(source), "--out", str(out))
    time.sleep(2.5)  # past loading, into the PDF's layout
    assert process.poll() is None, process.communicate()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert diagnostics(stderr) == "booklet: interrupted; earlier outputs are untouched\n"
    assert_untouched(out, "long")


# --- metadata with markup characters comes out as text in every output ---------------------

HOSTILE_TITLE = "Fish & Chips <b>bold</b> \"quoted\" 'single'"
HOSTILE_AUTHORS = ["A & B <a@b.example>", 'O\'Brien "Quote"']
HOSTILE_CHAPTER = '<i>Chapter</i> & "one" <script>alert(2)</script>'
XHTML = {"x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    process = booklet_process("build", str(FIXTURES / "hostile-metadata"), "--out", str(out))
    _, stderr = process.communicate(timeout=300)
    assert (process.returncode, diagnostics(stderr)) == (0, "")
    return out


def test_hostile_metadata_is_text_in_the_epub(hostile: Path) -> None:
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(hostile / "hostile-metadata.epub") as epub:
        documents = {
            name: etree.fromstring(epub.read(name))  # every XML file is well-formed
            for name in epub.namelist()
            if name.endswith((".xhtml", ".opf", ".ncx", ".xml"))
        }
    opf = next(doc for name, doc in documents.items() if name.endswith(".opf"))
    dc = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert opf.xpath("//dc:title/text()", namespaces=dc) == [HOSTILE_TITLE]
    assert opf.xpath("//dc:creator/text()", namespaces=dc) == HOSTILE_AUTHORS
    chapter = next(doc for name, doc in documents.items() if name.endswith("ch01.xhtml"))
    assert chapter.xpath("string(//x:title)", namespaces=XHTML) == HOSTILE_CHAPTER
    assert chapter.xpath("string(//x:h1)", namespaces=XHTML) == HOSTILE_CHAPTER
    nav = next(doc for name, doc in documents.items() if name.endswith("nav.xhtml"))
    assert HOSTILE_CHAPTER in nav.xpath("//x:nav//x:a/text()", namespaces=XHTML)
    for name, document in documents.items():
        assert not document.xpath(
            "//x:script | //x:b[ancestor::x:title] | //x:i[ancestor::x:h1]", namespaces=XHTML
        ), name


def test_hostile_metadata_is_text_in_the_web_page(hostile: Path) -> None:
    from lxml import html as lxml_html

    page = lxml_html.fromstring((hostile / "hostile-metadata.html").read_bytes())
    assert page.findtext(".//title").startswith(HOSTILE_TITLE)
    assert HOSTILE_CHAPTER in [h.text_content() for h in page.iter("h1", "h2")]
    for script in page.iter("script"):  # only data (JSON-LD), where `<` is written \u003c
        assert script.get("type") == "application/ld+json"
        assert "<" not in (script.text or "")
        assert json.loads(script.text or "")
    assert not page.xpath("//title//b | //h1//i | //h2//i")


def test_hostile_metadata_is_text_in_the_pdf(hostile: Path) -> None:
    import pikepdf
    from lxml import etree

    with pikepdf.open(hostile / "hostile-metadata.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == HOSTILE_TITLE
        assert str(pdf.docinfo["/Author"]) == ", ".join(HOSTILE_AUTHORS)
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())  # well-formed
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
    ns = {"dc": "http://purl.org/dc/elements/1.1/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    assert xmp.xpath("//dc:title//rdf:li/text()", namespaces=ns) == [HOSTILE_TITLE]
    assert HOSTILE_CHAPTER in titles


def test_a_note_too_short_for_kobo_is_a_warning_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The release check runs on every EPUB built; a hazard in a note is reported where the
    author wrote it, once for a note shared by two chapters."""
    source, out = stage(tmp_path, "epub-note-too-short-for-kobo")
    code, _, stderr = run(capsys, "build", str(source), "--out", str(out), "--format", "epub")
    warning = (
        f"{source}/footnotes.md:1: warning: note [^same] holds 3 characters: "
        "Kobo pops up only notes of 9 or more; write it out, or put it in the text"
    )
    assert (code, stderr.splitlines()) == (0, [warning])


# --- defaults: SOURCE, the outputs' names, --version ------------------------------------------


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["build"], "my-notes"),  # no SOURCE: the current folder, as it holds a booklet.yml
        (["build", "."], "my-notes"),
        (["build", ".."], "my-notes/sub"),
        (["build", "../my-notes"], "elsewhere"),
    ],
)
def test_outputs_are_named_after_the_folders_real_name(
    args: list[str],
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(FIXTURES / "utf8-bom", tmp_path / "my-notes")
    (tmp_path / "my-notes" / "sub").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / where)
    code, _, stderr = run(capsys, *args, "--format", "html", "--out", str(tmp_path / "out"))
    assert (code, stderr) == (0, "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["my-notes-cover.png", "my-notes.html"]


def test_without_source_outside_a_booklet_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["build"])
    assert exit_.value.code == 2
    message = "no SOURCE given, and no booklet.yml in the current folder: name a booklet folder or post"
    assert capsys.readouterr().err.splitlines()[-1] == f"booklet: error: {message}"


def test_version_and_help_answer_before_the_pipeline_loads() -> None:
    """`--version` and `--help` import no part of the pipeline (WeasyPrint takes a second or two)."""
    code = (
        "import sys, contextlib, io\n"
        "from booklet.cli import main\n"
        "for args in (['--version'], ['--help'], ['build', '--help']):\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "        main(args)\n"
        "    print(out.getvalue().splitlines()[0])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'weasyprint', 'lxml', 'markdown', 'jinja2', 'ebooklib'} or m == 'booklet.build'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    from booklet import __version__

    assert result.stdout.splitlines() == [
        f"booklet {__version__}",
        "usage: booklet [-h] [--version] COMMAND ...",
        "usage: booklet build [-h] [--out DIR] [--format LIST] [--strict] [--quiet]",
        "[]",
    ]


def test_several_booklets_in_one_real_process_are_as_if_built_alone(tmp_path: Path) -> None:
    """`make` builds every stale booklet in one run (imports and fonts loaded once): each
    booklet's outputs are the bytes a run of its own writes; a bad one is reported and the
    others are still built (issue 15)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    names = ["image-local", "image-missing", "utf8-bom"]
    sources = [str(FIXTURES / name) for name in names]
    together = booklet_process("build", *sources, "--quiet", "--out", str(tmp_path / "together"), env=env)
    _, stderr = together.communicate(timeout=600)
    assert together.returncode == 1
    assert stderr.splitlines() == [ERRORS["image-missing"].format(src=FIXTURES / "image-missing")]
    for name in ("image-local", "utf8-bom"):
        alone = booklet_process(
            "build", str(FIXTURES / name), "--quiet", "--out", str(tmp_path / name), env=env
        )
        alone.communicate(timeout=600)
        assert alone.returncode == 0
        for kind in ("pdf", "epub", "html"):
            made = (tmp_path / "together" / f"{name}.{kind}").read_bytes()
            assert made == (tmp_path / name / f"{name}.{kind}").read_bytes(), f"{name}.{kind}"
    assert not (tmp_path / "together" / "image-missing.pdf").exists()
