"""A sweep as a figure: cost against accuracy or size, one series per network, the Pareto front marked.

MobileNet's Figs. 4 and 5 (Howard et al. 2017) plot ImageNet accuracy against log Mult-Adds and
against log parameters over the α × resolution grid; ``--x macs|params --y top1|top1_per_gmac|params|macs``
draws those and their cousins (counts on log axes). Configurations without a published top-1
are left out of a top-1 plot and counted in a note — an accuracy is never interpolated. The front
is taken over the axes drawn: less ``x`` and less ``y`` for counts, more ``y`` for accuracy.

Readable at any size: points are small markers (one artist per network, so 10,000 points cost
about what 16 do), each network family in its own colour and marker in every plot
(:data:`FAMILY_STYLES`); labels name the network (when several are drawn) and only the options that
vary, and are written only for the front and the named points (the reference, ``--near``'s picks),
greedily, each at the first of eight places around its point whose box touches no marker, no label
already placed, no step of the dashed front and no ``--near`` line (boxes measured with the renderer,
:func:`obstacles`); tick labels are thinned until none touch. A PNG carries what it draws — the
points of each series, the front and the labels — as JSON text (:data:`SUMMARY_KEY`, :func:`summary`),
so a test can hold a saved figure to what its command draws now without comparing pixels.
``--plot-kind heatmap`` colours the grid of a network's two varying options by the chosen quantity.
Needs matplotlib (``pip install 'costcalc[plot]'``), imported only here, with the non-interactive Agg
backend; the file is written whole or not at all (:func:`costcalc.config.files.replacing`).
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any, NamedTuple

from costcalc.config.files import replacing
from costcalc.formatting import UNIT_LABELS, in_unit
from costcalc.sweep.frontier import pareto
from costcalc.sweep.grid import Row
from costcalc.sweep.result import Sweep, accuracy, top1_per_gmac

FAMILY_STYLES = {
    # zoo name: (family, colour, marker) — the same in every plot
    "mobilenet": ("MobileNet V1", "#1f77b4", "o"),
    "mobilenet_v2": ("MobileNet V2", "#ff7f0e", "s"),
    "mobilenet_v3": ("MobileNet V3", "#2ca02c", "^"),
    "shufflenet": ("ShuffleNet V1", "#d62728", "D"),
    "shufflenet_v2": ("ShuffleNet V2", "#9467bd", "v"),
    "effnet": ("EffNet", "#8c564b", "P"),
    "efficientnet": ("EfficientNet", "#e377c2", "X"),
}
"""One colour and marker per network family (matplotlib's tab10 colours)."""
OTHER_STYLE = ("", "#7f7f7f", "*")
"""A network not in :data:`FAMILY_STYLES` (named by itself)."""
LABEL_PLACES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))
"""Where a label may go around its point, in order: right, left, above, below, then the diagonals."""
LABEL_GAP = 3.0
"""Points between a label and its marker's edge."""
SUMMARY_KEY = "costcalc-figure"
"""The PNG text chunk holding :func:`summary`'s JSON."""
MAX_LABELS = 80
"""Label candidates tried at most (named points first, then the front from the left)."""
AXIS_NAMES = {"params": "parameters", "top1": "ImageNet top-1 (%)",
              "top1_per_gmac": "top-1 points per 10⁹ MACs"}
ACCURACIES = ("top1", "top1_per_gmac")
"""Quantities from the top-1 (linear axes, more is better, drawn only where a top-1 is known)."""


def value(row: Row, quantity: str, unit: str) -> float | None:
    """The plotted value of ``row``: MACs in ``unit``, params, or the published top-1 (``None`` when unpublished,
    or for an invalid configuration, which has no counts)."""
    if quantity == "top1":
        return None if row.top1 is None else float(row.top1.top1)
    if quantity == "top1_per_gmac":
        per_gmac = top1_per_gmac(row)
        return None if per_gmac is None else float(per_gmac)
    count = row.macs if quantity == "macs" else row.params
    if count is None:
        return None
    return float(in_unit(count, unit)) if quantity == "macs" else float(count)


class Point(NamedTuple):
    """A row as :func:`scatter` draws it, at ``(x, y)``; ``rank`` is ``y`` as the front compares it: an
    accuracy exactly (a Decimal) and negated, more being better; a count as drawn."""

    row: Row
    x: float
    y: float
    rank: Decimal | float


def drawn_points(result: Sweep, unit: str, x: str, y: str) -> list[Point]:
    """The valid rows that have a value on both axes (a top-1 plot leaves out the unpublished ones)."""
    exact = {"top1": accuracy, "top1_per_gmac": top1_per_gmac}
    points = []
    for row in result.rows:
        px, py = value(row, x, unit), value(row, y, unit)
        known = exact[y](row) if y in exact else py
        if row.valid and px is not None and py is not None and known is not None:
            points.append(Point(row, px, py, -known if y in exact else known))
    return points


