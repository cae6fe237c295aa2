"""One forward pass under a dispatch mode: every aten operator, the module call that ran it, its cost.

Like ``torch.utils.flop_counter`` (and in the same pass — ``FlopCounterMode`` sits beneath our mode,
so the FLOPs it adds while one operator runs are that operator's measurement), an
:class:`OperatorRecorder` sees each aten operator after decomposition and costs it with the
:mod:`costcalc.measure.operators` registry. Global module hooks keep a stack of ``(name, call)``
pairs, so an operator belongs to the innermost module running it — and to which call of a reused
module — and a module's own ``forward`` code (a residual add, a functional convolution) is its own.
Hooks are removed afterwards; nothing is written to the model.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.utils._python_dispatch import TorchDispatchMode
from costcalc.measure.flop_counter import FlopCounterMode

from costcalc.measure.custom_operators import flop_counter_mapping, registered_rule
from costcalc.measure.operators import NO_WORK_FAMILIES, nested_sizes, rule_for


@dataclass(frozen=True)
class Operator:
    """One recorded aten operator: where it ran, its family, exact MACs, output elements and measurement."""

    module: str
    call: int
    name: str
    family: str | None          # None: no rule (uncosted)
    macs: int
    elements: int               # output elements (the size of an other op)
    flop_counter: int           # FLOPs FlopCounterMode added for it (2 per MAC where it has a rule)
    attention: int = 0          # the QKᵀ + AV part of ``macs`` (attention operators)


@dataclass
class Recording:
    """What one forward showed: the operators in order and each module's calls (input and output shapes)."""

    operators: list[Operator] = field(default_factory=list)
    calls: dict[str, list[tuple[tuple[int, ...], tuple[int, ...]]]] = field(default_factory=dict)
    output: tuple[int, ...] = ()


def within(name: str, prefix: str) -> bool:
    """Whether module ``name`` is ``prefix`` or inside it (``""`` is the model: everything is inside)."""
    return not prefix or name == prefix or name.startswith(prefix + ".")


def first_shape(value: Any) -> tuple[int, ...]:
    """The shape of the first tensor in ``value`` (a tensor, or tuples, lists and dicts of them; a nested
    tensor as padded to its longest components)."""
    if isinstance(value, torch.Tensor) and value.is_nested:  # padded: the longest component per dimension
        sizes = nested_sizes(value)
        return (len(sizes), *map(max, zip(*sizes))) if sizes else ()
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    for item in items:
        shape = first_shape(item)
        if shape:
            return shape
    return ()


def _numel(value: Any) -> int:
    """Elements of an operator's (first) output: max pooling's indices and batch norm's saved
    statistics are by-products, not outputs."""
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, (tuple, list)) and value:
        return _numel(value[0])
    return 0


class OperatorRecorder(TorchDispatchMode):
    """Records each aten operator against ``stack[-1]``, the innermost ``(module, call)`` running it."""

    def __init__(self, stack: list[tuple[str, int]], recording: Recording, counter: FlopCounterMode | None):
        super().__init__()
        self.stack = stack
        self.recording = recording
        self.global_counts = counter.flop_counts["Global"] if counter is not None else None

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        """No ``torch._dynamo`` wrapper around our handler: nothing here is compiled, and importing
        dynamo on the first operator would cost seconds (FlopCounterMode pays it when it runs)."""
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        before = sum(self.global_counts.values()) if self.global_counts is not None else 0
        out = func(*args, **kwargs)
        measured = sum(self.global_counts.values()) - before if self.global_counts is not None else 0
        module, call = self.stack[-1]
        registered = registered_rule(func)  # the user's rule (costcalc.register_operator) wins
        rule = rule_for(func) if registered is None else None
        try:
            macs = rule.macs(args, out) if rule is not None and rule.macs is not None else 0
            attention = rule.attention(args, out) if rule is not None and rule.attention is not None else 0
        except Exception:  # a call the rule cannot read (an unusual overload): listed as uncosted, not dropped
            rule, macs, attention = None, 0, 0
        family = rule.family if rule is not None else None
        if registered is not None:
            family, macs = registered.family, registered.count(args, kwargs, out)
        if family not in NO_WORK_FAMILIES or measured:
            self.recording.operators.append(Operator(module, call, str(func.overloadpacket).removeprefix("aten."),
                                                     family, macs, _numel(out), measured, attention))
        return out


def _call_index(calls: dict[str, list], name: str) -> int:
    return len(calls.get(name, []))


@contextmanager
def _module_stack(model: nn.Module, recording: Recording, stack: list[tuple[str, int]]):
    """Global forward hooks that push/pop ``(name, call)`` for the model's modules (first names)."""
    names = {module: name for name, module in model.named_modules()}
    names.pop(model, None)
    pending: list[tuple[str, tuple[int, ...]]] = []

    def before(module, args):
        name = names.get(module)
        if name is not None:
            stack.append((name, _call_index(recording.calls, name)))
            pending.append((name, first_shape(args)))

    def after(module, args, output):
        name = names.get(module)
        if name is not None:
            stack.pop()
            _, input_shape = pending.pop()
            recording.calls.setdefault(name, []).append((input_shape, first_shape(output)))

    handles = [module_hooks.register_module_forward_pre_hook(before),
               module_hooks.register_module_forward_hook(after)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def preserved_mode(model: nn.Module):
    """Restore every submodule's ``training`` flag afterwards (the analysis runs in eval mode)."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def record(model: nn.Module, inputs: tuple, count: bool = True, kwargs: dict[str, Any] | None = None) -> Recording:
    """Run ``model(*inputs, **kwargs)`` once (eval mode, no grad) and record it; ``count`` also runs FlopCounterMode
    beneath the recorder so every operator carries the FLOPs it measured. Exceptions propagate."""
    recording = Recording()
    stack = [("", 0)]
    with ExitStack() as scope:
        scope.enter_context(preserved_mode(model))
        scope.enter_context(torch.no_grad())
        model.eval()
        counter = scope.enter_context(FlopCounterMode(display=False, custom_mapping=flop_counter_mapping())) \
            if count else None
        scope.enter_context(_module_stack(model, recording, stack))
        scope.enter_context(OperatorRecorder(stack, recording, counter))
        output = model(*inputs, **(kwargs or {}))
    recording.calls[""] = [(first_shape(inputs), first_shape(output))]
    recording.output = first_shape(output)
    return recording
