"""Benchmark: 10,000 MobileNet v1 configurations costed analytically in one sweep, against fvcore.

The grid is α ∈ {0.01, 0.02, …, 1.00} × resolution ∈ {128, 129, …, 227} (100 × 100), costed by
:func:`costcalc.sweep.run` — the code path of ``costcalc sweep``. fvcore cannot do 10,000 in
reasonable time, so it counts a random sample (build the torch module, trace, count) and its total
is extrapolated from the sample's mean. Target: the analytic sweep under 5 s.

    /tmp/dev/bin/python tests/benchmarks/bench_sweep.py [--sample 8] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from costcalc import sweep
from costcalc.zoo import MODELS

ALPHAS = tuple(round(0.01 * step, 2) for step in range(1, 101))
RESOLUTIONS = tuple(range(128, 228))
TARGET_S = 5.0


def analytic() -> tuple[float, list[sweep.Row], sweep.CostCache]:
    plan = sweep.Plan(MODELS["mobilenet"], {"alpha": ALPHAS, "res": RESOLUTIONS})
    cache = sweep.CostCache()
    start = time.perf_counter()
    rows = sweep.run([plan], cache)
    return time.perf_counter() - start, rows, cache


def fvcore_sample(rows: list[sweep.Row], size: int, seed: int) -> list[float]:
    """Seconds per configuration for fvcore (module build + count), checking each total against ours."""
    import torch
    from fvcore.nn import FlopCountAnalysis

    from costcalc.measure.modules import build_module

    torch.set_num_threads(1)
    times = []
    for row in random.Random(seed).sample(rows, size):
        network = MODELS["mobilenet"].build(**row.config.kwargs)
        start = time.perf_counter()
        module = build_module(network).eval()
        counter = FlopCountAnalysis(module, torch.zeros(1, *network.input_shape))
        counter.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        convs = sum(count for op, count in counter.by_operator().items() if op in ("conv", "linear"))
        times.append(time.perf_counter() - start)
        assert convs == row.macs, (row.config, convs, row.macs)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=8, help="configurations counted with fvcore")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    seconds, rows, cache = analytic()
    count = len(rows)
    print(f"analytic : {count:,} MobileNet configurations in {seconds:.2f} s "
          f"({seconds / count * 1e6:.0f} µs each; cache {cache.misses:,} misses, {cache.hits:,} hits) "
          f"— target < {TARGET_S:.0f} s: {'met' if seconds < TARGET_S else 'MISSED'}")
    times = fvcore_sample(rows, args.sample, args.seed)
    per = statistics.mean(times)
    print(f"fvcore   : {args.sample} sampled configurations, {per:.3f} s each (median {statistics.median(times):.3f} s; "
          f"conv+linear counts equal ours) → {count:,} extrapolated {per * count:,.0f} s ({per * count / 60:.1f} min)")
    print(f"ratio    : fvcore / analytic = {per * count / seconds:,.0f}×")


if __name__ == "__main__":
    main()
