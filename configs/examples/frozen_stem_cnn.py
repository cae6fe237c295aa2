"""A small CNN for 32×32 images whose stem is frozen (a pretrained feature extractor kept fixed while the rest
fine-tunes): the example of ``costcalc analyze --training``.

The stem (a 3×3 conv 3→16 with batch norm) requires no grad, so a training step spends nothing on it
backward; the first trainable conv is fed the stem's output, which needs no gradient, so it costs its weight
gradient only. Then a depthwise-separable block and a classifier.
"""

from torch import nn


class FrozenStemCNN(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.stem.requires_grad_(False)
        self.conv = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.depthwise = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.BatchNorm2d(32),
                                       nn.ReLU())
        self.pointwise = nn.Sequential(nn.Conv2d(32, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.pointwise(self.depthwise(self.conv(self.stem(x))))
        return self.fc(self.pool(x).flatten(1))
