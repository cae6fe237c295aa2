"""Checks of a zoo network's options shared by its builders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from costcalc.specs import SpecError
from costcalc.spelling import closest


def check_choice(name: str, value: Any, choices: Iterable[Any], why: str = "", ignore_case: bool = False) -> Any:
    """``value`` if it equals one of ``choices``, else :class:`SpecError`: ``{name} must be one of …, got …``.

    A boolean is never a choice (``True == 1``); ``ignore_case`` matches a name in any case and returns it
    in lower case. ``why`` follows the list in parentheses (the table that fixes the choices); names
    (string choices) add the closest one to the message.
    """
    options = tuple(choices)
    key = value.lower() if ignore_case and isinstance(value, str) else value
    if not isinstance(value, bool) and key in options:
        return key
    listed = ", ".join(f"{choice:g}" if isinstance(choice, float) else str(choice) for choice in options)
    names = all(isinstance(choice, str) for choice in options)
    raise SpecError(f"{name} must be one of {listed}{f' ({why})' if why else ''}, got {value!r}"
                    + (closest(str(value), options) if names else ""))
