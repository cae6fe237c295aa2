"""Models whose work a dispatch mode cannot see (threads), lazy forwards, layers that pad in ``forward``,
a step-counting buffer, and sequence models whose first axis is not the batch."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import torch
import torch.nn.functional as F
from torch import nn


class TwoBranches(nn.Module):
    """Two 3×3 convs 8→4 on 8×8, concatenated: 2 · 8·8·4·8·9 = 2 · 18,432 = 36,864 MACs."""

    def __init__(self) -> None:
        super().__init__()
        self.left = nn.Conv2d(8, 4, 3, padding=1, bias=False)
        self.right = nn.Conv2d(8, 4, 3, padding=1, bias=False)

    def forward(self, x):
        return torch.cat([self.left(x), self.right(x)], 1)


class Threaded(TwoBranches):
    """``right`` runs on a ``threading.Thread``: the recorder sees ``left`` only (18,432 of 36,864)."""

    def forward(self, x):
        out = {}
        worker = threading.Thread(target=lambda: out.setdefault("right", self.right(x)))
        worker.start()
        left = self.left(x)
        worker.join()
        return torch.cat([left, out["right"]], 1)


class Pooled(TwoBranches):
    """Both branches run in a ``ThreadPoolExecutor``: the recorder sees none of the 36,864."""

    def forward(self, x):
        with ThreadPoolExecutor(2) as pool:
            left, right = pool.submit(self.left, x), pool.submit(self.right, x)
            return torch.cat([left.result(), right.result()], 1)


class ThreadedFunctional(nn.Module):
    """A module holding its weight runs ``F.conv2d`` on a thread: no module hook fires there, but the module
    ran no operator the recorder saw (8·8·4·8·9 = 18,432 unseen)."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = Holder()

    def forward(self, x):
        return self.inner(x)


class Holder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(4, 8, 3, 3))

    def forward(self, x):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(F.conv2d, x, self.weight, None, 1, 1).result()


class Generator(nn.Module):
    """``forward`` is a generator function: calling it runs nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        yield self.conv(x)


class LazyMap(Generator):
    """``forward`` returns a ``map`` over the input: nothing runs until it is consumed."""

    def forward(self, x):
        return map(self.conv, [x])


class Conv2dSame(nn.Conv2d):
    """timm's ``Conv2dSame``: TensorFlow 'SAME' padding computed from the input in ``forward`` (``F.pad``),
    then the convolution with padding 0 — the module's ``padding`` attribute (0) is not what ran."""

    def forward(self, x):
        pads = [max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
                for size, stride, kernel, dilation in zip(x.shape[-2:], self.stride, self.kernel_size, self.dilation)]
        x = F.pad(x, [pads[1] // 2, pads[1] - pads[1] // 2, pads[0] // 2, pads[0] - pads[0] // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class SameStem(nn.Module):
    """EfficientNet's stem as timm builds it with TF padding: 3→32, 3×3 stride 2 on 224×224."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = Conv2dSame(3, 32, 3, stride=2, bias=False)

    def forward(self, x):
        return self.stem(x)


class Stepping(nn.Module):
    """A forward that updates its own buffers: a step counter, batch norm statistics, a new buffer, a reassigned one."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("cache", torch.zeros(8))
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        self.steps += 1
        self.bn.running_mean.add_(1.0)
        self.cache = x.mean((0, 2, 3))
        self.register_buffer("seen", torch.ones(1))
        return self.bn(x)


class Recurrent(nn.Module):
    """One LSTM 8 → 16; ``batch_first`` as given."""

    def __init__(self, batch_first: bool = False) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=batch_first)

    def forward(self, x):
        return self.lstm(x)[0]


def batch_first_lstm() -> Recurrent:
    return Recurrent(batch_first=True)


class ReturnsItsParameter(nn.Module):
    """A learned positional table returned as it is, and a module that passes its input through: neither
    computes anything, so neither is work the recorder missed. 8·8·4·8·9 = 18,432 MACs (the conv)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = Table()
        self.skip = Passthrough()
        self.conv = nn.Conv2d(8, 4, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(self.skip(x)) + self.table(x)


class Table(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.position = nn.Parameter(torch.zeros(1, 4, 8, 8))

    def forward(self, x):
        return self.position


class Passthrough(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x


class ThreadedBlock(nn.Module):
    """A whole block (conv, BN, ReLU) on a thread: listed once, as the block, not once per submodule."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(8, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU())

    def forward(self, x):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(self.block, x).result()


class BatchSum(nn.Module):
    """A 1×1 conv 8→4 whose output is summed over the batch: the output has no batch axis."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 4, 1, bias=False)

    def forward(self, x):
        return self.conv(x).sum(0)


class Pairwise(nn.Module):
    """Every row of ``a`` against every row of ``b``: no axis both inputs carry as a batch."""

    def forward(self, a, b):
        return a @ b.T


class ThreadedSpectral(Threaded):
    """``Threaded`` plus an FFT on the recording thread, which no counter measures."""

    def forward(self, x):
        return torch.fft.rfft(super().forward(x)).abs()
