"""Spec + inputs -> one frozen :class:`Resolved` model: the only place that reads a spec or loads a user file.

A *spec* names what to profile:

* a zoo architecture with options: ``mobilenet``, ``mobilenet@alpha=0.5,resolution=160``;
* a user model with its factory's keyword arguments: ``path/net.py:Net@width=2`` or
  ``package.module:make_net@depth=3``. ``Net`` may be an ``nn.Module`` subclass, a factory
  returning a module, or a module instance;
* an ``nn.Module`` itself (API only); a ``torch.compile``'d module is profiled through its
  original module, a TorchScript module as one block;
* an ONNX file (``model.onnx``, by its extension or its first bytes) or an ``onnx.ModelProto``
  (API only), counted node by node (:mod:`lwprof.counting.onnx_walk`).

Option values after ``@`` are read as JSON when they parse (numbers, true/false, lists), else
kept as strings. *Inputs* say what the forward receives (:class:`Inputs`): one per positional
argument, keyword inputs by name, each a shape of one sample (the batch is prepended) with an
element type, or a ready tensor. They come, first found first: from the caller
(``--input-size``, ``inputs=``), from the model's ``example_inputs`` (an attribute or method
returning a tensor, a tuple, a dict of keyword inputs, or ``(args, kwargs)``; tensors or
shapes), from its ``input_size`` attribute, or from the architecture (3 x R x R).

Every failure is a one-line :class:`~lwprof.errors.LwprofError`. This module imports torch only
when a model is loaded or built.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import json
import math
import os
import stat
import sys
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lwprof.errors import LwprofError, first_line, os_error_text, suggest
from lwprof.guards import exit_text, no_os_exit
from lwprof.records import InputSpec, Note, Severity, plain, tensor_paths

if TYPE_CHECKING:
    from torch import nn

    from lwprof.architectures.registry import ArchConfig, ArchSpec

__all__ = [
    "DTYPES",
    "Inputs",
    "Resolved",
    "is_user_spec",
    "locate_spec",
    "parse_input",
    "parse_kwargs",
    "parse_spec",
    "parse_vary",
    "relative_spec",
    "resolve",
    "split_sweep",
]

#: Element types an input may have, by the names users write.
DTYPES = {
    "float": "float32", "float32": "float32", "fp32": "float32", "f32": "float32",
    "half": "float16", "float16": "float16", "fp16": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
    "double": "float64", "float64": "float64", "fp64": "float64",
    "long": "int64", "int64": "int64", "int": "int32", "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8",
    "bool": "bool",
}  # fmt: skip



# -- specs -------------------------------------------------------------------------------------


def is_user_spec(name: str) -> bool:
    """True for ``file.py:Name``, ``package.module:Name`` or an ONNX file; False for a zoo name."""
    return ":" in name or name.endswith(".py") or is_onnx_spec(name)


#: The first bytes of a serialised ModelProto: field 1 (ir_version, a small varint), then one of
#: fields 2-8 (producer_name, producer_version, domain, model_version, doc_string, graph, opset_import).
_ONNX_SECOND_FIELDS = frozenset({0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42})


def is_onnx_spec(text: str) -> bool:
    """True for a spec that names an ONNX file: by its ``.onnx`` extension, or an existing file
    (not a .py) whose first bytes are those of an ONNX model."""
    if text.strip().lower().endswith(".onnx"):
        return True
    if text.endswith(".py") or not os.path.isfile(text):
        return False
    try:
        with open(text, "rb") as f:
            head = f.read(3)
    except OSError:
        return False
    return len(head) == 3 and head[0] == 0x08 and 1 <= head[1] < 0x80 and head[2] in _ONNX_SECOND_FIELDS


def parse_kwargs(text: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """Parses factory arguments: a mapping, a JSON object, or ``key=value`` pairs.

    Raises:
        LwprofError: The text is neither a JSON object nor ``key=value`` pairs.
    """
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return dict(text)
    raw = text.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            where = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise LwprofError(f"is not valid JSON: {getattr(exc, 'msg', 'too deeply nested')}{where}") from None
        if not isinstance(value, dict):
            raise LwprofError("JSON must be an object, e.g. '{\"width\": 0.5}'")
        return value
    out: dict[str, Any] = {}
    for part in _split_pairs(raw):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise LwprofError(f"cannot read {part!r}; use key=value pairs or a JSON object")
        if key.strip() in out:
            raise LwprofError(f"{key.strip()!r} is given twice")
        out[key.strip()] = _value(value.strip())
    return out


def _split_pairs(raw: str) -> list[str]:
    """Splits ``a=1,b=[1,2],c="x,y"`` at the commas outside brackets and quotes."""
    parts, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(raw):
        if ch == '"' and (i == 0 or raw[i - 1] != "\\"):
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return parts


def _value(text: str) -> Any:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError):
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text  # "Infinity" / "NaN" stay text; the option checks them
    return value


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """Splits ``name@key=value,...`` into the name and its options (or factory kwargs).

    Raises:
        LwprofError: No name, a malformed user spec, or options that are not ``key=value``.
    """
    name, _, rest = _split_options(text)
    name = name.strip()
    if not name:
        raise LwprofError(f"model spec {text!r} has no name")
    if name.count(":") > 1 and _file_split(text) is None:
        raise LwprofError(f"model spec {text!r}: one ':' separates the file or module from the name, e.g. net.py:Net")
    try:
        return name, parse_kwargs(rest) if rest else {}
    except LwprofError as exc:
        raise LwprofError(f"model spec {text!r}: write options as name@key=value,key=value ({exc})") from None


def _split_options(text: str) -> tuple[str, str, str]:
    """``(name, "@", options)``: at the first ``@``, or for a model file at the first ``@`` after
    its ``:Name``, so that folders may hold ``@`` and ``:`` (``runs/v@2/net.py:Net@width=8``)."""
    at = _file_split(text)
    if at is None:
        return text.partition("@")
    head, sep, rest = text[at:].partition("@")
    return text[:at] + head, sep, rest


def _file_split(text: str) -> int | None:
    """Where a ``file.py:Name`` spec's ``:`` is, or None: the first ``.py:`` followed by a
    Python name (up to ``@`` or the end), preferring one whose file exists."""
    found: list[int] = []
    start = 0
    while (i := text.find(".py:", start)) != -1:
        start = i + 1
        colon = i + 3
        if text[colon + 1 :].partition("@")[0].strip().isidentifier():
            found.append(colon)
    existing = [c for c in found if os.path.isfile(text[:c].strip())]
    best = existing or found
    return best[0] if best else None


def _file_target(spec: str) -> tuple[str, str, str] | None:
    """(file path, ":Name", "@options" or "") of a spec naming a user model by its .py file
    (or an ONNX file: path, "", ""); else None."""
    if is_onnx_spec(spec):
        return spec, "", ""
    name, at, rest = _split_options(spec)
    target, colon, obj = name.strip().rpartition(":")
    if not colon or not target or not _is_file(target):
        return None
    return target, colon + obj, at + rest


def _is_file(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def locate_spec(spec: str, folder: str | os.PathLike[str]) -> str:
    """The spec with its relative model file found from ``folder`` (an expectations file's folder).

    A relative path is taken relative to ``folder``; when no such file exists there but one
    does relative to the working directory (files pinned before paths were relative to the
    expectations file), that one is used. Zoo names, modules and absolute paths are unchanged.
    """
    parts = _file_target(spec)
    if parts is None or os.path.isabs(parts[0]):
        return spec
    target, name, options = parts
    beside = os.path.join(folder, target)
    if not os.path.exists(beside) and os.path.exists(target):
        return spec
    return beside + name + options


def relative_spec(spec: str, folder: str | os.PathLike[str]) -> str:
    """The spec as a file in ``folder`` names it: a relative model file path rewritten relative
    to ``folder`` (forward slashes), so that :func:`locate_spec` finds it from anywhere; as an
    absolute path when the two share nothing but the root (a model in /work, a file in /tmp)."""
    parts = _file_target(spec)
    if parts is None or os.path.isabs(parts[0]):
        return spec
    target, name, options = parts
    where, base = os.path.abspath(target), os.path.abspath(folder or ".")
    if os.path.dirname(os.path.commonpath([where, base])) == os.path.commonpath([where, base]):  # only the root in common
        return where + name + options
    return os.path.relpath(where, base).replace(os.sep, "/") + name + options


def spec_text(name: str, options: Mapping[str, Any]) -> str:
    """The spec that names ``name`` with ``options``: ``mobilenet_v1@alpha=0.5,resolution=160``."""
    if not options:
        return name
    return name + "@" + ",".join(f"{k}={_spec_value(v)}" for k, v in options.items())


def _spec_value(value: Any) -> str:
    """A value as a spec writes it: bare where it reads back as the same string, else JSON
    ("relu,gelu" and "1" are quoted, so that they stay one string)."""
    value = plain(value)
    if isinstance(value, str) and not any(c in value for c in ',"[]{}') and _value(value) == value:
        return value
    return json.dumps(value)


def key_values(items: Sequence[str], flag: str, example: str, taken: Collection[str] = ()) -> dict[str, str]:
    """Repeated ``KEY=VALUE`` options (``--set``, ``--vary``) as {key: value}, keys spelled with ``_``.

    Args:
        items: The options' texts, in order.
        flag: The option's name for messages: "--set".
        example: What to write, for messages: "KEY=VALUE, e.g. --set dw_kernel=5".
        taken: Keys already given another way (the architecture's own flags).

    Raises:
        LwprofError: An item without a key or a value, or a key given twice.
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise LwprofError(f"{flag} {item!r}: write {example}")
        if not value.strip():
            raise LwprofError(f"{flag} {item!r}: empty value; write {example}")
        if key in taken:
            raise LwprofError(f"option {key!r} is given twice ({flag} {item!r} and --{key.replace('_', '-')})")
        if key in out:
            raise LwprofError(f"{flag} {key} is given twice; put all its values in one {flag} {key}=...")
        out[key] = value.strip()
    return out


def parse_vary(items: Sequence[str]) -> dict[str, list[str]]:
    """Parses ``--vary KEY=V1,V2`` options into {key: values} (keys are checked by the architecture)."""
    out: dict[str, list[str]] = {}
    for key, values in key_values(items, "--vary", "KEY=V1,V2,... e.g. --vary groups=1,2,3,4,8").items():
        parts = [v.strip() for v in values.split(",")]
        if any(not v for v in parts):
            raise LwprofError(f"--vary '{key}={values}': empty value; write KEY=V1,V2,... e.g. --vary alpha=1,0.75,0.5")
        out[key] = parts
    return out


def split_sweep(given: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Splits ``lwprof sweep``'s options into varied ones (comma lists) and fixed ones (single values)."""
    axes, fixed = {}, {}
    for key, text in given.items():
        parts = [p.strip() for p in str(text).split(",")]
        if any(not p for p in parts):
            raise LwprofError(f"--{key.replace('_', '-')} {text!r}: empty value in the list")
        if len(parts) > 1:
            axes[key] = parts
        else:
            fixed[key] = parts[0]
    if not axes:
        raise LwprofError("nothing to sweep: give at least one option as a comma list, e.g. --alpha 1,0.5")
    return axes, fixed


# -- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What a model's forward receives: positional and keyword inputs.

    Attributes:
        args: One entry per positional input: an :class:`InputSpec` (the shape of one sample),
            a ready tensor (batch included, used as given), a list of them (one input that
            is a list: a detector's images, each shape complete, no batch prepended), or any
            other Python value (a number, ``None``, a string, an enum, a numpy array, a nested
            list / tuple / dict / namedtuple / dataclass of tensors), passed to the forward as
            it is: tensors inside are seen as ``meta`` by the walk, nothing else is touched.
        kwargs: Keyword inputs, likewise.
        source: Where they came from, for messages ("--input-size", "example_inputs", ...).
    """

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    source: str = "default"

    @property
    def has_tensors(self) -> bool:
        """Some input is or holds a ready tensor, or is a list of images: the batch is fixed by the inputs."""
        return any(_is_images(v) or tensor_paths(v) for v in (*self.args, *self.kwargs.values()))

    def batch_size(self, batch: int = 1) -> int | None:
        """The batch a forward on these inputs sees: ``batch`` for shapes, the number of images
        of a list, None for a tensor (its first dimension)."""
        if not self.has_tensors:
            return batch
        first = next(iter((*self.args, *self.kwargs.values())), None)
        return len(first) if isinstance(first, list) else None

    def specs(self, batch: int = 1) -> tuple[InputSpec, ...]:
        """Every input with its full shape at ``batch`` (tensors as they are)."""
        out = []
        for name, v in [*((None, a) for a in self.args), *self.kwargs.items()]:
            if isinstance(v, InputSpec):
                out.append(InputSpec((batch, *v.shape), v.dtype, name))
                continue
            for item in v if _is_images(v) else [v]:
                if isinstance(item, InputSpec):
                    out.append(InputSpec(item.shape, item.dtype, name))
                else:  # a tensor, or a value holding some (none: a number, a string)
                    out.extend(InputSpec(tuple(t.shape), str(t.dtype).removeprefix("torch."), name) for _, t in tensor_paths(item))
        return tuple(out)

    def element_bytes(self, batch: int = 1) -> int:
        """Bytes of all inputs at ``batch``."""
        return sum(math.prod(s.shape) * s.itemsize for s in self.specs(batch))

    def make(self, batch: int = 1, device: str = "meta", seed: int = 0) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The forward's arguments: ``meta`` tensors (shapes only) or seeded CPU tensors.

        Generated CPU values are valid for the common input kinds: floats uniform in [0, 1)
        (images), integers 0 (token ids, class indices), booleans True (masks keep everything).
        """
        import torch

        generator = torch.Generator().manual_seed(seed)

        def one(v: Any, batched: bool = True) -> Any:
            if _is_images(v):  # a list of images (a detector's input): each as it is
                return [one(item, batched=False) for item in v]
            if not isinstance(v, InputSpec):
                return v
            dtype = getattr(torch, v.dtype)
            shape = (batch, *v.shape) if batched else v.shape
            if device == "meta":
                return torch.empty(shape, dtype=dtype, device="meta")
            if dtype.is_floating_point:
                return torch.rand(shape, generator=generator).to(dtype)
            if dtype == torch.bool:
                return torch.ones(shape, dtype=dtype)
            return torch.zeros(shape, dtype=dtype)

        return tuple(one(a) for a in self.args), {k: one(v) for k, v in self.kwargs.items()}


def parse_input(text: str) -> tuple[str | None, Any]:
    """Reads one ``--input-size``: ``3,224,224``, ``3x224x224``, ``long:1,128``, ``ids=long:128``,
    or a plain value for the forward: ``value:0.5``, ``return_features=value:true``,
    ``mask=value:null``, ``mode=value:"max"`` (JSON; a bare word is a string: ``mode=value:max``).

    Returns:
        The keyword (None for a positional input) and the input's spec (one sample) or value.

    Raises:
        LwprofError: Not a list of positive integers with an optional type and keyword.
    """
    raw = text.strip()
    name = None
    head, sep, rest = raw.partition("=")
    if sep and not head.strip().startswith("value:"):
        if not head.strip().isidentifier():
            raise LwprofError(f"--input-size {text!r}: a keyword input is name=C,H,W with a Python name, got {head.strip()!r}")
        name, raw = head.strip(), rest.strip()
    if raw.startswith("value:"):
        return name, _value(raw[len("value:") :].strip())
    dtype = "float32"
    kind, sep, dims = raw.rpartition(":")
    if sep:
        key = kind.strip().lower()
        if key not in DTYPES:
            raise LwprofError(f"--input-size {text!r}: unknown element type {kind.strip()!r}{suggest(key, DTYPES)}; use e.g. long:1,128 or float:3,224,224")
        dtype, raw = DTYPES[key], dims
    parts = [p.strip() for p in raw.replace("x", ",").replace("X", ",").split(",")]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise LwprofError(f"--input-size {text!r}: give C,H,W as integers, e.g. 3,224,224") from None
    if not shape or any(s < 1 for s in shape):
        raise LwprofError(f"--input-size {text!r}: give C,H,W as positive integers, e.g. 3,224,224")
    return name, InputSpec(shape, dtype)


def inputs_from(value: Any, source: str) -> Inputs:
    """Reads inputs given in Python: a tensor, a shape, a tuple/list of them, a dict of keyword
    inputs, ``(args, kwargs)``, or :class:`Inputs` itself; any other value is an argument passed
    as it is (a number, ``None``, a string, a numpy array, a namedtuple or dataclass of tensors).

    Strings are values, never shapes, except in the command line's own form: ``value`` itself an
    ``--input-size`` string ("long:1,128") or a list of nothing but such strings.

    Raises:
        LwprofError: A bad shape or ``--input-size`` string, named.
    """
    if isinstance(value, Inputs):
        return value
    if isinstance(value, Mapping):
        return Inputs((), {str(k): _one_input(v, f"{source}[{k!r}]") for k, v in value.items()}, source)
    if _is_shape(value) or _is_tensor(value) or isinstance(value, (InputSpec, str)):
        value = (value,)
    if not isinstance(value, (tuple, list)) or hasattr(value, "_fields"):  # one value (a namedtuple is one argument)
        value = (value,)
    items = list(value)
    if len(items) == 2 and isinstance(items[1], Mapping) and isinstance(items[0], (tuple, list)) and not _is_shape(items[0]) and not hasattr(items[0], "_fields"):
        args = tuple(_one_input(v, f"{source}[0][{i}]") for i, v in enumerate(items[0]))
        return Inputs(args, {str(k): _one_input(v, f"{source}[1][{k!r}]") for k, v in items[1].items()}, source)
    if items and all(isinstance(v, str) for v in items):  # the command line's form: --input-size strings
        positional: list[Any] = []
        kwargs: dict[str, Any] = {}
        for v in items:
            key, spec = parse_input(v)
            if key is None:
                if kwargs:
                    raise LwprofError(f"{source}: positional input {v!r} comes after a keyword input")
                positional.append(spec)
            elif key in kwargs:
                raise LwprofError(f"{source}: keyword input {key!r} is given twice")
            else:
                kwargs[key] = spec
        return Inputs(tuple(positional), kwargs, source)
    return Inputs(tuple(_one_input(v, f"{source}[{i}]") for i, v in enumerate(items)), {}, source)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "shape") and hasattr(value, "dtype")


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and bool(value) and all(isinstance(s, int) and not isinstance(s, bool) for s in value)


def _is_images(value: Any) -> bool:
    """A list of tensors or shapes: one input that is a list of images (a detector's)."""
    return type(value) is list and bool(value) and all(isinstance(v, InputSpec) or _is_tensor(v) for v in value)


def _one_input(value: Any, where: str) -> Any:
    """One argument: a shape becomes an :class:`InputSpec`, a list of shapes or tensors a list of
    images; anything else (a tensor, a number, a string, a nested value) is passed as it is."""
    if isinstance(value, InputSpec) or _is_tensor(value):
        return value
    if _is_shape(value):
        if any(s < 1 for s in value):
            raise LwprofError(f"{where}: a shape must be positive integers, got {tuple(value)}")
        return InputSpec(tuple(value))
    shapes = isinstance(value, (list, tuple)) and not hasattr(value, "_fields") and bool(value) and all(_is_tensor(v) or _is_shape(v) for v in value)
    if shapes and (type(value) is list or not all(_is_tensor(v) for v in value)):
        # One input that is a list of images (a detector's, each C x H x W, sizes may differ); a
        # tuple of tensors stays the tuple it is.
        return [v if _is_tensor(v) else _one_input(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


# -- the resolved model ---------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """Everything needed to profile one model, decided once.

    Attributes:
        kind: "zoo", "user" (a spec naming a file or module), "module" (passed in) or "onnx"
            (an ONNX file or ``onnx.ModelProto``; ``module`` holds the ModelProto).
        name: The architecture's canonical name, the user spec's target ("net.py:Net"), or
            the module's class name.
        config: A zoo model's options (every one, defaults filled in) or a user model's
            factory arguments: what the title and the JSON ``config`` show.
        inputs: What the forward receives.
        spec: The spec that rebuilds the model ("" for a module passed in).
        arch: The zoo architecture (None otherwise).
        arch_config: Its validated configuration.
        module: The user's model (built once, on the CPU), or the module passed in.
        notes: Decisions worth telling (a compiled module unwrapped, a TorchScript module).
    """

    kind: str
    name: str
    config: Mapping[str, Any]
    inputs: Inputs
    spec: str = ""
    arch: ArchSpec | None = field(default=None, compare=False, repr=False)
    arch_config: ArchConfig | None = field(default=None, compare=False, repr=False)
    module: Any = field(default=None, compare=False, repr=False)
    notes: tuple[Note, ...] = ()

    @property
    def is_zoo(self) -> bool:
        return self.kind == "zoo"

    @property
    def standard_input(self) -> bool:
        """A zoo model on its own input (3 x R x R): the papers' numbers apply."""
        return self.is_zoo and isinstance(self.config.get("resolution"), int)

    def build(self, device: str = "meta") -> nn.Module:
        """The model: a zoo architecture built on ``device``, or the user's own module."""
        if self.module is not None:
            return self.module
        import torch

        assert self.arch is not None and self.arch_config is not None
        with torch.device(device), _quiet_init():
            return self.arch.build(self.arch_config)

    def parameter_count(self) -> int:
        """Parameters + buffers of the model, counted on a meta build (allocates nothing)."""
        model = self.build("meta")
        return sum(t.numel() for t in (*model.parameters(), *model.buffers()))


@contextlib.contextmanager
def _quiet_init() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. torch's init warnings on zero-size tensors
        yield


def resolve(
    target: Any,
    *,
    inputs: Any = None,
    options: Mapping[str, Any] | None = None,
    kwargs: str | Mapping[str, Any] | None = None,
    check_applies: bool = True,
) -> Resolved:
    """Turns a spec or a module plus an inputs description into one :class:`Resolved`.

    Args:
        target: A zoo name or spec, a user spec, an ``nn.Module``, or a :class:`Resolved`
            (returned as it is).
        inputs: The inputs (see :func:`inputs_from`); None for the model's own.
        options: Architecture options (zoo models), merged with the spec's; None values are
            "not given".
        kwargs: Factory arguments (user models), instead of those after the spec's ``@``.
        check_applies: Refuse a zoo option that has no effect in this configuration (groups
            without conv=grouped); ``compare`` checks that across its variants instead.

    Raises:
        LwprofError: An unknown architecture or option, an invalid value, a user model that
            does not load, inputs that do not fit.
    """
    if isinstance(target, Resolved) and inputs is None and not options and kwargs is None:
        return target  # resolved once already (a variant of a comparison, timed after it was profiled)
    given = inputs_from(inputs, "inputs") if inputs is not None else None
    options = {k: v for k, v in (options or {}).items() if v is not None}
    if type(target).__name__ == "ModelProto" or (isinstance(target, str) and is_onnx_spec(target)):
        if options or kwargs is not None:
            given_flags = ", ".join(f"--{k.replace('_', '-')}" for k in sorted(options)) or "--kwargs"
            raise LwprofError(f"{given_flags} do(es) not apply to an ONNX graph: it is profiled as it is (give input sizes with --input-size)")
        return _resolve_onnx(target, given)
    if not isinstance(target, str):
        if options or kwargs:
            raise LwprofError("options and kwargs apply to specs; a module is profiled as it is")
        return _resolve_module(target, given)
    name, spec_options = parse_spec(target)
    if name.lower().endswith(".onnx"):
        raise LwprofError(f"{target}: an ONNX file takes no options after '@'; give input sizes with --input-size")
    if is_user_spec(name):
        if options:
            raise LwprofError(f"architecture options {sorted(options)} do not apply to a user model; pass factory arguments after '@' or with --kwargs")
        if kwargs is not None and spec_options:
            raise LwprofError(f"{target}: give factory arguments after '@' or with --kwargs, not both")
        return _resolve_user(name, parse_user_kwargs(kwargs) if kwargs is not None else spec_options, given)
    if kwargs is not None:
        raise LwprofError(f"--kwargs is for user models (file.py:Class); {name} takes architecture options")
    spec_and_flags(target, spec_options, options)
    for key, value in spec_options.items():
        if value is None:  # "null": not a value of any option (and not to be dropped silently)
            raise LwprofError(f"{target}: option {key!r} has no value (null); give one, or leave the option out for its default")
    return _resolve_zoo(name, {**spec_options, **options}, given, check_applies)


def parse_user_kwargs(kwargs: str | Mapping[str, Any]) -> dict[str, Any]:
    try:
        return parse_kwargs(kwargs)
    except LwprofError as exc:
        sep = " " if str(exc).startswith("is ") else ": "
        raise LwprofError(f"--kwargs{sep}{exc}") from None


def _resolve_zoo(name: str, options: dict[str, Any], given: Inputs | None, check_applies: bool = True) -> Resolved:
    from lwprof.architectures import get_architecture

    arch = get_architecture(name)
    cfg_cls = arch.config_cls
    shown_resolution: Any = None
    if given is not None:
        if given.kwargs or len(given.args) != 1 or not isinstance(given.args[0], InputSpec):
            raise LwprofError(f"{arch.name} takes one image input: give --input-size C,H,W (e.g. 3,224,224)")
        if given.args[0].dtype != "float32":
            raise LwprofError(_element_type_message(arch.name, given.args[0]))
        shape = given.args[0].shape
        if len(shape) != 3:
            raise LwprofError(f"--input-size '{','.join(map(str, shape))}': give C,H,W (an image) for {arch.name}, e.g. 3,224,224")
        channels, height, width = shape
        if channels != 3:
            raise LwprofError(f"{arch.name} takes 3 input channels (its stem conv is 3 -> n), got --input-size with {channels}")
        if "resolution" in options:
            raise LwprofError("give --resolution or --input-size, not both")
        if height == width:
            options["resolution"] = height
        else:
            stride = cfg_cls.TOTAL_STRIDE
            if min(height, width) < stride:
                raise LwprofError(f"input {height}x{width} is too small: {cfg_cls.LABEL} downsamples by {stride}, so use >= {stride} on each side")
            shown_resolution = f"{height}x{width}"
    cfg = arch.configure(None, check_applies=check_applies, **options)
    config = cfg.as_dict()
    non_default = {k: v for k, v in config.items() if v != plain(arch.option(k).default)}
    if shown_resolution is not None:
        config["resolution"] = shown_resolution
        non_default.pop("resolution", None)
    inputs = given or Inputs((InputSpec(arch.input_shape(cfg)),), source="architecture")
    return Resolved("zoo", arch.name, config, inputs, spec_text(arch.name, non_default), arch, cfg)



def _element_type_message(arch: str, spec: InputSpec) -> str:
    """A zoo model given ``--input-size long:3,32,32`` (or bool:, fp16:): the element type is what is wrong."""
    dims = ",".join(map(str, spec.shape))
    flag = {"float16": "fp16", "bfloat16": "bf16", "int8": "int8", "uint8": "int8"}.get(spec.dtype)
    text = f"--input-size {spec.dtype}:{dims}: {arch} takes a float32 image, not {spec.dtype} elements; give --input-size {dims}"
    if flag in ("fp16", "bf16"):
        return f"{text} with --dtype {flag} to count sizes and memory in {spec.dtype}"
    if flag == "int8":
        return f"{text} (with --dtype int8 for an int8 model's sizes)"
    return text


def _resolve_onnx(source: Any, given: Inputs | None) -> Resolved:
    """An ONNX file or ``onnx.ModelProto``: read once; its inputs from the graph, sizes from ``given``."""
    from lwprof.counting.onnx_graph import load_model, plan_inputs

    if isinstance(source, str):
        model, label, spec = load_model(source), source, source
    else:
        model, label, spec = source, source.graph.name or "ONNX model", ""
    args: tuple[Any, ...] = given.args if given else ()
    kwargs: Mapping[str, Any] = given.kwargs if given else {}
    if any(not isinstance(v, InputSpec) for v in (*args, *kwargs.values())):
        raise LwprofError(f"{label}: give an ONNX graph's inputs as sizes (--input-size 3,224,224), not tensors or lists")
    specs = plan_inputs(model, label, args, kwargs)
    return Resolved("onnx", label, {}, Inputs(specs, source=given.source if given else "the ONNX graph"), spec, module=model)


def _resolve_module(model: Any, given: Inputs | None) -> Resolved:
    from torch import nn

    if not isinstance(model, nn.Module):
        raise LwprofError(f"expected an nn.Module or a spec string, got {type(model).__name__}")
    model, notes = _unwrap(model)
    inputs = given or _own_inputs(model, None, type(model).__name__)
    if inputs is None:
        raise LwprofError("input_size (C, H, W) or inputs is required to profile a module")
    return Resolved("module", type(model).__name__, {}, inputs, "", module=model, notes=notes)


def _unwrap(model: nn.Module) -> tuple[nn.Module, tuple[Note, ...]]:
    import torch

    original = getattr(model, "_orig_mod", None)
    if original is not None and type(model).__name__ == "OptimizedModule":
        return original, (Note(Severity.INFO, f"a torch.compile'd module: profiled its original {type(original).__name__}"),)
    if isinstance(model, torch.jit.ScriptModule):
        return model, (Note(Severity.INFO, "a TorchScript module: counted from its ops as one block (no per-layer table)"),)
    return model, ()


def _resolve_user(name: str, kwargs: dict[str, Any], given: Inputs | None) -> Resolved:
    model, factory = load_user_model(name, kwargs)
    model, notes = _unwrap(model)
    inputs = given or _own_inputs(model, factory, name)
    if inputs is None:
        raise LwprofError(f"{name}: give the input size, e.g. --input-size 3,224,224 (or give the model an input_size or example_inputs)")
    return Resolved("user", name, dict(kwargs), inputs, spec_text(name, kwargs), module=model, notes=notes)


def _own_inputs(model: Any, factory: Any, label: str) -> Inputs | None:
    """The model's ``example_inputs`` (attribute or method) or ``input_size``, or None."""
    for owner in (model, factory):
        if owner is None:
            continue
        hook = getattr(owner, "example_inputs", None)
        if hook is not None:
            try:
                with no_os_exit():
                    value = hook() if callable(hook) and not _is_tensor(hook) else hook
            except (Exception, SystemExit) as exc:
                raise LwprofError(f"{label}.example_inputs() failed: {_describe(exc)}") from None
            return inputs_from(value, f"{label}.example_inputs")
    for owner in (model, factory):
        size = getattr(owner, "input_size", None) if owner is not None else None
        if size is not None:
            if isinstance(size, (str, bytes)) or not _is_shape(list(size) if isinstance(size, (tuple, list)) else size) or any(s < 1 for s in size):
                raise LwprofError(f"{label}.input_size must be a sequence of positive integers such as (3, 224, 224), got {size!r}"[:200])
            return Inputs((InputSpec(tuple(int(s) for s in size)),), source="input_size")
    return None


# -- loading user code -------------------------------------------------------------------------


def spec_and_flags(target: str, spec_options: Mapping[str, Any], flags: Mapping[str, Any]) -> dict[str, Any]:
    """A zoo spec's options (``mobilenet@alpha=0.5``) and the flags' (None: not given) as one mapping.
    The one check of an option given both ways (summary, compare, sweep, fit).

    Raises:
        LwprofError: An option in both.
    """
    given = {k: v for k, v in flags.items() if v is not None}
    for key in sorted(set(spec_options) & set(given)):
        raise LwprofError(f"{target}: option {key!r} is given twice (in the spec and as a flag)")
    return {**spec_options, **given}


def load_user_model(spec: str, kwargs: Mapping[str, Any] | None = None) -> tuple[nn.Module, Any]:
    """Imports and builds a user model.

    Args:
        spec: ``path/to/file.py:Name`` or ``package.module:Name``.
        kwargs: Arguments for the class or factory.

    Returns:
        The module and the object it came from (class, factory or the instance itself).

    Raises:
        LwprofError: The file or module is missing, fails to import, lacks the name, or the
            object fails to construct or is not an ``nn.Module``.
    """
    from torch import nn

    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise LwprofError(f"cannot read model spec {spec!r}: use path/to/file.py:ClassOrFactory or package.module:ClassOrFactory")
    if not name.isidentifier():
        raise LwprofError(f"model spec {spec!r}: {name!r} is not a Python name")
    namespace = _import(target)
    if not hasattr(namespace, name):
        names = [n for n, v in vars(namespace).items() if not n.startswith("_") and (inspect.isclass(v) or callable(v) or isinstance(v, nn.Module))]
        raise LwprofError(f"{target} has no {name!r}{suggest(name, names)}; it defines {', '.join(sorted(names)[:8]) or 'nothing usable'}")
    obj = getattr(namespace, name)
    args = dict(kwargs or {})
    if isinstance(obj, nn.Module):
        if args:
            raise LwprofError(f"{spec} is a module instance; it takes no --kwargs")
        return obj, obj
    if not callable(obj):
        raise LwprofError(f"{spec} is a {type(obj).__name__}, not a module class, factory or instance")
    # Warnings raised while constructing are shown only if construction succeeds: a failed
    # build is one error line, not a torch warning followed by it.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with no_os_exit():
                model = obj(**args)
        except (Exception, SystemExit) as exc:
            raise LwprofError(f"{spec}({_show(args)}) failed: {_describe(exc)}") from None
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    if not isinstance(model, nn.Module):
        raise LwprofError(f"{spec}({_show(args)}) returned a {type(model).__name__}, not an nn.Module")
    return model, obj


def _import(target: str) -> Any:
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise LwprofError(f"model file {target!r} does not exist") from None
        except OSError as exc:  # a folder on the way one may not enter is permission denied, not missing
            raise LwprofError(f"cannot read model file {target!r}: {os_error_text(exc)}") from None
        if stat.S_ISDIR(mode):
            raise LwprofError(f"model file {target!r} is a directory; name a .py file in it, e.g. {target.rstrip('/')}/net.py:Net")
        if not stat.S_ISREG(mode):
            raise LwprofError(f"model file {target!r} is not a regular file")
        if not os.access(path, os.R_OK):
            raise LwprofError(f"cannot read model file {target!r}: permission denied")
        module_name = f"lwprof_user_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise LwprofError(f"cannot import {target!r}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)
        try:
            with no_os_exit():  # the API too: os._exit at import is an error, not the end of the caller's process
                spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            sys.modules.pop(module_name, None)
            raise LwprofError(f"importing {target} failed: {_describe(exc)}") from None
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)
        return module
    if not all(part.isidentifier() for part in target.split(".")):
        raise LwprofError(f"{target!r} is neither a .py file nor a module name such as package.module")
    try:
        with no_os_exit():
            return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        raise LwprofError(f"no module named {exc.name or target!r} (for a file, give its path ending in .py)") from None
    except (Exception, SystemExit) as exc:
        raise LwprofError(f"importing {target} failed: {_describe(exc)}") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called {exit_text(exc)}"
    return f"{type(exc).__name__}: {first_line(exc)}"



def _show(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


