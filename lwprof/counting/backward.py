"""The backward pass, counted op by op: autograd on ``meta`` tensors, every backward op costed by
:mod:`lwprof.counting.ops` and credited to the module whose forward made it.

How it works:

* The model's forward runs once more with gradients on, on ``meta`` copies of its parameters
  (``torch.func.functional_call``) that need a gradient exactly where the model's own
  parameters do. The model itself is never changed (its parameters, ``requires_grad`` flags and
  ``.grad`` are untouched; :class:`~lwprof.counting.walker.ModuleState` puts back what the
  forward changes). No formula and no stand-in takes part: every op runs, so autograd records
  every node.
* Each autograd node the forward creates is tagged with the call stack of modules that created
  it: a :class:`~torch.overrides.TorchFunctionMode` tags the nodes new after every torch call,
  and each module's forward hook tags whatever its outputs still reach untagged (a custom
  ``autograd.Function``).
* ``torch.autograd.grad`` then runs the backward from a gradient of ones on every floating output
  (as a loss summing them would; the loss itself is not counted), for the parameters that need
  one: ``.grad`` is never written. A dispatch mode sees every backward op, asks autograd which
  node is running (``torch._C._current_autograd_node()``) and credits the op's cost to every
  module on that node's stack, each once: a parent's row is what ran beneath it, a shared
  module's parents each get their share, as in the forward walk.
* Which gradients exist is autograd's own decision: an input needs none, so the first layer
  computes no gradient of its input; a frozen parameter (``requires_grad=False``) gets no weight
  gradient, and a frozen backbone whose input needs no gradient costs nothing at all.

PyTorch's reference kernels are used (math attention, no oneDNN RNNs), as in the cross-check.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

from lwprof.counting.ops import op_cost
from lwprof.counting.walker import ModuleState, materialised, reference_kernels
from lwprof.errors import LwprofError, first_line
from lwprof.guards import exit_text, no_os_exit
from lwprof.records import ModelProfile, Note, Severity, parent_name, tensor_paths

__all__ = ["BackwardCounts", "attach_backward", "count_backward"]

Inputs = tuple[Sequence[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class BackwardCounts:
    """What the backward pass cost, per module name (the names of ``model.named_modules()``).

    Attributes:
        work: Per module: (MACs, other ops) of every backward op made while it was on the call
            stack. A container that never ran (a ``ModuleList``) is absent.
        params_with_grad: Parameter elements whose gradient was computed.
        params_frozen: Parameter elements with ``requires_grad=False`` (no weight gradient).
        seeded: How many output tensors had a gradient to start the backward from.
    """

    work: dict[str, tuple[int, int]]
    params_with_grad: int
    params_frozen: int
    seeded: int


class _Tags(TorchFunctionMode):
    """Tags every autograd node with the stack of modules running when it was created."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[int] = []
        self.tags: dict[Any, tuple[int, ...]] = {}  # node -> module ids, outermost first

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if self.stack and torch.is_grad_enabled():
            self.tag(out, tuple(self.stack))
        return out

    def tag(self, value: Any, stack: tuple[int, ...]) -> None:
        """Tags the nodes ``value``'s tensors reach that have no tag yet."""
        todo: list[Any] = [t.grad_fn for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor) and t.grad_fn is not None]
        tags = self.tags
        while todo:
            node = todo.pop()
            if node is None or node in tags:
                continue
            tags[node] = stack
            todo.extend(n for n, _ in node.next_functions)


