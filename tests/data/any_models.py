"""Small models that reproduce, one pattern each, what real torchvision and timm models do.

Every pattern was seen in a real model (named in its docstring); the test suite must not
depend on torchvision or timm, so each is rebuilt here in a few lines.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "AttentionBlock",
    "Conv2dSame",
    "DataDependentBranch",
    "Detector",
    "FunctionalPool",
    "IteratedBlocks",
    "ItemScale",
    "KeywordTokens",
    "MismatchingLinear",
    "NormUpsample",
    "NumpyPositional",
    "RecurrentNet",
    "ScaledStdConv2d",
    "TwoImages",
    "WithExampleInputs",
]


class Detector(nn.Module):
    """A detector's pattern (torchvision SSDlite / RetinaNet / Faster R-CNN): scores, then
    ``nonzero`` over a threshold, then work on the selected proposals only. On meta tensors
    ``nonzero`` cannot know how many it selects; the count depends on the data."""

    input_size = (3, 32, 32)

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 3, padding=1)
        self.score = nn.Conv2d(8, 1, 1)
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.backbone(x)  # (N, 8, H, W)
        scores = self.score(features).flatten(1)  # (N, H*W)
        keep = torch.nonzero(scores[0] > scores[0].median()).flatten()  # data-dependent count
        selected = features.flatten(2)[0, :, keep].t()  # (k, 8)
        return self.head(selected)


class NumpyPositional(nn.Module):
    """A positional encoding built with ``.cpu()`` and numpy inside ``forward`` (seen in
    several timm / research models): "Cannot copy out of meta tensor" on meta."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (N, L, 16)
        length = x.shape[1]
        pos = np.arange(length)[:, None] / np.power(10000, np.arange(16)[None, :] / 16)
        encoding = torch.from_numpy(np.sin(pos)).float().to(x.device)
        return self.proj(x + encoding.to(x.cpu().dtype))


class ItemScale(nn.Module):
    """``.item()`` in forward (a data-dependent scale, as in some normalisation layers)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = float(x.abs().max().item()) + 1.0
        return self.fc(x / scale)


class DataDependentBranch(nn.Module):
    """A data-dependent ``if``: the branch taken decides the work (one conv or two)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 3, 3, padding=1)
        self.b = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.a(x)
        if y.mean() > 10:  # never true for inputs in [0, 1) and default init
            y = self.b(y)
        return y


