"""A user's PyTorch model as a command's target (``analyze``, ``bench FILE.py:NAME``): the inputs typed
for it (shapes, dtypes, ``key=value`` arguments) parsed, and its failures reported as costcalc's errors."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from costcalc.commands.options import usage_error
from costcalc.engine.dtypes import INPUT_DTYPES


class UserCodeFailure(click.ClickException):
    """The user's own code raised: our one-line summary first, then their traceback; exit 2."""

    exit_code = 2


@contextmanager
def user_code_errors() -> Iterator[None]:
    """The user's model failing, as costcalc's errors: a refusal (:class:`TargetError`: a bad target, an input
    the model rejects, ``sys.exit``) is a one-line usage error, with a dtype hint when the model wanted
    integers; an exception in their own code is a :class:`UserCodeFailure` with their traceback."""
    from costcalc.measure.user_code import TargetError, UserCodeError

    try:
        yield
    except TargetError as error:
        hint = "; give the input's dtype, e.g. --input 2,128:int64" if "scalar type" in str(error) else ""
        raise usage_error(f"{error}{hint}") from None
    except UserCodeError as error:
        raise UserCodeFailure(f"{error.summary}\n{error.details}") from None


def parse_argument(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as a Python literal (``ast.literal_eval``), else kept as a string."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip().isidentifier():
        raise usage_error(f"--arg must be key=value with a Python identifier as key, got {text!r}")
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        parsed = value
    return key.strip(), parsed


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """``1,3,224,224`` → ``(1, 3, 224, 224)``: comma-separated positive integers (any rank)."""
    from costcalc.number_rule import number_problem

    parts = text.replace("x", ",").replace("×", ",").split(",")
    try:
        if any(number_problem(part, integer=True) for part in parts):
            raise ValueError(text)
        values = tuple(int(part) for part in parts)
    except ValueError:
        raise usage_error(f"{option} must be comma-separated positive integers (e.g. 1,3,224,224), "
                          f"got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise usage_error(f"{option} must be comma-separated positive integers, got {text!r}")
    return values




def parse_input(text: str) -> tuple[tuple[int, ...], str]:
    """``--input 2,128:int64`` → ``((2, 128), "int64")``: a shape of any rank, optionally ``:dtype``
    (token ids need an integer type; a half-precision model a half-precision input)."""
    shape_text, colon, dtype = text.partition(":")
    dtype = dtype.strip() if colon else "float32"
    if dtype not in INPUT_DTYPES:
        raise usage_error(f"--input dtype must be one of {', '.join(INPUT_DTYPES)}, got {dtype!r} in {text!r}")
    return parse_ints(shape_text, "--input"), dtype
