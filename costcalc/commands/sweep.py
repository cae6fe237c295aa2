"""``costcalc sweep``: a grid of network options costed analytically, for one network or several.

Planning is :mod:`costcalc.sweep.request` (command line or sweep file), costing and comparing
:mod:`costcalc.sweep.result`, the tables and JSON :mod:`costcalc.views.sweep`, the figure
:mod:`costcalc.sweep.plot` (matplotlib, lazily); ``--verify`` reconciles every configuration with fvcore
(torch, lazily).
"""

from __future__ import annotations

import math
import os

import click

from costcalc.commands.options import format_option, require_measure, sweep_options, unit_option, usage_error
from costcalc.sweep.grid import SweepError
from costcalc.sweep.result import Sweep
from costcalc.views.render import emit

PLOT_SUFFIXES = (".png", ".svg")
LARGE = 2000
"""Sweeps of at least this many configurations show a progress indicator on a terminal."""


def check_plot_path(path: str | None, x: str, y: str, kind: str) -> None:
    """Before any work: a ``NAME.png``/``NAME.svg`` in an existing, writable directory, matplotlib
    installed, and axes that make a picture (an input file of the run is refused by
    :mod:`costcalc.config.files` when the plot is written)."""
    if path is None:
        return
    if os.path.splitext(os.path.basename(path))[1].lower() not in PLOT_SUFFIXES:
        raise usage_error(f"--plot must name a .png or .svg file (e.g. sweep.png), got {path!r}")
    if kind == "scatter" and x == y:
        raise usage_error(f"--x and --y are both {x}; choose two quantities")
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise usage_error("--plot needs matplotlib; install it with: pip install 'costcalc[plot]'")
    from costcalc.config.files import check_writable

    check_writable(path, "--plot")


@click.command("sweep")
@click.argument("names", nargs=-1)
@sweep_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A sweep file (configs/sweeps/*.yaml) listing networks and their option lists.")
@click.option("--reference", help="Ratios against this configuration: [MODEL:]alpha=1.0,res=224 "
                                  "(default: the first network's default configuration if in the grid, "
                                  "else its first).")
@click.option("--near", help="Highlight each network's configuration nearest this count (in --unit), e.g. 140M.")
@click.option("--plot", "plot_path", help="Draw the sweep to FILE.png or FILE.svg (needs costcalc[plot]).")
@click.option("--x", "x", type=click.Choice(("macs", "params")), default="macs", show_default=True,
              help="--plot: horizontal axis (log).")
@click.option("--y", "y", type=click.Choice(("top1", "top1_per_gmac", "params", "macs")), default=None,
              help="--plot: vertical axis, log for counts (default params, or macs when --x params); "
                   "the colour of a heatmap (default macs).")
@click.option("--plot-kind", "plot_kind", type=click.Choice(("scatter", "heatmap")), default="scatter",
              show_default=True, help="--plot: points with the Pareto front, or --y over a two-option grid.")
@click.option("--verify", is_flag=True, help="Reconcile every configuration with fvcore (needs costcalc[measure]).")
@click.option("--accuracy", "accuracy_path", type=click.Path(dir_okay=False),
              help="Your own accuracies: a CSV with columns [model,] the sweep's options, top1[, top5] "
                   "(they replace published ones; top1_source = the file's name).")
@unit_option
@format_option
def command(names: tuple[str, ...], config_path: str | None, reference: str | None, near: str | None,
            plot_path: str | None, x: str, y: str | None, plot_kind: str, verify: bool, accuracy_path: str | None,
            unit: str, fmt: str,
            **lists: str | bool | None) -> None:
    """Cost a grid of network options: every option of `costcalc model` as a comma list.

    One network and two varying options give TF-slim's table (rows = first option, columns =
    second); several networks (or a sweep file) give one table sorted by cost, each row with the
    other network nearest in cost. Rows carry the published ImageNet top-1 where one exists.
    Exit 1 when --verify finds a mismatch.

    Examples: costcalc sweep mobilenet --alpha 1.0,0.75,0.5,0.25 --res 224,192,160,128 --classes 1001

              costcalc sweep mobilenet shufflenet --alpha 0.25,0.5,0.75,1.0 --scale 0.5,1.0,1.5,2.0 --near 140M

              costcalc sweep --config configs/sweeps/mobilenet_tfslim.yaml --plot fig4.png --y top1
    """
    y = y or ("macs" if plot_kind == "heatmap" or x == "params" else "params")
    check_plot_path(plot_path, x, y, plot_kind)
    from costcalc.sweep import request as sweep_plan
    from costcalc.sweep import result as sweep_result
    from costcalc.views import sweep as sweep_views
    from costcalc.views.progress import working

    try:
        settings, plans, where = sweep_plan.load_plans(names, config_path, lists)
        if plot_path and plot_kind == "heatmap" and (len(plans) != 1 or len(plans[0].varying) != 2):
            raise SweepError("--plot-kind heatmap needs one network with exactly two varying options "
                             "(e.g. --alpha 0.25,0.5,1.0 --res 128,160,224)")
        count = sum(math.prod(len(values) for values in plan.axes.values()) for plan in plans)
        with working(f"costing {count:,} configurations", count >= LARGE):
            result = sweep_result.compute(settings, plans, where, reference, near, unit, accuracy_path)
    except SweepError as error:
        raise usage_error(str(error)) from None
    if verify:
        require_measure()
        from costcalc.measure.reconcile import reconcile
        from costcalc.views.progress import track

        sweep_result.verify_rows(plans, result.rows, reconcile, track)
    if plot_path and y in ("top1", "top1_per_gmac") and not result.has_top1:
        raise usage_error(f"--y {y}: no configuration of this sweep has a published top-1 (see costcalc list); "
                          "plot --y params or macs instead")
    for item in result.unmatched:
        click.echo(f"warning: --accuracy {accuracy_path}:{item.line}: {item.text()} matches no configuration "
                   "of the sweep", err=True)
    if plot_path:
        _save_plot(result, plot_path, unit, x, y, plot_kind)
    payload = sweep_views.build_payload(result, unit)
    views = sweep_views.build_views(result, unit, bool(config_path)) if fmt in ("table", "markdown") else []
    emit(fmt, payload, views, payload["rows"])
    if verify and not all(row.extra.get("verified", True) for row in result.rows):
        click.get_current_context().exit(1)


def _save_plot(result: Sweep, path: str, unit: str, x: str, y: str, kind: str) -> None:
    """Write the figure; a failed write is a usage error and leaves no file."""
    from costcalc.sweep.plot import plot_sweep
    from costcalc.views.progress import working

    try:
        with working(f"drawing {len(result.rows):,} configurations", len(result.rows) >= LARGE):
            plot_sweep(result, path, unit, x, y, kind)
    except OSError as error:
        raise usage_error(f"--plot {path!r}: {error.strerror or error}") from None
    click.echo(f"wrote {path}", err=True)
