"""Does the roofline rank measured CPU latency better than MACs? (``costcalc bench --suite``)

Run: ``python tests/benchmarks/bench_latency.py [--threads 1 2] [--min-time 0.15]``. For each
thread count it calibrates this machine (``costcalc bench --calibrate``, profile kept in a
temporary directory), runs the suite and prints the Spearman rank correlation of measured
latency with MACs and with the roofline estimate, and the predicted and measured speed-up of
MobileNet's depthwise separable layer over the standard 3×3 convolution (Table 3: 512→512 on 14²).
Takes about 15 s per thread count on a 2-core machine; keep other work off the machine meanwhile.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

COSTCALC = [sys.executable, "-m", "costcalc"]


def costcalc(*args: str) -> dict:
    output = subprocess.run([*COSTCALC, *args, "--format", "json"], check=True, capture_output=True, text=True)
    return json.loads(output.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--min-time", default="0.15")
    arguments = parser.parse_args()
    print(f"{'threads':>7} {'peak GMAC/s':>11} {'GB/s':>6} {'items':>5} {'ρ MACs':>7} {'ρ roofline':>10} "
          f"{'Table 3 speed-up: MACs':>22} {'roofline':>8} {'measured':>8}")
    with tempfile.TemporaryDirectory() as directory:
        for threads in arguments.threads:
            device = str(Path(directory) / f"local-{threads}.yaml")
            profile = costcalc("bench", "--calibrate", "--threads", str(threads), "--save", device)["device"]
            data = costcalc("bench", "--suite", "--threads", str(threads), "--device", device,
                            "--min-time", arguments.min_time)
            rho = data["spearman"]
            rows = {row["name"]: row for row in data["rows"]}
            separable = rows["mnv1-table3/depthwise_separable"]
            print(f"{threads:>7} {profile['peak_macs'] / 1e9:11.1f} {profile['bandwidth'] / 1e9:6.1f} {rho['n']:>5} "
                  f"{rho['macs']:7.3f} {rho['roofline']:10.3f} {separable['predicted_speedup']:21.2f}× "
                  f"{separable['roofline_speedup']:7.2f}× {separable['measured_speedup']:7.2f}×")


if __name__ == "__main__":
    main()
