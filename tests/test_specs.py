"""Spec validation and output shapes (the torch.nn.Conv2d / MaxPool2d shape formula)."""

import pytest

from costcalc.engine import specs as S


@pytest.mark.parametrize(
    "conv, shape, expected",
    [
        (S.Conv2d(3, 32, 3, 2), S.Shape(3, 224, 224), S.Shape(32, 112, 112)),  # MobileNet stem, padding 1
        (S.Conv2d(3, 32, 3, 2, padding=0), S.Shape(3, 224, 224), S.Shape(32, 111, 111)),
        (S.Conv2d(8, 8, 3, dilation=2), S.Shape(8, 20, 20), S.Shape(8, 20, 20)),  # 'same' for dilation 2
        (S.Conv2d(8, 8, 3, dilation=2, padding=1), S.Shape(8, 20, 20), S.Shape(8, 18, 18)),
        (S.Conv2d(4, 6, (1, 7), padding=(0, 3)), S.Shape(4, 17, 13), S.Shape(6, 17, 13)),
        (S.Conv2d(4, 6, (2, 1), (1, 2), (0, 1, 0, 0)), S.Shape(4, 15, 15), S.Shape(6, 15, 8)),  # Keras 'same'
        (S.Conv2d(4, 4, 5, (2, 3)), S.Shape(4, 11, 10), S.Shape(4, 6, 4)),
    ],
)
def test_conv_output_shape(conv, shape, expected):
    assert conv.output_shape(shape) == expected


@pytest.mark.parametrize(
    "spec, kind",
    [
        (S.Conv2d(8, 16, 3), "conv"),
        (S.depthwise(8), "depthwise"),
        (S.depthwise(8, multiplier=2), "depthwise"),
        (S.pointwise(8, 16), "pointwise"),
        (S.pointwise(8, 16, groups=4), "grouped_pointwise"),
        (S.Conv2d(8, 16, 3, groups=2), "grouped"),
    ],
)
def test_conv_kind_is_derived_from_hyperparameters(spec, kind):
    assert spec.kind == kind


def test_depthwise_multiplier_multiplies_outputs():
    assert S.depthwise(8, multiplier=3).out_channels == 24


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: S.Conv2d(0, 8), "in_channels must be an integer ≥ 1, got 0"),
        (lambda: S.Conv2d(8, -1), "out_channels must be an integer ≥ 1, got -1"),
        (lambda: S.Conv2d(8, 8, 2.5), "kernel_size must be an integer ≥ 1, got 2.5"),
        (lambda: S.Conv2d(8, 8, True), "kernel_size must be an integer ≥ 1, got True"),
        (lambda: S.Conv2d(8, 8, (1, 2, 3)), "kernel_size must be an integer or a (height, width) pair"),
        (lambda: S.Conv2d(12, 8, groups=5), "groups=5 does not divide in_channels=12; valid groups: 1, 2, 3, 4, 6, 12"),
        (lambda: S.Conv2d(12, 8, groups=3), "groups=3 does not divide out_channels=8"),
        (lambda: S.Conv2d(8, 8, padding=-1), "padding must be an integer ≥ 0, got -1"),
        (lambda: S.Activation("gelu"), "activation must be one of relu, relu6, leaky_relu, hardswish, swish, sigmoid, "
                                       "hardsigmoid, got 'gelu'"),
        (lambda: S.Pool2d("min", 2), "pool mode must be one of max, avg"),
        (lambda: S.ShuffleUnit(24, 48, 3, 1), "in_channels (24) must equal out_channels (48)"),
        (lambda: S.ShuffleUnit(48, 24, 3, 2), "out_channels (24) must exceed in_channels (48)"),
        (lambda: S.ShuffleUnit(240, 480, 7, 2), "groups=7 does not divide"),
        (lambda: S.Bottleneck(64, 128, 16), "an identity shortcut needs stride 1 and in_channels == out_channels"),
        (lambda: S.sequence(("a", S.Flatten()), ("a", S.Flatten())), "repeated: a"),
        (lambda: S.Branches((("only", None),)), "at least two paths"),
        (lambda: S.Branches((("a", None), ("b", None)), "mul"), "merge must be one of add, concat, scale"),
        (lambda: S.ChannelSplit(1), "parts must be an integer ≥ 2, got 1"),
        (lambda: S.ChannelSplit(2, 2), "split index must be below parts=2 (0 … 1), got 2"),
        (lambda: S.SqueezeExcite(16, 0), "squeeze_channels must be an integer ≥ 1, got 0"),
        (lambda: S.SqueezeExcite(16, 4, gate="tanh"), "gate must be one of"),
        (lambda: S.InvertedResidual(16, 16, 0), "expansion t must be a positive number (e.g. 1 or 6), got 0"),
        (lambda: S.InvertedResidual(16, 16, stride=3), "inverted residual stride must be 1 or 2, got 3"),
        (lambda: S.InvertedResidual(16, 16, stride=True), "inverted residual stride must be 1 or 2, got True"),
        (lambda: S.ShuffleUnit(240, 240, 3, 3), "ShuffleNet unit stride must be 1 or 2, got 3"),
        (lambda: S.ShuffleUnit(240, 240, 3, True), "ShuffleNet unit stride must be 1 or 2, got True"),
        (lambda: S.ShuffleV2Unit(48, 48, 0), "ShuffleNet V2 unit stride must be 1 or 2, got 0"),
        (lambda: S.InvertedResidual(16, 16, se_channels=-2), "se_channels must be an integer ≥ 0, got -2"),
        (lambda: S.ShuffleV2Unit(24, 48), "in_channels (24) must equal out_channels (48)"),
        (lambda: S.ShuffleV2Unit(24, 47, 2), "out_channels must be even, got 47"),
        (lambda: S.Residual(S.Conv2d(8, 8)), "residual body must be a sequence of layers, got Conv2d"),
    ],
)
def test_bad_values_are_named(build, message):
    with pytest.raises(S.SpecError, match=None) as error:
        build()
    assert message in str(error.value)


