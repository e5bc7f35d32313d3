"""Loading a user's own model from ``path/to/file.py:Name`` or ``package.module:Name``.

``Name`` may be an ``nn.Module`` subclass, a factory function returning a module, or a module
instance. Keyword arguments for the class or factory come from ``--kwargs`` as JSON
(``'{"width": 0.5}'``) or ``key=value`` pairs (``width=0.5,depth=3``). If the object (or the
module it builds) has an ``input_size`` attribute, e.g. ``(3, 224, 224)``, it is the default
input size. Every failure is a one-line :class:`LwprofError`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import nn

from lwprof.errors import LwprofError, suggest
from lwprof.specs import parse_kwargs

__all__ = ["load_user_model", "parse_kwargs"]  # parse_kwargs re-exported from lwprof.specs


def load_user_model(spec: str, kwargs: str | Mapping[str, Any] | None = None) -> tuple[nn.Module, tuple[int, ...] | None]:
    """Imports and builds a user model.

    Args:
        spec: ``path/to/file.py:Name`` or ``package.module:Name``.
        kwargs: Arguments for the class or factory (see :func:`parse_kwargs`).

    Returns:
        The module and its default input size (or None when it declares none).

    Raises:
        LwprofError: The file or module is missing, fails to import, lacks the name, or the
            object fails to construct or is not an ``nn.Module``.
    """
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise LwprofError(f"cannot read model spec {spec!r}: use path/to/file.py:ClassOrFactory or package.module:ClassOrFactory")
    namespace = _import(target)
    if not hasattr(namespace, name):
        names = [n for n, v in vars(namespace).items() if not n.startswith("_") and (inspect.isclass(v) or callable(v) or isinstance(v, nn.Module))]
        raise LwprofError(f"{target} has no {name!r}{suggest(name, names)}; it defines {', '.join(sorted(names)[:8]) or 'nothing usable'}")
    obj = getattr(namespace, name)
    try:
        args = parse_kwargs(kwargs)
    except LwprofError as exc:
        sep = " " if str(exc).startswith("is ") else ": "
        raise LwprofError(f"--kwargs{sep}{exc}") from None
    if isinstance(obj, nn.Module):
        if args:
            raise LwprofError(f"{spec} is a module instance; it takes no --kwargs")
        model = obj
    elif callable(obj):
        # Warnings raised while constructing are shown only if construction succeeds: a failed
        # build is one error line, not a torch warning followed by it.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = obj(**args)
            except Exception as exc:
                raise LwprofError(f"{spec}({_show(args)}) failed: {type(exc).__name__}: {_first_line(exc)}") from None
        for w in caught:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    else:
        raise LwprofError(f"{spec} is a {type(obj).__name__}, not a module class, factory or instance")
    if not isinstance(model, nn.Module):
        raise LwprofError(f"{spec}({_show(args)}) returned a {type(model).__name__}, not an nn.Module")
    size = getattr(model, "input_size", None) or getattr(obj, "input_size", None)
    return model, tuple(int(s) for s in size) if size else None


def _import(target: str) -> Any:
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        if not path.is_file():
            raise LwprofError(f"model file {target!r} does not exist")
        module_name = f"lwprof_user_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise LwprofError(f"cannot import {target!r}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        sys.path.insert(0, str(path.resolve().parent))
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            raise LwprofError(f"importing {target} failed: {type(exc).__name__}: {_first_line(exc)}") from None
        finally:
            sys.path.remove(str(path.resolve().parent))
        return module
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        raise LwprofError(f"no module named {exc.name or target!r} (for a file, give its path ending in .py)") from None
    except Exception as exc:
        raise LwprofError(f"importing {target} failed: {type(exc).__name__}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def _show(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())
