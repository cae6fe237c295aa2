"""The zoo's network options (``--alpha``, ``--res``, ``--groups`` …), each declared once.

A :class:`NetworkOption` is one keyword argument of the zoo's builders (each network takes some of
them: :attr:`costcalc.engine.zoo.ModelEntry.options`, ``costcalc list``) with everything the commands say
about it: its value type, its short label in sweep plots (``α0.5``, ``r128``, ``1.5×``), its help
on ``costcalc model`` and ``bench`` (one value) and on ``costcalc sweep`` (a comma list of values).
On the command line an option is spelled ``--NAME``.

Everything else is derived from :data:`NETWORK_OPTIONS`: the zoo's :data:`~costcalc.engine.zoo.OPTION_NAMES`,
the sweep's :data:`~costcalc.sweep.grid.OPTION_TYPES` (options that take a list) and
:data:`~costcalc.sweep.grid.FLAGS` (switches, set for every configuration), and the click options of
``model``, ``bench`` and ``sweep`` (:mod:`costcalc.commands.options`). Pure data: imports neither click nor
torch, so every command may read it at start-up.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class NetworkOption(NamedTuple):
    """One network option, a row of :data:`NETWORK_OPTIONS`.

    ``type`` is ``float``, ``int``, ``str`` (a name such as MobileNetV3's ``large``, checked by its
    network) or ``bool`` for a switch; ``label`` formats one value in a short sweep label
    (``"α{:g}"``: ``α0.5``; a switch's label is its name). A named tuple, not a frozen dataclass:
    every command imports this module, and a named tuple class is built in a fifth of the time.
    """

    name: str
    type: type
    label: str
    model_help: str
    sweep_help: str

    @property
    def flag(self) -> str:
        """The command-line spelling, ``--NAME``."""
        return f"--{self.name}"

    @property
    def switch(self) -> bool:
        """A switch (``--shallow``): on or off, never a list in a sweep."""
        return self.type is bool

    def short(self, value: Any) -> str:
        """``value`` as a short sweep label: ``α0.5``, ``r128``, ``1.5×``, ``small``, ``shallow``."""
        return self.label.format(value)


NETWORK_OPTIONS: dict[str, NetworkOption] = {option.name: option for option in (
    NetworkOption("alpha", float, "α{:g}",
                  "MobileNet width multiplier α in (0, 2] (v1: TF-slim rounding; v2, v3: _make_divisible).",
                  "Width multipliers α (MobileNet), e.g. 0.25,0.5,0.75,1.0."),
    NetworkOption("res", int, "r{:g}", "Input resolution (square).", "Input resolutions, e.g. 128,160,192,224."),
    NetworkOption("groups", int, "g{:g}", "ShuffleNet groups g: 1, 2, 3, 4 or 8 (compare rows: any g).",
                  "Groups g (ShuffleNet), e.g. 1,2,3,4,8."),
    NetworkOption("scale", float, "{:g}×",
                  "ShuffleNet scale s (v1: 0.25, 0.5, 1.0, 1.5, 2.0, ...; v2: 0.5, 1.0, 1.5, 2.0).",
                  "Scales s× (ShuffleNet), e.g. 0.5,1.0,1.5,2.0."),
    NetworkOption("classes", int, "c{:g}", "Classifier outputs (MobileNet/ShuffleNet 1000, EffNet 10).",
                  "Classifier outputs, e.g. 1000,1001."),
    NetworkOption("shallow", bool, "shallow",
                  "MobileNet Table 5's shallow network: the five 14×14×512 separable blocks removed.",
                  "MobileNet Table 5's shallow network for every configuration."),
    NetworkOption("size", str, "{}", "MobileNetV3 size: large or small.", "MobileNetV3 sizes, e.g. large,small."),
    NetworkOption("variant", str, "{}",
                  "EfficientNet variant b0 … b7 (compound-scaled width, depth, resolution).",
                  "EfficientNet variants, e.g. b0,b1,b2,b3."),
)}
"""Every network option, by name. This order is the zoo's and the one errors list options in;
``costcalc sweep --help`` lists the options that take a list, then the switches."""

MODEL_ORDER = ("alpha", "res", "groups", "scale", "variant", "classes", "shallow", "size")
"""The order ``costcalc model --help`` lists the network options in (``bench --help`` likewise,
without ``size``: bench's ``--size`` is a layer's feature map)."""
