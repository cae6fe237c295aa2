"""Every example in README.md runs, and prints what the README shows.

What counts as an example (the collector fails on anything it cannot place, so nothing is skipped
silently):

* each ``$ costcalc …`` line of a ```` ```console ```` block. Lines after it in the same block are its
  shown output (the whole output). A block with one command and no output lines may be followed by
  its output further down the same section: the next ```` ```text ```` block (a rich table, as printed
  when piped; it may be an excerpt of whole tables and notes) or markdown table (the output of
  ``--format markdown``, which the test adds; the table must be one of the output's tables, whole,
  and a bullet list right after it must be that table's notes). A command with no shown output must
  still exit 0. ``| jq PATH`` after a command is applied (``.key`` and ``[N]`` steps only);
* a markdown table or ```` ```text ```` block right after a paragraph that ends with an inline
  ``costcalc …`` command: that command's output;
* a ``<!-- output: costcalc … -->`` … ``<!-- end output -->`` region: the command's whole output,
  rendered in place (e.g. ``--format markdown`` with several tables and headings);
* every other markdown table must be listed in :data:`DOCUMENTATION_TABLES` (by its header).

Only what truly varies between runs is normalised, and only for ``costcalc bench``: the measured
columns (measured, ± IQR, meas/roof) and the environment's torch version, CPU name and Spearman
values. The README's sections change in parallel; ``COSTCALC_UPDATE_README=1 python -m pytest
tests/test_readme.py`` rewrites every shown output from the current code (review the diff).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
UPDATE = os.environ.get("COSTCALC_UPDATE_README") == "1"
DOCUMENTATION_TABLES = {("command", "what it does"), ("model", "options", "reproduced exactly")}
"""Header rows of README tables that are documentation, not command output."""
VARIABLE_COLUMNS = {"measured", "± IQR", "meas/roof", "speed-up measured", "achieved", "share"}
"""bench's timed columns: they change on every run."""
VARIABLE_TEXT = [
    (re.compile(r"torch [^,]+, (\d+) thread\(s\), [^,]+,"), r"torch …, \1 thread(s), …,"),
    (re.compile(r"MACs [+\-−]?\d\.\d+, roofline [+\-−]?\d\.\d+"), "MACs …, roofline …"),
    (re.compile(r"Leaves sum to .+ of the whole model's .+; the rest \(.+\) is"),
     "Leaves sum to … of the whole model's …; the rest (…) is"),
]
"""bench's environment line (torch version, CPU) and its Spearman correlations of measured latency."""
TABLE_BODY = tuple("│┃├┡╇┼")


@dataclass
class Block:
    kind: str  # fence | table | bullets | heading | para
    start: int  # README line index of the first line (a fence: its opening line)
    end: int  # one past the last line
    lines: list[str]
    lang: str = ""


@dataclass
class Example:
    command: str
    line: int  # README line number (1-based) of the command
    kind: str = "none"  # none | inline | text | markdown
    shown: list[str] = field(default_factory=list)
    span: tuple[int, int] | None = None  # README line indices of the shown output
    notes: Block | None = None  # a bullet list right after a shown markdown table

    @property
    def id(self) -> str:
        return f"L{self.line}: {self.command}"


def parse_blocks(lines: list[str]) -> list[Block]:
    """Split markdown into fenced blocks, tables, bullet lists, headings and paragraphs."""
    blocks, index = [], 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            blocks.append(Block("fence", index, end + 1, lines[index + 1:end], line[3:].strip()))
            index = end + 1
            continue
        if not line.strip():
            index += 1
            continue
        kind = ("heading" if line.startswith("#") else "table" if line.startswith("|")
                else "bullets" if line.startswith("- ") else "para")
        end = index + 1
        if kind != "heading":
            while end < len(lines) and lines[end].strip() and not lines[end].startswith(("```", "#")):
                if kind == "table" and not lines[end].startswith("|"):
                    break
                if kind == "para" and lines[end].startswith(("|", "- ")):
                    break
                end += 1
        blocks.append(Block(kind, index, end, lines[index:end]))
        index = end
    return blocks


