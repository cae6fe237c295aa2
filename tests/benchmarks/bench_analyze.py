"""``costcalc.analyze`` against fvcore's ``FlopCountAnalysis(model, x).total()`` on ResNet-18 at 224, side by side.

Run: python tests/benchmarks/bench_analyze.py [--repeats N] [--threads T]   (not collected by pytest)

Both run in this process on the same model and input. The first call of each is timed on its own
(it pays one-time costs: fvcore's first jit trace, torch's lazy initialisation), then the median of
``--repeats`` calls, alternating the two so machine load hits both alike. The target (issue 10):
analyze ≤ 1.5 × fvcore. ``reconcile=True`` (fvcore and FlopCounterMode too, what ``--reconcile``
runs) is timed for reference.
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
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    options = parser.parse_args()

    import torch
    from fvcore.nn import FlopCountAnalysis

    import costcalc

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analyze_models.vision import ResNet18

    torch.set_num_threads(options.threads)
    warnings.simplefilter("ignore")
    model, x = ResNet18().eval(), torch.zeros(1, 3, 224, 224)

    def ours() -> int:
        return costcalc.analyze(model, x).macs

    def fvcore() -> int:
        return FlopCountAnalysis(model, x).unsupported_ops_warnings(False).total()

    def reconciled() -> int:
        return costcalc.analyze(model, x, reconcile=True).macs

    first = {"costcalc.analyze": timed(ours), "fvcore total()": timed(fvcore)}
    runs: dict[str, list[float]] = {"costcalc.analyze": [], "fvcore total()": [], "analyze(reconcile=True)": []}
    for _ in range(options.repeats):
        runs["costcalc.analyze"].append(timed(ours))
        runs["fvcore total()"].append(timed(fvcore))
        runs["analyze(reconcile=True)"].append(timed(reconciled))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    base = medians["fvcore total()"]
    print(f"ResNet-18, 1×3×224×224, torch {torch.__version__}, {options.threads} thread(s), "
          f"median of {options.repeats}")
    print(f"{'':28} {'first call':>12} {'median':>10} {'× fvcore':>9}")
    for name, median in medians.items():
        first_text = f"{first[name]:.3f} s" if name in first else ""
        print(f"{name:28} {first_text:>12} {median:>8.3f} s {median / base:>8.2f}×")
    print(f"ratio analyze / fvcore: first call {first['costcalc.analyze'] / first['fvcore total()']:.2f}×, "
          f"median {medians['costcalc.analyze'] / base:.2f}× (target ≤ 1.5×)")
    assert ours() == 1_814_073_344


if __name__ == "__main__":
    main()
