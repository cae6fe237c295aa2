"""Analytic memory traffic and peak activations: exact integers derived by hand in the comments."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from costcalc.engine import specs as S
from costcalc.engine.cost import cost
from costcalc.engine.memory import (
    Memory,
    dtype_size,
    layer_memory,
    memory_payload,
    memory_sum,
    peak_activations,
    report_memory,
    shufflenet_v2_mac,
)
from costcalc.engine.specs import Shape, SpecError


def only_layer(spec, shape):
    report = cost(spec, shape)
    assert len(report.layers) == 1
    return report.layers[0]


def test_mobilenet_pointwise_32_to_64_on_112():
    # MobileNet conv_pw_1 (Table 1: 1×1×32×64 on 112²×32):
    #   read    = 32·112² = 401,408 input activations
    #   written = 64·112² = 802,816 output activations
    #   weights = 32·64   =   2,048
    #   total   = 1,206,272 elements = ShuffleNet V2's hw(c1 + c2) + c1·c2 = 12,544·96 + 2,048
    #   bytes (float32) = 4 · 1,206,272 = 4,825,088; MACs = 112²·32·64 = 25,690,112
    layer = only_layer(S.pointwise(32, 64), Shape(32, 112, 112))
    memory = layer_memory(layer, "float32")
    assert (memory.read, memory.written, memory.weights, memory.total) == (401_408, 802_816, 2_048, 1_206_272)
    assert memory.bytes == 4_825_088
    assert shufflenet_v2_mac(layer) == 1_206_272
    assert memory.intensity == Fraction(25_690_112, 4_825_088)
    assert memory_payload(memory, layer) == {
        "read": 401_408, "written": 802_816, "weights": 2_048, "total": 1_206_272, "bytes": 4_825_088,
        "intensity": round(25_690_112 / 4_825_088, 6), "shufflenet_v2_mac": 1_206_272}


def test_mobilenet_depthwise_on_112_and_dtypes():
    # conv_dw_1: 3×3 depthwise on 32×112²: reads and writes 401,408 each; 32·9 = 288 weights.
    layer = only_layer(S.depthwise(32), Shape(32, 112, 112))
    total = 401_408 * 2 + 288
    assert layer_memory(layer).total == total == 803_104
    assert [layer_memory(layer, dtype).bytes for dtype in ("float32", "float16", "int8")] == [
        4 * total, 2 * total, total]
    assert shufflenet_v2_mac(layer) is None  # not a 1×1 conv
    assert "shufflenet_v2_mac" not in memory_payload(layer_memory(layer), layer)


def test_grouped_pointwise_matches_guideline_g2():
    # ShuffleNet 1×1 group conv 240→60, g = 3 on 28²: weights 240·60/3 = 4,800;
    # hw(c1 + c2) + c1·c2/g = 784·300 + 4,800 = 240,000.
    layer = only_layer(S.pointwise(240, 60, groups=3), Shape(240, 28, 28))
    assert layer_memory(layer).total == shufflenet_v2_mac(layer) == 240_000


def test_strided_pointwise_has_no_shufflenet_v2_formula():
    layer = only_layer(S.pointwise(16, 32, stride=2), Shape(16, 8, 8))
    # reads 16·64 = 1,024, writes 32·16 = 512, weights 512.
    assert layer_memory(layer).total == 2_048
    assert shufflenet_v2_mac(layer) is None


@given(c1=st.integers(1, 64), c2=st.integers(1, 64), h=st.integers(1, 20), w=st.integers(1, 20))
def test_ungrouped_pointwise_traffic_equals_shufflenet_v2_mac(c1, c2, h, w):
    layer = only_layer(S.pointwise(c1, c2), Shape(c1, h, w))
    memory = layer_memory(layer)
    assert memory.read + memory.written + memory.weights == h * w * (c1 + c2) + c1 * c2 == shufflenet_v2_mac(layer)


def test_bias_batchnorm_and_other_leaves():
    # conv 3→8 3×3 with bias on 3×10×10: reads 300, writes 800, weights 216 + 8 biases.
    conv = layer_memory(only_layer(S.Conv2d(3, 8, 3, bias=True), Shape(3, 10, 10)))
    assert (conv.read, conv.written, conv.weights) == (300, 800, 224)
    # batch norm over 8×4×4: 128 in, 128 out, γ β + running mean and variance = 4·8 = 32.
    bn = layer_memory(only_layer(S.BatchNorm2d(8), Shape(8, 4, 4)))
    assert (bn.read, bn.written, bn.weights) == (128, 128, 32)
    # 2×2 max pool: reads 128, writes 8·2·2 = 32.
    pool = layer_memory(only_layer(S.Pool2d("max", 2), Shape(8, 4, 4)))
    assert (pool.read, pool.written, pool.weights) == (128, 32, 0)
    # global average pool: reads 128, writes 8; flatten is a view: nothing moves.
    assert layer_memory(only_layer(S.GlobalAvgPool(), Shape(8, 4, 4))).total == 136
    assert layer_memory(only_layer(S.Flatten(), Shape(8, 1, 1))).total == 0
    # linear 1024→1000 with bias: reads 1,024, writes 1,000, weights 1,025,000.
    fc = layer_memory(only_layer(S.Linear(1024, 1000), Shape(1024, 1, 1)))
    assert (fc.read, fc.written, fc.weights, fc.macs) == (1_024, 1_000, 1_025_000, 1_024_000)


def test_merges_read_every_path():
    # Identity shortcut + main path on 16×8×8 (1,024 elements): the add reads 2·1,024, writes 1,024.
    report = cost(S.Bottleneck(16, 16, 4), Shape(16, 8, 8))
    add = next(layer for layer in report.layers if layer.kind == "add")
    assert (layer_memory(add).read, layer_memory(add).written) == (2_048, 1_024)
    # ShuffleNet stride-2 unit 24→240 on 24×8×8: concat copies 216 + 24 = 240 channels × 4² = 3,840.
    report = cost(S.ShuffleUnit(24, 240, groups=3, stride=2), Shape(24, 8, 8))
    concat = next(layer for layer in report.layers if layer.kind == "concat")
    assert (layer_memory(concat).read, layer_memory(concat).written) == (3_840, 3_840)


def test_report_memory_sums_layers_and_batches():
    # depthwise separable 32→64 on 112²: depthwise 803,104 + pointwise 1,206,272 = 2,009,376.
    spec = S.sequence(("dw", S.depthwise(32)), ("pw", S.pointwise(32, 64)))
    memory = report_memory(cost(spec, Shape(32, 112, 112)))
    assert memory.total == 2_009_376
    assert memory.macs == 112 * 112 * 32 * 9 + 25_690_112
    # batch 2: activations and MACs double, the 288 + 2,048 weights are read once.
    batched = memory.batched(2)
    assert batched.total == 2 * (2_009_376 - 2_336) + 2_336
    assert batched.macs == 2 * memory.macs


def test_memory_sum_adds_every_field_in_the_dtype():
    # depthwise 32·112² read + written, 288 weights; pointwise 32·112² read, 64·112² written, 2,048 weights
    layers = [Memory(401_408, 401_408, 288, 3_612_672, 2), Memory(401_408, 802_816, 2_048, 25_690_112, 2)]
    total = memory_sum(layers, "float16")
    assert (total.read, total.written, total.weights, total.macs) == (802_816, 1_204_224, 2_336, 29_302_784)
    assert total.bytes == 2 * 2_009_376
    assert memory_sum([], "int8") == Memory(0, 0, 0, 0, 1)
    with pytest.raises(ValueError):
        memory_sum(layers, "float32")  # 2-byte layers summed as 4-byte elements


def test_unknown_dtype_names_the_choices():
    with pytest.raises(SpecError, match="unknown dtype 'bfloat8'; valid: float32, float16, int8"):
        dtype_size("bfloat8")
    with pytest.raises(ValueError):
        Memory(1, 1, 1, itemsize=4) + Memory(1, 1, 1, itemsize=2)


def test_peak_holds_the_residual_shortcut():
    # Bottleneck 16→16, m = 4 on 16×8×8 (input 1,024): the input is held for the add while the main
    # path runs. At restore_bn: input 1,024 + restore 1,024 + restore_bn 1,024 = 3,072.
    # (Without the shortcut a plain chain would peak at 2 · 1,024 = 2,048.)
    peak = peak_activations(S.Bottleneck(16, 16, 4), Shape(16, 8, 8))
    assert (peak.elements, peak.layer) == (3_072, "branches.main.restore_bn")
    assert peak.live == ("input", "branches.main.restore", "branches.main.restore_bn")
    chain = S.sequence(("reduce", S.pointwise(16, 4)), ("restore", S.pointwise(4, 16)))
    # chain: reduce 1,024 + 256 = 1,280; restore 256 + 1,024 = 1,280.
    assert peak_activations(chain, Shape(16, 8, 8)).elements == 1_280


def test_peak_of_concat_holds_finished_paths():
    # Two 1×1 convs 4→8 on 4×2×2 (16 elements), concatenated:
    #   a:      input 16 + a 32                    =  48
    #   b:      a 32 (waits for the concat) + input 16 + b 32 = 80
    #   concat: a 32 + b 32 + output 64            = 128  ← peak
    spec = S.Branches((("a", S.pointwise(4, 8)), ("b", S.pointwise(4, 8))), "concat")
    peak = peak_activations(spec, Shape(4, 2, 2))
    assert (peak.elements, peak.layer, peak.live) == (128, "concat", ("a", "b", "concat"))


def test_peak_of_shufflenet_downsampling_unit():
    # ShuffleNet stride-2 unit 24→240, g = 3, m = 60 on 24×8×8 (1,536): at compress_bn the input is
    # held for the pool shortcut: 1,536 + compress 60·8² = 3,840 + its BN 3,840 = 9,216.
    peak = peak_activations(S.ShuffleUnit(24, 240, groups=3, stride=2), Shape(24, 8, 8), "float16")
    assert (peak.elements, peak.layer, peak.bytes) == (9_216, "branches.main.compress_bn", 18_432)


def test_peak_of_mobilenet():
    # MobileNet 1.0-224: block2's pointwise BN holds its 64·112² = 802,816 input and output:
    # 1,605,632 elements = 6,422,528 bytes in float32. Earlier and later layers hold less
    # (stem: 150,528 + 401,408; block3 dw: 802,816 + 200,704).
    from costcalc.engine.zoo import MODELS

    peak = peak_activations(MODELS["mobilenet"].build())
    assert (peak.elements, peak.layer, peak.bytes) == (1_605_632, "block2.pw_bn", 6_422_528)


def test_payload_helpers_for_compare_and_model():
    from costcalc.engine.memory import peak_payload, report_payload

    # one-layer report: carries ShuffleNet V2's MAC; a two-layer row does not.
    single = report_payload(cost(S.pointwise(32, 64), Shape(32, 112, 112)), "int8")
    assert (single["total"], single["bytes"], single["shufflenet_v2_mac"]) == (1_206_272, 1_206_272, 1_206_272)
    row = report_payload(cost(S.sequence(("dw", S.depthwise(32)), ("pw", S.pointwise(32, 64))),
                              Shape(32, 112, 112)))
    assert (row["total"], "shufflenet_v2_mac" in row) == (2_009_376, False)
    peak = peak_payload(peak_activations(S.pointwise(4, 8), Shape(4, 2, 2)))
    # input 16 + output 32 = 48 elements, 192 bytes.
    assert peak == {"elements": 48, "bytes": 192, "layer": "pointwise", "live": ["input", "pointwise"]}
