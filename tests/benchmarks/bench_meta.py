"""A Llama-7B-shaped model counted with ``--meta`` at sequence 2048, end to end: wall time and peak RSS.

Run: python tests/benchmarks/bench_meta.py [--repeats N]   (not collected by pytest)

Each command runs in its own process (``os.wait4`` gives that child's peak RSS), alternating, so machine
load hits all alike; the medians of ``--repeats`` runs are printed with the largest peak RSS. Side by side:

* ``costcalc analyze tests/analyze_models/llama.py:Llama --input 1,2048:int64 --meta --summary`` (the table;
  no counters) and the same with ``--format json`` (which also runs FlopCounterMode and fvcore);
* the Python API, ``costcalc.analyze`` on the model built under ``torch.device("meta")``;
* ``FlopCounterMode`` alone on the same meta model, for reference (a peer that does less: no per-module
  rows, no attribution of every operator).

The target (issue 18): at most 15 s and 1 GiB peak RSS end to end. A real build of the model would need
27 GB of float32 weights.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COSTCALC = [sys.executable, "-m", "costcalc"]
TARGET = "tests/analyze_models/llama.py:Llama"
BUILD = ("import sys, torch; sys.path.insert(0, 'tests'); from analyze_models.llama import Llama\n"
         "with torch.device('meta'): model = Llama()\n"
         "x = torch.zeros(1, 2048, dtype=torch.int64, device='meta')\n")
COMMANDS = {
    "analyze --meta --summary": [*COSTCALC, "analyze", TARGET, "--input", "1,2048:int64", "--meta", "--summary"],
    "analyze --meta --format json": [*COSTCALC, "analyze", TARGET, "--input", "1,2048:int64", "--meta",
                                     "--format", "json"],
    "costcalc.analyze (API)": [sys.executable, "-c", BUILD + "import costcalc\n"
                               "assert costcalc.analyze(model, x).macs == 14_630_806_093_824"],
    "FlopCounterMode alone": [sys.executable, "-c", BUILD + "from torch.utils.flop_counter import FlopCounterMode\n"
                              "with FlopCounterMode(display=False) as counter: model(x)\n"
                              "assert counter.get_total_flops() == 2 * 14_630_806_093_824"],
}


def run(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (bytes) of one child process; it must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    error = child.stderr.read().decode()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{error}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    peaks: dict[str, int] = dict.fromkeys(COMMANDS, 0)
    for _ in range(options.repeats):
        for name, command in COMMANDS.items():
            wall, cpu, peak = run(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
            peaks[name] = max(peaks[name], peak)
    base = statistics.median(walls["FlopCounterMode alone"])
    print(f"Llama-7B shape (6,738,415,616 params), 1×2048 tokens on meta; median of {options.repeats} runs, "
          f"each in its own process (os.cpu_count() = {os.cpu_count()})")
    print(f"load average {os.getloadavg()[0]:.1f}: wall time grows with it, CPU time much less")
    print(f"{'':32} {'median wall':>12} {'× FlopCounterMode':>18} {'median CPU':>11} {'peak RSS':>10}")
    for name in COMMANDS:
        median = statistics.median(walls[name])
        print(f"{name:32} {median:>10.2f} s {median / base:>17.2f}× {statistics.median(cpus[name]):>9.2f} s "
              f"{peaks[name] / 2**20:>6.0f} MiB")
    cli = [name for name in COMMANDS if name.startswith("analyze")]
    worst = max(statistics.median(walls[name]) for name in cli)
    worst_cpu = max(statistics.median(cpus[name]) for name in cli)
    worst_rss = max(peaks[name] for name in cli)
    print(f"CLI --meta: at most {worst:.2f} s wall ({worst_cpu:.2f} s CPU) and {worst_rss / 2**20:.0f} MiB; target "
          f"≤ 15 s and ≤ 1024 MiB: {'met' if worst <= 15 and worst_rss <= 2**30 else 'NOT met'} on wall time, "
          f"{'met' if worst_cpu <= 15 and worst_rss <= 2**30 else 'NOT met'} on CPU time")

if __name__ == "__main__":
    main()
