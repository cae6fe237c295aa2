"""MobileNetV3 (Howard et al. 2019) as torchvision defines it: exact params, Table 3 MACs, SE and hard-swish."""

import pytest

from costcalc.engine import zoo
from costcalc.engine.cost import cost
from costcalc.engine.specs import Activation, Shape, SpecError
from costcalc.engine.zoo.mobilenet_v3 import mobilenet_v3

ENTRY = zoo.find("mobilenet_v3")


def report(size: str = "large", alpha: float = 1.0, res: int = 224, classes: int = 1000):
    network = mobilenet_v3(size, alpha, res, classes)
    return cost(network.body, network.input_shape)


@pytest.mark.parametrize("size, params, macs, paper", [
    ("large", 5_483_032, 216_589_760, "219"),  # torchvision's docs: 0.22 GFLOPS
    ("small", 2_542_856, 56_510_400, "56"),
])
def test_torchvision_params_exactly(size, params, macs, paper):
    ours = report(size)
    assert (ours.params, ours.macs) == (params, macs)
    table_3 = [row for row in ENTRY.published({"size": size, "alpha": 1.0, "res": 224, "classes": 1000})
               if row.quantity == "macs"][0]
    assert table_3.value == paper
    # Table 3 truncates small's 56.51 M to 56 (agreement, said as "truncated"); 219 is 1.1 % above large's
    # 216.59 M, neither rounded nor truncated: each row's note says so
    assert table_3.agreement(macs) == {"large": None, "small": "truncated"}[size]
    assert table_3.agrees(macs) is (size == "small")
    assert {"large": "1.1 % higher", "small": "truncates"}[size] in table_3.note


@pytest.mark.parametrize("value, ours, agreement", [
    ("5.4", 5_483_032, "truncated"),  # the paper's params for large: 5.483 cut to one decimal
    ("5.5", 5_483_032, "rounded"),    # 5.483 rounded to one decimal
    ("5.48", 5_483_032, "rounded"),
    ("5.3", 5_483_032, None),         # neither: 5.483 → 5.5 rounded, 5.4 cut
    ("2.5", 2_542_856, "rounded"),    # small's params: 2.54 both rounds and cuts to 2.5; rounding is said
])
def test_truncation_and_rounding_agree(value, ours, agreement):
    published = zoo.Published("params", value, "test")
    assert published.agreement(ours) == agreement
    assert published.agrees(ours) is (agreement is not None)


def test_the_published_table_says_truncated(run):
    rows = run.json("model", "mobilenet_v3", "--size", "large")["published"]
    params = next(row for row in rows if row["quantity"] == "params" and row["published"] == "5.4")
    assert (params["agrees"], params["agreement"], params["ours_rounded"]) == (True, "truncated", "5.5")
    table = run("model", "mobilenet_v3", "--size", "large").stdout
    line = next(line for line in table.splitlines() if "│ params " in line and " 5.4 M " in line)
    assert "✓ truncated" in line and "✗" not in line


def test_alpha_0_75_thins_the_classifier_as_torchvision():
    network = mobilenet_v3("large", 0.75)
    layers = dict(network.body.children)
    assert (layers["fc1"].in_features, layers["fc1"].out_features) == (720, 960)
    assert "paper's 0.75 keeps the hidden layer" in ENTRY.published(dict(network.options))[0].note


def test_se_and_hard_swish_block_by_hand():
    # large block4: 24 → 40, 5×5 depthwise on 72 channels at stride 2 (56² → 28²), SE squeeze 24, ReLU
    block = dict(mobilenet_v3().body.children)["block4"]
    assert (block.in_channels, block.out_channels, block.expanded_channels, block.se_channels) == (24, 40, 72, 24)
    ours = cost(block, Shape(24, 56, 56))
    expand, dw, se, project = 24 * 72 * 56 * 56, 25 * 72 * 28 * 28, 2 * 72 * 24, 72 * 40 * 28 * 28
    assert ours.macs == expand + dw + se + project == 9_091_584
    assert ours.params == 1_728 + 1_800 + (1_728 + 24) + (1_728 + 72) + 2_880 + 2 * (72 + 72 + 40)
    assert ours.other_ops["scale"] == 72 * 28 * 28  # the channel-wise multiply: an other op, not a MAC
    gates = [layer.spec.function for layer in ours.layers if layer.name.endswith("gate")]
    assert gates == ["hardsigmoid"]


def test_hard_swish_where_table_1_says_hs():
    activations = [layer.spec.function for layer in report().layers if isinstance(layer.spec, Activation)]
    assert activations[0] == "hardswish" and activations[-1] == "hardswish"
    assert {"relu", "hardswish", "hardsigmoid"} == set(activations)


def test_published_accuracy():
    options = {"size": "small", "alpha": 1.0, "res": 224, "classes": 1000}
    assert [(row.top1, row.source.split(" (")[0]) for row in ENTRY.accuracy(options)] == [
        ("67.4", "Howard et al. 2019, Table 3"), ("67.5", "TF-slim mobilenet/README.md")]  # the paper first
    assert "66 M / 2.9 M / 67.5" in ENTRY.accuracy(options)[0].note
    assert zoo.top1(ENTRY, {**options, "size": "large", "alpha": 0.75}).top1 == "73.3"
    assert zoo.top1(ENTRY, {**options, "res": 192}) is None


@pytest.mark.parametrize("kwargs, fragment", [
    ({"size": "smal"}, "size must be one of large, small, got 'smal'; did you mean 'small'?"),
    ({"size": 3}, "size must be one of large, small, got 3"),
    ({"alpha": -1}, "alpha must be a number in (0, 2]"), ({"res": 0}, "res must be an integer ≥ 1"),
])
def test_bad_options(kwargs, fragment):
    with pytest.raises(SpecError) as error:
        mobilenet_v3(**kwargs)
    assert fragment in str(error.value)
