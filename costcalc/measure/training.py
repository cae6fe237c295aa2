"""What a training step costs: the forward as run with grad, and the backward autograd runs for it.

One forward with grad enabled, in training mode as a training step runs it (dropout keeps its masks, batch
norm its batch statistics; every buffer is put back afterwards), is recorded like ``analyze``'s
(:class:`costcalc.measure.recorder.OperatorRecorder`), and each MAC operator also records which of its
tensor arguments ``requires_grad`` *as it ran* — autograd's own answer to "does anything upstream need a
gradient". Its backward MACs follow from one rule per family (:data:`BACKWARD_RULES`); each gradient a
multilinear operator produces costs what its forward costs, and only gradients autograd asks for count:

* ``convolution``  ``F·[input needs grad] + F·[weight needs grad]`` with ``F`` the forward MACs —
  ``grad_input`` is the transposed convolution of ``grad_out`` with the weight, ``grad_weight`` the
  correlation of the input with ``grad_out``: every (output, weight) product of the forward once each,
  grouped, depthwise, transposed and dilated alike (a depthwise conv's weight gradient is ``F``, not ``g·F``);
* ``matmul``       ``mm``/``addmm``/``bmm``/…: ``dA = dC·Bᵀ`` and ``dB = Aᵀ·dC``, ``F`` each where needed
  (``_trilinear``, ``cdist``, ``pdist``: each needed operand's gradient revisits every term, ``F`` each);
* ``attention``    fused scaled-dot-product kernels (flash, efficient, cuDNN, CPU flash): the backward
  kernel recomputes ``QKᵀ`` (``L·S·E``), then ``dA = dO·Vᵀ`` and ``dV = Aᵀ·dO`` (``L·S·Ev`` each),
  ``dQ = dS·K`` and ``dK = dSᵀ·Q`` (``L·S·E`` each): ``3·L·S·E + 2·L·S·Ev`` per head, all at once
  (attention with dropout, as ``nn.MultiheadAttention`` trains, runs as two ``bmm``: the matmul rule);
* ``recurrent``    ``mkldnn_rnn_layer``: its backward kernel computes the input, hidden-state and both
  weight gradients at once: ``2·F``.

Then the real backward runs (``torch.autograd.backward`` from every floating output that requires grad;
each ``.grad`` is put back as it was): an operator that runs there *with grad enabled* is a forward recomputed by
``torch.utils.checkpoint`` — its MACs count again, in the backward, for the module that reran it (the
non-reentrant variant's recomputation stops as soon as it has what backward needs: only what reran
counts). FlopCounterMode counts the same backward underneath when asked, and :meth:`TrainingCost.reconcile` names
every difference (torch 2.13 counts a grouped convolution's weight gradient ``g`` times, and has no
rule for the CPU flash-attention or recurrent backward kernels).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from math import prod
from typing import Any

import torch
from torch import nn

from costcalc.measure.flop_counter import FlopCounterMode
from costcalc.measure.operators import MAC_FAMILIES
from costcalc.measure.recorder import (
    Operator,
    OperatorRecorder,
    Recording,
    _module_stack,
    first_shape,
    preserved_mode,
    tensors_in,
    within,
)
from costcalc.measure.user_code import TargetError


def _convolution(args: tuple, out: Any, forward: int, needs: tuple[bool, ...]) -> int:
    """``convolution(input, weight, …)``: ``F`` for ``grad_input`` where the input needs it, ``F`` for
    ``grad_weight`` where the weight requires grad (the bias gradient is a sum, not a MAC)."""
    return forward * (needs[0] + needs[1])


def _operands(first: int) -> Callable[[tuple, Any, int, tuple[bool, ...]], int]:
    """A product of the two tensors at ``first`` and ``first + 1`` (``mm(a, b)``, ``addmm(bias, a, b)``):
    ``F`` for each operand whose gradient autograd needs."""
    def rule(args: tuple, out: Any, forward: int, needs: tuple[bool, ...]) -> int:
        return forward * (needs[first] + needs[first + 1])
    return rule


def _trilinear(args: tuple, out: Any, forward: int, needs: tuple[bool, ...]) -> int:
    """``_trilinear(i1, i2, i3, …)``: ``F`` for each of the three inputs that needs a gradient."""
    return forward * sum(needs[:3])


def _attention(args: tuple, out: Any, forward: int, needs: tuple[bool, ...]) -> int:
    """Fused attention backward on ``q`` (…, L, E), ``k`` (…, S, E), ``v`` (…, S, Ev): recompute ``QKᵀ``,
    then ``dA``, ``dV``, ``dQ``, ``dK`` — ``∏batch·L·S·(3·E + 2·Ev)`` whenever any of the three needs grad."""
    if not any(needs[:3]):
        return 0
    q, k, v = args[0], args[1], args[2]
    *batch, length, embed = q.shape
    return prod(batch) * length * k.shape[-2] * (3 * embed + 2 * v.shape[-1])


def _recurrent(args: tuple, out: Any, forward: int, needs: tuple[bool, ...]) -> int:
    """``mkldnn_rnn_layer_backward``: input, hidden-state and weight gradients in one kernel, ``2·F``."""
    return 2 * forward if any(needs) else 0


BACKWARD_RULES: dict[str, Callable[[tuple, Any, int, tuple[bool, ...]], int]] = {
    **dict.fromkeys(("convolution", "_convolution", "convolution_overrideable", "mkldnn_convolution",
                     "_slow_conv2d_forward", "slow_conv3d_forward"), _convolution),
    **dict.fromkeys(("mm", "bmm", "mv", "dot", "vdot", "_cdist_forward"), _operands(0)),
    **dict.fromkeys(("addmm", "_addmm_activation", "baddbmm", "addbmm", "addmv"), _operands(1)),
    "_pdist_forward": lambda args, out, forward, needs: forward * needs[0],
    "_trilinear": _trilinear,
    **dict.fromkeys(("_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
                     "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
                     "_scaled_dot_product_fused_attention_overrideable"), _attention),
    "mkldnn_rnn_layer": _recurrent,
}
"""Backward MACs of each forward MAC operator, by name: ``rule(args, out, forward_macs, needs)``."""

FLOP_COUNTER_BACKWARD = ("convolution", "_convolution", "mm", "addmm", "bmm", "baddbmm",
                         "_scaled_dot_product_flash_attention", "_scaled_dot_product_efficient_attention",
                         "_scaled_dot_product_cudnn_attention")
"""Forward operators whose backward kernels torch 2.13's FlopCounterMode has a rule for."""


