"""A small MobileNet-style network for 32×32 CIFAR images (depthwise-separable blocks), in plain PyTorch.

Its one module costcalc has no formula for is the ``Hardswish`` in the head: ``analyze`` lists it as
uncounted, with what fvcore and FlopCounterMode measured for it.

Analyze it with:  costcalc analyze configs/examples/mobilenet_cifar.py:MobileNetCifar --input 1,3,32,32
"""

from torch import nn


def separable(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """MobileNet's depthwise separable block: 3×3 depthwise → BN → ReLU → 1×1 pointwise → BN → ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
        nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class MobileNetCifar(nn.Module):
    """Stem 3×3 conv (stride 1 for CIFAR), four separable blocks, global pool, Hardswish, classifier."""

    # in, out, stride
    BLOCKS = ((16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2))

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(*(separable(i, o, s) for i, o, s in self.BLOCKS))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Hardswish(), nn.Linear(128, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))
