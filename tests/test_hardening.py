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


# --------------------------------------------------------------------------------------------
# Issue 25: the calibration, the cache and user code under attack


def test_os_exit_in_user_code_is_one_line_in_a_real_process(tmp_path: Path) -> None:
    """Without the guard these end the process with exit 7 / 9 and nothing on stderr."""
    target = tmp_path / "p.toml"
    for command, code in (
        ("summary tests/data/os_exits_at_import.py:Net --no-fvcore", 7),
        (f"summary {HOSTILE}:OsExitInForward --no-fvcore", 9),
        (f"pin {HOSTILE}:OsExitInForward -o {shlex.quote(str(target))}", 9),
        (f"bench {HOSTILE}:OsExitAfterProfiling --repeats 1 --warmup 0 -f json -o {shlex.quote(str(tmp_path / 'b.json'))}", 11),
    ):
        done = shell(command)
        assert done.returncode == 2, (command, done.returncode, done.stderr)
        lines = stderr_lines(done)
        assert len(lines) == 1 and lines[0].startswith("error: ") and f"os._exit({code})" in lines[0], (command, lines)
        assert done.stdout == b""
    assert list(tmp_path.iterdir()) == []  # nothing written: no pins file, no lock, no result


def test_os_exit_is_restored_after_a_command() -> None:
    real = os._exit
    one_error_line(invoke("summary", f"{HOSTILE}:OsExitInForward", "--no-fvcore"))
    assert os._exit is real
    assert invoke("layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12").exit_code == 0
    assert os._exit is real


def test_a_forked_child_still_exits_with_os_exit() -> None:
    from lwprof.guards import UserExit, no_os_exit

    with no_os_exit():
        pid = os.fork()
        if pid == 0:  # the child: os._exit ends it with its code, as a data loader's worker expects
            os._exit(5)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 5
        with pytest.raises(UserExit):
            os._exit(3)


@pytest.mark.parametrize("folder", ["v@2", "a:b", "x@y:z"])
def test_paths_with_at_and_colon_in_folder_names_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str) -> None:
    (tmp_path / "runs" / folder).mkdir(parents=True)
    shutil.copy(ROOT / USER, tmp_path / "runs" / folder / "net.py")
    monkeypatch.chdir(tmp_path)
    spec = f"runs/{folder}/net.py:make_oddnet"
    # the oracle: sum(p.numel()) of the model built directly
    from tests.data.user_net import OddNet

    for text, width in ((spec, 12), (f"{spec}@width=24", 24)):
        result = invoke("summary", text, "--no-fvcore", "-f", "json")
        assert result.exit_code == 0, (text, result.stderr)
        data = json.loads(result.stdout)
        assert data["totals"]["params"] == sum(p.numel() for p in OddNet(width=width).parameters())
    # pinned with such a path, checked from elsewhere
    (tmp_path / "ci").mkdir()
    assert invoke("pin", f"{spec}@width=24", "--quantity", "params", "-o", "ci/lwprof.toml").exit_code == 0
    assert f'spec = "../runs/{folder}/net.py:make_oddnet@width=24"' in (tmp_path / "ci" / "lwprof.toml").read_text()
    monkeypatch.chdir(tmp_path / "ci")
    result = invoke("check", "--expect", "lwprof.toml")
    assert result.exit_code == 0 and "1 of 1 expectations hold" in result.stdout, result.stderr


def test_parse_spec_splits_options_after_the_files_name_only() -> None:
    from lwprof.resolve import parse_spec

    assert parse_spec("m/v@2/net.py:Net@width=8,depth=2") == ("m/v@2/net.py:Net", {"width": 8, "depth": 2})
    assert parse_spec("a:b/net.py:Net") == ("a:b/net.py:Net", {})
    assert parse_spec("net.py:Net@path=x.py:y") == ("net.py:Net", {"path": "x.py:y"})
    assert parse_spec("mobilenet@alpha=0.5") == ("mobilenet", {"alpha": 0.5})
    assert parse_spec("pkg.mod:make@depth=3") == ("pkg.mod:make", {"depth": 3})


