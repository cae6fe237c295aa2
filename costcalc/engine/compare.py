"""One convolution layer against the factorizations the papers propose (``costcalc compare``).

Every row is one registered :class:`RowDefinition`: how to build the row's spec from the layer,
which row it is measured against, and the paper's closed form for its cost and ratio. The row's
exact count comes from :func:`costcalc.engine.cost.cost` on the same spec that ``costcalc verify`` builds
in torch, so the table, the formulas and the measured counts all describe one definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from costcalc.engine import formulas as F
from costcalc.engine.cost import CostReport, cost
from costcalc.engine.specs import (
    DERIVED,
    Bottleneck,
    Conv2d,
    EffNetBlock,
    InvertedResidual,
    Pair,
    Pool2d,
    Sequential,
    Shape,
    ShuffleUnit,
    ShuffleV2Unit,
    Spec,
    SpecError,
    as_pair,
    check_int,
    depthwise,
    parse_pair,
    pointwise,
    sequence,
)
from costcalc.formatting import dims

LAYER_KEYS = {"in": "in_channels", "out": "out_channels", "kernel": "kernel_size", "size": "size",
              "stride": "stride", "padding": "padding", "groups": "groups", "bottleneck_ratio": "bottleneck_ratio",
              "expansion": "expansion"}
"""How a layer is written on the command line (``--in``) and in YAML (``in:``) → LayerQuery fields."""
PAIR_KEYS = ("kernel", "size", "stride", "padding")
REQUIRED_KEYS = ("in", "out", "kernel", "size")


@dataclass(frozen=True)
class LayerQuery:
    """The layer ``compare`` is asked about: ``M → N`` channels, ``Kh×Kw`` kernel on a ``Dh×Dw`` map.

    ``padding`` defaults to ``kernel // 2`` per dimension; ``groups`` (for the grouped rows)
    defaults to 8, as ShuffleNet's largest group count. The unit rows' own widths: the bottleneck
    ``m = N / bottleneck_ratio`` (4, as ShuffleNet §3.2 and ResNet's bottleneck) and the inverted
    residual's expansion ``t`` (6, MobileNetV2 Table 2).
    """

    in_channels: int
    out_channels: int
    kernel_size: Pair
    size: Pair
    stride: Pair = (1, 1)
    padding: Pair = DERIVED
    groups: int = 8
    bottleneck_ratio: int = 4
    expansion: int | float = 6

    def __post_init__(self) -> None:
        check_int(self.in_channels, "in_channels")
        check_int(self.out_channels, "out_channels")
        kernel = as_pair(self.kernel_size, "kernel")
        object.__setattr__(self, "kernel_size", kernel)
        object.__setattr__(self, "size", as_pair(self.size, "size"))
        object.__setattr__(self, "stride", as_pair(self.stride, "stride"))
        padding = (kernel[0] // 2, kernel[1] // 2) if self.padding is None else self.padding
        object.__setattr__(self, "padding", as_pair(padding, "padding", minimum=0))
        check_int(self.groups, "groups")
        check_int(self.bottleneck_ratio, "bottleneck_ratio")
        if isinstance(self.expansion, bool) or not isinstance(self.expansion, (int, float)) \
                or not 0 < self.expansion < float("inf"):
            raise SpecError(f"expansion must be a positive number (e.g. 6), got {self.expansion!r}")
        if isinstance(self.expansion, float) and self.expansion.is_integer():
            object.__setattr__(self, "expansion", int(self.expansion))
        self.standard().output_shape(self.input)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> LayerQuery:
        """A query from ``{"in": 512, "out": 512, "kernel": "3", "size": "14x14", …}`` (CLI / YAML keys)."""
        missing = [f"--{key}" for key in REQUIRED_KEYS if values.get(key) is None]
        if missing:
            raise SpecError(f"missing {', '.join(missing)} (give them as options or in --config FILE)")
        unknown = sorted(set(values) - set(LAYER_KEYS))
        if unknown:
            raise SpecError(f"unknown layer key {unknown[0]!r}; valid: {', '.join(LAYER_KEYS)}")
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            try:
                fields[LAYER_KEYS[key]] = parse_pair(value, key) if key in PAIR_KEYS else value
            except ValueError as error:
                raise SpecError(str(error)) from None
        return cls(**fields)

    @property
    def input(self) -> Shape:
        return Shape(self.in_channels, *self.size)

    @property
    def description(self) -> str:
        """``512→512, 3×3 kernel, stride 2×1, on 512×14×14`` (a square stride as one number)."""
        stride = str(self.stride[0]) if self.stride[0] == self.stride[1] else dims(self.stride)
        return (f"{self.in_channels}→{self.out_channels}, {self.kernel_size[0]}×{self.kernel_size[1]} kernel, "
                f"stride {stride}, on {self.input}")

    def standard(self) -> Conv2d:
        return Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding)

    def depthwise(self) -> Conv2d:
        return depthwise(self.in_channels, self.kernel_size, self.stride, padding=self.padding)

    @property
    def is_same(self) -> bool:
        """True when the standard convolution keeps the map size (stride 1, 'same' padding)."""
        return self.standard().output_shape(self.input)[1:] == self.input[1:]

    @property
    def bottleneck(self) -> int:
        """The units' bottleneck width ``m = N / bottleneck_ratio`` (ShuffleNet's quarter by default)."""
        return self.out_channels // self.bottleneck_ratio

    @property
    def t(self) -> int | Fraction:
        """The expansion ``t`` as an exact number (``1.5`` → 3/2)."""
        return self.expansion if isinstance(self.expansion, int) else Fraction(str(self.expansion))

    def as_dict(self) -> dict[str, Any]:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "size": list(self.size), "stride": list(self.stride),
                "padding": list(self.padding), "groups": self.groups, "bottleneck_ratio": self.bottleneck_ratio,
                "bottleneck": self.bottleneck, "expansion": self.expansion, "input": list(self.input)}


def symbols(query: LayerQuery) -> F.Symbols:
    """MobileNet's symbols for the layer: ``Df`` = input map, ``Dk`` = kernel, ``M``, ``N``, ``g``."""
    return F.Symbols(*query.size, *query.kernel_size, query.in_channels, query.out_channels, query.groups)


