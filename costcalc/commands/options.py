"""Shared click option decorators, parameter types and user-error helpers for every command.

Every integer and float option of every command follows the number policy of :mod:`costcalc.number_rule`
(:func:`harden`, called by the command group as it loads a command, wraps their types in
:class:`StrictNumber`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from costcalc.engine.network_options import MODEL_ORDER, NETWORK_OPTIONS, NetworkOption
from costcalc.engine.specs import parse_pair
from costcalc.formatting import UNITS
from costcalc.number_rule import number_problem
from costcalc.views.render import FORMATS


class StrictNumber(click.ParamType):
    """An integer or float option type (``click.INT``, ``IntRange``, ``FLOAT``, ``FloatRange``) with
    :func:`number_problem`'s policy checked before the wrapped type converts the text."""

    def __init__(self, wrapped: click.ParamType, integer: bool):
        self.wrapped, self.integer, self.name = wrapped, integer, wrapped.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            problem = number_problem(value, self.integer)
            if problem:
                self.fail(problem, param, ctx)
        return self.wrapped.convert(value, param, ctx)

    def get_metavar(self, *args: Any, **kwargs: Any) -> str | None:
        return self.wrapped.get_metavar(*args, **kwargs)

    def __repr__(self) -> str:
        return repr(self.wrapped)


def harden(command: click.Command) -> click.Command:
    """Apply the number policy to every integer and float option of ``command`` (idempotent)."""
    for param in command.params:
        if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
            param.type = StrictNumber(param.type, integer=True)
        elif isinstance(param.type, (click.types.FloatParamType, click.FloatRange)):
            param.type = StrictNumber(param.type, integer=False)
    return command


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
                        help="Output format (tables have no colours when piped or NO_COLOR is set).")(command)


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


def network_option(option: NetworkOption, sweep: bool = False) -> Callable:
    """``option`` as a click option: one value of its type (``costcalc model``, ``bench``) or, with
    ``sweep``, the text of a comma list (:func:`costcalc.sweep.grid.parse_values` reads it). A switch is
    ``None`` unless given, so an option left out never reaches a network's builder."""
    help_text = option.sweep_help if sweep else option.model_help
    if option.switch:
        return click.option(option.flag, is_flag=True, flag_value=True, default=None, help=help_text)
    return click.option(option.flag, type=str if sweep else option.type, help=help_text)


model_options = _stack(*(network_option(NETWORK_OPTIONS[name]) for name in MODEL_ORDER if name != "size"))
"""The zoo's network options, as ``costcalc model`` and ``bench`` take them; each network takes some
of them (``costcalc list``)."""

size_option = network_option(NETWORK_OPTIONS["size"])
"""MobileNetV3's ``--size`` (apart from :data:`model_options`: ``bench`` has a layer ``--size``)."""

sweep_options = _stack(*(network_option(option, sweep=True)
                         for option in sorted(NETWORK_OPTIONS.values(), key=lambda option: option.switch)))
"""Every network option as ``costcalc sweep`` takes it: a comma list of values, or a switch set for
every configuration (the switches listed last)."""

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
    """``--dtype float32|float16|int8``: the :data:`costcalc.engine.dtypes.MEMORY_DTYPES` (bytes per element)."""
    from costcalc.engine.dtypes import MEMORY_DTYPES

    return click.option("--dtype", type=click.Choice(MEMORY_DTYPES), default="float32", show_default=True,
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
