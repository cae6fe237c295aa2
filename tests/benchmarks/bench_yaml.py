"""Loading and costing a 100,000-layer YAML network: the one-pass bounded loader against PyYAML.

Run: ``python tests/benchmarks/bench_yaml.py [--layers 100000] [--old-layers 10000]``. Writes two
networks of ``--layers`` entries: alternating conv (with batch norm and ReLU) and depthwise layers
as a generator writes them (few distinct entries), and the same with every conv's width different
(no entry repeats), then times, in one run:

- ``ConfigFile`` (libyaml events straight to values: one parse, every bound checked);
- reading libyaml's events and nothing else: the floor of any loader built on PyYAML's parser;
- ``yaml.load`` with ``CSafeLoader`` (libyaml, PyYAML's own composer and constructor, no bounds);
- the loading it replaced: ``yaml.safe_load`` plus ``yaml.compose`` with the pure-Python
  ``SafeLoader`` (two parses), on ``--old-layers`` layers and scaled linearly to ``--layers``;
- the whole ``costcalc model --config FILE --format json`` command on each network, and the table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from timing import timed

from costcalc.config.config_file import ConfigFile


def network(layers: int, unique: bool = False) -> str:
    """``layers`` entries: conv+BN+ReLU and depthwise in turn; ``unique`` gives every conv its own width."""
    rows = ["name: big", "input: 8x8x8" if not unique else "input: 8x4x4", "layers:"]
    rows += [f"  - {{kind: conv, out: {8 + index // 2 if unique else 8}, kernel: 3, bn: true, act: relu}}"
             if index % 2 == 0 else "  - {kind: depthwise, kernel: 3}" for index in range(layers)]
    return "\n".join(rows) + "\n"


def events_only(text: str) -> None:
    loader = yaml.CSafeLoader(text)
    while type(loader.get_event()) is not yaml.StreamEndEvent:
        pass
    loader.dispose()


def command(path: Path, *options: str) -> float:
    return timed(lambda: subprocess.run([sys.executable, "-m", "costcalc", "model", "--config", str(path), *options],
                                        check=True, stdout=subprocess.DEVNULL))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=100_000)
    parser.add_argument("--old-layers", type=int, default=10_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        big, unique, small = (Path(directory) / name for name in ("big.yaml", "unique.yaml", "small.yaml"))
        big.write_text(network(arguments.layers), encoding="utf-8")
        unique.write_text(network(arguments.layers, unique=True), encoding="utf-8")
        small.write_text(network(arguments.old_layers), encoding="utf-8")
        text, small_text = big.read_text(encoding="utf-8"), small.read_text(encoding="utf-8")
        scale = arguments.layers / arguments.old_layers
        ours = timed(lambda: ConfigFile(big))
        events = timed(lambda: events_only(text))
        pyyaml = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
        old = timed(lambda: (yaml.safe_load(small_text), yaml.compose(small_text, Loader=yaml.SafeLoader))) * scale
        whole, whole_unique, table = command(big, "--format", "json"), command(unique, "--format", "json"), command(big)
    print(f"{arguments.layers:,} layers, {len(text) / 2**20:.1f} MiB")
    print(f"  libyaml events alone (the floor)              {events:8.2f} s")
    print(f"  ConfigFile (one libyaml pass, bounded)        {ours:8.2f} s   ours / floor = {ours / events:.2f}×")
    print(f"  yaml.load CSafeLoader (PyYAML's, no bounds)   {pyyaml:8.2f} s   PyYAML / ours = {pyyaml / ours:.2f}×")
    print(f"  safe_load + compose, pure Python (before)     {old:8.2f} s   before / ours = {old / ours:.1f}×   "
          f"(measured on {arguments.old_layers:,} layers × {scale:g})")
    print(f"  costcalc model --config --format json         {whole:8.2f} s   "
          f"command / yaml.load CSafeLoader = {whole / pyyaml:.2f}×")
    print(f"    the same, no entry repeated                 {whole_unique:8.2f} s")
    print(f"    the first network as a table                {table:8.2f} s")


if __name__ == "__main__":
    main()
