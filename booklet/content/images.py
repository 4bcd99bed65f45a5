"""Stage 1c: the images a chapter shows, checked before anything is built.

Takes an image's `src` as the author wrote it and where it was written; returns the
file to read and what kind of image it is. A local image must be a PNG, JPEG or GIF
inside the booklet's folder (symlinks are followed first, so one cannot lead out).
A remote image (`https://…`) is fetched only when the author asks (`--fetch-remote`):
once, with a timeout, into a cache folder, and never again while it is there.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import os
import re
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image as PILImage

from booklet.content.text import MAX_IMAGE_MB, MB, read_source
from booklet.errors import BookletError
from booklet.files import write_atomically

NAME_MAX = 255  # bytes in one file name (Linux, macOS)
REMOTE_TIMEOUT = 10.0  # seconds, for connecting and for each read
REMOTE_DEADLINE = 30.0  # seconds for a whole fetch, however the server trickles
REMOTE_MAX_BYTES = 20 * 1024 * 1024
# EPUB 3.3 §3.2 core media types for images; WeasyPrint draws each of them.
MEDIA_TYPES = {
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "gif": ("image/gif", ".gif"),
    "webp": ("image/webp", ".webp"),
    "svg": ("image/svg+xml", ".svg"),
}
# What an SVG may not hold: it would run, or reach outside the booklet (content never runs).
SVG_UNSAFE = re.compile(
    rb"<script|<foreignObject|\son[a-z]+\s*=|(?:xlink:)?href\s*=\s*[\"'](?!#|data:image/)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Places:
    """Where images may be read from: nothing outside `root` (the site's folder), symlinks resolved first."""

    root: Path
    starts: tuple[Path, ...]  # where `/img/x.png` starts: the site's folder (Hugo: also static/)
    baseurl: str = ""  # a site's base path, which `{{ site.baseurl }}/img/x.png` starts with
    advice: str = "set `site_root:` in booklet.yml to a folder that holds it"  # the other fix


@dataclass(frozen=True, slots=True)
class ImageFile:
    path: Path  # the file to read: in the booklet's folder, or in the cache
    media_type: str  # "image/png"
    suffix: str  # ".png"


def locate_image(
    src: str,
    chapter: Path,
    line: int,
    places: Places | Path,
    remote_cache: Path | None,
    limit: int = MAX_IMAGE_MB * MB,
) -> ImageFile:
    """Check one image reference; raise a `BookletError` located at `chapter:line` if it is bad.

    `places`: a booklet's `Places`, or one folder (the cover's). `//host/x.png` is remote.
    """
    if isinstance(places, Path):
        places = Places(places, (places,), "", "")
    if src.startswith("//"):
        src = "https:" + src
    scheme = urlsplit(src).scheme.lower()
    if scheme in ("http", "https"):
        return _remote(src, chapter, line, remote_cache)
    if scheme:
        raise BookletError(
            chapter,
            line,
            f"image `{src}` is not a file or an http(s) address: save the image beside the chapter",
        )
    path = _local(src, chapter, line, places)
    try:
        data = read_source(path, places.root, limit, "image")
    except BookletError as error:
        raise BookletError(chapter, line, f"image `{src}`: {error.message}") from None
    return ImageFile(path, *MEDIA_TYPES[_kind(data, src, chapter, line)])


def _local(src: str, chapter: Path, line: int, places: Places) -> Path:
    name = unquote(urlsplit(src).path)
    if not name.strip():
        raise BookletError(chapter, line, "image has no file name: write ![what it shows](file.png)")
    if "\x00" in name:
        raise BookletError(chapter, line, f"image `{src}` has a NUL character in its name: remove it")
    if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in Path(name).parts):
        raise BookletError(chapter, line, f"image `{src[:80]}…` has a file name longer than {NAME_MAX} bytes")
    root = places.root.resolve()
    if name.startswith("/"):
        return _from_site(src, name, chapter, line, places, root)
    try:
        path = (chapter.parent / name).resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a loop, 3.13 OSError
        raise BookletError(
            chapter, line, f"image `{src}` is a symbolic link in a loop: replace it by the file"
        ) from None
    if not path.is_relative_to(root):
        raise BookletError(
            chapter,
            line,
            f"image `{src}` lies outside {places.root}, the folder booklet reads: move the image into it"
            f" and change the path" + (f", or {places.advice}" if places.advice else ""),
        )
    if not os.path.lexists(path):
        raise BookletError(
            chapter, line, f"image `{src}` does not exist: check the file name (relative to {chapter.parent})"
        )
    return path