def unit_symbols(query: LayerQuery) -> F.Symbols:
    """ShuffleNet's symbols for a unit: ``h·w`` = input map, ``c`` = channels, ``m`` = bottleneck."""
    return F.Symbols(*query.size, 3, 3, query.in_channels, query.bottleneck, query.groups)


def down_symbols(query: LayerQuery) -> F.Symbols:
    """The down-sampling units' symbols: ``h·w`` input map, ``Dk``, ``c = M``, ``N``, ``g``, the unit's own width
    (the bottleneck ``m`` of ShuffleNet; the expansion ``t`` for the inverted residual) and the stride ``s``."""
    return F.Symbols(*query.size, *query.kernel_size, query.in_channels, query.out_channels, query.groups,
                     query.bottleneck, query.stride[0])


def expansion_down_symbols(query: LayerQuery) -> F.Symbols:
    return F.Symbols(*query.size, *query.kernel_size, query.in_channels, query.out_channels, query.groups,
                     query.t, query.stride[0])


def _on_depthwise_output(query: LayerQuery) -> Shape:
    """The pointwise rows act on the depthwise output, where the stride has already been applied."""
    return query.depthwise().output_shape(query.input)


def _spatial_separable(query: LayerQuery) -> Sequential:
    (kh, kw), (sh, sw), (ph, pw) = query.kernel_size, query.stride, query.padding
    return sequence(("conv_col", Conv2d(query.in_channels, query.out_channels, (kh, 1), (sh, 1), (ph, ph, 0, 0))),
                    ("conv_row", Conv2d(query.out_channels, query.out_channels, (1, kw), (1, sw), (0, 0, pw, pw))))


