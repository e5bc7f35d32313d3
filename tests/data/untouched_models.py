"""Models that test what profiling does to a model (issue #23): caches, lazy modules, shared
modules, non-tensor arguments, several outputs, modules created in forward, device branches.

Each pattern was seen in a real model or a peer's test suite (named in its docstring); each is
rebuilt here in a few lines so that the suite depends on neither.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "AuxiliaryHead",
    "Batch",
    "CachedPositions",
    "CallCounter",
    "CounterAndHistory",
    "CreatesLayers",
    "DeviceBranch",
    "Features",
    "Hooked",
    "LazyNet",
    "Mode",
    "MultiOutput",
    "Pair",
    "ReplacesParameter",
    "SharedLinear",
    "UninitializedParameterModel",
    "ValueArguments",
]


class CachedPositions(nn.Module):
    """The cache pattern of many vision transformers: ``self._pos = None`` in ``__init__``,
    filled on the first forward and reused after. A meta walk must not leave a meta tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self._pos: torch.Tensor | None = None
        self.history: list[int] = []
        self.table: dict[str, Any] = {"calls": 0}

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, L, 8)
        if self._pos is None or self._pos.shape != x.shape[1:]:
            self._pos = torch.arange(x.shape[1] * 8, dtype=x.dtype, device=x.device).reshape(x.shape[1], 8) / 100
        self.history.append(x.shape[1])
        self.table["calls"] += 1
        return self.fc(x + self._pos)


class LazyNet(nn.Module):
    """``nn.LazyConv2d`` and ``nn.LazyLinear``: their input sizes are inferred by the first forward."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.LazyConv2d(4, 3)
        self.bn = nn.LazyBatchNorm2d()
        self.fc = nn.LazyLinear(5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.bn(self.conv(x)).flatten(1))


class UninitializedParameterModel(nn.Module):
    """torchinfo's test model: an ``nn.UninitializedParameter`` that the forward replaces."""

    def __init__(self) -> None:
        super().__init__()
        self.param: nn.Parameter | nn.UninitializedParameter = nn.UninitializedParameter()

    def init_param(self) -> None:
        self.param = nn.Parameter(torch.zeros(128))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.init_param()
        return x


class SharedLinear(nn.Module):
    """fvcore's ``test_shared_module``: one ``nn.Linear`` wrapped by two parents, each calling it once."""

    def __init__(self) -> None:
        super().__init__()
        shared = nn.Linear(10, 10)
        self.a = nn.Sequential(shared)
        self.b = nn.Sequential(shared)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


class Mode(enum.Enum):
    SUM = "sum"
    MAX = "max"


class Pair(NamedTuple):
    left: torch.Tensor
    right: torch.Tensor


@dataclasses.dataclass
class Batch:
    image: torch.Tensor
    scale: float = 1.0


class ValueArguments(nn.Module):
    """A forward that takes every kind of Python value (torchinfo's, fvcore's and torch's own
    test models): a flag, ``None``, a number, a string, an enum, a numpy array, a dict, a
    namedtuple and a dataclass of tensors. The conv runs once or twice depending on them."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.fc = nn.Linear(3, 2)

    def forward(
        self,
        x: Any,
        return_features: bool = False,
        mask: torch.Tensor | None = None,
        scale: float = 1.0,
        how: str = "mean",
        mode: Mode = Mode.SUM,
        bias: np.ndarray | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Any:
        if isinstance(x, Pair):  # a namedtuple of two images: both through the conv
            y = self.conv(x.left) + self.conv(x.right)
        elif isinstance(x, Batch):
            y = self.conv(x.image) * x.scale
        else:
            y = self.conv(x)
        if mask is not None:
            y = y * mask
        if extra is not None and extra.get("twice"):
            y = self.conv(y)
        y = y * scale
        pooled = y.mean((2, 3)) if how == "mean" else y.amax((2, 3))
        if mode is Mode.MAX:
            pooled = pooled.relu()
        if bias is not None:
            pooled = pooled + torch.from_numpy(bias).to(pooled.dtype)
        out = self.fc(pooled)
        return (out, y) if return_features else out


class Features(nn.Module):
    """The source articles' GhostNet output convention: ``([feat1, feat2, feat3], logits)``."""

    def __init__(self) -> None:
        super().__init__()
        self.s1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.s2 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.s3 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        f1 = self.s1(x)
        f2 = self.s2(f1)
        f3 = self.s3(f2)
        return [f1, f2, f3], self.fc(f3.mean((2, 3)))


class MultiOutput(nn.Module):
    """A Hugging Face-style output: a dict with ``logits`` and ``hidden_states``."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        return {"logits": self.fc(x), "hidden_states": (x, x * 2), "loss": None}


class CreatesLayers(nn.Module):
    """The source article's GhostNet builds its SE layers inside ``forward``, one per call."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        gate = nn.Linear(8, 8)  # a new layer on every call: 64 + 8 parameters
        return y * torch.sigmoid(gate(y.mean((2, 3))))[:, :, None, None]


class DeviceBranch(nn.Module):
    """A forward that takes a different (bigger) path off the CPU: on ``meta`` it takes it too."""

    def __init__(self) -> None:
        super().__init__()
        self.small = nn.Conv2d(3, 4, 1)
        self.big = nn.Conv2d(3, 4, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu":
            return self.small(x)
        return self.big(x)


class ReplacesParameter(nn.Module):
    """A forward that assigns a new ``nn.Parameter`` (re-initialising a weight on the fly)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.scale = nn.Parameter(torch.ones(4, device=x.device) * 2)
        return self.conv(x) * self.scale[:, None, None]


class CallCounter(nn.Module):
    """A buffer updated in place by every forward, and a ``.item()`` that forces the real-tensor walk."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.fc(x) * float(x.abs().max().item() + 1)


class CounterAndHistory(nn.Module):
    """State outside the buffers: a plain tensor attribute counted up in place, and a history
    of lists in a dict and in a list in a dict, appended to by every forward (the ``.item()``
    forces the real-tensor walk, so that the counter really moves)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.count = torch.zeros(1)
        self.hist: dict[str, Any] = {"xs": [], "runs": [{"sizes": []}]}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.count += 1
        self.hist["xs"].append(x.shape[-1])
        self.hist["runs"][0]["sizes"].append(float(x.abs().max().item()))
        return self.conv(x)


class Hooked(nn.Module):
    """A model with the user's own forward hook, in training mode, with a frozen layer."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen = nn.Linear(6, 6)
        self.head = nn.Linear(6, 2)
        self.frozen.requires_grad_(False)
        self.seen: list[tuple[int, ...]] = []
        self.head.register_forward_hook(lambda m, i, o: self.seen.append(tuple(o.shape)))
        self.train()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.dropout(self.frozen(x), 0.1, self.training))


class AuxiliaryHead(nn.Module):
    """Training mode changes the work: BatchNorm with batch statistics, dropout, and an auxiliary
    classifier that runs only in training (GoogLeNet / Inception v3)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4, 2)
        self.aux = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> Any:
        y = self.drop(self.bn(self.conv(x))).mean((2, 3))
        out = self.fc(y)
        return (out, self.aux(y)) if self.training else out
