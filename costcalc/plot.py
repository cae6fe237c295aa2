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
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

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


# --------------------------------------------------------------------------------------- output files
def check_writable(path: str, option: str) -> None:
    """Fail early, before any work, when ``path`` cannot be written: a usage error naming ``option``.

    The directory must exist and be writable, and ``path`` must not be a directory.
    """
    from costcalc.options import usage_error

    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise usage_error(f"{option} {path!r} is a directory; give a file name")
    if not os.path.isdir(directory):
        raise usage_error(f"{option} {path!r}: directory {os.path.dirname(path) or '.'!r} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise usage_error(f"{option} {path!r}: directory {os.path.dirname(path) or '.'!r} is not writable")


@contextmanager
def replacing(path: str) -> Iterator[str]:
    """Yield a temporary file name in ``path``'s directory; on success rename it over ``path``.

    ``os.replace`` is atomic on POSIX and Windows, so ``path`` is either untouched or complete; on
    any exception the temporary file is removed. The result gets the usual ``0o666 & ~umask`` mode
    (``mkstemp`` creates files readable by their owner only).
    """
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.remove(temporary)
        raise
