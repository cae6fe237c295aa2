"""``torch.utils.flop_counter.FlopCounterMode`` without its two-second start-up, and whose own failure
is a note, never the analysis' traceback.

Its counting functions assert on shapes they did not expect (torch 2.11 on CUDA: ``sdpa_flop_count:
query/key/value shapes are incompatible`` for grouped-query attention); it runs beneath the recorder,
in the same forward, so such an assertion would end the user's analysis. :class:`FlopCounterMode` here
runs the operator as always and catches only the counting: the operator counts 0 and the failure is
kept in ``failures`` (operator, error) for the reconciliation to name.

Its dispatch handler is wrapped by ``torch._disable_dynamo``, which imports ``torch._dynamo`` (about
2 s here) on the first operator, only to keep a compiler that costcalc never runs out of the counting.
:func:`skip_dynamo_import` marks the handler as already wrapped, so the import never happens; the
counts are those of the unwrapped handler, i.e. the same. A torch laid out otherwise is left as it is
(and only pays the import). ``costcalc verify`` pays it once per worker process, so this takes about
2 s off every run (tests/test_measure.py checks the counts and that dynamo stays unimported).
"""

from __future__ import annotations

from typing import Any

from torch.utils import flop_counter

__all__ = ["FlopCounterMode", "skip_dynamo_import"]


class FlopCounterMode(flop_counter.FlopCounterMode):
    """``torch.utils.flop_counter.FlopCounterMode`` that records a counting function's exception in
    ``failures`` instead of raising it (the operator itself has run; its result is returned)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failures: list[tuple[str, str]] = []

    def _count_flops(self, func_packet: Any, out: Any, args: tuple, kwargs: dict) -> Any:
        try:
            # untyped_calls_exclude skips super() calls (mypy#16653)
            return super()._count_flops(func_packet, out, args, kwargs)  # type: ignore[no-untyped-call]
        except Exception as error:  # the counter's bug, not the model's: named by the reconciliation
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.failures.append((str(func_packet), f"{type(error).__name__}: {message}".rstrip(": ")))
            return out


def skip_dynamo_import() -> None:
    """Cache the unwrapped dispatch handler where ``torch._disable_dynamo``'s wrapper looks for its
    disabled version, so the wrapper calls it directly instead of importing ``torch._dynamo``."""
    mode = getattr(flop_counter, "_FlopCounterMode", None)
    handler = getattr(mode, "__dict__", {}).get("__torch_dispatch__")
    unwrapped = getattr(handler, "__wrapped__", None)
    if unwrapped is not None and not hasattr(unwrapped, "__dynamo_disable"):
        unwrapped.__dynamo_disable = unwrapped


skip_dynamo_import()
