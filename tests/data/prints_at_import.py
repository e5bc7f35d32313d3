"""A model file that prints while it is imported (print, sys.__stdout__ and the file descriptor)."""

import os
import sys

from torch import nn

print("hello from import")
sys.__stdout__.write("hello on sys.__stdout__\n")
sys.__stdout__.flush()
os.write(1, b"hello at fd 1\n")


class Net(nn.Module):
    input_size = (3, 8, 8)

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x)
