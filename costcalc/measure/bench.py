"""Measured CPU latency of specs, and this machine's roofline profile (``costcalc bench``).

The only module of ``costcalc bench`` that imports torch; the command imports it lazily after
:func:`costcalc.commands.options.require_measure`. Every timing goes through :func:`time_call`:
``torch.utils.benchmark.Timer`` with a fixed thread count, a few warm-up calls, a block size
chosen so one block lasts about ``min_time / repeats`` seconds, then ``repeats`` blocks; the
result is the median and inter-quartile range of the per-call times of the blocks. Modules run
in eval mode under ``torch.inference_mode()``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils import benchmark

from costcalc.engine import specs as S
from costcalc.engine.dtypes import TIMED_DTYPES
from costcalc.engine.roofline import BANDWIDTH_SIZES, DeviceProfile
from costcalc.engine.specs import Shape
from costcalc.measure.guard import check_fits
from costcalc.measure.modules import build_module
from costcalc.measure.user_code import run_user_code

TORCH_DTYPES = {name: getattr(torch, name) for name in TIMED_DTYPES}
"""Dtypes the CPU timing runs in (int8 needs quantized kernels the spec builder does not make)."""


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median, inter-quartile range and best over ``repeats`` blocks of ``number`` calls."""

    median: float
    iqr: float
    repeats: int
    number: int
    best: float

    def as_dict(self) -> dict[str, float | int]:
        return {"median": self.median, "iqr": self.iqr, "best": self.best, "repeats": self.repeats,
                "number": self.number}


@dataclass(frozen=True)
class Settings:
    """How to time: threads, batch, dtype, warm-up calls, blocks and the time budget per item.

    No defaults: the options of ``costcalc bench`` (``--repeats``, ``--min-time`` …) are their one source.
    """

    threads: int
    batch: int
    dtype: str
    warmup: int
    repeats: int
    min_time: float


def set_threads(threads: int) -> None:
    """Fix torch's intra-op thread count (inter-op is left alone: single-stream inference)."""
    torch.set_num_threads(threads)


def environment(threads: int) -> dict[str, Any]:
    """torch version, threads, CPU model name."""
    return {"torch": torch.__version__, "threads": threads, "cpu": cpu_name()}


