"""Tables on narrow terminals keep their numbers: text columns wrap within their cells (… past three
lines) before whole columns drop, details before answers, each drop and cut named under the table.

Commands run on a pseudo-terminal with ``COLUMNS`` set (``NO_COLOR``), as a person sees them; the
README's ```` ```terminal ```` blocks (each after a ``<!-- terminal COLUMNS=N: costcalc … [| TITLE] -->``
line; ``TITLE``: show from that table on) are checked here, and rewritten with
``COSTCALC_UPDATE_README=1``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from terminal import on_terminal

from costcalc.views.render import Column, View, draw_table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- terminal COLUMNS=(\d+): costcalc (.+?)(?: \| (.+?))? -->\n```terminal\n(.*?)```", re.S)


def narrow(columns: int, *args: str) -> str:
    """``costcalc ARGS`` at a terminal ``columns`` wide, without colours."""
    return on_terminal(*args, env={"COLUMNS": str(columns), "NO_COLOR": "1"})


def header(text: str, title: str | None = None) -> list[str]:
    start = text.index(title) if title else 0
    line = next(line for line in text[start:].splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def fits(text: str, columns: int) -> bool:
    return all(len(line) <= columns for line in text.splitlines())


COMPARE = ("compare", "--in", "128", "--out", "128", "--kernel", "3", "--size", "28")


@pytest.mark.parametrize(("columns", "shown", "dropped"), [
    (80, ["row", "MACs", "params", "vs", "ratio", "reduction"], "output, formula, formula MACs, formula ratio"),
    (60, ["row", "MACs", "params", "ratio"], "output, vs, reduction, formula, formula MACs, formula ratio"),
])
def test_compare_keeps_what_each_row_would_save(columns, shown, dropped):
    text = narrow(columns, *COMPARE)
    assert fits(text, columns) and header(text) == shown
    # standard 3×3, 128→128 on 28×28: 28²·128·128·9 = 115,605,504 MACs; depthwise: 28²·128·9 = 903,168
    assert "115,605,504" in text and "903,168" in text and "147,456" in text
    assert f"(not shown at {columns} columns: {dropped}" in " ".join(text.split())


@pytest.mark.parametrize("columns", [80, 60])
def test_the_published_table_keeps_published_ours_and_the_verdict(columns):
    text = narrow(columns, "model", "mobilenet_v2", "--alpha", "0.35", "--res", "96", "--summary")
    assert fits(text, columns)
    assert header(text, "Published numbers")[:5] == ["source", "counts", "published", "ours", "agrees"]
    assert "45.5 %" in text and "70.4 %" in text and "1.66 M" in text
    assert "TF-slim" in text and "(… = shortened at" in text


@pytest.mark.parametrize(("columns", "shown"), [
    (80, ["network", "configuration", "MACs", "params", "Pareto", "top-1"]),
    (60, ["network", "configuration", "MACs", "params"]),
])
def test_a_sweep_across_networks_keeps_the_counts(columns, shown):
    text = narrow(columns, "sweep", "--config", "configs/sweeps/shufflenet_table5.yaml")
    assert fits(text, columns) and header(text) == shown
    assert "37,589,856" in text and "4,231,976" in text


@pytest.mark.parametrize("columns", [80, 60])
def test_analyze_keeps_macs_params_and_share(columns):
    pytest.importorskip("torch")
    text = narrow(columns, "analyze", "configs/examples/resnet_cifar.py:resnet_cifar", "--input", "1,3,32,32",
                       "--depth", "2")
    assert fits(text, columns)
    assert header(text)[:4] == ["module", "MACs", "params", "share"]
    assert "12,501,632" in text and "78,042" in text and "2,359,296" in text


def test_text_wraps_at_underscores_and_shortens_words_it_cannot_break():
    view = View("t", [Column("name", kind="text"), Column("MACs", "right"), Column("type", kind="text")])
    view.add("depthwise_separable", "52,283,392", "BatchNorm2d")
    text = draw_table(view, 40, terminal=True)  # 19 + 10 + 11 + 10 of frame = 50: both text columns give way
    assert text.splitlines()[4:7] == ["│ depthwise_ │ 52,283,392 │ BatchNorm… │",
                                      "│ separable  │            │            │",
                                      "└────────────┴────────────┴────────────┘"]
    assert "(… = shortened at 40 columns: type" in text and "not shown" not in text
    assert "not shown at 33 columns: type" in draw_table(view, 33, terminal=True)  # 10 + 10 + 10 + 10 > 33
    assert draw_table(view, 33) == draw_table(view, 400)  # piped: the natural width, whatever it is given


def test_columns_declare_what_they_hold():
    with pytest.raises(ValueError, match="column kind 'prose': expected one of number, verdict, text"):
        Column("x", kind="prose")


def test_a_piped_title_wider_than_its_table_is_one_line_without_trailing_spaces(run):
    """analyze's headline: rich wrapped it to the table and padded each piece with spaces."""
    pytest.importorskip("torch")
    text = run("analyze", "configs/examples/resnet_cifar.py:resnet_cifar", "--input", "1,3,32,32", "--summary").stdout
    first = text.splitlines()[0]
    assert first.startswith("configs/examples/resnet_cifar.py:resnet_cifar: 12,501,632 MACs (12.502 M)")
    assert first == first.rstrip() and "(100 %)" in first and text.splitlines()[1].startswith("┏")


