"""Exact analytic counts, derived by hand in each test's comment."""

import pytest

from costcalc.engine import specs as S
from costcalc.engine.cost import cost


def test_mobilenet_stem_conv():
    # 3×3 conv 3→32, stride 2 on 224²: 112²·32·3·9 = 10,838,016 MACs; 32·3·9 = 864 weights.
    report = cost(S.Conv2d(3, 32, 3, 2), S.Shape(3, 224, 224))
    assert (report.macs, report.params, report.output) == (10_838_016, 864, S.Shape(32, 112, 112))


def test_bias_is_a_parameter_and_an_other_op_not_a_mac():
    report = cost(S.Conv2d(3, 8, 3, bias=True), S.Shape(3, 10, 10))
    layer = report.layers[0]
    # 10²·8·3·9 = 21,600 MACs; 8 biases added to 8·10² outputs.
    assert (layer.macs, layer.weights, layer.biases, layer.other_ops) == (21_600, 216, 8, {"bias": 800})


def test_grouped_and_dilated_conv():
    # groups 4, 3×3 dilation 2, 'same' padding 2: 16²·32·(16/4)·9 = 294,912; weights 32·4·9 = 1,152.
    report = cost(S.Conv2d(16, 32, 3, dilation=2, groups=4), S.Shape(16, 16, 16))
    assert (report.macs, report.params, report.output) == (294_912, 1_152, S.Shape(32, 16, 16))


def test_linear_counts_weights_and_bias():
    report = cost(S.Linear(1024, 1000), S.Shape(1024, 1, 1))
    assert (report.macs, report.params, report.other_ops) == (1_024_000, 1_025_000, {"bias": 1000})


def test_other_ops_are_kept_apart_from_macs():
    spec = S.sequence(("bn", S.BatchNorm2d(8)), ("act", S.Activation()), ("pool", S.Pool2d("max", 2)),
                      ("gap", S.GlobalAvgPool()), ("shuffle", S.ChannelShuffle(2)))
    report = cost(spec, S.Shape(8, 4, 4))
    # bn and relu: 128 each; max pool 2×2 → 8·2·2 outputs × 4 window = 128; global pool reads 8·2·2 = 32.
    assert report.macs == 0
    assert report.params == 16
    assert report.other_ops == {"batchnorm": 128, "activation": 128, "pool": 160, "shuffle": 8}
    assert report.output == S.Shape(8, 1, 1)


def test_depthwise_separable_block():
    # MobileNet conv_dw_1 at 1.0-224: dw 3×3 on 32×112²: 112²·32·9 = 3,612,672;
    # pw 32→64: 112²·32·64 = 25,690,112. Params: 288 + 2048 + BN 2·32 + 2·64 = 2,528.
    report = cost(S.DepthwiseSeparable(32, 64), S.Shape(32, 112, 112), "conv_dw_1")
    assert report.macs == 3_612_672 + 25_690_112
    assert report.params == 2_528
    assert [layer.name for layer in report.layers] == [
        "conv_dw_1.dw", "conv_dw_1.dw_bn", "conv_dw_1.dw_act", "conv_dw_1.pw", "conv_dw_1.pw_bn", "conv_dw_1.pw_act"]
    assert report.by_kind()["pointwise"] == {"layers": 1, "macs": 25_690_112, "params": 2048, "weights": 2048}


def test_shufflenet_unit_stride_2_concatenates_the_pooled_shortcut():
    # ShuffleNet 1× g=3, first unit of Stage 3: 240 → 480 on 28², bottleneck 120, main path 240 channels.
    # compress 240→120 g3 on 28²: 784·120·80 = 7,526,400; dw 3×3 s2 on 120 → 14²: 196·120·9 = 211,680;
    # expand 120→240 g3 on 14²: 196·240·40 = 1,881,600. Total 9,619,680.
    report = cost(S.ShuffleUnit(240, 480, groups=3, stride=2), S.Shape(240, 28, 28))
    assert report.macs == 9_619_680
    assert report.output == S.Shape(480, 14, 14)
    merge = report.layers[-2]
    assert (merge.kind, merge.output, merge.other_ops) == ("concat", S.Shape(480, 14, 14), {"concat": 94_080})
    # params: 120·80 + 120·9 + 240·40 + BN 2·(120 + 120 + 240) = 9,600 + 1,080 + 9,600 + 960.
    assert report.params == 21_240


