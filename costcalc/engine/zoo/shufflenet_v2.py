"""ShuffleNet V2 (Ma et al. 2018, "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture
Design", arXiv 1807.11164), Table 5, as torchvision's ``shufflenetv2.py`` defines it.

Conv1 3×3 stride 2 → BN → ReLU (24 channels), max pool 3×3 stride 2, three stages of 4, 8 and 4
ShuffleNet V2 units (:class:`~costcalc.engine.specs.ShuffleV2Unit`: channel split, 1×1 → 3×3 depthwise →
1×1 on one half, concatenation, channel shuffle; the first unit of each stage has stride 2 and no
split), Conv5 1×1 → BN → ReLU, global average pooling and a fully-connected classifier (with bias).

The four published sizes fix every width (Table 5 columns); there is no rounding policy, so
``--scale`` takes exactly those four values. Guideline G1 (§2): a 1×1 convolution's memory access
cost ``hw(c1 + c2) + c1·c2`` is smallest for equal widths, which every unit keeps.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.specs import Conv2d, Network, Pool2d, Shape, ShuffleV2Unit, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import check_choice, check_classes, check_res
from costcalc.engine.zoo.heads import classifier

# Table 5 output channels at each scale: Conv1, Stage 2, Stage 3, Stage 4, Conv5.
WIDTHS: dict[Fraction, tuple[int, int, int, int, int]] = {
    Fraction(1, 2): (24, 48, 96, 192, 1024),
    Fraction(1): (24, 116, 232, 464, 1024),
    Fraction(3, 2): (24, 176, 352, 704, 1024),
    Fraction(2): (24, 244, 488, 976, 2048),
}
# Table 5 rows: stage name, repeats (the first unit of each stage has stride 2).
STAGES: tuple[tuple[str, int], ...] = (
    ("stage2", 4),
    ("stage3", 8),
    ("stage4", 4),
)
SCALES = tuple(float(scale) for scale in WIDTHS)


def check_scale(scale: Any) -> Fraction:
    """The scale must be one of Table 5's four: 0.5, 1.0, 1.5, 2.0 (returned as its :data:`WIDTHS` key)."""
    return Fraction(str(check_choice("scale", scale, SCALES, "ShuffleNet V2 Table 5 fixes each width")))


def shufflenet_v2(scale: float = 1.0, res: int = 224, classes: int = 1000) -> Network:
    """ShuffleNet V2 ``scale×`` on a ``3×res×res`` input with ``classes`` outputs (Table 5)."""
    key = check_scale(scale)
    res = check_res(res)
    classes = check_classes(classes)
    conv1, *stage_widths, conv5 = WIDTHS[key]
    layers: list[tuple[str, Any]] = [*conv_bn_act("conv1", Conv2d(3, conv1, 3, 2)),
                                     ("maxpool", Pool2d("max", 3, 2, 1))]
    channels = conv1
    for (stage, repeats), out_channels in zip(STAGES, stage_widths):
        for index in range(repeats):
            layers.append((f"{stage}_{index + 1}", ShuffleV2Unit(channels, out_channels, 2 if index == 0 else 1)))
            channels = out_channels
    layers += classifier(channels, classes, conv=conv5, conv_name="conv5")
    return Network(f"ShuffleNet V2 {float(key):g}× at {res}", Shape(3, res, res), sequence(*layers),
                   {"scale": float(key), "res": res, "classes": classes}, "Table 5 widths (no rounding)")


TORCHVISION_PARAMS = {0.5: "1,366,792", 1.0: "2,278,604", 1.5: "3,503,624", 2.0: "7,393,996"}
# Ma et al. 2018, Table 8: scale → (MFLOPs = million MACs, top-1 error %).
TABLE_8 = {0.5: ("41", "39.7"), 1.0: ("146", "30.6"), 1.5: ("299", "27.4"), 2.0: ("591", "25.1")}
TABLE_8_SOURCE = "Ma et al. 2018, Table 8"
TORCHVISION_GFLOPS = {0.5: "0.04", 1.0: "0.14", 1.5: "0.30", 2.0: "0.58"}
TABLE_8_NOTE = ("Table 8 runs 0.8–1.3 % above this count at every scale although the widths are the official "
                "code's (torchvision's 0.04 / 0.14 / 0.30 / 0.58 GFLOPS agree with this count): the paper's counter "
                "seems to include more than conv + FC multiply-adds")


def published(options: dict[str, Any]) -> list[Published]:
    """torchvision's exact parameter counts and GFLOPS, the paper's Table 8 MFLOPs (224, 1000 classes)."""
    scale = options["scale"]
    if not imagenet(options):
        return []
    source = f"torchvision shufflenet_v2_x{scale:.1f}".replace(".", "_")
    return [Published("params", TORCHVISION_PARAMS[scale], source, scale=1),
            Published("macs", TORCHVISION_GFLOPS[scale], f"{source} (GFLOPS = multiply-adds)", scale=10**9),
            Published("macs", TABLE_8[scale][0], TABLE_8_SOURCE, note=TABLE_8_NOTE)]


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 of the paper's Table 8 (printed as error; 224, 1000 classes)."""
    if not imagenet(options):
        return []
    return [Accuracy.from_error(TABLE_8[options["scale"]][1], TABLE_8_SOURCE)]


def notes(options: dict[str, Any]) -> list[str]:
    return ["channel split and the concatenation are views/copies (no MACs); the shuffle moves elements",
            "baseline: each unit → one 3×3 conv in → out at its stride"]


register(ModelEntry(
    "shufflenet_v2", (),
    "ShuffleNet V2 (Ma et al. 2018): conv1, max pool, 4+8+4 units with channel split, conv5; --scale --res --classes",
    shufflenet_v2, ("scale", "res", "classes"), {"scale": 1.0, "res": 224, "classes": 1000},
    published, notes, accuracy,
))