def readme_blocks() -> list[re.Match]:
    return list(MARKER.finditer(README.read_text(encoding="utf-8")))


def shown(match: re.Match) -> str:
    columns, command, title = int(match.group(1)), match.group(2), match.group(3)
    text = narrow(columns, *command.split())
    return text[text.index(title):] if title else text


def test_the_readme_shows_what_a_narrow_terminal_shows():
    pytest.importorskip("torch")  # analyze's example
    blocks = readme_blocks()
    assert len(blocks) == 2
    if os.environ.get("COSTCALC_UPDATE_README") == "1":
        text = README.read_text(encoding="utf-8")
        for match in reversed(blocks):
            text = text[:match.start(4)] + shown(match) + text[match.end(4):]
        README.write_text(text, encoding="utf-8")
        blocks = readme_blocks()
    for match in blocks:
        assert match.group(4) == shown(match), f"README: {match.group(2)} at {match.group(1)} columns"


WORDS = st.text(alphabet="abcdefgh_ ", min_size=1, max_size=30).map(str.strip).filter(bool)
NUMBERS = st.integers(0, 10**12).map(lambda value: f"{value:,}")


@settings(max_examples=150, deadline=None)
@given(kinds=st.lists(st.sampled_from(["number", "text", "verdict"]), min_size=1, max_size=7),
       priorities=st.lists(st.sampled_from([-1, 0, 1]), min_size=7, max_size=7),
       data=st.data(), width=st.integers(20, 160))
def test_a_narrow_table_fits_and_never_cuts_a_number(kinds, priorities, data, width):
    """Whatever the columns hold: every line fits when the first column does; every number shown is
    whole on one line; each column is shown or named as not shown."""
    columns = [Column(f"c{index}", "right" if kind == "number" else "left", kind=kind, priority=priority)
               for index, (kind, priority) in enumerate(zip(kinds, priorities))]
    view = View("t", columns)
    for _ in range(data.draw(st.integers(1, 4))):
        view.add(*[data.draw(NUMBERS if column.kind == "number" else WORDS) for column in columns])
    text = draw_table(view, width, terminal=True)
    body = text.split("\n(")[0].splitlines()[1:]  # the frame and rows, without the title and notes
    head = [cell.strip() for cell in body[1].strip("┃").split("┃")]
    first = max(len(view.columns[0].header), *(len(row[0]) for row in view.rows)) + 4
    if first <= width and view.columns[0].kind != "text":
        assert all(len(line) <= width for line in body)
    for index, column in enumerate(columns):
        if column.header in head:
            if column.kind != "text":
                assert all(f" {row[index]} " in text for row in view.rows)
        else:
            assert column.header in text.split("(not shown at")[1]
