"""The live preview (`booklet serve`): build, serve on 127.0.0.1, rebuild on every save.

Takes a source, a port and the build date; builds into a temporary folder, serves
the web page, the PDF and the EPUB from it, watches the source folder and
`templates/` (watchfiles), and rebuilds in this same process, so Python, WeasyPrint,
fontconfig and the fonts stay loaded. The web page is rebuilt first and the open
page reloads at once (Server-Sent Events); the PDF and EPUB follow. A failed
rebuild writes nothing: the last good outputs stay served, and the page shows the
same `path:line: error: …` lines the command line prints. The reload script is
added to the page as it is served, never to the built file.

Like `cli`, this module sits above `build`: it may touch the network and the file system.
"""

from __future__ import annotations

import mimetypes
import signal
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

import watchfiles

from booklet import theme
from booklet.build import Warm, build
from booklet.errors import BookletError, Diagnostics

HOST = "127.0.0.1"  # never another interface: the preview is for the author alone
IDLE_TIMEOUT = 30.0  # seconds a connection may send nothing before it is closed
MAX_CONNECTIONS = 32  # open at once; more are closed at once (each holds a thread)
WAIT_FOR_SOURCE = 0.5  # seconds between looks for a source folder that was deleted
EVENTS = "/__booklet/events"
_MEDIA_TYPES = {
    ".epub": "application/epub+zip",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
}


def serve(
    source: Path, port: int, built_at: datetime, log: TextIO = sys.stderr, open_browser: bool = False
) -> None:
    """Serve until interrupted (Ctrl-C); raise `BookletError` if the port cannot be had.

    The page is served as soon as it is built; the PDF and the EPUB follow on the print worker,
    and the page is built once more when they first exist, for its download links.
    `open_browser` opens the page in the author's browser once it is served.
    """
    with tempfile.TemporaryDirectory(prefix="booklet-serve-") as out:
        preview = Preview(source, Path(out), built_at, log)
        try:
            server = _Server((HOST, port), _handler(preview))
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise BookletError(
                None, None, f"cannot listen on {HOST}:{port}: {reason}: choose another --port"
            ) from None
        url = f"http://{HOST}:{server.server_port}/"
        signal.signal(signal.SIGTERM, _interrupt)  # a kill stops as Ctrl-C does: the folder is removed
        try:
            if preview.rebuild_page():
                preview.print_wanted.set()
            for work in (preview.watch, preview.print_worker):
                threading.Thread(target=work, name=f"booklet-{work.__name__}", daemon=True).start()
            print(f"booklet: serving {url} (Ctrl-C stops)", file=log, flush=True)
            if open_browser:  # some browsers' launchers wait: not on this thread
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            preview.stop()  # the workers print nothing after this line
            print(f"booklet: stopped serving {url}", file=log, flush=True)
        finally:
            preview.stop()
            server.server_close()


