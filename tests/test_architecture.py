"""The stages' dependencies point one way (STYLE.md §1), read from each module's imports with `ast`.

The table below is STYLE.md §1's house. A module inside a package (`pdf/layout.py`) counts
as its package (`pdf`), and may import its own package. Choices where the style guide is
silent, each for a reason:
- `files` (one atomic write) serves `build`'s outputs, `cache` and `content`'s fetched images.
- `fonts` knows each writing system's face and asks fontconfig where it is; it keeps its
  subsets in `cache`. `cover` draws in those faces and keeps its drawing in `cache` too.
  `content` asks `fonts` which emoji the print face draws: a GitHub `:shortcode:` becomes its
  character only where every output can show it, else it stays text.
- the writers (`pdf`, `epub`, `web`) take the model and `assets` and use `theme` for their
  templates; they import no reader and no other writer (`epub` asks `fonts` for the faces).
- `serve`, the live preview, is a front end like `cli`: it calls `build`.
- `aside` lays the PDF out in a child process (the second core) for `build`; `cli` starts
  the child before the reading stage loads. It calls the `pdf` writer as `build` would.
- `check` (`booklet check FILE.epub`) is a front end too: it reads a file, runs `epub`'s own
  release check on it, then EPUBCheck and Ace when installed (PATH, Chromium: the environment).
- `pages` (which block opens each printed page) serves two writers, `epub` and `web`.
- `cli` makes the `Request` (a site's selection, the name, the title, remote images) from its
  options: a `model` value, like every value that crosses a stage.
- `starter` (`booklet new`) writes a new booklet folder: a front end's helper, reading a post
  through `content`. `progress` is the command line's display of a build's `Step`s.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "booklet"
WRITER = {"errors", "model", "scripts", "theme", "assets", "pages"}

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": set(),
    "scripts": set(),
    "files": {"errors"},
    "assets": set(),
    "pages": set(),
    "cache": {"files"},
    "content": {"errors", "model", "files", "fonts"},
    "theme": {"model", "scripts"},
    "fonts": {"errors", "cache"},
    "cover": {"model", "scripts", "fonts", "cache"},
    "pdf": WRITER,
    "epub": WRITER | {"fonts"},
    "web": WRITER,
    "aside": {"errors", "model", "assets", "cache", "fonts", "pdf"},
    "build": {
        "errors",
        "model",
        "files",
        "assets",
        "content",
        "cover",
        "fonts",
        "pdf",
        "epub",
        "web",
        "aside",
    },
    "serve": {"build", "errors", "theme"},
    "check": {"epub", "errors"},
    "starter": {"errors", "model", "content", "files"},
    "progress": {"model"},
    "cli": {
        "aside",
        "build",
        "cache",
        "check",
        "errors",
        "serve",
        "model",
        "starter",
        "progress",
        "__init__",
    },
    "__main__": {"cli"},
    "__init__": set(),
}
# Only the command line reads SOURCE_DATE_EPOCH and asks for the time; only the front ends print.
CLOCK_AND_EPOCH = {"cli"}
PRINTERS = {"cli", "serve"}
ENVIRONMENT = {"content", "cache", "build", "cli", "files", "check"}


def modules() -> list[tuple[str, Path]]:
    """(stage, file) for every module; a package's modules belong to the package's stage."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((parts[0], path))
    return found


def booklet_imports(path: Path) -> set[str]:
    """The booklet stages a module imports (`from booklet import pdf`, `from booklet.pdf.layout import x`)."""
    stages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "booklet":
            parts = node.module.split(".")
            if len(parts) > 1:
                stages.add(parts[1])
            else:
                # `from booklet import __version__` is the package itself, `__init__`
                stages.update("__init__" if a.name.startswith("__") else a.name for a in node.names)
        elif isinstance(node, ast.Import):
            stages.update(a.name.split(".")[1] for a in node.names if a.name.startswith("booklet."))
    return stages


def test_every_module_is_in_the_table() -> None:
    assert {stage for stage, _ in modules()} <= set(ALLOWED), (
        "a new module: add it to ALLOWED, and to STYLE's table"
    )


@pytest.mark.parametrize(
    ("stage", "path"), modules(), ids=lambda v: str(v.relative_to(PACKAGE)) if isinstance(v, Path) else v
)
def test_imports_point_down_the_pipeline(stage: str, path: Path) -> None:
    imported = booklet_imports(path) - {stage}
    assert imported <= ALLOWED.get(stage, set()), f"{path.name} imports {sorted(imported - ALLOWED[stage])}"


def names_used(path: Path) -> tuple[set[str], set[str]]:
    """Attribute and function names called, and string constants, in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return names, strings


@pytest.mark.parametrize(
    ("stage", "path"), modules(), ids=lambda v: str(v.relative_to(PACKAGE)) if isinstance(v, Path) else v
)
def test_clock_environment_and_printing_stay_at_the_edges(stage: str, path: Path) -> None:
    names, strings = names_used(path)
    if stage not in CLOCK_AND_EPOCH:
        assert "SOURCE_DATE_EPOCH" not in strings, f"{path.name} reads SOURCE_DATE_EPOCH: only cli.py may"
        assert not {"now", "utcnow", "today"} & names, (
            f"{path.name} asks for the time: take `built_at` instead"
        )
    if stage not in ENVIRONMENT:
        assert not {"environ", "getenv"} & names, f"{path.name} reads the environment"
    if stage not in PRINTERS:
        assert "print" not in names, f"{path.name} prints: raise a BookletError or add a warning instead"


def test_exit_codes_are_defined_in_one_place() -> None:
    for stage, path in modules():
        names, _ = names_used(path)
        if stage != "cli" and stage != "__main__":
            assert not {"exit", "_exit"} & names, f"{path.name} exits: only cli.py chooses the exit code"
    from booklet import cli

    assert (cli.EXIT_OK, cli.EXIT_INPUT, cli.EXIT_USAGE, cli.EXIT_BUG, cli.EXIT_INTERRUPTED) == (
        0,
        1,
        2,
        70,
        130,
    )


def test_only_cli_catches_booklet_errors_to_print_them() -> None:
    for stage, path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)):
            caught = ast.unparse(handler.type) if handler.type else ""
            if "BookletError" in caught and stage not in PRINTERS:
                printed = any(isinstance(n, ast.Name) and n.id == "print" for n in ast.walk(handler))
                assert not printed, f"{path.name}:{handler.lineno} prints a BookletError"


def test_every_stage_in_the_table_exists() -> None:
    assert set(ALLOWED) == {stage for stage, _ in modules()}, "a stage is gone: remove it from ALLOWED"
