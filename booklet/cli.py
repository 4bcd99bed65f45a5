"""The command line: parse arguments and the environment, call `build`, print, choose the exit code.

Exit codes, in one place: 0 ok, 1 bad input, 2 usage, 70 internal error (a bug in booklet),
130 interrupted (Ctrl-C or a kill: the outputs are the earlier set, whole, or, when the signal
came while they were swapped in, the new set, whole).
Only this module reads `SOURCE_DATE_EPOCH`, asks for the time, and prints (the preview, `serve`,
prints its own log).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
import time
import traceback
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booklet import __version__
from booklet.errors import BookletError, Diagnostics, InterruptedAfterWriting
from booklet.model import FORMATS, RemoteImages, Request, Selection

if TYPE_CHECKING:  # loaded with the pipeline, after the arguments are parsed
    from booklet.aside import Printer
    from booklet.build import Output
    from booklet.progress import Display

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 70, 130

EXAMPLE = """\
example:
  booklet build content/kamailio-in-action
      writes dist/kamailio-in-action.pdf, .epub and .html
  booklet build post.md --out site/ --format epub,html
  booklet check dist/kamailio-in-action.epub
      the release check: reader hazards, then EPUBCheck and Ace when installed
  booklet build ~/blog --tag FreeSWITCH
      a Jekyll or Hugo site: its posts tagged FreeSWITCH, oldest first: dist/blog-FreeSWITCH.pdf, …
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command; Ctrl-C or a kill at any moment, even while starting, ends cleanly."""
    previous = _on_sigterm(_interrupt)
    try:
        return _run(argv)
    except InterruptedAfterWriting:
        print("booklet: interrupted after the new outputs were all written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("booklet: interrupted; earlier outputs are untouched", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        _on_sigterm(previous)


def _run(argv: list[str] | None) -> int:
    started = time.perf_counter()  # the total time an author waits: loading the pipeline included
    parser = _parser()
    args = parser.parse_args(argv)  # `--help`, `--version` and usage errors answer before the pipeline loads
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "new":
        return _new(args)
    if args.command == "check":
        return _check(args)
    if args.command == "serve":
        try:
            built_at = _build_date(os.environ.get("SOURCE_DATE_EPOCH"))
        except ValueError as error:
            parser.error(str(error))
        return _serve(_source(args.source, parser), args.port, args.open, built_at)
    sources = [_source(given, parser) for given in args.source] or [_source(None, parser)]
    try:
        formats = _formats(args.format)
        built_at = _build_date(os.environ.get("SOURCE_DATE_EPOCH"))
        request = _request(args, built_at)
        if args.name is not None and len(args.source) > 1:
            raise ValueError("--name names one booklet's outputs: build several booklets without it")
    except ValueError as error:
        parser.error(str(error))
    return _build_all(args, sources, formats, built_at, request, started)


def _build_all(
    args: argparse.Namespace,
    sources: list[Path],
    formats: tuple[str, ...],
    built_at: datetime,
    request: Request,
    started: float,
) -> int:
    """Each booklet in turn, in this process (`make` builds every stale one in one run): a bad
    one is reported and the others are still built; the exit code is the worst one's. The PDF
    is laid out by a child that starts loading WeasyPrint now, before the reading stage loads
    here (aside.py), when there is a second core."""
    printer = _printer(formats)
    status = EXIT_OK
    try:
        for source in sources:
            code = _build(args, source, formats, built_at, request, started, printer)
            if code == EXIT_BUG:
                return code
            status = max(status, code)
            started = time.perf_counter()
    finally:
        if printer is not None:
            printer.close()
    return status


def _printer(formats: tuple[str, ...]) -> Printer | None:
    """The child laying out the PDF (also the EPUB's page list), when these formats need a layout."""
    if "pdf" not in formats and "epub" not in formats:
        return None
    from booklet.aside import start_printer

    return start_printer()


def _collect_less() -> None:
    """Python's cycle collector walks every object it tracks at each full collection: what is
    loaded so far (the modules and their tables) is set aside for good (`gc.freeze`). The
    thresholds stay Python's: raised to 50,000 for the youngest generation, 100 chapters peaked
    at 1.22 GB instead of 1.03 for no clear gain in CPU time (bench/results.md)."""
    gc.freeze()


def _build(
    args: argparse.Namespace,
    source: Path,
    formats: tuple[str, ...],
    built_at: datetime,
    request: Request,
    started: float,
    printer: Printer | None,
) -> int:
    """`booklet build`: the outputs, the progress while they are made, the diagnostics, the exit code."""
    # The pipeline (WeasyPrint…) loads here, inside `main`'s handlers, not when cli is imported.
    from booklet.build import build
    from booklet.cache import cache_dir

    _collect_less()

    diagnostics = Diagnostics()
    remote_cache = cache_dir() / "remote"  # used only when remote images are to be fetched
    display = _display(args.quiet, started)
    try:
        outputs = build(
            source,
            Path(args.out),
            formats,
            built_at,
            diagnostics,
            remote_cache,
            args.strict,
            args.impose,
            request,
            report=display,
            printer=printer,
        )
    except BookletError as error:
        display.close()
        _print_warnings(diagnostics)
        print(_painted(str(error)), file=sys.stderr)
        return EXIT_INPUT
    except Exception:  # noqa: BLE001 - anything else is our bug: say so, with the traceback
        display.close()
        traceback.print_exc()
        print("booklet: internal error: please report it with the traceback above", file=sys.stderr)
        return EXIT_BUG
    except BaseException:  # Ctrl-C: the live line goes before `main` says so
        display.close()
        raise
    seconds = display.close()
    _print_warnings(diagnostics)
    if not args.quiet:
        for output in outputs:
            print(_output_line(output))
        print(f"booklet: built in {seconds:.2f}s", file=sys.stderr)
    return EXIT_OK


def _source(given: str | None, parser: argparse.ArgumentParser) -> Path:
    """SOURCE, or the current folder when it holds a booklet."""
    if given is not None:
        return Path(given)
    if not Path("booklet.yml").is_file():
        parser.error(
            "no SOURCE given, and no booklet.yml in the current folder: name a booklet folder or post"
        )
    return Path(".")


def _display(quiet: bool, started: float) -> Display:
    """The progress display (progress.py): live on a terminal, plain lines elsewhere, none with --quiet."""
    from booklet.progress import Display

    return Display(sys.stderr, started, quiet=quiet, colour=_colour(), live=sys.stderr.isatty())


def _colour() -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything (no-color.org) or TERM is dumb."""
    return sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _painted(diagnostic: str) -> str:
    """`path:line: error: …` with `error:` in bold red and `warning:` in bold magenta, as compilers do."""
    if not _colour():
        return diagnostic
    for word, sgr in ((": error: ", "1;31"), (": warning: ", "1;35")):
        if word in diagnostic:
            where, _, rest = diagnostic.partition(word)
            return f"\x1b[1m{where}:\x1b[0m \x1b[{sgr}m{word[2:-1]}\x1b[0m {rest}"
    return diagnostic


def _output_line(output: Output) -> str:
    """`dist/x.epub  399 KB  3.15s`, and what the time holds when it holds the print layout."""
    line = f"{output.path}  {_size(output.size)}  {output.seconds:.2f}s"
    if output.path.suffix == ".epub" and output.layout_seconds:
        shared = ", shared with the PDF" if output.layout_shared else " its page list needs"
        line += f"  ({output.layout_seconds:.2f}s of it the print layout{shared})"
    return line


NEW_EXAMPLE = """\
example:
  booklet new my-notes && cd my-notes && booklet build
      a booklet.yml with every key explained, two chapters, a shared note and an image
  booklet new kamailio --from _posts/2022-08-21-kamailio-in-action.md
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="booklet",
        description="Turn a book's companion material in Markdown into a PDF booklet, an EPUB 3 and a web page.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"booklet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_parser = commands.add_parser(
        "build", help="build a booklet", epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    build_parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="*",
        help="a booklet folder (with booklet.yml) or one Markdown file with front matter (default: this folder); "
        "several are built one after another in one run (as `make` does)",
    )
    build_parser.add_argument("--out", default="dist", metavar="DIR", help="output folder (default: dist)")
    build_parser.add_argument(
        "--format",
        default=",".join(FORMATS),
        metavar="LIST",
        help="comma-separated: pdf,epub,html (default: all)",
    )
    build_parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build_parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only warnings and errors: no progress, no list of outputs",
    )
    build_parser.add_argument(
        "--language",
        metavar="TAG",
        help="the language of a source that names none (a BCP 47 tag: en, ja, zh-CN, zh-TW…); else it is detected",
    )
    build_parser.add_argument(
        "--impose",
        action="store_true",
        help="with the PDF, also write NAME-print.pdf: A5 pages two to an A4 sheet, for saddle stitching",
    )
    build_parser.add_argument(
        "--remote-images",
        choices=("error", "fetch", "link"),
        help="remote (https://, //host/) images: error (the default), fetch them once into a cache"
        " ($XDG_CACHE_HOME/booklet), or link: each becomes a link with its alt text",
    )
    build_parser.add_argument(
        "--fetch-remote", action="store_true", help="the same as --remote-images fetch (an older name)"
    )
    chosen = build_parser.add_argument_group(
        "a Jekyll or Hugo site as SOURCE", "which posts become chapters (default: every published post)"
    )
    chosen.add_argument(
        "--tag", action="append", default=[], metavar="T", help="posts with tag T (any case; repeatable)"
    )
    chosen.add_argument(
        "--category", action="append", default=[], metavar="C", help="posts in category C (repeatable)"
    )
    chosen.add_argument(
        "--series", action="append", default=[], metavar="S", help="posts in series S (repeatable)"
    )
    chosen.add_argument("--since", metavar="DATE", help="posts dated DATE (YYYY-MM-DD) or later")
    chosen.add_argument("--until", metavar="DATE", help="posts dated DATE (YYYY-MM-DD) or earlier")
    chosen.add_argument(
        "--name", help="the outputs' file name (default: the site's folder and the selection)"
    )
    chosen.add_argument("--title", help="the booklet's title when booklet.yml gives none")
    new_parser = commands.add_parser(
        "new",
        help="start a booklet: a folder NAME that builds as it is",
        epilog=NEW_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new_parser.add_argument("name", metavar="NAME", help="the folder to create (its name names the outputs)")
    new_parser.add_argument(
        "--from",
        dest="post",
        metavar="POST.md",
        help="start from an existing post: its front matter fills booklet.yml, it becomes the first chapter",
    )
    serve_parser = commands.add_parser(
        "serve", help="live preview: serve the page, PDF and EPUB on 127.0.0.1, rebuilt on save"
    )
    serve_parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="?",
        help="a booklet folder (with booklet.yml) or one Markdown file with front matter (default: this folder)",
    )
    serve_parser.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000)")
    serve_parser.add_argument(
        "--open", action="store_true", help="open the page in your browser once it is served"
    )
    check_parser = commands.add_parser(
        "check",
        help="release check of an EPUB: what Kindle, Kobo, Apple Books and 多看/掌阅 fail on, then EPUBCheck and Ace",
    )
    check_parser.add_argument("epub", metavar="FILE.epub", help="the EPUB to check")
    check_parser.add_argument("--strict", action="store_true", help="a warning fails the check too")
    return parser


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"--format: unknown format {', '.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}"
        )
    return formats


