"""Rendering: tables, colours and the output formats (the text of a number is :mod:`costcalc.formatting`'s).

Commands build a JSON-ready payload (exact integers, for machines) and one or more :class:`View`
objects (rows of already-chosen values, for people); :func:`emit` writes either the payload as
JSON or the views as a table (rich's layout, drawn by :func:`draw_table`), CSV or Markdown.

What is guaranteed: JSON is valid RFC 8259 (a float that is not finite — an overflow — is written
as ``null``, never ``NaN`` or ``Infinity``); numbers of any size are formatted (huge ones in
scientific notation) rather than overflowing; a table never cuts a number. Tables have no colours
or escape codes when stdout is not a terminal or ``NO_COLOR`` is set; piped tables keep their full
natural width whatever ``COLUMNS`` says (and a title wider than the table stays one line). On a
terminal too narrow, text columns give way first (wrapped within their cells), then whole columns
are dropped — text before numbers and verdicts, each from the right — and named. A stream that
cannot encode ``×``, ``→``, ``²`` gets ASCII stand-ins, and one without box characters an ASCII
frame.
"""

from __future__ import annotations

import math
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, Literal

from costcalc.formatting import ascii_text, dims
from costcalc.number_rule import whole_number

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

FORMATS = ("table", "json", "csv", "markdown")
PLAIN_WIDTH = 400  # piped output: tables keep their natural width, notes are not wrapped


def encodes(stream: object, text: str) -> bool:
    """Whether ``stream``'s encoding can write ``text`` (``False`` for ASCII or a C locale and ``×``)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def finite(data: Any) -> Any:
    """``data`` with every float that is not finite (``nan``, ``inf``) replaced by ``None``."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(value) for value in data]
    return data


def to_json(payload: Any, ascii_only: bool = False, indent: int | None = 2) -> str:
    """``payload`` as RFC 8259 JSON: never ``NaN`` or ``Infinity`` (those become ``null``).

    ``indent=None`` writes one compact line, with the json module's C encoder (indenting runs its
    pure-Python one: 0.5 s of a 10,000-row sweep)."""
    import json

    layout = {"indent": indent} if indent is not None else {"separators": (",", ":")}
    try:
        return json.dumps(payload, ensure_ascii=ascii_only, allow_nan=False, **layout)
    except ValueError:
        return json.dumps(finite(payload), ensure_ascii=ascii_only, allow_nan=False, **layout)


COLUMN_KINDS = ("number", "verdict", "text")
"""What a column holds, which decides what gives way on a narrow terminal: ``text`` (a formula, a note,
a source, a type) is wrapped within its cells first and dropped first; ``number`` and ``verdict``
columns are never cut, only dropped when they alone do not fit."""
MIN_TEXT_WIDTH = 10
"""The narrowest a text column is wrapped to (or its natural width, when narrower)."""
MAX_CELL_LINES = 3
"""A wrapped text cell's most lines; longer text ends in ``…`` (the whole of it is in markdown, CSV, JSON)."""
DETAIL = -1
"""A column's ``priority`` when it details the answer rather than gives it (a shape, a formula): on a
narrow terminal it is dropped before the columns of priority 0."""


@dataclass(frozen=True)
class Column:
    """A column of a view: its header, alignment, rich style, what it holds (:data:`COLUMN_KINDS`) and
    its ``priority`` (higher stays longer on a narrow terminal; :data:`DETAIL` goes first)."""

    header: str
    justify: str = "left"
    style: str = ""
    kind: str = "number"
    priority: int = 0

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column kind {self.kind!r}: expected one of {', '.join(COLUMN_KINDS)}")


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


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is an open terminal (``False`` for a closed or fake stream)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def terminal_width(stream: IO[str] | None) -> int:
    """A terminal's width: ``COLUMNS`` when it is a positive number in ASCII digits, else the terminal's own
    (80 when unknown)."""
    columns = whole_number(os.environ.get("COLUMNS", ""))
    if columns and columns < 100_000:
        return columns
    if stream is None:  # no stream at all (sys.stdout under pythonw): nothing to ask
        return 80
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80  # a pseudo-terminal may report 0
    except (OSError, ValueError, AttributeError):
        return 80


