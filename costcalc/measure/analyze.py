"""Analyze any PyTorch model: one forward under a dispatch mode, every operator costed or listed.

``analyze(model, inputs)`` runs ``model(*inputs)`` once in eval mode without grad, with
``FlopCounterMode`` beneath :class:`costcalc.measure.recorder.OperatorRecorder`: each aten operator
is attributed to the module (and the call of a reused module) that ran it and costed by the
:mod:`costcalc.measure.operators` registry, and carries what FlopCounterMode measured for it. With
``reconcile=True`` fvcore counts the model too (a ``torch.jit`` trace: slower, so only on request)
and every disagreement is explained per layer (:mod:`costcalc.measure.disagreements`).
The model's train/eval flags are restored afterwards and no hook remains.

``inputs`` follows fvcore: a tensor, or a tuple of positional arguments (tuples and dicts inside
are passed as they are).
"""

from __future__ import annotations

from math import prod
from typing import Any

import torch
from torch import nn

from costcalc.formatting import human
from costcalc.measure.analysis import Analysis
from costcalc.measure.disagreements import flop_counter_check, fvcore_check
from costcalc.measure.footprint import LiveActivations, SavedTensors, footprint, model_storages, optimizer_copies
from costcalc.measure.guard import available_bytes
from costcalc.measure.recorder import Recording, record, tensors_in
from costcalc.measure.training import TrainingCost, TrainingRun, record_training
from costcalc.measure.user_code import (
    TargetError,
    UserCodeError,
    build_model,
    first_line,
    load_target,
    run_user_code,
)

__all__ = ["Analysis", "TargetError", "UserCodeError", "analyze", "at_resolutions", "build_model", "load_target",
           "input_shapes", "zeros"]


def as_arguments(inputs: Any) -> tuple:
    """fvcore's convention: a tensor is one positional argument; a tuple is the positional arguments."""
    return inputs if isinstance(inputs, tuple) else (inputs,)


def input_shapes(arguments: tuple) -> list[list[int]]:
    """The shape of every tensor among the arguments, depth first (dicts by insertion order)."""
    return [list(tensor.shape) for tensor in tensors_in(arguments)]


def zeros(shapes: list[tuple[int, ...]], dtypes: list[str] | None = None, device: str = "cpu") -> tuple:
    """One zero tensor per ``--input`` shape, of its dtype (torch's name; ``float32`` by default), as
    positional arguments. Inputs that would not fit in free memory are refused before allocation; on the
    ``meta`` device (``--meta``) nothing is allocated."""
    dtypes = dtypes or ["float32"] * len(shapes)
    for shape in shapes:
        if not shape or any(size < 1 for size in shape):
            raise TargetError(f"--input must be positive sizes N,C,… (any rank), got {','.join(map(str, shape))}")
    if device == "meta":
        return tuple(torch.zeros(shape, dtype=getattr(torch, dtype), device="meta")
                     for shape, dtype in zip(shapes, dtypes))
    needed = sum(prod(shape) * getattr(torch, dtype).itemsize for shape, dtype in zip(shapes, dtypes))
    free = available_bytes()
    text = " and ".join(",".join(map(str, shape)) for shape in shapes)
    if free is not None and needed > free:
        raise TargetError(f"--input {text} needs {human(needed)}B for the input alone, more than the "
                          f"{human(free)}B of memory available; give a smaller shape")
    try:
        return tuple(torch.zeros(shape, dtype=getattr(torch, dtype)) for shape, dtype in zip(shapes, dtypes))
    except (RuntimeError, MemoryError) as error:
        raise TargetError(f"--input {text}: cannot allocate the input ({first_line(error)[:120]})") from None


def _input_text(arguments: tuple) -> str:
    return " and ".join(",".join(map(str, shape)) for shape in input_shapes(arguments)) or "(no tensors)"


def _record(model: nn.Module, arguments: tuple, count: bool, kwargs: dict[str, Any] | None = None,
            live: LiveActivations | None = None) -> Recording:
    def run() -> Recording:
        if live is None:
            return record(model, arguments, count, kwargs)
        with live:
            return record(model, arguments, count, kwargs)
    return run_user_code("the model's forward", run, _input_text((*arguments, kwargs or {})))


def _record_training(model: nn.Module, arguments: tuple, count: bool, kwargs: dict[str, Any] | None) -> TrainingRun:
    excluded = model_storages(model)  # the inputs autograd keeps count: they stay alive for backward
    return run_user_code("the model's forward and backward",
                         lambda: record_training(model, arguments, count, kwargs, lambda: SavedTensors(excluded)),
                         _input_text((*arguments, kwargs or {})))


def _forward(model: nn.Module, arguments: tuple, count: bool, kwargs: dict[str, Any] | None, training: bool
             ) -> tuple[Recording, TrainingRun | None, int]:
    """One recorded run: a training step (forward + backward) or an inference forward, and the activation
    bytes measured in it (saved for backward, or the peak alive)."""
    if training:
        run = _record_training(model, arguments, count, kwargs)
        return run.recording, run, sum(run.saved.values())
    live = LiveActivations(model_storages(model, arguments))
    return _record(model, arguments, count, kwargs, live), None, live.peak


