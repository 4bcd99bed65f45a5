#!/usr/bin/env python3
"""Build every test booklet with a tree's booklet and compare the bytes with another build.

A renovation that moves code must not change what a booklet becomes. This script builds
each case — every booklet under content/, every folder under tests/fixtures/ (the ones that
fail too: their message and exit code are an output) and every single post under
tests/fixtures/post/ — with all formats and `--impose`, a fixed SOURCE_DATE_EPOCH and a cache
of its own, into OUT/<case>/. Then it lists, file by file, what differs from a reference build.

    tools/compare-outputs.py build TREE OUT     build with TREE/.venv (cwd TREE) into OUT
    tools/compare-outputs.py compare BASE NEW   list the files that differ; exit 1 if any
    tools/compare-outputs.py explain BASE NEW   the distinct lines that changed in the differing
                                                HTML pages and EPUB entries (zip entries compared
                                                one by one), with how many files each changed in
    tools/compare-outputs.py [BASE]             build this tree into /tmp/current-out, compare
                                                with BASE (default /tmp/baseline-out)

Each case folder holds the outputs, and `result.txt`: the exit code and what was printed on
stderr (stdout only carries timings). Paths are given relative to the tree, so the messages
of two trees read the same.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

EPOCH = "1700000000"
HERE = Path(__file__).resolve().parent.parent


def cases(tree: Path) -> list[tuple[str, str]]:
    """(case name, source relative to the tree), sorted."""
    found = [
        (f"content-{p.parent.name}", f"content/{p.parent.name}") for p in tree.glob("content/*/booklet.yml")
    ]
    for folder in (tree / "tests/fixtures").iterdir():
        if folder.name == "post":
            found += [(f"post-{p.stem}", f"tests/fixtures/post/{p.name}") for p in folder.glob("*.md")]
        elif folder.is_dir():
            found.append((f"fixture-{folder.name}", f"tests/fixtures/{folder.name}"))
    return sorted(found)


def build(tree: Path, out: Path) -> None:
    python = tree / ".venv/bin/python"
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, XDG_CACHE_HOME=str(out / ".cache"))
    # Newer CLIs print progress on stderr unless --quiet: ask for it where it exists, so that
    # result.txt holds only warnings and errors in both builds.
    usage = subprocess.run(
        [str(python), "-m", "booklet", "build", "--help"], cwd=tree, capture_output=True, text=True
    )
    quiet = ["--quiet"] if "--quiet" in usage.stdout else []
    for name, source in cases(tree):
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            old.unlink()
        command = [str(python), "-m", "booklet", "build", source, "--out", str(target), "--impose"]
        command += ["--format", "pdf,epub,html", *quiet]
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        stderr = done.stderr.replace(str(target), "OUT")
        (target / "result.txt").write_text(f"exit {done.returncode}\n{stderr}", encoding="utf-8")
        print(f"{name}: exit {done.returncode}", flush=True)


def compare(base: Path, new: Path) -> int:
    """List each file that differs, or is in one build only; a case new since the base is named once."""
    differ = 0
    names = sorted({p.name for p in base.iterdir() if not p.name.startswith(".")})
    for name in sorted({p.name for p in new.iterdir() if not p.name.startswith(".")} - set(names)):
        print(f"{name}: a new case (not in the base build)")
    for name in names:
        a, b = base / name, new / name
        files = sorted({p.name for p in a.glob("*")} | {p.name for p in b.glob("*")})
        for file in files:
            fa, fb = a / file, b / file
            if not fa.exists() or not fb.exists():
                state = "only in new" if fb.exists() else "only in base"
            elif fa.read_bytes() != fb.read_bytes():
                state = "DIFFERS"
            else:
                continue
            differ += 1
            print(f"{name}/{file}: {state}")
    count = sum(1 for p in base.glob("*/*") if not p.parent.name.startswith("."))
    print(f"{count} files in the base build; {differ} differ")
    return 1 if differ else 0


def _texts(path: Path) -> dict[str, str]:
    """A page's text, or each text entry of an EPUB (zip), by name."""
    if path.suffix == ".epub":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith((".xhtml", ".css", ".opf", ".ncx"))]
            return {n: archive.read(n).decode("utf-8") for n in names}
    if path.suffix in (".html", ".txt"):
        return {"": path.read_text(encoding="utf-8")}
    return {}


def explain(base: Path, new: Path) -> int:
    changed: Counter[str] = Counter()
    other = []
    for old in sorted(p for p in base.glob("*/*") if not p.parent.name.startswith(".")):
        fresh = new / old.parent.name / old.name
        if not fresh.exists() or fresh.read_bytes() == old.read_bytes():
            continue
        a, b = _texts(old), _texts(fresh)
        if not a:
            other.append(f"{old.parent.name}/{old.name}")
        lines = set()
        for name in sorted(set(a) | set(b)):
            diff = difflib.unified_diff(
                a.get(name, "").splitlines(), b.get(name, "").splitlines(), n=0, lineterm=""
            )
            lines |= {line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")}
        changed.update(lines)
    for line, count in sorted(changed.items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:3d} files  {line[:160]}")
    for name in other:
        print(f"binary, differs: {name}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"] and len(argv) == 3:
        build(Path(argv[1]).resolve(), Path(argv[2]).resolve())
        return 0
    if argv[:1] == ["compare"] and len(argv) == 3:
        return compare(Path(argv[1]), Path(argv[2]))
    if argv[:1] == ["explain"] and len(argv) == 3:
        return explain(Path(argv[1]), Path(argv[2]))
    if len(argv) <= 1 and argv[:1] != ["-h"]:
        base = Path(argv[0] if argv else "/tmp/baseline-out")
        build(HERE, Path("/tmp/current-out"))
        return compare(base, Path("/tmp/current-out"))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
