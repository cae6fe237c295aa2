"""The three networks as ordinary, trainable PyTorch modules, built from the zoo's specs.

Each class is :class:`costcalc.measure.modules.Network` over the spec that
:mod:`costcalc.zoo` defines — one definition of each architecture, costed analytically and run
here — so submodule names are the analytic layer names (``block2.dw``, ``stage3_1.branches``).
``forward`` takes ``(N, 3, res, res)`` and returns ``(N, classes)`` logits.
"""

from __future__ import annotations

from costcalc.measure.modules import Network
from costcalc.netconfig import load_network
from costcalc.zoo.effnet import effnet
from costcalc.zoo.mobilenet_v1 import mobilenet_v1
from costcalc.zoo.shufflenet_v1 import shufflenet_v1


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


class ConfigNetwork(Network):
    """A network of a YAML file (``configs/models/*.yaml``, :mod:`costcalc.netconfig`)."""

    def __init__(self, path: str):
        super().__init__(load_network(path))
