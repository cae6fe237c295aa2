"""What running fvcore's trace in a forked child costs, against the same trace in-process, side by side.

Run: python tests/benchmarks/bench_isolation.py [--repeats N]   (not collected by pytest)

``costcalc.measure.disagreements.fvcore_check`` runs ``fvcore_counts`` through
:func:`costcalc.measure.isolated.run_isolated` (a fork, the counts pickled back) so that a tracer
abort ends the child, not the analysis. This times ``fvcore_counts`` called directly and through
``run_isolated`` on ResNet-18 at 224 and on a small CNN (CIFAR VGG-like), alternating the two so that
machine load hits both alike, and prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from pathlib import Path

from timing import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads in-process (the child uses 1)")
    options = parser.parse_args()

    import torch
    from torch import nn

    from costcalc.measure.count import fvcore_counts
    from costcalc.measure.isolated import run_isolated

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analyze_models.vision import ResNet18

    torch.set_num_threads(options.threads)
    warnings.simplefilter("ignore")
    small = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)).eval()
    cases = {"ResNet-18 1×3×224×224": (ResNet18().eval(), torch.zeros(1, 3, 224, 224)),
             "small CNN 1×3×32×32": (small, torch.zeros(1, 3, 32, 32))}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s) in-process, 1 in the child, "
          f"median of {options.repeats}")
    print(f"{'':24} {'in-process':>11} {'forked':>9} {'ratio':>7} {'added':>9}")
    for name, (model, x) in cases.items():
        assert run_isolated(lambda model=model, x=x: fvcore_counts(model, (x,))) == fvcore_counts(model, (x,))
        direct, forked = [], []
        for _ in range(options.repeats):
            direct.append(timed(lambda model=model, x=x: fvcore_counts(model, (x,))))
            forked.append(timed(lambda model=model, x=x: run_isolated(lambda: fvcore_counts(model, (x,)))))
        a, b = statistics.median(direct), statistics.median(forked)
        print(f"{name:24} {a:>9.3f} s {b:>7.3f} s {b / a:>6.2f}× {b - a:>+7.3f} s")


if __name__ == "__main__":
    main()
