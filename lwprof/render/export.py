"""Exports: Markdown (via tabulate), CSV and TSV with exact integers, JSON, and atomic writes.

* The output formats are one registry (:func:`register_format`): ``--format``'s choices, the
  format an ``-o FILE``'s suffix picks and ``--format``'s help all come from it, so a new
  format is one decorated function here (or in your own module), nothing else.
* ``to_markdown``, ``to_delimited`` and the ``*_dict`` builders are pure; the file functions
  at the end (:func:`check_writable`, :func:`check_targets`, :func:`write_atomic`,
  :func:`file_lock`) are the ones that touch the file system.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import errno
import io
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lwprof.errors import LwprofError, os_error_text
from lwprof.records import CONVENTIONS, ColumnKind, Comparison, LayerComparison
from lwprof.registries import restored
from lwprof.render import grid as g

if TYPE_CHECKING:
    from lwprof.render.console import Output

__all__ = [
    "ExportFormat",
    "GRID_FORMATS",
    "check_dict",
    "check_targets",
    "choose_format",
    "compare_dict",
    "export_grid",
    "export_cell",
    "find_format",
    "format_names",
    "layer_dict",
    "list_formats",
    "override_format",
    "register_format",
    "scoped_formats",
    "to_delimited",
    "to_json",
    "to_markdown",
    "unregister_format",
    "check_writable",
    "file_lock",
    "probe_folder",
    "probe_writable",
    "write_atomic",
]


GRID_FORMATS = ("markdown", "csv", "tsv")  # what export_grid writes: one table as text

# --------------------------------------------------------------------------------------------
# The formats: one registry


Writer = Callable[["Output", bool], Any]  # (the result, to a file?) -> its text (a table on stdout: a rich renderable)


@dataclass(frozen=True)
class ExportFormat:
    """One output format.

    Attributes:
        name: What ``--format`` takes ("csv").
        write: ``write(result, to_file)``: the :class:`~lwprof.render.console.Output` in this
            format, as text; a format for people may return a rich renderable when it is printed
            on a terminal (``to_file`` False), as the table does.
        suffixes: The ``-o FILE`` suffixes that pick it when ``--format`` is not given (".csv").
        help: One short line: what it is for (``lwprof explain formats``).
    """

    name: str
    write: Writer
    suffixes: tuple[str, ...]
    help: str


_FORMATS: dict[str, ExportFormat] = {}
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")


def register_format(name: str, *, suffix: str | Sequence[str] = (), help: str) -> Callable[[Writer], Writer]:
    """Registers an output format: ``@register_format("tsv", suffix=".tsv", help="...")`` on its writer.

    Args:
        name: The ``--format`` value (lower case: letters, digits, - and _).
        suffix: The file suffix(es) that pick this format for ``-o FILE`` (".tsv"), each starting with ".".
        help: One short line shown by ``lwprof explain formats``.

    Raises:
        RuntimeError: The name is registered already (as torch's flop registry refuses a second formula).
        ValueError: A malformed name or suffix, or a suffix another format has.
    """
    suffixes = (suffix,) if isinstance(suffix, str) else tuple(suffix)
    if not _NAME.match(name):
        raise ValueError(f"format name {name!r}: use lower-case letters, digits, - and _ (starting with a letter)")
    bad = [x for x in suffixes if not x.startswith(".") or len(x) < 2 or x != x.lower() or "/" in x]
    if bad:
        raise ValueError(f"format {name!r}: suffix {bad[0]!r} must be '.' and a lower-case extension, e.g. '.tsv'")
    if name in _FORMATS:
        raise RuntimeError(f"format {name!r} is registered already (unregister_format or override_format first)")
    taken = {x: f.name for f in _FORMATS.values() for x in f.suffixes}
    clash = [x for x in suffixes if x in taken]
    if clash:
        raise ValueError(f"format {name!r}: suffix {clash[0]!r} already picks format {taken[clash[0]]!r}")

    def deco(write: Writer) -> Writer:
        _FORMATS[name] = ExportFormat(name, write, suffixes, help)
        return write

    return deco


def unregister_format(name: str) -> None:
    """Removes a format.

    Raises:
        KeyError: No format has that name.
    """
    if name not in _FORMATS:
        raise KeyError(f"no format {name!r}; registered: {format_names()}")
    del _FORMATS[name]


@contextlib.contextmanager
def scoped_formats() -> Iterator[None]:
    """Every format registered, replaced or removed inside the block is undone on exit."""
    with restored(_FORMATS):
        yield


@contextlib.contextmanager
def override_format(name: str, *, write: Writer, suffix: str | Sequence[str] | None = None, help: str | None = None) -> Iterator[ExportFormat]:
    """``write`` writes format ``name`` inside the block (its suffixes and help kept unless given); restored on exit."""
    with scoped_formats():
        order = list(_FORMATS)
        old = _FORMATS.pop(name, None)
        register_format(
            name, suffix=(old.suffixes if old else ()) if suffix is None else suffix, help=(old.help if old else "") if help is None else help
        )(write)
        if old is not None:  # keep its place in --format's choices
            entries = {k: _FORMATS[k] for k in order}
            _FORMATS.clear()
            _FORMATS.update(entries)
        yield _FORMATS[name]


def list_formats() -> tuple[ExportFormat, ...]:
    """Every format, in the order registered."""
    return tuple(_FORMATS.values())


def format_names() -> str:
    """The formats for a message or ``--help``: "table, markdown, csv, tsv or json"."""
    names = list(_FORMATS)
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def find_format(name: str) -> ExportFormat | None:
    """The format named ``name`` (any case, spaces around ignored), or None."""
    return _FORMATS.get(name.strip().lower())


def choose_format(name: str | None, output: str | None = None) -> ExportFormat:
    """The format to write: ``name`` when given, else the one ``output``'s suffix picks
    (``-o layers.csv``: csv), else the table.

    Raises:
        LwprofError: ``name`` is not a registered format.
    """
    if name is not None:
        found = find_format(name)
        if found is None:
            raise LwprofError(f"no format {name!r}; choose {format_names()}")
        return found
    if output is not None and output != "-":
        suffix = Path(output).suffix.lower()
        picked = next((f for f in _FORMATS.values() if suffix and suffix in f.suffixes), None)
        if picked is not None:
            return picked
    if "table" not in _FORMATS:
        raise LwprofError(f"no --format given and no table format registered; choose {format_names()}")
    return _FORMATS["table"]


@register_format("table", suffix=".txt", help="a table for people: rich on a terminal, plain text in a file")
def _table(out: Output, to_file: bool) -> Any:
    from lwprof.render.console import render_text

    return render_text(out.view()) if to_file else out.view()


@register_format("markdown", suffix=(".md", ".markdown"), help="a GitHub Markdown table with its title and notes")
def _markdown(out: Output, to_file: bool) -> str:
    return export_grid(out.grid(), "markdown")


@register_format("csv", suffix=".csv", help="comma-separated rows, exact integers, no total row (the rows sum to it)")
def _csv(out: Output, to_file: bool) -> str:
    return export_grid(out.grid(), "csv")


@register_format("tsv", suffix=".tsv", help="the CSV's rows separated by tabs")
def _tsv(out: Output, to_file: bool) -> str:
    return export_grid(out.grid(), "tsv")


@register_format("json", suffix=".json", help="every field, exact integers, for scripts")
def _json(out: Output, to_file: bool) -> str:
    return to_json(out.data())


def export_cell(value: Any, kind: str) -> str:
    """One cell for a file: exact integers (counts, bytes), shares as percentages, ratios to 4
    decimals, milliseconds and other floats to 6 significant digits (integers stay integers).

    A :class:`~lwprof.render.grid.Cell` is written as its exact value, a timing (anything with
    ``median_s``) as its median in milliseconds.
    """
    if isinstance(value, g.Cell):
        value = value.value
    if value is None:
        return ""
    if kind in (ColumnKind.COUNT, ColumnKind.BYTES):
        return str(int(value))
    if kind == ColumnKind.SHARE:
        return f"{100 * value:.2f}"
    if kind == ColumnKind.RATIO:
        return f"{value:.4f}"
    if kind == ColumnKind.MS and hasattr(value, "median_s"):
        value = value.median_s * 1e3
    if kind in (ColumnKind.FLOAT, ColumnKind.MS):
        return str(value) if isinstance(value, int) else f"{value:.6g}"
    return str(value)


def _columns(grid: g.Grid) -> list[tuple[int, g.Column]]:
    return [(i, c) for i, c in enumerate(grid.columns) if c.in_export]


def _rows(grid: g.Grid, *, with_total: bool) -> list[list[str]]:
    cols = _columns(grid)
    rows = [[export_cell(row[i], c.kind) for i, c in cols] for row in grid.rows]
    if with_total and grid.total is not None:
        rows.append([export_cell(grid.total[i], c.kind) for i, c in cols])
    return rows


def to_markdown(grid: g.Grid, *, heading: bool = True, notes: bool = True) -> str:
    """A GitHub-flavoured Markdown table (exact integers), with its title and notes.

    Args:
        grid: The table.
        heading: Start with the title as a level-3 heading.
        notes: End with the notes, one paragraph line each.
    """
    from tabulate import tabulate

    headers = [c.header for _, c in _columns(grid)]
    align = ["right" if c.numeric else "left" for _, c in _columns(grid)]
    body = tabulate(_rows(grid, with_total=True), headers=headers, tablefmt="github", disable_numparse=True, colalign=align)
    parts = []
    if heading and grid.title:
        parts.append(f"### {grid.title}\n\n")
    parts.append(body + "\n")
    if notes and grid.notes:
        parts.append("\n" + "".join(f"{line}  \n" for line in grid.notes))
    return "".join(parts)


def to_delimited(grid: g.Grid, delimiter: str = ",") -> str:
    """CSV (``delimiter=","``) or TSV (``"\\t"``): a header of machine names, then the rows.

    The total row and notes are left out, so every numeric column sums to the total.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow([c.name for _, c in _columns(grid)])
    writer.writerows(_rows(grid, with_total=False))
    return buf.getvalue()


def export_grid(grids: g.Grid | Sequence[g.Grid], fmt: str) -> str:
    """Markdown, CSV or TSV of one grid or several (Markdown: one after the other; CSV and
    TSV: separated by a blank line).

    Args:
        grids: The table(s).
        fmt: "markdown", "csv" or "tsv".

    Raises:
        ValueError: Any other format (tables and JSON are rendered elsewhere).
    """
    fmt = str(getattr(fmt, "value", fmt))
    items = [grids] if isinstance(grids, g.Grid) else list(grids)
    if fmt == "markdown":
        return "\n".join(to_markdown(x) for x in items)
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        return "\n".join(to_delimited(x, sep) for x in items)
    raise ValueError(f"export_grid renders {', '.join(GRID_FORMATS)}, not {fmt!r}")


def to_json(data: Any) -> str:
    """Indented JSON with a final newline; integers stay exact."""
    return json.dumps(data, indent=2, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# --------------------------------------------------------------------------------------------
# JSON shapes beyond records.to_dict()


def compare_dict(comparison: Comparison, published: Sequence[Any] | None = None) -> dict[str, Any]:
    """``lwprof compare --format json``: ``Comparison.to_dict()`` plus, per variant, the
    ratios to the first variant, the published numbers (or None), the cross-check verdict and
    params/MACs by layer category."""
    out = comparison.to_dict()
    published = list(published) if published is not None else [None] * len(comparison.variants)
    base = comparison.baseline.profile
    for entry, v, pub in zip(out["variants"], comparison.variants, published):
        p = v.profile
        entry["macs_ratio"] = p.macs / base.macs if base.macs else None
        entry["params_ratio"] = p.params / base.params if base.params else None
        entry["published"] = dict(pub) if pub else None
        entry["crosscheck"] = str(p.verdict)
        entry["by_category"] = {cat: {"params": pc, "macs": mc} for cat, (pc, mc) in p.by_category().items()}
    return out


def layer_dict(variants: LayerComparison) -> dict[str, Any]:
    """``lwprof layer --format json``: every realisation with exact counts and formulas."""
    base = variants[0][1]
    return {
        "input_shape": list(base.input_shape),
        "output_shape": list(base.output_shape) if base.output_shape else None,
        "conventions": CONVENTIONS,
        "eq5_predicted_dwsep_ratio": variants.eq5_ratio,
        "notes": [n.text for n in variants.notes],
        "variants": [
            {
                "label": label,
                "params": p.params,
                "macs": p.macs,
                "flops": p.flops,
                "params_ratio": p.params / base.params if base.params else None,
                "macs_ratio": p.macs / base.macs if base.macs else None,
                "formula": " + ".join(r.formula for r in p.leaves() if r.formula and r.macs),
                "layers": [
                    {"name": r.name, "type": r.type, "params": r.params, "macs": r.macs, "output_shape": list(r.output_shape or ()), "formula": r.formula}
                    for r in p.leaves()
                ],
            }
            for label, p in variants
        ],
    }


def check_dict(results: Sequence[Any]) -> dict[str, Any]:
    """``lwprof check --format json``: every check as a dict, and whether all passed."""
    import dataclasses

    rows = [{k: str(v) if isinstance(v, enum.Enum) else v for k, v in dataclasses.asdict(r).items()} for r in results]
    failed = sum(r.status == "fail" for r in results)
    return {"passed": failed == 0, "count": len(rows), "failed": failed, "checks": rows}


# --------------------------------------------------------------------------------------------
# Files

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_writable(path: str | os.PathLike[str], force: bool = False, what: str = "--output", remedy: str | None = None) -> Path:
    """Fails early when ``path`` cannot be written by :func:`write_atomic`; returns the file to write.

    A symbolic link is followed (the file it points to is replaced, the link kept). Only a
    regular file is ever replaced: a device, a pipe or a socket in its place is refused, with
    ``force`` too. Every message names the path, what is wrong, and what to change (``remedy``,
    by default: give ``what`` another path).

    Raises:
        LwprofError: An empty name, a name ending in '/', a directory, a missing folder, a
            name longer than the file system allows, a target that is not a regular file, or
            an existing file without ``force``.
    """
    raw = os.fspath(path)
    if not raw:
        raise LwprofError(f"{what} needs a file name")
    shown = repr(raw)
    fix = remedy or f"give {what} another path"
    if raw.endswith(("/", os.sep)) or (os.altsep and raw.endswith(os.altsep)):
        raise LwprofError(f"cannot write {shown}: a name ending in '/' is a directory; give a file name, e.g. {raw.rstrip('/' + os.sep)}/out.json")
    target = Path(os.path.realpath(raw)) if os.path.islink(raw) else Path(raw)
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        blocking = next((p for p in target.parents if os.path.lexists(p) and not p.is_dir()), target.parent)
        raise LwprofError(f"cannot write {shown}: directory {str(blocking)!r} is not a directory; {remedy or f'give {what} another path'}") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG and target.parent.is_dir():
            raise LwprofError(f"cannot write {shown}: the file name is longer than the {_name_max(target.parent)} bytes this file system allows; {remedy or f'give {what} a shorter name'}") from None
        raise LwprofError(f"cannot write {shown}: {os_error_text(exc)}; {fix}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise LwprofError(f"cannot write {shown}: it is a directory; {remedy or f'give {what} a file name'}")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise LwprofError(f"cannot write {shown}: it is not a regular file (a device, pipe or socket); lwprof only replaces files, so {remedy or 'print to stdout and redirect instead'}")
    parent = target.parent
    if not parent.is_dir():
        missing = "is not a directory" if parent.exists() else "does not exist"
        raise LwprofError(f"cannot write {shown}: directory {str(parent)!r} {missing}; {remedy or f'create it first, or give {what} another path'}")
    if len(os.fsencode(target.name)) > _name_max(parent):
        raise LwprofError(f"cannot write {shown}: the file name is longer than the {_name_max(parent)} bytes this file system allows; {remedy or f'give {what} a shorter name'}")
    if info is not None and not force:
        raise LwprofError(f"{shown} already exists; pass --force to overwrite it")
    return target


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # pragma: no cover - not POSIX
        return 255


def probe_writable(path: str | os.PathLike[str], force: bool = False, what: str = "--output", remedy: str | None = None) -> Path:
    """:func:`check_writable`, then creates and removes a scratch file beside ``path``: the
    folder really takes new files (a read-only mount, ``/proc``, no permission).

    Raises:
        LwprofError: As :func:`check_writable`, or the folder refuses a new file.
    """
    target = check_writable(path, force, what, remedy)
    scratch = _temp_name(target)
    try:
        os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise LwprofError(f"cannot write {os.fspath(path)!r}: {os_error_text(exc)}; {remedy or f'give {what} a path in a folder you can write'}") from None
    with contextlib.suppress(OSError):
        os.unlink(scratch)
    return target


def probe_folder(folder: str | os.PathLike[str], what: str, remedy: str) -> None:
    """Checks that ``folder`` is a folder that takes files, or can be created (a cache's
    folder, made when first written): the nearest part of it that exists must be a folder
    that takes a new entry. Creates nothing that stays.

    Raises:
        LwprofError: ``folder`` (or a part of it) is a file or a device, or refuses new entries.
    """
    shown = os.fspath(folder)
    here = Path(os.path.abspath(shown))
    while not os.path.lexists(here) and here.parent != here:
        here = here.parent
    try:
        info = here.stat()
    except OSError as exc:
        raise LwprofError(f"cannot use {shown!r} for {what}: {str(here)!r}: {os_error_text(exc)}; {remedy}") from None
    if not stat.S_ISDIR(info.st_mode):
        kind = "a file" if stat.S_ISREG(info.st_mode) else "a device, pipe or socket"
        which = "it is" if str(here) == os.path.abspath(shown) else f"{str(here)!r} is"
        raise LwprofError(f"cannot use {shown!r} for {what}: {which} {kind}, not a folder; {remedy}")
    if str(here) == os.path.abspath(shown):
        return  # it exists: probe_writable tries a file in it
    scratch = here / f".lwprof-probe-{secrets.token_hex(4)}"
    try:
        os.mkdir(scratch)
    except OSError as exc:
        raise LwprofError(f"cannot create {shown!r} for {what}: {str(here)!r} refuses new folders: {os_error_text(exc)}; {remedy}") from None
    with contextlib.suppress(OSError):
        os.rmdir(scratch)


def check_targets(output: str | None, plot: str | None = None, force: bool = False) -> None:
    """Checks every file a command will write, before any work: each writable (tried, see
    :func:`probe_writable`), a plot name ending in .png, .svg or .pdf, and not the same file twice.

    Raises:
        LwprofError: A target that cannot be written, a plot name with another suffix, or
            ``--output`` and ``--plot`` naming one file.
    """
    if plot is not None and Path(plot).suffix.lower() not in PLOT_SUFFIXES:
        raise LwprofError(f"plot file {plot!r} must end in {', '.join(PLOT_SUFFIXES)}")
    out = probe_writable(output, force) if output is not None else None
    if plot is not None:
        drawn = probe_writable(plot, force, what="--plot")
        if out is not None and os.path.abspath(out) == os.path.abspath(drawn):
            raise LwprofError(f"--output and --plot both name {output!r}; give them different files")


def _temp_name(target: Path) -> Path:
    """A hidden name beside ``target`` that fits the file system's name limit."""
    suffix = f".{secrets.token_hex(4)}.tmp"
    room = max(1, _name_max(target.parent) - len(suffix) - 1)
    stem = os.fsencode(target.name)[:room].decode("utf-8", "ignore") or "lwprof"
    return target.parent / f".{stem}{suffix}"


def write_atomic(path: str | os.PathLike[str], text: str | bytes, force: bool = False) -> Path:
    """Writes ``text`` to ``path`` all at once: a temporary file in the same folder, then a
    rename, so readers never see half a file and a failed write leaves nothing behind.

    Args:
        path: The file to write (a symbolic link: the file it points to).
        text: Its content: text (written as UTF-8) or bytes (a PNG, say).
        force: Replace an existing file (keeping its permission bits); without it an
            existing file is an error, also when another process creates it meanwhile.

    Returns:
        The path written.

    Raises:
        LwprofError: The file exists (and ``force`` is off), the folder does not exist, the
            path is a folder or not a regular file, or the file system refuses the write.
    """
    if not isinstance(text, (str, bytes)):
        raise TypeError(f"write_atomic writes str or bytes, not {type(text).__name__}")
    target = check_writable(path, force)
    tmp = _temp_name(target)
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        created = True
        with os.fdopen(fd, "wb") as fh:
            fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            with contextlib.suppress(OSError):  # an existing file keeps its permissions
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            os.replace(tmp, target)
        else:
            _link_new(tmp, target, path)
    except OSError as exc:
        raise LwprofError(f"cannot write {os.fspath(path)!r}: {exc.strerror or exc}") from None
    finally:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def _link_new(tmp: Path, target: Path, shown: str | os.PathLike[str]) -> None:
    """Moves ``tmp`` to ``target`` only if ``target`` does not exist (no race with others)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise LwprofError(f"{os.fspath(shown)!r} already exists; pass --force to overwrite it") from None
    except OSError:
        # A file system without hard links: the check above is the best we can do.
        if target.exists():
            raise LwprofError(f"{os.fspath(shown)!r} already exists; pass --force to overwrite it") from None
        os.replace(tmp, target)


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Holds an exclusive lock for a read-modify-write of ``path`` (``lwprof pin``).

    The lock is ``fcntl.flock`` on a hidden sidecar file ``.NAME.lock`` beside ``path``,
    removed again on release. A process that locked a sidecar another one has since removed
    retries with the new one, so two holders never overlap.

    Raises:
        LwprofError: The folder does not take the sidecar file.
    """
    import fcntl

    target = Path(path)
    lock = target.parent / f".{os.fsencode(target.name)[: _name_max(target.parent) - 6].decode('utf-8', 'ignore')}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise LwprofError(f"cannot lock {os.fspath(path)!r} for updating: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)  # the sidecar was removed (and maybe re-created) while we waited
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)
