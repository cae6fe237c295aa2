"""User-defined YAML networks (``costcalc model --config``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.configs import ConfigError
from costcalc.cost import cost
from costcalc.netconfig import FIELDS, UNSUPPORTED, load_network
from costcalc.registry import KINDS
from costcalc.zoo.mobilenet_v1 import mobilenet_v1

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "configs" / "models").glob("*.yaml"))

MOBILENET_025_128 = """\
name: mobilenet-0.25-128
input: 3x128x128
layers:
  - {kind: conv, name: conv1, out: 8, stride: 2, bn: true, act: relu}
  - {kind: separable, out: 16}
  - {kind: separable, out: 32, stride: 2, repeat: 2}
  - {kind: separable, out: 64, stride: 2, repeat: 2}
  - {kind: separable, out: 128, stride: 2, repeat: 6}
  - {kind: separable, out: 256, stride: 2, repeat: 2}
  - {kind: global_avgpool}
  - {kind: flatten}
  - {kind: linear, out: 1000}
"""


def write(tmp_path, text, name="net.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_registry_kind_is_parsed_or_explained():
    assert {kind.name for kind in KINDS} == set(FIELDS) | set(UNSUPPORTED)


def test_examples_exist_and_load():
    assert len(EXAMPLES) >= 2
    for path in EXAMPLES:
        network = load_network(str(path))
        assert cost(network.body, network.input_shape).macs > 0


def test_yaml_mobilenet_equals_zoo(tmp_path):
    network = load_network(str(write(tmp_path, MOBILENET_025_128)))
    ours = cost(network.body, network.input_shape)
    zoo = mobilenet_v1(0.25, 128)
    reference = cost(zoo.body, zoo.input_shape)
    assert (ours.macs, ours.params, ours.output) == (reference.macs, reference.params, reference.output)


def test_repeat_names_and_strides(tmp_path):
    network = load_network(str(write(tmp_path, MOBILENET_025_128)))
    names = [name for name, _ in network.body.children]
    assert "separable3_1" in names and "separable3_2" in names
    strides = [child.stride for name, child in network.body.children if name.startswith("separable3")]
    assert strides == [(2, 2), (1, 1)]


@pytest.mark.parametrize("text, fragment, line", [
    ("input: 3x32x32\nlayers:\n  - {kind: conv, out: 8}\n  - {kind: convolution, out: 8}\n",
     "unknown kind 'convolution'", 4),
    ("input: 3x32x32\nlayers:\n  - {kind: conv, out: 8, colour: red}\n", "unknown key 'colour' in a conv layer", 3),
    ("input: 3x32x32\nwidth: 2\nlayers:\n  - {kind: conv, out: 8}\n", "unknown key 'width'", 2),
    ("input: 3x32\nlayers:\n  - {kind: conv, out: 8}\n", "input must be C×H×W", 1),
    ("input: 3x32x32\nlayers:\n  - {kind: conv, out: 8}\n  - {kind: grouped_pointwise, out: 12, groups: 5}\n",
     "groups=5 does not divide", 4),
    ("input: 3x8x8\nlayers:\n  - {kind: conv, out: 8, kernel: 11, padding: 0}\n", "larger than the padded input", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: linear, out: 10}\n", "Linear needs a flattened", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: add}\n", "cannot be a layer of its own", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: separable, out: 8, repeat: 0}\n", "repeat must be a positive integer", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: conv}\n", "conv needs out", 3),
    ("input: 3x8x8\nlayers: [\n", "malformed YAML", None),
])
def test_errors_name_file_and_line(tmp_path, text, fragment, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_network(str(path))
    message = str(error.value)
    assert fragment in message
    if line is not None:
        assert message.startswith(f"{path}:{line}:")


def test_cli_config(run, tmp_path):
    data = run.json("model", "--config", str(write(tmp_path, MOBILENET_025_128)))
    assert data["model"] == "mobilenet-0.25-128" and data["totals"]["params"] == 470_072
    assert data["published"] == []


def test_cli_config_errors(run, tmp_path):
    path = write(tmp_path, "input: 3x32x32\nlayers:\n  - {kind: conv, out: 8, colour: red}\n")
    assert f"{path}:3" in run.error("model", "--config", str(path))
    assert "--alpha do not apply to --config" in run.error("model", "--config", str(path), "--alpha", "0.5")
    assert "cannot read config" in run.error("model", "--config", str(tmp_path / "missing.yaml"))


def test_golden_tiny_shufflenet(run, golden):
    golden("model_tiny_shufflenet.txt",
           run("model", "--config", str(ROOT / "configs/models/tiny_shufflenet.yaml"), "--summary").stdout)
