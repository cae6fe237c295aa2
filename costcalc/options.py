"""Shared click option decorators, parameter types and user-error helpers for every command."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import click

from costcalc.render import FORMATS, UNITS

PAIR_PATTERN = re.compile(r"^\s*(\d+)\s*(?:[x×]\s*(\d+))?\s*$")


def parse_pair(value: Any, name: str) -> tuple[int, int]:
    """``3`` → (3, 3); ``"1x3"`` → (1, 3); ``[112, 96]`` → (112, 96). Raises ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be N or HxW with positive integers, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(side, int) and not isinstance(side, bool) for side in value):
        pair = (value[0], value[1])
    else:
        match = PAIR_PATTERN.match(str(value))
        if not match:
            raise ValueError(f"{name} must be N or HxW with positive integers (e.g. 3 or 1x3), got {value!r}")
        pair = (int(match.group(1)), int(match.group(2) or match.group(1)))
    return pair


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


def usage_error(message: str) -> click.UsageError:
    """A user error: printed as one ``Error:`` line, exit code 2."""
    return click.UsageError(message)


def closest(name: str, choices: Iterable[str]) -> str:
    """``, did you mean 'x'?`` for the closest choice, or ``''``."""
    import difflib

    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"; did you mean {match[0]!r}?" if match else ""


def require_measure(extra: str = "measure") -> None:
    """Fail with exit 2 and the extra to install when torch or fvcore is missing."""
    import importlib.util

    missing = [module for module in ("torch", "fvcore") if importlib.util.find_spec(module) is None]
    if missing:
        raise usage_error(f"this command needs {' and '.join(missing)}; install them with: "
                          f"pip install 'costcalc[{extra}]'")
