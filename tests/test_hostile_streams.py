"""Output streams, run for real in a child process: a full, closed or early-closed stdout, a closed
stderr, encodings that cannot hold ``×``, and piped tables that ignore ``COLUMNS``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import on_terminal

ROOT = Path(__file__).resolve().parents[1]

COMPARE = ["compare", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14"]


def costcalc(*args: str, env: dict | None = None, shell_redirect: str = "", **kwargs) -> subprocess.CompletedProcess:
    """``python -m costcalc ARGS`` in a child; ``shell_redirect`` (e.g. ``>&-``) is applied by ``sh``."""
    environment = {**os.environ, "NO_COLOR": "", "COLUMNS": "", **(env or {})}
    environment.pop("NO_COLOR")
    command = [sys.executable, "-m", "costcalc", *args]
    if shell_redirect:
        quoted = " ".join(f"'{part}'" for part in command)
        return subprocess.run(["sh", "-c", f"{quoted} {shell_redirect}"], env=environment, capture_output=True,
                              text=True, timeout=120, **kwargs)
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_full_device_gets_one_line_and_exit_1(fmt):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    result = costcalc(*COMPARE, "--format", fmt, shell_redirect=">/dev/full")
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write standard output: No space left on device\n"


def test_a_closed_stdout_gets_one_line_and_exit_1():
    result = costcalc(*COMPARE, shell_redirect=">&-")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: standard output is closed") and result.stderr.count("\n") == 1


def test_a_closed_stderr_does_not_stop_the_work():
    result = costcalc(*COMPARE, "--format", "json", shell_redirect="2>&-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["rows"][0]["macs"] == 462_422_016
    errors = costcalc("compare", "--in", "0", shell_redirect="2>&-")
    assert errors.returncode == 2 and errors.stdout == ""  # the error had nowhere to go; the exit code says it


def test_a_reader_that_leaves_early_ends_the_command_quietly():
    """The reader closes the pipe before the output is written (as `| head -0`, or `| head` on a long
    output): EPIPE, no message, exit 1."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    child = subprocess.Popen([sys.executable, "-m", "costcalc", *COMPARE], stdout=write_end, stderr=subprocess.PIPE,
                             env={**os.environ, "COLUMNS": ""})
    os.close(write_end)
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1
    assert stderr == ""


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_encoding_without_the_symbols_gets_ascii_stand_ins(encoding):
    table = costcalc(*COMPARE, env={"PYTHONIOENCODING": encoding})
    assert table.returncode == 0 and table.stderr == ""
    assert "512x14x14" in table.stdout and "462,422,016" in table.stdout and "512->512" in table.stdout
    data = costcalc(*COMPARE, "--format", "json", env={"PYTHONIOENCODING": encoding})
    utf8 = costcalc(*COMPARE, "--format", "json", env={"PYTHONIOENCODING": "utf-8"})
    assert data.stdout.isascii() and json.loads(data.stdout) == json.loads(utf8.stdout)  # escaped, not changed
    error = costcalc("model", "mobilenet", "--alpha", "3", env={"PYTHONIOENCODING": encoding})
    assert error.returncode == 2 and error.stderr.startswith("Error: alpha must be a number in (0, 2]")


@pytest.mark.parametrize("columns", ["80", "0", "20", "junk"])
def test_piped_tables_ignore_columns_and_keep_every_number(columns):
    wide = costcalc("sweep", "mobilenet", "--alpha", "1.0,0.5", "--res", "224,128")
    narrow = costcalc("sweep", "mobilenet", "--alpha", "1.0,0.5", "--res", "224,128", env={"COLUMNS": columns})
    assert narrow.returncode == 0 and narrow.stdout == wide.stdout
    assert "4,231,976" in narrow.stdout and "┃┃" not in narrow.stdout and "\x1b" not in narrow.stdout


def test_version_names_the_program():
    assert costcalc("--version").stdout == "costcalc 0.1.0\n"


def rich_table(view, width: int, terminal: bool = False, color: bool = False, box=None) -> str:
    """The reference: rich's own rendering of ``view`` (a ``Table`` with the heavy head, the title left,
    every column at its full width, notes in dim), as costcalc printed tables before drawing them itself.
    Piped, a title wider than its table is printed whole on its own line (rich would wrap it to the
    table and pad each piece with spaces)."""
    import io

    from rich import box as rich_box
    from rich.console import Console
    from rich.table import Table

    widths = [max([len(column.header), *(len(cells[index]) for cells in view.rows if index < len(cells))])
              for index, column in enumerate(view.columns)]
    own_line = not terminal and len(view.title) > sum(widths) + 3 * len(widths) + 1
    table = Table(title=None if own_line else view.title, title_justify="left", header_style="bold",
                  box=rich_box.HEAVY_HEAD)
    for index, column in enumerate(view.columns):
        size = max([len(column.header), *(len(cells[index]) for cells in view.rows if index < len(cells))])
        table.add_column(column.header, justify=column.justify, style=column.style or None, no_wrap=True,
                         min_width=size)
    for cells, style in zip(view.rows, view.row_styles):
        table.add_row(*cells, style=style or None)
    screen = io.StringIO()
    console = Console(file=screen, width=width, highlight=False, soft_wrap=False, markup=False, color_system=None)
    if own_line:
        console.print(view.title, style="italic", soft_wrap=True)
    console.print(table)
    for note in view.notes:
        console.print(note, style="dim")
    return screen.getvalue()