def axis_label(quantity: str, unit: str) -> str:
    name = UNIT_LABELS[unit] if quantity == "macs" else AXIS_NAMES[quantity]
    return name if quantity in ACCURACIES else f"{name} (log)"


def compact(number: float) -> str:
    """A tick label: ``30M``, ``1.5G``, ``14.6T``, ``400k``, ``70``."""
    for factor, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= factor:
            return f"{number / factor:.3g}{suffix}"
    return f"{number:.3g}"


def family_style(model: str) -> tuple[str, str, str]:
    """``(family name, colour, marker)`` of a zoo network (:data:`FAMILY_STYLES`)."""
    family, colour, marker = FAMILY_STYLES.get(model, OTHER_STYLE)
    return family or model, colour, marker


def point_label(result: Sweep, row: Row) -> str:
    """A point's label: the options that vary for its network (``α0.5 r160``), after the family's name
    when several networks are drawn or none of its options varies (``EfficientNet b0``); options fixed
    for the whole sweep are in the title, never repeated on every point."""
    model = row.config.model
    varying = next(plan.varying for plan in result.plans if plan.entry.name == model)
    options = row.config.label(varying, short=True) if varying else ""
    family = family_style(model)[0]
    return f"{family} {options}".strip() if result.multi or not options else options


def tick_labels_collide(fig: Any, axis: Any) -> bool:
    """Whether two visible tick labels of ``axis`` touch (measured on the drawn figure)."""
    renderer = fig.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer).expanded(1.15, 1.1) for label in axis.get_ticklabels()
             if label.get_visible() and label.get_text()]
    return any(first.overlaps(second) for index, first in enumerate(boxes) for second in boxes[index + 1:])


