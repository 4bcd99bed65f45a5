"""The contract under generated booklets (issue 18): Hypothesis writes booklets, `booklet build` reads them.

Each example is a booklet folder — booklet.yml (valid, broken, or with aliases), chapters with
front matter and Markdown (notes with hostile labels, nested lists and quotes, raw HTML, some
imitating our own footnote markup, images that exist or not, links), an optional footnotes.md,
file names with spaces, quotes, CJK or newlines — built into a folder holding an earlier
build. The contract: exit 0 or 1; on 1, every line printed is a located `path[:line[:col]]:
error|warning: …` and the earlier outputs are byte for byte as they were; never a traceback;
never a temporary file left.

`make test` runs a short pass from a fixed seed (18: the same inputs every time). `make fuzz`
runs `BOOKLET_FUZZ_EXAMPLES` inputs from `BOOKLET_FUZZ_SEED` (printed; set it to replay a run;
a failing input is also printed whole, with the `@reproduce_failure` blob).
Every crash found is kept as a fixture under tests/fixtures/fuzz-<what-broke>/ and built by
`test_fuzz_regressions`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from booklet.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PNG = (FIXTURES / "image-local" / "dot.png").read_bytes()
EARLIER = {"fuzz.html": b"<!DOCTYPE html>earlier\n", "fuzz-cover.png": b"earlier cover\n"}
EXAMPLES = int(os.environ.get("BOOKLET_FUZZ_EXAMPLES", "15"))
SEED = int(os.environ.get("BOOKLET_FUZZ_SEED", "18"))
LOCATED = re.compile(r"^\S.*?(?::\d+(?::\d+)?)?: (?:error|warning|note): \S")
RUN = {"inputs": 0, "built": 0}

# --- strategies ------------------------------------------------------------------------------------

hostile_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12
) | st.sampled_from(
    [
        "a'b",
        'q"q',
        "Foo",
        "foo",
        "注释",
        "a b",
        "1",
        "x]y",
        "&amp;",
        "<b>",
        "fn:1",
        "fnref:x",
        "\u200b" * 50,
        "e\u0301" * 30,
        "",
        "tab\there",
        "bell\a",
        "\u0085next",
        "\u2028sep",
    ]
)
label = st.sampled_from(
    ["a'b", "Foo", "foo", "FOO", "注释", "a b", "1", "2", "x-y", "x_y", "X.Y", "fn", "é", 'a"b']
) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="[]^"),
    min_size=1,
    max_size=6,
)
scalar = st.one_of(
    hostile_text,
    st.integers(-(10**30), 10**30),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.dates(),
)


@st.composite
def yaml_value(draw: st.DrawFn) -> str:
    """Mostly a well-quoted string (JSON is YAML); sometimes any scalar, a list, or bare text."""
    if draw(st.integers(0, 3)) > 0:
        text = draw(hostile_text)
        return json.dumps(text if text.strip() else "x" + text, ensure_ascii=False)
    value = draw(st.one_of(scalar, st.lists(scalar, max_size=3)))
    return value if isinstance(value, str) else str(value)


@st.composite
def yaml_text(draw: st.DrawFn, keys: list[str]) -> str:
    lines = []
    if draw(st.integers(0, 19)) > 0:
        title = draw(hostile_text) + "x" if draw(st.integers(0, 9)) else draw(yaml_value())
        lines.append(f"title: {json.dumps(title, ensure_ascii=False) if title.endswith('x') else title}")
    if draw(st.integers(0, 3)) == 0:
        for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
            lines.append(f"{key}: {draw(yaml_value())}")
    if draw(st.integers(0, 19)) == 0:  # aliases, some of them laughing
        width = draw(st.integers(1, 12))
        lines += [
            "tags: &a [lol, lol]",
            f"description: &b [{', '.join(['*a'] * width)}]",
            f"subtitle: [{', '.join(['*b'] * width)}]",
        ]
    if draw(st.integers(0, 19)) == 0:
        lines.append(
            draw(
                st.sampled_from(
                    ["title: [unclosed", "\tbad: tab", "- a list", "key: value: more", "? complex"]
                )
            )
        )
    return "\n".join(lines) + "\n"


BOOKLET_KEYS = [
    "subtitle",
    "author",
    "date",
    "tags",
    "license",
    "page_size",
    "footnote_numbering",
    "identifier",
    "base_url",
    "description",
    "publisher",
    "autor",
    "max_image_mb",
    "cover",
]
LANGUAGES = ["en", "ja", "zh-CN", "zh-TW", "de", "ar", "xx-bad tag"]


@st.composite
def block(draw: st.DrawFn, labels: list[str]) -> str:
    kind = draw(st.integers(0, 22))  # past 11: a plain paragraph
    text = draw(hostile_text)
    if kind == 0:
        return f"{'#' * draw(st.integers(1, 7))} {text}"
    if kind == 1:
        depth = draw(st.integers(1, 12) | st.sampled_from([101, 120]))
        return "\n".join(" " * (draw(st.sampled_from([2, 3, 4])) * n) + "- " + text for n in range(depth))
    if kind == 2:
        return ">" * draw(st.integers(1, 12) | st.sampled_from([101, 150])) + " " + text
    if kind == 3:
        tag = draw(st.sampled_from(["span", "div", "b", "sup", "blockquote", "script", "iframe", "a"]))
        depth = draw(st.integers(1, 12) | st.sampled_from([101, 150]))
        return f"<{tag}>" * depth + text + f"</{tag}>" * draw(st.integers(0, depth))
    if kind == 4:  # raw HTML imitating our footnote calls and notes
        target = draw(st.sampled_from(labels or ["x"]))
        return draw(
            st.sampled_from(
                [
                    f'<sup id="fnref:{target}"><a class="footnote-ref" href="#fn:{target}">1</a></sup>',
                    f'<div class="footnote"><ol><li id="fn:{target}"><p>fake</p></li></ol></div>',
                    f'<a class="noteref" href="#fn-{target}" id="fnref-{target}">9</a>',
                    '<p id="ch01-b001">taken id</p><h2 id="ch01-s01">x</h2>',
                ]
            )
        )
    if kind == 5:
        return f"![{text}]({draw(st.sampled_from(['pic.png', 'pic.png', 'pic.png', 'missing.png', '../out.png', 'pic.png%00.txt', 'https://example.invalid/x.png', 'sub/../pic.png', 'a' * 300 + '.png', 'javascript:alert(1)', '']))})"
    if kind == 6:
        return f"[{text}]({draw(st.sampled_from(['/site/path', 'http://x.example', '#top', 'javascript:x', 'rel.md', '']))})"
    if kind == 7:
        return "```\n" + text + "\n" + draw(st.sampled_from(["```", ""]))
    if kind == 8:
        return "[" * draw(st.integers(1, 300)) + text
    if kind == 9 and labels:
        stray = f" and [^{draw(label)}]" if draw(st.integers(0, 9)) == 0 else ""
        return f"{text}[^{draw(st.sampled_from(labels))}]{stray}"
    if kind == 10:
        return (
            "1. "
            + "9" * draw(st.integers(1, 400))
            + ". item\n"
            + draw(st.integers(0, 10**6)).__str__()
            + ". next"
        )
    return text


@st.composite
def chapter(draw: st.DrawFn, labels: list[str]) -> str:
    front = draw(yaml_text(["tags", "date", "layout", "unknown"]))
    blocks = draw(st.lists(block(labels), max_size=6))
    local = draw(st.lists(label, max_size=2, unique=True))  # notes of this chapter, cited here
    blocks += [f"{draw(hostile_text)}[^{name}-{index}]" for index, name in enumerate(local)]
    notes = [
        f"[^{name}-{index}]: {draw(hostile_text)}"
        + draw(st.sampled_from(["", "\n\n    more", "\n\n    1. list"]))
        for index, name in enumerate(local)
    ]
    if labels and draw(st.integers(0, 9)) == 0:
        notes.append(f"[^{draw(st.sampled_from(labels))}]: defined here and maybe in footnotes.md too")
    start = draw(st.sampled_from(["---\n"] * 18 + ["", "---\n\ufeff"]))
    return start + front + "---\n\n" + "\n\n".join(blocks + notes) + "\n"


file_name = st.sampled_from(
    [
        "01.md",
        "02 two.md",
        "03-'quote'.md",
        "04-注释.md",
        "05-\nnewline.md",
        "06-" + "x" * 200 + ".md",
        "a.md",
    ]
)


@st.composite
def booklet(draw: st.DrawFn) -> dict[str, bytes]:
    labels = draw(st.lists(label, max_size=4, unique=True))
    files: dict[str, bytes] = {}
    yml = draw(yaml_text(BOOKLET_KEYS)) + f"language: {draw(st.sampled_from(LANGUAGES))}\n"
    if draw(st.integers(0, 4)) > 0:
        yml += "cover: pic.png\n" if "cover:" not in yml else ""
    files["booklet.yml"] = yml.encode("utf-8")
    for name in draw(st.lists(file_name, min_size=1, max_size=3, unique=True)):
        files[name] = draw(chapter(labels)).encode("utf-8")
    if draw(st.integers(0, 3)) > 0:  # every label defined once, in footnotes.md
        files["footnotes.md"] = "\n\n".join(f"[^{name}]: {draw(hostile_text)} x" for name in labels).encode(
            "utf-8"
        )
    files["pic.png"] = PNG
    return files


# --- the contract --------------------------------------------------------------------------------------


def check_contract(files: dict[str, bytes]) -> None:
    RUN["inputs"] += 1
    with tempfile.TemporaryDirectory(prefix="booklet-fuzz-") as folder:
        source, out = Path(folder) / "fuzz", Path(folder) / "out"
        source.mkdir()
        out.mkdir()
        for name, data in files.items():
            (source / name).write_bytes(data)
        for name, data in EARLIER.items():
            (out / name).write_bytes(data)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["build", str(source), "--out", str(out), "--format", "html", "--quiet"])
        errors = stderr.getvalue()
        assert "Traceback" not in errors, errors
        assert code in (0, 1), f"exit {code}:\n{errors}"
        for line in errors.splitlines():
            assert LOCATED.match(line), f"not a located message: {line!r}"
        left = sorted(p.name for p in out.iterdir())
        if code == 1:
            assert errors, "exit 1 without a message"
            assert left == sorted(EARLIER), f"outputs changed on failure: {left}"
            assert all((out / name).read_bytes() == data for name, data in EARLIER.items())
        else:
            RUN["built"] += 1
            assert left == sorted(EARLIER), f"unexpected files: {left}"
            assert (out / "fuzz.html").read_bytes() != EARLIER["fuzz.html"]


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(booklet())
def check_generated(files: dict[str, bytes]) -> None:
    check_contract(files)


def test_generated_booklets_keep_the_contract() -> None:
    print(f"fuzz: seed {SEED} (BOOKLET_FUZZ_SEED={SEED} replays), up to {EXAMPLES} inputs", file=sys.stderr)
    try:
        check_generated()
    finally:
        print(
            f"fuzz: {RUN['inputs']} inputs, {RUN['built']} of them built (exit 0), the rest exit 1",
            file=sys.stderr,
        )


REGRESSIONS = sorted(p.name for p in FIXTURES.glob("fuzz-*"))


@pytest.mark.parametrize("case", REGRESSIONS)
def test_fuzz_regressions(case: str) -> None:
    """Each crash the fuzzer found, kept as the booklet that showed it."""
    folder = FIXTURES / case
    check_contract({path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()})
