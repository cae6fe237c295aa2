"""The what-if report (:mod:`costcalc.engine.suggest`), pure Python: the same exact rows as ``compare``."""

from __future__ import annotations

from fractions import Fraction

from costcalc.engine.specs import Conv2d, Shape, depthwise
from costcalc.engine.suggest import ConvLayer, eligible, suggest, suggest_layer

TABLE3 = ConvLayer("conv", Conv2d(512, 512, 3, padding=1), Shape(512, 14, 14))


def test_mobilenet_table3_layer():
    entry = suggest_layer(TABLE3)
    options = {option["name"]: option for option in entry["options"]}
    # standard 14·14 · 512 · 512 · 9 = 462,422,016 (MobileNet eq. 2)
    assert entry["macs"] == 462_422_016 and entry["params"] == 2_359_296
    # eq. 5: 14·14·512·9 + 512·512·14·14 = 903,168 + 51,380,224; ratio 1/N + 1/Dk² = 1/512 + 1/9
    separable = options["depthwise_separable"]
    assert separable["macs"] == 52_283_392 and separable["saved_macs"] == 462_422_016 - 52_283_392
    assert Fraction(separable["ratio"]).limit_denominator(10_000) == Fraction(1, 512) + Fraction(1, 9)
    assert options["depthwise_grouped_pointwise g=8"]["macs"] == 903_168 + 51_380_224 // 8
    assert "depthwise_grouped_pointwise g=3" not in options  # 3 does not divide 512
    assert entry["groups_not_dividing"] == [3]
    assert options["spatial_separable"]["macs"] == 308_281_344
    assert [option["name"] for option in entry["options"]][0] == "depthwise_grouped_pointwise g=8"


def test_only_standard_convolutions_are_priced():
    layers = [TABLE3, ConvLayer("dw", depthwise(32), Shape(32, 8, 8)),
              ConvLayer("pw", Conv2d(32, 64, 1), Shape(32, 8, 8)),
              ConvLayer("dilated", Conv2d(8, 8, 3, dilation=2), Shape(8, 16, 16))]
    report = suggest(layers, model_macs=500_000_000)
    assert [entry["layer"] for entry in report["layers"]] == ["conv"]
    assert report["left_out"] == [{"layer": "dilated", "reason": "dilation 2×2 (the papers' rows assume 1)"}]
    assert eligible(depthwise(32)) == "a depthwise convolution is already factorized"
    separable = next(total for total in report["totals"] if total["name"] == "depthwise_separable")
    assert separable["model_macs"] == 500_000_000 - (462_422_016 - 52_283_392)


def test_stride_two_uses_the_real_output():
    entry = suggest_layer(ConvLayer("down", Conv2d(16, 32, 3, stride=2, padding=1), Shape(16, 32, 32)))
    separable = next(option for option in entry["options"] if option["name"] == "depthwise_separable")
    # depthwise 16·16 · 16 · 9 on the strided map, then pointwise 16·16 · 16 · 32
    assert entry["output"] == [32, 16, 16] and separable["macs"] == 36_864 + 131_072


def test_dearer_swap_is_not_worth_it_and_never_a_saving():
    # 3→64 3×3 on 32×32: spatial separable 32²·(3·64·3 + 64·64·3) = 13,172,736 > 32²·64·27 = 1,769,472
    entry = suggest_layer(ConvLayer("stem", Conv2d(3, 64, 3, padding=1), Shape(3, 32, 32)))
    assert [option["name"] for option in entry["not_worth_it"]] == ["spatial_separable"]
    assert entry["not_worth_it"][0]["saved_macs"] == 1_769_472 - 13_172_736
    assert all(option["saved_macs"] > 0 for option in entry["options"])
    report = suggest([ConvLayer("stem", Conv2d(3, 64, 3, padding=1), Shape(3, 32, 32))], model_macs=1_769_472)
    assert "spatial_separable" not in {total["name"] for total in report["totals"]}


def test_reused_module_costs_every_call_saves_params_once():
    once = suggest_layer(TABLE3)
    twice = suggest_layer(ConvLayer("conv", TABLE3.spec, TABLE3.input, calls=2))
    first, second = once["options"][0], twice["options"][0]
    assert twice["macs"] == 2 * once["macs"] and second["saved_macs"] == 2 * first["saved_macs"]
    assert second["saved_params"] == first["saved_params"] and twice["params"] == once["params"]


def test_rectangular_kernel_is_not_spatially_factorized_again():
    # 1×7 conv 64→64 on 17×17 ('same' padding 0×3): already one row; depthwise separable still applies:
    # 17²·64·7 + 64·64·17² against 17²·64·64·7
    entry = suggest_layer(ConvLayer("row", Conv2d(64, 64, (1, 7), padding=(0, 3)), Shape(64, 17, 17)))
    names = {option["name"] for option in entry["options"] + entry["not_worth_it"]}
    assert "spatial_separable" not in names
    separable = next(option for option in entry["options"] if option["name"] == "depthwise_separable")
    assert separable["macs"] == 17 * 17 * 64 * 7 + 64 * 64 * 17 * 17 and entry["macs"] == 17 * 17 * 64 * 64 * 7


def test_pointwise_heavy_nets_get_grouped_pointwise_with_shuffle():
    # a MobileNet-like pair: 3×3 depthwise (17·17·64·9) and a 1×1 64→128 (17·17·64·128) holding 93 % of the MACs
    layers = [ConvLayer("dw", depthwise(64), Shape(64, 17, 17)), ConvLayer("pw", Conv2d(64, 128, 1), Shape(64, 17, 17))]
    model_macs = 17 * 17 * 64 * 9 + 17 * 17 * 64 * 128
    report = suggest(layers, model_macs)
    assert report["pointwise_heavy"]
    (entry,) = report["layers"]
    options = {option["name"]: option for option in entry["options"]}
    # ShuffleNet §3.1: a 1×1 group convolution costs M·N·Df²/g; g = 4 saves 3/4
    assert options["grouped_pointwise g=4"]["macs"] == 17 * 17 * 64 * 128 // 4
    assert options["grouped_pointwise g=4"]["saved_params"] == 64 * 128 * 3 // 4
    # a 3×3 conv of 16·16·64·64·9 = 9,437,184 MACs beside it: the 1×1 holds 20 %, no grouped 1×1 proposed
    assert not suggest([ConvLayer("c", Conv2d(64, 64, 3, padding=1), Shape(64, 16, 16)), layers[1]],
                       16 * 16 * 64 * 64 * 9 + 17 * 17 * 64 * 128)["pointwise_heavy"]


def test_pointwise_with_asymmetric_padding_is_left_out_not_mispriced():
    # the grouped 1×1 rows keep the map (8×8); a 1×1 padded on one side only writes 9×9: no like-for-like swap
    layers = [ConvLayer("pw", Conv2d(64, 128, 1), Shape(64, 8, 8)),
              ConvLayer("padded", Conv2d(64, 128, 1, padding=(0, 1, 0, 1)), Shape(64, 8, 8))]
    report = suggest(layers, model_macs=64 * 128 * (8 * 8 + 9 * 9))
    assert report["pointwise_heavy"] and [entry["layer"] for entry in report["layers"]] == ["pw"]
    assert report["left_out"] == [{"layer": "padded", "reason": "asymmetric padding"}]
    assert eligible(Conv2d(64, 128, 1, dilation=2), pointwise=True) == ""  # a 1×1 kernel has no gaps