@pytest.mark.parametrize("args", [
    COMPARE, ["compare", "--config", str(ROOT / "configs/layers/rectangular.yaml")],
    ["model", "shufflenet", "--per-layer"], ["model", "effnet"], ["model", "mobilenet", "--memory"],
    ["sweep", "mobilenet", "--alpha", "1.0,0.5", "--res", "224,128"], ["list"],
    ["model", "--config", str(ROOT / "configs/models/tiny_shufflenet.yaml")],
    ["model", "--config", str(ROOT / "configs/models/tiny_shufflenet.yaml"), "--summary"],
])
def test_piped_tables_are_what_rich_prints(run, monkeypatch, args):
    """costcalc draws its tables itself (rich's measuring costs more than the rest of a command); piped,
    the text must stay byte-identical to rich's own rendering of the same views (titles wrapped to the
    table, notes at the line width)."""
    import costcalc.views.render as render

    direct = run(*args, env={"NO_COLOR": ""}).stdout
    monkeypatch.setattr(render, "draw_table", rich_table)
    assert direct == run(*args, env={"NO_COLOR": ""}).stdout


def test_a_long_title_and_an_empty_table_are_drawn_as_rich_draws_them():
    from costcalc.views.render import Column, View, draw_table

    view = View("a title far longer than the narrow table below it, wrapped at spaces",
                [Column("kind"), Column("MACs", "right")], notes=["a note " * 12])

    def same_as_rich(width: int) -> None:  # on a terminal: the title wrapped to the table, as rich wraps it
        ours, theirs = draw_table(view, width, terminal=True).splitlines(), rich_table(view, width, True).splitlines()
        bottom = next(index for index, line in enumerate(theirs) if line.startswith("└"))
        assert ours[:bottom + 1] == theirs[:bottom + 1]
        # rich keeps a wrapped note's trailing space; the notes are otherwise the same lines
        assert [line.rstrip() for line in ours[bottom + 1:]] == [line.rstrip() for line in theirs[bottom + 1:]]

    same_as_rich(40)
    view.add("conv", "1,024")
    same_as_rich(400)


@pytest.mark.parametrize("no_color", ["", "1"])
def test_a_narrow_terminal_keeps_the_answer_and_names_what_it_drops(no_color):
    """At 80 columns compare keeps what it would save (vs, ratio, reduction): the row names wrap within
    their cells, and the detail columns (the output shape, the formulas) go, named."""
    text = on_terminal(*COMPARE, env={"COLUMNS": "80", "NO_COLOR": no_color})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)  # every colour and style code
    assert ("\x1b[" in text) == (not no_color)
    assert all(len(line) <= 80 for line in plain.splitlines())
    assert "462,422,016" in plain and "2,359,296" in plain  # the columns shown keep every digit
    header = next(line for line in plain.splitlines() if line.startswith("┃"))
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == ["row", "MACs", "params", "vs", "ratio",
                                                                      "reduction"]
    assert "│ depthwise_ │     903,168 │" not in plain and "512.00× fewer" in plain
    assert "│ depthwise_ │  52,283,392 │   266,752 │ standard   │   0.1131 │   8.84× fewer │" in plain
    assert "│ separable  │" in plain  # depthwise_separable, wrapped after its underscore
    assert "(not shown at 80 columns: output, formula, formula MACs, formula ratio" in plain


def test_json_is_indented_on_a_terminal_and_one_line_when_piped(run):
    """The same document either way: indented for a person, compact (the C encoder) for a program."""
    args = ("compare", "--in", "8", "--out", "16", "--kernel", "3", "--size", "8", "--format", "json")
    piped = run(*args).stdout
    shown = on_terminal(*args, env={"COLUMNS": "100"})
    assert piped.count("\n") == 1 and shown.startswith('{\n  "layer": {')
    assert json.loads(piped) == json.loads(shown)


@pytest.mark.parametrize("columns", ["²", "٨٠", "0", "-5", "1000000"])
def test_a_columns_value_that_is_not_a_width_is_ignored(monkeypatch, columns):
    from costcalc.views.render import terminal_width

    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width(None) == 80  # no stream: the default
