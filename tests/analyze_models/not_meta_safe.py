"""Models that need real tensor values, for ``costcalc analyze --meta``'s refusals."""

from __future__ import annotations

import torch
from torch import nn


class ItemInConstructor(nn.Module):
    """Reads a tensor's value while building: ``.item()`` has no meaning on the meta device."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.full((1,), 0.5).item()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * self.scale


class BranchOnValue(nn.Module):
    """Branches on a value in its forward: data-dependent control flow."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) if x.sum() > 0 else x


class PinnedBuffer(nn.Module):
    """Puts a buffer on the CPU explicitly, whatever the default device."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.register_buffer("offset", torch.zeros(4, device="cpu"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + self.offset