def make_console(stderr: bool = False, width: int = PLAIN_WIDTH) -> Console:
    """A rich console: styled on a terminal; no colours or escape codes at all when piped or when
    ``NO_COLOR`` is set. Piped, it is ``width`` wide whatever ``COLUMNS`` says, so tables keep their
    natural width; on a terminal ``COLUMNS`` (when a positive number) or the terminal's size."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    terminal = is_terminal(stream)
    if terminal:
        width = terminal_width(stream)
    color_system: Literal["auto"] | None = None if os.environ.get("NO_COLOR") else "auto"
    return Console(file=stream, width=width, highlight=False, soft_wrap=False, markup=False,
                   color_system=color_system, force_terminal=terminal)


@lru_cache(maxsize=1 << 16)
def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: 2 for wide East Asian characters, 0 for combining marks, else 1.

    Remembered per text: a 200,000-row table repeats its shapes (``8×8×8 → 8×8×8``) and kinds."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(character) else
               2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def column_widths(view: View) -> list[int]:
    """Each column's width: its widest cell or header, never less (numbers are never cut)."""
    return [max([cell_width(column.header), *(cell_width(cells[index]) for cells in view.rows if index < len(cells))])
            for index, column in enumerate(view.columns)]


def natural_width(view: View) -> int:
    """The width of ``view``'s table with every column whole: cells, one space of padding on each side
    and a border between columns."""
    widths = column_widths(view)
    return max(sum(widths) + 3 * len(widths) + 1, cell_width(view.title))


@dataclass(frozen=True)
class Box:
    """The characters of a table's frame, as rich's boxes name them: each rule is left, fill, junction,
    right; each edge the vertical bar of the header or a body line."""

    top: str
    head: str
    head_row: str
    row: str
    bottom: str

    @property
    def characters(self) -> str:
        return self.top + self.head + self.head_row + self.row + self.bottom


HEAVY_HEAD = Box("┏━┳┓", "┃", "┡━╇┩", "│", "└─┴┘")
"""rich's ``box.HEAVY_HEAD``, the frame of every table."""
ASCII_BOX = Box("+--+", "|", "|-+|", "|", "+--+")
"""rich's ASCII stand-in for it, where the output's encoding has no box characters."""


SGR = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "red": "31", "green": "32", "yellow": "33",
       "blue": "34", "magenta": "35", "cyan": "36"}
"""ANSI select-graphic-rendition codes of the styles views use (a column's, a row's, the header's)."""


def styled(text: str, style: str, color: bool) -> str:
    """``text`` in ``style`` (``"bold"``, ``"dim green"`` …) as ANSI escape codes; as is without ``color``."""
    codes = ";".join(SGR[word] for word in style.split() if word in SGR) if color and style else ""
    return f"\x1b[{codes}m{text}\x1b[0m" if codes else text


