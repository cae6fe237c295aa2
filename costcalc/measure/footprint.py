"""The memory a model needs: parameters, buffers, gradients, optimizer state and activations, in bytes.

* ``params_bytes``, ``buffers_bytes``: counted from the model's tensors, each unique tensor once
  (``numel × element_size``); ``trainable_params`` = elements of the parameters that ``requires_grad``.
* ``grads_bytes``: one gradient per trainable parameter, in its dtype (analytic: what ``.backward()``
  allocates in ``.grad``).
* ``optimizer_bytes``: the state ``torch.optim`` keeps per trainable parameter (analytic, by
  :data:`costcalc.engine.optimizers.OPTIMIZERS`): SGD none; SGD with momentum one ``momentum_buffer``;
  Adam and AdamW ``exp_avg`` and ``exp_avg_sq`` plus a float32 ``step`` scalar per parameter tensor.
* ``activations_bytes``: measured. In a training step, the tensors autograd keeps for backward —
  every tensor packed through ``torch.autograd.graph.saved_tensors_hooks`` during the forward, by
  unique storage, parameters and buffers excluded (:class:`SavedTensors`). For inference, the peak of
  the storages alive at once among those the forward's operators create (:class:`LiveActivations`: a
  storage lives from the operator that returns it until its last tensor is freed).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from costcalc.engine.optimizers import OPTIMIZERS, STEP_BYTES
from costcalc.measure.recorder import tensors_in


def _storage(tensor: torch.Tensor) -> tuple[int, int]:
    """A tensor's storage: its identity and its bytes. The identity is the address of the ``StorageImpl``,
    shared by every view of it, on any device (a meta tensor's data pointer is 0 for all, its storage is
    still its own). A tensor whose storage torch does not expose (MKL-DNN's opaque layout) is its own
    storage, of its dense size."""
    try:
        storage = tensor.untyped_storage()
    except (NotImplementedError, RuntimeError):
        return id(tensor), tensor.numel() * tensor.element_size()
    return storage._cdata, storage.nbytes()


def model_storages(model: nn.Module, inputs: Any = ()) -> set[Any]:
    """The storages of the model's parameters and buffers and of the input tensors: not activations."""
    tensors = [*model.parameters(), *model.buffers(), *tensors_in(inputs)]
    return {_storage(tensor)[0] for tensor in tensors}


class SavedTensors(torch.autograd.graph.saved_tensors_hooks):
    """Saved-tensor hooks that note each packed tensor's storage (bytes by storage) and keep it as is."""

    def __init__(self, excluded: set[Any]):
        self.saved: dict[Any, int] = {}

        def pack(tensor: torch.Tensor) -> torch.Tensor:
            key, size = _storage(tensor)
            if key not in excluded:
                self.saved[key] = size
            return tensor

        super().__init__(pack, lambda tensor: tensor)


class LiveActivations(TorchDispatchMode):
    """Tracks the storages the forward's operators create until their last tensor dies; ``peak`` bytes."""

    def __init__(self, excluded: set[Any]):
        super().__init__()  # type: ignore[no-untyped-call]  # untyped_calls_exclude skips super() calls (mypy#16653)
        self.excluded = excluded
        self.tensors: dict[Any, int] = {}   # live storage → tensors referring to it
        self.sizes: dict[Any, int] = {}
        self.live = 0
        self.peak = 0

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False

    def __torch_dispatch__(self, func: Any, types: tuple[type, ...], args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        out = func(*args, **(kwargs or {}))
        for tensor in tensors_in(out):
            key, size = _storage(tensor)
            if key in self.excluded:
                continue
            if key not in self.tensors:
                self.tensors[key], self.sizes[key] = 0, size
                self.live += self.sizes[key]
                self.peak = max(self.peak, self.live)
            self.tensors[key] += 1
            weakref.finalize(tensor, self._release, key)
        return out

    def _release(self, key: Any) -> None:
        self.tensors[key] -= 1
        if not self.tensors[key]:
            del self.tensors[key]
            self.live -= self.sizes.pop(key)


@dataclass(frozen=True)
class Footprint:
    """Bytes of one model's parameters, buffers, gradients, optimizer state and activations."""

    params_bytes: int
    buffers_bytes: int
    grads_bytes: int
    optimizer_bytes: int
    activations_bytes: int | None
    trainable_params: int
    frozen_params: int
    optimizer: str
    activations: str          # what activations_bytes is: "saved for backward" or "peak live (inference)"

    @property
    def total_bytes(self) -> int:
        return (self.params_bytes + self.buffers_bytes + self.grads_bytes + self.optimizer_bytes
                + (self.activations_bytes or 0))

    def to_dict(self) -> dict[str, Any]:
        """``totals.footprint``: the five byte counts, their sum, and which are measured, counted or analytic."""
        return {"params_bytes": self.params_bytes, "buffers_bytes": self.buffers_bytes,
                "grads_bytes": self.grads_bytes, "optimizer_bytes": self.optimizer_bytes,
                "activations_bytes": self.activations_bytes, "total_bytes": self.total_bytes,
                "optimizer": self.optimizer, "activations": self.activations,
                "measured": ["activations_bytes"],
                "counted": ["params_bytes", "buffers_bytes"],
                "analytic": ["grads_bytes", "optimizer_bytes"]}


def optimizer_copies(name: str) -> int:
    """State copies per trainable parameter of ``name``; an unknown name is a ValueError listing the valid ones."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name]


def footprint(model: nn.Module, optimizer: str, activations_bytes: int | None, training: bool) -> Footprint:
    """The model's :class:`Footprint` with ``optimizer`` (``sgd``, ``momentum``, ``adam``, ``adamw``)."""
    copies = optimizer_copies(optimizer)
    parameters = list(model.parameters())  # each unique tensor once
    trainable = [parameter for parameter in parameters if parameter.requires_grad]
    trainable_bytes = sum(parameter.numel() * parameter.element_size() for parameter in trainable)
    return Footprint(
        params_bytes=sum(parameter.numel() * parameter.element_size() for parameter in parameters),
        buffers_bytes=sum(buffer.numel() * buffer.element_size() for buffer in model.buffers()),
        grads_bytes=trainable_bytes,
        optimizer_bytes=copies * trainable_bytes + STEP_BYTES.get(optimizer, 0) * len(trainable),
        activations_bytes=activations_bytes,
        trainable_params=sum(parameter.numel() for parameter in trainable),
        frozen_params=sum(parameter.numel() for parameter in parameters if not parameter.requires_grad),
        optimizer=optimizer,
        activations="saved for backward (measured: saved_tensors_hooks)" if training
        else "peak live during the forward (measured: operator outputs' lifetimes)")