@dataclass(frozen=True)
class Step:
    """One MAC operator of the training step: its forward and backward MACs and how autograd got there."""

    module: str
    call: int
    name: str
    forward: int          # MACs of the forward as first run (0 for a recomputation)
    backward: int         # gradient MACs autograd runs for it (recomputed forward MACs included)
    recomputed: int       # MACs of a forward rerun by torch.utils.checkpoint during the backward (in ``backward``)
    needs: tuple[bool, ...]
    flop_counter: int     # FLOPs FlopCounterMode counts for this step's backward (its known errors included)
    cause: str | None     # why FlopCounterMode differs here, when it does


def _flop_counter_view(name: str, args: tuple, backward: int, forward: int, needs: tuple[bool, ...]
                       ) -> tuple[int, str | None]:
    """What FlopCounterMode counts for one operator's backward, in FLOPs, and the named cause where that
    is not ``2 × backward``: torch 2.13 ``conv_backward_flop`` costs ``grad_weight`` as one convolution of
    the whole input with the whole ``grad_out``, ignoring the groups (``g·F``), and it has no rule for the
    backward of the CPU flash-attention, recurrent, bilinear or distance kernels (0)."""
    if name not in FLOP_COUNTER_BACKWARD:
        return 0, f"FlopCounterMode has no rule for the backward of aten.{name} (counts 0)" if backward else None
    if name in ("convolution", "_convolution") and needs[1] and len(args) > 8 and args[8] > 1:
        groups = args[8]
        return 2 * (backward + (groups - 1) * forward), (
            f"FlopCounterMode counts a grouped convolution's weight gradient {groups}× (torch 2.13 "
            "conv_backward_flop ignores groups)")
    return 2 * backward, None