def test_a_model_file_behind_a_folder_one_may_not_enter_is_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    shutil.copy(ROOT / USER, secret / "net.py")
    spec = f"{secret}/net.py:OddNet"
    if os.geteuid() == 0:  # root enters any folder: make the kernel's answer EACCES for this one path
        real_stat = os.stat

        def refused(path: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(path).startswith(str(secret) + "/"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", refused)
        line = one_error_line(invoke("summary", spec, "--no-fvcore"))
    else:
        secret.chmod(0o000)
        try:
            line = one_error_line(invoke("summary", spec, "--no-fvcore"))
        finally:
            secret.chmod(0o755)
    assert line == f"error: cannot read model file '{secret}/net.py': permission denied"
    assert "does not exist" not in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_calibration_or_model_file_is_permission_denied(tmp_path: Path) -> None:
    from tests.data.fake_calibration import write_calibration

    cal = write_calibration(path=tmp_path / "cal.json")
    cal.chmod(0o000)
    assert one_error_line(invoke("summary", "mobilenet", *R32, "--calibration", str(cal))) == f"error: cannot read calibration '{cal}': permission denied"
    model = tmp_path / "net.py"
    shutil.copy(ROOT / USER, model)
    model.chmod(0o000)
    assert one_error_line(invoke("summary", f"{model}:OddNet", "--no-fvcore")) == f"error: cannot read model file '{model}': permission denied"


def test_a_calibration_with_a_bom_is_read_and_another_machines_is_used_with_a_note(tmp_path: Path) -> None:
    from lwprof.latency.costmodel import machine_id
    from tests.data.fake_calibration import make_calibration

    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    ours.write_bytes(b"\xef\xbb\xbf" + json.dumps(make_calibration(threads=2).to_dict()).encode())  # an editor's BOM
    theirs.write_text(json.dumps(make_calibration(threads=2, machine="test-machine").to_dict()))
    mine = invoke("summary", "mobilenet", *R32, "--calibration", str(ours), "-f", "json")
    other = invoke("summary", "mobilenet", *R32, "--calibration", str(theirs), "-f", "json")
    assert mine.exit_code == 0 and other.exit_code == 0, (mine.stderr, other.stderr)
    a, b = json.loads(mine.stdout)["prediction"], json.loads(other.stdout)["prediction"]
    assert a["total_s"] == b["total_s"]  # the same coefficients: the same prediction, wherever it was made
    assert not [n for n in a["notes"] if "another machine" in n]
    assert [n for n in b["notes"] if "another machine" in n] == [
        f"calibration made on another machine: Test CPU (test-machine) ({theirs}); these are predictions for that machine, not this one ({machine_id()})"
    ]
    table = invoke("summary", "mobilenet", *R32, "--calibration", str(theirs))
    assert table.exit_code == 0 and "calibration made on another machine: Test CPU" in " ".join(table.stdout.split())


def test_the_api_refuses_a_hand_edited_calibration(tmp_path: Path) -> None:
    from lwprof import api
    from lwprof.errors import LwprofError
    from tests.data.fake_calibration import make_calibration

    data = make_calibration().to_dict()
    data["kinds"]["conv1x1"]["coefficients"]["macs"] = -1.1e-10  # what gave "-1.1e+04 ms"
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LwprofError, match=r"kinds\.conv1x1\.coefficients\.macs must not be negative"):
        api.load_calibration(str(path))
    with pytest.raises(LwprofError, match=r"must not be negative"):
        api.predict("mobilenet@resolution=32", calibration=str(path))


def test_calibrate_checks_the_cache_before_the_first_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's folder is a file: refused at once (it used to benchmark for the whole run first)."""
    from lwprof.latency import calibrate

    ran = []
    monkeypatch.setattr(calibrate, "_run", lambda *a, **k: ran.append(a) or (_ for _ in ()).throw(AssertionError("ran")))
    (tmp_path / "file").write_text("x")
    for env in ({"XDG_CACHE_HOME": str(tmp_path / "file"), "LWPROF_CACHE_DIR": None}, {"LWPROF_CACHE_DIR": "/dev/null"}, {"LWPROF_CACHE_DIR": None, "XDG_CACHE_HOME": None, "HOME": "/sys"}):
        line = one_error_line(invoke("calibrate", "--quick", "--threads", "1", env=env))  # type: ignore[arg-type]
        assert "calibration cache" in line and ("LWPROF_CACHE_DIR" in line), (env, line)
    assert ran == []
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_calibrate_still_writes_a_missing_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lwprof.latency import calibrate as calibration

    few = [c for c in calibration.cases(quick=True) if c.kind == "view"][:2]
    monkeypatch.setattr(calibration, "cases", lambda quick=False: few)
    cache = tmp_path / "deep" / "er" / "cache"
    result = invoke("calibrate", "--threads", "1", "--quick", "-f", "json", env={"LWPROF_CACHE_DIR": str(cache)})
    assert result.exit_code == 0, result.stderr
    files = list(cache.glob("calibration-*-1t-fp32.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["threads"] == 1
    assert sorted(p.name for p in cache.iterdir()) == [files[0].name]  # no probe left behind


def test_plots_with_an_unwritable_home_and_tmpdir_print_nothing_of_matplotlibs(tmp_path: Path) -> None:
    before = {p.name for p in Path("/tmp").iterdir() if p.name.startswith("lwprof-matplotlib-")}
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    env.update(HOME="/sys", TMPDIR="/sys")  # neither takes new folders, for root too
    target = tmp_path / "p.png"
    done = subprocess.run([*lwprof_command(), "summary", "mobilenet", *R32, "--plot", str(target)], capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert stderr_lines(done) == [f"wrote {target}"]
    assert target.read_bytes().startswith(b"\x89PNG")
    after = {p.name for p in Path("/tmp").iterdir() if p.name.startswith("lwprof-matplotlib-")}
    assert after == before  # the temporary cache went away with the process


@pytest.mark.parametrize(("name", "value"), [("OMP_NUM_THREADS", "abc"), ("MKL_NUM_THREADS", "abc"), ("OMP_NUM_THREADS", "0")])
def test_an_invalid_thread_variable_is_one_named_line_in_a_real_process(name: str, value: str) -> None:
    done = shell("summary mobilenet --resolution 32 --no-fvcore", **{name: value})
    assert done.returncode == 2
    assert stderr_lines(done) == [f"error: environment variable {name}={value!r} is not a positive whole number{' (or a comma list of them)' if name.startswith('OMP') else ''}; unset it (unset {name}) or set e.g. {name}=2 (torch would ignore it)"]


@pytest.mark.parametrize("value", ["4", " 2 ", "4,2", "04"])
def test_valid_thread_variables_are_accepted(value: str) -> None:
    from lwprof.guards import check_thread_variables

    check_thread_variables({"OMP_NUM_THREADS": value})
    if "," not in value:
        check_thread_variables({"MKL_NUM_THREADS": value})


def test_a_dict_where_a_tensor_is_expected_is_one_line_in_a_real_process() -> None:
    for command in (f"summary {HOSTILE}:DictToConv", f"summary {HOSTILE}:DictToConv --no-fvcore", f"bench {HOSTILE}:DictToConv --repeats 1 --warmup 0"):
        done = shell(command)
        lines = stderr_lines(done)
        assert done.returncode == 2 and len(lines) == 1, (command, lines)
        assert "conv2d() received an invalid combination of arguments - got (dict" in lines[0] and not lines[0].endswith(":"), lines


def test_the_api_turns_os_exit_in_user_code_into_an_error_too() -> None:
    """In a notebook, os._exit in a model file would end the kernel."""
    from lwprof import api
    from lwprof.errors import LwprofError

    real = os._exit
    with pytest.raises(LwprofError, match=r"importing tests/data/os_exits_at_import\.py failed: it called os\._exit\(7\)"):
        api.profile("tests/data/os_exits_at_import.py:Net")
    with pytest.raises(LwprofError, match=r"the model's forward called os\._exit\(9\)"):
        api.profile(f"{HOSTILE}:OsExitInForward")
    with pytest.raises(LwprofError, match=r"os_exit_factory\(\) failed: it called os\._exit\(8\)"):
        api.profile(f"{HOSTILE}:os_exit_factory")
    assert os._exit is real