def readable_ticks(fig: Any, axis: Any, log: bool) -> None:
    """Major ticks with compact labels, no minor labels, thinned (fewer bins) until no two labels touch."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda number, _: compact(number)))
    axis.set_minor_formatter(NullFormatter())
    for bins in (7, 5, 4, 3, 2, 1):
        axis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]) if not log
                               else _log_locator(axis, bins))
        fig.draw_without_rendering()
        if not tick_labels_collide(fig, axis):
            return


def _log_locator(axis: Any, bins: int) -> Any:
    """Decades (1, 2, 5 within each when few) on a wide log axis; evenly spaced round values on a narrow one."""
    from matplotlib.ticker import LogLocator, MaxNLocator

    low, high = sorted(axis.get_view_interval())
    if high / low >= 10:
        return LogLocator(base=10, subs=(1.0, 2.0, 5.0) if bins >= 5 else (1.0,), numticks=bins + 2)
    return MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10])


def obstacles(fig: Any, axes: Any) -> Any:
    """What a label must not touch, as an ``(n, 4)`` array of display boxes ``x0, y0, x1, y1``: every
    marker (its square of ``markersize`` points, plus :data:`LABEL_GAP`), every step of the dashed
    front and every vertical line (``--near``), each a line a few pixels thick."""
    import numpy

    pixels = fig.dpi / 72
    boxes = []
    for line in axes.get_lines():
        # the line's own transform: data for series and front, data × axes for a --near line
        points = line.get_transform().transform(numpy.column_stack([line.get_xdata(), line.get_ydata()]).astype(float))
        if line.get_marker() not in (None, "None", "", " "):
            half = (line.get_markersize() / 2 + LABEL_GAP) * pixels
            boxes.append(numpy.column_stack([points - half, points + half]))
        if line.get_linestyle() not in ("None", "", " ") and len(points) > 1:
            steps = line.get_drawstyle() == "steps-post"
            corners = []
            for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
                corners += [(x0, y0, x1, y0), (x1, y0, x1, y1)] if steps else [(x0, y0, x1, y1)]
            edges = numpy.array(corners)
            thick = (line.get_linewidth() / 2 + 1) * pixels
            boxes.append(numpy.column_stack([numpy.minimum(edges[:, 0], edges[:, 2]) - thick,
                                             numpy.minimum(edges[:, 1], edges[:, 3]) - thick,
                                             numpy.maximum(edges[:, 0], edges[:, 2]) + thick,
                                             numpy.maximum(edges[:, 1], edges[:, 3]) + thick]))
    return numpy.concatenate(boxes) if boxes else numpy.empty((0, 4))


def touches(box: Any, boxes: Any) -> bool:
    """Whether the display box ``box`` overlaps any row of ``boxes`` (``x0, y0, x1, y1``)."""
    return bool(((box.x0 < boxes[:, 2]) & (box.x1 > boxes[:, 0]) & (box.y0 < boxes[:, 3])
                 & (box.y1 > boxes[:, 1])).any())


def place_labels(fig: Any, axes: Any, candidates: list[tuple[float, float, str, str, float]]) -> int:
    """Write each ``(x, y, text, colour, marker size)`` at the first of :data:`LABEL_PLACES` around its
    point where it touches none of :func:`obstacles`, no label already written and stays inside the
    axes; a label with no such place is left out. Returns how many were written."""
    import numpy

    renderer = fig.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    blocked = obstacles(fig, axes)
    placed: list[Any] = []
    for x, y, text, colour, size in candidates[:MAX_LABELS]:
        away = size / 2 + LABEL_GAP + 1
        for dx, dy in LABEL_PLACES:
            label = axes.annotate(text, (x, y), xytext=(dx * away, dy * away), textcoords="offset points", fontsize=7,
                                  color=colour, ha={1: "left", 0: "center", -1: "right"}[dx],
                                  va={1: "bottom", 0: "center", -1: "top"}[dy], gid="point-label")
            box = label.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not touches(box, blocked) and not touches(box, numpy.array(placed).reshape(-1, 4)):
                placed.append((box.x0, box.y0, box.x1, box.y1))
                break
            label.remove()
    return len(placed)


def scatter(fig: Any, result: Sweep, unit: str, x: str, y: str) -> None:
    """Points per network in its family's style, the Pareto front over (x, y) as a dashed staircase,
    labels where they touch nothing."""
    axes = fig.add_subplot()
    drawn = drawn_points(result, unit, x, y)
    size = 6 if len(drawn) <= 100 else 3 if len(drawn) <= 2500 else 1.5
    order = list(FAMILY_STYLES)
    for model in sorted(dict.fromkeys(point.row.config.model for point in drawn),
                        key=lambda name: order.index(name) if name in order else len(order)):
        series = [point for point in drawn if point.row.config.model == model]
        family, colour, marker = family_style(model)
        (line,) = axes.plot([point.x for point in series], [point.y for point in series],
                            marker, color=colour, label=family, markersize=size, alpha=0.8, linestyle="none")
        line.set_gid(f"series-{model}")
    flags = pareto([(point.x, point.rank) for point in drawn])
    front = sorted((point for point, flag in zip(drawn, flags) if flag), key=lambda point: point.x)
    front_size = max(size + 4, 7)
    if front:
        (line,) = axes.plot([point.x for point in front], [point.y for point in front],
                            linestyle="--", color="black", linewidth=1, marker="o", markerfacecolor="none",
                            markersize=front_size, label="Pareto front", drawstyle="steps-post")
        line.set_gid("pareto-front")
    if result.target is not None and x == "macs":
        budget = f"{compact(result.target)} {UNIT_LABELS[unit].split()[0]}"
        axes.axvline(result.target, color="grey", linestyle=":", linewidth=1, label=budget, gid="near")
    axes.set_xscale("log")
    if y not in ACCURACIES:
        axes.set_yscale("log")
    axes.set_xlabel(axis_label(x, unit))
    axes.set_ylabel(axis_label(y, unit))
    axes.grid(True, which="major", linewidth=0.4, alpha=0.5)
    entries = len({point.row.config.model for point in drawn}) + 1
    fig.legend(loc="outside lower center", ncols=min(6, entries), fontsize=8, frameon=False)
    missing = sum(1 for row in result.rows if row.valid) - len(drawn)
    if missing:
        axes.set_title(f"{missing:,} configuration{'s' if missing > 1 else ''} without a published top-1 not drawn",
                       fontsize=8, color="dimgrey", loc="right")
    readable_ticks(fig, axes.xaxis, True)
    readable_ticks(fig, axes.yaxis, y not in ACCURACIES)
    fig.set_layout_engine("none")  # freeze the layout: labels are measured where they will be drawn
    named = [point for point in drawn if point.row is result.reference or point.row.extra.get("closest")]
    named_rows = [point.row for point in named]
    on_front = {id(point.row) for point in front}
    candidates = [*named, *(point for point in front if point.row not in named_rows)]
    place_labels(fig, axes, [(point.x, point.y, point_label(result, point.row),
                              family_style(point.row.config.model)[1],
                              front_size if id(point.row) in on_front else size)
                             for point in candidates])


def summary(fig: Any) -> dict[str, Any]:
    """What a scatter draws, as data: each series' points (by gid), the front's and the labels' texts,
    numbers to 6 significant digits (what a test compares, rather than pixels)."""
    axes = fig.axes[0]

    def points(line: Any) -> list[list[float]]:
        return [[float(f"{px:.6g}"), float(f"{py:.6g}")] for px, py in zip(line.get_xdata(), line.get_ydata())]

    return {"title": fig.get_suptitle(), "x": axes.get_xlabel(), "y": axes.get_ylabel(),
            "series": {line.get_gid(): {"label": line.get_label(), "colour": line.get_color(),
                                        "marker": line.get_marker(), "points": points(line)}
                       for line in axes.get_lines() if line.get_gid()},
            "labels": sorted(text.get_text() for text in axes.texts if text.get_gid() == "point-label")}


def heatmap(fig: Any, result: Sweep, unit: str, quantity: str) -> None:
    """``quantity`` over the grid of the one network's two varying options (log colour for counts);
    cell values written when the cells are large enough to hold them."""
    import numpy
    from matplotlib.colors import LogNorm

    plan = result.plans[0]
    first, second = plan.varying
    rows_values, column_values = plan.axes[first], plan.axes[second]
    where = {(row.config.kwargs[first], row.config.kwargs[second]): row for row in result.rows}
    grid = numpy.full((len(rows_values), len(column_values)), numpy.nan)
    for i, row_value in enumerate(rows_values):
        for j, column_value in enumerate(column_values):
            row = where[(row_value, column_value)]
            number = value(row, quantity, unit) if row.valid else None
            if number is not None:
                grid[i, j] = number
    axes = fig.add_subplot()
    norm = None if quantity in ACCURACIES else LogNorm()
    mesh = axes.pcolormesh(grid, norm=norm, cmap="viridis", gid="heatmap")
    colorbar = fig.colorbar(mesh, ax=axes, label=axis_label(quantity, unit).replace(" (log)", ""))
    axes.set_xlabel(second)
    axes.set_ylabel(first)
    _index_ticks(axes.xaxis, column_values)
    _index_ticks(axes.yaxis, rows_values)
    readable_ticks_index(fig, axes.xaxis, column_values)
    readable_ticks_index(fig, axes.yaxis, rows_values)
    readable_ticks(fig, colorbar.ax.yaxis, quantity not in ACCURACIES)
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    cell_width, cell_height = frame.width / len(column_values), frame.height / len(rows_values)
    if cell_width >= 34 and cell_height >= 12:
        for (i, j), number in numpy.ndenumerate(grid):
            if not numpy.isnan(number):
                text = f"{number:.1f}" if quantity in ACCURACIES else compact(number)
                axes.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=7, color="white")


def _index_ticks(axis: Any, values: tuple[Any, ...]) -> None:
    from matplotlib.ticker import FuncFormatter

    texts = [value if isinstance(value, str) else f"{value:g}" for value in values]  # b0, large; 0.5, 224
    axis.set_major_formatter(FuncFormatter(
        lambda position, _: texts[int(position)] if 0 <= int(position) < len(texts) else ""))


def readable_ticks_index(fig: Any, axis: Any, values: tuple[Any, ...]) -> None:
    """Ticks at cell centres, every k-th option value: k from the widest label against the cell
    spacing (measured once with every label), then grown until no two labels touch."""
    from matplotlib.ticker import FixedLocator

    axis.set_major_locator(FixedLocator([index + 0.5 for index in range(len(values))]))
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer) for label in axis.get_ticklabels() if label.get_text()]
    vertical = axis.axis_name == "y"
    extent = max((box.height if vertical else box.width for box in boxes), default=0)
    frame = axis.axes.get_window_extent(renderer)
    spacing = (frame.height if vertical else frame.width) / len(values)
    for step in [step for step in (1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 500) if step * spacing >= extent]:
        axis.set_major_locator(FixedLocator([index + 0.5 for index in range(0, len(values), step)]))
        fig.draw_without_rendering()
        if not tick_labels_collide(fig, axis):
            return


def figure(result: Sweep, unit: str, x: str = "macs", y: str = "params", kind: str = "scatter") -> Any:
    """The matplotlib figure of ``result`` (scatter: gid ``series-NAME`` per network, ``pareto-front``)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5.5), layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure labels with
    fig.suptitle(result.title, fontsize=10)
    if kind == "heatmap":
        heatmap(fig, result, unit, y)
    else:
        scatter(fig, result, unit, x, y)
    return fig


def plot_sweep(result: Sweep, path: str, unit: str, x: str = "macs", y: str = "params", kind: str = "scatter") -> None:
    """Save the figure to ``path`` (PNG or SVG by its extension; SVG keeps text as text).

    Written to a temporary file beside ``path`` and renamed over it, so a failure leaves no
    half-written plot; an ``OSError`` propagates (the command turns it into a usage error).
    """
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "costcalc"
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    fig = figure(result, unit, x, y, kind)
    metadata: dict[str, Any] = {"Date": None} if suffix == "svg" else {}
    if suffix == "png" and kind == "scatter":
        import json

        metadata[SUMMARY_KEY] = json.dumps(summary(fig), ensure_ascii=True, sort_keys=True)
    with replacing(path) as temporary:
        fig.savefig(temporary, format=suffix, dpi=150, metadata=metadata)
