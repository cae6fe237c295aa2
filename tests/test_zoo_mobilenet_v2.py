"""MobileNetV2 (Sandler et al. 2018) as torchvision defines it: exact params, the paper's MACs, rounding."""

from fractions import Fraction

import pytest

from costcalc.engine import zoo
from costcalc.engine.cost import cost
from costcalc.engine.specs import InvertedResidual, Shape, SpecError
from costcalc.engine.zoo.mobilenet_v2 import make_divisible, mobilenet_v2


def report(alpha: float = 1.0, res: int = 224, classes: int = 1000):
    network = mobilenet_v2(alpha, res, classes)
    return cost(network.body, network.input_shape)


def test_torchvision_params_exactly_and_paper_macs_to_rounding():
    ours = report()
    assert ours.params == 3_504_872  # torchvision mobilenet_v2
    assert ours.macs == 300_774_272  # Table 4: 300 M
    # Table 4 prints 300 M / 3.4 M: truncated, not rounded (300.77 M, 3.50 M) — said in the row's note
    assert int(ours.macs / 1e6) == 300
    rows = zoo.find("mobilenet_v2").published({"alpha": 1.0, "res": 224, "classes": 1000})
    assert [row.agrees(ours.params) for row in rows if row.quantity == "params"] == [True, False]
    assert all("truncates" in row.note for row in rows if row.source.startswith("Sandler"))


def test_1_4_counts_what_tf_slim_publishes_not_the_paper():
    ours = report(1.4)
    assert round(ours.macs / 1e6) == 582 and round(ours.params / 1e4) / 100 == 6.11  # TF-slim 582 M; paper 585 / 6.9
    rows = {(row.source, row.quantity): row for row in zoo.find("mobilenet_v2").published(
        {"alpha": 1.4, "res": 224, "classes": 1000})}
    assert rows[("Sandler et al. 2018, Table 4", "macs")].agrees(ours.macs) is False
    assert "≈ 582 M" in rows[("Sandler et al. 2018, Table 4", "macs")].note


@pytest.mark.parametrize("value, expected", [
    (32, 32), (Fraction(32 * 35, 100), 16), (Fraction(16 * 35, 100), 8), (Fraction(24 * 75, 100), 24),
    (Fraction(96 * 14, 10), 136), (Fraction(1280 * 14, 10), 1792), (4, 8), (Fraction(44), 48),
    (Fraction(1761, 10), 176),
])
def test_make_divisible_is_torchvisions_rounding(value, expected):
    assert make_divisible(value) == expected


def test_table_2_layout():
    network = mobilenet_v2()
    blocks = [child for _, child in network.body.children if isinstance(child, InvertedResidual)]
    assert len(blocks) == 17
    assert [block.stride for block in blocks].count(2) == 4
    assert sum(block.residual for block in blocks) == 10
    assert blocks[0].expanded_channels == 32  # t = 1: no expansion layer
    assert "expand" not in dict(blocks[0].expand().children)
    assert cost(network.body, network.input_shape).output == (1000, 1, 1)


def test_last_conv_keeps_1280_below_alpha_1():
    network = mobilenet_v2(0.5)
    names = dict(network.body.children)
    assert names["conv_last"].out_channels == 1280 and names["fc"].in_features == 1280
    assert dict(mobilenet_v2(1.4).body.children)["conv_last"].out_channels == 1792


def test_one_block_by_hand():
    # block4 of 1.0-224: 24 → 32, t = 6, stride 2 on 56×56 → 28×28:
    # expand 24·144·56² + depthwise 9·144·28² + project 144·32·28²
    block = dict(mobilenet_v2().body.children)["block4"]
    assert (block.in_channels, block.out_channels, block.stride) == (24, 32, 2)
    ours = cost(block, Shape(24, 56, 56))
    assert ours.macs == 24 * 144 * 56 * 56 + 9 * 144 * 28 * 28 + 144 * 32 * 28 * 28
    assert ours.params == 24 * 144 + 9 * 144 + 144 * 32 + 2 * (144 + 144 + 32)


def test_params_do_not_depend_on_resolution_and_any_res_runs():
    assert report(0.75, 224).params == report(0.75, 97).params == report(0.75, 1).params


@pytest.mark.parametrize("kwargs, fragment", [
    ({"alpha": 0}, "alpha must be a number in (0, 2]"), ({"res": 0}, "res must be an integer ≥ 1"),
    ({"classes": 0}, "classes must be a positive integer"),
])
def test_bad_options(kwargs, fragment):
    with pytest.raises(SpecError) as error:
        mobilenet_v2(**kwargs)
    assert fragment in str(error.value)


def test_tf_slim_1_4_counts_weights_only():
    options = {"alpha": 1.4, "res": 224, "classes": 1000}
    ours = report(1.4)
    rows = [row for row in zoo.find("mobilenet_v2").published(options) if row.source.startswith("TF-slim")]
    assert [(row.quantity, row.value, row.agrees(getattr(ours, row.quantity))) for row in rows] == [
        ("macs", "582", True), ("weights", "6.06", True)]