def prose_command(block: Block | None) -> str | None:
    """The inline ``costcalc …`` command a paragraph ends with (before a final ':'), if any."""
    if block is None or block.kind != "para":
        return None
    match = re.search(r"`(costcalc [^`]+)`\)?:?\s*$", " ".join(block.lines))
    return match.group(1) if match else None


RENDERED_START = re.compile(r"^<!-- output: (costcalc .*) -->$")
RENDERED_END = "<!-- end output -->"


def rendered_regions(lines: list[str]) -> list[Example]:
    """Each ``<!-- output: CMD -->`` … ``<!-- end output -->`` region as an example showing the whole output."""
    examples = []
    for index, line in enumerate(lines):
        match = RENDERED_START.match(line)
        if match:
            end = lines.index(RENDERED_END, index)
            examples.append(Example(match.group(1), index + 1, "inline", lines[index + 1:end], (index + 1, end)))
    return examples


def collect(lines: list[str]) -> tuple[list[Example], list[str]]:
    """The README's examples, and the problems that keep a shown output from being checked."""
    examples: list[Example] = rendered_regions(lines)
    problems: list[str] = []
    waiting: Example | None = None
    inside = {index for example in examples for index in range(example.span[0] - 1, example.span[1] + 1)}
    blocks = [block for block in parse_blocks(lines) if block.start not in inside]
    for position, block in enumerate(blocks):
        previous = blocks[position - 1] if position else None
        if block.kind == "heading":
            waiting = None
        elif block.kind == "fence" and block.lang == "console":
            found = []
            for offset, line in enumerate(block.lines):
                if line.startswith("$ "):
                    found.append(Example(line[2:].strip(), block.start + offset + 2))
                elif found:
                    found[-1].shown.append(line)
                    found[-1].kind = "inline"
            for example in found:
                if example.kind == "inline":
                    first = block.start + 1 + block.lines.index("$ " + example.command) + 1
                    while example.shown and not example.shown[-1].strip():
                        example.shown.pop()
                    example.span = (first, first + len(example.shown))
            examples += found
            waiting = found[0] if len(found) == 1 and found[0].kind == "none" else None
        elif block.kind == "table" or (block.kind == "fence" and block.lang == "text"):
            kind = "markdown" if block.kind == "table" else "text"
            shown = block.lines
            span = (block.start, block.end) if kind == "markdown" else (block.start + 1, block.end - 1)
            command = prose_command(previous)
            if command:
                example = Example(command, previous.start + 1)
                examples.append(example)
            elif waiting is not None:
                example, waiting = waiting, None
            else:
                header = tuple(cell.strip() for cell in block.lines[0].strip("|").split("|"))
                if kind == "markdown" and header in DOCUMENTATION_TABLES:
                    continue
                problems.append(f"README line {block.start + 1}: a {kind} output with no command before it "
                                f"(a ```console block or an inline `costcalc …` ending the paragraph above)")
                continue
            example.kind, example.shown, example.span = kind, list(shown), span
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            if kind == "markdown" and following is not None and following.kind == "bullets":
                example.notes = following
    return examples, problems


def run_command(example: Example) -> list[str]:
    """Run the example in-process, as piped (plain text, full width); its stdout lines (after ``| jq``)."""
    words = shlex.split(example.command, comments=True)
    pipe = words[words.index("|") + 1:] if "|" in words else []
    words = words[:words.index("|")] if pipe else words
    assert words[0] == "costcalc", f"{example.id}: README examples run costcalc"
    arguments = words[1:]
    if example.kind == "markdown" and "--format" not in arguments:
        arguments += ["--format", "markdown"]
    result = CliRunner().invoke(cli, arguments, env={"NO_COLOR": "1", "COLUMNS": ""})
    assert result.exit_code == 0, f"{example.id}: exit {result.exit_code}\n{result.stderr}"
    output = result.stdout
    if pipe:
        assert pipe[0] == "jq" and len(pipe) == 2, f"{example.id}: only `| jq PATH` is supported"
        output = json.dumps(jq_path(json.loads(output), pipe[1]), indent=2, ensure_ascii=False) + "\n"
    return output.rstrip("\n").split("\n")


def jq_path(data, path: str):
    """``.rows[3].name``-style jq paths (``.key`` and ``[N]`` steps)."""
    steps = re.findall(r"\.(\w+)|\[(\d+)\]", path)
    assert "".join(f".{key}" if key else f"[{index}]" for key, index in steps) == path, f"jq path {path!r}"
    for key, index in steps:
        data = data[key] if key else data[int(index)]
    return data