def test_kernel_larger_than_padded_input_is_rejected():
    with pytest.raises(S.SpecError, match=r"kernel 7 \(span 7\) is larger than the padded input height 5"):
        S.Conv2d(3, 8, 7, padding=1).output_shape(S.Shape(3, 3, 3))


def test_wrong_input_channels_are_rejected():
    with pytest.raises(S.SpecError, match="Conv2d expects 3 input channels, got a 4×8×8 input"):
        S.Conv2d(3, 8).output_shape(S.Shape(4, 8, 8))


def test_specs_are_frozen():
    conv = S.Conv2d(3, 8)
    with pytest.raises(AttributeError):
        conv.in_channels = 4  # type: ignore[misc]


def test_one_merge_record_gives_shape_ops_and_reads():
    """add: every path the same shape, one op per element and extra path, every input read; concat: channels
    add up, each element moved once; scale: the others C×1×1, one multiply per element and extra path."""
    add, concat, scale = (S.MERGES[name] for name in ("add", "concat", "scale"))
    assert tuple(S.MERGES) == ("add", "concat", "scale")
    first = S.Shape(8, 5, 5)
    assert add.output_shape([first, first, first]) == first
    assert (add.ops(first, 3), add.reads(first, 3)) == (400, 600)
    assert concat.output_shape([first, S.Shape(4, 5, 5)]) == S.Shape(12, 5, 5)
    assert (concat.ops(S.Shape(12, 5, 5), 2), concat.reads(S.Shape(12, 5, 5), 2)) == (300, 300)
    assert scale.output_shape([first, S.Shape(8, 1, 1)]) == first
    assert (scale.ops(first, 2), scale.reads(first, 2)) == (200, 208)
    assert (add.combine(3, 4), scale.combine(3, 4), concat.combine) == (7, 12, None)


@pytest.mark.parametrize("merge, outputs, message", [
    ("add", [S.Shape(4, 8, 8), S.Shape(3, 8, 8)], "unit: cannot add paths of shapes 4×8×8, 3×8×8"),
    ("concat", [S.Shape(4, 8, 8), S.Shape(3, 4, 4)], "branches: cannot concatenate paths of shapes 4×8×8, 3×4×4"),
    ("scale", [S.Shape(8, 5, 5), S.Shape(4, 1, 1)],
     "unit: cannot scale a 8×5×5 map by paths of shapes 4×1×1 (each must be 8×1×1)"),
])
def test_a_merge_that_does_not_fit_names_the_shapes(merge, outputs, message):
    name = "" if merge == "concat" else "unit"
    with pytest.raises(S.SpecError) as error:
        S.MERGES[merge].output_shape(outputs, name)
    assert str(error.value) == message


def test_every_spec_answers_its_own_output_shape():
    unit = S.ShuffleUnit(24, 48, groups=3, stride=2)
    assert unit.output_shape(S.Shape(24, 8, 8)) == unit.expand().output_shape(S.Shape(24, 8, 8)) == S.Shape(48, 4, 4)
    residual = S.Branches((("main", S.sequence(("conv", S.Conv2d(8, 4, 3)))), ("shortcut", None)), "add")
    with pytest.raises(S.SpecError, match=r"^stage\.1: cannot add paths of shapes 4×6×6, 8×6×6$"):
        S.sequence(("1", residual)).output_shape(S.Shape(8, 6, 6), "stage")
