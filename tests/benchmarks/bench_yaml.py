"""Loading a 100,000-layer YAML network: the one-pass bounded loader against PyYAML's two passes.

Run: ``python tests/benchmarks/bench_yaml.py [--layers 100000] [--old-layers 10000]``. Writes a
network of alternating conv (with batch norm and ReLU) and depthwise layers, then times, in one run:

- ``ConfigFile`` (libyaml events, our composer and constructor: one parse, every bound checked);
- the loading it replaced: ``yaml.safe_load`` plus ``yaml.compose`` with the pure-Python
  ``SafeLoader`` (two parses), on ``--old-layers`` layers and scaled linearly to ``--layers``;
- ``yaml.load`` with ``CSafeLoader`` (libyaml, PyYAML's own composer, no bounds) as the floor;
- the whole ``costcalc model --config FILE --format json`` command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from costcalc.configs import ConfigFile

from timing import timed


def network(layers: int) -> str:
    rows = ["name: big", "input: 8x8x8", "layers:"]
    rows += ["  - {kind: conv, out: 8, kernel: 3, bn: true, act: relu}" if index % 2 == 0
             else "  - {kind: depthwise, kernel: 3}" for index in range(layers)]
    return "\n".join(rows) + "\n"



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=100_000)
    parser.add_argument("--old-layers", type=int, default=10_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        big, small = Path(directory) / "big.yaml", Path(directory) / "small.yaml"
        big.write_text(network(arguments.layers), encoding="utf-8")
        small.write_text(network(arguments.old_layers), encoding="utf-8")
        text, small_text = big.read_text(encoding="utf-8"), small.read_text(encoding="utf-8")
        scale = arguments.layers / arguments.old_layers
        ours = timed(lambda: ConfigFile(big))
        floor = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
        old = timed(lambda: (yaml.safe_load(small_text), yaml.compose(small_text, Loader=yaml.SafeLoader))) * scale
        command = timed(lambda: subprocess.run([sys.executable, "-m", "costcalc", "model", "--config", str(big),
                                                "--format", "json"], check=True, stdout=subprocess.DEVNULL))
    print(f"{arguments.layers:,} layers, {len(text) / 2**20:.1f} MiB")
    print(f"  ConfigFile (one libyaml parse, bounded)      {ours:8.2f} s")
    print(f"  yaml.load CSafeLoader (floor, no bounds)     {floor:8.2f} s   ours / floor = {ours / floor:.2f}×")
    print(f"  safe_load + compose, pure Python (before)    {old:8.2f} s   (measured on {arguments.old_layers:,} "
          f"layers × {scale:g})   before / ours = {old / ours:.1f}×")
    print(f"  costcalc model --config FILE --format json   {command:8.2f} s")


if __name__ == "__main__":
    main()
