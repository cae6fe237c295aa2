"""Layer specs: a convolution layer from a YAML file (``configs/layers/*.yaml``) and the options given
on the command line, which override it (``costcalc compare`` and ``costcalc bench --config``)."""

from __future__ import annotations

from typing import Any

from costcalc.engine.compare import LAYER_KEYS, PAIR_KEYS, LayerQuery
from costcalc.engine.specs import as_pair, parse_pair

FILE_KEYS = ("name", "description", *LAYER_KEYS)
LAYER_OPTION_KEYS = {"in_channels": "in", "out_channels": "out", "kernel": "kernel", "size": "size",
                     "stride": "stride", "padding": "padding", "groups": "groups",
                     "bottleneck_ratio": "bottleneck_ratio", "expansion": "expansion"}
"""click parameter names of the layer options → layer keys."""


def load_layer_file(path: str) -> dict[str, Any]:
    """Read a layer spec (``configs/layers/*.yaml``): its name and its layer keys, checked in place."""
    from costcalc.config.config_file import ConfigFile

    config = ConfigFile(path)
    data = config.mapping((), config.data, FILE_KEYS, "a layer spec")
    values: dict[str, Any] = {"name": str(data.get("name", config.path.stem))}
    for key in LAYER_KEYS:
        if key not in data:
            continue
        value = data[key]
        try:
            if key in PAIR_KEYS:
                value = as_pair(parse_pair(value, key), key, minimum=0 if key == "padding" else 1)
            elif key == "expansion":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                    raise ValueError(f"expansion must be a positive number (e.g. 6), got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
        except ValueError as error:
            raise config.error((key,), str(error)) from None
        values[key] = value
    return values


def layer_query(config_path: str | None, options: dict[str, Any]) -> tuple[str, LayerQuery]:
    """The layer asked for: ``--config FILE`` overridden by the options given (``--in`` …)."""
    values = load_layer_file(config_path) if config_path else {"name": "layer"}
    values.update({LAYER_OPTION_KEYS[key]: value for key, value in options.items() if value is not None})
    name = values.pop("name")
    return name, LayerQuery.from_mapping(values)
