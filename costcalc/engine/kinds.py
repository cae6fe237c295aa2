"""The one registry of layer and block kinds.

Each :class:`Kind` names a spec constructor, its paper formula (a closed form of
:mod:`costcalc.engine.formulas`) and what its MACs count as (convolution or fully-connected), its
one-line summary and paper, the keys a YAML
network writes for it (``fields``), the argument inferred from the running shape (``inferred``)
and a small example. ``costcalc list``, the YAML network parser (:mod:`costcalc.config.network_file`), the
verify suite (``kind:`` entries) and the tests (``tests/test_registry.py`` costs, builds and
reconciles every example with fvcore) all iterate :data:`KINDS`. Costing and module building
dispatch on the spec *class*, each registered in :data:`costcalc.engine.specs.SPEC_TYPES`:
:data:`costcalc.engine.cost.COST_RULES` (leaves) or :data:`costcalc.engine.cost.WALKS` (containers,
blocks) and :data:`costcalc.measure.modules.BUILDERS` hold one rule per spec class, and the registry
test checks that every registered class has both and answers its own ``output_shape``. Adding a kind is one
entry here plus its cost rule and module.

The kinds whose MACs are convolutions (:data:`CONV_KINDS`), all kinds with MACs (:data:`MAC_KINDS`)
and the paper formula shown beside a measured layer (:data:`PAPER_FORMULAS`) derive from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from costcalc.engine import formulas as F
from costcalc.engine import specs as S

CONV_FIELDS = {"out": "out_channels", "kernel": "kernel_size", "stride": "stride", "padding": "padding",
               "dilation": "dilation", "groups": "groups", "bias": "bias"}
POOL_FIELDS = {"kernel": "kernel_size", "stride": "stride", "padding": "padding"}


@dataclass(frozen=True)
class Kind:
    """A layer or block kind users can name in a spec file."""

    name: str
    category: str  # "layer" or "block"
    description: str
    """The one-line summary; ``{formula.text}`` and ``{formula.source}`` stand for :attr:`formula`'s."""
    build: Callable[..., Any]
    spec_type: type
    fields: dict[str, str] | None = field(default_factory=dict)
    """YAML key → constructor argument; ``None`` for kinds a network file cannot write directly."""
    inferred: str | None = None
    """The constructor argument taken from the running shape's channels (never written in YAML)."""
    example: Callable[[], tuple[Any, S.Shape]] | None = None
    """A small instance and an input shape, for the registry tests."""
    nested: tuple[str, ...] = ()
    """YAML keys whose value is a nested list of layers (a residual block's ``layers``, ``shortcut``)."""
    single_stride: bool = False
    """The block takes one stride for both sides (a YAML ``stride`` is N or an equal pair [N, N])."""
    formula: F.Formula | None = None
    """The paper's closed form of the kind's MACs (stride 1, 'same' padding)."""
    macs: str = ""
    """What the kind's MACs count as: ``"conv"`` (a convolution), ``"linear"`` (fully connected), or
    ``""`` (no MACs of its own: other ops, or a block made of other kinds)."""

    @property
    def summary(self) -> str:
        """The one-line summary ``costcalc list`` shows, with the paper formula written in."""
        return self.description.format(formula=self.formula)

    @property
    def strided(self) -> bool:
        """Whether the kind takes a ``stride`` (a YAML ``repeat`` strides only its first copy)."""
        return self.fields is not None and "stride" in self.fields


def _conv(**arguments: Any) -> S.Conv2d:
    return S.Conv2d(**arguments)


def _branches(merge: str) -> Callable[[], tuple[S.Branches, S.Shape]]:
    def example() -> tuple[S.Branches, S.Shape]:
        main = S.sequence(("conv", S.Conv2d(8, 8, 3)), ("bn", S.BatchNorm2d(8)))
        return S.Branches((("main", main), ("shortcut", None)), merge), S.Shape(8, 6, 6)

    return example


