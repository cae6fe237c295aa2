"""Benchmark: sweeps near the limit, every figure measured side by side in one run.

1. CLI: ``costcalc sweep mobilenet --alpha <100 values> --res <100 values> --format json`` (10,000
   configurations) against the bare ``python -c "import click, rich"`` floor. Target ≤ 12×.
2. Engine: the same 10,000 configurations through :func:`costcalc.sweep.grid.run` (spatial × channel
   terms) against network-by-network costing (:func:`costcalc.sweep.grid_cost.network_by_network`, every
   network built). Target < 1 s.
3. Multi-network: MobileNet + ShuffleNet sweeps of 2k + 2k and 4k + 4k rows through
   :func:`costcalc.sweep.result.compute` (nearest other network, fronts): 2× the rows should take
   about 2× the time (``n log n``), not 4× (``n²``).
4. fvcore on a random sample of the grid (build, trace, count), extrapolated to all 10,000.

    python tests/benchmarks/bench_sweep.py [--repeats 3] [--sample 4]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time

from timing import best

from costcalc.engine.zoo import MODELS
from costcalc.sweep import grid as sweep
from costcalc.sweep import grid_cost
from costcalc.sweep.result import compute

ALPHAS = tuple(round(0.01 * step, 2) for step in range(1, 101))
RESOLUTIONS = tuple(range(128, 228))
CLI_TARGET, ENGINE_TARGET = 12.0, 1.0



def run_process(*args: str) -> None:
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL)


def multi_plans(size: int) -> list[sweep.Plan]:
    """MobileNet α × res and ShuffleNet scale × res grids of about ``size`` rows each."""
    side = int(size ** 0.5)
    resolutions = tuple(range(128, 128 + side))
    return [sweep.Plan(MODELS["mobilenet"], {"alpha": tuple(round(0.01 * step, 2) for step in range(1, side + 1)),
                                             "res": resolutions}),
            sweep.Plan(MODELS["shufflenet"], {"groups": (1,), "scale": tuple(round(0.25 + 0.01 * step, 2)
                                                                             for step in range(side)),
                                              "res": resolutions})]


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
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=4, help="configurations counted with fvcore (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    alphas, resolutions = ",".join(map(str, ALPHAS)), ",".join(map(str, RESOLUTIONS))
    floor = best(lambda: run_process("-c", "import click, rich"), args.repeats)
    cli = best(lambda: run_process("-m", "costcalc", "sweep", "mobilenet", "--alpha", alphas, "--res", resolutions,
                                   "--format", "json"), args.repeats)
    print(f"CLI      : 10,000 configurations --format json {cli:.3f} s; import click, rich {floor:.3f} s "
          f"→ {cli / floor:.1f}× the floor (target ≤ {CLI_TARGET:.0f}×: "
          f"{'met' if cli / floor <= CLI_TARGET else 'MISSED'})")

    plan = sweep.Plan(MODELS["mobilenet"], {"alpha": ALPHAS, "res": RESOLUTIONS})
    rows: list[sweep.Row] = []
    factored = best(lambda: rows.__setitem__(slice(None), sweep.run([plan])), args.repeats)
    configs = plan.configs()
    plain = best(lambda: grid_cost.network_by_network(plan.entry, configs), 1)
    print(f"engine   : 10,000 configurations {factored:.3f} s from spatial × channel terms, {plain:.3f} s network "
          f"by network → {plain / factored:.1f}× faster (target < {ENGINE_TARGET:.0f} s: "
          f"{'met' if factored < ENGINE_TARGET else 'MISSED'})")

    times = {}
    for size in (2000, 4000):
        plans = multi_plans(size)
        count = len(sweep.run(plans))
        times[size] = (count, best(lambda plans=plans: compute({}, plans, {}, None, "140M", "macs"), args.repeats))
    (small, small_s), (large, large_s) = times[2000], times[4000]
    print(f"multi    : {small:,} rows {small_s:.3f} s, {large:,} rows {large_s:.3f} s → {large_s / small_s:.2f}× the "
          f"time for {large / small:.2f}× the rows (n² would be {(large / small) ** 2:.1f}×)")

    if args.sample:
        per = statistics.mean(fvcore_sample(rows, args.sample, args.seed))
        print(f"fvcore   : {args.sample} sampled configurations, {per:.3f} s each (conv+linear counts equal ours) "
              f"→ 10,000 extrapolated {per * len(rows):,.0f} s = {per * len(rows) / factored:,.0f}× the engine")


if __name__ == "__main__":
    main()
