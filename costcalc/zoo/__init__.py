"""The networks of the papers, each defined once as a spec (see :class:`ModelEntry`).

Each module in this package reads like its paper's architecture table and registers one
:class:`ModelEntry` in :data:`MODELS`. The analytic engine costs the spec it builds; the torch
modules are built from the same spec by :mod:`costcalc.measure.modules`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from costcalc.specs import Network


@dataclass(frozen=True)
class ModelEntry:
    """A named network: how to build its spec from options, its aliases and a one-line summary."""

    name: str
    aliases: tuple[str, ...]
    summary: str
    build: Callable[..., Network]


MODELS: dict[str, ModelEntry] = {}