def _effnet_depthwise(query: LayerQuery) -> Sequential:
    """EffNet's replacement of the ``Kh×Kw`` depthwise: ``1×Kw`` depthwise, 2×1 max pool, ``Kh×1`` depthwise.

    The layer's stride and padding apply per axis, to the 1-D convolution along that axis, as in
    ``spatial_separable``: the ``1×Kw`` conv takes the width padding and stride, the ``Kh×1`` conv
    (after the pool) the height padding and stride. So at 'same' padding the output is the
    depthwise row's output with its height halved; a height padding that does not keep the size
    changes the pooled height by ``2·ph − (Kh − 1)``, as it changes the depthwise row's height.
    """
    (kh, kw), (sh, sw), (ph, pw), channels = query.kernel_size, query.stride, query.padding, query.in_channels
    return sequence(("dw_row", depthwise(channels, (1, kw), (1, sw), padding=(0, 0, pw, pw))),
                    ("pool", Pool2d("max", (2, 1), (2, 1))),
                    ("dw_col", depthwise(channels, (kh, 1), (sh, 1), padding=(ph, ph, 0, 0))))


def _unit(build: Callable[[LayerQuery], Spec]) -> Callable[[LayerQuery], Spec]:
    """Residual-unit rows compare like with like: stride 1 and ``M == N``, as ShuffleNet §3.2."""

    def checked(query: LayerQuery) -> Spec:
        if query.stride != (1, 1) or query.in_channels != query.out_channels or query.kernel_size != (3, 3):
            raise SpecError("needs a 3×3 kernel, stride 1 and in == out channels (a residual unit; "
                            "a stride-2 layer has the *_stride2 / *_down rows)")
        return build(query)

    return checked


def _down(build: Callable[[LayerQuery], Spec]) -> Callable[[LayerQuery], Spec]:
    """Down-sampling units stand for a 3×3 stride-2 layer (ShuffleNet Fig. 2c, ShuffleNet V2 Fig. 3d)."""

    def checked(query: LayerQuery) -> Spec:
        if query.stride != (2, 2) or query.kernel_size != (3, 3):
            raise SpecError("needs a 3×3 kernel at stride 2 (a down-sampling unit; stride 1 has the residual rows)")
        return build(query)

    return checked


def _plain_inverted_residual(query: LayerQuery) -> InvertedResidual:
    """MobileNetV2's block where it has no shortcut: stride 2, or ``M ≠ N`` (Table 1, Fig. 4d)."""
    (kh, kw), (sh, sw) = query.kernel_size, query.stride
    if kh != kw or sh != sw or sh not in (1, 2):
        raise SpecError("needs a square kernel and a stride of 1 or 2")
    if sh == 1 and query.in_channels == query.out_channels:
        raise SpecError("at stride 1 with in == out the block adds its input: see inverted_residual")
    return InvertedResidual(query.in_channels, query.out_channels, query.expansion, query.kernel_size, sh)


def _effnet_block(query: LayerQuery) -> EffNetBlock:
    """EffNet's block for a ``k×k`` stride-2 layer: pointwise to M, 1×k dw, 2×1 pool, k×1 dw, 2×1 conv to N at
    stride 1×2 — the same output as the layer when the layer's stride-2 output is ``⌊H/2⌋ × ⌈W/2⌉``."""
    (kh, kw) = query.kernel_size
    if query.stride != (2, 2) or kh != kw:
        raise SpecError("the EffNet block halves the map; it stands for a square-kernel layer at stride 2")
    block = EffNetBlock(query.in_channels, query.out_channels, kernel=kh)
    ours, layer = block.output_shape(query.input), query.standard().output_shape(query.input)
    if ours != layer:
        raise SpecError(f"its output {ours} is not the layer's {layer} (the 2×1 pool floors an odd height)")
    return block


