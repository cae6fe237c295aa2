"""The memory guard's per-layer overhead (:data:`costcalc.measure.guard.LAYER_OVERHEAD`), measured.

Runs ``costcalc model --config NET --verify`` (modules built, counted by fvcore, FlopCounterMode and the
recorder) in a fresh process for networks of tiny layers (8-channel 3×3 convolutions on 8×8 maps, so weights
and activations are negligible) and reports the growth of peak RSS per layer between the smallest and the
largest network, beside the guard's constant.

Run: python tests/benchmarks/bench_guard_overhead.py [--layers 500 4000]   (not collected by pytest)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = ("import resource, sys; from costcalc.cli import cli\n"
         "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, file=sys.stderr)")


def peak_rss(layers: int, folder: Path) -> int:
    """Peak RSS in bytes of one ``--verify`` run on a network of ``layers`` convolutions."""
    network = folder / f"net{layers}.yaml"
    network.write_text(f"input: 3x8x8\nlayers:\n  - {{kind: conv, out: 8}}\n"
                       f"  - {{kind: conv, out: 8, repeat: {layers - 1}}}\n")
    done = subprocess.run([sys.executable, "-c", CHILD, "model", "--config", str(network), "--verify",
                           "--format", "json"], capture_output=True, text=True, check=True)
    return int(done.stderr.strip().splitlines()[-1])


def main() -> None:
    from costcalc.measure.guard import LAYER_OVERHEAD

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs=2, default=[500, 4000])
    small, large = parser.parse_args().layers
    with tempfile.TemporaryDirectory() as folder:
        low, high = peak_rss(small, Path(folder)), peak_rss(large, Path(folder))
    per_layer = (high - low) / (large - small)
    print(f"peak RSS: {low / 2**20:.0f} MiB at {small} layers, {high / 2**20:.0f} MiB at {large} layers")
    print(f"per layer: {per_layer / 1024:.0f} KiB measured; the guard counts {LAYER_OVERHEAD // 1024} KiB "
          f"(ratio {LAYER_OVERHEAD / per_layer:.2f})")


if __name__ == "__main__":
    main()
