"""ShuffleNet v1 (Zhang et al. 2018, "ShuffleNet: An Extremely Efficient Convolutional Neural
Network for Mobile Devices", arXiv 1707.01083, CVPR 2018), Table 1.

Conv1 3×3 stride 2 → BN → ReLU, max pool 3×3 stride 2, three stages of 4, 8 and 4 ShuffleNet
units (:class:`~costcalc.engine.specs.ShuffleUnit`, Fig. 2c/2b) whose first unit has stride 2 (3×3
average-pool shortcut, concatenation), global average pooling and a fully-connected classifier.
The bottleneck is a quarter of the unit's output channels; the first pointwise layer of Stage 2
is not grouped (its input has only Conv1's few channels). Unit cost ``hw(2cm/g + 9m)`` at
stride 1 (§3.2), against ResNet's ``hw(2cm + 9m²)``.

"ShuffleNet s×" scales every stage width by ``s`` (§4.1.1). Conv1's width follows the official
implementation (megvii-model/ShuffleNet-Series, ShuffleNetV1/network.py): :data:`CONV1_OFFICIAL`
for the official scales, ``int(24·s)`` otherwise, then raised to the next width for which the
first unit's concatenated branch (``Stage-2 width − Conv1``) divides by ``g``
(:func:`conv1_width`; this is how the official 0.5× g=8 gets 16 rather than 12).
The classifier has no bias, as the official implementation and its published parameter counts.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.specs import Conv2d, Network, Pool2d, Shape, ShuffleUnit, SpecError, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import MAX_SCALE, check_choice, check_classes, check_res
from costcalc.engine.zoo.heads import classifier

GROUPS = (1, 2, 3, 4, 8)
CONV1 = 24

# Table 1, output channels of Stage 2, 3, 4 at 1× for each number of groups g.
STAGE_WIDTHS: dict[int, tuple[int, int, int]] = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}
# Table 1 rows: stage name, repeats (the first unit of each stage has stride 2).
STAGES: tuple[tuple[str, int], ...] = (
    ("stage2", 4),
    ("stage3", 8),
    ("stage4", 4),
)
# Conv1 width of the official implementation for its scales (both g=3 and g=8, before the
# divisibility adjustment of conv1_width).
CONV1_OFFICIAL: dict[Fraction, int] = {Fraction(1, 2): 12, Fraction(1): 24, Fraction(3, 2): 24, Fraction(2): 48}
ROUNDING = ("stage widths int(c·s); bottleneck = out // 4; conv1 official (0.5×→12, 1×→24, 1.5×→24, "
            "2×→48) else int(24·s), raised until (stage-2 width − conv1) % g == 0")


def scaled(channels: int, scale: float) -> int:
    """The width of a layer of ``channels`` channels at scale ``s``: ``int(c·s)`` (exact decimal s)."""
    return int(channels * Fraction(str(scale)))


def conv1_width(scale: float, groups: int, stage2: int) -> int:
    """Conv1's width: the official value for the official scales, else ``int(24·s)`` (at least 1);
    raised until the first unit's main branch ``stage2 − conv1`` is a multiple of ``g``."""
    width = CONV1_OFFICIAL.get(Fraction(str(scale)), max(scaled(CONV1, scale), 1))
    while (stage2 - width) % groups:
        width += 1
    return width


def check_options(groups: Any, scale: Any) -> tuple[int, float]:
    groups = check_choice("groups", groups, GROUPS, "ShuffleNet Table 1")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= MAX_SCALE:
        raise SpecError(f"scale must be a positive number, at most {MAX_SCALE} (e.g. 0.25, 0.5, 1.0, 1.5, 2.0), "
                        f"got {scale!r}")
    return groups, float(scale)


CANDIDATE_SCALES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
"""Scales tried when suggesting ones that work for a group count."""


class IndivisibleWidth(SpecError):
    """A scale gives a stage width (or its quarter) that the group count does not divide."""


def _check_divisible(what: str, channels: int, groups: int, scale: float) -> None:
    if channels < 1 or channels % groups:
        raise IndivisibleWidth(f"scale {scale:g} with groups={groups} gives {what} of {channels} channels, "
                               f"not a positive multiple of g={groups}")


def valid_scales(groups: int) -> list[float]:
    """The :data:`CANDIDATE_SCALES` whose every width divides by ``groups``."""
    valid = []
    for scale in CANDIDATE_SCALES:
        try:
            _network(groups, scale, 224, 1000)
        except IndivisibleWidth:
            continue
        valid.append(scale)
    return valid


def shufflenet_v1(groups: int = 3, scale: float = 1.0, res: int = 224, classes: int = 1000) -> Network:
    """ShuffleNet v1 ``s×`` with ``g`` groups on a ``3×res×res`` input (Table 1)."""
    groups, scale = check_options(groups, scale)
    res = check_res(res)
    classes = check_classes(classes)
    try:
        return _network(groups, scale, res, classes)
    except IndivisibleWidth as error:
        raise SpecError(f"{error}; scales that work with g={groups}: "
                        f"{', '.join(f'{valid:g}' for valid in valid_scales(groups))}") from None


