"""Sweep figures: axes, the front over the axes drawn, labels and ticks that never touch, heatmaps."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib")

from costcalc.engine.zoo import MODELS  # noqa: E402
from costcalc.sweep import grid as sweep  # noqa: E402
from costcalc.sweep.plot import figure, tick_labels_collide  # noqa: E402
from costcalc.sweep.result import compute  # noqa: E402

FIG4 = {"alpha": (1.0, 0.75, 0.5, 0.25), "res": (224, 192, 160, 128), "classes": (1001,)}


def result_of(axes, model="mobilenet"):
    plans = [sweep.Plan(MODELS[model], axes)]
    return compute({}, plans, {}, None, None, "macs")


def texts(fig):
    return [text for text in fig.axes[0].texts if text.get_text()]


def no_overlaps(fig, artists):
    renderer = fig.canvas.get_renderer()
    boxes = [artist.get_window_extent(renderer) for artist in artists]
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_fig4_accuracy_against_log_macs_labels_the_front_without_collisions():
    fig = figure(result_of(FIG4), "macs", "macs", "top1")
    axes = fig.axes[0]
    assert (axes.get_xscale(), axes.get_yscale()) == ("log", "linear")
    assert [line.get_gid() for line in axes.get_lines()] == ["series-mobilenet", "pareto-front"]
    front = axes.get_lines()[1]
    assert list(front.get_ydata()) == sorted(front.get_ydata())  # more MACs buy more accuracy along the front
    assert 0 < len(texts(fig)) <= 16 and no_overlaps(fig, texts(fig))
    assert not tick_labels_collide(fig, axes.xaxis) and not tick_labels_collide(fig, axes.yaxis)


def test_fig5_params_against_accuracy_and_rows_without_top1_are_counted_not_drawn():
    result = result_of({"alpha": (1.0, 0.5, 0.6), "res": (224,)})
    fig = figure(result, "macs", "params", "top1")
    assert fig.axes[0].get_xlabel() == "parameters (log)"
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == 2
    assert "1 configuration without a published top-1 not drawn" in fig.axes[0].get_title(loc="right")


@pytest.mark.parametrize("size", [16, 2500])
def test_large_grids_keep_labels_and_ticks_apart(size):
    side = int(size ** 0.5)
    axes = {"alpha": tuple(round(0.02 * step, 2) for step in range(1, side + 1)),
            "res": tuple(range(128, 128 + 2 * side, 2))}
    fig = figure(result_of(axes), "macs", "macs", "params")
    assert no_overlaps(fig, texts(fig)) and len(texts(fig)) <= 80
    assert not tick_labels_collide(fig, fig.axes[0].xaxis) and not tick_labels_collide(fig, fig.axes[0].yaxis)


def test_narrow_log_range_gets_round_ticks_that_do_not_collide():
    """The issue's 3×10⁷4×10⁷: a grid spanning less than a decade."""
    fig = figure(result_of({"alpha": (0.25,), "res": (176, 184, 192, 200)}), "macs", "macs", "params")
    labels = [label.get_text() for label in fig.axes[0].xaxis.get_ticklabels() if label.get_text()]
    assert labels and all(label.endswith("M") for label in labels)
    assert not tick_labels_collide(fig, fig.axes[0].xaxis)


def test_heatmap_draws_the_grid():
    fig = figure(result_of(FIG4), "macs", y="macs", kind="heatmap")
    mesh = [artist for artist in fig.axes[0].collections if artist.get_gid() == "heatmap"][0]
    assert mesh.get_array().shape == (4, 4)
    assert mesh.get_array()[0, 0] == 568_741_376  # alpha 1.0, res 224 (1001 classes)
    assert len(texts(fig)) == 16  # cells large enough to hold their values