KINDS: tuple[Kind, ...] = (
    Kind("conv", "layer", "standard convolution, cost {formula.text} ({formula.source})", _conv, S.Conv2d,
         CONV_FIELDS, "in_channels", lambda: (S.Conv2d(3, 8, 3, 2, bias=True), S.Shape(3, 9, 11)),
         formula=F.STANDARD, macs="conv"),
    Kind("depthwise", "layer", "depthwise convolution, one filter per channel, {formula.text} ({formula.source})",
         S.depthwise, S.Conv2d,
         {"kernel": "kernel_size", "stride": "stride", "multiplier": "multiplier", "padding": "padding",
          "dilation": "dilation", "bias": "bias"}, "channels",
         lambda: (S.depthwise(8, (3, 5), 2, multiplier=2), S.Shape(8, 10, 10)), formula=F.DEPTHWISE, macs="conv"),
    Kind("pointwise", "layer", "1×1 convolution, {formula.text} ({formula.source})", S.pointwise, S.Conv2d,
         {"out": "out_channels", "stride": "stride", "bias": "bias"}, "in_channels",
         lambda: (S.pointwise(8, 16), S.Shape(8, 5, 7)), formula=F.POINTWISE, macs="conv"),
    Kind("grouped", "layer", "group convolution, cost divided by g (ShuffleNet §3.1)", _conv, S.Conv2d,
         CONV_FIELDS, "in_channels", lambda: (S.Conv2d(8, 12, 3, groups=4, dilation=2), S.Shape(8, 9, 9)),
         formula=F.GROUPED, macs="conv"),
    Kind("grouped_pointwise", "layer", "1×1 group convolution, {formula.text} ({formula.source})", S.pointwise,
         S.Conv2d, {"out": "out_channels", "groups": "groups", "stride": "stride", "bias": "bias"}, "in_channels",
         lambda: (S.pointwise(12, 24, groups=3), S.Shape(12, 6, 6)), formula=F.GROUPED_POINTWISE, macs="conv"),
    Kind("shuffle", "layer", "channel shuffle across g groups, no arithmetic (ShuffleNet §3.1)",
         S.ChannelShuffle, S.ChannelShuffle, {"groups": "groups"},
         example=lambda: (S.ChannelShuffle(3), S.Shape(12, 4, 4))),
    Kind("maxpool", "layer", "max pooling over a window", lambda **f: S.Pool2d("max", **f), S.Pool2d, POOL_FIELDS,
         example=lambda: (S.Pool2d("max", 3, 2, 1), S.Shape(4, 9, 9))),
    Kind("avgpool", "layer", "average pooling over a window", lambda **f: S.Pool2d("avg", **f), S.Pool2d,
         POOL_FIELDS, example=lambda: (S.Pool2d("avg", 3, 2, 1), S.Shape(4, 9, 9))),
    Kind("global_avgpool", "layer", "global average pooling C×H×W → C×1×1 (MobileNet Table 1)",
         S.GlobalAvgPool, S.GlobalAvgPool, example=lambda: (S.GlobalAvgPool(), S.Shape(4, 7, 7))),
    Kind("batchnorm", "layer", "batch normalisation, 2·C parameters (γ, β)", S.BatchNorm2d, S.BatchNorm2d,
         inferred="num_features", example=lambda: (S.BatchNorm2d(4), S.Shape(4, 5, 5))),
    Kind("activation", "layer", "element-wise " + ", ".join(S.ACTIVATIONS) + " (one op per element)",
         S.Activation, S.Activation, {"function": "function"},
         example=lambda: (S.Activation("hardswish"), S.Shape(4, 5, 5))),
    Kind("split", "layer", "channel split: one of `parts` equal channel slices, a view (ShuffleNet V2 Fig. 3)",
         S.ChannelSplit, S.ChannelSplit, {"parts": "parts", "index": "index"},
         example=lambda: (S.ChannelSplit(2, 1), S.Shape(8, 4, 4))),
    Kind("flatten", "layer", "flatten C×H×W to a vector (a view)", S.Flatten, S.Flatten,
         example=lambda: (S.Flatten(), S.Shape(4, 2, 3))),
    Kind("linear", "layer", "fully-connected layer, in·out MACs", S.Linear, S.Linear,
         {"out": "out_features", "bias": "bias"}, "in_features", lambda: (S.Linear(24, 10), S.Shape(24, 1, 1)),
         macs="linear"),
    Kind("add", "layer", "element-wise sum of parallel paths (residual shortcut)", S.Branches, S.Branches,
         None, example=_branches("add")),
    Kind("concat", "layer", "channel concatenation of parallel paths", S.Branches, S.Branches,
         None, example=_branches("concat")),
    Kind("residual", "block", "layers plus an identity (or projection) shortcut, merged by an add (ResNet)",
         S.Residual, S.Residual, {"layers": "body", "shortcut": "shortcut"},
         example=lambda: (S.Residual(S.sequence(*S.conv_bn_act("conv1", S.Conv2d(8, 8, 3)),
                                                *S.conv_bn_act("conv2", S.Conv2d(8, 8, 3), None))),
                          S.Shape(8, 6, 6)),
         nested=("layers", "shortcut")),
    Kind("squeeze_excite", "block", "squeeze-excitation: global pool, 1×1 C→s, act, 1×1 s→C, gate, channel-wise "
         "scale; 2·C·s MACs (Hu et al. 2018)", S.SqueezeExcite, S.SqueezeExcite,
         {"squeeze": "squeeze_channels", "activation": "activation", "gate": "gate"}, "channels",
         lambda: (S.SqueezeExcite(16, 4, "relu", "hardsigmoid"), S.Shape(16, 5, 5))),
    Kind("separable", "block", "depthwise + pointwise, ratio 1/N + 1/Dk² (MobileNet)",
         S.DepthwiseSeparable, S.DepthwiseSeparable,
         {"out": "out_channels", "kernel": "kernel_size", "stride": "stride", "activation": "activation"},
         "in_channels", lambda: (S.DepthwiseSeparable(8, 16, stride=2), S.Shape(8, 9, 9)), formula=F.SEPARABLE),
    Kind("shuffle_unit", "block", "ShuffleNet unit {formula.text}: group 1×1, shuffle, 3×3 dw, group 1×1",
         S.ShuffleUnit, S.ShuffleUnit,
         {"out": "out_channels", "groups": "groups", "stride": "stride", "bottleneck": "bottleneck",
          "grouped_first": "grouped_first"}, "in_channels",
         lambda: (S.ShuffleUnit(12, 36, groups=3, stride=2), S.Shape(12, 8, 8)), single_stride=True,
         formula=F.SHUFFLENET_UNIT),
    Kind("effnet_block", "block", "EffNet block: 1×1, 1×3 dw, 2×1 pool, 3×1 dw, 2×1 conv (stride 1×2)",
         S.EffNetBlock, S.EffNetBlock, {"out": "out_channels", "mid": "mid_channels", "kernel": "kernel"},
         "in_channels", lambda: (S.EffNetBlock(3, 16, 8), S.Shape(3, 8, 8))),
    Kind("bottleneck", "block", "ResNet bottleneck {formula.text}, ResNeXt hw(2cm + 9m²/g) when groups > 1",
         S.Bottleneck, S.Bottleneck,
         {"out": "out_channels", "bottleneck": "bottleneck", "groups": "groups", "stride": "stride",
          "shortcut": "shortcut"}, "in_channels",
         lambda: (S.Bottleneck(16, 32, 8, groups=2, stride=2, shortcut="projection"), S.Shape(16, 7, 7)),
         single_stride=True, formula=F.RESNET_UNIT),
    Kind("inverted_residual", "block", "1×1 expand ×t, k×k dw, [SE], 1×1 project, add at stride 1: "
         "hw(2·t·c² + 9·t·c) (MobileNetV2; V3, EfficientNet with SE)", S.InvertedResidual, S.InvertedResidual,
         {"out": "out_channels", "expansion": "expansion", "expanded": "expanded_channels", "kernel": "kernel_size",
          "stride": "stride", "activation": "activation", "se": "se_channels", "se_activation": "se_activation",
          "se_gate": "se_gate"}, "in_channels",
         lambda: (S.InvertedResidual(16, 16, 4, 5, activation="hardswish", se_channels=8, se_gate="hardsigmoid"),
                  S.Shape(16, 7, 7)), single_stride=True, formula=F.INVERTED_RESIDUAL),
    Kind("shufflenet_v2_unit", "block", "ShuffleNet V2 unit: channel split, 1×1, 3×3 dw, 1×1, concat, shuffle "
         "(stride 2: both branches, no split)", S.ShuffleV2Unit, S.ShuffleV2Unit,
         {"out": "out_channels", "stride": "stride"}, "in_channels",
         lambda: (S.ShuffleV2Unit(16, 16), S.Shape(16, 6, 6)), single_stride=True, formula=F.SHUFFLENET_V2_UNIT),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
CONV_KINDS = tuple(kind.name for kind in KINDS if kind.macs == "conv")
"""The kinds whose MACs are convolutions (the papers' "conv layers")."""
MAC_KINDS = tuple(kind.name for kind in KINDS if kind.macs)
"""The kinds with MACs of their own: the convolutions and the fully-connected layer."""
PAPER_FORMULAS = {kind.name: kind.formula for kind in KINDS if kind.macs and kind.formula}
"""Kind → the paper formula of its MACs, shown beside a measured layer of that kind."""