@dataclass(frozen=True)
class RowDefinition:
    """One row of ``compare``: its spec, its input, its reference row and the paper's closed forms."""

    name: str
    description: str
    build: Callable[[LayerQuery], Spec]
    formula: F.Formula
    reference: str = "standard"
    ratio: F.Formula | None = None
    input: Callable[[LayerQuery], Shape] = field(default=lambda query: query.input)
    symbols: Callable[[LayerQuery], F.Symbols] = symbols
    stride_note: str = ""
    """How the row applies a stride, when that is not the plain strided convolution."""
    padding_note: str = ""
    """How the row applies a padding that does not keep the size, when that is not the plain padded convolution."""
    pools_height: bool = False
    """The row halves the height with a 2×1 pool (EffNet), which floors an odd height."""
    down_form: bool = False
    """The closed form counts the h/s × w/s output itself (a down-sampling unit), so it holds for any stride s
    that divides the map."""
    like_for_like: str = ""
    """The row to read instead when this one's output map differs from its reference's."""

    def describe(self, query: LayerQuery) -> str:
        """The description with the query's own widths: ``{r}`` the bottleneck ratio, ``{t}`` the expansion."""
        return self.description.format(r=query.bottleneck_ratio, t=query.expansion)


def expansion_symbols(query: LayerQuery) -> F.Symbols:
    """MobileNetV2's symbols for a block: ``h·w`` the map, ``c`` channels (``m`` slot), ``t`` expansion (``n`` slot)."""
    return F.Symbols(*query.size, 3, 3, query.in_channels, query.t)


