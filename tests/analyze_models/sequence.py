"""Sequence and video models: a ViT (hand-written attention or SDPA), a Conv3d video net, a Conv1d + LSTM audio net."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head self-attention; ``sdpa`` picks ``F.scaled_dot_product_attention`` over q @ kᵀ, softmax, @ v."""

    def __init__(self, dim: int, heads: int, sdpa: bool) -> None:
        super().__init__()
        self.heads, self.sdpa = heads, sdpa
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        batch, length, dim = x.shape
        q, k, v = self.qkv(x).reshape(batch, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        if self.sdpa:
            out = F.scaled_dot_product_attention(q, k, v)
        else:
            weights = (q @ k.transpose(-2, -1)) * (dim // self.heads) ** -0.5
            out = weights.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(batch, length, dim))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, sdpa: bool) -> None:
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads, sdpa)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """A small ViT: 8×8 patches of a 32×32 image (16 tokens + class token), ``depth`` blocks, a head."""

    def __init__(self, dim: int = 64, depth: int = 2, heads: int = 4, classes: int = 10, sdpa: bool = False) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 8, stride=8)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, 17, dim))
        self.blocks = nn.Sequential(*(Block(dim, heads, sdpa) for _ in range(depth)))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        tokens = self.patch(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], 1) + self.pos
        return self.head(self.norm(self.blocks(tokens))[:, 0])


def vit_sdpa() -> ViT:
    return ViT(sdpa=True)


class VideoNet(nn.Module):
    """A small C3D-style video net: Conv3d stem, a (1,2,2) pool, a strided Conv3d, global pool, fc."""

    def __init__(self, classes: int = 5) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool3d((1, 2, 2))
        self.conv2 = nn.Conv3d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(16)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = F.relu(self.bn(self.conv2(x)))
        return self.fc(x.mean((2, 3, 4)))


class AudioNet(nn.Module):
    """Conv1d front end over a waveform-like input, an LSTM over time, a linear head per step."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 16, 9, stride=4, padding=4)
        self.conv2 = nn.Conv1d(16, 32, 3, padding="same", dilation=2)
        self.lstm = nn.LSTM(32, 24, batch_first=True)
        self.head = nn.Linear(24, 8)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv(x))))
        out, _ = self.lstm(x.transpose(1, 2))
        return self.head(out)
