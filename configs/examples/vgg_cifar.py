"""A small VGG-style network for 32×32 CIFAR images, in plain PyTorch (no costcalc imports).

Analyze it with:  costcalc analyze configs/examples/vgg_cifar.py:VGGCifar --input 1,3,32,32 --suggest
"""

from torch import nn


def conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    """3×3 convolution ('same' padding, no bias) → batch norm → ReLU."""
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True)]


class VGGCifar(nn.Module):
    """Stages of 3×3 convolutions separated by 2×2 max pooling, then one fully-connected classifier."""

    def __init__(self, width: int = 16, classes: int = 10) -> None:
        super().__init__()
        # stage widths: 32×32 → 16×16 → 8×8 → 4×4
        self.features = nn.Sequential(
            *conv_bn_relu(3, width), *conv_bn_relu(width, width), nn.MaxPool2d(2),
            *conv_bn_relu(width, 2 * width), *conv_bn_relu(2 * width, 2 * width), nn.MaxPool2d(2),
            *conv_bn_relu(2 * width, 4 * width), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(4 * width * 4 * 4, classes))

    def forward(self, x):
        return self.classifier(self.features(x))