class Conv2dSame(nn.Conv2d):
    """timm's ``Conv2dSame``: TensorFlow 'SAME' padding done with ``F.pad`` in its own forward,
    then a conv with padding 0. A ``Conv2d`` subclass whose forward is not ``Conv2d``'s."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class ScaledStdConv2d(nn.Conv2d):
    """timm's ``ScaledStdConv2d`` (NFNets): a weight-standardised conv with an extra ``gain``
    parameter, so it holds more parameters than ``Conv2d``'s formula knows."""

    def __init__(self, cin: int, cout: int, k: int) -> None:
        super().__init__(cin, cout, k, padding=k // 2)
        self.gain = nn.Parameter(torch.ones(cout, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True).reshape_as(self.weight)
        return F.conv2d(x, w * self.gain, self.bias, self.stride, self.padding)


class TwoImages(nn.Module):
    """Two positional image inputs (optical flow: RAFT takes two frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Conv2d(3, 8, 3, padding=1)
        self.fuse = nn.Conv2d(16, 2, 1)

    def forward(self, image1: torch.Tensor, image2: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([self.encoder(image1), self.encoder(image2)], 1))


class KeywordTokens(nn.Module):
    """Keyword inputs with integer token ids and a boolean mask (a transformer's forward)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.fc = nn.Linear(16, 4)

    def forward(self, input_ids: torch.Tensor | None = None, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        assert input_ids is not None and attention_mask is not None
        h = self.embed(input_ids) * attention_mask.unsqueeze(-1)
        return self.fc(h.mean(1))


class WithExampleInputs(KeywordTokens):
    """The same, telling lwprof its inputs through ``example_inputs`` (shapes of one sample)."""

    def example_inputs(self) -> list[str]:
        return ["input_ids=long:12", "attention_mask=bool:12"]  # the command line's --input-size form


class RecurrentNet(nn.Module):
    """An LSTM and a GRU over a sequence (batch first), then a classifier."""

    def __init__(self, proj: int = 0) -> None:
        super().__init__()
        self.lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True, proj_size=proj)
        self.gru = nn.GRU(2 * (proj or 20), 12, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, L, 10)
        y, _ = self.lstm(x)
        z, _ = self.gru(y)
        return self.fc(z[:, -1])


class FunctionalPool(nn.Module):
    """Global pooling three ways (``F.adaptive_avg_pool2d``, the module, ``.mean``): the same
    work, so the same verdict."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.how == "functional":
            y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        elif self.how == "module":
            y = self.pool(y).flatten(1)
        else:
            y = y.mean((2, 3))
        return self.fc(y)


class NormUpsample(nn.Module):
    """LayerNorm and Upsample, which fvcore counts (as norm and interpolation work) and
    lwprof reports as other ops: "by design", never MISMATCH."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.conv(x)).mean((2, 3))
        return self.fc(self.norm(y))


class AttentionBlock(nn.Module):
    """A ViT block's attention two ways: ``nn.MultiheadAttention`` and a hand-written one with
    ``F.scaled_dot_product_attention`` (CPU's fused kernel is invisible to FlopCounterMode
    unless the math path runs)."""

    def __init__(self, dim: int = 32, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.mha = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, L, dim)
        y, _ = self.mha(x, x, x, need_weights=False)
        n, length, dim = y.shape
        q, k, v = self.qkv(self.norm(y)).reshape(n, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, length, dim)
        return self.proj(a)


class IteratedBlocks(nn.Module):
    """Containers iterated by their parent, never called themselves (torchvision's SSDlite
    feature extractor loops over its Sequential; heads over ModuleLists): the tools give such a
    container no count of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))
        self.heads = nn.ModuleList([nn.Conv2d(8, 2, 1), nn.Conv2d(8, 4, 1)])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        for block in self.features:
            x = block(x)
        return [head(x) for head in self.heads]


class MismatchingLinear(nn.Linear):
    """A Linear whose (deliberately wrong) registered formula counts one MAC too many: the
    cross-check must call it MISMATCH, in the table, the footer and ``p.mismatches``."""


class CachingAnchors(nn.Module):
    """torchvision's ``AnchorGenerator`` moves its anchors (a plain list attribute) to the
    input's device inside forward; timm's attention caches a bias per device in a dict. A meta
    walk must leave neither a meta anchor nor a meta cache entry behind."""

    input_size = (3, 8, 8)

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.cell_anchors = [torch.zeros(3, 4)]
        self.bias_cache: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.cell_anchors = [a.to(x.device) for a in self.cell_anchors]
        key = str(x.device)
        if key not in self.bias_cache:
            self.bias_cache[key] = torch.ones(4, device=x.device)
        self.scratch = x.new_zeros(1)  # an attribute the forward adds
        return self.conv(x) + self.bias_cache[key].view(1, 4, 1, 1) + self.cell_anchors[0].sum()


def quantized_net() -> nn.Module:
    """An int8 model as torchvision's quantized zoo builds it (eager-mode quantization: BN
    fused into the conv, weights packed, no ``nn.Parameter`` left)."""
    import torch.ao.quantization as tq

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
            self.conv, self.bn, self.relu = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()
            self.fc = nn.Linear(8, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.relu(self.bn(self.conv(self.quant(x))))
            return self.dequant(self.fc(y.mean((2, 3))))

    model = Net().eval()
    torch.backends.quantized.engine = "qnnpack" if "fbgemm" not in torch.backends.quantized.supported_engines else "fbgemm"
    model.qconfig = tq.get_default_qconfig(torch.backends.quantized.engine)
    model = tq.fuse_modules(model, [["conv", "bn", "relu"]])
    tq.prepare(model, inplace=True)
    model(torch.rand(2, 3, 8, 8))  # calibration
    return tq.convert(model)


class ImageList(nn.Module):
    """A detector's input convention (torchvision's GeneralizedRCNN): a list of C x H x W images
    of different sizes, one forward over all of them."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, images: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack([self.conv(img.unsqueeze(0)).mean() for img in images])