def _network(groups: int, scale: float, res: int, classes: int) -> Network:
    widths = [scaled(width, scale) for width in STAGE_WIDTHS[groups]]
    channels = conv1_width(scale, groups, widths[0])
    layers: list[tuple[str, Any]] = [*conv_bn_act("conv1", Conv2d(3, channels, 3, 2)),
                                     ("maxpool", Pool2d("max", 3, 2, 1))]
    for (stage, repeats), out_channels in zip(STAGES, widths):
        _check_divisible(f"{stage} width", out_channels, groups, scale)
        _check_divisible(f"{stage} bottleneck (width // 4)", out_channels // 4, groups, scale)
        for index in range(repeats):
            stride = 2 if index == 0 else 1
            grouped_first = not (stage == "stage2" and index == 0)
            if stride == 2:
                _check_divisible(f"{stage} first unit's branch (width − input)", out_channels - channels, groups,
                                 scale)
            layers.append((f"{stage}_{index + 1}",
                           ShuffleUnit(channels, out_channels, groups, stride, grouped_first=grouped_first)))
            channels = out_channels
    layers += classifier(channels, classes, bias=False)
    options = {"groups": groups, "scale": scale, "res": res, "classes": classes}
    return Network(f"ShuffleNet v1 {scale:g}× (g={groups}) at {res}", Shape(3, res, res), sequence(*layers), options,
                   ROUNDING)


# Table 1 complexity (MFLOPs = million Mult-Adds, conv layers only, FC excluded), 1×, 224.
TABLE_1_MFLOPS = {1: "143", 2: "140", 3: "137", 4: "133", 8: "137"}
# Official README (ShuffleNet-Series/ShuffleNetV1): (g, s) → (MFLOPs incl. FC, M params incl. BN).
OFFICIAL = {
    (3, 0.5): ("38", "0.7"), (3, 1.0): ("138", "1.9"), (3, 1.5): ("292", "3.4"), (3, 2.0): ("524", "5.4"),
    (8, 0.5): ("40", "1.0"), (8, 1.0): ("138", "2.4"), (8, 1.5): ("290", "4.3"), (8, 2.0): ("522", "6.5"),
}
TABLE_5 = {2.0: "524", 1.5: "292"}
TABLE_2_APPROX = {1.0: "140", 0.5: "38", 0.25: "13"}


def published(options: dict[str, Any]) -> list[Published]:
    g, s = options["groups"], options["scale"]
    if not imagenet(options):
        return []
    rows: list[Published] = []
    if s == 1.0:
        rows.append(Published("conv_macs", TABLE_1_MFLOPS[g], "Zhang et al. 2018, Table 1"))
    if g == 3 and s in TABLE_5:
        rows.append(Published("macs", TABLE_5[s], "Zhang et al. 2018, Table 5"))
    if (g, s) in OFFICIAL:
        macs, params = OFFICIAL[(g, s)]
        source = "megvii ShuffleNet-Series README"
        note = ("137.46 M rounds to 137 (Table 1's conv-only 137 agrees); the README counter seems to count "
                "more than conv + FC here" if (g, s) == (3, 1.0) else "")
        rows += [Published("macs", macs, source, note=note),
                 Published("params", params, source, note="FC without bias")]
    if s in TABLE_2_APPROX and s != 1.0:
        rows.append(Published("macs", TABLE_2_APPROX[s], "Zhang et al. 2018, Table 2 (≈, one value for all g)",
                              note="one approximate complexity per scale for every g", approximate=True))
    return rows


def notes(options: dict[str, Any]) -> list[str]:
    return ["FC without bias (official implementation); Conv1 width from the official network.py"]


# ImageNet top-1 *error* (%), 224, 1000 classes. Paper Table 2: scale → errors for g = 1, 2, 3, 4, 8;
# Table 5: (g, scale) → error; official model zoo (megvii ShuffleNet-Series README): (g, scale) → error.
TABLE_2_ERROR = {
    1.0: ("33.6", "32.7", "32.6", "32.8", "32.4"),
    0.5: ("45.1", "44.4", "43.2", "41.6", "42.3"),
    0.25: ("57.1", "56.8", "55.0", "54.2", "52.7"),
}
TABLE_5_ERROR = {(3, 2.0): "26.3", (3, 1.5): "28.5", (8, 1.0): "32.4", (4, 0.5): "41.6"}
OFFICIAL_ERROR = {(3, 2.0): "25.9", (8, 2.0): "27.1", (3, 1.5): "28.4", (8, 1.5): "29.0",
                  (3, 1.0): "32.2", (8, 1.0): "32.0", (3, 0.5): "42.7", (8, 0.5): "41.2"}


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 (from the printed errors): the paper's Tables 2 and 5 first, then the
    official model zoo; none away from 224 or 1000 classes."""
    g, s = options["groups"], options["scale"]
    if not imagenet(options):
        return []
    rows = []
    if s in TABLE_2_ERROR:
        rows.append(Accuracy.from_error(TABLE_2_ERROR[s][GROUPS.index(g)], "Zhang et al. 2018, Table 2"))
    if (g, s) in TABLE_5_ERROR:
        rows.append(Accuracy.from_error(TABLE_5_ERROR[(g, s)], "Zhang et al. 2018, Table 5"))
    if (g, s) in OFFICIAL_ERROR:
        rows.append(Accuracy.from_error(OFFICIAL_ERROR[(g, s)], "megvii ShuffleNet-Series README"))
    return rows


register(ModelEntry(
    "shufflenet", ("shufflenet_v1",),
    "ShuffleNet v1 (Zhang et al. 2018): conv1, max pool, 4+8+4 ShuffleNet units; --groups --scale --res --classes",
    shufflenet_v1, ("groups", "scale", "res", "classes"), {"groups": 3, "scale": 1.0, "res": 224, "classes": 1000},
    published, notes, accuracy,
))