class Preview:
    """The last good outputs, the last errors, and a version that changes when the page should reload.

    Two threads build: the watcher rebuilds the web page after each save (a tenth of a
    second warm), and the print worker then rebuilds the PDF and the EPUB (seconds), so a
    slow PDF never holds up the page. Saves made while the PDF builds are folded into
    one more PDF build.
    """

    def __init__(self, source: Path, out: Path, built_at: datetime, log: TextIO) -> None:
        self.source, self.out, self.built_at, self.log = source, out, built_at, log
        self.page_name = f"{source.stem if source.is_file() else source.resolve().name}.html"
        self.errors: dict[str, str | None] = {"page": None, "print": None}
        self.version = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.print_wanted = threading.Event()
        self.page_links = False  # the page was built with the PDF and the EPUB beside it (its download links)
        self.warm = Warm()  # the print layout's parts, kept between rebuilds (only the print worker's)

    @property
    def error(self) -> str | None:
        return self.errors["page"] or self.errors["print"]

    def rebuild_page(self) -> bool:
        """Rebuild the web page; publish the result. True when it built (the print may follow)."""
        started, diagnostics = time.perf_counter(), Diagnostics()
        links = all((self.out / self.page_name).with_suffix(kind).is_file() for kind in (".pdf", ".epub"))
        try:
            built = build(self.source, self.out, ("html",), self.built_at, diagnostics)
        except BookletError as error:
            self._publish("page", str(error), "rebuild failed; the last good outputs are still served")
            return False
        except Exception as error:  # noqa: BLE001 - our bug: shown on the page; the watcher goes on
            message = _internal(error, self.log)
            self._publish("page", message, "rebuild failed; the last good outputs are still served")
            return False
        finally:
            self._print_warnings(diagnostics)
        self.page_name, self.page_links = built[0].path.name, links
        self._publish("page", None, f"page rebuilt in {time.perf_counter() - started:.2f}s")
        return True

    def rebuild_print(self) -> None:
        """Rebuild the PDF and the EPUB (their warnings were printed with the page's)."""
        started = time.perf_counter()
        try:
            build(self.source, self.out, ("pdf", "epub"), self.built_at, Diagnostics(), warm=self.warm)
        except BookletError as error:
            self._publish("print", str(error), "PDF/EPUB rebuild failed; the last good ones are still served")
            return
        except Exception as error:  # noqa: BLE001 - our bug: shown on the page; the worker goes on
            message = _internal(error, self.log)
            self._publish("print", message, "PDF/EPUB rebuild failed; the last good ones are still served")
            return
        self._publish("print", None, f"pdf, epub rebuilt in {time.perf_counter() - started:.2f}s")
        if not self.page_links:  # the first PDF and EPUB: the page gets its download links
            self.rebuild_page()

    def watch(self) -> None:
        """After each batch of changes to the content, the templates or the CSS: page now, print next.

        A source folder that is deleted (or renamed away) is waited for; when it is back, it is
        rebuilt and watched again. Nothing a build or the watcher raises ends the watching.
        """
        folder = self.source if self.source.is_dir() else self.source.parent
        while not self.stopping.is_set():
            if not folder.is_dir():
                self.stopping.wait(WAIT_FOR_SOURCE)
                if folder.is_dir() and self.rebuild_page():
                    self.print_wanted.set()
                continue
            try:
                for _changes in watchfiles.watch(
                    folder, theme.TEMPLATES, stop_event=self.stopping, debounce=100, step=20
                ):
                    if self.rebuild_page():
                        self.print_wanted.set()
                    if not folder.is_dir():
                        break
            except Exception:  # noqa: BLE001 - the folder went away under the watcher: wait for it
                self.rebuild_page()
                self.stopping.wait(WAIT_FOR_SOURCE)

    def print_worker(self) -> None:
        while not self.stopping.is_set():
            if self.print_wanted.wait(timeout=0.5):
                self.print_wanted.clear()
                self.rebuild_print()

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()

    def page(self) -> bytes:
        """The built page with the preview's error box and reload script, or only those."""
        path = self.out / self.page_name
        snippet = theme.render_template(
            "web_preview.html.j2", error=self.error, version=str(self.version), standalone=not path.is_file()
        )
        if not path.is_file():
            return snippet.encode("utf-8")
        html = path.read_text(encoding="utf-8")
        at = html.rfind("</body>")
        return (html[:at] + snippet + html[at:]).encode("utf-8")

    def file(self, name: str) -> Path | None:
        """One of the outputs by its plain name; nothing else in the folder, nothing outside it."""
        if "/" in name or name.startswith(".") or name not in {p.name for p in self.out.iterdir()}:
            return None
        return self.out / name

    def wait(self, seen: str, timeout: float) -> str:
        with self.changed:
            self.changed.wait_for(lambda: str(self.version) != seen or self.stopping.is_set(), timeout)
            return str(self.version)

    def _publish(self, stage: str, error: str | None, note: str) -> None:
        """Record a stage's result; the open page reloads when the page changed or an error came or went."""
        with self.changed:
            shown = self.error
            self.errors[stage] = error
            if stage == "page" or self.error != shown:
                self.version += 1
                self.changed.notify_all()
        if not self.stopping.is_set():
            print(
                f"booklet: {note}" if error is None else f"{error}\nbooklet: {note}",
                file=self.log,
                flush=True,
            )

    def _print_warnings(self, diagnostics: Diagnostics) -> None:
        for warning in diagnostics.warnings:
            print(warning, file=self.log)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _internal(error: Exception, log: TextIO) -> str:
    """A bug in booklet, said as such: the traceback to the terminal, one line to the page."""
    traceback.print_exception(error, file=log)
    return f"booklet: internal error: {type(error).__name__}: {error}: please report it with the traceback in the terminal"


class _Server(ThreadingHTTPServer):
    """The preview's server: a bounded number of connections, and quiet when a client goes away."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):  # too many open at once: this one is closed
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client closed the tab, or sat idle past IDLE_TIMEOUT: nothing to report
        super().handle_error(request, client_address)


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_TIMEOUT  # a connection that sends nothing for this long is closed

        def do_HEAD(self) -> None:  # the same answer as GET, without the body (RFC 9110 §9.3.2)
            self.do_GET()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if not _local_host(self.headers.get("Host", ""), self.server.server_address[1]):  # type: ignore[index]
                self.send_error(HTTPStatus.FORBIDDEN, "the preview answers only to 127.0.0.1 and localhost")
            elif path == "/favicon.ico":  # browsers ask for it: no icon, and no error in their console
                self.send_response(HTTPStatus.NO_CONTENT)
                self.end_headers()
            elif path == "/":
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", f"/{preview.page_name}")
                self.end_headers()
            elif path == EVENTS and self.command == "GET":
                self._events()
            elif path == f"/{preview.page_name}":
                self._send(preview.page(), _MEDIA_TYPES[".html"])
            elif (file := preview.file(path.removeprefix("/"))) is not None and (
                data := _read(file)
            ) is not None:
                media = _MEDIA_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                self._send(data, media or "application/octet-stream")
            else:
                self.send_error(HTTPStatus.NOT_FOUND)

        def _send(self, body: bytes, media_type: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _events(self) -> None:
            """Server-Sent Events: the current version now, then each new one (a comment keeps it open)."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = ""
            try:
                while not preview.stopping.is_set():
                    version = preview.wait(seen, timeout=15)
                    self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": idle\n\n")
                    self.wfile.flush()
                    seen = version
            except (ConnectionError, TimeoutError):
                return

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
            return  # the terminal shows rebuilds and errors, not every request

    return Handler


def _local_host(host: str, port: object) -> bool:
    """The Host header names this machine: a page of another site that resolves its name to
    127.0.0.1 (DNS rebinding) sends its own name, and is refused."""
    return host.lower() in {f"{name}:{port}" for name in ("127.0.0.1", "localhost")} | {
        "127.0.0.1",
        "localhost",
    }


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # replaced or removed between the listing and the read
        return None
