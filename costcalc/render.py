"""Rendering: the only place that knows units, K/M/G scaling, number layout and colours.

Commands build a JSON-ready payload (exact integers, for machines) and one or more :class:`View`
objects (rows of already-chosen values, for people); :func:`emit` writes either the payload as
JSON or the views as a rich table, CSV or Markdown. Rich prints plain text when stdout is not a
terminal or ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

FORMATS = ("table", "json", "csv", "markdown")
UNITS = ("macs", "flops")
UNIT_LABELS = {"macs": "MACs", "flops": "FLOPs (2×MACs)"}
PLAIN_WIDTH = 400  # piped output: tables keep their natural width, notes are not wrapped


def in_unit(macs: int | Fraction | float | None, unit: str) -> int | Fraction | float | None:
    """Express a MAC count (or a per-byte MAC rate) in ``unit``: MACs as they are, FLOPs = 2 × MACs."""
    if macs is None:
        return None
    return macs * 2 if unit == "flops" else macs


def percent(part: int, whole: int) -> str:
    """``part`` as a share of ``whole``: ``94.86 %`` (``—`` when ``whole`` is 0)."""
    return "—" if not whole else f"{100 * part / whole:.2f} %"


def seconds(value: float | None) -> str:
    """A duration with three significant digits in s, ms, µs or ns."""
    if value is None:
        return "—"
    for factor, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {suffix}"
    return f"{value / 1e-9:.3g} ns"


def exact(count: int | None) -> str:
    """An exact count with thousands separators (``568,740,352``); ``—`` for none."""
    return "—" if count is None else f"{count:,}"


def human(count: int | float | None) -> str:
    """A count scaled to K/M/G with three significant decimals (``568.740 M``)."""
    if count is None:
        return "—"
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(count) >= factor:
            return f"{count / factor:.3f} {suffix}"
    return f"{count:g}"


def ratio_text(ratio: Fraction | float | None) -> str:
    """A ratio to four significant digits (``0.1131``)."""
    return "—" if ratio is None else f"{float(ratio):.4g}"


def fewer_text(ratio: Fraction | float | None) -> str:
    """How many times fewer: ``8.84× fewer`` for a ratio of 0.1131, ``1.33× more`` above 1."""
    if ratio is None or ratio == 0:
        return "—"
    if ratio == 1:
        return "="
    if ratio < 1:
        return f"{1 / float(ratio):.2f}× fewer"
    return f"{float(ratio):.2f}× more"


def number(value: int | Fraction | float | None) -> int | float | None:
    """A JSON number: ints stay exact, fractions become ints when whole, floats otherwise."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return float(value)


@dataclass(frozen=True)
class Column:
    """A column of a view: its header, alignment and rich style."""

    header: str
    justify: str = "left"
    style: str = ""


@dataclass
class View:
    """A titled table of display strings with optional notes printed beneath it."""

    title: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    row_styles: list[str] = field(default_factory=list)

    def add(self, *cells: str, style: str = "") -> None:
        self.rows.append([str(cell) for cell in cells])
        self.row_styles.append(style)


def make_console(stderr: bool = False):
    """A rich console: styled on a terminal; plain text (no escape codes at all) when piped or when
    ``NO_COLOR`` is set; a wide fixed width when piped, so tables keep their natural width."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty() and not os.environ.get("COLUMNS"):
        width = PLAIN_WIDTH
    color_system = None if os.environ.get("NO_COLOR") else "auto"
    return Console(file=stream, width=width, highlight=False, soft_wrap=False, markup=False,
                   color_system=color_system)


def to_rich(view: View):
    """A ``rich.table.Table`` for ``view``: every column keeps its full width — never an ellipsis in
    a count; a table wider than the terminal is cut at the right edge, whole columns first, and
    :func:`emit` says so."""
    from rich.table import Table

    table = Table(title=view.title, title_justify="left", header_style="bold")
    for index, column in enumerate(view.columns):
        width = max([len(column.header), *(len(cells[index]) for cells in view.rows if index < len(cells))])
        table.add_column(column.header, justify=column.justify, style=column.style or None, no_wrap=True,
                         min_width=width)
    for cells, style in zip(view.rows, view.row_styles):
        table.add_row(*cells, style=style or None)
    return table


GROUPED_INTEGER = re.compile(r"^-?\d{1,3}(,\d{3})+$")


def csv_cell(cell: str) -> str:
    """A cell as data: ``10,838,016`` → ``10838016``, ``—`` → empty; other text unchanged."""
    if cell == "—":
        return ""
    return cell.replace(",", "") if GROUPED_INTEGER.match(cell) else cell


def to_csv(view: View) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.header for column in view.columns])
    writer.writerows([csv_cell(cell) for cell in cells] for cells in view.rows)
    return buffer.getvalue()


def to_markdown(view: View) -> str:
    align = {"left": ":---", "right": "---:", "center": ":---:"}
    lines = [f"### {view.title}", "",
             "| " + " | ".join(column.header for column in view.columns) + " |",
             "|" + "|".join(align[column.justify] for column in view.columns) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |" for cells in view.rows]
    if view.notes:
        lines += [""] + [f"- {note}" for note in view.notes]
    return "\n".join(lines) + "\n"


def emit(fmt: str, payload: dict[str, Any], views: list[View], csv_view: View | None = None) -> None:
    """Write ``payload`` as JSON, or ``views`` as a table, CSV or Markdown, to stdout.

    CSV carries one table (``csv_view``, default the first view) so it stays machine-readable.
    """
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(csv_view or views[0]))
    elif fmt == "markdown":
        sys.stdout.write("\n".join(to_markdown(view) for view in views))
    else:
        from rich.measure import Measurement

        console = make_console()
        for index, view in enumerate(views):
            if index:
                console.print()
            table = to_rich(view)
            console.print(table)
            for note in view.notes:
                console.print(note, style="dim")
            if not console.is_terminal:
                continue
            needed = Measurement.get(console, console.options.update_width(PLAIN_WIDTH), table).minimum
            if needed > console.width:
                console.print(f"(table cut at {console.width} columns; it needs {needed}: widen the terminal, "
                              f"or use --format markdown|csv|json)", style="dim")
