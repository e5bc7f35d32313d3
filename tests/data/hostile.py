"""Models that misbehave on purpose: the user-code cases of the bad-input catalogue and of
tests/test_hardening.py (sys.exit and os._exit, Ctrl-C, bad ``input_size`` attributes, prints)."""

from __future__ import annotations

import os
import sys

import torch
from torch import nn


class _Conv(nn.Module):
    input_size = (3, 8, 8)

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class ExitInForward(_Conv):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sys.exit(5)


def exit_factory() -> nn.Module:
    sys.exit(4)


class ExitInExampleInputs(_Conv):
    def example_inputs(self) -> torch.Tensor:
        sys.exit(6)


class OsExitInForward(_Conv):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        os._exit(9)


def os_exit_factory() -> nn.Module:
    os._exit(8)


class OsExitInExampleInputs(_Conv):
    def example_inputs(self) -> torch.Tensor:
        os._exit(10)


class OsExitAfterProfiling(_Conv):
    """Runs once (the profile's forward), then ends the process from the timed runs on."""

    calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        OsExitAfterProfiling.calls += 1
        if OsExitAfterProfiling.calls > 1:
            os._exit(11)
        return self.conv(x)


class SysExitAfterProfiling(_Conv):
    """As :class:`OsExitAfterProfiling`, with sys.exit."""

    calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        SysExitAfterProfiling.calls += 1
        if SysExitAfterProfiling.calls > 1:
            sys.exit(12)
        return self.conv(x)


class DictToConv(_Conv):
    """Passes a dict where its conv expects a tensor (torch's message for it is many lines)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv({"x": x})


class InterruptInForward(_Conv):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise KeyboardInterrupt


class SizeText(_Conv):
    input_size = "3,8,8"  # type: ignore[assignment]


class SizeInt(_Conv):
    input_size = 8  # type: ignore[assignment]


class SizeLetter(_Conv):
    input_size = (3, "a", 8)  # type: ignore[assignment]


class SizeZero(_Conv):
    input_size = (3, 0, 8)


class SizeBool(_Conv):
    input_size = (True, 8, 8)


class SizeFloat(_Conv):
    input_size = (3, 8.5, 8)  # type: ignore[assignment]


class SizeHuge(_Conv):
    input_size = (3, 10**30, 8)


class Printer(_Conv):
    """Prints while it is built and on every forward, at the Python level and at the file descriptor."""

    def __init__(self) -> None:
        print("building Printer")
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print("Printer.forward")
        os.write(1, b"Printer.forward at fd 1\n")
        return self.conv(x)


class NoMacs(nn.Module):
    """No layer with MACs: nothing to plot."""

    input_size = (3, 8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)
