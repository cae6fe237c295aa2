"""Does the roofline rank measured CPU latency better than MACs, and is it a bound? (``costcalc bench --suite``)

Run: ``python tests/benchmarks/bench_latency.py [--threads 1 2] [--min-time 0.15]``. For each thread
count it calibrates this machine twice — the matmul-only calibration of earlier versions and the
current one (fastest of the suite's 3×3 / 1×1 convolutions and the matmul) — times the suite once,
and prints for each profile, on the same measurements: the peak, how many rows ran faster than
their roofline (a bound allows none), the lowest measured / roofline, and the Spearman rank
correlation of measured latency with MACs and with the roofline; then MobileNet's Table 3
depthwise separable speed-up over the standard 3×3 convolution (MACs, roofline, measured).
Takes about 30 s per thread count on a 2-core machine; keep other work off the machine meanwhile.
"""

from __future__ import annotations

import argparse

from costcalc.bench.plan import add_estimates, calibration_kernels, paper_layers_plan
from costcalc.bench.statistics import correlations, speedups
from costcalc.bench.timing import run_timings
from costcalc.measure import bench
from costcalc.views.progress import track


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--min-time", type=float, default=0.15)
    arguments = parser.parse_args()
    print(f"{'threads':>7} {'calibration':<20} {'peak GMAC/s':>11} {'GB/s':>6} {'items':>5} {'beaten':>6} "
          f"{'min meas/roof':>13} {'ρ MACs':>7} {'ρ roofline':>10} {'Table 3 speed-up: MACs':>22} "
          f"{'roofline':>8} {'measured':>8}")
    for threads in arguments.threads:
        profiles = {"matmul only (before)": bench.calibrate(threads, kernels=()),
                    "fastest kernel (now)": bench.calibrate(threads, kernels=calibration_kernels())}
        plan = paper_layers_plan()
        settings = bench.Settings(threads=threads, batch=1, dtype="float32", warmup=3, repeats=7,
                                  min_time=arguments.min_time)
        add_estimates(plan, "float32", 1, next(iter(profiles.values())))
        run_timings(plan, settings, bench, track)
        for label, profile in profiles.items():
            add_estimates(plan, "float32", 1, profile)
            timed = [item for item in plan.items if item.timing is not None]
            ratios = [item.timing.median / item.roofline.seconds for item in timed]
            rho = correlations(plan)
            by_name = {item.name: item for item in plan.items}
            macs, roofline, measured = speedups(by_name["mnv1-table3/depthwise_separable"], by_name)
            print(f"{threads:>7} {label:<20} {profile.peak_macs / 1e9:11.1f} {profile.bandwidth / 1e9:6.1f} "
                  f"{len(timed):>5} {sum(ratio < 1 for ratio in ratios):>6} {min(ratios):13.2f} "
                  f"{rho['macs']:7.3f} {rho['roofline']:10.3f} {macs:21.2f}× {roofline:7.2f}× {measured:7.2f}×")
            beaten = [f"{item.name} ({item.roofline.bound}) {ratio:.2f}" for item, ratio in zip(timed, ratios)
                      if ratio < 1]
            if beaten:
                print(f"{'':>8}faster than the roofline: {', '.join(beaten)}")


if __name__ == "__main__":
    main()