def analyze(model: nn.Module, inputs: Any, *, kwargs: dict[str, Any] | None = None, reconcile: bool = False,
            target: str | None = None, batch_axis: int | None = None, training: bool = False,
            optimizer: str = "sgd") -> Analysis:
    """Count ``model`` on ``inputs``: exact MACs, FLOPs and unique params of every operator it runs.

    ``kwargs`` are keyword arguments of ``forward`` (a keyword-only ``mask=``, say). ``reconcile``
    runs ``FlopCounterMode`` in the same forward and fvcore after it, and explains each disagreement
    per layer. Without it the counters run only when an operator has no rule, so that what they
    measure for it is reported beside it. fvcore traces positional inputs only: with ``kwargs`` its
    check says so instead of counting.

    ``batch_axis`` states the inputs' batch axis for per-sample figures (:meth:`Analysis.batch_axis`
    infers it where it can); a ``forward`` that returns a generator is refused (:class:`TargetError`), and work
    run on other threads is listed as ``unseen``.

    ``training=True`` records a training step instead (:mod:`costcalc.measure.training`): the forward with
    grad enabled, its backward MACs by analytic rule, a real backward for what ``torch.utils.checkpoint``
    recomputes (``Analysis.training``). ``optimizer`` (``sgd``, ``momentum``, ``adam``, ``adamw``) sizes the
    optimizer state of ``Analysis.footprint`` (:mod:`costcalc.measure.footprint`).
    """
    if not isinstance(model, nn.Module):
        raise TargetError(f"analyze needs an nn.Module, got a {type(model).__name__}")
    try:
        optimizer_copies(optimizer)
    except ValueError as error:
        raise TargetError(f"--optimizer: {error}") from None
    arguments = as_arguments(inputs)
    shapes = input_shapes((*arguments, kwargs or {}))
    _check_batch_axis(batch_axis, shapes)
    recording, run, activations = _forward(model, arguments, reconcile, kwargs, training)
    if not reconcile and any(op.family is None for op in recording.operators):
        recording, run, activations = _forward(model, arguments, True, kwargs, training)
        reconcile = True
    cost = TrainingCost(run.steps, run.flop_counter_backward) if run is not None else None
    memory = footprint(model, optimizer, activations, training)
    if not reconcile:
        return Analysis(target or type(model).__name__, shapes, recording, model,
                        {"run": False, "how": "costcalc.analyze(..., reconcile=True) or --reconcile"},
                        stated_axis=batch_axis, training=cost, footprint=memory)
    reconciliation: dict[str, Any] = {"run": True, "flop_counter": flop_counter_check(recording.operators)}
    reconciliation["fvcore"] = {"error": f"fvcore traces positional inputs only, not the keyword arguments "
                                         f"{', '.join(kwargs)}", "explained": True} if kwargs else run_user_code(
        "the model's forward (fvcore trace)", lambda: fvcore_check(model, arguments, recording.operators))
    return Analysis(target or type(model).__name__, shapes, recording, model, reconciliation,
                    stated_axis=batch_axis, training=cost, footprint=memory)


def _check_batch_axis(axis: int | None, shapes: list[list[int]]) -> None:
    """A stated batch axis must exist in every input tensor, with one size along it."""
    if axis is None:
        return
    if not isinstance(axis, int) or isinstance(axis, bool) or axis < 0:
        raise TargetError(f"--batch-axis must be an axis index 0, 1, …, got {axis!r}")
    text = " and ".join(",".join(map(str, shape)) for shape in shapes) or "(no tensors)"
    if not shapes or any(len(shape) <= axis for shape in shapes):
        raise TargetError(f"--batch-axis {axis}: input {text} has no axis {axis} in every tensor")
    if len({shape[axis] for shape in shapes}) != 1:
        raise TargetError(f"--batch-axis {axis}: the inputs {text} differ along axis {axis}; give the axis "
                          f"every input carries the batch on")


def at_resolutions(model: nn.Module, shapes: list[tuple[int, ...]], resolutions: list[int],
                   dtypes: list[str] | None = None, device: str = "cpu") -> list[dict[str, Any]]:
    """The model's MACs at each resolution of the first input: its length L (N,C,L), its H×W square
    (N,C,H,W), or its H×W with the depth kept (N,C,D,H,W).

    A resolution the model refuses gets ``macs: null`` and the reason, the others still count.
    """
    first = shapes[0]
    if len(first) < 3:
        raise TargetError("--res-list needs an input with spatial dimensions (N,C,L; N,C,H,W or N,C,D,H,W), got "
                          f"{','.join(map(str, first))}")
    spatial = min(2, len(first) - 2)
    rows = []
    for resolution in resolutions:
        shape = (*first[:-spatial], *[resolution] * spatial)
        try:
            recording = _record(model, zeros([shape, *shapes[1:]], dtypes, device), count=False)
        except (TargetError, UserCodeError) as error:
            reason = error.summary if isinstance(error, UserCodeError) else str(error)
            rows.append({"resolution": resolution, "input": list(shape), "macs": None, "flops": None,
                         "reason": reason})
            continue
        macs = sum(op.macs for op in recording.operators)
        uncosted = sum(1 for op in recording.operators if op.family is None)
        rows.append({"resolution": resolution, "input": list(shape), "macs": macs, "flops": 2 * macs,
                     "uncosted_operators": uncosted, "unseen_calls": len(recording.unseen), "reason": None})
    return rows
