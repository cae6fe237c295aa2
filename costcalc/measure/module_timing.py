"""Time per module of a user's model (``costcalc bench FILE.py:NAME``): each leaf module, on what it was fed.

One forward of the whole model (the timed batch, eval, inference mode) records, through forward pre-hooks
on the leaf modules (those with no children), the positional and keyword arguments of every call. Each
call is then timed alone by :func:`costcalc.measure.bench.time_call` (``torch.utils.benchmark.Timer``,
warm-up, blocks, median and IQR) on exactly those arguments, and a leaf's time is the sum over its calls.

Why each leaf alone and not pre/post hooks around it inside one forward: a hook pair times a single call
(one sample, at the timer's resolution: a 1×1 convolution on a small map takes microseconds), adds the
hooks' own cost to every module and cannot be repeated without running the whole model again; a leaf
timed alone gets as many calls as its share of ``--min-time`` allows and a median over blocks. What is
lost — cache warmth carried from the previous layer, and the work of non-leaf modules' own ``forward``
code (a residual add, a functional op) — is reported: the whole model's median minus the sum of the
leaves is the *unattributed* time.

MACs come from :func:`costcalc.measure.analyze.analyze` on the same input, so they equal ``costcalc analyze``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from costcalc.measure.analyze import analyze
from costcalc.measure.bench import TORCH_DTYPES, Settings, Timing, set_threads, time_call
from costcalc.measure.user_code import run_user_code


@dataclass(frozen=True)
class LeafTiming:
    """One leaf module: its path, type, each call's (input, output) shapes, exact MACs, params and time."""

    name: str
    type: str
    calls: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    macs: int
    params: int
    timing: Timing


def leaves(model: nn.Module) -> dict[nn.Module, str]:
    """Leaf modules (no children) by object, each under its first name."""
    found: dict[nn.Module, str] = {}
    for name, module in model.named_modules():
        if name and not next(module.children(), None) and module not in found:
            found[module] = name
    return found


def record_calls(model: nn.Module, inputs: tuple) -> dict[str, list[tuple[tuple, dict]]]:
    """Run ``model(*inputs)`` once (inference mode) and keep every leaf call's arguments, by module path."""
    names = leaves(model)
    calls: dict[str, list[tuple[tuple, dict]]] = {}

    def keep(module: nn.Module, args: tuple, kwargs: dict) -> None:
        calls.setdefault(names[module], []).append((args, dict(kwargs)))

    handles = [module.register_forward_pre_hook(keep, with_kwargs=True) for module in names]
    try:
        with torch.inference_mode():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def time_leaves(model: nn.Module, shape: tuple[int, ...], settings: Settings,
                track: Callable[..., Iterator] | None = None) -> tuple[list[LeafTiming], int]:
    """Each leaf module of ``model`` (eval, ``settings.dtype``) fed a ``settings.batch × shape`` random input,
    timed alone on its recorded arguments, in the order the leaves first ran; and the whole model's MACs
    (those not in a leaf run in a parent's own forward code: functional calls, fused kernels). ``track``
    shows progress (:func:`costcalc.views.progress.track`: items, a description of each, a label)."""
    set_threads(settings.threads)
    dtype = TORCH_DTYPES[settings.dtype]
    model = model.eval().to(dtype)
    inputs = (torch.randn(settings.batch, *shape, generator=torch.Generator().manual_seed(0)).to(dtype),)
    text = ",".join(map(str, (settings.batch, *shape)))
    analysis = run_user_code("the model's forward", lambda: analyze(model, inputs), text)
    recorded = run_user_code("the model's forward", lambda: record_calls(model, inputs), text)
    rows = {row["name"]: row for row in analysis.by_module()}
    modules = dict(model.named_modules())
    timed = []
    items = (track or _quietly)(list(recorded.items()), lambda item: f"timing {item[0]}", "timing", detailed=True)
    try:
        for name, calls in items:
            timed.append(_time_leaf(modules[name], name, calls, rows.get(name, {}), analysis, settings))
    finally:  # the bar stops however the loop ends
        if isinstance(items, Generator):
            items.close()
    return timed, analysis.macs


def _quietly(items: list, *_: Any, **__: Any) -> Iterator:
    yield from items


def _time_leaf(module: nn.Module, name: str, calls: list[tuple[tuple, dict]], row: dict[str, Any], analysis: Any,
               settings: Settings) -> LeafTiming:
    """One leaf timed alone on each call's recorded arguments; its median and IQR are sums over the calls."""
    def run_call(args: tuple, kwargs: dict) -> Any:
        with torch.inference_mode():
            return module(*args, **kwargs)

    def time_one(args: tuple, kwargs: dict) -> Timing:
        return run_user_code(f"timing {name}", lambda: time_call(lambda: run_call(args, kwargs), settings))

    per_call = [time_one(args, kwargs) for args, kwargs in calls]
    timing = Timing(sum(t.median for t in per_call), sum(t.iqr for t in per_call), settings.repeats,
                    min(t.number for t in per_call), sum(t.best for t in per_call))
    return LeafTiming(name, type(module).__name__, tuple(analysis.recording.calls.get(name, ())),
                      row.get("macs", 0), row.get("params", 0), timing)
