"""User-defined YAML networks (``costcalc model --config``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.config.config_file import ConfigError
from costcalc.config.network_file import PARSED, load_network
from costcalc.engine.cost import cost
from costcalc.engine.kinds import KINDS
from costcalc.engine.zoo.mobilenet_v1 import mobilenet_v1

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
    assert {kind.name for kind in KINDS} == set(PARSED) | {"add", "concat"}


# Hand-derived totals of the example files (MACs = conv + linear; params include BN γ, β and biases).
# tiny_mobilenet, 3×96×96: stem 3→16 s2 (48²·16·27 = 995,328; 432 + BN 32); separable blocks
# (depthwise Df²·M·9 + pointwise Df²·M·N; params 9M + MN + BN 2M + 2N):
#   ds1 16→32 @48²: 331,776 + 1,179,648 = 1,511,424; 752      ds2_1 32→64 s2 @24²: 165,888 + 1,179,648; 2,528
#   ds2_2 64→64 @24²: 331,776 + 2,359,296; 4,928              ds3_1 64→128 s2 @12²: 82,944 + 1,179,648; 9,152
#   ds3_2 128→128 @12²: 165,888 + 2,359,296; 18,048           ds4 128→256 s2 @6²: 41,472 + 1,179,648; 34,688
#   fc 256→10: 2,560; 2,570  → 11,554,816 MACs, 73,130 params.
# tiny_shufflenet, 3×64×64, g = 4: conv1 3→16 s2 (32²·16·27 = 442,368; 464), max pool → 16²;
#   stage2_first 16→128 s2, m = 32, ungrouped 1×1: 16²·16·32 + 8²·32·9 + 8²·(32/4)·112 = 206,848; 2,048
#   stage2 ×2, 128→128 @8², m = 32: 2 × (8²·(128/4)·32 + 8²·32·9 + 8²·(32/4)·128) = 299,008; 2 × 2,720
#   stage3_1 128→256 s2, m = 64: 8²·32·64 + 4²·64·9 + 4²·16·128 = 173,056; 5,184
#   stage3 ×2, 256→256 @4²: 2 × (4²·64·64 + 4²·64·9 + 4²·16·256) = 280,576; 2 × 9,536
#   fc 256→100 without bias: 25,600; 25,600  → 1,427,456 MACs, 57,808 params.
# tiny_successors, 3×64×64: stem 3→16 s2 (32²·16·27 = 442,368; 464); res1, two 3×3 16→16 @32² + add
#   (2 × 2,359,296; 2 × 2,304 + 2 BN × 32 = 4,672); ir1_1 16→24 t6 s2: 32²·16·96 + 16²·96·9 + 16²·96·24 =
#   2,383,872; 1,536 + 864 + 2,304 + BN 432 = 5,136; ir1_2 24→24 t6 @16²: 256·(24·144·2 + 144·9) = 2,101,248;
#   8,832; ir2 24→40 t4 5×5 s2, SE 96→16→96: 16²·24·96 + 8²·96·25 + 2·96·16 + 8²·96·40 = 992,256;
#   2,304 + 2,400 + 1,552 + 1,632 + 3,840 + BN 464 = 12,192; stage_1 40→80 s2 (both branches, 40 each):
#   4²·40·9 + 4²·40·40 + 8²·40·40 + 4²·40·9 + 4²·40·40 = 165,120; 5,920; stage_2, stage_3 80→80 @4² on the
#   40-channel half: 2 × 4²·(2·40² + 9·40) = 113,920; 2 × 3,800; fc 80→10: 800; 810
#   → 10,918,176 MACs, 45,626 params.
EXPECTED = {"tiny_mobilenet": (11_554_816, 73_130, (10, 1, 1)),
            "tiny_shufflenet": (1_427_456, 57_808, (100, 1, 1)),
            "tiny_successors": (10_918_176, 45_626, (10, 1, 1))}


def test_examples_exist_and_load():
    assert {path.stem for path in EXAMPLES} >= set(EXPECTED)
    for path in EXAMPLES:
        network = load_network(str(path))
        result = cost(network.body, network.input_shape)
        if path.stem in EXPECTED:
            assert (result.macs, result.params, tuple(result.output)) == EXPECTED[path.stem], path.name
        else:
            assert result.macs > 0


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
    ("input: 3x8x8\nlayers:\n  - {kind: separable, out: 8, repeat: 0}\n",
     "repeat must be an integer from 1 to 100,000", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: conv}\n", "conv needs out", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: residual}\n", "residual needs layers", 3),
    ("input: 3x8x8\nlayers:\n  - kind: residual\n    layers:\n      - {kind: conv, out: 4}\n",
     "cannot add paths of shapes 4×8×8, 3×8×8", 3),
    ("input: 3x8x8\nlayers:\n  - kind: residual\n    layers:\n      - {kind: conv, colour: 4}\n",
     "unknown key 'colour'", 5),
    ("input: 3x8x8\nlayers:\n  - {kind: inverted_residual, out: 8, se: -1}\n", "se_channels must be an integer ≥ 0", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: inverted_residual, out: 8, activation: gelu}\n",
     "activation must be one of", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: shufflenet_v2_unit, out: 8}\n", "must equal out_channels (8)", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: split, parts: 2}\n", "needs channels divisible by 2", 3),
    ("input: 3x8x8\nlayers:\n  - {kind: inverted_residal, out: 8}\n", "did you mean 'inverted_residual'?", 3),
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
    assert "--alpha does not apply to --config" in run.error("model", "--config", str(path), "--alpha", "0.5")
    assert "cannot read config" in run.error("model", "--config", str(tmp_path / "missing.yaml"))


def test_golden_tiny_shufflenet(run, golden):
    golden("model_tiny_shufflenet.txt",
           run("model", "--config", str(ROOT / "configs/models/tiny_shufflenet.yaml"), "--summary").stdout)


@pytest.mark.parametrize("layer, fragment", [
    ("{kind: [conv], out: 8}", "kind must be a name, one of conv, depthwise, "),
    ("{kind: {conv: 1}, out: 8}", "got {'conv': 1}"),
    ("{kind: shuffle_unit, out: 16, groups: 4, stride: [2, 1]}",
     "shuffle_unit takes one stride for both sides (N or [N, N]), got [2, 1]"),
    ("{kind: bottleneck, out: 16, bottleneck: 4, stride: 1x2, shortcut: projection}",
     "bottleneck takes one stride for both sides (N or [N, N]), got '1x2'"),
])
def test_cli_rejects_non_string_kinds_and_unequal_block_strides(run, tmp_path, layer, fragment):
    path = write(tmp_path, f"input: 8x16x16\nlayers:\n  - {{kind: conv, out: 8}}\n  - {layer}\n")
    error = run.error("model", "--config", str(path))
    assert error.startswith(f"Error: {path}:4: ") and fragment in error, error


@pytest.mark.parametrize("layer", ["{kind: shuffle_unit, out: 16, groups: 4, stride: STRIDE}",
                                   "{kind: bottleneck, out: 16, bottleneck: 4, stride: STRIDE, shortcut: projection}"])
def test_block_stride_accepts_an_int_or_an_equal_pair(tmp_path, layer):
    results = set()
    for stride in ("2", "[2, 2]", "2x2"):
        text = f"input: 8x16x16\nlayers:\n  - {layer.replace('STRIDE', stride)}\n"
        network = load_network(str(write(tmp_path, text)))
        result = cost(network.body, network.input_shape)
        results.add((result.macs, result.params, tuple(result.output)))
    assert len(results) == 1 and next(iter(results))[2] == (16, 8, 8)


def test_nested_residual_equals_the_same_block_written_in_python(tmp_path):
    from costcalc.engine import specs as S

    path = write(tmp_path, "input: 8x10x10\nlayers:\n  - kind: residual\n    name: res\n    layers:\n"
                           "      - {kind: conv, name: a, out: 8, bn: true, act: swish}\n"
                           "      - {kind: conv, name: b, out: 8}\n"
                           "    shortcut:\n      - {kind: pointwise, name: proj, out: 8}\n")
    network = load_network(str(path))
    body = S.sequence(*S.conv_bn_act("a", S.Conv2d(8, 8, 3), "swish"), ("b", S.Conv2d(8, 8, 3)))
    expected = S.Residual(body, S.sequence(("proj", S.pointwise(8, 8))))
    assert network.body == S.sequence(("res", expected))
    report = cost(network.body, network.input_shape)
    assert report.macs == 2 * 100 * 8 * 8 * 9 + 100 * 64 and report.other_ops["add"] == 800


def test_inverted_residual_yaml_keys(tmp_path):
    from costcalc.engine import specs as S

    path = write(tmp_path, "input: 16x14x14\nlayers:\n  - {kind: inverted_residual, name: ir, out: 16, expanded: 72, "
                           "kernel: 5, se: 24, se_gate: hardsigmoid, activation: hardswish, repeat: 2}\n")
    children = dict(load_network(str(path)).body.children)
    assert children["ir_2"] == S.InvertedResidual(16, 16, kernel_size=5, activation="hardswish", se_channels=24,
                                                  se_gate="hardsigmoid", expanded_channels=72)


def test_entries_written_again_share_their_specs(tmp_path):
    """An entry repeated on the same shape is built once (names aside); the costs are those of each written alone."""
    text = "input: 8x8x8\nlayers:\n" + "".join(f"  - {{kind: conv, out: 8, bn: true, act: relu, name: c{index}}}\n"
                                               f"  - {{kind: depthwise, kernel: 3}}\n" for index in range(3))
    network = load_network(str(write(tmp_path, text)))
    children = dict(network.body.children)
    assert children["c0"] is children["c1"] is children["c2"] and children["depthwise1"] is children["depthwise3"]
    assert list(children)[:4] == ["c0", "c0_bn", "c0_act", "depthwise1"]
    assert cost(network.body, network.input_shape).macs == 3 * (8 * 8 * 8 * 8 * 9 + 8 * 8 * 8 * 9)


@pytest.mark.parametrize("second, fragment", [
    ("{kind: conv, out: 3, bn: 1}", "bn must be true or false, got 1"),
    ("{kind: conv, out: 3.0, bn: true}", "out_channels must be an integer ≥ 1, got 3.0"),
])
def test_an_entry_equal_but_for_its_types_is_checked_again(tmp_path, second, fragment):
    """``bn: 1`` equals ``bn: true`` and ``3.0`` equals ``3`` in Python: the built-once memo keys on types too."""
    path = write(tmp_path, f"input: 3x8x8\nlayers:\n  - {{kind: conv, out: 3, bn: true}}\n  - {second}\n")
    with pytest.raises(ConfigError) as error:
        load_network(str(path))
    assert str(error.value).startswith(f"{path}:4:") and fragment in str(error.value)


@pytest.mark.parametrize("written", ["3x8x8²", "١٢x8x8", "３x８x８", "3x8x" + "9" * 19])
def test_input_sizes_are_ascii_numbers(tmp_path, written):
    """The number rule of every option holds for ``input:`` too: ASCII digits, at most 18 of them."""
    path = write(tmp_path, f"input: {written}\nlayers:\n  - {{kind: conv, out: 8}}\n")
    with pytest.raises(ConfigError, match="input must be C×H×W"):
        load_network(str(path))


def test_repeats_that_multiply_are_bounded(tmp_path, monkeypatch):
    """``repeat`` is bounded per entry, and the layers a file makes in all (MAX_LAYERS, here lowered to 1,000 to
    keep the test quick): eleven lines of 100 repeats, or a repeated block around a repeated list, are refused
    at the line that goes over."""
    from costcalc.config import network_file as netconfig

    monkeypatch.setattr(netconfig, "MAX_LAYERS", 1_000)
    many = "input: 8x8x8\nlayers:\n" + "  - {kind: depthwise, kernel: 3, repeat: 100}\n" * 11
    with pytest.raises(ConfigError, match=r":13: the network makes more than 1,000 layers"):
        load_network(str(write(tmp_path, many)))
    nested = ("input: 8x8x8\nlayers:\n  - kind: residual\n    repeat: 20\n"
              "    layers: [{kind: depthwise, kernel: 3, repeat: 100}]\n")
    with pytest.raises(ConfigError, match=":5: the network makes more than 1,000 layers"):
        load_network(str(write(tmp_path, nested)))
    exactly = "input: 8x8x8\nlayers:\n" + "  - {kind: depthwise, kernel: 3, repeat: 100}\n" * 10
    assert len(load_network(str(write(tmp_path, exactly))).body.children) == 1_000