ROWS: tuple[RowDefinition, ...] = (
    RowDefinition("standard", "Dk×Dk convolution M→N", LayerQuery.standard, F.STANDARD),
    RowDefinition("depthwise", "Dk×Dk depthwise on M channels", LayerQuery.depthwise, F.DEPTHWISE,
                  ratio=F.RATIO_DEPTHWISE),
    RowDefinition("pointwise", "1×1 convolution M→N (after the depthwise)",
                  lambda q: pointwise(q.in_channels, q.out_channels), F.POINTWISE, ratio=F.RATIO_POINTWISE,
                  input=_on_depthwise_output),
    RowDefinition("depthwise_separable", "depthwise + pointwise (MobileNet)",
                  lambda q: sequence(("dw", q.depthwise()), ("pw", pointwise(q.in_channels, q.out_channels))),
                  F.SEPARABLE, ratio=F.RATIO_SEPARABLE),
    RowDefinition("grouped", "Dk×Dk convolution M→N in g groups",
                  lambda q: Conv2d(q.in_channels, q.out_channels, q.kernel_size, q.stride, q.padding,
                                   groups=q.groups), F.GROUPED, ratio=F.RATIO_GROUPED),
    RowDefinition("grouped_pointwise", "1×1 group convolution M→N (ShuffleNet)",
                  lambda q: pointwise(q.in_channels, q.out_channels, groups=q.groups), F.GROUPED_POINTWISE,
                  reference="pointwise", ratio=F.RATIO_GROUPED, input=_on_depthwise_output),
    RowDefinition("depthwise_grouped_pointwise", "depthwise + 1×1 group convolution",
                  lambda q: sequence(("dw", q.depthwise()),
                                     ("gpw", pointwise(q.in_channels, q.out_channels, groups=q.groups))),
                  F.DEPTHWISE_GROUPED_POINTWISE, ratio=F.RATIO_DEPTHWISE_GROUPED),
    RowDefinition("spatial_separable", "Dk×1 conv M→N, then 1×Dk conv N→N", _spatial_separable,
                  F.SPATIAL_SEPARABLE, ratio=F.RATIO_SPATIAL,
                  stride_note="the Dk×1 conv strides the height at full width, the 1×Dk conv strides the width"),
    RowDefinition("effnet_depthwise", "1×Dk depthwise, 2×1 max pool, Dk×1 depthwise (EffNet)",
                  _effnet_depthwise, F.EFFNET_DEPTHWISE, reference="depthwise", ratio=F.RATIO_EFFNET,
                  stride_note="the 1×Dk depthwise strides the width, the Dk×1 depthwise (after the pool) the height",
                  padding_note="the height padding pads the Dk×1 depthwise after the pool, the width padding "
                               "the 1×Dk depthwise",
                  pools_height=True, like_for_like="effnet_block"),
    RowDefinition("resnet_bottleneck", "ResNet bottleneck, m = N/{r} (1×1, 3×3, 1×1 + add)",
                  _unit(lambda q: Bottleneck(q.in_channels, q.out_channels, q.bottleneck)), F.RESNET_UNIT,
                  ratio=F.RATIO_RESNET_VS_STANDARD, symbols=unit_symbols),
    RowDefinition("resnext_bottleneck", "ResNeXt unit, m = N/{r}, 3×3 in g groups",
                  _unit(lambda q: Bottleneck(q.in_channels, q.out_channels, q.bottleneck, groups=q.groups)),
                  F.RESNEXT_UNIT, reference="resnet_bottleneck", ratio=F.RATIO_RESNEXT_VS_RESNET,
                  symbols=unit_symbols),
    RowDefinition("shufflenet_unit", "ShuffleNet unit, m = N/{r}, g groups (+ shuffle, add)",
                  _unit(lambda q: ShuffleUnit(q.in_channels, q.out_channels, q.groups, bottleneck=q.bottleneck)),
                  F.SHUFFLENET_UNIT, reference="resnet_bottleneck", ratio=F.RATIO_SHUFFLE_VS_RESNET,
                  symbols=unit_symbols),
    RowDefinition("inverted_residual", "MobileNetV2 inverted residual, t = {t} (1×1 → t·c, 3×3 dw, 1×1 → c + add)",
                  _unit(lambda q: InvertedResidual(q.in_channels, q.out_channels, q.expansion)), F.INVERTED_RESIDUAL,
                  ratio=F.RATIO_INVERTED_VS_STANDARD, symbols=expansion_symbols),
    RowDefinition("shufflenet_v2_unit", "ShuffleNet V2 unit: split, 1×1, 3×3 dw, 1×1 on c/2, concat, shuffle "
                  "(--memory: each 1×1's hw(c1 + c2) + c1·c2, G1)",
                  _unit(lambda q: ShuffleV2Unit(q.in_channels, q.out_channels)), F.SHUFFLENET_V2_UNIT,
                  ratio=F.RATIO_SHUFFLENET_V2_VS_STANDARD, symbols=expansion_symbols),
    RowDefinition("shufflenet_unit_stride2", "ShuffleNet stride-2 unit, m = N/{r}, g groups: 1×1 gconv, shuffle, "
                  "3×3 dw stride 2, 1×1 gconv → N − M, concat with a 3×3 avg pool of the input",
                  _down(lambda q: ShuffleUnit(q.in_channels, q.out_channels, q.groups, 2, bottleneck=q.bottleneck)),
                  F.SHUFFLENET_UNIT_STRIDE2, ratio=F.over_standard(F.SHUFFLENET_UNIT_STRIDE2), symbols=down_symbols,
                  down_form=True),
    RowDefinition("inverted_residual_no_shortcut", "MobileNetV2 inverted residual without its shortcut (stride 2 "
                  "or M ≠ N), t = {t}: 1×1 → t·M, Dk×Dk dw (stride), 1×1 → N",
                  _plain_inverted_residual, F.INVERTED_RESIDUAL_PLAIN,
                  ratio=F.over_standard(F.INVERTED_RESIDUAL_PLAIN), symbols=expansion_down_symbols, down_form=True),
    RowDefinition("shufflenet_v2_down", "ShuffleNet V2 down-sampling unit: 3×3 dw s2 + 1×1 → N/2 beside "
                  "1×1, 3×3 dw s2, 1×1 → N/2, concat, shuffle",
                  _down(lambda q: ShuffleV2Unit(q.in_channels, q.out_channels, 2)), F.SHUFFLENET_V2_DOWN,
                  ratio=F.over_standard(F.SHUFFLENET_V2_DOWN), symbols=down_symbols, down_form=True),
    RowDefinition("effnet_block", "EffNet block for a stride-2 layer: 1×1 M→M, 1×Dk dw, 2×1 max pool, Dk×1 dw, "
                  "2×1 conv → N at stride 1×2 (the layer's own output)",
                  _effnet_block, F.EFFNET_BLOCK, ratio=F.over_standard(F.EFFNET_BLOCK),
                  symbols=lambda q: F.Symbols(*q.size, *q.kernel_size, q.in_channels, q.out_channels, stride=2),
                  down_form=True),
)


