"""The head dimensions a fused attention kernel padded, so attention is costed on what the model asked for.

On CUDA, ``scaled_dot_product_attention`` pads the last dimension of ``query``, ``key`` and ``value`` to
a multiple of 8 (``constant_pad_nd`` with zeros: MobileViT-S's 36 → 40, 60 → 64) before the flash or
memory-efficient kernel, and slices the output back. The zeros add nothing to ``QKᵀ`` or ``AV``: the
attention the model computes is the one on its own sizes, in any dtype and on any device. A
:class:`PaddedHeads` remembers each tensor a zero pad of the last dimension produced (weakly: it never
keeps a tensor alive), and hands an attention rule the tensors from before the pad, with a note that
names the kernel's padding.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.weak import WeakIdKeyDictionary

_PAD = torch.ops.aten.constant_pad_nd.default


class PaddedHeads:
    """Padded tensor → the tensor it was padded from, for zero pads of the last dimension only."""

    def __init__(self) -> None:
        self.sources = WeakIdKeyDictionary()

    def observe(self, func: Any, args: tuple, out: Any) -> None:
        """Remember ``out`` when ``func`` is ``constant_pad_nd(x, [0, p], 0)`` (zeros after the last dimension)."""
        if func is not _PAD or not isinstance(out, torch.Tensor) or len(args) < 2:
            return
        pad, value = list(args[1]), args[2] if len(args) > 2 else 0
        if len(pad) == 2 and pad[0] == 0 and pad[1] > 0 and not value:
            self.sources[out] = self.sources.get(args[0], args[0])

    def logical(self, named: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """``named`` with each padded ``query``/``key``/``value`` replaced by its source, and the note."""
        changes = []
        logical = dict(named)
        for name in ("query", "key", "value"):
            tensor = named.get(name)
            if not isinstance(tensor, torch.Tensor):
                continue
            source = self.sources.get(tensor)
            if source is not None:
                logical[name] = source
                changes.append(f"{name} {source.shape[-1]} → {tensor.shape[-1]}")
        if not changes:
            return named, ""
        return logical, (f"the attention kernel ran on head dimensions padded with zeros ({', '.join(changes)}); "
                         f"costed on the model's sizes")
