"""EfficientNet B0…B7 (Tan & Le 2019) as torchvision defines them: exact params, compound scaling, SE, swish."""

import pytest

from costcalc.engine import zoo
from costcalc.engine.cost import cost
from costcalc.engine.specs import InvertedResidual, Shape, SpecError
from costcalc.engine.zoo.efficientnet import efficientnet

ENTRY = zoo.find("efficientnet")


@pytest.mark.parametrize("variant, res, params, macs, table_2, agrees, top1", [
    ("b0", 224, 5_288_548, 385_814_752, "0.39", True, "77.1"),
    ("b1", 240, 7_794_184, 686_802_832, "0.70", False, "79.1"),
    ("b2", 260, 9_109_994, 993_561_872, "1.0", True, "80.1"),
    ("b3", 300, 12_233_232, 1_827_141_392, "1.8", True, "81.6"),
    ("b4", 380, 19_341_616, 4_393_771_024, "4.2", False, "82.9"),
    ("b5", 456, 30_389_784, 10_266_384_752, "9.9", False, "83.6"),
    ("b6", 528, 43_040_704, 19_067_593_536, "19", True, "84.0"),
    ("b7", 600, 66_347_960, 37_745_884_192, "37", True, "84.3"),  # 37.75 G truncated to 37
])
def test_torchvision_params_exactly_at_native_resolution(variant, res, params, macs, table_2, agrees, top1):
    network = efficientnet(variant)
    ours = cost(network.body, network.input_shape)
    assert network.input_shape == (3, res, res)
    assert (ours.params, ours.macs) == (params, macs)
    paper = [row for row in ENTRY.published(dict(network.options)) if row.quantity == "macs"][0]
    assert paper.value == table_2 and paper.agrees(macs) is agrees
    assert agrees or "departs from this count" in paper.note
    assert paper.agreement(macs) == {"b6": "rounded", "b7": "truncated"}.get(variant, "rounded" if agrees else None)
    assert [row.top1 for row in ENTRY.accuracy(dict(network.options))][0] == top1


def test_depth_rounds_up_and_width_through_make_divisible():
    blocks = [child for _, child in efficientnet("b7").body.children if isinstance(child, InvertedResidual)]
    assert len(blocks) == sum(-(-n * 31 // 10) for n in (1, 2, 2, 3, 3, 4, 1)) == 55
    widths = sorted({child.out_channels for _, child in efficientnet("b4").body.children
                     if isinstance(child, InvertedResidual)})
    assert widths == [24, 32, 56, 112, 160, 272, 448]  # 16·1.4 = 22.4 → 24, 40·1.4 = 56, 192·1.4 = 268.8 → 272


def test_res_overrides_the_native_resolution_and_params_stay():
    network = efficientnet("b3", res=64)
    assert network.input_shape == (3, 64, 64) and network.options["res"] == 64
    assert cost(network.body, network.input_shape).params == 12_233_232
    assert ENTRY.accuracy(dict(network.options)) == []  # nothing published at 64: nothing shown


def test_variant_names_ignore_case():
    assert efficientnet("B3", res=32).options["variant"] == "b3"


def test_mbconv_block_by_hand():
    # B0 stage3_1: 24 → 40, t = 6 (144), 5×5 depthwise stride 2 on 56² → 28², SE squeeze max(1, 24 // 4) = 6
    block = dict(efficientnet().body.children)["stage3_1"]
    assert (block.expanded_channels, block.se_channels, block.kernel_size) == (144, 6, (5, 5))
    ours = cost(block, Shape(24, 56, 56))
    assert ours.macs == 24 * 144 * 56 * 56 + 25 * 144 * 28 * 28 + 2 * 144 * 6 + 144 * 40 * 28 * 28
    functions = {layer.spec.function for layer in ours.layers if layer.kind == "activation"}
    assert functions == {"swish", "sigmoid"}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"variant": "b8"}, "variant must be one of b0, b1, b2, b3, b4, b5, b6, b7, got 'b8'"),
    ({"variant": 0}, "got 0"),
    ({"res": 0}, "res must be an integer ≥ 1"),
])
def test_bad_options(kwargs, fragment):
    with pytest.raises(SpecError) as error:
        efficientnet(**kwargs)
    assert fragment in str(error.value)