def _request(args: argparse.Namespace, built_at: datetime) -> Request:
    if args.fetch_remote and args.remote_images not in (None, "fetch"):
        raise ValueError(f"--fetch-remote and --remote-images {args.remote_images} disagree: keep one")
    selection = Selection(
        tuple(args.tag),
        tuple(args.category),
        tuple(args.series),
        _date(args.since, "--since"),
        _date(args.until, "--until"),
    )
    remote: RemoteImages | None = "fetch" if args.fetch_remote else args.remote_images
    if args.name is not None and (not args.name.strip() or "/" in args.name or args.name.startswith(".")):
        raise ValueError(f"--name: `{args.name}` is not a file name: use letters, digits and dashes")
    return Request(built_at, selection, args.name, args.title, remote, language=args.language)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option}: `{text}` is not a date: write it as 2024-05-01") from None


def _build_date(epoch: str | None) -> datetime:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) fixes every date in the outputs."""
    if epoch is None or epoch == "":
        return datetime.now(UTC).replace(microsecond=0)
    if not epoch.isascii() or not epoch.isdigit():
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}")
    if len(epoch) > 12 or int(epoch) > _LAST_SECOND:
        raise ValueError(f"SOURCE_DATE_EPOCH {epoch[:20]} lies after the year 9999: give seconds since 1970")
    return datetime.fromtimestamp(int(epoch), UTC)


_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z: the last date an EPUB's or PDF's date field holds


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _on_sigterm(handler: Any) -> Any:
    """Set the SIGTERM handler (only the main thread may); return the one it replaces."""
    if threading.current_thread() is not threading.main_thread():
        return handler
    return signal.signal(signal.SIGTERM, handler)


def _print_warnings(diagnostics: Diagnostics) -> None:
    for message in (*diagnostics.warnings, *diagnostics.notes):
        print(_painted(str(message)), file=sys.stderr)


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _check(args: argparse.Namespace) -> int:
    """`booklet check`: each finding on stderr; exit 1 on an EPUBCheck error or Ace violation
    (or, with --strict, any finding), else 0."""
    from booklet.check import check_file

    try:
        report = check_file(Path(args.epub))
    except BookletError as error:
        print(error, file=sys.stderr)
        return EXIT_INPUT
    for line in (*report.findings, *report.notes):
        print(line, file=sys.stderr)
    return EXIT_INPUT if report.failed or (args.strict and report.findings) else EXIT_OK


def _serve(source: Path, port: int, open_browser: bool, built_at: datetime) -> int:
    """`booklet serve`: the live preview (booklet/serve.py), until Ctrl-C."""
    from booklet.serve import serve  # only the preview needs the HTTP server and the watcher

    try:
        serve(source, port, built_at, open_browser=open_browser)
    except BookletError as error:
        print(error, file=sys.stderr)
        return EXIT_INPUT
    except Exception:  # noqa: BLE001 - our bug: say so, with the traceback
        traceback.print_exc()
        print("booklet: internal error: please report it with the traceback above", file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    """`booklet new`: write the starter (booklet/starter.py) and say what to do next."""
    from booklet.starter import write_starter

    diagnostics = Diagnostics()
    folder = Path(args.name)
    try:
        written = write_starter(folder, Path(args.post) if args.post else None, diagnostics)
    except BookletError as error:
        _print_warnings(diagnostics)
        print(error, file=sys.stderr)
        return EXIT_INPUT
    _print_warnings(diagnostics)
    for path in written:
        print(path)
    print(
        f"next: cd {folder} && booklet build   (or booklet serve, to preview as you write)", file=sys.stderr
    )
    return EXIT_OK
