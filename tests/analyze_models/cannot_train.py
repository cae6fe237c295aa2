"""Models a training step cannot run backward through: an integer output, every parameter frozen, a forward
under ``torch.no_grad()`` (the API's and the CLI's refusals are tested on the same models)."""

import torch
from torch import nn


class IntegerOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        return self.linear(x).argmax(-1)


class NoGradForward(IntegerOutput):
    def forward(self, x):
        with torch.no_grad():
            return self.linear(x)


def frozen() -> nn.Module:
    return nn.Linear(4, 3).requires_grad_(False)
