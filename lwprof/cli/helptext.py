"""``--help`` as short plain text: usage, what the command does, its options in panels, examples.

Typer's rich help puts each option in a five-column box (name, negative name, type, help,
default), which at 80 columns leaves the help a third of the width and made ``lwprof summary
--help`` 213 lines. This renders two columns instead, the way click and git do: the option
with its value (``--batch N``, ``--fvcore/--no-fvcore`` for a switch, never ``<bool>``), then
its help wrapped to the terminal, then its default in brackets (``[fp32]``). The command's docstring is read as
the small Markdown it is written in (``**Examples**``, ``* `lwprof ...`: what it shows``).

Importing this module does not import torch (nor rich).
"""

from __future__ import annotations

import enum
import os
import shutil
import textwrap
import typing
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["command_help", "group_help", "live_help", "width"]

GAP = 2  # spaces between the option column and its help
LEFT = 24  # the option column (an option longer than this puts its help on the next line)
PANEL_ORDER = ("Arguments", "Model", "Profiling", "Architecture", "Output", "Options")


def width() -> int:
    """The terminal's width (``COLUMNS`` when set), between 60 and 100."""
    env = os.environ.get("COLUMNS", "")
    cols = int(env) if env.isdigit() else shutil.get_terminal_size((80, 24)).columns
    return max(60, min(cols, 100))


def _unmarked(text: str) -> str:
    """A docstring's Markdown as plain text: no backticks or bold, one line per paragraph."""
    return " ".join(text.replace("**", "").replace("`", "").split())


def _wrap(text: str, indent: int, cols: int, first: str = "") -> list[str]:
    """``text`` wrapped at ``cols``, every line indented ``indent``; the first after ``first``."""
    lead = first.ljust(indent) if len(first) <= indent - GAP or not first else None
    body_width = max(cols - indent, 20)
    lines = textwrap.wrap(text, body_width, break_on_hyphens=False) or [""]
    pad = " " * indent
    if lead is None:  # the option is too long: its help starts on the next line
        return [first.rstrip()] + [pad + line for line in lines if line]
    return [lead + lines[0]] + [pad + line for line in lines[1:]]


def _kind(param: Any) -> Any:
    """The option's Python type (Typer's annotation without Optional or list), or click's type name."""
    ann = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if typing.get_origin(ann) in (list, tuple):
        ann = typing.get_args(ann)[0]
    if ann is None:
        return getattr(getattr(param, "type", None), "name", "")
    return ann


def _choices(param: Any) -> list[str]:
    kind = _kind(param)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [str(k.value) for k in kind]
    return []


