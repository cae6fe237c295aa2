"""Redraw the README's sweep figures: ``python configs/sweeps/make_figures.py`` (from the repository root).

Each figure is one ``costcalc sweep --config FILE --plot PNG`` run; :data:`FIGURES` lists them, and
``tests/test_plot.py`` holds every committed PNG to what its run draws now (the points, the front and
the labels that ``costcalc.sweep.plot`` writes into the PNG — not its pixels).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURES = (
    # sweep file, figure, axes (--x, --y)
    ("mobilenet_tfslim.yaml", "mobilenet_fig4.png", {"x": "macs", "y": "top1"}),
    ("mobilenet_tfslim.yaml", "mobilenet_fig5.png", {"x": "params", "y": "top1"}),
    ("families_top1.yaml", "families_top1.png", {"x": "macs", "y": "top1"}),
    ("near_140m.yaml", "near_140m.png", {"x": "macs", "y": "params"}),
)


def arguments(config: str, figure: str, axes: dict[str, str]) -> list[str]:
    """The ``costcalc`` arguments that draw ``figure`` (paths relative to the repository root)."""
    folder = HERE.relative_to(HERE.parent.parent)
    return ["sweep", "--config", str(folder / config), "--plot", str(folder / figure),
            "--x", axes["x"], "--y", axes["y"], "--format", "json"]


def main() -> None:
    for config, figure, axes in FIGURES:
        command = [sys.executable, "-m", "costcalc", *arguments(config, figure, axes)]
        subprocess.run(command, cwd=HERE.parent.parent, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
