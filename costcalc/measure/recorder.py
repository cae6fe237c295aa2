"""One forward pass under a dispatch mode: every aten operator, the module call that ran it, its cost.

Like ``torch.utils.flop_counter`` (and in the same pass — ``FlopCounterMode`` sits beneath our mode,
so the FLOPs it adds while one operator runs are that operator's measurement), an
:class:`OperatorRecorder` sees each aten operator after decomposition and costs it with the
:mod:`costcalc.measure.operators` registry. Global module hooks keep a stack of ``(name, call)``
pairs, so an operator belongs to the innermost module running it — and to which call of a reused
module — and a module's own ``forward`` code (a residual add, a functional convolution) is its own.
Hooks are removed afterwards; nothing is written to the model.

A dispatch mode is thread-local: what a ``forward`` hands to a ``threading.Thread`` or a
``ThreadPoolExecutor`` runs where the recorder cannot see it. Module hooks are global, so such work
is detected and listed in :attr:`Recording.unseen` (the count is then a lower bound): a module call
whose hook fired on another thread (listed once, outermost), and a call of a module holding
parameters of its own during which no operator at all reached the recorder, yet which returned a
tensor that is neither its input nor one of its own (``F.conv2d`` handed to a pool).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.utils._python_dispatch import TorchDispatchMode

from costcalc.measure.calls import ConvCall, conv_call
from costcalc.measure.custom_operators import flop_counter_mapping, registered_rule
from costcalc.measure.flop_counter import FlopCounterMode
from costcalc.measure.operators import (
    NO_WORK_FAMILIES,
    bind,
    decompose,
    is_composite,
    nested_sizes,
    operator_name,
    rule_for,
)
from costcalc.measure.padding import PaddedHeads
from costcalc.measure.user_code import TargetError


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
    note: str = ""              # what the rule read differently from what the kernel ran (padded head dims)
    counter_failure: str = ""   # FlopCounterMode raised on this operator: its error (it counted 0)
    conv: ConvCall | None = None  # a convolution's call as it ran (its arguments by schema name)


@dataclass(frozen=True)
class Unseen:
    """A module call the recorder could not see the work of, and why."""

    module: str
    reason: str


@dataclass
class Recording:
    """What one forward showed: the operators in order and each module's calls (input and output shapes)."""

    operators: list[Operator] = field(default_factory=list)
    calls: dict[str, list[tuple[tuple[int, ...], tuple[int, ...]]]] = field(default_factory=dict)
    output: tuple[int, ...] = ()
    unseen: list[Unseen] = field(default_factory=list)
    dispatched: int = 0         # every operator that reached the recorder, data movement included


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
        super().__init__()  # type: ignore[no-untyped-call]  # untyped_calls_exclude skips super() calls (mypy#16653)
        self.stack = stack
        self.recording = recording
        self.counter = counter
        self.global_counts: dict[Any, int] = counter.flop_counts["Global"] if counter is not None else {}
        self.padded = PaddedHeads()

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        """No ``torch._dynamo`` wrapper around our handler: nothing here is compiled, and importing
        dynamo on the first operator would cost seconds (FlopCounterMode pays it when it runs)."""
        return False

    def _measured(self) -> tuple[int, int]:
        if self.counter is None:
            return 0, 0
        return sum(self.global_counts.values()), len(self.counter.failures)

    def __torch_dispatch__(self, func: Any, types: tuple[type, ...], args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        self.recording.dispatched += 1
        if torch.is_inference_mode_enabled() and is_composite(func):
            with self:  # as a normal run would: the decomposition's operators reach this recorder
                return decompose(func, args, kwargs)
        before, failures = self._measured()
        out = func(*args, **kwargs)
        after, failures_after = self._measured()
        failure = self.counter.failures[-1][1] if self.counter is not None and failures_after > failures else ""
        module, call = self.stack[-1]
        registered = registered_rule(func)  # the user's rule (costcalc.register_operator) wins
        rule = rule_for(func) if registered is None else None
        note = ""
        named: dict[str, Any] = {}  # stays empty when bind fails: a registered rule still reaches conv_call below
        try:
            named = bind(func, args, kwargs)
            refined = rule.refine(named) if rule is not None and rule.refine is not None else None
            rule = refined or rule
            if rule is not None and rule.family in ("attention", "attention_fused"):
                named, note = self.padded.logical(named)
            macs = rule.macs(named, out) if rule is not None and rule.macs is not None else 0
            attention = rule.attention(named, out) if rule is not None and rule.attention is not None else 0
        except Exception:  # a call the rule cannot read (an unusual overload): listed as uncosted, not dropped
            rule, macs, attention = None, 0, 0
        self.padded.observe(func, args, out)
        family = rule.family if rule is not None else None
        measured = after - before
        if registered is not None:
            family, macs = registered.family, registered.count(args, kwargs, out)
        if family not in NO_WORK_FAMILIES or measured:
            conv = conv_call(named, out) if family == "convolution" else None
            self.recording.operators.append(Operator(module, call, operator_name(func), family, macs, _numel(out),
                                                     measured, attention, note, failure, conv))
        return out


UNSEEN_WORK = ("holds parameters, ran no operator the recorder saw, yet returned a new tensor "
               "(computed on another thread?)")


def tensors_in(value: Any) -> list[torch.Tensor]:
    """Every tensor in a call's arguments or outputs ``value`` (tuples, lists and dict values, depth first)."""
    if isinstance(value, torch.Tensor):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    return [tensor for item in items for tensor in tensors_in(item)]


def _made_elsewhere(module: nn.Module, args: Any, output: Any) -> bool:
    """Whether a call that ran no operator here still computed something: the module holds parameters of
    its own and returned a tensor that is neither one of its inputs nor one of its parameters or buffers
    (a forward returning ``self.pos_embed``, or its input, computed nothing)."""
    held = [*module.parameters(recurse=False), *module.buffers(recurse=False)]
    if not any(isinstance(tensor, nn.Parameter) for tensor in held):
        return False
    known = {id(tensor) for tensor in (*tensors_in(args), *held)}
    return any(id(tensor) not in known for tensor in tensors_in(output))


def _call_index(calls: dict[str, list], name: str) -> int:
    return len(calls.get(name, []))


@contextmanager
def _module_stack(model: nn.Module, recording: Recording, stack: list[tuple[str, int]]) -> Iterator[None]:
    """Global forward hooks that push/pop ``(name, call)`` for the model's modules (first names), on the
    recording thread; a call on another thread, or of a module with parameters of its own that ran no
    operator the recorder saw, is listed in ``recording.unseen``."""
    names = {module: name for name, module in model.named_modules()}
    names.pop(model, None)
    pending: list[tuple[str, tuple[int, ...], int]] = []
    recording_thread = threading.get_ident()
    elsewhere = threading.local()  # per other thread: how deep in modules it runs

    def before(module: nn.Module, args: tuple[Any, ...]) -> None:
        name = names.get(module)
        if name is None:
            return
        if threading.get_ident() != recording_thread:  # listed once, outermost: its submodules ran inside it
            if not getattr(elsewhere, "depth", 0):
                recording.unseen.append(Unseen(name, "ran on another thread, which the dispatch mode does not follow"))
            elsewhere.depth = getattr(elsewhere, "depth", 0) + 1
            return
        stack.append((name, _call_index(recording.calls, name)))
        pending.append((name, first_shape(args), recording.dispatched))

    def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        name = names.get(module)
        if name is None:
            return
        if threading.get_ident() != recording_thread:
            elsewhere.depth -= 1
            return
        stack.pop()
        _, input_shape, dispatched = pending.pop()
        recording.calls.setdefault(name, []).append((input_shape, first_shape(output)))
        if dispatched == recording.dispatched and _made_elsewhere(module, args, output):
            recording.unseen.append(Unseen(name, UNSEEN_WORK))

    handles = [module_hooks.register_module_forward_pre_hook(before),
               module_hooks.register_module_forward_hook(after)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def preserved_mode(model: nn.Module) -> Iterator[None]:
    """Restore every submodule's ``training`` flag (the analysis runs in eval mode) and its buffers afterwards:
    a forward that updates its own buffers (a step counter, running statistics, a cache) leaves
    ``state_dict()`` as it was — the same tensors with their values, a buffer it reassigned put back, one it
    registered removed. Parameters are not copied (they can be most of the memory): a forward that writes
    its own weights in place keeps what it wrote."""
    modes = [(module, module.training) for module in model.modules()]
    buffers = [(module, dict(module._buffers), [(tensor, tensor.clone()) for tensor in module._buffers.values()
                                                if tensor is not None]) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
        for module, tensors, copies in buffers:
            module._buffers.clear()
            module._buffers.update(tensors)
            module._non_persistent_buffers_set &= set(tensors)
            for tensor, value in copies:
                with torch.inference_mode() if tensor.is_inference() else torch.no_grad():
                    tensor.copy_(value)


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
    refuse_lazy(output, recording)
    if not recording.dispatched and _made_elsewhere(model, (inputs, kwargs or {}), output):
        recording.unseen.append(Unseen("", UNSEEN_WORK))
    recording.calls[""] = [(first_shape(inputs), first_shape(output))]
    recording.output = first_shape(output)
    return recording


def refuse_lazy(output: Any, recording: Recording) -> None:
    """A ``forward`` that returns a generator (or coroutine) ran nothing of its body, and any other iterator
    over a forward that ran no operator is lazy too: counting it would print 0 MACs for work never done."""
    lazy = inspect.isgenerator(output) or inspect.iscoroutine(output) or inspect.isasyncgen(output)
    if lazy or isinstance(output, Iterator) and not isinstance(output, torch.Tensor) and not recording.dispatched:
        if inspect.iscoroutine(output):
            output.close()  # never awaited: no "coroutine was never awaited" warning
        raise TargetError(f"the model's forward returned a {type(output).__name__}, which runs nothing until it is "
                          f"consumed; costcalc counts what forward runs: return the tensors (a tuple or list)")
