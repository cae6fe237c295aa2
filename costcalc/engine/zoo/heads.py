"""The classifier head the zoo's ImageNet networks end with."""

from __future__ import annotations

from costcalc.engine.specs import Activation, Flatten, GlobalAvgPool, Linear, Spec, conv_bn_act, pointwise


def classifier(channels: int, classes: int, conv: int | None = None, conv_name: str = "conv_last",
               activation: str = "relu", hidden: int | None = None, bias: bool = True) -> list[tuple[str, Spec]]:
    """The layers after the last block: [1×1 conv → BN → activation] → global average pool → flatten →
    fully-connected ``→ classes`` (``fc``).

    ``conv`` widens the features by a 1×1 conv ``conv_name`` first (MobileNetV2's 1280, ShuffleNet V2's
    Conv5); ``hidden`` splits the classifier into ``fc1`` to ``hidden`` features → activation (``fc1_act``)
    → ``fc2`` (MobileNetV3's "NBN" 1×1 layers after the pool); ``bias=False`` drops the final layer's
    bias (ShuffleNet v1's official code).
    """
    layers: list[tuple[str, Spec]] = []
    if conv is not None:
        layers += conv_bn_act(conv_name, pointwise(channels, conv), activation)
        channels = conv
    layers += [("pool", GlobalAvgPool()), ("flatten", Flatten())]
    if hidden is None:
        return layers + [("fc", Linear(channels, classes, bias=bias))]
    return layers + [("fc1", Linear(channels, hidden)), ("fc1_act", Activation(activation)),
                     ("fc2", Linear(hidden, classes, bias=bias))]
