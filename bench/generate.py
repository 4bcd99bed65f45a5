"""Generate a booklet of N chapters for the benchmarks (never committed: made on each run).

Each chapter holds about 600 Han characters in a few paragraphs and cites two footnotes.
The text is drawn from the Kamailio post's sentences with a fixed seed, so every run
measures the same input.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POST = ROOT / "tests" / "fixtures" / "post" / "kamailio-in-action-post.md"  # the real post, committed


def _sentences() -> list[str]:
    text = POST.read_text(encoding="utf-8").split("---\n", 2)[-1]
    text = re.sub(r"\[\^\w+\]:?|\[([^\]]+)\]\([^)]*\)|\*\*", lambda m: m.group(1) or "", text)
    return [s for s in re.findall(r"[^。！？\n]+[。！？]", text) if len(s) > 8]


def generate(folder: Path, chapters: int) -> Path:
    """Write `folder` as a booklet folder with `chapters` chapters; return it."""
    rng = random.Random(chapters)
    pool = _sentences()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "booklet.yml").write_text(
        f'title: "基准测试小册子（{chapters}章）"\nlanguage: zh-CN\n', encoding="utf-8"
    )
    width = len(str(chapters))
    for number in range(1, chapters + 1):
        paragraphs, size = [], 0
        while size < 600:
            paragraph = "".join(rng.choice(pool) for _ in range(3))
            paragraphs.append(paragraph)
            size += len(paragraph)
        paragraphs[0] = paragraphs[0][:40] + f"[^c{number}a]" + paragraphs[0][40:]
        paragraphs[-1] = paragraphs[-1][:30] + f"[^c{number}b]" + paragraphs[-1][30:]
        notes = [f"[^c{number}a]: {rng.choice(pool)}", f"[^c{number}b]: {rng.choice(pool)}"]
        body = "\n\n".join(paragraphs + notes)
        (folder / f"{number:0{width}d}.md").write_text(
            f'---\ntitle: "第{number}章"\n---\n\n{body}\n', encoding="utf-8"
        )
    return folder


def to_single_markdown(folder: Path, target: Path) -> Path:
    """The same booklet as one Markdown file, as a pandoc user would feed it."""
    parts = []
    for chapter in sorted(folder.glob("*.md")):
        if chapter.name == "footnotes.md":
            continue
        front, body = chapter.read_text(encoding="utf-8").split("---\n", 2)[1:]
        title = re.search(r'title:\s*"?([^"\n]+)"?', front).group(1)  # type: ignore[union-attr]
        parts.append(f"# {title}\n\n{body.strip()}\n")
    shared = folder / "footnotes.md"
    if shared.is_file():
        parts.append(shared.read_text(encoding="utf-8"))
    title = re.search(r'title:\s*"?([^"\n]+)"?', (folder / "booklet.yml").read_text(encoding="utf-8")).group(
        1
    )  # type: ignore[union-attr]
    target.write_text(f'---\ntitle: "{title}"\nlang: zh-CN\n---\n\n' + "\n\n".join(parts), encoding="utf-8")
    return target


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