def normalise(example: Example, lines: list[str]) -> list[str]:
    """Trailing spaces off; for bench, the timed cells and environment values replaced by '…'."""
    lines = [line.rstrip() for line in lines]
    if not example.command.startswith("costcalc bench"):
        return lines
    result, variable = [], set()
    for line in lines:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not variable and any(cell in VARIABLE_COLUMNS for cell in cells):
                variable = {index for index, cell in enumerate(cells) if cell in VARIABLE_COLUMNS}
            elif variable and not set(line) <= set("|:- "):
                cells = ["…" if index in variable else cell for index, cell in enumerate(cells)]
            line = "| " + " | ".join(cells) + " |"
        else:
            variable = set()
            for pattern, replacement in VARIABLE_TEXT:
                line = pattern.sub(replacement, line)
        result.append(line)
    return result


def markdown_tables(lines: list[str]) -> list[tuple[list[str], list[str]]]:
    """Each table of a ``--format markdown`` output with the bullet notes that follow it."""
    blocks = parse_blocks(lines)
    tables = []
    for position, block in enumerate(blocks):
        if block.kind == "table":
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            tables.append((block.lines, following.lines if following and following.kind == "bullets" else []))
    return tables


def excerpt_at(shown: list[str], actual: list[str]) -> int | None:
    """Where ``shown`` is a run of ``actual``'s lines that neither starts nor ends inside a table."""
    if shown and (shown[0].startswith(TABLE_BODY) or shown[-1].startswith(TABLE_BODY)):
        return None
    for start in range(len(actual) - len(shown) + 1):
        if actual[start:start + len(shown)] == shown:
            return start
    return None


def expected_lines(example: Example, actual: list[str]) -> list[str] | None:
    """The README lines the output should show (``None`` when the example shows nothing)."""
    if example.kind == "none":
        return None
    if example.kind == "inline":
        return actual
    if example.kind == "markdown":
        tables = markdown_tables(actual)
        shown = normalise(example, example.shown)
        best = max(tables, key=lambda table: difflib.SequenceMatcher(
            None, table_key(normalise(example, table[0])), table_key(shown)).ratio())
        return best[0] + (["", *best[1]] if example.notes is not None else [])
    shown = normalise(example, example.shown)
    normal = normalise(example, actual)
    if excerpt_at(shown, normal) is not None:
        return actual[excerpt_at(shown, normal):excerpt_at(shown, normal) + len(shown)]
    match = max(difflib.SequenceMatcher(None, normal, shown, autojunk=False).get_matching_blocks(),
                key=lambda block: block.size)
    start = max(0, match.a - match.b)
    end = min(len(actual), start + len(shown))
    while start > 0 and actual[start].startswith(TABLE_BODY):
        start -= 1
    while end < len(actual) and actual[end - 1].startswith(TABLE_BODY):
        end += 1
    return actual[start:end]


def table_key(table: list[str]) -> str:
    """A markdown table's header and first column, to find the output table a README table shows."""
    return "\n".join([table[0], *(row.strip("|").split("|")[0] for row in table[2:])])


def shown_lines(example: Example) -> list[str]:
    if example.kind == "markdown" and example.notes is not None:
        return example.shown + [""] + example.notes.lines
    return example.shown


def readme_lines() -> list[str]:
    return README.read_text(encoding="utf-8").split("\n")


EXAMPLES, PROBLEMS = collect(readme_lines())


@pytest.fixture(scope="module")
def rewrites():
    """With COSTCALC_UPDATE_README=1: the new shown outputs, written into README.md after the module."""
    found: dict[tuple[int, int], list[str]] = {}
    yield found
    if found:
        lines = readme_lines()
        for (start, end), new in sorted(found.items(), reverse=True):
            lines[start:end] = new
        README.write_text("\n".join(lines), encoding="utf-8")


def test_every_shown_output_has_a_command():
    assert not PROBLEMS, "\n".join(PROBLEMS)
    assert len(EXAMPLES) >= 8 and sum(example.kind != "none" for example in EXAMPLES) >= 6