def _from_site(src: str, name: str, chapter: Path, line: int, places: Places, root: Path) -> Path:
    """`/img/x.png` starts at the site's folder (Hugo: also static/, and the page's own bundle)."""
    names = [name.lstrip("/")]
    if places.baseurl and name.startswith(places.baseurl + "/"):
        names.insert(0, name[len(places.baseurl) + 1 :])
    for start in (*places.starts, chapter.parent):
        for relative in names:
            try:
                path = (start / relative).resolve()
            except (RuntimeError, OSError):  # a loop of links: not this one
                continue
            if path.is_relative_to(root) and os.path.lexists(path):
                return path
    where = " or ".join(str(start) for start in places.starts)
    raise BookletError(
        chapter, line, f"image `{src}` does not exist: check the path (a leading `/` starts at {where})"
    )


def _kind(data: bytes, src: str, chapter: Path, line: int) -> str:
    """The image's format, from its bytes (never from its name)."""
    if _is_svg(data):
        if SVG_UNSAFE.search(data):
            raise BookletError(
                chapter,
                line,
                f"image `{src}` is an SVG with a script or an outside link: remove them, or use a PNG",
            )
        return "svg"
    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            kind = (opened.format or "").lower()
            opened.verify()
    except PILImage.DecompressionBombError:
        raise BookletError(chapter, line, f"image `{src}` is too large: scale it down") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error on a file that is not an image
        raise BookletError(chapter, line, f"`{src}` is not an image: use a PNG, JPEG or GIF file") from None
    if kind not in MEDIA_TYPES:
        raise BookletError(chapter, line, f"image `{src}` is {kind.upper()}: convert it to PNG, JPEG or GIF")
    return kind


def _is_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<svg") or (
        head.startswith((b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in data[:4096].lower()
    )


def _remote(src: str, chapter: Path, line: int, cache: Path | None) -> ImageFile:
    if cache is None:
        raise BookletError(
            chapter,
            line,
            f"remote image `{src}` is not fetched: save it beside the chapter, or build with"
            " --remote-images fetch (or --remote-images link, when its host is gone)",
        )
    target = cache / hashlib.sha256(src.encode("utf-8")).hexdigest()
    if target.is_file():
        kind = _kind(target.read_bytes(), src, chapter, line)
    else:
        data = _download(src, chapter, line)
        kind = _kind(data, src, chapter, line)  # an error page is not cached
        _store(target, data)
    return ImageFile(target, *MEDIA_TYPES[kind])


def _download(src: str, chapter: Path, line: int) -> bytes:
    """Fetch within `REMOTE_DEADLINE` in all: a server that trickles a byte at a time is cut off."""
    connections = _Connections()
    deadline = threading.Timer(REMOTE_DEADLINE, connections.cut)
    deadline.daemon = True
    deadline.start()
    try:
        return _fetch(src, chapter, line, connections)
    except BookletError:
        if connections.was_cut:
            raise BookletError(
                chapter,
                line,
                f"cannot fetch remote image `{src}`: no answer within {REMOTE_DEADLINE:.0f} s: save the image beside the chapter",
            ) from None
        raise
    finally:
        deadline.cancel()


class _Connections:
    """The sockets of one fetch (redirects open more), so that the deadline can shut them all."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.was_cut = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.was_cut:
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            self.was_cut = True
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def opener(self) -> urllib.request.OpenerDirector:
        connections = self

        class Http(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                connections.add(self.sock)

        class Https(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                connections.add(self.sock)

        class HttpHandler(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Http, req)

        class HttpsHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Https, req)

        return urllib.request.build_opener(HttpHandler(), HttpsHandler())


def _fetch(src: str, chapter: Path, line: int, connections: _Connections) -> bytes:
    request = urllib.request.Request(src, headers={"User-Agent": "booklet"})  # noqa: S310 - http(s) only (locate_image)
    try:
        with connections.opener().open(request, timeout=REMOTE_TIMEOUT) as response:
            data = _read_at_most(response, REMOTE_MAX_BYTES + 1)
        if connections.was_cut:
            raise OSError("cut off")
    except urllib.error.HTTPError as error:
        reason = f"the server answered {error.code} {error.reason}"
        raise BookletError(
            chapter, line, f"cannot fetch remote image `{src}`: {reason}: check the address"
        ) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        reason = str(getattr(error, "reason", error)) or type(error).__name__
        raise BookletError(
            chapter,
            line,
            f"cannot fetch remote image `{src}`: {reason}: check the address, or save the image beside the chapter",
        ) from None
    if len(data) > REMOTE_MAX_BYTES:
        raise BookletError(
            chapter,
            line,
            f"remote image `{src}` is larger than 20 MB: save a smaller copy beside the chapter",
        )
    return data


def _read_at_most(response: http.client.HTTPResponse, limit: int) -> bytes:
    """Read what arrives, chunk by chunk, so that a cut connection ends the read at once."""
    chunks, size = [], 0
    while size < limit:
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _store(target: Path, data: bytes) -> None:
    """Write into the cache atomically, so that a half-fetched image is never taken for a whole one."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
    except OSError as error:
        raise BookletError(
            target.parent, None, f"cannot write the image cache: {error.strerror}: set XDG_CACHE_HOME"
        ) from None
