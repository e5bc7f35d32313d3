"""A user model with unusual layers, for tests: dilated and strided group convs, a Conv1d,
a custom module with a parameter and no formula, and a functional op in forward."""

import torch
from torch import nn


class Gain(nn.Module):
    """A leaf with a parameter and no lwprof formula."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1, channels, 1, 1))

    def forward(self, x):
        return x * self.gain


class OddNet(nn.Module):
    input_size = (6, 33, 33)

    def __init__(self, width: int = 12, classes: int = 5) -> None:
        super().__init__()
        self.dilated = nn.Conv2d(6, width, 3, padding=2, dilation=2, groups=3, bias=False)
        self.strided = nn.Conv2d(width, 2 * width, 5, stride=3, padding=1, groups=4)
        self.gain = Gain(2 * width)
        self.seq = nn.Conv1d(2 * width, width, 3, groups=width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = torch.relu(self.dilated(x))
        x = self.gain(self.strided(x))
        x = x.flatten(2)                      # (N, C, L)
        x = self.seq(x).mean(-1)
        return self.head(x)


def make_oddnet(width: int = 12) -> nn.Module:
    return OddNet(width=width)


def broken_factory() -> nn.Module:
    raise RuntimeError("this factory always fails")


class BadForward(nn.Module):
    input_size = (3, 8, 8)

    def forward(self, x):
        return x.view(-1, 7)