def test_shufflenet_unit_matches_its_closed_form_at_stride_1():
    # hw(2cm/g + 9m) with c = 240, m = 60, g = 3 on 28²: 784·(2·240·60/3 + 540) = 7,949,760.
    report = cost(S.ShuffleUnit(240, 240, groups=3), S.Shape(240, 28, 28))
    assert report.macs == 784 * (2 * 240 * 60 // 3 + 9 * 60) == 7_949_760
    assert report.layers[-2].other_ops == {"add": 240 * 28 * 28}


def test_ungrouped_first_pointwise_of_stage_2():
    grouped = cost(S.ShuffleUnit(24, 240, groups=3, stride=2), S.Shape(24, 56, 56))
    plain = cost(S.ShuffleUnit(24, 240, groups=3, stride=2, grouped_first=False), S.Shape(24, 56, 56))
    # compress 24→60 on 56²: 3136·60·24 = 4,515,840 ungrouped, a third of it grouped.
    assert plain.macs - grouped.macs == 4_515_840 - 4_515_840 // 3


def test_effnet_block_halves_height_then_width():
    # EffNet first block on 32×32×3, mid 32, out 64:
    # pw 3→32: 1024·32·3 = 98,304; dw 1×3: 1024·32·3 = 98,304; pool → 16×32;
    # dw 3×1: 512·32·3 = 49,152; conv 2×1 32→64 stride (1, 2) → 16×16: 256·64·32·2 = 1,048,576.
    report = cost(S.EffNetBlock(3, 64, 32), S.Shape(3, 32, 32))
    assert report.output == S.Shape(64, 16, 16)
    assert report.macs == 98_304 + 98_304 + 49_152 + 1_048_576


def test_resnet_projection_shortcut():
    # 64→256, m 64, stride 1, projection: 56²·(64·64 + 9·64·64 + 64·256 + 64·256) = 3136·73,728.
    report = cost(S.Bottleneck(64, 256, 64, shortcut="projection"), S.Shape(64, 56, 56))
    assert report.macs == 3136 * 73_728


def test_params_do_not_depend_on_the_input_size():
    block = S.ShuffleUnit(240, 240, groups=3)
    assert cost(block, S.Shape(240, 28, 28)).params == cost(block, S.Shape(240, 7, 9)).params


def test_squeeze_excitation_counts_its_1x1s_as_macs_and_the_scale_apart():
    # SE on 72×14×14, squeeze 24: pool, 1×1 72→24 (+bias), ReLU, 1×1 24→72 (+bias), gate, scale.
    report = cost(S.SqueezeExcite(72, 24, gate="hardsigmoid"), S.Shape(72, 14, 14))
    assert report.macs == 72 * 24 + 24 * 72 == 3_456
    assert report.params == 72 * 24 + 24 + 24 * 72 + 72
    assert report.output == S.Shape(72, 14, 14)
    assert report.other_ops == {"pool": 72 * 196, "bias": 24 + 72, "activation": 24 + 72, "scale": 72 * 196}
    assert [layer.kind for layer in report.layers][-1] == "scale"


def test_inverted_residual_matches_its_closed_form():
    # MobileNetV2 at stride 1, c = 24, t = 6 on 56²: hw·(2·t·c² + 9·t·c) = 3136·(6912 + 1296) = 25,740,288
    report = cost(S.InvertedResidual(24, 24, 6), S.Shape(24, 56, 56))
    assert report.macs == 3136 * (2 * 6 * 24 * 24 + 9 * 6 * 24) == 25_740_288
    assert report.params == 2 * 24 * 144 + 9 * 144 + 2 * (144 + 144 + 24)
    assert report.other_ops["add"] == 24 * 3136 and report.other_ops["activation"] == 2 * 144 * 3136


def test_inverted_residual_without_expansion_or_residual():
    # t = 1, 32 → 16 (MobileNetV2's first block): no expansion layer, no add.
    report = cost(S.InvertedResidual(32, 16, 1), S.Shape(32, 112, 112))
    assert [layer.name for layer in report.layers if layer.macs] == ["dw", "project"]
    assert report.macs == 112 * 112 * (9 * 32 + 32 * 16) and "add" not in report.other_ops


def test_channel_split_is_a_view_and_residual_adds():
    split = cost(S.ChannelSplit(4, 3), S.Shape(24, 5, 5))
    assert split.output == S.Shape(6, 5, 5) and split.macs == split.params == 0 and split.other_ops == {}
    body = S.sequence(("conv", S.Conv2d(8, 8, 3)))
    report = cost(S.Residual(body), S.Shape(8, 6, 6))
    assert report.macs == 36 * 8 * 8 * 9 and report.other_ops == {"add": 8 * 36}


def test_scale_merge_needs_one_value_per_channel():
    wrong = S.Branches((("input", None), ("excite", S.sequence(("pool", S.GlobalAvgPool()),
                                                                ("fc", S.Conv2d(8, 4, 1))))), "scale")
    with pytest.raises(S.SpecError, match=r"cannot scale a 8×5×5 map by paths of shapes 4×1×1 \(each must be 8×1×1\)"):
        cost(wrong, S.Shape(8, 5, 5))


@pytest.mark.parametrize("name", __import__("costcalc.engine.zoo", fromlist=["all_names"]).all_names())
def test_output_shape_walks_as_cost_does(name):
    """The shape-only walk the YAML parser uses agrees with the costing walk on every zoo network."""
    from costcalc.engine import zoo
    from costcalc.engine.cost import output_shape

    network = zoo.lookup(name).build()
    assert output_shape(network.body, network.input_shape) == cost(network.body, network.input_shape).output


def test_a_repeated_layer_is_costed_like_a_fresh_one():
    """Leaf costs are remembered per (spec, shape): each repeat still gets its own name, input and sources."""
    conv = S.Conv2d(8, 8, 3)
    report = cost(S.sequence(("a", conv), ("b", conv), ("c", S.Conv2d(8, 8, 3))), S.Shape(8, 10, 10))
    assert [layer.name for layer in report.layers] == ["a", "b", "c"]
    assert [layer.sources for layer in report.layers] == [("",), ("a",), ("b",)]
    assert {layer.macs for layer in report.layers} == {10 * 10 * 8 * 8 * 9} and report.macs == 3 * 57_600
