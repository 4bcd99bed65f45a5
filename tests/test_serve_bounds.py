"""`booklet serve` under hostile clients and broken builds (issue 18), in-process on a tiny booklet.

The server class and handler of booklet/serve.py run in a thread here (`serve()` itself takes
the process's signals); the watcher runs as in the preview. Each test asserts what a client
or the author sees: a status, a closed connection, the error on the page, a quiet terminal.
"""

from __future__ import annotations

import http.client
import io
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from booklet import serve

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUILT_AT = datetime(2024, 1, 1, tzinfo=UTC)


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.05)


class Running:
    def __init__(self, preview: serve.Preview, server: serve._Server, log: io.StringIO) -> None:
        self.preview, self.server, self.log = preview, server, log
        self.port = server.server_address[1]

    def request(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{self.port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, body


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    monkeypatch.setattr(serve, "IDLE_TIMEOUT", 0.5)
    monkeypatch.setattr(serve, "MAX_CONNECTIONS", 4)
    source = tmp_path / "book"
    shutil.copytree(FIXTURES / "utf8-bom", source)
    out = tmp_path / "out"
    out.mkdir()
    log = io.StringIO()
    preview = serve.Preview(source, out, BUILT_AT, log)
    server = serve._Server(("127.0.0.1", 0), serve._handler(preview))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Running(preview, server, log)
    finally:
        preview.stop()
        server.shutdown()
        server.server_close()


def test_a_foreign_host_is_refused(running: Running) -> None:
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends its own Host."""
    assert running.request("/", host="evil.example")[0] == 403
    assert running.request("/", host=f"evil.example:{running.port}")[0] == 403
    assert running.request("/", host=f"localhost:{running.port}")[0] == 302
    assert running.request("/")[0] == 302


@pytest.mark.parametrize(
    "path",
    [
        "/../booklet.yml",
        "/%2e%2e/booklet.yml",
        "/..%2fbooklet.yml",
        "/.booklet-tmp-1-new-book.html",
        "//etc/passwd",
    ],
)
def test_nothing_outside_the_output_folder(running: Running, path: str) -> None:
    (running.preview.out / ".booklet-tmp-1-new-book.html").write_bytes(b"half")
    assert running.request(path)[0] == 404


def test_an_idle_connection_is_closed(running: Running) -> None:
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as idle:
        idle.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest
        started = time.monotonic()
        assert idle.recv(1024) == b""
        assert time.monotonic() - started < 5
    assert "Traceback" not in running.log.getvalue()


def test_connections_are_bounded(running: Running) -> None:
    idle = [socket.create_connection(("127.0.0.1", running.port), timeout=10) for _ in range(4)]
    time.sleep(0.1)
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as extra:
        assert extra.recv(1024) == b""  # closed at once: four are open
    for connection in idle:
        connection.close()

    def served() -> bool:
        """Until the server's threads see the four close, a new connection is still refused."""
        try:
            return running.request("/")[0] == 302
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return False

    wait_for(served, 10)


def test_a_client_that_goes_away_leaves_no_traceback(
    running: Running, capsys: pytest.CaptureFixture[str]
) -> None:
    running.preview.rebuild_page()
    for path in ("/book.html", serve.EVENTS):
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as gone:
            gone.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n\r\n".encode())
            gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    time.sleep(1)
    assert "Traceback" not in capsys.readouterr().err + running.log.getvalue()


def test_a_crashing_build_shows_its_error_and_the_watcher_goes_on(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_build = serve.build

    def crashing(source: Path, *args: object, **kwargs: object) -> object:
        if "crash" in (source / "01-one.md").read_text(encoding="utf-8"):
            raise RuntimeError("a bug")
        return real_build(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(serve, "build", crashing)
    assert running.preview.rebuild_page()
    watcher = threading.Thread(target=running.preview.watch, daemon=True)
    watcher.start()
    time.sleep(0.5)
    chapter = running.preview.source / "01-one.md"
    chapter.write_text("---\ntitle: One\n---\n\ncrash\n", encoding="utf-8")
    wait_for(lambda: running.preview.error is not None, 30)
    assert running.preview.error == (
        "booklet: internal error: RuntimeError: a bug: please report it with the traceback in the terminal"
    )
    assert "internal error: RuntimeError: a bug" in running.request("/book.html")[1].decode()
    chapter.write_text("---\ntitle: One\n---\n\nFixed.\n", encoding="utf-8")
    wait_for(lambda: running.preview.error is None, 30)
    assert watcher.is_alive()


def test_a_deleted_source_folder_is_waited_for(running: Running, tmp_path: Path) -> None:
    assert running.preview.rebuild_page()
    watcher = threading.Thread(target=running.preview.watch, daemon=True)
    watcher.start()
    time.sleep(0.5)
    source = running.preview.source
    shutil.move(source, tmp_path / "away")
    wait_for(lambda: running.preview.error == f"{source}: error: no such file or folder", 30)
    assert running.request("/book.html")[0] == 200  # the last good page, with the error on it
    shutil.move(tmp_path / "away", source)
    wait_for(lambda: running.preview.error is None, 30)
    assert watcher.is_alive()
