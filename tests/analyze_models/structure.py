"""Models whose structure trips naive counters: shared, tied, parametrized, subclassed, several inputs,
batch changes, and the five rows of the issue that first reported them."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations


class Shared(nn.Module):
    """One 3×3 conv applied twice under two names (reused: MACs per call, params once) and a Linear
    whose weight is tied to another's (one tensor, counted once)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.alias = self.conv                     # the same module under a second name
        self.embed = nn.Linear(8, 16, bias=False)
        self.unembed = nn.Linear(16, 8, bias=False)
        self.tied = nn.Linear(8, 16, bias=False)
        self.tied.weight = self.embed.weight       # tied: one tensor, two modules

    def forward(self, x):
        x = self.alias(self.conv(x))
        v = x.mean((2, 3))
        return self.unembed(self.embed(v)) + self.tied(v).sum()


class DoubleConv(nn.Conv2d):
    """A Conv2d subclass whose forward convolves twice with its own weight."""

    def forward(self, x):
        return super().forward(super().forward(x))


class Parametrized(nn.Module):
    """weight_norm Conv2d and Linear, spectral_norm Conv2d and Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.wn_conv = parametrizations.weight_norm(nn.Conv2d(16, 16, 3, padding=1))
        self.sn_conv = parametrizations.spectral_norm(nn.Conv2d(16, 16, 3, padding=1))
        self.wn_fc = parametrizations.weight_norm(nn.Linear(16, 32))
        self.sn_fc = parametrizations.spectral_norm(nn.Linear(32, 10))

    def forward(self, x):
        x = self.sn_conv(self.wn_conv(x)).mean((2, 3))
        return self.sn_fc(self.wn_fc(x))


class TwoInputs(nn.Module):
    """forward(pair, extras): a tuple of two images and a dict with a feature vector."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.fc = nn.Linear(8 + 6, 2)

    def forward(self, pair, extras):
        left, right = pair
        pooled = torch.cat([self.conv(left).mean((2, 3)), self.conv(right).mean((2, 3)), extras["meta"]], 1)
        return self.fc(pooled)


class DictInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1, bias=False)

    def forward(self, batch):
        return self.conv(batch["image"])


class StackedViews(nn.Module):
    """Stacks the input and its flip into a batch of 2 before a conv (the batch grows inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        features = F.adaptive_avg_pool2d(self.conv(torch.cat([x, x.flip(-1)], 0)), 2)
        return self.fc(features.flatten(1))


class LinearOverNCHW(nn.Module):
    """A Linear over the last (W) dimension of an NCHW map."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 32, bias=False)

    def forward(self, x):
        return self.fc(x)


class Mixed(nn.Module):
    """Conv1d, ConvTranspose2d, functional F.conv2d, nn.MultiheadAttention (fast path) and Linear on (B, T, C)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1d = nn.Conv1d(16, 32, 5, padding=2)
        self.up = nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1)
        self.kernel = nn.Parameter(torch.randn(32, 16, 3, 3))
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)
        self.fc = nn.Linear(32, 64)

    def forward(self, x):
        seq = self.conv1d(x)                                  # (1, 32, 64)
        grid = self.up(seq.reshape(1, 32, 8, 8))              # (1, 16, 16, 16)
        features = F.conv2d(grid, self.kernel, padding=1)     # (1, 32, 16, 16)
        tokens = features.flatten(2).transpose(1, 2)          # (1, 256, 32)
        attended, _ = self.attn(tokens, tokens, tokens, need_weights=False)
        return self.fc(attended)


class Lambda(nn.Module):
    """A module whose forward is ``function``: one operator (or any expression) under test as a model."""

    def __init__(self, function) -> None:
        super().__init__()
        self.function = function

    def forward(self, *args):
        return self.function(*args)
