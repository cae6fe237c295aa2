"""The one policy for numbers costcalc reads: command-line options, YAML scalars, sizes written as
text (``3x8x8``, ``1x3``, ``140M``), device-profile rates and ``COLUMNS``.

- digits are ASCII ``0-9`` only. Python's ``int()`` and ``float()`` also read Arabic-Indic,
  Devanagari, full-width and other Unicode digits, so ``--in ١٢`` would silently be 12; it is refused;
- an integer has at most :data:`MAX_DIGITS` digits (no count in this domain comes near 10¹⁸, and
  Python refuses to convert integers of more than 4,300 digits at all);
- a float is finite: ``nan``, ``inf`` and values that overflow to infinity (``1e999``) are refused;
- no ``_`` digit separators. Python's ``int()`` and ``float()`` (and YAML 1.1's float constructor) read
  ``1_000`` as 1000, so ``1_0.0e+400`` (infinity), ``1e4_00`` (infinity) and a 421-digit ``1_1_…`` would
  slip past a check that only matches plain digits; the rule decides on the text Python would convert,
  and any number written with ``_`` is refused, with the digits it stands for.

The rule reads the text exactly as ``int()``/``float()`` would (surrounding whitespace stripped), so
nothing it lets through converts to a value it did not check.

Pure Python: imports neither click nor torch.
"""

from __future__ import annotations

import math
import re

MAX_DIGITS = 18
"""Most digits an integer may have (below 10¹⁸)."""
DIGITS = rf"[0-9]{{1,{MAX_DIGITS}}}"
"""A whole number within the policy, as a regular-expression fragment (sizes and counts written as text)."""
ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
ASCII_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def number_problem(text: str, integer: bool) -> str | None:
    """Why ``text`` is not an acceptable integer (``integer``) or float, or ``None`` when it is."""
    text = text.strip()
    kind = "an integer" if integer else "a number"
    if not text.isascii():
        return f"{text!r} is not {kind} written with ASCII digits 0-9"
    if "_" in text and _python_reads(text, integer):
        return f"{text[:24]!r} uses '_' digit separators; write the digits only ({text.replace('_', '')[:24]})"
    if integer:
        if not ASCII_INTEGER.fullmatch(text):
            return None  # not a number at all: the option's own type names what it expects
        digits = len(text.lstrip("+-"))
        return None if digits <= MAX_DIGITS else \
            f"{text[:12]}… ({digits:,} digits) is too large; integers have at most {MAX_DIGITS} digits"
    if ASCII_FLOAT.fullmatch(text) and not math.isfinite(float(text)):
        return f"{text[:24]} overflows a float; give a finite number"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity", ".nan", ".inf"):
        return f"{text!r} is not a finite number"
    return None


def _python_reads(text: str, integer: bool) -> bool:
    """Whether ``text`` is a number once its ``_`` are dropped: what Python's ``int()`` (``integer``) or
    ``float()`` would convert, or try to (``int()`` refuses past 4,300 digits; misplaced ``_`` too)."""
    return (ASCII_INTEGER if integer else ASCII_FLOAT).fullmatch(text.replace("_", "")) is not None


def whole_number(text: str) -> int | None:
    """``text`` as a non-negative integer when it is ASCII digits within :data:`MAX_DIGITS`, else ``None``."""
    return int(text) if re.fullmatch(DIGITS, text) else None
