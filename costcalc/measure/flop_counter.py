"""``torch.utils.flop_counter.FlopCounterMode`` without its two-second start-up.

Its dispatch handler is wrapped by ``torch._disable_dynamo``, which imports ``torch._dynamo`` (about
2 s here) on the first operator, only to keep a compiler that costcalc never runs out of the counting.
:func:`skip_dynamo_import` marks the handler as already wrapped, so the import never happens; the
counts are those of the unwrapped handler, i.e. the same. A torch laid out otherwise is left as it is
(and only pays the import). ``costcalc verify`` pays it once per worker process, so this takes about
2 s off every run (tests/test_measure.py checks the counts and that dynamo stays unimported).
"""

from __future__ import annotations

from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["FlopCounterMode", "skip_dynamo_import"]


def skip_dynamo_import() -> None:
    """Cache the unwrapped dispatch handler where ``torch._disable_dynamo``'s wrapper looks for its
    disabled version, so the wrapper calls it directly instead of importing ``torch._dynamo``."""
    mode = getattr(flop_counter, "_FlopCounterMode", None)
    handler = getattr(mode, "__dict__", {}).get("__torch_dispatch__")
    unwrapped = getattr(handler, "__wrapped__", None)
    if unwrapped is not None and not hasattr(unwrapped, "__dynamo_disable"):
        unwrapped.__dynamo_disable = unwrapped


skip_dynamo_import()
