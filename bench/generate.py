"""Generate a booklet of N chapters for the benchmarks (never committed: made on each run).

Each chapter is of realistic length: about 4,000 characters of real prose in paragraphs,
under two section headings, and it cites two notes. Paragraphs, headings and notes come
from `bench/prose/` (the Chinese translation of *The Rust Programming Language*, MIT; see
its README), drawn with a fixed seed, so every run measures the same input.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROSE = ROOT / "bench" / "prose"
CHAPTER_SIZE = 4000  # characters of prose in a chapter


def _prose() -> tuple[list[str], list[str], list[str]]:
    """Paragraphs, headings, and sentences (for the notes) of the real prose."""
    paragraphs = (PROSE / "paragraphs.txt").read_text(encoding="utf-8").splitlines()
    headings = (PROSE / "headings.txt").read_text(encoding="utf-8").splitlines()
    sentences = [s for p in paragraphs for s in re.findall(r"[^。！？]+[。！？]", p) if 20 < len(s) < 120]
    return paragraphs, headings, sentences


def generate(folder: Path, chapters: int) -> Path:
    """Write `folder` as a booklet folder with `chapters` chapters; return it."""
    rng = random.Random(chapters)
    paragraphs, headings, sentences = _prose()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "booklet.yml").write_text(
        f'title: "基准测试小册子（{chapters}章）"\nlanguage: zh-CN\npage_size: A5\n', encoding="utf-8"
    )
    width = len(str(chapters))
    for number in range(1, chapters + 1):
        (folder / f"{number:0{width}d}.md").write_text(
            _chapter(number, rng, paragraphs, headings, sentences), encoding="utf-8"
        )
    return folder


def _cite(paragraph: str, call: str) -> str:
    """The note's call after the paragraph's first sentence (never inside code or emphasis)."""
    end = paragraph.find("。") + 1 or len(paragraph)
    return paragraph[:end] + call + paragraph[end:]


def _chapter(
    number: int, rng: random.Random, paragraphs: list[str], headings: list[str], sentences: list[str]
) -> str:
    chosen: list[str] = []
    while sum(map(len, chosen)) < CHAPTER_SIZE:
        chosen.append(rng.choice(paragraphs))
    chosen[0] = _cite(chosen[0], f"[^c{number}a]")
    chosen[-1] = _cite(chosen[-1], f"[^c{number}b]")
    third = max(1, len(chosen) // 3)
    blocks = [*chosen[:third], f"## {rng.choice(headings)}", *chosen[third : 2 * third]]
    blocks += [f"## {rng.choice(headings)}", *chosen[2 * third :]]
    blocks += [f"[^c{number}a]: {rng.choice(sentences)}", f"[^c{number}b]: {rng.choice(sentences)}"]
    return f'---\ntitle: "第{number}章"\n---\n\n' + "\n\n".join(blocks) + "\n"


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
