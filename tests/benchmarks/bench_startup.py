"""Start-up time of analytic commands against a bare ``import click, rich.console, rich.table``.

Run: ``python tests/benchmarks/bench_startup.py [--repeats 15]``. Both are timed side by side in
one run, interleaved so machine load hits both alike; the report gives medians and the ratio
(target: at most 1.5×).

The package is byte-compiled first (``compileall``), as ``pip install`` does: click and rich come
pre-compiled from their wheels, and with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) an
editable checkout would otherwise be re-compiled from source on every start.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import click, rich.console, rich.table"]
COMMANDS = {
    "compare (table)": ["compare", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14"],
    "compare (json)": ["compare", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14", "--format", "json"],
    "model mobilenet 0.5-128": ["model", "mobilenet", "--alpha", "0.5", "--res", "128"],
    "model shufflenet g3": ["model", "shufflenet", "--groups", "3"],
    "list": ["list"],
}


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    arguments = parser.parse_args()
    import costcalc

    compileall.compile_dir(costcalc.__path__[0], quiet=1)
    wall_time(BASELINE)  # warm the file cache
    print(f"{'command':28} {'median s':>9} {'baseline s':>10} {'ratio':>6}")
    for label, args in COMMANDS.items():
        command = [sys.executable, "-m", "costcalc", *args]
        try:
            wall_time(command)
        except subprocess.CalledProcessError:
            print(f"{label:28} (command failed; skipped)")
            continue
        ours, baseline = [], []
        for _ in range(arguments.repeats):
            baseline.append(wall_time(BASELINE))
            ours.append(wall_time(command))
        ours_median, baseline_median = statistics.median(ours), statistics.median(baseline)
        print(f"{label:28} {ours_median:9.3f} {baseline_median:10.3f} {ours_median / baseline_median:6.2f}×")


if __name__ == "__main__":
    main()