class TrainingRecorder(OperatorRecorder):
    """:class:`OperatorRecorder` that also keeps each MAC operator's training :class:`Step`; during the
    backward (``backward=True``) only forwards that reran with grad enabled are recorded."""

    def __init__(self, stack: list[tuple[str, int]], recording: Recording, counter: FlopCounterMode | None):
        super().__init__(stack, recording, counter)
        self.steps: list[Step] = []
        self.backward = False

    def __torch_dispatch__(self, func: Any, types: tuple[type, ...], args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        recomputed = self.backward and torch.is_grad_enabled()
        if self.backward and not recomputed:  # a gradient kernel: FlopCounterMode counts it underneath
            return func(*args, **(kwargs or {}))
        before = len(self.recording.operators)
        out = super().__torch_dispatch__(func, types, args, kwargs)
        if len(self.recording.operators) > before and self.recording.operators[-1].family in MAC_FAMILIES:
            self._step(self.recording.operators[-1], args, out, recomputed)
        return out

    def _step(self, op: Operator, args: tuple, out: Any, recomputed: bool) -> None:
        grad = torch.is_grad_enabled()  # under no_grad (a reentrant checkpoint's first pass) autograd records nothing
        needs = tuple(grad and isinstance(arg, torch.Tensor) and arg.requires_grad for arg in args)
        rule = BACKWARD_RULES.get(op.name)
        gradients = rule(args, out, op.macs, needs) if rule is not None else 0
        # non-reentrant checkpoint recomputes under its own saved-tensor hooks for the graph already built,
        # whose gradients the first forward counted; the reentrant one reruns and differentiates afresh
        reentrant = torch._C._autograd._top_saved_tensors_default_hooks(False) is None
        if recomputed and not reentrant:
            gradients = 0
        measured, cause = _flop_counter_view(op.name, args, gradients, op.macs, needs)
        rerun = op.macs if recomputed else 0
        self.steps.append(Step(op.module, op.call, op.name, op.macs - rerun, gradients + rerun, rerun, needs,
                               measured + (op.flop_counter if recomputed else 0), cause))


def _float_outputs(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value] if value.is_floating_point() or value.is_complex() else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    return [tensor for item in items for tensor in _float_outputs(item)]


def _leaves(model: nn.Module, inputs: Any) -> list[torch.Tensor]:
    """What gradients flow to: the trainable parameters and any input tensor that requires grad."""
    return [*(parameter for parameter in model.parameters() if parameter.requires_grad),
            *(tensor for tensor in tensors_in(inputs) if tensor.requires_grad and tensor.is_leaf)]


def differentiable(model: nn.Module, inputs: tuple, outputs: Any) -> list[torch.Tensor]:
    """The floating outputs backward starts from; a model that cannot run backward is a :class:`TargetError`
    with the one-line reason."""
    floats = _float_outputs(outputs)
    if not floats:
        raise TargetError(f"--training: the model's output has no floating-point tensor to differentiate "
                          f"(got {_dtypes(outputs)}); a training step needs a float output")
    if not _leaves(model, inputs):
        raise TargetError("--training: no parameter requires grad (every parameter is frozen) and no input "
                          "requires grad, so there is no backward to cost")
    needing = [tensor for tensor in floats if tensor.requires_grad]
    if not needing:
        raise TargetError("--training: the model's output does not require grad: its forward runs under "
                          "torch.no_grad() or detaches, so backward cannot run")
    return needing


def _dtypes(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return str(value.dtype).removeprefix("torch.")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    return ", ".join(filter(None, map(_dtypes, items))) or type(value).__name__


@dataclass
class TrainingRun:
    """A recorded training step: the forward :class:`Recording`, each MAC operator's :class:`Step` and
    what FlopCounterMode measured for the backward (``None`` when it did not run)."""

    recording: Recording
    steps: list[Step]
    saved: dict[Any, int]                       # storages autograd kept for backward → bytes
    flop_counter_backward: int | None = None


@contextmanager
def preserved_buffers(model: nn.Module) -> Iterator[None]:
    """Put every buffer back as it was: a training-mode forward moves batch norm's running statistics."""
    saved = [(buffer, buffer.clone()) for buffer in model.buffers()]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


def record_training(model: nn.Module, inputs: tuple, count: bool, kwargs: dict[str, Any] | None,
                    saved_hook: Callable[[], Any]) -> TrainingRun:
    """Run ``model(*inputs)`` with grad enabled in training mode under a :class:`TrainingRecorder`, then its
    backward (``torch.autograd.backward``; every ``.grad`` is restored); ``saved_hook()`` is the
    saved-tensors hooks context (:mod:`costcalc.measure.footprint`) that measures what autograd keeps."""
    recording = Recording()
    stack = [("", 0)]
    with ExitStack() as scope:
        scope.enter_context(preserved_mode(model))
        scope.enter_context(preserved_buffers(model))
        scope.enter_context(torch.enable_grad())
        model.train()
        counter = scope.enter_context(FlopCounterMode(display=False)) if count else None
        scope.enter_context(_module_stack(model, recording, stack))
        recorder = scope.enter_context(TrainingRecorder(stack, recording, counter))
        hooks = saved_hook()
        with hooks:
            output = model(*inputs, **(kwargs or {}))
        recording.calls[""] = [(first_shape(inputs), first_shape(output))]
        recording.output = first_shape(output)
        roots = differentiable(model, inputs, output)
        leaves = _leaves(model, inputs)
        forward_flops = counter.get_total_flops() if counter is not None else 0
        recorder.backward = True
        recorder.recording = Recording()  # recomputed forwards, apart from the first
        calls = {name: list(runs) for name, runs in recording.calls.items()}
        grads = [leaf.grad for leaf in leaves]
        try:
            torch.autograd.backward(roots, [torch.ones_like(root) for root in roots])
        finally:
            for leaf, grad in zip(leaves, grads):  # the model's .grad as it was
                leaf.grad = grad
        recording.calls = calls  # a module rerun by checkpoint is not another call of the forward
        measured = counter.get_total_flops() - forward_flops if counter is not None else None
    return TrainingRun(recording, recorder.steps, hooks.saved, measured)


@dataclass
class TrainingCost:
    """Forward + backward MACs of one training step (``Analysis.training``); FLOPs = 2 × MACs."""

    steps: list[Step] = field(repr=False)
    flop_counter_backward: int | None = field(default=None, repr=False)

    @property
    def forward_macs(self) -> int:
        return sum(step.forward for step in self.steps)

    @property
    def backward_macs(self) -> int:
        return sum(step.backward for step in self.steps)

    @property
    def recomputed_macs(self) -> int:
        """The part of ``backward_macs`` that is a checkpointed forward run again."""
        return sum(step.recomputed for step in self.steps)

    @property
    def macs(self) -> int:
        return self.forward_macs + self.backward_macs

    def within(self, module: str) -> dict[str, int]:
        """Forward, backward and total MACs of the steps run inside ``module`` (``""``: the model)."""
        forward = sum(step.forward for step in self.steps if within(step.module, module))
        backward = sum(step.backward for step in self.steps if within(step.module, module))
        return {"forward_macs": forward, "backward_macs": backward, "macs": forward + backward}

    def by_operator(self) -> dict[str, dict[str, int]]:
        forward: Counter[str] = Counter()
        backward: Counter[str] = Counter()
        for step in self.steps:
            forward[step.name] += step.forward
            backward[step.name] += step.backward
        return {name: {"forward_macs": forward[name], "backward_macs": backward[name]} for name in forward}

    def reconcile(self) -> dict[str, Any] | None:
        """FlopCounterMode's backward FLOPs against ``2 × backward_macs``, each differing operator with its
        cause; ``explained`` when the named causes account for the whole difference."""
        if self.flop_counter_backward is None:
            return None
        differences: dict[tuple[str, str, str], list[int]] = {}
        for step in self.steps:
            if step.cause:
                entry = differences.setdefault((step.module or "(model)", step.name, step.cause), [0, 0])
                entry[0] += 2 * step.backward
                entry[1] += step.flop_counter
        expected = sum(step.flop_counter for step in self.steps)
        return {"analytic_flops": 2 * self.backward_macs, "measured_flops": self.flop_counter_backward,
                "expected_flops": expected, "explained": expected == self.flop_counter_backward,
                "convention": "FlopCounterMode's FLOPs of the real backward (torch.autograd.backward on every float "
                              "output that requires grad), 2 per MAC",
                "disagreements": [{"module": module, "operator": name, "cause": cause, "analytic": analytic,
                                   "measured": measured}
                                  for (module, name, cause), (analytic, measured) in differences.items()]}

    def to_dict(self) -> dict[str, Any]:
        return {"forward_macs": self.forward_macs, "backward_macs": self.backward_macs, "macs": self.macs,
                "recomputed_macs": self.recomputed_macs,
                "by_operator": self.by_operator(), "flop_counter": self.reconcile()}