@pytest.mark.slow
def test_plot_cli_writes_readable_png_and_heatmap(run, tmp_path):
    from matplotlib.image import imread

    for args, name in [(["--y", "top1"], "fig4.png"), (["--plot-kind", "heatmap"], "heat.png"),
                       (["--x", "params", "--y", "top1"], "fig5.png")]:
        path = tmp_path / name
        run("sweep", "mobilenet", "--alpha", "1.0,0.75,0.5,0.25", "--res", "224,192,160,128", "--plot", str(path),
            *args)
        image = imread(path)
        assert image.shape[0] > 500 and image.shape[1] > 800


def test_plot_errors(run):
    assert "--x and --y are both params" in run.error("sweep", "mobilenet", "--alpha", "1.0", "--plot", "a.png",
                                                      "--x", "params", "--y", "params")
    assert "heatmap needs one network with exactly two varying options" in run.error(
        "sweep", "mobilenet", "--alpha", "0.5,1.0", "--plot", "a.png", "--plot-kind", "heatmap")


def test_heatmap_over_named_options(run, tmp_path):
    """A grid over names (MobileNetV3's size) draws its ticks as the names."""
    target = tmp_path / "h.png"
    run("sweep", "mobilenet_v3", "--size", "large,small", "--alpha", "0.75,1.0", "--plot", str(target),
        "--plot-kind", "heatmap")
    assert target.stat().st_size > 0


def test_top1_axis_without_published_accuracy_is_refused(run, tmp_path):
    target = tmp_path / "s.png"
    line = run.error("sweep", "mobilenet", "--alpha", "0.3,0.4", "--plot", str(target), "--y", "top1")
    assert "--y top1: no configuration of this sweep has a published top-1" in line and not target.exists()


