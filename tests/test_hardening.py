"""The README's promises under attack (issue 14), where the bad-input catalogue cannot reach.

The catalogue (tests/test_bad_inputs.py) runs one command per case through CliRunner and
checks exit 2, one ``error:`` line and an untouched scratch directory. This file covers what
needs more than that:

* streams, in real processes: stdout closed, full or a broken pipe; an ASCII-only encoding;
  COLUMNS=0 on a terminal; a model printing at the file descriptor while ``--format json``
  goes to stdout;
* exit codes other than 2 (130 on Ctrl-C), and the last line of defence for a bug;
* real allocations guarded: the cross-check skipped with a note naming the flag that avoids it;
* files: long names, links, permissions, special files, UTF-16 and BOM expectations files;
* data loss: the result and the plot written both or neither; SVG and PDF plots;
* ``pin``: comments, budgets and other entries kept byte for byte; model paths relative to the
  expectations file, checked from anywhere; two concurrent pins (20 rounds) keep both entries.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pty
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lwprof import cli

__all__: list[str] = []

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "tests/data/hostile.py"
USER = "tests/data/user_net.py"
R32 = ("--resolution", "32", "--no-fvcore")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # specs of tests/data/ are relative to the repository root


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(cli.app, list(args), env=env)


def one_error_line(result: Any, code: int = 2) -> str:
    """Asserts exit ``code``, nothing on stdout, no traceback and one ``error:`` line; returns it."""
    where = f"--- stdout:\n{result.stdout}\n--- stderr:\n{result.stderr}"
    assert result.exit_code == code, where
    assert result.exception is None or isinstance(result.exception, SystemExit), (result.exception, where)
    assert result.stdout == "" and "Traceback" not in result.stderr, where
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), where
    return lines[0]


def lwprof_command() -> list[str]:
    script = Path(sys.executable).with_name("lwprof")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lwprof.cli"]


def shell(command: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Runs ``lwprof <command>`` through a shell (for redirections such as ``>&-``)."""
    line = " ".join(shlex.quote(p) for p in lwprof_command()) + " " + command
    return subprocess.run(line, shell=True, capture_output=True, cwd=ROOT, env={**os.environ, **env}, timeout=300)


def stderr_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------
# Streams (real processes)


def test_closed_stdout_is_one_error_line_and_an_output_file_still_works(tmp_path: Path) -> None:
    done = shell("list >&-")
    assert done.returncode == 2 and stderr_lines(done) == ["error: cannot print the result: stdout is closed; write it to a file with --output FILE"]
    target = tmp_path / "list.csv"
    done = shell(f"list -f csv -o {shlex.quote(str(target))} >&-")
    assert done.returncode == 0 and stderr_lines(done) == [f"wrote {target}"]
    assert target.read_text().startswith("arch,")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_stdout_is_one_error_line_not_a_silent_success() -> None:
    for command in ("list -f json > /dev/full", "list > /dev/full"):  # a plain write and rich's console
        done = shell(command)
        assert done.returncode == 2, (command, done.stderr)
        assert stderr_lines(done) == ["error: cannot print the result: stdout refused it: No space left on device; write it to a file with --output FILE"]


