"""Checks of the zoo networks' options (width, resolution, classes, named choices), shared by their builders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from costcalc.engine.specs import SpecError
from costcalc.spelling import closest

MIN_RES = 1
MAX_RES = 4096
"""The largest input resolution a zoo network takes: 18× ImageNet's 224, 6.8× EfficientNet-B7's 600."""
MAX_CLASSES = 100_000
"""The most classifier outputs: 4.6× ImageNet-21k's 21,841 classes."""
MAX_SCALE = 8
"""ShuffleNet v1's largest scale: 4× the largest published (2.0×). With α ≤ 2 (MobileNets), these three bounds
keep every derived size bounded: no zoo network has a layer wider than 16,384 channels (the test
``test_zoo_sizes_are_bounded`` builds each at its bounds), so no option can make a count grow without limit."""
SAME_PADDING = ("'same' padding rounds every stride-2 halving up, ⌈H/2⌉, so the network runs at any size "
                "down to 1×1")
"""Why the networks with 'same' padding take any input resolution from :data:`MIN_RES` up."""


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


def check_alpha(alpha: Any) -> float:
    """α must be a number in (0, 2]."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 2:
        raise SpecError(f"alpha must be a number in (0, 2] (e.g. 1.0, 0.75, 0.5, 0.25), got {alpha!r}")
    return float(alpha)


def check_res(res: Any, minimum: int = MIN_RES, why: str = SAME_PADDING) -> int:
    """The input resolution must be an integer in [``minimum``, :data:`MAX_RES`]."""
    if isinstance(res, bool) or not isinstance(res, int) or not minimum <= res <= MAX_RES:
        raise SpecError(f"res must be an integer ≥ {minimum} ({why}) and at most {MAX_RES:,}, got {res!r}")
    return res


def check_classes(classes: Any) -> int:
    """The classifier's outputs must be an integer in [1, :data:`MAX_CLASSES`]."""
    if isinstance(classes, bool) or not isinstance(classes, int) or not 1 <= classes <= MAX_CLASSES:
        raise SpecError(f"classes must be a positive integer, at most {MAX_CLASSES:,}, got {classes!r}")
    return classes