class _Count(TorchDispatchMode):
    """Costs every op of the backward and credits it to the modules that made its node."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # as walker._Walk: nothing here is compiled

    def __init__(self, tags: _Tags, root: int, meta: bool) -> None:
        super().__init__()
        self.tags, self.root, self.meta = tags, root, meta
        self.backward = False
        self.work: dict[int, list[int]] = {}

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        if self.meta:  # a tensor the weights' copies do not cover (a layer created in forward, a constant): seen as meta
            args, kwargs = tree_map(_to_meta, (args, kwargs))
        out = func(*args, **kwargs)
        if self.backward:
            macs, ops = op_cost(func, args, kwargs, out)
            if macs or ops:
                # an op outside any node (none is known) is the model's
                stack = self.tags.tags.get(torch._C._current_autograd_node(), (self.root,))
                for key in dict.fromkeys(stack):
                    acc = self.work.setdefault(key, [0, 0])
                    acc[0] += macs
                    acc[1] += ops
        return out


def count_backward(model: nn.Module, inputs: Inputs, *, device: str = "meta", train: bool = False) -> BackwardCounts:
    """Counts one backward pass of ``model`` on ``inputs``, module by module.

    Args:
        model: Any ``nn.Module``, on any device (a lazy one is counted on a materialised copy);
            it is left exactly as it came.
        inputs: Positional and keyword arguments of its forward (tensors anywhere; they are seen
            as ``meta``, or used as they are for ``device="cpu"``); none needs a gradient.
        device: "meta" (shapes only) or "cpu" (real tensors, for a forward that needs data).
        train: Run the forward in training mode (as ``--train`` counts it).

    Returns:
        The counts per module name.

    Raises:
        LwprofError: A TorchScript module, or a forward or backward that fails (on ``meta``: the
            message says that ``device="cpu"`` counts it on real tensors).
    """
    if isinstance(model, torch.jit.ScriptModule):
        raise LwprofError("--backward needs an nn.Module: a TorchScript module runs no module hooks; profile the original model")
    real = device == "cpu"
    args, kwargs = tuple(inputs[0]), dict(inputs[1])
    kept = ModuleState(model, buffers=real)
    if kept.lazy:
        model = materialised(model, args, kwargs, real)
    names = {id(m): n for n, m in model.named_modules()}
    modes = [(m, m.training) for m in model.modules()]
    tags = _Tags()
    count = _Count(tags, id(model), not real)
    try:
        model.train(train)
        with _hooks(tags, names), reference_kernels(model), no_os_exit():
            params, seeded = _run(model, args, kwargs, real, tags, count)
    except LwprofError:
        raise
    except SystemExit as exc:
        raise LwprofError(f"the model's forward called {exit_text(exc)}") from None
    except Exception as exc:
        where = "; --device cpu counts it on real tensors" if not real else ""
        raise LwprofError(f"the backward pass failed: {type(exc).__name__}: {first_line(exc)}{where}") from exc
    finally:
        for m, training in modes:
            m.training = training
        kept.restore()
    with_grad = sum(p.numel() for p in params.values() if p.requires_grad)
    frozen = sum(p.numel() for p in params.values() if not p.requires_grad)
    return BackwardCounts(
        {names[k]: (v[0], v[1]) for k, v in count.work.items() if k in names},
        with_grad,
        frozen,
        seeded,
    )


def _to_meta(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.device.type != "meta":
        with torch._C._DisableTorchDispatch():
            return value.detach().to("meta")
    return value


@contextlib.contextmanager
def _hooks(tags: _Tags, names: Mapping[int, str]) -> Iterator[None]:
    """Global module hooks that keep ``tags.stack`` (modules outside the model are not pushed:
    their work is their caller's, as in the forward walk) and tag what a module's outputs reach."""

    def pre(module: nn.Module, args: Any) -> None:
        if id(module) in names:
            tags.stack.append(id(module))

    def post(module: nn.Module, args: Any, output: Any) -> None:
        if id(module) in names and tags.stack:
            tags.tag(output, tuple(tags.stack))
            tags.stack.pop()

    handles = [nn.modules.module.register_module_forward_pre_hook(pre), nn.modules.module.register_module_forward_hook(post)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _run(model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], real: bool, tags: _Tags, count: _Count) -> tuple[dict[str, torch.Tensor], int]:
    """The forward with gradients on copies of the weights, then the backward under ``count``."""

    def copy(t: torch.Tensor, grad: bool) -> torch.Tensor:
        out = t.detach() if real or t.device.type == "meta" else t.detach().to("meta")
        return out.requires_grad_(grad) if out.is_floating_point() or out.is_complex() else out

    def data(value: Any) -> Any:
        if not isinstance(value, torch.Tensor):
            return value
        return value.detach() if real else value.detach().to("meta")

    params = {n: copy(p, p.requires_grad) for n, p in model.named_parameters()}
    buffers = {n: (b.clone() if real else b.detach().to("meta")) for n, b in model.named_buffers()}
    call_args, call_kwargs = tree_map(data, (args, kwargs))
    with torch.enable_grad(), count, tags:
        y = torch.func.functional_call(model, {**params, **buffers}, tuple(call_args), call_kwargs, tie_weights=True, strict=False)
        outputs = [t for _, t in tensor_paths(y) if t.requires_grad and (t.is_floating_point() or t.is_complex())]
        wanted = [p for p in params.values() if p.requires_grad]
        if outputs and wanted:
            seeds = [torch.ones_like(t) if real else torch.empty_like(t) for t in outputs]
            count.backward = True
            try:
                torch.autograd.grad(outputs, wanted, seeds, allow_unused=True)
            finally:
                count.backward = False
    return params, len(outputs) if wanted else 0


def attach_backward(profile: ModelProfile, counts: BackwardCounts) -> ModelProfile:
    """``profile`` with every record's backward counts, and a note on what the backward computed.

    A container that never ran (a ``ModuleList`` its parent iterates) holds what its children
    did, as its forward counts do.
    """
    work = dict(counts.work)
    children: dict[str, list[str]] = {}
    for r in profile.layers[1:]:
        children.setdefault(parent_name(r.name), []).append(r.name)
    for r in reversed(profile.layers):  # children after their parent in pre-order: sums bottom-up
        if not r.is_leaf and r.calls == 0 and r.name not in work:
            kids = [work.get(c, (0, 0)) for c in children.get(r.name, ())]
            work[r.name] = (sum(k[0] for k in kids), sum(k[1] for k in kids))
    layers = tuple(dataclasses.replace(r, backward_macs=work.get(r.name, (0, 0))[0], backward_other_ops=work.get(r.name, (0, 0))[1]) for r in profile.layers)
    return dataclasses.replace(profile, layers=layers, notes=(*profile.notes, backward_note(counts)))


def backward_note(counts: BackwardCounts) -> Note:
    """What the backward pass computed: which gradients, from which outputs."""
    if not counts.seeded:
        why = "no parameter needs a gradient" if not counts.params_with_grad else "no output needs a gradient"
        return Note(Severity.WARNING, f"backward pass (--backward): nothing to compute ({why}): 0 MACs")
    frozen = f"; {counts.params_frozen:,} frozen (requires_grad=False): no weight gradient" if counts.params_frozen else ""
    return Note(
        Severity.INFO,
        f"backward pass (--backward): gradients of {counts.params_with_grad:,} parameters{frozen}, from a gradient of ones on "
        f"{counts.seeded} output(s); the input needs none, so the first layer computes no input gradient",
    )