def _metavar(param: Any) -> str:
    """What follows the option on the command line: N, X, a name, or nothing for a switch."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if getattr(param, "metavar", None):
        return str(param.metavar)
    kind = _kind(param)
    if kind is int or kind == "integer":
        return "N"
    if kind is float or kind == "float":
        return "X"
    if _choices(param):
        return param.name.upper().replace("_", "-")
    return "TEXT" if param.param_type_name == "option" else param.name.upper()


def _default(param: Any) -> str:
    """``[default: ...]`` when the option has a default worth saying."""
    if param.param_type_name != "option" or param.show_default is False or getattr(param, "hidden", False):
        return ""
    value = param.default
    if callable(value) or value is None or value == () or value == []:
        return ""
    if getattr(param, "is_flag", False):
        if not param.secondary_opts:
            return ""  # a plain switch is off unless given
        return f"[{param.opts[0] if value else param.secondary_opts[0]}]"
    value = getattr(value, "value", value)
    return f"[{value}]"


def _name(param: Any) -> str:
    if param.param_type_name == "argument":
        name = str(param.metavar or param.name.upper())
        return f"{name}..." if param.nargs != 1 else name
    short = [o for o in param.opts if not o.startswith("--")]
    long = [o for o in param.opts if o.startswith("--")]
    text = ", ".join(short + long)
    if param.secondary_opts:
        text += "/" + "/".join(param.secondary_opts)
    meta = _metavar(param)
    return f"{text} {meta}" if meta else text


def live_help(text: str) -> str:
    """Help that names what a registry holds now: ``{formats}`` is the registered output formats."""
    if "{formats}" in text:
        from lwprof.render.export import list_formats

        text = text.replace("{formats}", ", ".join(f.name for f in list_formats()))
    return text


def _help(param: Any) -> str:
    text = live_help(_unmarked(getattr(param, "help", None) or ""))
    choices = _choices(param)
    if choices and not getattr(param, "is_flag", False):
        if not any(c in text for c in choices[:2]):
            text = f"{text} ({', '.join(choices)})" if text else ", ".join(choices)
    if getattr(param, "multiple", False) and "repeat" not in text.lower():
        text += " (repeatable)"
    return " ".join(part for part in (text, _default(param)) if part)


def _panel(param: Any) -> str:
    if param.param_type_name == "argument":
        return "Arguments"
    return getattr(param, "rich_help_panel", None) or "Options"


def _panels(params: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for param in params:
        if getattr(param, "hidden", False) or _is_help(param):  # -h/--help: said once, in lwprof --help
            continue
        groups.setdefault(_panel(param), []).append(param)
    rank = {name: i for i, name in enumerate(PANEL_ORDER)}
    return sorted(groups.items(), key=lambda item: rank.get(item[0].split(" (")[0], len(rank)))


def _description(doc: str, cols: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The docstring's paragraphs (wrapped) and its examples (command, what it shows)."""
    out: list[str] = []
    examples: list[tuple[str, str]] = []
    in_examples = False
    for para in textwrap.dedent(doc).strip().split("\n\n"):
        text = para.strip()
        if text.replace("*", "").strip().lower() == "examples":
            in_examples = True
            continue
        if in_examples and text.startswith("*"):
            for item in text.split("\n"):
                item = item.strip().lstrip("*").strip()
                if item.startswith("`") and "`" in item[1:]:
                    command, _, rest = item[1:].partition("`")
                    examples.append((command, _unmarked(rest.lstrip(":").strip())))
            continue
        if out:
            out.append("")
        out += textwrap.wrap(_unmarked(text), cols - 2, initial_indent="  ", subsequent_indent="  ") or [""]
    return out, examples


def _example_lines(examples: Sequence[tuple[str, str]], cols: int) -> list[str]:
    lines = []
    for command, what in examples:
        shown = f"  {command}"
        if what and len(shown) + 5 + len(what) <= cols:
            lines.append(f"{shown}   # {what}")
        else:
            lines.append(shown)
            if what:
                lines += textwrap.wrap(f"# {what}", cols - 6, initial_indent="      ", subsequent_indent="        ")
    return lines


def _usage(command: Any, ctx: Any) -> str:
    pieces = ["[OPTIONS]"]
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            name = _name(param)
            pieces.append(name if param.required else f"[{name}]")
    return " ".join(pieces)


def _is_help(param: Any) -> bool:
    return "--help" in getattr(param, "opts", ())


def command_help(command: Any, ctx: Any) -> str:
    """The whole ``--help`` of one command."""
    cols = width()
    lines = [f"Usage: {ctx.command_path} {_usage(command, ctx)}".rstrip(), ""]
    description, examples = _description(command.help or "", cols)
    lines += description
    for title, params in _panels(command.get_params(ctx)):
        lines += ["", f"{title}:"]
        for param in params:
            lines += _wrap(_help(param), LEFT + GAP, cols, first=f"  {_name(param)}")
    if examples:
        lines += ["", "Examples:"] + _example_lines(examples, cols)
    return "\n".join(lines) + "\n"


def group_help(group: Any, ctx: Any) -> str:
    """``lwprof --help``: what it is, the commands with their first lines, the options."""
    cols = width()
    lines = [f"Usage: {ctx.command_path} [OPTIONS] COMMAND [ARGS]...", ""]
    description, _ = _description(group.help or "", cols)
    lines += description + ["", "Commands:"]
    names = [n for n in group.list_commands(ctx) if not group.get_command(ctx, n).hidden]
    left = max(len(n) for n in names) + 4 if names else LEFT
    for name in names:
        first = _unmarked((group.get_command(ctx, name).help or "").strip().split("\n\n")[0])
        lines += _wrap(first, left, cols, first=f"  {name}")
    lines += ["", "Options:"]
    for param in group.get_params(ctx):
        if not getattr(param, "hidden", False):
            lines += _wrap(_help(param), LEFT + GAP, cols, first=f"  {_name(param)}")
    return "\n".join(lines) + "\n"
