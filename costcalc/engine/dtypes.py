"""The one table of element types: each name with its size in bytes and where it is accepted.

``--dtype`` of ``compare``/``model --memory`` and ``bench`` takes the :data:`MEMORY_DTYPES` (bytes
per element for the traffic counts); ``bench`` times the :data:`TIMED_DTYPES` (the others are
analytic only); ``analyze --input`` builds tensors of the :data:`INPUT_DTYPES`. Names are
``torch``'s (``torch.float16`` …), so the torch side looks them up with ``getattr(torch, name)``;
this module itself never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DType:
    """One element type: its name, bytes per element and what accepts it."""

    name: str
    bytes: int
    memory: bool = False
    """A ``--dtype`` of the analytic memory traffic (``compare``/``model --memory``, ``bench``)."""
    timed: bool = False
    """``bench`` can time a module in it."""
    input: bool = False
    """``analyze --input`` accepts it as an input tensor's dtype."""


TABLE: tuple[DType, ...] = (
    DType("float32", 4, memory=True, timed=True, input=True),
    DType("float16", 2, memory=True, timed=True, input=True),
    DType("bfloat16", 2, input=True),
    DType("float64", 8, input=True),
    DType("int64", 8, input=True),
    DType("int32", 4, input=True),
    DType("bool", 1, input=True),
    DType("int8", 1, memory=True),
)
BY_NAME = {dtype.name: dtype for dtype in TABLE}
MEMORY_DTYPES = tuple(dtype.name for dtype in TABLE if dtype.memory)
TIMED_DTYPES = tuple(dtype.name for dtype in TABLE if dtype.timed)
INPUT_DTYPES = tuple(dtype.name for dtype in TABLE if dtype.input)
