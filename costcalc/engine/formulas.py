"""The papers' closed-form costs, each kept with its symbolic text and its source.

Symbols follow MobileNet (Howard et al. 2017, §3.1): ``Df`` the spatial size of the *input*
feature map (``Df²`` is read as ``Dh·Dw`` for rectangular maps), ``Dk`` the kernel size (``Dk²``
is ``Kh·Kw``), ``M`` input and ``N`` output channels, ``g`` groups; and ShuffleNet (Zhang et al.
2018, §3.2): ``h·w`` the feature map, ``c`` channels, ``m`` bottleneck channels; MobileNetV2
(Sandler et al. 2018, Table 1) and ShuffleNet V2 (Ma et al. 2018, Fig. 3c): ``h·w`` the map, ``c``
the block's channels (the ``M`` slot of :class:`Symbols`), ``t`` the expansion factor (the ``N`` slot).

For a rectangular kernel each closed form that involves the kernel is shown in its ``Kh``/``Kw``
form (:attr:`Formula.rectangular`): ``Dk·Dk`` splits into the two sides, and the one-sided forms
(spatial separable, EffNet) name the side they use.

The closed forms assume stride 1 and 'same' padding, so the output map equals the input map; the
exact engine (:mod:`costcalc.engine.cost`) uses the real output shape. Where both apply they agree
exactly (a property test checks it); elsewhere :mod:`costcalc.engine.compare` shows both and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Symbols:
    """Values of the papers' symbols for one layer."""

    dh: int
    dw: int
    kh: int
    kw: int
    m: int
    n: int | Fraction
    """``N``; MobileNetV2's block forms take the expansion ``t`` here, a fraction for ``t = 1.5``."""
    g: int = 1
    x: int | Fraction = 0
    """A block's own width where it needs one beside ``M`` and ``N``: the bottleneck ``m`` of a ShuffleNet
    unit, the expansion ``t`` of an inverted residual (the down-sampling forms below)."""
    stride: int = 1
    """The stride ``s`` of the down-sampling forms (their output map is ``h/s × w/s``)."""

    @property
    def area(self) -> int:
        """``Df²`` as ``Dh·Dw``."""
        return self.dh * self.dw

    @property
    def kernel_area(self) -> int:
        """``Dk²`` as ``Kh·Kw``."""
        return self.kh * self.kw


@dataclass(frozen=True)
class Formula:
    """A named closed form: its text in the paper's notation, its source and its evaluation."""

    name: str
    text: str
    source: str
    evaluate: Callable[[Symbols], int | Fraction]
    rectangular: str = ""
    """The same closed form written with ``Kh`` and ``Kw``, for a rectangular ``Kh×Kw`` kernel
    (empty when the text has no kernel symbol)."""

    def __call__(self, symbols: Symbols) -> int | Fraction:
        return self.evaluate(symbols)

    def text_for(self, symbols: Symbols) -> str:
        """The paper's text for a square kernel; the ``Kh``/``Kw`` form for a rectangular one."""
        return self.rectangular if self.rectangular and symbols.kh != symbols.kw else self.text


STANDARD = Formula("standard", "Df²·M·N·Dk²", "MobileNet eq. 2",
                   lambda s: s.area * s.m * s.n * s.kernel_area, "Df²·M·N·Kh·Kw")
DEPTHWISE = Formula("depthwise", "Df²·M·Dk²", "MobileNet eq. 4",
                    lambda s: s.area * s.m * s.kernel_area, "Df²·M·Kh·Kw")
POINTWISE = Formula("pointwise", "M·N·Df²", "MobileNet §3.1",
                    lambda s: s.m * s.n * s.area)
SEPARABLE = Formula("depthwise_separable", "Df²·M·Dk² + M·N·Df²", "MobileNet eq. 5",
                    lambda s: DEPTHWISE(s) + POINTWISE(s), "Df²·M·Kh·Kw + M·N·Df²")
GROUPED = Formula("grouped", "Df²·M·N·Dk²/g", "ShuffleNet §3.1 (group convolution)",
                  lambda s: Fraction(STANDARD(s), s.g), "Df²·M·N·Kh·Kw/g")
GROUPED_POINTWISE = Formula("grouped_pointwise", "M·N·Df²/g", "ShuffleNet §3.1",
                            lambda s: Fraction(POINTWISE(s), s.g))
