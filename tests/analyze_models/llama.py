"""A Llama-shaped decoder in plain ``torch.nn`` (RMSNorm, rotary embedding, SwiGLU MLP), for ``--meta``.

``Llama()`` has Llama-7B's shape (32 layers, d = 4096, 32 heads, feed-forward 11008, vocabulary 32000,
untied embedding and head): 6,738,415,616 parameters, 27 GB in float32 — built only on the meta device.
``TinyLlama`` is the same code at a size any machine builds (the README's ``--meta`` example).

Hand count of one forward on ``B×L`` token ids (no KV cache, causal attention over the whole sequence):

* per layer, projections ``4·L·d²`` (q, k, v, o) + MLP ``3·L·d·f`` (gate, up, down), attention
  ``QKᵀ + AV = 2·heads·L²·(d/heads) = 2·L²·d`` (scaled_dot_product_attention costs the full L×L
  square, masked or not);
* head ``L·d·V``.

Llama-7B at L = 2048: per layer 4·2048·4096² = 137,438,953,472 + 3·2048·4096·11008 = 277,025,390,592
+ 2·2048²·4096 = 34,359,738,368 → 448,824,082,432; × 32 = 14,362,370,637,824; head 2048·4096·32000 =
268,435,456,000; total 14,630,806,093,824 MACs.
Params: embedding and head 2·32000·4096 = 262,144,000; per layer 4·4096² = 67,108,864 + 3·4096·11008 =
135,266,304 + two RMSNorm weights 8,192 → 202,383,360; × 32 = 6,476,267,520; final norm 4,096;
total 6,738,415,616.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class RMSNorm(nn.Module):
    """``x / sqrt(mean(x²) + eps) · weight`` (Zhang & Sennrich, 2019), as Llama normalises."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding (Su et al., 2021), the half-split form: ``x·cos + rotate_half(x)·sin``."""
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-second, first), dim=-1) * sin


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (nn.Linear(dim, dim, bias=False) for _ in range(4))

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v = (proj(x).view(batch, length, self.heads, dim // self.heads).transpose(1, 2)
                   for proj in (self.q_proj, self.k_proj, self.v_proj))
        out = F.scaled_dot_product_attention(rotate(q, cos, sin), rotate(k, cos, sin), v, is_causal=True)
        return self.o_proj(out.transpose(1, 2).reshape(batch, length, dim))


class MLP(nn.Module):
    """SwiGLU (Shazeer, 2020): ``down(silu(gate(x)) · up(x))``."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.input_norm, self.attention = RMSNorm(dim), Attention(dim, heads)
        self.post_norm, self.mlp = RMSNorm(dim), MLP(dim, hidden)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.input_norm(x), cos, sin)
        return x + self.mlp(self.post_norm(x))


class Llama(nn.Module):
    """Defaults: Llama-7B's shape."""

    def __init__(self, layers: int = 32, dim: int = 4096, heads: int = 32, hidden: int = 11008,
                 vocab: int = 32000) -> None:
        super().__init__()
        self.heads = heads
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(Layer(dim, heads, hidden) for _ in range(layers))
        self.norm = RMSNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed_tokens(tokens)
        half = x.shape[-1] // self.heads // 2
        frequencies = 10000.0 ** (-torch.arange(half, device=x.device, dtype=x.dtype) / half)
        angles = torch.arange(tokens.shape[1], device=x.device, dtype=x.dtype)[:, None] * frequencies
        cos, sin = torch.cat((angles, angles), -1).cos(), torch.cat((angles, angles), -1).sin()
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.norm(x))


def TinyLlama() -> Llama:
    """The same code, 2 layers of d = 64: small enough to build anywhere."""
    return Llama(layers=2, dim=64, heads=4, hidden=176, vocab=1000)