def wrapped(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` cells, broken at spaces only: a word longer than the line
    (a number, a path) stays whole rather than cut."""
    import textwrap

    if cell_width(text) <= limit:
        return [text]
    return textwrap.wrap(text, limit, break_long_words=False, break_on_hyphens=False) or [""]


def fit_columns(view: View, width: int, natural: list[int]) -> tuple[list[int], list[int]]:
    """The columns of ``view`` shown on a terminal of ``width`` cells and each one's width.

    Text columns are narrowed first, the widest first, down to :data:`MIN_TEXT_WIDTH` (their cells
    then wrap); if the table still does not fit, whole columns are dropped — the lowest ``priority``
    first, text before numbers and verdicts within it, each from the right — keeping the first, and
    the text columns left are narrowed again. Numbers are never narrowed. ``natural``: the columns'
    whole widths (:func:`column_widths`)."""
    shown = list(range(len(natural)))
    columns = view.columns
    order = sorted(shown[1:], key=lambda index: (columns[index].priority, columns[index].kind != "text", -index))
    while True:
        widths = {index: natural[index] for index in shown}
        excess = sum(widths.values()) + 3 * len(shown) + 1 - width
        for index in sorted((i for i in shown if columns[i].kind == "text"), key=lambda i: -widths[i]):
            floor = min(natural[index], MIN_TEXT_WIDTH)
            take = min(max(excess, 0), widths[index] - floor)
            widths[index] -= take
            excess -= take
        if excess <= 0 or not order:
            return shown, [widths[index] for index in shown]
        shown.remove(order.pop(0))


class _CellWrapper(textwrap.TextWrapper):
    """Wraps at spaces and after ``_``, ``/`` and ``-`` (``depthwise_`` / ``separable``)."""

    wordsep_re = re.compile(r"(\s+|(?<=[_/\-])(?=[^\s_/\-]))")


def cell_lines(text: str, size: int) -> list[str]:
    """``text`` in lines of at most ``size`` cells: whole when it fits, else wrapped (:class:`_CellWrapper`)
    into at most :data:`MAX_CELL_LINES`; a word longer than the line, or text beyond the last line, is
    shortened to end in ``…`` rather than split."""
    if cell_width(text) <= size:
        return [text]
    wrapper = _CellWrapper(size, max_lines=MAX_CELL_LINES, placeholder="…", break_long_words=False)
    return [line if cell_width(line) <= size else line[:size - 1] + "…" for line in wrapper.wrap(text) or [""]]


def draw_table(view: View, width: int, terminal: bool = False, color: bool = False, box: Box = HEAVY_HEAD) -> str:
    """``view`` as text: rich's table layout (title, frame, header, rows, notes), drawn directly —
    rich's measuring and segment rendering cost more than the rest of a command; a test holds the text
    byte for byte to what rich prints for the same view.

    No number is ever cut. On a ``terminal`` of ``width`` columns, :func:`fit_columns` wraps text
    columns within their cells and then drops whole columns, named under the table. The title is
    wrapped to the table's width on a terminal; piped, a title wider than the table stays one line (no
    wrapped lines padded with spaces). Notes are wrapped to ``width``, at spaces; ``color`` adds the
    styles.
    """
    natural = column_widths(view)
    shown, widths = fit_columns(view, width, natural) if terminal else (list(range(len(natural))), natural)
    columns = [view.columns[index] for index in shown]
    headers = [column.header for column in columns]
    table_width = sum(widths) + 3 * len(widths) + 1
    narrowed = widths != [natural[index] for index in shown]
    shortened: list[str] = []

    def one_line(cells: list[str], edge: str, styles: list[str]) -> str:
        padded = []
        for cell, column, size, style in zip(cells, columns, widths, styles):
            room = size - cell_width(cell)
            left = room if column.justify == "right" else room // 2 if column.justify == "center" else 0
            padded.append(" " * (left + 1) + styled(cell, style, color) + " " * (room - left + 1))
        return edge + edge.join(padded) + edge

    def line(cells: list[str], edge: str, styles: list[str]) -> list[str]:
        """A row as one line, or as several when a narrowed text column wraps."""
        if not narrowed:
            return [one_line(cells, edge, styles)]
        pieces = [cell_lines(cell, size) for cell, size in zip(cells, widths)]
        shortened.extend(header for header, lines, cell in zip(headers, pieces, cells)
                         if lines[-1].endswith("…") and not cell.endswith("…"))
        return [one_line([lines[depth] if depth < len(lines) else "" for lines in pieces], edge, styles)
                for depth in range(max(len(lines) for lines in pieces))]

    def rule(characters: str) -> str:
        left, fill, middle, right = tuple(characters)  # a rule is four characters (Box)
        return left + middle.join(fill * (size + 2) for size in widths) + right

    titles = wrapped(view.title, table_width) if terminal else [view.title]
    lines = [styled(title + " " * (table_width - cell_width(title)), "italic", color) for title in titles]
    lines += [rule(box.top), *line(headers, box.head, ["bold"] * len(columns)),
              rule(box.head_row)]
    for cells, row_style in zip(view.rows, view.row_styles or [""] * len(view.rows)):
        cells = (cells + [""] * len(shown))[:len(shown)] if len(shown) == len(natural) else \
            [cells[index] if index < len(cells) else "" for index in shown]
        lines += line(cells, box.row, [" ".join(filter(None, (column.style, row_style))) for column in columns])
    lines.append(rule(box.bottom))
    notes = list(view.notes)
    hidden = [column.header for index, column in enumerate(view.columns) if index not in shown]
    if hidden:
        notes.append(f"(not shown at {width} columns: {', '.join(hidden)} "
                     "— widen the terminal, or use --format markdown|csv|json)")
    if shortened:
        notes.append(f"(… = shortened at {width} columns: {', '.join(dict.fromkeys(shortened))} "
                     "— the whole text with --format markdown|csv|json)")
    lines += [styled(part, "dim", color) for note in notes for part in wrapped(note, width)]
    return "\n".join(lines) + "\n"


def ascii_view(view: View) -> View:
    """``view`` with :func:`ascii_text` applied to its title, headers, cells and notes."""
    return View(ascii_text(view.title),
                [replace(column, header=ascii_text(column.header)) for column in view.columns],
                [[ascii_text(cell) for cell in cells] for cells in view.rows],
                [ascii_text(note) for note in view.notes], list(view.row_styles))


class RichView:
    """A view as a rich renderable (``rich.print(RichView(view))``, a notebook's console): drawn by
    :func:`draw_table` at the console's width, in its colours."""

    def __init__(self, view: View) -> None:
        self.view = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        box = HEAVY_HEAD if encodes(console.file, HEAVY_HEAD.characters) else ASCII_BOX
        text = draw_table(self.view, options.max_width, terminal=True, color=console.color_system is not None, box=box)
        yield Text.from_ansi(text.rstrip("\n"))


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """One CSV row from a JSON record: nested objects as ``key.sub`` columns, shapes as ``C×H×W``."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            row.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            row[prefix + key] = dims(value) if all(isinstance(item, int) for item in value) \
                else "; ".join(map(str, value))
        else:
            row[prefix + key] = "" if value is None else value
    return row


def to_csv(records: list[dict[str, Any]]) -> str:
    """CSV of the JSON records themselves: exact integers, ratios as numbers, one column per key."""
    import csv
    import io

    rows = [_flat(record) for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
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


def emit(fmt: str, payload: dict[str, Any], views: list[View], records: list[dict[str, Any]]) -> None:
    """Write ``payload`` as JSON (indented on a terminal, one compact line otherwise), ``records``
    (the payload's main list) as CSV, or ``views`` as a table or Markdown, to stdout. CSV is data, not
    a picture of the table: the same exact values and keys as the JSON, one row per record."""
    if fmt == "json":  # indented for a person at a terminal; one compact line for a program reading a pipe
        indent = 2 if is_terminal(sys.stdout) else None
        sys.stdout.write(to_json(payload, ascii_only=not encodes(sys.stdout, "×→"), indent=indent) + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(records))
    elif fmt == "markdown":
        sys.stdout.write("\n".join(to_markdown(view) for view in views))
    else:
        if not encodes(sys.stdout, "×→²"):
            views = [ascii_view(view) for view in views]
        terminal = is_terminal(sys.stdout)
        width = terminal_width(sys.stdout) if terminal else max([PLAIN_WIDTH, *(natural_width(view) for view in views)])
        box = HEAVY_HEAD if encodes(sys.stdout, HEAVY_HEAD.characters) else ASCII_BOX
        color = terminal and not os.environ.get("NO_COLOR")
        sys.stdout.write("\n".join(draw_table(view, width, terminal, color, box) for view in views))