# ------------------------------------------------------------------ families, labels, the README's figures
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def figures_script():
    """``configs/sweeps/make_figures.py``: the one command that redraws the README's figures."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "configs/sweeps/make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drawn(config: str, axes: dict):
    """The figure of a sweep file, as ``costcalc sweep --config FILE --plot … --x … --y …`` draws it."""
    from costcalc.sweep.request import load_plans

    settings, plans, where = load_plans((), str(ROOT / "configs/sweeps" / config), {})
    result = compute(settings, plans, where, None, None, "macs")
    return figure(result, "macs", axes["x"], axes["y"])


def display_boxes(fig):
    """Independently of the plot's own check: every label's box (the renderer's ``get_window_extent``),
    every marker's square (its data point through ``transData``, ``markersize`` points wide) and every
    step of the dashed front (steps-post: across, then up), in display pixels."""
    import numpy

    axes = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [text.get_window_extent(renderer) for text in axes.texts if text.get_gid() == "point-label"]
    markers, steps = [], []
    for line in axes.get_lines():
        if not line.get_gid().startswith(("series-", "pareto-front")):
            continue  # the --near line: data × axes coordinates, no markers
        points = axes.transData.transform(numpy.column_stack([line.get_xdata(), line.get_ydata()]).astype(float))
        half = line.get_markersize() / 2 * fig.dpi / 72
        markers += [(x - half, y - half, x + half, y + half) for x, y in points]
        if line.get_gid() == "pareto-front":
            for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
                steps += [(x0, y0 - 0.5, x1, y0 + 0.5), (x1 - 0.5, min(y0, y1), x1 + 0.5, max(y0, y1))]
    return labels, markers, steps


def hits(box, other) -> bool:
    x0, y0, x1, y1 = other
    return box.x0 < x1 and box.x1 > x0 and box.y0 < y1 and box.y1 > y0


def assert_labels_touch_nothing(fig):
    labels, markers, steps = display_boxes(fig)
    assert labels
    for index, box in enumerate(labels):
        assert not any(hits(box, marker) for marker in markers), box
        assert not any(hits(box, step) for step in steps), box
        assert not any(box.overlaps(other) for other in labels[index + 1:]), box


@pytest.mark.parametrize("index", range(4))
def test_the_readme_figures_keep_labels_off_markers_labels_and_the_front(index):
    config, _, axes = figures_script().FIGURES[index]
    assert_labels_touch_nothing(drawn(config, axes))


def test_large_grids_keep_labels_off_markers_and_the_front():
    axes = {"alpha": tuple(round(0.05 * step, 2) for step in range(1, 21)), "res": tuple(range(96, 256, 8))}
    assert_labels_touch_nothing(figure(result_of(axes), "macs", "macs", "params"))


def test_each_family_keeps_its_colour_and_marker_in_every_plot():
    from costcalc.sweep.plot import FAMILY_STYLES

    styles: dict[str, set] = {}
    for config, _, axes in figures_script().FIGURES:
        for line in drawn(config, axes).axes[0].get_lines():
            if line.get_gid().startswith("series-"):
                styles.setdefault(line.get_gid()[7:], set()).add((line.get_label(), line.get_color(),
                                                                  line.get_marker()))
    for model, axes in (("mobilenet_v2", FIG4), ("effnet", {"res": (32, 64, 96)})):  # on their own too
        single = figure(result_of(axes, model), "macs", "macs", "params").axes[0].get_lines()[0]
        styles.setdefault(model, set()).add((single.get_label(), single.get_color(), single.get_marker()))
    assert set(styles) == set(FAMILY_STYLES)
    assert all(found == {FAMILY_STYLES[model]} for model, found in styles.items()), styles


def test_labels_name_the_network_and_only_the_options_that_vary():
    fig4 = figures_script().FIGURES[0]
    labels = [text.get_text() for text in texts(drawn(fig4[0], fig4[2]))]
    assert labels and all(label.startswith("α") and " r" in label and "c1001" not in label for label in labels)
    families = figures_script().FIGURES[2]
    labels = [text.get_text() for text in texts(drawn(families[0], families[2]))]
    assert "EfficientNet b0" in labels and "r224" not in labels  # the network named, not its native resolution
    assert all(label.split()[0] in ("MobileNet", "ShuffleNet", "EfficientNet") for label in labels)


def test_the_committed_figures_are_what_their_commands_draw_now():
    """Data and labels, not pixels: each README PNG carries what it drew (``costcalc-figure``, written by
    costcalc.sweep.plot); redraw it from its sweep file and compare. Redraw them all with
    ``python configs/sweeps/make_figures.py``."""
    import json

    from PIL import Image

    from costcalc.sweep.plot import SUMMARY_KEY, summary

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python configs/sweeps/make_figures.py" in readme
    for config, png, axes in figures_script().FIGURES:
        assert f"](configs/sweeps/{png})" in readme
        with Image.open(ROOT / "configs/sweeps" / png) as image:
            saved = json.loads(image.text[SUMMARY_KEY])
        assert saved == json.loads(json.dumps(summary(drawn(config, axes)))), f"{png}: run make_figures.py"


def test_top1_per_gmac_is_an_axis_over_the_configurations_with_a_top1():
    """TF-slim's 0.25-128 (41.5 %; 13,570,304 MACs at 1001 classes, as `costcalc model mobilenet --alpha 0.25
    --res 128 --classes 1001` counts it) gives 41.5 · 10⁹ / 13,570,304 points per GMAC;
    the front over (MACs, more points per GMAC) is the cheapest model alone, as every point costs more
    and earns fewer points per GMAC than it."""
    fig = figure(result_of(FIG4), "macs", "macs", "top1_per_gmac")
    axes = fig.axes[0]
    assert (axes.get_ylabel(), axes.get_yscale()) == ("top-1 points per 10⁹ MACs", "linear")
    series, front = axes.get_lines()
    cheapest = min(range(16), key=lambda index: series.get_xdata()[index])
    assert series.get_xdata()[cheapest] == 13_570_304
    assert series.get_ydata()[cheapest] == pytest.approx(41.5e9 / 13_570_304)
    assert list(front.get_xdata()) == [13_570_304]
