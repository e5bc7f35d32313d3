"""Each extension is one file (docs/extending.md), and the registries can be scoped: a formula registered with a
kind is priced by that kind; an op handler overridden inside a block; an architecture registered in a block is
profiled and gone after it."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

import lwprof
from lwprof.architectures import get_architecture, list_architectures, register_architecture, scoped_architectures, unregister_architecture
from lwprof.architectures.registry import ArchConfig, Role, option
from lwprof.counting import formulas, ops
from lwprof.counting.walker import walk
from lwprof.errors import LwprofError
from lwprof.latency.predict import predict_profile
from lwprof.records import ConvSpec, LayerKind, Status
from tests.data.fake_calibration import make_calibration


class Mixer(nn.Module):
    """A 1x1 channel mixer written with einsum: no formula of its own (counted from its ops) until one is registered."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(cout, cin))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("oc,nchw->nohw", self.weight, x)


def mixer_formula(module: Mixer, shape: tuple[int, ...]) -> formulas.LayerCost:
    cout, cin = module.weight.shape
    out = (shape[0], cout, *shape[2:])
    return formulas.LayerCost(out, cin * cout, math.prod(out) * cin, 0, conv=ConvSpec((1, 1), (1, 1)))


def test_a_formula_registered_with_a_kind_is_counted_labelled_and_priced_by_it() -> None:
    shape = (1, 8, 4, 4)
    before = walk(Mixer(8, 16), shape).root
    assert before.status is Status.UNSUPPORTED and before.kind is LayerKind.UNSUPPORTED
    with formulas.scoped_formulas():
        formulas.register_formula(Mixer, kind=LayerKind.CONV, fresh_output=True)(mixer_formula)
        p = walk(Mixer(8, 16), shape)
        pred = predict_profile(p, make_calibration())
    r = p.root
    # 16 x 4 x 4 outputs x 8 inputs each = 2,048 MACs; 8 x 16 = 128 weights
    assert (r.status, r.kind, r.category, r.macs, r.params) == (Status.FORMULA, LayerKind.CONV, "Conv 1x1", 2048, 128)
    # priced as a 1x1 conv, the fake calibration's "conv1x1" rates: 10 us + 2,048 x 0.1 ns + (128 in + 128 weights + 256 out) x 4 B x 0.1 ns
    assert [x.kind for x in pred.layers] == ["conv1x1"] and not pred.layers[0].estimated
    assert pred.total_s == pytest.approx(10e-6 + 2048 * 1e-10 + (128 + 128 + 256) * 4 * 1e-10)
    assert walk(Mixer(8, 16), shape).root.status is Status.UNSUPPORTED  # gone after the block


def test_override_replaces_a_built_in_formula_for_the_block_only() -> None:
    def doubled(module: nn.Linear, shape: tuple[int, ...]) -> formulas.LayerCost:
        cost = formulas.linear_formula(module, shape)
        return dataclasses.replace(cost, macs=2 * cost.macs)

    model = nn.Linear(4, 3)
    with formulas.override_formula(nn.Linear, formula=doubled, kind=LayerKind.LINEAR):
        inside = walk(model, (1, 4)).root.macs
    assert (inside, walk(model, (1, 4)).root.macs) == (24, 12)  # 4 x 3 = 12 MACs, doubled inside
    with pytest.raises(KeyError):
        formulas.unregister_formula(Mixer)  # never registered


def test_an_op_handler_can_be_overridden_in_a_block() -> None:
    def free(args: tuple, kwargs: dict, out: object) -> ops.OpCost:
        return ops.OpCost(0, 0)

    class Net(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ x.transpose(0, 1)

    assert walk(Net(), (3, 5)).root.macs == 45  # 3 x 5 @ 5 x 3: 9 outputs x 5
    with ops.override_op_formula(torch.ops.aten.mm, handler=free):
        assert walk(Net(), (3, 5)).root.macs == 0
    assert walk(Net(), (3, 5)).root.macs == 45


def test_an_architecture_in_a_scope_is_profiled_then_gone() -> None:
    @dataclasses.dataclass(frozen=True)
    class TinyConfig(ArchConfig):
        TOTAL_STRIDE = 1
        width: int = option(4, "channels", minimum=1, role=Role.WIDTH, search="2,4")

    names = [s.name for s in list_architectures()]
    with scoped_architectures():
        register_architecture("tiny_net", config=TinyConfig, paper="-", aliases=("tiny",), compare_axis=("width", (2, 4)))(
            lambda cfg: nn.Sequential(nn.Conv2d(3, cfg.width, 1, bias=False))
        )
        p = lwprof.profile("tiny", resolution=8)
        assert p.macs == 8 * 8 * 4 * 3  # 1x1 conv: 64 positions x 4 outputs x 3 inputs
        assert list(get_architecture("tiny_net").default_search().items()) == [("resolution", "96:256:32"), ("width", "2,4")]  # the base class declares resolution's
        unregister_architecture("tiny")
        with pytest.raises(LwprofError):
            get_architecture("tiny_net")
    assert [s.name for s in list_architectures()] == names