def cpu_name() -> str:
    """The CPU model from ``/proc/cpuinfo`` (Linux), else ``platform.processor()``."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def time_call(run: Callable[[], Any], settings: Settings) -> Timing:
    """Time ``run()``: warm up, size a block to ``min_time / repeats``, then time ``repeats`` blocks."""
    for _ in range(settings.warmup):
        run()
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(settings.min_time / settings.repeats / once))
    timer = benchmark.Timer(stmt="run()", globals={"run": run}, num_threads=settings.threads)
    per_call = [timer.timeit(number).median for _ in range(settings.repeats)]
    if len(per_call) > 1:
        quartiles = statistics.quantiles(per_call, n=4, method="inclusive")
        iqr = quartiles[2] - quartiles[0]
    else:
        iqr = 0.0
    return Timing(statistics.median(per_call), iqr, settings.repeats, number, min(per_call))


def prepare(spec: Any, shape: Shape, settings: Settings) -> Callable[[], Any]:
    """A no-argument callable running ``spec``'s module (eval, inference mode) on a random batch.

    ``spec`` may also be a user's ``nn.Module`` (``costcalc bench file.py:Model``), run as it is.
    """
    if not isinstance(spec, torch.nn.Module):  # a user's model: analyze checked its input at the model's batch
        check_fits(spec, shape, settings.batch, settings.dtype)
    dtype = TORCH_DTYPES[settings.dtype]
    module = (spec if isinstance(spec, torch.nn.Module) else build_module(spec)).eval().to(dtype)
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(settings.batch, *shape, generator=generator).to(dtype)
    if isinstance(_first_leaf(spec), S.Linear):
        inputs = inputs.flatten(1)  # a classifier timed on its own takes the flattened features

    def run() -> Any:
        with torch.inference_mode():
            return module(inputs)

    return run


def _first_leaf(spec: Any) -> Any:
    while isinstance(spec, S.Sequential) and spec.children:
        spec = spec.children[0][1]
    return spec


def time_spec(spec: Any, shape: Shape, settings: Settings) -> Timing:
    """Median and IQR of one forward pass of ``spec`` on ``settings.batch`` inputs of ``shape``.

    A user's model runs as ``costcalc analyze`` runs it (:func:`~costcalc.measure.user_code.run_user_code`):
    its prints go to stderr, its failures are one-line errors or its own traceback, never ours.
    """
    set_threads(settings.threads)
    if isinstance(spec, torch.nn.Module):
        batch = ",".join(map(str, (settings.batch, *shape)))
        return run_user_code("the model's forward", lambda: time_call(prepare(spec, shape, settings), settings), batch)
    return time_call(prepare(spec, shape, settings), settings)


def _copy_bandwidth(elements: int, settings: Settings) -> tuple[int, Timing]:
    """Bytes moved by one ``dst.copy_(src)`` of ``elements`` float32 values (read + written) and its timing."""
    source = torch.ones(elements)
    target = torch.empty_like(source)
    return 2 * source.numel() * source.element_size(), time_call(lambda: target.copy_(source), settings)


def calibrate(threads: int, matmul_size: int = 1024, copy_elements: int = 1 << 25,
              min_time: float = 0.5, repeats: int = 7,
              kernels: Sequence[tuple[str, Any, Shape]] = ()) -> DeviceProfile:
    """Measure this machine's profile: the fastest MAC/s of its conv and matmul kernels, and copy bandwidth.

    * peak MACs: the highest rate among ``kernels`` (:func:`costcalc.bench.plan.calibration_kernels`; each
      timed through :func:`prepare` like any bench item: MACs / best block) and an ``n×n @ n×n`` float32 matmul
      (``n³`` MACs). A roofline is a bound only if no layer runs faster than its peak, and a 1024² matmul
      alone can be slower than torch's 3×3 convolution (46 against 75 GMAC/s on one thread where this was found).
    * bandwidth: ``dst.copy_(src)`` over a tensor much larger than the caches (128 MiB by
      default) reads and writes ``nbytes`` each: ``2·nbytes`` per call (write-allocate traffic
      not counted, as STREAM's copy).
    * bandwidth by working-set size: the same copy at each of
      :data:`~costcalc.engine.roofline.BANDWIDTH_SIZES` (source + target = the size: 32 KiB … 128 MiB),
      so a layer whose working set fits in a cache is bounded by that cache's bandwidth, not main memory's.

    Both use the best block, not the median: a peak is what the machine can reach, and load on a
    shared machine only ever slows a block down.
    """
    from costcalc.engine.cost import cost

    set_threads(threads)
    settings = Settings(threads=threads, batch=1, dtype="float32", warmup=2, repeats=repeats, min_time=min_time)
    left, right = torch.randn(matmul_size, matmul_size), torch.randn(matmul_size, matmul_size)
    matmul = time_call(lambda: torch.mm(left, right), settings)
    rates = {f"{matmul_size}² matmul": matmul_size**3 / matmul.best}
    for label, spec, shape in kernels:
        rates[label] = cost(spec, shape).macs / time_call(prepare(spec, shape, settings), settings).best
    moved, copy = _copy_bandwidth(copy_elements, settings)
    by_size = tuple((size, moved_there / timing.best) for size in BANDWIDTH_SIZES
                    for moved_there, timing in [_copy_bandwidth(size // 8, settings)])
    measured = ", ".join(f"{label} {rate / 1e9:.1f} GMAC/s" for label, rate in rates.items())
    return DeviceProfile(
        name="local", peak_macs=max(rates.values()), bandwidth=moved / copy.best,
        description=f"{cpu_name()}, {threads} thread{'s' if threads > 1 else ''}, torch {torch.__version__}",
        source=(f"costcalc bench --calibrate: peak = fastest of float32 {measured}; "
                f"{moved // 2 >> 20} MiB copy ({copy.best * 1e3:.3f} ms); best of {repeats} blocks"),
        threads=threads, dtype="float32", bandwidth_by_size=by_size)