DEPTHWISE_GROUPED_POINTWISE = Formula(
    "depthwise_grouped_pointwise", "Df²·M·Dk² + M·N·Df²/g", "MobileNet eq. 5 with ShuffleNet's group pointwise",
    lambda s: DEPTHWISE(s) + GROUPED_POINTWISE(s), "Df²·M·Kh·Kw + M·N·Df²/g")
SPATIAL_SEPARABLE = Formula("spatial_separable", "Df²·M·N·Dk + Df²·N·N·Dk", "Dk×1 then 1×Dk (Inception-v3 §3.2)",
                            lambda s: s.area * s.m * s.n * s.kh + s.area * s.n * s.n * s.kw,
                            "Df²·M·N·Kh + Df²·N·N·Kw")
EFFNET_DEPTHWISE = Formula("effnet_depthwise", "1.5·(Dk·Df²·M)", "EffNet §3 (1×Dk, 2×1 pool, Dk×1)",
                           lambda s: s.area * s.m * (s.kw + Fraction(s.kh, 2)), "Df²·M·(Kw + Kh/2)")
RESNET_UNIT = Formula("resnet_bottleneck", "hw(2cm + 9m²)", "ShuffleNet §3.2",
                      lambda s: s.area * (2 * s.m * s.n + 9 * s.n * s.n))
RESNEXT_UNIT = Formula("resnext_bottleneck", "hw(2cm + 9m²/g)", "ShuffleNet §3.2",
                       lambda s: s.area * (2 * s.m * s.n + Fraction(9 * s.n * s.n, s.g)))
SHUFFLENET_UNIT = Formula("shufflenet_unit", "hw(2cm/g + 9m)", "ShuffleNet §3.2",
                          lambda s: s.area * (Fraction(2 * s.m * s.n, s.g) + 9 * s.n))
INVERTED_RESIDUAL = Formula("inverted_residual", "hw·(2·t·c² + 9·t·c)",
                            "MobileNetV2 Table 1 (t = 6; at t = 1 the 1×1 expansion is left out: hw·(c² + 9c))",
                            lambda s: s.area * ((2 if s.n != 1 else 1) * s.n * s.m * s.m + 9 * s.n * s.m))
SHUFFLENET_V2_UNIT = Formula(
    "shufflenet_v2_unit", "hw·(2·(c/2)² + 9·c/2)", "ShuffleNet V2 Fig. 3c (G1: each 1×1 keeps c1 = c2 = c/2)",
    lambda s: s.area * (Fraction(s.m * s.m, 2) + Fraction(9 * s.m, 2)))

# Down-sampling units (stride 2 on an h×w input of c = M channels, N out; the output map is h/2 × w/2, so
# these forms count ``hw/4`` there and assume an even h and w).
SHUFFLENET_UNIT_STRIDE2 = Formula(
    "shufflenet_unit_stride2", "hw·c·m/g + hw/4·(9m + m·(N − c)/g)",
    "ShuffleNet Fig. 2c (stride 2: avg-pool shortcut, concat; the main path gives N − c)",
    lambda s: s.area * s.m * Fraction(s.x, s.g) + Fraction(s.area, 4) * (9 * s.x + Fraction(s.x * (s.n - s.m), s.g)))
INVERTED_RESIDUAL_PLAIN = Formula(
    "inverted_residual_no_shortcut", "hw·t·c² + hw/s²·(t·c·Dk² + t·c·N)",
    "MobileNetV2 Table 1 (h×w×c → h/s×w/s×N, no shortcut; no 1×1 expansion at t = 1)",
    lambda s: (s.area * s.x * s.m * s.m if s.x != 1 else 0)
    + Fraction(s.area, s.stride ** 2) * (s.x * s.m * s.kernel_area + s.x * s.m * s.n),
    "hw·t·c² + hw/s²·(t·c·Kh·Kw + t·c·N)")
SHUFFLENET_V2_DOWN = Formula(
    "shufflenet_v2_down", "hw·c·N/2 + hw/4·(9c + c·N/2 + 9·N/2 + (N/2)²)",
    "ShuffleNet V2 Fig. 3d (both branches see the input, each gives N/2)",
    lambda s: s.area * s.m * Fraction(s.n, 2)
    + Fraction(s.area, 4) * (9 * s.m + s.m * Fraction(s.n, 2) + Fraction(9 * s.n, 2) + Fraction(s.n * s.n, 4)))
