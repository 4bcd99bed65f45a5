"""`booklet serve`: a real server process on a copy of the Kamailio booklet, edited as an author would."""

from __future__ import annotations

import html
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from validators import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
CHAPTER = "12-reading-advice.md"


class Server:
    def __init__(self, source: Path, port: int, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.source, self.port, self.log, self.process = source, port, log, process
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310 - http://127.0.0.1 only
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def page(self) -> str:
        """The served page's text, character references resolved (as a reader sees the message)."""
        return html.unescape(self.get("/booklet.html")[2].decode("utf-8"))

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    condition: Callable[[], bool], seconds: float, describe: Callable[[], str] = lambda: ""
) -> float:
    """Poll until `condition()` holds; return the seconds it took, or fail."""
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < seconds, (
            f"not within {seconds} s; the server said:\n{describe()}"
        )
        time.sleep(0.02)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    source = tmp_path_factory.mktemp("serve") / "booklet"
    shutil.copytree(KAMAILIO, source)
    log = source.parent / "serve.log"
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "booklet", "serve", str(source), "--port", str(port)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = Server(source, port, log, process)
    try:
        wait_for(lambda: "serving http://127.0.0.1:" in running.output() or process.poll() is not None, 120)
        assert process.poll() is None, running.output()
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_serves_the_page_first_then_the_pdf_and_epub_with_their_links(server: Server) -> None:
    serving = f"booklet: serving http://127.0.0.1:{server.port}/"
    wait_for(lambda: "pdf, epub rebuilt" in server.output(), 120, server.output)
    assert server.output().index(serving) < server.output().index("pdf, epub rebuilt"), server.output()
    # then the page is built again, with its download links
    wait_for(
        lambda: 'href="booklet.pdf"' in server.page() and 'href="booklet.epub"' in server.page(),
        10,
        server.output,
    )


def test_serves_the_page_pdf_and_epub_on_localhost(server: Server) -> None:
    wait_for(lambda: "pdf, epub rebuilt" in server.output(), 120, server.output)
    status, media, page = server.get("/booklet.html")
    assert status == 200 and media.startswith("text/html") and "《Kamailio实战》内容及特色" in page.decode()
    assert b"EventSource" in page, "the served page reloads itself"
    status, media, pdf = server.get("/booklet.pdf")
    assert status == 200 and media == "application/pdf" and pdf.startswith(b"%PDF")
    status, media, epub = server.get("/booklet.epub")
    assert status == 200 and media == "application/epub+zip" and epub.startswith(b"PK")
    assert server.get("/../booklet.yml")[0] == 404 and server.get("/nothing.html")[0] == 404


def test_an_edit_is_served_within_two_seconds_and_the_open_page_reloads(server: Server) -> None:
    chapter = server.source / CHAPTER
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(server.url + "/")
        assert page.url.endswith("/booklet.html")
        page.wait_for_timeout(300)  # the reload script has connected
        chapter.write_text(
            chapter.read_text(encoding="utf-8").replace("鉴于本书", "作者刚写下的新句子。鉴于本书", 1),
            encoding="utf-8",
        )
        seconds = wait_for(lambda: "作者刚写下的新句子。" in server.page(), 2.0, server.output)
        page.wait_for_selector("text=作者刚写下的新句子", timeout=2000)  # the open page reloaded itself
        browser.close()
    print(f"edit served after {seconds:.2f} s")


def test_a_broken_edit_shows_the_error_and_keeps_the_last_good_outputs(server: Server) -> None:
    rebuilt = server.output().count("pdf, epub rebuilt")
    # the PDF and EPUB of the earlier edit are done (a loaded machine may take a while)
    wait_for(lambda: server.output().count("pdf, epub rebuilt") >= max(rebuilt, 2), 60, server.output)
    good_pdf, good_page = server.get("/booklet.pdf")[2], server.page()
    chapter = server.source / CHAPTER
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace('title: "阅读建议"', 'title: "阅读建议', 1), encoding="utf-8")
    expected = subprocess.run(
        [
            sys.executable,
            "-m",
            "booklet",
            "build",
            str(server.source),
            "--out",
            str(server.source.parent / "cli"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert expected.returncode == 1
    (message,) = [line for line in expected.stderr.splitlines() if ": error: " in line]
    assert message.startswith(f"{chapter}:2:")
    wait_for(lambda: message in server.page(), 5, server.output)
    assert "the last good outputs are still served" in server.page()
    assert message in server.output()
    assert server.get("/booklet.pdf")[2] == good_pdf
    assert server.page().split("<!-- booklet serve -->")[0] == good_page.split("<!-- booklet serve -->")[0]
    chapter.write_text(text, encoding="utf-8")  # fixed: the error goes away
    wait_for(lambda: 'role="alert"' not in server.page(), 5, server.output)


def test_head_and_favicon_are_answered(server: Server) -> None:
    wait_for(lambda: "pdf, epub rebuilt" in server.output(), 120, server.output)
    for path, media in (("/booklet.html", "text/html; charset=utf-8"), ("/booklet.pdf", "application/pdf")):
        request = urllib.request.Request(server.url + path, method="HEAD")  # noqa: S310 - http://127.0.0.1 only
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the same
            assert (response.status, response.headers["Content-Type"], response.read()) == (200, media, b"")
            assert int(response.headers["Content-Length"]) > 1000
    assert server.get("/favicon.ico")[0] == 204


def test_open_shows_the_page_in_the_browser_and_stopping_says_one_line(tmp_path: Path) -> None:
    """`--open` runs the browser ($BROWSER, as Python's webbrowser reads it) on the page's address."""
    source = tmp_path / "dot"
    shutil.copytree(ROOT / "tests" / "fixtures" / "image-local", source)
    opened = tmp_path / "opened"
    browser = tmp_path / "browser.py"
    browser.write_text(
        f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n", encoding="utf-8"
    )
    log, port = tmp_path / "serve.log", free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "booklet", "serve", str(source), "--port", str(port), "--open"],
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "BROWSER": f"{sys.executable} {browser} %s"},
        )
    server = Server(source, port, log, process)
    try:
        # the browser's file exists before its text is written: wait for the text
        wait_for(lambda: opened.is_file() and opened.read_text() != "", 120, server.output)
        assert opened.read_text() == f"http://127.0.0.1:{port}/"
        # all the builds a start makes: the page, the PDF and EPUB, the page again with its links
        # (without the first condition, the first page's line alone would do, and a later line
        # could come before the stop's)
        wait_for(
            lambda: (
                "pdf, epub rebuilt" in (out := server.output())
                and "page rebuilt" in out.split("pdf, epub rebuilt")[-1]
            ),
            120,
            server.output,
        )
        before = server.output()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0
    assert server.output().removeprefix(before) == f"booklet: stopped serving http://127.0.0.1:{port}/\n"
