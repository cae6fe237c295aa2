"""Suggestions for mistyped names (models, kinds, commands, targets)."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: object, choices: Iterable[str], cutoff: float = 0.5) -> str:
    """``; did you mean 'x'?`` for the closest of ``choices`` (difflib ratio ≥ ``cutoff``), or ``''``."""
    import difflib

    match = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=cutoff)
    return f"; did you mean {match[0]!r}?" if match else ""
