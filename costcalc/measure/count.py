"""Measured counts of a module: fvcore per module and operator, ``FlopCounterMode``, ``sum(p.numel())``.

The module is counted in eval mode on one zero input of batch 1 (fvcore then counts batch norm
as ``2·numel``; see :mod:`costcalc.engine.conventions`). Counting runs torch on one thread: batch-1
forwards of small maps gain nothing from a second thread, and on a busy machine the threads wait
for each other (the default verify suite ran 5–9× slower on two threads of a loaded 2-core host).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from fvcore.nn import FlopCountAnalysis
from torch import nn

from costcalc.engine.conventions import FVCORE_MAC_OPERATORS
from costcalc.engine.specs import Shape
from costcalc.measure.custom_operators import flop_counter_mapping, fvcore_handles
from costcalc.measure.flop_counter import FlopCounterMode


def fvcore_counts(model: nn.Module, inputs: Any, names: list[str] | None = None) \
        -> tuple[dict[str, Counter], dict[str, Counter]]:
    """fvcore's counts per module and operator (1 per MAC), and the jit operators it skipped in each of
    ``names`` (every module it counted by default); its warnings are silenced: what it skips is returned."""
    analysis = FlopCountAnalysis(model, inputs).unsupported_ops_warnings(False) \
        .uncalled_modules_warnings(False).tracer_warnings("none").set_op_handle(**fvcore_handles())
    per_module = {name: Counter(counts) for name, counts in analysis.by_module_and_operator().items()}
    skipped = {name: Counter(analysis.unsupported_ops(name)) for name in (per_module if names is None else names)}
    return per_module, skipped


@dataclass(frozen=True)
class Measurement:
    """Counts of one module, keyed by submodule name (``""`` is the root)."""

    fvcore: dict[str, Counter]          # module → fvcore operator → count (1 per MAC)
    unsupported: dict[str, Counter]     # module → operators fvcore skipped (aten names) → calls
    flop_counter: dict[str, int]        # module → FlopCounterMode total (2 per MAC)
    params: dict[str, int]              # module → sum(p.numel())
    output: Shape

    def fvcore_macs(self, name: str) -> int:
        """fvcore's conv + linear counts of module ``name``."""
        return sum(count for operator, count in self.fvcore.get(name, {}).items() if operator in FVCORE_MAC_OPERATORS)

    def fvcore_total(self, name: str) -> int:
        return sum(self.fvcore.get(name, {}).values())


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, restoring the previous setting after it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def measure(module: nn.Module, shape: Shape, flat: bool = False) -> Measurement:
    """Count ``module`` (set to eval mode) on a ``1×C×H×W`` zero input (``1×C`` when ``flat``) with both counters.

    A 2-D output ``N×C`` is reported as the analytic engine's ``C×1×1``.
    """
    module.eval()
    with one_thread():
        inputs = torch.zeros(1, shape.channels) if flat else torch.zeros(1, *shape)
        names = [name for name, _ in module.named_modules()]
        per_module, unsupported = fvcore_counts(module, inputs, names)
        root = type(module).__name__
        with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=flop_counter_mapping()) as counter:
            output = module(inputs)
        flops = counter.get_flop_counts()
    flop_counter = {name: sum(flops.get(f"{root}.{name}" if name else root, {}).values()) for name in names}
    params = {name: sum(p.numel() for p in sub.parameters()) for name, sub in module.named_modules()}
    return Measurement(per_module, unsupported, flop_counter, params,
                       Shape(*output.shape[1:], *(1,) * (4 - output.dim())))
