"""Formatting: the text of a number — units (MACs, FLOPs = 2 × MACs), K/M/G/T/P scaling, exact integers with
thousands separators, shapes, ratios, durations — and ASCII stand-ins for the symbols it uses.

The engine may use it (a note naming a shape); tables and emitting live in :mod:`costcalc.views.render`.
Numbers of any size are formatted (huge ones in scientific notation), never cut or overflowing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar, overload

MARK = {True: "✓", False: "✗"}
"""A check's verdict in a table cell: counts agree (✓) or not (✗)."""
UNITS = ("macs", "flops")
UNIT_LABELS = {"macs": "MACs", "flops": "FLOPs (2×MACs)"}
SHORT_UNITS = {"macs": "MACs", "flops": "FLOPs"}
"""The unit's name in running text (a headline), where :data:`UNIT_LABELS` heads a column."""

ASCII_STAND_INS = {"×": "x", "→": "->", "←": "<-", "²": "^2", "³": "^3", "⁹": "^9", "·": "*", "—": "-",
                   "–": "-", "−": "-", "µ": "u", "≤": "<=", "≥": ">=", "≈": "~", "…": "...", "α": "alpha",
                   "β": "beta", "γ": "gamma", "θ": "theta", "Σ": "sum", "√": "sqrt", "≠": "!=", "’": "'",
                   "“": '"', "”": '"', "┃": "|", "│": "|", "━": "-", "─": "-"}
"""ASCII for the characters costcalc prints, used when a stream's encoding cannot hold them."""


def ascii_text(text: str) -> str:
    """``text`` with :data:`ASCII_STAND_INS` for non-ASCII characters (``?`` for any other)."""
    return text if text.isascii() else "".join(
        character if character.isascii() else ASCII_STAND_INS.get(character, "?") for character in text)


Count = TypeVar("Count", int, Fraction, float)


@overload
def in_unit(macs: Count, unit: str) -> Count: ...
@overload
def in_unit(macs: Count | None, unit: str) -> Count | None: ...


def in_unit(macs: int | Fraction | float | None, unit: str) -> int | Fraction | float | None:
    """Express a MAC count (or a per-byte MAC rate) in ``unit``: MACs as they are, FLOPs = 2 × MACs."""
    if macs is None:
        return None
    return macs * 2 if unit == "flops" else macs


def _format(value: int | Fraction | float, spec: str) -> str:
    """``format(float(value), spec)``, or the exact decimal's when ``value`` is beyond a float's range."""
    try:
        return format(float(value), spec)
    except OverflowError:
        exact_value = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) \
            else Decimal(value)
        return format(exact_value, spec)


def percent(part: int, whole: int) -> str:
    """``part`` as a share of ``whole``: ``94.86 %`` (``—`` when ``whole`` is 0)."""
    return "—" if not whole else f"{_format(Fraction(100 * part, whole), '.2f')} %"


def seconds(value: float | None) -> str:
    """A duration with three significant digits in s, ms, µs or ns."""
    if value is None:
        return "—"
    for factor, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(value) >= factor:
            return f"{value / factor:#.3g}".rstrip(".") + f" {suffix}"
    return f"{value / 1e-9:#.3g}".rstrip(".") + " ns"


def dims(values: Iterable[int]) -> str:
    """A shape or pair as printed everywhere: ``[512, 14, 14]`` → ``512×14×14``."""
    return "×".join(map(str, values))


def exact(count: int | None) -> str:
    """An exact count with thousands separators (``568,740,352``); ``—`` for none."""
    return "—" if count is None else f"{count:,}"


def human(count: int | float | None) -> str:
    """A count scaled to K/M/G/T/P with three decimals (``568.740 M``, a Llama-7B forward ``14.631 T``);
    from 10¹⁸ up in scientific notation (``2.400e+302``), so no count is too large to print."""
    if count is None:
        return "—"
    if abs(count) >= 10**18:
        return _format(count, ".3e")
    for factor, suffix in ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(count) >= factor:
            return f"{count / factor:.3f} {suffix}"
    return f"{count:g}"


def ratio_text(ratio: Fraction | float | None) -> str:
    """A ratio to four significant digits (``0.1131``)."""
    return "—" if ratio is None else _format(ratio, ".4g")


def fewer_text(ratio: Fraction | float | None) -> str:
    """How many times fewer: ``8.84× fewer`` for a ratio of 0.1131, ``1.33× more`` above 1."""
    if ratio is None or ratio == 0:
        return "—"
    if ratio == 1:
        return "="
    if ratio < 1:
        return f"{_format(1 / Fraction(ratio), '.2f')}× fewer"
    return f"{_format(ratio, '.2f')}× more"


def number(value: int | Fraction | float | None) -> int | float | None:
    """A JSON number: ints stay exact, fractions become ints when whole, floats otherwise; ``None``
    (JSON ``null``) for what no finite float can hold."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def operator_label(name: str) -> str:
    """An operator as the analysis names it, qualified: ``aten.convolution`` for aten's (recorded by bare
    name), ``torchvision::nms`` for any other namespace's (recorded by qualified name)."""
    return name if "::" in name else f"aten.{name}"