@dataclass(frozen=True)
class CompareRow:
    """The outcome of one row: exact count (or ``None`` with a note), closed form and ratios."""

    definition: RowDefinition
    report: CostReport | None
    spec: Any
    input: Shape | None
    formula_macs: int | Fraction | None
    formula_ratio: int | Fraction | None
    ratio: Fraction | None = None
    note: str = ""
    formula_text: str = ""
    """The closed form as written for this layer's kernel (``Kh``/``Kw`` when it is rectangular)."""
    formula_ratio_text: str = "1"
    description: str = ""
    """The row's description with the layer's bottleneck ratio and expansion written in."""

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def macs(self) -> int | None:
        return None if self.report is None else self.report.macs

    @property
    def params(self) -> int | None:
        return None if self.report is None else self.report.params


def _explain(query: LayerQuery, row: RowDefinition, report: CostReport, formula_macs: int | Fraction,
             ratio: Fraction | None, formula_ratio: int | Fraction) -> str:
    """Say why the exact count or ratio departs from the closed form ('' when they agree)."""
    if formula_macs == report.macs and (ratio is None or ratio == formula_ratio):
        return ""
    if row.down_form:
        return (f"closed form assumes the {query.size[0]}×{query.size[1]} map divides by the stride; exact count uses "
                f"the real maps (output {report.output.height}×{report.output.width})")
    reasons = []
    if query.stride != (1, 1):
        reasons += [f"stride {query.stride[0]}×{query.stride[1]}", *filter(None, [row.stride_note])]
    if not query.is_same and query.stride == (1, 1):
        reasons += [f"padding {query.padding[0]}×{query.padding[1]} does not keep the size",
                    *filter(None, [row.padding_note])]
    if row.pools_height and query.size[0] % 2:
        reasons.append(f"the 2×1 pool floors the odd height {query.size[0]}")
    why = "; ".join(reasons) or "the closed form ignores the layer's exact geometry"
    return (f"closed form assumes output = input {query.size[0]}×{query.size[1]}; "
            f"exact count uses the real output {report.output.height}×{report.output.width} ({why})")


def _unlike(row: RowDefinition, report: CostReport, reference: CompareRow | None) -> str:
    """Say so when the row's output map is not its reference's (EffNet's pooled depthwise pair), and which row
    compares like for like."""
    if reference is None or reference.report is None or report.output[1:] == reference.report.output[1:]:
        return ""
    instead = f"; like for like: {row.like_for_like}" if row.like_for_like else ""
    return (f"not like for like: a {report.output} output against {reference.name}'s {reference.report.output}"
            f"{instead}")


def compare_layer(query: LayerQuery) -> list[CompareRow]:
    """Cost every registered row for ``query``; rows that cannot apply carry ``None`` and a note."""
    results: dict[str, CompareRow] = {}
    for row in ROWS:
        formula_symbols = row.symbols(query)
        formula_text = row.formula.text_for(formula_symbols)
        formula_ratio_text = row.ratio.text_for(formula_symbols) if row.ratio else "1"
        description = row.describe(query)
        try:
            spec = row.build(query)
            row_input = row.input(query)
            report = cost(spec, row_input)
        except SpecError as error:
            results[row.name] = CompareRow(row, None, None, None, None, None, note=f"not applicable: {error}",
                                           formula_text=formula_text, formula_ratio_text=formula_ratio_text,
                                           description=description)
            continue
        formula_macs = row.formula(formula_symbols)
        formula_ratio = row.ratio(formula_symbols) if row.ratio else Fraction(1)
        reference = results.get(row.reference)
        ratio = None
        if reference is None and row.reference == row.name:
            ratio = Fraction(1)
        elif reference is not None and reference.macs:
            ratio = Fraction(report.macs, reference.macs)
        note = "; ".join(filter(None, [_explain(query, row, report, formula_macs, ratio, formula_ratio),
                                       _unlike(row, report, reference)]))
        results[row.name] = CompareRow(row, report, spec, row_input, formula_macs, formula_ratio, ratio, note,
                                       formula_text=formula_text, formula_ratio_text=formula_ratio_text,
                                       description=description)
    return list(results.values())
