"""The zoo's networks as ordinary, trainable PyTorch modules, built from the zoo's specs.

Each class is :class:`costcalc.measure.modules.Network` over the spec that
:mod:`costcalc.engine.zoo` defines — one definition of each architecture, costed analytically and run
here — so submodule names are the analytic layer names (``block2.dw``, ``stage3_1.branches``).
``forward`` takes ``(N, 3, res, res)`` and returns ``(N, classes)`` logits.
"""

from __future__ import annotations

from costcalc.config.network_file import load_network
from costcalc.engine.zoo.efficientnet import efficientnet
from costcalc.engine.zoo.effnet import effnet
from costcalc.engine.zoo.mobilenet_v1 import mobilenet_v1
from costcalc.engine.zoo.mobilenet_v2 import mobilenet_v2
from costcalc.engine.zoo.mobilenet_v3 import mobilenet_v3
from costcalc.engine.zoo.shufflenet_v1 import shufflenet_v1
from costcalc.engine.zoo.shufflenet_v2 import shufflenet_v2
from costcalc.measure.modules import Network


class MobileNetV1(Network):
    """MobileNet v1 (Howard et al. 2017, Table 1) at width ``alpha`` (TF-slim rounding) and input ``res``."""

    def __init__(self, alpha: float = 1.0, res: int = 224, classes: int = 1000):
        super().__init__(mobilenet_v1(alpha, res, classes))


class ShuffleNetV1(Network):
    """ShuffleNet v1 (Zhang et al. 2018, Table 1) ``scale×`` with ``groups`` groups (official Conv1 widths)."""

    def __init__(self, groups: int = 3, scale: float = 1.0, res: int = 224, classes: int = 1000):
        super().__init__(shufflenet_v1(groups, scale, res, classes))


class EffNet(Network):
    """EffNet (Freeman et al. 2018) as keras-effnet builds it: three EffNet blocks, flatten, dense."""

    def __init__(self, res: int = 32, classes: int = 10):
        super().__init__(effnet(res, classes))


class MobileNetV2(Network):
    """MobileNetV2 (Sandler et al. 2018, Table 2) at width ``alpha`` (torchvision's ``_make_divisible``)."""

    def __init__(self, alpha: float = 1.0, res: int = 224, classes: int = 1000):
        super().__init__(mobilenet_v2(alpha, res, classes))


class MobileNetV3(Network):
    """MobileNetV3-``size`` (Howard et al. 2019, Tables 1, 2) at width ``alpha``, as torchvision."""

    def __init__(self, size: str = "large", alpha: float = 1.0, res: int = 224, classes: int = 1000):
        super().__init__(mobilenet_v3(size, alpha, res, classes))


class ShuffleNetV2(Network):
    """ShuffleNet V2 ``scale×`` (Ma et al. 2018, Table 5), as torchvision."""

    def __init__(self, scale: float = 1.0, res: int = 224, classes: int = 1000):
        super().__init__(shufflenet_v2(scale, res, classes))


class EfficientNet(Network):
    """EfficientNet-``variant`` (Tan & Le 2019) at its native resolution unless ``res`` is given, as torchvision."""

    def __init__(self, variant: str = "b0", res: int | None = None, classes: int = 1000):
        super().__init__(efficientnet(variant, res, classes))


class ConfigNetwork(Network):
    """A network of a YAML file (``configs/models/*.yaml``, :mod:`costcalc.config.network_file`)."""

    def __init__(self, path: str):
        super().__init__(load_network(path))