EFFNET_BLOCK = Formula(
    "effnet_block", "hw·M·(M + 1.5·Dk) + hw/4·2·M·N",
    "EffNet Fig. 2 (1×1 M→M, 1×Dk dw, 2×1 pool, Dk×1 dw, 2×1 conv stride 1×2 → N)",
    lambda s: s.area * s.m * (s.m + s.kw + Fraction(s.kh, 2)) + Fraction(s.area, 4) * 2 * s.m * s.n,
    "hw·M·(M + Kw + Kh/2) + hw/4·2·M·N")

STANDARD_STRIDED = Formula("standard_strided", "hw/s²·M·N·Dk²", "MobileNet eq. 2 on the h/s × w/s output",
                           lambda s: Fraction(s.area * s.m * s.n * s.kernel_area, s.stride ** 2), "hw/s²·M·N·Kh·Kw")


def over_standard(formula: Formula) -> Formula:
    """The ratio of a down-sampling form to the standard convolution with the same output (:data:`STANDARD_STRIDED`)."""
    return Formula(f"ratio_{formula.name}_standard", "formula / (hw/s²·M·N·Dk²)",
                   f"{formula.source} against MobileNet eq. 2",
                   lambda s: Fraction(formula(s)) / STANDARD_STRIDED(s), "formula / (hw/s²·M·N·Kh·Kw)")


RATIO_DEPTHWISE = Formula("ratio_depthwise", "1/N", "MobileNet §3.1", lambda s: Fraction(1, s.n))
RATIO_POINTWISE = Formula("ratio_pointwise", "1/Dk²", "MobileNet §3.1", lambda s: Fraction(1, s.kernel_area),
                          "1/(Kh·Kw)")
RATIO_SEPARABLE = Formula("ratio_separable", "1/N + 1/Dk²", "MobileNet §3.1",
                          lambda s: Fraction(1, s.n) + Fraction(1, s.kernel_area), "1/N + 1/(Kh·Kw)")
RATIO_GROUPED = Formula("ratio_grouped", "1/g", "ShuffleNet §3.1", lambda s: Fraction(1, s.g))
RATIO_DEPTHWISE_GROUPED = Formula("ratio_depthwise_grouped", "1/N + 1/(g·Dk²)", "MobileNet + ShuffleNet",
                                  lambda s: Fraction(1, s.n) + Fraction(1, s.g * s.kernel_area),
                                  "1/N + 1/(g·Kh·Kw)")
RATIO_SPATIAL = Formula("ratio_spatial", "1/Dk + N/(M·Dk)", "Dk×1 then 1×Dk",
                        lambda s: Fraction(s.m * s.kh + s.n * s.kw, s.m * s.kernel_area), "1/Kw + N/(M·Kh)")
RATIO_EFFNET = Formula("ratio_effnet", "1.5/Dk", "EffNet §3",
                       lambda s: (s.kw + Fraction(s.kh, 2)) / s.kernel_area, "1/Kh + 1/(2·Kw)")
RATIO_RESNET_VS_STANDARD = Formula(
    "ratio_resnet_standard", "(2cm + 9m²)/(9c²)", "ShuffleNet §3.2 against MobileNet eq. 2",
    lambda s: Fraction(2 * s.m * s.n + 9 * s.n * s.n, 9 * s.m * s.m))
RATIO_SHUFFLE_VS_RESNET = Formula(
    "ratio_shufflenet_resnet", "(2c/g + 9)/(2c + 9m)", "ShuffleNet §3.2",
    lambda s: Fraction(2 * s.m + 9 * s.g, s.g * (2 * s.m + 9 * s.n)))
RATIO_RESNEXT_VS_RESNET = Formula(
    "ratio_resnext_resnet", "(2c + 9m/g)/(2c + 9m)", "ShuffleNet §3.2",
    lambda s: Fraction(2 * s.m * s.g + 9 * s.n, s.g * (2 * s.m + 9 * s.n)))
RATIO_INVERTED_VS_STANDARD = Formula(
    "ratio_inverted_standard", "t·(2c + 9)/(9c)", "MobileNetV2 against MobileNet eq. 2",
    lambda s: Fraction(INVERTED_RESIDUAL(s), s.area * 9 * s.m * s.m))
RATIO_SHUFFLENET_V2_VS_STANDARD = Formula(
    "ratio_shufflenet_v2_standard", "(c + 9)/(18c)", "ShuffleNet V2 against MobileNet eq. 2",
    lambda s: Fraction(s.m + 9, 18 * s.m))
