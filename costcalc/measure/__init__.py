"""Measured counts: the only package that imports torch or fvcore.

Commands import it lazily (inside the command function) after
:func:`costcalc.commands.options.require_measure` has checked that the ``measure`` extra is installed.
The paper networks (``MobileNetV1``, ``ShuffleNetV1``, ``EffNet``, the successors ``MobileNetV2``,
``MobileNetV3``, ``ShuffleNetV2``, ``EfficientNet``, and ``ConfigNetwork``) are exported
lazily from :mod:`costcalc.measure.networks`.
"""

NETWORKS = ("MobileNetV1", "ShuffleNetV1", "EffNet", "MobileNetV2", "MobileNetV3", "ShuffleNetV2", "EfficientNet",
            "ConfigNetwork")


def __getattr__(name: str) -> type:
    if name in NETWORKS:
        from costcalc.measure import networks

        return getattr(networks, name)
    raise AttributeError(f"module 'costcalc.measure' has no attribute {name!r}")
