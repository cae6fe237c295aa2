"""Start-up time of analytic commands against a bare ``import click, rich.console, rich.table``.

Run: ``python tests/benchmarks/bench_startup.py [--repeats 15]``. Both are timed side by side in
one run, interleaved so machine load hits both alike; the report gives medians and the ratio
(target: at most 1.5×). Each table command is timed twice: piped (stdout a pipe, where tables are
built directly without rich) and on a terminal (stdout a pseudo-terminal, where rich draws them).

The package is byte-compiled first (``compileall``), as ``pip install`` does: click and rich come
pre-compiled from their wheels, and with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) an
editable checkout would otherwise be re-compiled from source on every start.
"""

from __future__ import annotations

import argparse
import compileall
import os
import pty
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


TERMINAL = {"compare (table)", "model mobilenet 0.5-128", "model shufflenet g3"}


def wall_time(command: list[str], terminal: bool = False) -> float:
    """Seconds to run ``command`` with stdout piped, or on a pseudo-terminal (read until it closes)."""
    start = time.perf_counter()
    if not terminal:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    parent, child = pty.openpty()
    process = subprocess.Popen(command, stdout=child, stderr=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "250"})
    os.close(child)
    try:
        while os.read(parent, 65536):
            pass
    except OSError:  # the terminal closes with the process
        pass
    os.close(parent)
    if process.wait():
        raise subprocess.CalledProcessError(process.returncode, command)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    arguments = parser.parse_args()
    import costcalc

    compileall.compile_dir(costcalc.__path__[0], quiet=1)
    wall_time(BASELINE)  # warm the file cache
    print(f"{'command':38} {'median s':>9} {'baseline s':>10} {'ratio':>6}")
    runs = [(label, args, False) for label, args in COMMANDS.items()]
    runs += [(f"{label} [terminal]", COMMANDS[label], True) for label in COMMANDS if label in TERMINAL]
    for label, args, terminal in runs:
        command = [sys.executable, "-m", "costcalc", *args]
        try:
            wall_time(command, terminal)
        except subprocess.CalledProcessError:
            print(f"{label:28} (command failed; skipped)")
            continue
        ours, baseline = [], []
        for _ in range(arguments.repeats):
            baseline.append(wall_time(BASELINE))
            ours.append(wall_time(command, terminal))
        ours_median, baseline_median = statistics.median(ours), statistics.median(baseline)
        print(f"{label:38} {ours_median:9.3f} {baseline_median:10.3f} {ours_median / baseline_median:6.2f}×")


if __name__ == "__main__":
    main()
