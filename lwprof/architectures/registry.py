"""The architecture registry: names, aliases, typed configurations and builders.

A new architecture is one file and one decorator::

    @dataclass(frozen=True)
    class MyNetConfig(ArchConfig):
        width: float = option(1.0, "channel multiplier")

    @register_architecture("mynet", config=MyNetConfig, paper="...", aliases=("mn",))
    def build_mynet(cfg: MyNetConfig) -> nn.Module: ...

The configuration dataclass is the single source of the options: their names, types,
defaults, allowed values and help texts come from its fields, and its ``validate`` method
checks a configuration before anything is built. This module does not import torch; the
built-in architectures register when :mod:`lwprof.architectures` is imported (which imports no
torch either): look them up through that package.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import math
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lwprof.errors import LwprofError, suggest
from lwprof.registries import restored
from lwprof.units import plain


class Role(str, enum.Enum):
    """What an option does to the model, for the code that must know without reading its name."""

    WIDTH = "width"  #: a channel multiplier (alpha, width, scale): it sets the weights' size; memory advice names it
    RESOLUTION = "resolution"  #: the input's height and width
    CLASSES = "classes"  #: the classifier's size: it sets the weights' size too


def option(
    default: Any,
    help: str,
    choices: Sequence[Any] | None = None,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
    applies: Mapping[str, Any] | None = None,
    role: Role | None = None,
    search: str | None = None,
) -> Any:
    """Declares one configuration field: its default, help text and what values it allows.

    Args:
        default: The default value (also fixes the option's type).
        help: One line for ``--help`` and ``lwprof list``.
        choices: The allowed values, when the set is finite.
        minimum: The smallest allowed value (inclusive).
        above: Values must be greater than this (exclusive).
        maximum: The largest allowed value (inclusive).
        applies: The option has an effect only when these other options have these values
            (``{"conv": ConvKind.GROUPED}``); giving it otherwise is an error.
        role: What the option does (:class:`Role`), for code that must know: the memory advice
            names the options that set the weights' size.
        search: What ``lwprof fit`` searches by default, as ``--vary``'s text ("0.25:1.0:0.05",
            "2,4,8", "all"); None: not searched unless asked. A list of values is also what
            ``--vary KEY=all`` means for an option without declared choices.
    """
    meta = {
        "help": help, "choices": tuple(choices) if choices else None, "minimum": minimum, "above": above, "maximum": maximum,
        "applies": dict(applies or {}), "role": role, "search": search,
    }  # fmt: skip
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class ArchConfig:
    """Base of every architecture configuration: input resolution and classifier size.

    Subclasses set ``LABEL`` (the name in messages) and ``TOTAL_STRIDE`` (the network's
    downsampling, the smallest resolution that survives it); :meth:`validate` checks those and
    every field's ``choices``, and subclasses add their own checks.
    """

    LABEL: ClassVar[str] = "this network"
    TOTAL_STRIDE: ClassVar[int] = 1

    resolution: int = option(224, "input height and width in pixels (the papers' rho)", minimum=1, maximum=2**20, role=Role.RESOLUTION, search="96:256:32")
    num_classes: int = option(1000, "classifier outputs", minimum=1, maximum=2**40, role=Role.CLASSES)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raises LwprofError naming the bad value; subclasses extend it."""
        for f in dataclasses.fields(self):
            _check_field(f, getattr(self, f.name))
        if self.resolution < self.TOTAL_STRIDE:
            raise LwprofError(
                f"resolution {self.resolution} is too small: {self.LABEL} downsamples by {self.TOTAL_STRIDE}, so use >= {self.TOTAL_STRIDE}"
            )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _check_field(f: Any, value: Any) -> None:
    """Checks a value against a field's declared choices and bounds (``f``: a dataclass field, or
    anything with its ``name`` and ``metadata``)."""
    meta = f.metadata
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        shown = ", ".join(str(plain(c)) for c in choices)
        raise LwprofError(f"{f.name} must be one of {shown}, got {plain(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise LwprofError(f"{f.name} must be a finite number, got {_cut(str(value))}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if meta.get("above") is not None and not value > meta["above"]:
        raise LwprofError(f"{f.name} must be > {_num(meta['above'])}, got {_cut(str(value))}")
    if meta.get("minimum") is not None and value < meta["minimum"]:
        raise LwprofError(f"{f.name} must be >= {_num(meta['minimum'])}, got {_cut(str(value))}")
    if meta.get("maximum") is not None and value > meta["maximum"]:
        raise LwprofError(f"{f.name} must be <= {_num(meta['maximum'])}, got {_cut(str(value))}")


def _shown(value: Any) -> str:
    """A value for a message, cut short (an option given a 100,000-digit number)."""
    return _cut(repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Option:
    """One configuration option, as shown by ``lwprof list`` and accepted by the CLI."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple[Any, ...] | None
    minimum: float | None = None
    above: float | None = None
    maximum: float | None = None
    applies: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    role: Role | None = None
    search: str | None = None

    def coerce(self, value: Any) -> Any:
        """Converts a CLI string (or a Python value) to this option's type.

        Raises:
            LwprofError: The value cannot be read as this option's type or is not allowed.
        """
        try:
            if self.type is bool and isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"true", "false", "on", "off", "yes", "no", "1", "0"}:
                    raise ValueError(value)
                out: Any = lowered in {"true", "on", "yes", "1"}
            elif self.type is int and isinstance(value, str):
                out = int(value.strip())
            elif self.type is int and isinstance(value, float):
                if not value.is_integer():
                    raise ValueError(value)
                out = int(value)
            elif self.type is bool and not isinstance(value, bool):
                if type(value) is not int or value not in (0, 1):  # not 2, 0.5 or [1] read as True
                    raise ValueError(value)
                out = bool(value)
            elif self.type in (int, float) and isinstance(value, bool):  # not true read as 1
                raise TypeError(value)
            else:
                out = self.type(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, OverflowError):
            if issubclass(self.type, enum.Enum):
                raise LwprofError(f"option {self.name!r}: {value!r} is not allowed; choose from {', '.join(self._choice_names())}") from None
            raise LwprofError(f"option {self.name!r}: cannot read {_shown(value)} as {self.type.__name__}") from None
        if isinstance(out, float) and not math.isfinite(out):
            raise LwprofError(f"option {self.name!r}: {_shown(value)} is not a finite number")
        if self.choices is not None and out not in self.choices:
            raise LwprofError(f"option {self.name!r}: {plain(out)!r} is not allowed; choose from {', '.join(self._choice_names())}")
        return out

    def _choice_names(self) -> list[str]:
        if self.choices is not None:
            return [str(plain(c)) for c in self.choices]
        return [str(plain(c)) for c in typing.cast(Any, self.type)]


@dataclass(frozen=True)
class ArchSpec:
    """A registered architecture.

    Attributes:
        name: Canonical name, e.g. "mobilenet_v1".
        aliases: Other accepted names, e.g. ("mobilenet",).
        paper: The source paper, e.g. "MobileNets (Howard et al., 2017, arXiv 1704.04861)".
        config_cls: The configuration dataclass.
        builder: Builds an ``nn.Module`` from a configuration.
        compare_axis: The default ``--vary`` axis of ``lwprof compare``: (option, values).
        summary: One line on what the architecture is.
    """

    name: str
    aliases: tuple[str, ...]
    paper: str
    config_cls: type[ArchConfig]
    builder: Callable[[Any], Any]
    compare_axis: tuple[str, tuple[Any, ...]]
    summary: str = ""

    def options(self) -> tuple[Option, ...]:
        hints = typing.get_type_hints(self.config_cls)
        return tuple(
            Option(
                f.name, hints[f.name], f.default, f.metadata.get("help", ""), f.metadata.get("choices"),
                f.metadata.get("minimum"), f.metadata.get("above"), f.metadata.get("maximum"), f.metadata.get("applies") or {},
                f.metadata.get("role"), f.metadata.get("search"),
            )
            for f in dataclasses.fields(self.config_cls)
        )  # fmt: skip

    def with_role(self, *roles: Role) -> tuple[Option, ...]:
        """The options of these roles: role by role, each in declaration order."""
        options = self.options()
        return tuple(o for role in roles for o in options if o.role is role)

    def default_search(self) -> dict[str, str]:
        """What ``lwprof fit`` searches when no ``--vary`` is given: every option's declared ``search``.

        In the order the search labels read: the ranged multipliers (role width with a range),
        the resolution, then the discrete options (numbers, then kinds), each group in declaration order.
        """
        searched = [(i, o) for i, o in enumerate(self.options()) if o.search]

        def rank(item: tuple[int, Option]) -> tuple[int, int]:
            i, o = item
            if o.role is Role.WIDTH and ":" in (o.search or ""):
                return (0, i)
            if o.role is Role.RESOLUTION:
                return (1, i)
            return (2 if o.type is float else 3 if o.type is int else 4, i)

        return {o.name: o.search or "" for _, o in sorted(searched, key=rank)}

    def option(self, name: str) -> Option:
        """Looks up an option by name ("-" and "_" are interchangeable)."""
        key = name.replace("-", "_")
        for opt in self.options():
            if opt.name == key:
                return opt
        names = [o.name for o in self.options()]
        raise LwprofError(f"{self.name} has no option {name!r}{suggest(key, names)}; its options are {', '.join(names)}")

    def configure(self, config: Mapping[str, Any] | None = None, *, check_applies: bool = False, **overrides: Any) -> ArchConfig:
        """Builds a validated configuration from option values (strings are converted).

        Args:
            config: Option values by name.
            check_applies: Also refuse options given here that have no effect (see ``option(applies=...)``).
            **overrides: More option values.

        Raises:
            LwprofError: An unknown option, a value of the wrong type, or an invalid value.
        """
        values = {**(config or {}), **overrides}
        kwargs = {}
        for key, value in values.items():
            if value is None:
                continue
            opt = self.option(key)
            kwargs[opt.name] = opt.coerce(value)
        cfg = self.config_cls(**kwargs)
        if check_applies:
            for name in kwargs:
                self.check_applies(cfg, name)
        return cfg

    def check_applies(self, cfg: ArchConfig, name: str) -> None:
        """Raises when option ``name`` has no effect in ``cfg`` (it needs other options set).

        Raises:
            LwprofError: E.g. groups given while conv is not grouped.
        """
        opt = self.option(name)
        for other, wanted in opt.applies.items():
            if getattr(cfg, other) != wanted:
                raise LwprofError(
                    f"{opt.name} has no effect on {self.name} unless {other}={plain(wanted)} (here {other}={plain(getattr(cfg, other))}); "
                    f"add --{other.replace('_', '-')} {plain(wanted)} or drop --{opt.name.replace('_', '-')}"
                )

    def build(self, config: ArchConfig | Mapping[str, Any] | None = None, **overrides: Any) -> Any:
        """Builds the model (an ``nn.Module``) for a configuration."""
        cfg = config if isinstance(config, ArchConfig) and not overrides else self.configure(
            config.as_dict() if isinstance(config, ArchConfig) else config, **overrides
        )
        return self.builder(cfg)

    def input_shape(self, config: ArchConfig) -> tuple[int, int, int]:
        """The (C, H, W) input of one image for a configuration."""
        return (3, config.resolution, config.resolution)


_REGISTRY: dict[str, ArchSpec] = {}
_ALIASES: dict[str, str] = {}


def register_architecture(
    name: str,
    *,
    config: type[ArchConfig],
    paper: str,
    aliases: Sequence[str] = (),
    compare_axis: tuple[str, Sequence[Any]],
    summary: str = "",
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Registers a builder under ``name`` and its aliases.

    Raises:
        ValueError: The name or an alias is already taken (a programming error, not user input).
    """

    def deco(builder: Callable[[Any], Any]) -> Callable[[Any], Any]:
        for key in (name, *aliases):
            if key in _ALIASES:
                raise ValueError(f"architecture name {key!r} is already registered (by {_ALIASES[key]!r})")
        spec = ArchSpec(name, tuple(aliases), paper, config, builder, (compare_axis[0], tuple(compare_axis[1])), summary)
        _REGISTRY[name] = spec
        for key in (name, *aliases):
            _ALIASES[key] = name
        return builder

    return deco


def unregister_architecture(name: str) -> None:
    """Removes an architecture (by its name or an alias) and its aliases.

    Raises:
        LwprofError: Unknown name.
    """
    spec = get_architecture(name)
    del _REGISTRY[spec.name]
    for key in (spec.name, *spec.aliases):
        _ALIASES.pop(key, None)


@contextlib.contextmanager
def scoped_architectures() -> Iterator[None]:
    """Every architecture registered or removed inside the block is undone on exit (for tests and
    notebooks; the CLI's flags are generated once, from the architectures registered at import)."""
    with restored(_REGISTRY, _ALIASES):
        yield


def get_architecture(name: str) -> ArchSpec:
    """Looks up an architecture by name or alias (case-insensitive, "-" = "_").

    Raises:
        LwprofError: Unknown name; the message suggests the closest ones.
    """
    key = name.strip().lower().replace("-", "_")
    if key not in _ALIASES:
        raise LwprofError(f"unknown architecture {name!r}{suggest(key, _ALIASES)}; available: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[_ALIASES[key]]


def list_architectures() -> list[ArchSpec]:
    """Every registered architecture, in registration order."""
    return list(_REGISTRY.values())


@dataclass(frozen=True)
class SharedOption:
    """One option across every architecture that has it: what the CLI turns into one flag.

    Attributes:
        name: The option's name, e.g. "dw_kernel" (flag ``--dw-kernel``).
        type: Its Python type (bool options become ``--x/--no-x``).
        help: What it means for each architecture, with its allowed values and default.
        archs: The architectures that have it.
    """

    name: str
    type: type
    help: str
    archs: tuple[str, ...]

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def metavar(self) -> str:
        if isinstance(self.type, type) and issubclass(self.type, enum.Enum):
            return "KIND"
        return {int: "INT", float: "FLOAT"}.get(self.type, "VALUE")


def shared_options() -> list[SharedOption]:
    """Every option of every architecture, merged by name, in order of first appearance."""
    texts: dict[str, dict[str, list[str]]] = {}
    types: dict[str, type] = {}
    archs: dict[str, list[str]] = {}
    for spec in list_architectures():
        for opt in spec.options():
            types.setdefault(opt.name, opt.type)
            archs.setdefault(opt.name, []).append(spec.name)
            allowed = ", ".join(opt._choice_names()) + "; " if opt.choices is not None or issubclass_enum(opt.type) else ""
            default = "on" if opt.default is True else "off" if opt.default is False else plain(opt.default)
            texts.setdefault(opt.name, {}).setdefault(f"{opt.help} ({allowed}default {default})", []).append(spec.name)
    out = []
    for name, by_text in texts.items():
        if len(by_text) == 1 and len(archs[name]) == len(list_architectures()):
            help_text = next(iter(by_text))
        else:
            help_text = "; ".join(f"{', '.join(a)}: {t}" for t, a in by_text.items())
        out.append(SharedOption(name, types[name], help_text, tuple(archs[name])))
    return out


def issubclass_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)
