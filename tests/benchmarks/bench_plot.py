"""Benchmark: sweep plots of 16, 2,500 and 10,000 MobileNet configurations, measured side by side.

Each size is a MobileNet α × resolution grid costed once; the timed part is the figure and the
PNG written (:func:`costcalc.sweep.plot.plot_sweep`: points, front, labels placed without collisions,
ticks thinned), best of ``--repeats`` after one warm-up (matplotlib imported). Target: 2,500 points
in ≤ 3× the time of 16. The PNGs are kept in ``--out`` to be looked at.

    python tests/benchmarks/bench_plot.py [--repeats 3] [--out /tmp/costcalc-plots]
"""

from __future__ import annotations

import argparse
import os

from timing import best

from costcalc.engine.zoo import MODELS
from costcalc.sweep import grid as sweep
from costcalc.sweep.plot import plot_sweep
from costcalc.sweep.result import compute

SIZES = (16, 2500, 10_000)
TARGET = 3.0


def grid(size: int):
    side = round(size ** 0.5)
    axes = {"alpha": tuple(round(1.0 - 0.0095 * step, 4) for step in range(side)),
            "res": tuple(range(224, 224 - 2 * side, -2)) if side <= 48 else tuple(range(128, 128 + side))}
    return compute({}, [sweep.Plan(MODELS["mobilenet"], axes)], {}, None, None, "macs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="/tmp/costcalc-plots")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = {size: grid(size) for size in SIZES}
    plot_sweep(results[16], os.path.join(args.out, "warmup.png"), "macs")
    seconds = {}
    for size, result in results.items():
        for name, y in (("params", "params"), ("heatmap", "macs")):
            path = os.path.join(args.out, f"sweep_{size}_{name}.png")
            kind = "heatmap" if name == "heatmap" else "scatter"
            seconds[(size, name)] = best(lambda result=result, path=path, y=y, kind=kind:
                                         plot_sweep(result, path, "macs", "macs", y, kind), args.repeats)
    for name in ("params", "heatmap"):
        base = seconds[(16, name)]
        line = ", ".join(f"{size:,} points {seconds[(size, name)]:.3f} s ({seconds[(size, name)] / base:.2f}×)"
                         for size in SIZES)
        verdict = "met" if seconds[(2500, name)] / base <= TARGET else "MISSED"
        print(f"{name:8}: {line} — 2,500 vs 16 target ≤ {TARGET:.0f}×: {verdict}")
    print(f"PNGs in {args.out}")


if __name__ == "__main__":
    main()
