"""Refuse, before torch allocates anything, a measurement that cannot fit in memory.

The analytic engine knows every weight and activation size of a spec, so the memory a measurement
needs is estimated without torch: the weights, plus twice the peak of live activations
(:func:`costcalc.engine.memory.peak_activations`) per sample of the batch — the counters and timers hold
one forward pass's tensors and the inputs or a trace beside them. Compared with the memory available
(``MemAvailable``, and a cgroup limit when one is set), a size that cannot fit is one ``Error:`` line
naming both, instead of torch's ``RuntimeError`` — or, with Linux's overcommit, the out-of-memory
killer. Pure Python: importing it does not import torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costcalc.engine.specs import Network, Shape


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


def needed_bytes(spec: Any, shape: Shape, batch: int = 1, dtype: str = "float32") -> tuple[int, int]:
    """The bytes of weights and of activations measuring ``spec`` on ``batch`` inputs of ``shape`` needs."""
    from costcalc.engine.cost import cost
    from costcalc.engine.memory import dtype_size, peak_activations

    body = spec.body if isinstance(spec, Network) else spec
    weights = cost(body, shape).params * dtype_size(dtype)
    activations = 2 * batch * peak_activations(body, shape, dtype).bytes
    return weights, activations


def check_fits(spec: Any, shape: Shape, batch: int = 1, dtype: str = "float32") -> None:
    """Raise :class:`~costcalc.engine.specs.SpecError` (a usage error) when measuring ``spec`` needs more memory
    than is available, naming the sizes and what is available."""
    from costcalc.formatting import human
    from costcalc.engine.specs import SpecError

    available = available_bytes()
    if available is None:
        return
    weights, activations = needed_bytes(spec, shape, batch, dtype)
    if weights + activations > available:
        raise SpecError(f"measuring this in torch needs about {human(weights + activations)}B ({human(weights)}B of "
                        f"{dtype} weights, {human(activations)}B of activations at batch {batch} on a {shape} "
                        f"input) but {human(available)}B of memory is available; use smaller sizes "
                        "(the analytic counts alone need no torch)")
