"""The analytic path never imports torch (nor fvcore, nor matplotlib)."""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "fvcore", "matplotlib", "numpy")

PROBE = """
import json, sys
from click.testing import CliRunner
import costcalc
from costcalc.cli import cli
result = CliRunner().invoke(cli, {args!r})
print(json.dumps({{"exit": result.exit_code, "loaded": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""

ANALYTIC_COMMANDS = [
    ["compare", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14"],
    ["compare", "--config", "configs/layers/effnet_cifar.yaml", "--format", "json"],
    ["list"],
    ["model", "mobilenet", "--alpha", "0.5", "--res", "128"],
    ["model", "shufflenet", "--groups", "3", "--format", "json"],
    ["model", "effnet"],
]


def probe(args: list[str]) -> dict:
    output = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_import_costcalc_loads_no_heavy_module():
    output = subprocess.run([sys.executable, "-c", f"import sys, costcalc, costcalc.cli; "
                             f"print([m for m in {HEAVY!r} if m in sys.modules])"],
                            capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


@pytest.mark.parametrize("args", ANALYTIC_COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_analytic_commands_never_import_torch(args):
    outcome = probe(args)
    assert outcome == {"exit": 0, "loaded": []}
