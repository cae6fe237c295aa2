"""Shared click option decorators, parameter types and user-error helpers for every command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from costcalc.render import FORMATS, UNITS
from costcalc.specs import parse_pair

class PairType(click.ParamType):
    """``N`` or ``HxW`` (``3``, ``1x3``, ``112x112``)."""

    name = "N|HxW"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        try:
            return parse_pair(value, param.name if param else "value")
        except ValueError as error:
            self.fail(str(error), param, ctx)


PAIR = PairType()


def format_option(command: Callable) -> Callable:
    """``--format table|json|csv|markdown``."""
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format (table is plain text when piped or NO_COLOR is set).")(command)


def unit_option(command: Callable) -> Callable:
    """``--unit macs|flops`` (FLOPs = 2 × MACs)."""
    return click.option("--unit", type=click.Choice(UNITS), default="macs", show_default=True,
                        help="Show multiply-accumulates, or FLOPs = 2 × MACs.")(command)


def _stack(*decorators: Callable) -> Callable[[Callable], Callable]:
    """Apply several click decorators as one (first listed = first in ``--help``)."""

    def apply(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


model_options = _stack(
    click.option("--alpha", type=float, help="MobileNet width multiplier α in (0, 2] (v1: TF-slim rounding; "
                                             "v2, v3: _make_divisible)."),
    click.option("--res", type=int, help="Input resolution (square)."),
    click.option("--groups", type=int, help="ShuffleNet groups g: 1, 2, 3, 4 or 8 (compare rows: any g)."),
    click.option("--scale", type=float, help="ShuffleNet scale s (v1: 0.25, 0.5, 1.0, 1.5, 2.0, ...; v2: 0.5, 1.0, "
                                             "1.5, 2.0)."),
    click.option("--variant", help="EfficientNet variant b0 … b7 (compound-scaled width, depth, resolution)."),
    click.option("--classes", type=int, help="Classifier outputs (MobileNet/ShuffleNet 1000, EffNet 10)."),
    click.option("--shallow", is_flag=True, flag_value=True, default=None,
                 help="MobileNet Table 5's shallow network: the five 14×14×512 separable blocks removed."),
)
"""The zoo's network options; each network takes some of them (``costcalc list``)."""

size_option = click.option("--size", help="MobileNetV3 size: large or small.")
"""MobileNetV3's ``--size`` (apart from :data:`model_options`: ``bench`` has a layer ``--size``)."""

layer_options = _stack(
    click.option("--in", "in_channels", type=int, help="Input channels M."),
    click.option("--out", "out_channels", type=int, help="Output channels N."),
    click.option("--kernel", type=PAIR, help="Kernel Dk: 3 or 1x3."),
    click.option("--size", type=PAIR, help="Input feature map Df: 14 or 112x112."),
    click.option("--stride", type=PAIR, help="Stride (default 1)."),
    click.option("--padding", type=PAIR, help="Padding per side (default kernel // 2)."),
)
"""One convolution layer, as ``costcalc compare`` takes it (``--groups`` comes separately)."""


def dtype_option(help_text: str) -> Callable[[Callable], Callable]:
    """``--dtype float32|float16|int8`` (bytes per element from :data:`costcalc.memory.DTYPES`)."""
    from costcalc.memory import DTYPES

    return click.option("--dtype", type=click.Choice(tuple(DTYPES)), default="float32", show_default=True,
                        help=help_text)


def usage_error(message: str) -> click.UsageError:
    """A user error: printed as one ``Error:`` line, exit code 2."""
    return click.UsageError(message)


def require_measure(extra: str = "measure") -> None:
    """Fail with exit 2 and the extra to install when torch or fvcore is missing."""
    import importlib.util

    missing = [module for module in ("torch", "fvcore") if importlib.util.find_spec(module) is None]
    if missing:
        raise usage_error(f"this command needs {' and '.join(missing)}; install them with: "
                          f"pip install 'costcalc[{extra}]'")
