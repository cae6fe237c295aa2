"""MACs against parameters for a sweep, one series per network, Pareto front marked.

The picture of the MobileNet paper's Figs. 4–5 (accuracy against Mult-Adds and against
parameters, α × resolution grid) without the accuracy axis: where each configuration sits in
cost and size. Needs matplotlib (``pip install 'costcalc[plot]'``), imported only when a figure is
drawn, with the non-interactive Agg backend.

Also the output-file helpers of the commands that write files (``sweep --plot``, ``bench
--calibrate --save``): :func:`check_writable` before any work, :func:`replacing` to write atomically.
"""

from __future__ import annotations

import os
from typing import Any

from costcalc.files import replacing
from costcalc.render import UNIT_LABELS, in_unit
from costcalc.sweep import Row, pareto

MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def figure(rows: list[Row], unit: str, title: str, varying: dict[str, tuple[str, ...]], near: int | None = None) -> Any:
    """The matplotlib figure: log–log scatter per network (gid ``series-NAME``), labels, Pareto front,
    and ``near`` (a count in ``unit``) as a dotted vertical line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    valid = [row for row in rows if row.valid]
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    axes = fig.add_subplot()
    models = list(dict.fromkeys(row.config.model for row in valid))
    for index, model in enumerate(models):
        series = [row for row in valid if row.config.model == model]
        xs = [in_unit(row.macs, unit) for row in series]
        ys = [row.params for row in series]
        (line,) = axes.plot(xs, ys, MARKERS[index % len(MARKERS)], label=model, markersize=6, alpha=0.85)
        line.set_gid(f"series-{model}")
        for row, x, y in zip(series, xs, ys):
            axes.annotate(row.config.label(varying.get(model, ()), short=True), (x, y), xytext=(4, 3),
                          textcoords="offset points", fontsize=7, color=line.get_color())
    front = sorted((row for row, flag in zip(valid, pareto([(r.macs, r.params) for r in valid])) if flag),
                   key=lambda row: row.macs)
    if front:
        (line,) = axes.plot([in_unit(row.macs, unit) for row in front], [row.params for row in front],
                            linestyle="--", color="black", linewidth=1, marker="o", markerfacecolor="none",
                            markersize=11, label="Pareto front", drawstyle="steps-post")
        line.set_gid("pareto-front")
    if near is not None:
        axes.axvline(near, color="grey", linestyle=":", linewidth=1, label=f"{near / 1e6:g} M", gid="near")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(f"{UNIT_LABELS[unit]} (log)")
    axes.set_ylabel("parameters (log)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="both", linewidth=0.3, alpha=0.5)
    axes.legend(fontsize=8)
    return fig


def plot_sweep(rows: list[Row], path: str, unit: str, title: str, varying: dict[str, tuple[str, ...]],
               near: int | None = None) -> None:
    """Save the figure to ``path`` (PNG or SVG by its extension; SVG keeps text as text).

    Written to a temporary file beside ``path`` and renamed over it, so a failure leaves no
    half-written plot; an ``OSError`` propagates (the command turns it into a usage error).
    """
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "costcalc"
    kind = os.path.splitext(path)[1].lower().lstrip(".")
    fig = figure(rows, unit, title, varying, near)
    with replacing(path) as temporary:
        fig.savefig(temporary, format=kind, dpi=150, metadata={"Date": None} if kind == "svg" else {})
