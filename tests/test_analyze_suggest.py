"""The what-if report (:mod:`costcalc.suggest`), pure Python: the same exact rows as ``compare``."""

from __future__ import annotations

from fractions import Fraction

from costcalc.specs import Conv2d, Shape, depthwise
from costcalc.suggest import ConvLayer, eligible, suggest, suggest_layer

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