NEEDS_TORCH = re.compile(r"^costcalc (analyze|bench|verify)\b|--verify\b|--reconcile\b")
"""The examples that measure with torch and fvcore (marked torch; conftest fails any it misses)."""


@pytest.mark.parametrize("example", [
    pytest.param(example, marks=([pytest.mark.torch] if NEEDS_TORCH.search(example.command) else [])
                 + ([pytest.mark.slow] if example.command.startswith("costcalc bench") else []))
    for example in EXAMPLES], ids=[example.id for example in EXAMPLES])
def test_readme_example(example, monkeypatch, rewrites):
    monkeypatch.chdir(ROOT)
    actual = run_command(example)
    expected = expected_lines(example, actual)
    if expected is None:
        return
    shown = normalise(example, shown_lines(example))
    agrees = (excerpt_at(shown, normalise(example, actual)) is not None if example.kind == "text"
              else shown == normalise(example, expected))
    if UPDATE:
        if not agrees:  # what agrees stays as written (bench keeps the timings of a quiet run)
            end = example.notes.end if example.notes is not None else example.span[1]
            rewrites[(example.span[0], end)] = expected
        return
    if example.kind == "text":
        assert agrees, (
            f"{example.id}: the README's text block is not whole tables of the output:\n"
            + "\n".join(difflib.unified_diff(shown, normalise(example, expected), "README", "output", lineterm="")))
    else:
        assert agrees, f"{example.id}: README differs from the output:\n" + "\n".join(
            difflib.unified_diff(shown, normalise(example, expected), "README", "output", lineterm=""))


def test_collector_finds_each_kind_of_example():
    text = "\n".join([
        "## A", "```console", "$ costcalc list", "out 1", "", "$ costcalc model x", "```",
        "```console", "$ costcalc compare --in 1", "```", "Prose:", "", "| a | b |", "|---|---|", "| 1 | 2 |", "",
        "- note", "", "See `costcalc sweep y`:", "", "```text", "┏━┓", "┗━┛", "```",
        "## B", "| command | what it does |", "|---|---|", "", "| x |", "|---|", "",
        "<!-- output: costcalc list --format markdown -->", "### title", "", "| k |", "|---|", "<!-- end output -->",
    ])
    examples, problems = collect(text.split("\n"))
    assert [(e.command, e.kind) for e in examples] == [
        ("costcalc list --format markdown", "inline"), ("costcalc list", "inline"), ("costcalc model x", "none"),
        ("costcalc compare --in 1", "markdown"), ("costcalc sweep y", "text")]
    assert examples[0].shown == ["### title", "", "| k |", "|---|"] and examples[0].span == (32, 36)
    assert examples[1].shown == ["out 1"] and examples[3].notes.lines == ["- note"]
    assert examples[4].shown == ["┏━┓", "┗━┛"]
    assert problems == ["README line 29: a markdown output with no command before it "
                        "(a ```console block or an inline `costcalc …` ending the paragraph above)"]


def test_bench_normalisation_keeps_what_does_not_vary():
    example = Example("costcalc bench --suite", 1)
    lines = ["| item | MACs | measured | ± IQR | meas/roof | measured |", "|:---|---:|---:|---:|---:|---:|",
             "| standard | 1.0 M | 9.65 ms | 92.5 µs | 4.5× | 1.00× |",
             "- Environment: torch 2.13.0+cpu, 1 thread(s), AMD EPYC, float32, batch 1.",
             "- Spearman rank correlation with measured latency over 12 items: MACs +0.888, roofline +0.972."]
    assert normalise(example, lines)[2:] == [
        "| standard | 1.0 M | … | … | … | … |", "- Environment: torch …, 1 thread(s), …, float32, batch 1.",
        "- Spearman rank correlation with measured latency over 12 items: MACs …, roofline …."]


def test_text_excerpts_hold_whole_tables():
    actual = ["title", "┏━┓", "┃ a ┃", "┗━┛", "note", "", "┏━┓", "┃ b ┃", "┗━┛"]
    assert excerpt_at(["┏━┓", "┃ b ┃", "┗━┛"], actual) == 6
    assert excerpt_at(["┃ a ┃", "┗━┛"], actual) is None
    assert excerpt_at(["┏━┓", "┃ c ┃", "┗━┛"], actual) is None
