"""Refuse, before torch allocates anything, a measurement that cannot fit in memory.

The analytic engine knows every weight and activation size of a spec, so the memory a measurement
needs is estimated without torch: the weights, plus twice the peak of live activations
(:func:`costcalc.engine.memory.peak_activations`) per sample of the batch — the counters and timers hold
one forward pass's tensors and the inputs or a trace beside them — plus :data:`LAYER_OVERHEAD` per leaf
layer, the Python objects of its module and what the counters keep of it. Compared with the memory available
(``MemAvailable``, and a cgroup limit when one is set), a size that cannot fit is one ``Error:`` line
naming both, instead of torch's ``RuntimeError`` — or, with Linux's overcommit, the out-of-memory
killer. Pure Python: importing it does not import torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costcalc.engine.specs import Network, Shape

LAYER_OVERHEAD = 128 * 1024
"""Bytes of Python and counter overhead per leaf layer, beyond its weights and activations: the
``nn.Module`` and its parameters' objects, fvcore's trace and FlopCounterMode's and the recorder's records
of its calls. Measured (``tests/benchmarks/bench_guard_overhead.py``) as the growth of peak RSS of
``costcalc model --config NET --verify`` from a 500- to a 4,000-layer network of 8-channel convolutions
on 8×8 maps (weights and activations negligible): about 110 KiB per layer, rounded up. A 10-line network
that repeats a layer 1,000,000 times needs some 130 GB for it alone and is refused before anything is built."""


def available_bytes() -> int | None:
    """Memory this process may still use: ``MemAvailable`` from ``/proc/meminfo``, lowered to the room
    left under a cgroup v2 ``memory.max`` when there is one; ``None`` where neither can be read."""
    found: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def needed_bytes(spec: Any, shape: Shape, batch: int = 1, dtype: str = "float32") -> tuple[int, int, int]:
    """The bytes of weights, of activations and of per-layer overhead (:data:`LAYER_OVERHEAD` per leaf layer)
    that measuring ``spec`` on ``batch`` inputs of ``shape`` needs."""
    from costcalc.engine.cost import cost
    from costcalc.engine.memory import dtype_size, peak_activations

    body = spec.body if isinstance(spec, Network) else spec
    report = cost(body, shape)
    weights = report.params * dtype_size(dtype)
    activations = 2 * batch * peak_activations(body, shape, dtype).bytes
    return weights, activations, len(report.layers) * LAYER_OVERHEAD


def check_fits(spec: Any, shape: Shape, batch: int = 1, dtype: str = "float32") -> None:
    """Raise :class:`~costcalc.engine.specs.SpecError` (a usage error) when measuring ``spec`` needs more memory
    than is available, naming the sizes and what is available."""
    from costcalc.engine.specs import SpecError
    from costcalc.formatting import human

    available = available_bytes()
    if available is None:
        return
    weights, activations, overhead = needed_bytes(spec, shape, batch, dtype)
    if weights + activations + overhead > available:
        layers = overhead // LAYER_OVERHEAD
        raise SpecError(f"measuring this in torch needs about {human(weights + activations + overhead)}B "
                        f"({human(weights)}B of {dtype} weights, {human(activations)}B of activations at batch "
                        f"{batch} on a {shape} input, {human(overhead)}B of module and counter overhead for "
                        f"{layers:,} layers at {LAYER_OVERHEAD // 1024} KiB each) but {human(available)}B of memory "
                        "is available; use smaller sizes (the analytic counts alone need no torch)")