@pytest.mark.parametrize("args", [["list", "-f", "csv"], ["list"], ["--help"]], ids=["csv", "rich-table", "help"])
def test_broken_pipe_exits_quietly_with_141(args: list[str]) -> None:
    proc = subprocess.Popen([*lwprof_command(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before lwprof writes (`lwprof ... | true`)
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 141, err
    assert err == b""


def test_ascii_only_stdout_prints_stand_ins_instead_of_failing() -> None:
    done = shell("summary shufflenet --depth 2 --no-fvcore", PYTHONIOENCODING="ascii")  # box lines otherwise
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")  # raises if anything else came through
    assert "shufflenet_v1" in text and "+----" in text and "Traceback" not in done.stderr.decode()


def test_columns_zero_on_a_terminal_still_prints_the_table() -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen([*lwprof_command(), "list"], stdout=slave, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "COLUMNS": "0"})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    assert b"mobilenet_v1" in b"".join(chunks)


@pytest.mark.parametrize("columns", ["0", "abc", "-5", "99999999999"])
def test_odd_columns_print_the_same_as_no_columns(columns: str) -> None:
    plain = invoke("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12")
    odd = invoke("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", env={"COLUMNS": columns})
    assert odd.exit_code == 0 and odd.stdout.strip()
    if columns != "99999999999":
        assert odd.stdout == plain.stdout
    else:  # capped, not a 100-billion-character line
        assert max(len(line) for line in odd.stdout.splitlines()) <= 1000


def test_a_model_printing_at_the_file_descriptor_keeps_json_clean() -> None:
    spec_a, spec_b = "tests/data/prints_at_import.py:Net", f"{HOSTILE}:Printer"
    command = [*lwprof_command(), "compare", spec_a, spec_b, "--no-fvcore", "-f", "json"]
    done = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # print(), sys.__stdout__ and os.write(1, ...) all went to stderr
    assert [v["label"] for v in data["variants"]] == [spec_a, spec_b]
    err = done.stderr.decode()
    for line in ("hello from import", "hello on sys.__stdout__", "hello at fd 1", "building Printer", "Printer.forward at fd 1"):
        assert line in err


def test_a_model_printing_keeps_json_clean_in_process() -> None:
    result = invoke("summary", f"{HOSTILE}:Printer", "--no-fvcore", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["macs"] == 4 * 6 * 6 * 27
    assert "building Printer" in result.stderr and "Printer.forward" in result.stderr


def test_usage_errors_are_one_line_in_a_real_process_and_help_still_works() -> None:
    done = shell("summary mobilenet --bogus")
    assert done.returncode == 2
    assert stderr_lines(done) == ["error: No such option: --bogus (Possible options: --groups) (see 'lwprof summary --help')"]
    assert done.stdout == b""
    done = shell("summary --help")
    assert done.returncode == 0 and b"Usage: lwprof summary" in done.stdout and done.stderr == b""
    done = shell("")  # no command: the help, and exit 2 as a usage error
    assert done.returncode == 2 and b"Usage: lwprof" in done.stdout


# --------------------------------------------------------------------------------------------
# Exit codes other than 2, and the last line of defence


def test_ctrl_c_in_user_code_exits_130_with_one_line() -> None:
    assert one_error_line(invoke("summary", f"{HOSTILE}:InterruptInForward", "--no-fvcore"), code=130) == "error: interrupted"


def test_an_unexpected_exception_is_one_line_unless_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof import api

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(api, "layer_variants", boom)
    args = ("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12")
    assert one_error_line(invoke(*args)) == "error: unexpected RuntimeError: boom (LWPROF_DEBUG=1 shows where)"
    debug = invoke(*args, env={"LWPROF_DEBUG": "1"})
    assert isinstance(debug.exception, RuntimeError)


def test_a_failed_budget_is_1_and_a_broken_spec_is_2() -> None:
    over = invoke("summary", "mobilenet", *R32, "--max-macs", "1k")
    assert over.exit_code == 1 and over.stderr.startswith("OVER BUDGET: --max-macs 1k")
    one_error_line(invoke("summary", "mobilenet@alpha=inf", *R32))


# --------------------------------------------------------------------------------------------
# Real allocations: estimated first


@pytest.mark.parametrize(
    ("options", "flags"),
    [(("--alpha", "100"), "use a smaller --alpha or --num-classes"), (("--num-classes", "1000000000"), "use a smaller --alpha or --num-classes")],
)
def test_a_huge_model_skips_the_cross_check_with_a_note(options: tuple[str, ...], flags: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import lwprof.counting.crosscheck as crosscheck

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the cross-check ran a real forward pass")

    monkeypatch.setattr(crosscheck, "attach_crosschecks", never)
    result = invoke("summary", "mobilenet", "--resolution", "32", *options, "-f", "json")  # the cross-check is on by default
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    note = data["crosscheck_note"]
    assert note.startswith("skipped: a real forward pass would need about ") and "--no-fvcore skips the check" in note and flags in note
    assert data["totals"]["fvcore_macs"] is None and data["totals"]["macs"] > 10**9


def test_lwprof_max_memory_bounds_the_cross_check_too() -> None:
    result = invoke("summary", "mobilenet", "--resolution", "64", "-f", "json", env={"LWPROF_MAX_MEMORY": "1MiB"})
    assert result.exit_code == 0, result.stderr
    note = json.loads(result.stdout)["crosscheck_note"]
    assert "more than the 1.00 MiB the cross-check may use" in note and "--alpha or --num-classes" in note  # the weights dominate
    line = one_error_line(invoke("summary", "mobilenet", "--resolution", "32", env={"LWPROF_MAX_MEMORY": "lots"}))
    assert line == "error: LWPROF_MAX_MEMORY: cannot read 'lots' as a memory size; write e.g. 8GiB, 512MiB or 4G"


# --------------------------------------------------------------------------------------------
# Files


def test_an_output_name_of_255_bytes_is_written_without_a_temp_file_left(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 251 + ".csv")
    result = invoke("list", "-f", "csv", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [target.name] and target.read_text().startswith("arch,")


def test_force_writes_through_a_link_and_keeps_permissions(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert invoke("list", "-f", "csv", "-o", str(link)).exit_code == 2  # exists: refused without --force
    assert real.read_text() == "old"
    result = invoke("list", "-f", "csv", "-o", str(link), "--force")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("arch,") and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_never_replaced_even_with_force(tmp_path: Path) -> None:
    node = tmp_path / "null"  # a private copy of /dev/null: a bug here cannot hurt the real one
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for args in (("list", "-f", "csv", "-o", str(node), "--force"), ("pin", "mobilenet@resolution=32", "-o", str(node))):
        line = one_error_line(invoke(*args))
        assert "it is not a regular file" in line
        assert stat.S_ISCHR(node.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_and_bom_expectations_files_are_read(tmp_path: Path, encoding: str) -> None:
    target = tmp_path / "e.toml"
    assert invoke("pin", "mobilenet@resolution=32", "-o", str(target)).exit_code == 0
    target.write_bytes(target.read_text().encode(encoding))
    result = invoke("check", "--expect", str(target))
    assert result.exit_code == 0 and "3 of 3 expectations hold" in result.stdout, result.stderr


def test_dash_as_output_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "-f", "json", "-o", "-")
    assert result.exit_code == 0 and json.loads(result.stdout)["variants"][0]["macs"] == 10368 and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_a_large_expectations_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    target = tmp_path / "big.toml"
    target.write_text("# padding\n" * 200_000)  # 2 MB of comments
    assert "larger than 1.00 MiB" in one_error_line(invoke("check", "--expect", str(target)))


# --------------------------------------------------------------------------------------------
# Data loss: the result and the plot, both or neither


def test_result_and_plot_in_svg_and_pdf(tmp_path: Path) -> None:
    out, svg = tmp_path / "s.json", tmp_path / "s.svg"
    result = invoke("summary", "mobilenet", *R32, "-f", "json", "-o", str(out), "--plot", str(svg))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"wrote {out}", f"wrote {svg}"]
    assert json.loads(out.read_text())["arch"] == "mobilenet_v1" and b"<svg" in svg.read_bytes()[:400]
    pdf = tmp_path / "c.pdf"
    result = invoke("compare", "mobilenet", *R32, "--plot", str(pdf))
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    # an existing plot is replaced only with --force
    assert "already exists" in one_error_line(invoke("compare", "mobilenet", *R32, "--plot", str(pdf)))
    assert invoke("compare", "mobilenet", *R32, "--plot", str(pdf), "--force").exit_code == 0


def test_a_plot_drawn_before_a_failed_write_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.errors import LwprofError
    from lwprof.render import console

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise LwprofError("cannot write 'x': No space left on device")

    monkeypatch.setattr(console, "deliver", refuse)
    line = one_error_line(invoke("summary", "mobilenet", *R32, "-f", "json", "-o", str(tmp_path / "a.json"), "--plot", str(tmp_path / "p.png")))
    assert line == "error: cannot write 'x': No space left on device"
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# pin: style kept, paths relative to the file, concurrent pins


HAND_WRITTEN = """\
# Our team's budgets: edit by hand, refresh with `lwprof pin`.
# (this comment and the layout below must survive a pin)

[[model]]
spec = "mobilenet@resolution=32"      # the small one
params = 1  # will be re-pinned
macs = "<= 20M"

[[model]]
spec = "shufflenet@resolution=32"
macs = "10k ± 1%"                     # a hand-written budget
peak_activation_bytes = { value = "70k", tolerance = "10%" }
"""


def test_pin_changes_only_the_pinned_entry(tmp_path: Path) -> None:
    target = tmp_path / "budgets.toml"
    target.write_text(HAND_WRITTEN)
    result = invoke("pin", "mobilenet@resolution=32", "ghostnet@resolution=32", "--quantity", "params", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    repinned = HAND_WRITTEN.replace('params = 1  # will be re-pinned\nmacs = "<= 20M"\n', "params = 4231976  # 4.23 M\n")
    # the pinned entry has exactly the new counts; every other byte (comments, layout, the
    # hand-written budgets of the other entry) is as it was; the new entry comes last
    assert target.read_text() == repinned + '\n[[model]]\nspec = "ghostnet@resolution=32"\nparams = 5182508  # 5.18 M\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budgets.toml"]  # no temp or lock file left


def test_pinned_model_paths_are_relative_to_the_file_and_checked_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "ci").mkdir()
    shutil.copy(ROOT / USER, tmp_path / "models" / "net.py")
    monkeypatch.chdir(tmp_path)
    assert invoke("pin", "models/net.py:OddNet", "--quantity", "params", "-o", "ci/lwprof.toml").exit_code == 0
    assert 'spec = "../models/net.py:OddNet"' in (tmp_path / "ci" / "lwprof.toml").read_text()
    for where, path in ((tmp_path, "ci/lwprof.toml"), (tmp_path / "ci", "lwprof.toml"), (tmp_path / "models", "../ci/lwprof.toml")):
        monkeypatch.chdir(where)
        result = invoke("check", "--expect", path)
        assert result.exit_code == 0 and "1 of 1 expectations hold" in result.stdout, (where, result.stderr)
    # re-pinning from another directory updates the same entry instead of adding a second one
    monkeypatch.chdir(tmp_path / "ci")
    assert invoke("pin", "../models/net.py:OddNet", "--quantity", "macs", "-o", "lwprof.toml").exit_code == 0
    text = (tmp_path / "ci" / "lwprof.toml").read_text()
    assert text.count("[[model]]") == 1 and "macs = " in text and "params = " not in text
    # a file written before paths were relative to it (relative to the working directory) still checks
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ci" / "old.toml").write_text('[[model]]\nspec = "models/net.py:OddNet"\nparams = 2213\n')
    assert invoke("check", "--expect", "ci/old.toml").exit_code == 0


def _pin_rounds(spec: str, folder: str, rounds: int, barrier: Any) -> None:
    """One of two processes running ``pin_file`` into the same file every round. Both wait for
    each other after profiling, so that their read-modify-writes of the file start together
    (without the lock, every round loses an entry)."""
    import lwprof.expect as expect

    measure = expect._measure

    def measured_then_together(*args: Any, **kwargs: Any) -> Any:
        rows = measure(*args, **kwargs)
        barrier.wait()
        return rows

    expect._measure = measured_then_together
    for i in range(rounds):
        expect.pin_file([spec], os.path.join(folder, f"round{i}.toml"), quantities=["params"])


def test_two_concurrent_pins_keep_both_entries(tmp_path: Path) -> None:
    rounds = 20
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_pin_rounds, args=(spec, str(tmp_path), rounds, barrier)) for spec in ("mobilenet@resolution=32", "shufflenet@resolution=32")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=600)
        assert w.exitcode == 0
    for i in range(rounds):
        specs = re.findall(r'^spec = "(.*)"$', (tmp_path / f"round{i}.toml").read_text(), flags=re.M)
        assert sorted(specs) == ["mobilenet@resolution=32", "shufflenet@resolution=32"], (i, specs)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"round{i}.toml" for i in range(rounds))  # no lock or temp file left
