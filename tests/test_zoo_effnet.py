"""EffNet (Freeman et al. 2018) as keras-effnet builds it, and the article's two cost claims."""

from __future__ import annotations

from fractions import Fraction

import pytest

from costcalc.engine.cost import cost
from costcalc.engine.specs import SpecError
from costcalc.engine.zoo import MODELS
from costcalc.engine.zoo.effnet import depthwise_claim, effnet, first_layer_claim


def test_reference_network_exact():
    network = effnet()
    r = cost(network.body, network.input_shape)
    assert r.output == (10, 1, 1)
    shapes = [layer.output for layer in r.layers if layer.name.endswith(".out")]
    assert shapes == [(64, 16, 16), (128, 8, 8), (256, 4, 4)]
    # block 1 by hand: 1×1 3→32 on 32×32, 1×3 dw on 32×32, 3×1 dw on 16×32, 2×1 conv 32→64 to 16×16
    block1 = 32 * 32 * 3 * 32 + 32 * 32 * 32 * 3 + 16 * 32 * 32 * 3 + 16 * 16 * 64 * 32 * 2
    assert block1 == 1_294_336
    assert sum(layer.macs for layer in r.layers if layer.name.startswith("block1.")) == block1
    assert r.macs == 5_640_192 and r.params == 151_146
    fc = next(layer for layer in r.layers if layer.kind == "linear")
    assert (fc.spec.in_features, fc.params) == (4096, 4096 * 10 + 10)


def test_separable_depthwise_is_half():
    """1×3 dw, 2×1 pool, 3×1 dw: 1.5·(3·Df²·M) against 9·Df²·M — exactly 1/2 in every block."""
    rows = depthwise_claim(effnet())
    assert [row["ratio"] for row in rows] == [Fraction(1, 2)] * 3
    assert rows[0]["separable_depthwise_macs"] == Fraction(3, 2) * 3 * 32 * 32 * 32


def test_first_layer_saving():
    """The article claims ~30 % saved by an EffNet block as the first layer. Measured against the
    usual first layer giving the same 64×16×16 output — a 3×3 conv 3→64 at stride 1 then a 2×2 max
    pool (1,769,472 MACs) — the block (1,294,336) saves 475,136 / 1,769,472 = 26.85 %. Against the
    stride-2 3×3 conv it stands for (442,368) the block costs 2.93× more: with 3 input channels a
    standard conv is already cheap."""
    claim = first_layer_claim(effnet())
    assert claim["output"] == claim["conv_pool_output"] == [64, 16, 16]
    assert (claim["block_macs"], claim["conv_pool_macs"], claim["stride2_conv_macs"]) == (1_294_336, 1_769_472, 442_368)
    assert claim["saving"] == Fraction(475_136, 1_769_472)
    assert round(float(claim["saving"]) * 100, 2) == 26.85


def test_resolution_and_classes():
    network = effnet(64, 100)
    r = cost(network.body, network.input_shape)
    assert r.output == (100, 1, 1)
    assert next(layer for layer in r.layers if layer.kind == "linear").spec.in_features == 256 * 8 * 8


@pytest.mark.parametrize("kwargs, fragment", [({"res": 4}, "res must be an integer ≥ 8"),
                                              ({"classes": -3}, "classes must be a positive integer")])
def test_bad_options(kwargs, fragment):
    with pytest.raises(SpecError) as error:
        effnet(**kwargs)
    assert fragment in str(error.value)


def test_registered():
    assert MODELS["effnet"].options == ("res", "classes")
