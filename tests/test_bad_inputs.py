"""The bad-input catalogue (issue #9): every way a user can get the command line wrong.

One table-driven test. Each case is the argv of one ``lwprof`` call and a regex its message
must match. Every case must:

* exit with code 2 (never 1, which means "a budget or expectation failed", and never a crash);
* raise nothing but ``SystemExit`` inside the CLI, and print no "Traceback";
* print nothing on stdout (no partial result before the error);
* for lwprof's own errors ("error" cases): print exactly one non-empty line on stderr, starting
  with ``error:``, that matches the regex (warnings are shown as the real CLI shows them, so a
  library warning leaking before the error line counts as a second line);
* for Typer's usage errors ("usage" cases: a value Typer itself rejects, an unknown flag, a
  missing argument): one line too, ``error: <click's message> (see 'lwprof CMD --help')``;
* leave the scratch directory exactly as it was: no new file, no temp file, no changed file.

Paths: ``{tmp}`` in an argv is the test's scratch directory, which holds ``exists.json``
("keep me"), an empty directory ``subdir``, and the TOML files of :data:`TOML_FILES`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lwprof import cli

__all__: list[str] = []

runner = CliRunner()

USER = "tests/data/user_net.py"
HOSTILE = "tests/data/hostile.py"  # models that misbehave on purpose (sys.exit, bad input_size, ...)
R32 = ["--resolution", "32", "--no-fvcore"]  # summary/compare: small and fast
BENCH1 = ["--repeats", "1", "--warmup", "0"]
HUGE = "9" * 5000  # more digits than Python converts to an int

# Expectations files placed in the scratch directory for the check/pin cases.
TOML_FILES = {
    "bad_budget.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = "lots"\n',
    "not_toml.toml": '[[model]\nspec = "mobilenet"\n',
    "empty.toml": "# nothing pinned yet\n",
    "no_spec.toml": "[[model]]\nparams = 1\n",
    "unknown_key.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = 1\nlatency = 3\n',
    "top_key.toml": 'version = 1\n[[model]]\nspec = "mobilenet@resolution=32"\nparams = 1\n',
    "pins_nothing.toml": '[[model]]\nspec = "mobilenet@resolution=32"\n',
    "second_entry.toml": (
        '[[model]]\nspec = "mobilenet@resolution=32"\nparams = 4231976\n\n'
        '[[model]]\nspec = "shufflenet@resolution=32"\nmacs = "<= 1M"\nflops = "about 3"\n'
    ),
    "budget_tolerance.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nmacs = "<= 300M ± 1%"\n',
    "table_no_value.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = { tolerance = 3 }\n',
    "bool_value.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = true\n',
    "bad_input_size.toml": '[[model]]\nspec = "mobilenet"\ninput_size = [3, "a"]\nparams = 1\n',
    "bad_batch.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nbatch = 0\nparams = 1\n',
    "unknown_arch.toml": '[[model]]\nspec = "mobilnet@resolution=32"\nparams = 1\n',
    "bad_option.toml": '[[model]]\nspec = "mobilenet@alpha=0"\nparams = 1\n',
    "nan_value.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = nan\n',
    "inf_budget.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nmacs = "<= inf"\n',
    "bad_tolerance.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = { value = 5, tolerance = "x%" }\n',
    # issue 14: files under attack
    "model_list.toml": "model = [1, 2]\n",
    "model_table.toml": '[model]\nspec = "mobilenet@resolution=32"\nparams = 1\n',
    "batch_true.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nbatch = true\nparams = 1\n',
    "batch_huge.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nbatch = 1000000000000000000\nparams = 1\n',
    "spec_number.toml": "[[model]]\nspec = 5\nparams = 1\n",
    "spec_empty.toml": '[[model]]\nspec = ""\nparams = 1\n',
    "spec_inf.toml": '[[model]]\nspec = "mobilenet@alpha=inf,resolution=32"\nparams = 1\n',
    "input_size_bool.toml": '[[model]]\nspec = "mobilenet"\ninput_size = [3, true, 32]\nparams = 1\n',
    "input_size_huge.toml": '[[model]]\nspec = "mobilenet"\ninput_size = [3, 99999999999999999, 32]\nparams = 1\n',
    "value_extra_key.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = { value = 5, tolerence = "1%" }\n',
    "value_inf.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = inf\n',
    "huge_integer.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = ' + "9" * 100_000 + "\n",
    "deep_arrays.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = ' + "[" * 5000 + "]" * 5000 + "\n",
    "second_bad_spec.toml": '[[model]]\nspec = "mobilenet@resolution=32"\nparams = 1\n\n[[model]]\nspec = "mobilnet@resolution=32"\nparams = 1\n',
    "missing_model_file.toml": '[[model]]\nspec = "nowhere/net.py:Net"\nparams = 1\n',
    # issue 25
    "os_exit.toml": '[[model]]\nspec = "tests/data/hostile.py:OsExitInForward"\nparams = 1\n',
}


def _edited(edit: Any) -> Any:
    """A calibration lwprof wrote (the tests' fake one), edited as a person might (made once: every case's scratch
    folder holds them all)."""

    @functools.cache
    def make() -> bytes:
        from tests.data.fake_calibration import make_calibration

        data = make_calibration().to_dict()
        data["benchmarks"] = [{"kind": "conv1x1", "label": "conv1x1 8->16", "row": {"conv1x1.calls": 1.0, "conv1x1.macs": 100.0}, "median_s": 1e-5, "min_s": 1e-5, "iqr_s": 0.0, "runs": 5, "noisy": False, "seconds": 1e-5}]
        edit(data)
        return json.dumps(data).encode()

    return make


def _set(path: str, value: Any) -> Any:
    """An edit: the field at a dotted path (a number indexes a list) set to ``value``; ``None`` removes it."""

    def edit(data: Any) -> None:
        *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in parents:
            data = data[key]
        if value is _REMOVE:
            del data[last]
        else:
            data[last] = value

    return edit


_REMOVE = object()

# Calibration files placed in the scratch directory (bytes, or a function making them).
CAL_FILES: dict[str, Any] = {
    "cal_negative.json": _edited(_set("kinds.conv1x1.coefficients.macs", -1e-10)),
    "cal_nan.json": _edited(_set("kinds.conv1x1.coefficients.macs", float("nan"))),
    "cal_infinity.json": _edited(_set("kinds.dwconv.coefficients.calls", float("inf"))),
    "cal_true.json": _edited(_set("kinds.conv1x1.coefficients.macs", True)),
    "cal_text_number.json": _edited(_set("kinds.linear.coefficients.bytes", "1e-10")),
    "cal_huge_number.json": _edited(_set("kinds.conv.coefficients.macs", 10**400)),
    "cal_threads_0.json": _edited(_set("threads", 0)),
    "cal_threads_frac.json": _edited(_set("threads", 1.9)),
    "cal_threads_true.json": _edited(_set("threads", True)),
    "cal_unknown_kind.json": _edited(lambda d: d["kinds"].__setitem__("conv3d", d["kinds"]["conv"])),
    "cal_unknown_feature.json": _edited(_set("kinds.view.coefficients.macs", 1e-10)),
    "cal_unknown_field.json": _edited(_set("colour", "red")),
    "cal_missing_kind.json": _edited(_set("kinds.network", _REMOVE)),
    "cal_missing_threads.json": _edited(_set("threads", _REMOVE)),
    "cal_version_4.json": _edited(_set("version", 4)),
    "cal_dtype.json": _edited(_set("dtype", "int8")),
    "cal_bench_negative.json": _edited(_set("benchmarks.0.median_s", -1.0)),
    "cal_bench_row.json": _edited(lambda d: d["benchmarks"][0]["row"].__setitem__("conv1x1.flops", 2.0)),
    "cal_array.json": b"[1, 2, 3]",
    "cal_empty.json": b"",
    "cal_truncated.json": b'{"version": 1, "machine": "x"',
    "cal_binary.json": bytes(range(255, 0, -1)),
    "cal_deep.json": b"[" * 100_000 + b"]" * 100_000,
    "cal_digits.json": b'{"version": 1, "threads": ' + b"9" * 100_000 + b"}",
}

# Files that are not text: written as bytes.
BYTE_FILES = {
    "binary.toml": bytes(range(256)) * 4,
    "latin1.toml": '[[model]]\nspec = "mobilenet@resolution=32"\n# caf\xe9\nparams = 1\n'.encode("latin-1"),
    "bad_utf16.toml": b"\xff\xfe[\x00[",  # a UTF-16 BOM, then half a character
}

def case(id: str, argv: list[str], message: str, kind: str = "error", marks: Any = (), env: dict[str, str | None] | None = None) -> Any:  # noqa: A002
    return pytest.param(argv, message, kind, env or {}, id=id, marks=marks)


CAL = ["summary", "mobilenet", *R32, "--calibration"]  # a calibration file given by name: {tmp}/cal_*.json
NO_CACHE_VARS: dict[str, str | None] = {"LWPROF_CACHE_DIR": None, "XDG_CACHE_HOME": None}
CAL_ONE = ["calibrate", "--quick", "--threads", "1"]  # nothing may run: every case fails before the first benchmark


CATALOGUE = [
    # ---------------------------------------------------------------- architecture names
    case("unknown-arch", ["summary", "shufflnet", "--no-fvcore"], r"unknown architecture 'shufflnet' \(did you mean 'shufflenet'"),
    case("unknown-arch-far", ["summary", "resnet50", "--no-fvcore"], r"unknown architecture 'resnet50'.*available: ghostnet, mobilenet_v1"),
    case("unknown-arch-compare", ["compare", "mobilnet", "--no-fvcore"], r"unknown architecture 'mobilnet' \(did you mean 'mobilenet'"),
    case("unknown-arch-in-models", ["compare", "mobilenet", "ghostnett", "--no-fvcore"], r"unknown architecture 'ghostnett' \(did you mean 'ghostnet'"),
    case("unknown-arch-bench", ["bench", "ghostnett", "--repeats", "1", "--warmup", "0"], r"unknown architecture 'ghostnett' \(did you mean 'ghostnet'"),
    case("unknown-arch-sweep", ["sweep", "mobilnet", "--alpha", "1,0.5"], r"unknown architecture 'mobilnet' \(did you mean 'mobilenet'"),
    case("unknown-arch-pin", ["pin", "nonet", "-o", "{tmp}/p.toml"], r"unknown architecture 'nonet'"),
    # ---------------------------------------------------------------- options an architecture does not have
    case("option-of-other-arch", ["summary", "mobilenet", "--scale", "2", *R32], r"mobilenet_v1 has no option 'scale' \(did you mean 'shallow'\?\); its options are"),
    case("ratio-for-mobilenet", ["summary", "mobilenet", "--ratio", "2", *R32], r"mobilenet_v1 has no option 'ratio'"),
    case("alpha-for-shufflenet", ["summary", "shufflenet", "--alpha", "0.5", *R32], r"shufflenet_v1 has no option 'alpha'"),
    case("set-unknown-key", ["summary", "mobilenet", "--set", "foo=1", *R32], r"mobilenet_v1 has no option 'foo'"),
    case("set-no-equals", ["summary", "mobilenet", "--set", "alpha", *R32], r"--set 'alpha': write KEY=VALUE"),
    case("set-no-key", ["summary", "mobilenet", "--set", "=1", *R32], r"--set '=1': write KEY=VALUE"),
    case("set-no-value", ["summary", "mobilenet", "--set", "alpha=", *R32], r"--set 'alpha=': empty value; write KEY=VALUE"),
    case("set-and-flag", ["summary", "mobilenet", "--alpha", "0.5", "--set", "alpha=0.5", *R32], r"option 'alpha' is given twice"),
    case("predict-int8", ["summary", "mobilenet", "--predict", "--dtype", "int8", *R32], r"--predict prices fp32, bf16, fp16 .*not --dtype int8"),
    case("set-twice", ["summary", "ghostnet", "--set", "dw_kernel=3", "--set", "dw-kernel=5", *R32], r"--set dw_kernel is given twice"),
    case("set-bad-value", ["summary", "mobilenet", "--set", "alpha=big", *R32], r"option 'alpha': cannot read 'big'"),
    case("kwargs-for-zoo", ["summary", "mobilenet", "--kwargs", "width=2", *R32], r"--kwargs is for user models"),
    case("arch-option-for-user-model", ["summary", f"{USER}:OddNet", "--alpha", "0.5", "--no-fvcore"], r"architecture options \['alpha'\] do not apply to a user model"),
    case("resolution-and-input-size", ["summary", "mobilenet", "--resolution", "64", "--input-size", "3,64,64", "--no-fvcore"], r"give --resolution or --input-size, not both"),
    # ---------------------------------------------------------------- invalid values
    case("alpha-0", ["summary", "mobilenet", "--alpha", "0", *R32], r"alpha must be > 0, got 0\.0"),
    case("alpha-negative", ["summary", "mobilenet", "--alpha", "-1", *R32], r"alpha must be > 0, got -1\.0"),
    case("width-0-ghostnet", ["summary", "ghostnet", "--width", "0", *R32], r"width must be > 0"),
    case("width-negative-mobilenet-v2", ["summary", "mobilenet_v2", "--width", "-0.5", *R32], r"width must be > 0"),
    case("ratio-1", ["summary", "ghostnet", "--ratio", "1", *R32], r"ratio must be >= 2"),
    case("ratio-0", ["summary", "ghostnet", "--ratio", "0", *R32], r"ratio must be >= 2"),
    case("dw-kernel-even", ["summary", "ghostnet", "--dw-kernel", "4", *R32], r"dw_kernel must be an odd number >= 1.*got 4"),
    case("dw-kernel-set", ["summary", "ghostnet", "--set", "dw_kernel=2", *R32], r"dw_kernel must be an odd number"),
    case("groups-5-shufflenet", ["summary", "shufflenet", "--groups", "5", *R32], r"option 'groups': 5 is not allowed; choose from 1, 2, 3, 4, 8"),
    case("groups-0-shufflenet", ["summary", "shufflenet", "--groups", "0", *R32], r"option 'groups': 0 is not allowed"),
    case("grouped-conv-groups-5", ["summary", "mobilenet", "--conv", "grouped", "--groups", "5", *R32], r"groups=5 does not divide the channels of features\.1 \(32 -> 64\); values that would work there: 1, 2, 4, 8"),
    case("conv-ghost-mobilenet", ["summary", "mobilenet", "--conv", "ghost", *R32], r"option 'conv': 'ghost' is not allowed; choose from standard, grouped, dwsep"),
    case("conv-bogus-ghostnet", ["summary", "ghostnet", "--conv", "bogus", *R32], r"option 'conv': 'bogus' is not allowed; choose from ghost, standard"),
    case("scale-0.3", ["summary", "shufflenet", "--scale", "0.3", *R32], r"option 'scale': 0\.3 is not allowed; choose from 0\.25, 0\.5, 1\.0, 1\.5, 2\.0"),
    case("scale-0", ["summary", "shufflenet_v2", "--scale", "0", *R32], r"option 'scale': 0(\.0)? is not allowed"),
    *(
        case(f"resolution-16-{arch}", ["summary", arch, "--resolution", "16", "--no-fvcore"], r"resolution 16 is too small: .* downsamples by 32, so use >= 32")
        for arch in ("mobilenet", "shufflenet", "ghostnet", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v2")
    ),
    case("resolution-0", ["summary", "mobilenet", "--resolution", "0", "--no-fvcore"], r"resolution"),
    case("input-size-too-small", ["summary", "mobilenet", "--input-size", "3,16,16", "--no-fvcore"], r"16 is too small"),
    case("num-classes-0", ["summary", "mobilenet", "--num-classes", "0", *R32], r"num_classes must be >= 1, got 0"),
    case("num-classes-negative", ["summary", "ghostnet", "--num-classes", "-3", *R32], r"num_classes must be >= 1, got -3"),
    case("input-size-letter", ["summary", "mobilenet", "--input-size", "3,x,224", "--no-fvcore"], r"--input-size '3,x,224': give C,H,W as integers"),
    case("input-size-zero", ["summary", "mobilenet", "--input-size", "0,224,224", "--no-fvcore"], r"--input-size '0,224,224': give C,H,W as positive integers"),
    case("input-size-negative", ["summary", "mobilenet", "--input-size", "3,-32,32", "--no-fvcore"], r"--input-size '3,-32,32': give C,H,W as positive integers"),
    case("input-size-one-number", ["summary", "mobilenet", "--input-size", "224", "--no-fvcore"], r"--input-size '224': give C,H,W"),
    case("input-size-empty", ["summary", "mobilenet", "--input-size", "", "--no-fvcore"], r"--input-size '': give C,H,W"),
    case("input-size-wrong-channels", ["summary", "mobilenet", "--input-size", "1,32,32", "--no-fvcore"], r"mobilenet_v1 takes 3 input channels"),
    case("input-size-4d", ["summary", "mobilenet", "--input-size", "3,32,32,2", "--no-fvcore"], r"--input-size '3,32,32,2': give C,H,W"),
    case("strict-unsupported-layer", ["summary", f"{USER}:OddNet", "--strict", "--no-fvcore"], r"no formula for 1 leaf module\(s\): gain"),
    # ---------------------------------------------------------------- malformed lists
    case("vary-no-equals", ["compare", "mobilenet", "--vary", "groups", *R32], r"--vary 'groups': write KEY=V1,V2"),
    case("vary-no-values", ["compare", "mobilenet", "--vary", "groups=", *R32], r"--vary 'groups=': empty value"),
    case("vary-empty-item", ["compare", "mobilenet", "--vary", "groups=1,,2", *R32], r"--vary 'groups=1,,2': empty value"),
    case("vary-trailing-comma", ["compare", "mobilenet", "--vary", "alpha=1,", *R32], r"--vary 'alpha=1,': empty value"),
    case("vary-no-key", ["compare", "mobilenet", "--vary", "=1,2", *R32], r"--vary '=1,2': write KEY=V1,V2"),
    case("vary-unknown-key", ["compare", "mobilenet", "--vary", "nokey=1,2", *R32], r"mobilenet_v1 has no option 'nokey'"),
    case("vary-twice", ["compare", "mobilenet", "--vary", "alpha=1", "--vary", "alpha=0.5", *R32], r"--vary alpha is given twice"),
    case("vary-bad-value", ["compare", "mobilenet", "--vary", "alpha=abc", *R32], r"cannot read 'abc'"),
    case("vary-invalid-value", ["compare", "shufflenet", "--vary", "groups=1,5", *R32], r"option 'groups': 5 is not allowed"),
    case("vary-and-fixed", ["compare", "mobilenet", "--vary", "conv=dwsep", "--conv", "standard", *R32], r"both fixed and varied"),
    case("models-with-arch-option", ["compare", "mobilenet", "ghostnet", "--alpha", "0.5", "--no-fvcore"], r"--vary and architecture options apply to one architecture"),
    case("models-with-vary", ["compare", "mobilenet", "ghostnet", "--vary", "alpha=1,0.5", "--no-fvcore"], r"--vary and architecture options apply to one architecture"),
    case("sweep-empty-item", ["sweep", "mobilenet", "--alpha", "1,,2"], r"--alpha '1,,2': empty value in the list"),
    case("sweep-leading-comma", ["sweep", "mobilenet", "--resolution", ",224"], r"--resolution ',224': empty value in the list"),
    case("sweep-empty-set-item", ["sweep", "ghostnet", "--set", "dw_kernel=3,,5"], r"--dw-kernel '3,,5': empty value in the list"),
    case("sweep-nothing", ["sweep", "mobilenet"], r"nothing to sweep: give at least one option as a comma list"),
    case("sweep-single-value", ["sweep", "mobilenet", "--alpha", "0.5"], r"nothing to sweep"),
    case("sweep-latency-without-bench", ["sweep", "mobilenet", "--alpha", "1,0.5", "--quantity", "latency"], r"--quantity latency needs --bench"),
    case("sweep-unknown-quantity", ["sweep", "mobilenet", "--alpha", "1,0.5", "--quantity", "flops"], r"--quantity 'flops': choose macs, params or latency"),
    case("sweep-bad-value", ["sweep", "mobilenet", "--alpha", "1,abc"], r"option 'alpha': cannot read 'abc'"),
    case("sweep-invalid-value", ["sweep", "mobilenet", "--alpha", "1,0"], r"alpha must be > 0"),
    case("sweep-unknown-key", ["sweep", "mobilenet", "--set", "nokey=1,2"], r"mobilenet_v1 has no option 'nokey'"),
    case("sweep-option-of-other-arch", ["sweep", "mobilenet", "--groups", "1,2", "--scale", "1,2"], r"mobilenet_v1 has no option 'scale'"),
    # ---------------------------------------------------------------- budgets
    case("budget-word", ["summary", "mobilenet", "--max-macs", "lots", *R32], r"cannot read 'lots' as a count: use a number with an optional k, M, G or T suffix"),
    case("budget-empty", ["summary", "mobilenet", "--max-params", "", *R32], r"cannot read '' as a count"),
    case("budget-negative", ["summary", "mobilenet", "--max-params", "-5", *R32], r"count '-5' must not be negative"),
    case("budget-double-suffix", ["summary", "mobilenet", "--max-macs", "3MM", *R32], r"cannot read '3MM' as a count"),
    case("budget-unknown-suffix", ["summary", "mobilenet", "--max-macs", "300X", *R32], r"cannot read '300X' as a count"),
    case("budget-malformed-before-work", ["summary", "mobilnet", "--max-macs", "lots", *R32], r"cannot read 'lots' as a count"),
    case("budget-nan", ["summary", "mobilenet", "--max-macs", "nan", *R32], r"cannot read 'nan' as a count"),
    case("budget-inf", ["summary", "mobilenet", "--max-params", "inf", *R32], r"cannot read 'inf' as a count"),
    case("budget-overflow", ["summary", "mobilenet", "--max-macs", "1e400", *R32], r"cannot read '1e400' as a count"),
    # ---------------------------------------------------------------- expectations files
    case("expect-missing-file", ["check", "--expect", "/nonexistent.toml"], r"cannot read expectations file '/nonexistent\.toml': No such file or directory"),
    case("expect-directory", ["check", "--expect", "{tmp}/subdir"], r"cannot read expectations file '.*subdir': Is a directory"),
    case("expect-not-toml", ["check", "--expect", "{tmp}/not_toml.toml"], r"not_toml\.toml: not valid TOML"),
    case("expect-no-entries", ["check", "--expect", "{tmp}/empty.toml"], r"empty\.toml: no \[\[model\]\] entries"),
    case("expect-bad-budget", ["check", "--expect", "{tmp}/bad_budget.toml"], r"bad_budget\.toml:3: params: cannot read 'lots' as a count"),
    case("expect-line-of-second-entry", ["check", "--expect", "{tmp}/second_entry.toml"], r"second_entry\.toml:8: flops: cannot read 'about 3'"),
    case("expect-no-spec", ["check", "--expect", "{tmp}/no_spec.toml"], r"no_spec\.toml:1: \[\[model\]\] entry has no 'spec'"),
    case("expect-unknown-key", ["check", "--expect", "{tmp}/unknown_key.toml"], r"unknown_key\.toml:4: unknown key 'latency'; allowed: "),
    case("expect-top-level-key", ["check", "--expect", "{tmp}/top_key.toml"], r"top_key\.toml:1: unknown key 'version'; entries go in \[\[model\]\] tables"),
    case("expect-pins-nothing", ["check", "--expect", "{tmp}/pins_nothing.toml"], r"pins_nothing\.toml:1: entry 'mobilenet@resolution=32' pins nothing"),
    case("expect-tolerance-on-budget", ["check", "--expect", "{tmp}/budget_tolerance.toml"], r"budget_tolerance\.toml:3: macs: a tolerance only applies to an exact value"),
    case("expect-table-without-value", ["check", "--expect", "{tmp}/table_no_value.toml"], r"table_no_value\.toml:3: params: a table needs a 'value'"),
    case("expect-bool", ["check", "--expect", "{tmp}/bool_value.toml"], r"bool_value\.toml:3: params: expected a count or a budget"),
    case("expect-bad-input-size", ["check", "--expect", "{tmp}/bad_input_size.toml"], r"bad_input_size\.toml:3: input_size must be a list of positive integers"),
    case("expect-bad-batch", ["check", "--expect", "{tmp}/bad_batch.toml"], r"bad_batch\.toml:3: batch must be a positive integer"),
    case("expect-unknown-arch", ["check", "--expect", "{tmp}/unknown_arch.toml"], r"unknown architecture 'mobilnet'"),
    case("expect-invalid-option", ["check", "--expect", "{tmp}/bad_option.toml"], r"alpha must be > 0"),
    case("expect-with-arch", ["check", "--expect", "{tmp}/bad_budget.toml", "--arch", "mobilenet"], r"--arch filters the paper checks; it does not apply with --expect"),
    case("expect-nan", ["check", "--expect", "{tmp}/nan_value.toml"], r"nan_value\.toml:3: params"),
    case("expect-inf-budget", ["check", "--expect", "{tmp}/inf_budget.toml"], r"inf_budget\.toml:3: macs"),
    case("expect-bad-tolerance", ["check", "--expect", "{tmp}/bad_tolerance.toml"], r"bad_tolerance\.toml:3: params"),
    # ---------------------------------------------------------------- pin
    case("pin-invalid-option", ["pin", "mobilenet@alpha=0", "-o", "{tmp}/p.toml"], r"alpha must be > 0"),
    case("pin-option-without-value", ["pin", "mobilenet@alpha", "-o", "{tmp}/p.toml"], r"model spec 'mobilenet@alpha': write options as name@key=value"),
    case("pin-unknown-quantity", ["pin", "mobilenet@resolution=32", "--quantity", "latency", "-o", "{tmp}/p.toml"], r"cannot pin 'latency'; choose from params, trainable_params, macs, flops, peak_activation_bytes"),
    case("pin-malformed-existing-file", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/bad_budget.toml"], r"bad_budget\.toml:3: params: cannot read 'lots'"),
    case("pin-no-spec-name", ["pin", "@alpha=0.5", "-o", "{tmp}/p.toml"], r"model spec '@alpha=0\.5' has no name"),
    case("pin-broken-user-model", ["pin", f"{USER}:broken_factory", "-o", "{tmp}/p.toml"], r"broken_factory\(\) failed: RuntimeError: this factory always fails"),
    case("pin-output-missing-dir", ["pin", "mobilenet@resolution=32", "-o", "/nonexistent/dir/p.toml"], r"cannot write '/nonexistent/dir/p\.toml': directory '/nonexistent/dir' does not exist"),
    case("pin-output-directory", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/subdir"], r"cannot write '.*subdir': it is a directory"),
    # ---------------------------------------------------------------- outputs that cannot be written
    case("output-missing-dir", ["summary", "mobilenet", *R32, "-f", "json", "--output", "/nonexistent/dir/x.json"], r"cannot write '/nonexistent/dir/x\.json': directory '/nonexistent/dir' does not exist"),
    case("output-exists", ["summary", "mobilenet", *R32, "-f", "json", "--output", "{tmp}/exists.json"], r"'.*exists\.json' already exists; pass --force to overwrite it"),
    case("output-is-directory", ["summary", "mobilenet", *R32, "--output", "{tmp}/subdir"], r"cannot write '.*subdir': it is a directory"),
    case("output-exists-list", ["list", "-f", "csv", "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-exists-compare", ["compare", "mobilenet", *R32, "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-exists-layer", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-exists-sweep", ["sweep", "mobilenet", "--alpha", "1,0.5", "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-exists-bench", ["bench", "mobilenet", "--resolution", "32", "--repeats", "1", "--warmup", "0", "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-exists-check", ["check", "--expect", "{tmp}/bad_budget.toml", "-o", "{tmp}/exists.json"], r"already exists; pass --force"),
    case("output-directory-check", ["check", "--expect", "{tmp}/bad_budget.toml", "-o", "{tmp}/subdir"], r"it is a directory"),
    case("output-of-failing-summary", ["summary", "mobilenet", "--alpha", "0", *R32, "-f", "json", "-o", "{tmp}/new.json"], r"alpha must be > 0"),
    case("output-of-failing-compare", ["compare", "mobilenet", "--vary", "alpha=1,0", *R32, "-f", "csv", "-o", "{tmp}/new.csv"], r"alpha must be > 0"),
    case("output-of-failing-bench", ["bench", f"{USER}:BadForward", "--repeats", "1", "--warmup", "0", "-o", "{tmp}/new.txt"], r"forward pass failed"),
    case("output-of-failing-check", ["check", "--expect", "{tmp}/unknown_arch.toml", "-f", "json", "-o", "{tmp}/new.json"], r"unknown architecture 'mobilnet'"),
    case("plot-not-png", ["summary", "mobilenet", *R32, "--plot", "{tmp}/plot.jpg"], r"plot file '.*plot\.jpg' must end in \.png"),
    case("plot-missing-dir-with-output", ["summary", "mobilenet", *R32, "-f", "json", "-o", "{tmp}/new.json", "--plot", "/nonexistent/dir/p.png"], r"cannot write '/nonexistent/dir/p\.png'"),
    # ---------------------------------------------------------------- user models
    case("user-factory-raises", ["summary", f"{USER}:broken_factory", "--no-fvcore"], r"tests/data/user_net\.py:broken_factory\(\) failed: RuntimeError: this factory always fails"),
    case("user-missing-file", ["summary", "tests/data/nonexistent.py:Net", "--no-fvcore"], r"model file 'tests/data/nonexistent\.py' does not exist"),
    case("user-missing-name", ["summary", f"{USER}:Nope", "--no-fvcore"], r"tests/data/user_net\.py has no 'Nope'; it defines BadForward, Gain, OddNet, broken_factory, make_oddnet"),
    case("user-misspelt-name", ["summary", f"{USER}:OddNe", "--no-fvcore"], r"has no 'OddNe' \(did you mean 'OddNet'"),
    case("user-no-name", ["summary", f"{USER}:", "--no-fvcore"], r"cannot read model spec 'tests/data/user_net\.py:'"),
    case("user-file-without-name", ["summary", USER, "--no-fvcore"], r"cannot read model spec 'tests/data/user_net\.py'"),
    case("user-missing-module", ["summary", "nosuchmodule_xyz:Net", "--no-fvcore"], r"no module named 'nosuchmodule_xyz'"),
    case("user-not-a-model", ["summary", "os:path", "--no-fvcore"], r"os:path is a module, not a module class, factory or instance"),
    case("user-bad-forward", ["summary", f"{USER}:BadForward", "--no-fvcore"], r"forward pass failed for input shape \(1, 3, 8, 8\): RuntimeError: shape '\[-1, 7\]' is invalid"),
    case("user-bad-forward-compare", ["compare", "mobilenet", f"{USER}:BadForward", "--no-fvcore"], r"forward pass failed"),
    case("user-wrong-input-channels", ["summary", f"{USER}:OddNet", "--input-size", "3,33,33", "--no-fvcore"], r"forward pass failed for input shape \(1, 3, 33, 33\)"),
    case("kwargs-bad-json", ["summary", f"{USER}:make_oddnet", "--kwargs", "{width: 24}", "--no-fvcore"], r"--kwargs is not valid JSON: .* at column 2"),
    case("kwargs-json-not-object", ["summary", f"{USER}:make_oddnet", "--kwargs", "[24]", "--no-fvcore"], r"--kwargs: cannot read '\[24\]'"),
    case("kwargs-not-pairs", ["summary", f"{USER}:make_oddnet", "--kwargs", "width", "--no-fvcore"], r"--kwargs: cannot read 'width'; use key=value pairs or a JSON object"),
    case("kwargs-unknown-argument", ["summary", f"{USER}:OddNet", "--kwargs", "depth=3", "--no-fvcore"], r"OddNet\(depth=3\) failed: TypeError: .*unexpected keyword argument 'depth'"),
    case("kwargs-bad-value", ["summary", f"{USER}:OddNet", "--kwargs", "width=0", "--no-fvcore"], r"OddNet\(width=0\) failed: ValueError"),
    # ---------------------------------------------------------------- layer
    case("layer-groups-not-dividing", ["layer", "--groups", "3", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8"], r"groups=3 does not divide the channels of the grouped variant \(4 -> 2\); values that would work there: 1, 2"),
    case("layer-given-groups-odd-channels", ["layer", "--in", "3", "--out", "5", "--kernel", "3", "--size", "8", "--groups", "2"], r"groups=2 does not divide"),
    case("layer-kernel-0", ["layer", "--in", "4", "--out", "2", "--kernel", "0", "--size", "8"], r"--kernel must be >= 1, got 0"),
    case("layer-size-0", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "0"], r"--size must be >= 1, got 0"),
    case("layer-in-0", ["layer", "--in", "0", "--out", "2", "--kernel", "3", "--size", "8"], r"--in must be >= 1, got 0"),
    case("layer-out-negative", ["layer", "--in", "4", "--out", "-2", "--kernel", "3", "--size", "8"], r"--out must be >= 1, got -2"),
    case("layer-stride-0", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "--stride", "0"], r"--stride must be >= 1, got 0"),
    case("layer-groups-0", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "--groups", "0"], r"--groups must be >= 1, got 0"),
    case("layer-ratio-0", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "--ratio", "0"], r"--ratio must be >= 1, got 0|ratio must be >= 2"),
    case("layer-ratio-1", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "--ratio", "1"], r"ratio must be >= 2"),
    # ---------------------------------------------------------------- bench
    case("bench-invalid-option", ["bench", "mobilenet", "--alpha", "0", "--repeats", "1"], r"alpha must be > 0"),
    case("bench-bad-forward", ["bench", f"{USER}:BadForward", "--repeats", "1", "--warmup", "0"], r"forward pass failed for input shape \(1, 3, 8, 8\)"),
    case("bench-broken-factory", ["bench", f"{USER}:broken_factory", "--repeats", "1"], r"broken_factory\(\) failed"),
    # ---------------------------------------------------------------- Typer's own usage errors
    case("alpha-not-a-number", ["summary", "mobilenet", "--alpha", "abc", "--no-fvcore"], r"option 'alpha': cannot read 'abc' as float"),
    case("resolution-not-an-int", ["summary", "mobilenet", "--resolution", "2.5", "--no-fvcore"], r"option 'resolution': cannot read '2.5' as int"),
    case("groups-not-an-int", ["summary", "shufflenet", "--groups", "two", "--no-fvcore"], r"option 'groups': cannot read 'two' as int"),
    case("usage-batch-0", ["summary", "mobilenet", "--batch", "0", "--no-fvcore"], r"Invalid value for '--batch'", kind="usage"),
    case("usage-batch-0-sweep", ["sweep", "mobilenet", "--alpha", "1,0.5", "--batch", "0"], r"Invalid value for '--batch'", kind="usage"),
    case("usage-dtype-fp64", ["summary", "mobilenet", "--dtype", "fp64", "--no-fvcore"], r"Invalid value for '--dtype'", kind="usage"),
    case("usage-format-xml", ["summary", "mobilenet", "--format", "xml", "--no-fvcore"], r"Invalid value for '--format'", kind="usage"),
    case("usage-depth-negative", ["summary", "mobilenet", "--depth", "-1", "--no-fvcore"], r"Invalid value for '--depth'", kind="usage"),
    case("usage-unknown-flag", ["summary", "mobilenet", "--bogus", "--no-fvcore"], r"No such option: --bogus", kind="usage"),
    case("usage-missing-arch", ["summary", "--no-fvcore"], r"Missing argument", kind="usage"),
    case("usage-unknown-command", ["sumary", "mobilenet"], r"No such command 'sumary'", kind="usage"),
    case("usage-layer-missing-in", ["layer", "--out", "2", "--kernel", "3", "--size", "8"], r"Missing option '--in'", kind="usage"),
    case("usage-layer-batch-0", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "8", "--batch", "0"], r"Invalid value for '--batch'", kind="usage"),
    case("usage-pin-without-output", ["pin", "mobilenet"], r"Missing option '--output'", kind="usage"),
    case("usage-bench-repeats-0", ["bench", "mobilenet", "--repeats", "0"], r"Invalid value for '--repeats'", kind="usage"),
    case("usage-bench-warmup-negative", ["bench", "mobilenet", "--warmup", "-1"], r"Invalid value for '--warmup'", kind="usage"),
    case("usage-bench-threads-0", ["bench", "mobilenet", "--threads", "0"], r"Invalid value for '--threads'", kind="usage"),
    case("usage-bench-top-0", ["bench", "mobilenet", "--top", "0"], r"Invalid value for '--top'", kind="usage"),
    case("usage-sweep-repeats-0", ["sweep", "mobilenet", "--alpha", "1,0.5", "--bench", "--repeats", "0"], r"Invalid value for '--repeats'", kind="usage"),
    # ================================================================ issue 14: the promises under attack
    # ---------------------------------------------------------------- numbers: non-finite, too large, too many digits
    case("alpha-inf", ["summary", "mobilenet", "--alpha", "inf", *R32], r"option 'alpha': 'inf' is not a finite number"),
    case("alpha-minus-inf", ["summary", "mobilenet", "--alpha=-inf", *R32], r"option 'alpha': '-inf' is not a finite number"),
    case("alpha-nan", ["summary", "mobilenet", "--alpha", "nan", *R32], r"option 'alpha': 'nan' is not a finite number"),
    case("alpha-1e308", ["summary", "mobilenet", "--alpha", "1e308", *R32], r"alpha must be <= 1000, got 1e\+308"),
    case("alpha-1e400", ["summary", "mobilenet", "--alpha", "1e400", *R32], r"option 'alpha': '1e400' is not a finite number"),
    case("width-inf", ["summary", "ghostnet", "--width", "inf", *R32], r"option 'width': 'inf' is not a finite number"),
    case("width-1e308", ["summary", "mobilenet_v2", "--width", "1e308", *R32], r"width must be <= 1000"),
    case("ratio-huge", ["summary", "ghostnet", "--ratio", "100000000000", *R32], r"ratio must be <="),
    case("spec-alpha-inf", ["summary", "mobilenet@alpha=inf", *R32], r"option 'alpha': 'inf' is not a finite number"),
    case("spec-alpha-infinity-json", ["summary", "mobilenet@alpha=Infinity", *R32], r"option 'alpha': 'Infinity' is not a finite number"),
    case("set-alpha-inf", ["summary", "mobilenet", "--set", "alpha=inf", *R32], r"'inf' is not a finite number"),
    case("vary-alpha-inf", ["compare", "mobilenet", "--vary", "alpha=1,inf", *R32], r"'inf' is not a finite number"),
    case("vary-alpha-1e308", ["compare", "mobilenet", "--vary", "alpha=1,1e308", *R32], r"alpha must be <= 1000"),
    case("sweep-alpha-inf", ["sweep", "mobilenet", "--alpha", "1,inf"], r"'inf' is not a finite number"),
    case("sweep-width-inf", ["sweep", "ghostnet", "--width", "inf,1"], r"'inf' is not a finite number"),
    case("pin-spec-alpha-inf", ["pin", "mobilenet@alpha=inf", "-o", "{tmp}/p.toml"], r"'inf' is not a finite number"),
    case("expect-spec-alpha-inf", ["check", "--expect", "{tmp}/spec_inf.toml"], r"spec_inf\.toml:2: option 'alpha': 'inf' is not a finite number"),
    case("expect-value-inf", ["check", "--expect", "{tmp}/value_inf.toml"], r"value_inf\.toml:3: params: expected a whole count, got inf"),
    case("resolution-5000-digits", ["summary", "mobilenet", "--resolution", HUGE, "--no-fvcore"], r"option 'resolution': cannot read '9{20,}\.\.\. as int"),
    case("resolution-over-max", ["summary", "mobilenet", "--resolution", "2000000", "--no-fvcore"], r"resolution must be <= 1048576, got 2000000"),
    case("num-classes-over-max", ["summary", "mobilenet", "--num-classes", "10000000000000000", *R32], r"num_classes must be <="),
    case("batch-overflows-a-tensor", ["summary", "mobilenet", "--batch", "1000000000000000000000000", *R32], r"the input of shape 1e\+24x3x32x32 .* more than any tensor can \(2\^63\); use a smaller --resolution \(or --input-size\) or --batch"),
    case("input-size-overflows-a-tensor", ["summary", "mobilenet", "--input-size", "3,99999999999999999999,32", "--no-fvcore"], r"more than any tensor can"),
    case("user-batch-overflows-a-tensor", ["summary", f"{USER}:OddNet", "--batch", "100000000000000000000", "--no-fvcore"], r"more than any tensor can .*use a smaller --input-size or --batch"),
    case("layer-kernel-overflows", ["layer", "--in", "4", "--out", "2", "--kernel", "99999999999", "--size", "12"], r"the standard conv's weight .* more than any tensor can"),
    case("layer-size-overflows", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "1000000000000000"], r"the input of shape 1x4x1e\+15x1e\+15"),
    case("layer-batch-overflows", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "--batch", "100000000000000000000000000"], r"more than any tensor can"),
    case("expect-input-size-overflows", ["check", "--expect", "{tmp}/input_size_huge.toml"], r"more than any tensor can"),
    case("expect-batch-overflows", ["check", "--expect", "{tmp}/batch_huge.toml"], r"more than any tensor can"),
    case("pin-to-dash", ["pin", "mobilenet@resolution=32", "-o", "-"], r"pin updates a file: give its name \(-o lwprof\.toml\), not -"),
    case("layer-ratio-huge", ["layer", "--in", "4", "--out", "2", "--kernel", "3", "--size", "12", "--ratio", "100000000000000000000"], r"--ratio must be <= --out \(2\)"),
    case("spec-null-option", ["summary", "mobilenet@conv=null", *R32], r"option 'conv' has no value \(null\)"),
    case("spec-bool-option-2", ["summary", "mobilenet@shallow=2", *R32], r"option 'shallow': cannot read 2 as bool"),
    case("spec-float-option-true", ["summary", "mobilenet@alpha=true", *R32], r"option 'alpha': cannot read True as float"),
    case("usage-bench-repeats-huge", ["bench", "mobilenet", "--repeats", "1000000000"], r"Invalid value for '--repeats'", kind="usage"),
    # ---------------------------------------------------------------- real allocations: estimated first, refused with the flag that avoids it
    case("bench-resolution-100000", ["bench", "mobilenet", "--resolution", "100000", *BENCH1], r"timing runs the real model, which needs about .* GiB .*LWPROF_MAX_MEMORY\); use a smaller --resolution"),
    case("bench-batch-1e8", ["bench", "mobilenet", "--resolution", "32", "--batch", "100000000", *BENCH1], r"LWPROF_MAX_MEMORY\); use a smaller --resolution \(or --input-size\) or --batch"),
    case("bench-num-classes-1e9", ["bench", "mobilenet", "--resolution", "32", "--num-classes", "1000000000", *BENCH1], r"the weights take .* [GT]iB: use a smaller --alpha or --num-classes"),
    case("bench-alpha-100", ["bench", "mobilenet", "--resolution", "32", "--alpha", "100", *BENCH1], r"the weights take .* [GT]iB: use a smaller --alpha or --num-classes"),
    case("bench-user-batch-1e8", ["bench", f"{USER}:OddNet", "--batch", "100000000", *BENCH1], r"use a smaller --input-size or --batch"),
    case("bench-threads-100000", ["bench", "mobilenet", "--resolution", "32", "--threads", "100000", *BENCH1], r"threads must be between 1 and \d+ \(this machine has \d+ cores\), got 100000"),
    case("sweep-bench-resolution-100000", ["sweep", "mobilenet", "--alpha", "1,0.5", "--resolution", "100000", "--bench", "--repeats", "1"], r"timing runs the real model.*use a smaller --resolution"),
    case("device-cpu-too-large", ["summary", f"{USER}:OddNet", "--device", "cpu", "--input-size", "3,100000,100000", "--no-fvcore"], r"--device cpu runs a real forward pass, which needs at least .* GiB.*use a smaller --input-size or --batch"),
    # ---------------------------------------------------------------- user code: sys.exit anywhere, bad input_size attributes
    case("user-exit-at-import", ["summary", "tests/data/exits_at_import.py:Net", "--no-fvcore"], r"importing tests/data/exits_at_import\.py failed: it called sys\.exit\(3\)"),
    case("user-exit-in-factory", ["summary", f"{HOSTILE}:exit_factory", "--no-fvcore"], r"exit_factory\(\) failed: it called sys\.exit\(4\)"),
    case("user-exit-in-forward", ["summary", f"{HOSTILE}:ExitInForward", "--no-fvcore"], r"the model's forward called sys\.exit\(5\)"),
    case("user-exit-in-forward-bench", ["bench", f"{HOSTILE}:ExitInForward", *BENCH1], r"sys\.exit\(5\)"),
    case("user-exit-in-forward-pin", ["pin", f"{HOSTILE}:ExitInForward", "-o", "{tmp}/p.toml"], r"sys\.exit\(5\)"),
    case("user-exit-in-example-inputs", ["summary", f"{HOSTILE}:ExitInExampleInputs", "--no-fvcore"], r"ExitInExampleInputs\.example_inputs\(\) failed: it called sys\.exit\(6\)"),
    case("input-size-attr-text", ["summary", f"{HOSTILE}:SizeText", "--no-fvcore"], r"SizeText\.input_size must be a sequence of positive integers such as \(3, 224, 224\), got '3,8,8'"),
    case("input-size-attr-int", ["summary", f"{HOSTILE}:SizeInt", "--no-fvcore"], r"SizeInt\.input_size must be a sequence of positive integers.*got 8"),
    case("input-size-attr-letter", ["summary", f"{HOSTILE}:SizeLetter", "--no-fvcore"], r"got \(3, 'a', 8\)"),
    case("input-size-attr-zero", ["summary", f"{HOSTILE}:SizeZero", "--no-fvcore"], r"got \(3, 0, 8\)"),
    case("input-size-attr-bool", ["summary", f"{HOSTILE}:SizeBool", "--no-fvcore"], r"got \(True, 8, 8\)"),
    case("input-size-attr-float", ["summary", f"{HOSTILE}:SizeFloat", "--no-fvcore"], r"got \(3, 8\.5, 8\)"),
    case("input-size-attr-huge", ["summary", f"{HOSTILE}:SizeHuge", "--no-fvcore"], r"more than any tensor can"),
    # ---------------------------------------------------------------- files: expectations files that are not what they seem
    case("expect-binary", ["check", "--expect", "{tmp}/binary.toml"], r"binary\.toml: a binary file \(it holds NUL bytes\), not TOML text"),
    case("expect-latin1", ["check", "--expect", "{tmp}/latin1.toml"], r"latin1\.toml:3: not UTF-8 text \(byte 0xe9\); TOML files are UTF-8"),
    case("expect-bad-utf16", ["check", "--expect", "{tmp}/bad_utf16.toml"], r"bad_utf16\.toml: starts like UTF-16 but is not"),
    case("expect-model-list", ["check", "--expect", "{tmp}/model_list.toml"], r"model_list\.toml:1: 'model' must be \[\[model\]\] tables"),
    case("expect-model-table", ["check", "--expect", "{tmp}/model_table.toml"], r"model_table\.toml:1: \[model\] is one table; write each entry under \[\[model\]\]"),
    case("expect-batch-true", ["check", "--expect", "{tmp}/batch_true.toml"], r"batch_true\.toml:3: batch must be a positive integer, got true"),
    case("expect-spec-number", ["check", "--expect", "{tmp}/spec_number.toml"], r"spec_number\.toml:2: spec must be a text .*got 5"),
    case("expect-spec-empty", ["check", "--expect", "{tmp}/spec_empty.toml"], r"spec_empty\.toml:2: spec must be a text"),
    case("expect-input-size-bool", ["check", "--expect", "{tmp}/input_size_bool.toml"], r"input_size_bool\.toml:3: input_size must be a list of positive integers"),
    case("expect-value-extra-key", ["check", "--expect", "{tmp}/value_extra_key.toml"], r"value_extra_key\.toml:3: params: unknown key 'tolerence' in its table"),
    case("expect-100000-digits", ["check", "--expect", "{tmp}/huge_integer.toml"], r"huge_integer\.toml: not usable TOML: Exceeds the limit \(4300 digits\)"),
    case("expect-5000-deep", ["check", "--expect", "{tmp}/deep_arrays.toml"], r"deep_arrays\.toml: not usable TOML: arrays or tables nested too deeply"),
    case("expect-second-spec-unknown", ["check", "--expect", "{tmp}/second_bad_spec.toml"], r"second_bad_spec\.toml:6: unknown architecture 'mobilnet'"),
    case("expect-model-file-missing", ["check", "--expect", "{tmp}/missing_model_file.toml"], r"missing_model_file\.toml:2: model file '.*nowhere/net\.py' does not exist"),
    case("expect-dev-zero", ["check", "--expect", "/dev/zero"], r"cannot read expectations file '/dev/zero': it is not a regular file"),
    case("expect-dev-null", ["check", "--expect", "/dev/null"], r"cannot read expectations file '/dev/null': it is not a regular file"),
    case("pin-into-binary", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/binary.toml"], r"binary\.toml: a binary file"),
    case("pin-into-json", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/exists.json"], r"exists\.json: not valid TOML"),
    case("pin-into-model-table", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/model_table.toml"], r"\[model\] is one table"),
    # ---------------------------------------------------------------- files: targets that must not be written
    case("output-trailing-slash", ["summary", "mobilenet", *R32, "-o", "{tmp}/newdir/"], r"cannot write '.*newdir/': a name ending in '/' is a directory; give a file name"),
    case("output-existing-dir-slash", ["summary", "mobilenet", *R32, "-o", "{tmp}/subdir/"], r"a name ending in '/' is a directory"),
    case("output-fifo-force", ["summary", "mobilenet", *R32, "-o", "{tmp}/fifo", "--force"], r"cannot write '.*fifo': it is not a regular file"),
    case("output-link-to-fifo-force", ["list", "-f", "csv", "-o", "{tmp}/fifo-link", "--force"], r"cannot write '.*fifo-link': it is not a regular file"),
    case("plot-fifo-force", ["summary", "mobilenet", *R32, "--plot", "{tmp}/fifo.png", "--force"], r"cannot write '.*fifo\.png': it is not a regular file"),
    case("pin-fifo", ["pin", "mobilenet@resolution=32", "-o", "{tmp}/fifo"], r"cannot write '.*fifo': it is not a regular file"),
    case("output-name-too-long", ["list", "-f", "csv", "-o", "{tmp}/" + "n" * 256], r"cannot write '.*n{256}': File name too long|longer than the 255 bytes"),
    case("output-parent-is-a-file", ["list", "-f", "csv", "-o", "{tmp}/exists.json/x.csv"], r"cannot write '.*exists\.json/x\.csv': (Not a directory|directory '.*exists\.json' is not a directory)"),
    case("output-in-proc", ["list", "-f", "csv", "-o", "/proc/lwprof-test.csv"], r"cannot write '/proc/lwprof-test\.csv'"),
    case("pin-in-proc", ["pin", "mobilenet@resolution=32", "-o", "/proc/lwprof-test.toml"], r"cannot write '/proc/lwprof-test\.toml'"),
    # ---------------------------------------------------------------- data loss: every target checked before any is written
    case("plot-exists-summary", ["summary", "mobilenet", *R32, "--plot", "{tmp}/exists.png"], r"'.*exists\.png' already exists; pass --force"),
    case("plot-exists-compare", ["compare", "mobilenet", *R32, "--plot", "{tmp}/exists.png"], r"already exists; pass --force"),
    case("plot-exists-sweep", ["sweep", "mobilenet", "--alpha", "1,0.5", "--plot", "{tmp}/exists.png"], r"already exists; pass --force"),
    case("plot-exists-bench", ["bench", "mobilenet", "--resolution", "32", *BENCH1, "--plot", "{tmp}/exists.png"], r"already exists; pass --force"),
    case("plot-jpg", ["compare", "mobilenet", *R32, "--plot", "{tmp}/p.jpg"], r"must end in \.png, \.svg, \.pdf"),
    case("plot-unwritable-keeps-output-unwritten", ["summary", "mobilenet", *R32, "-f", "json", "-o", "{tmp}/a.json", "--plot", "/proc/lwprof-test.png"], r"cannot write '/proc/lwprof-test\.png'"),
    case("plot-unwritable-sweep", ["sweep", "mobilenet", "--alpha", "1,0.5", "-f", "csv", "-o", "{tmp}/a.csv", "--plot", "/proc/lwprof-test.png"], r"cannot write '/proc/lwprof-test\.png'"),
    case("output-and-plot-same", ["summary", "mobilenet", *R32, "-o", "{tmp}/same.png", "--plot", "{tmp}/same.png"], r"--output and --plot both name '.*same\.png'; give them different files"),
    case("output-and-plot-same-spelt-differently", ["compare", "mobilenet", *R32, "-o", "{tmp}/same.png", "--plot", "{tmp}/./same.png", "--force"], r"--output and --plot both name"),
    case("plot-nothing-to-draw", ["summary", f"{HOSTILE}:NoMacs", "--no-fvcore", "-f", "json", "-o", "{tmp}/a.json", "--plot", "{tmp}/p.png"], r"nothing to plot: no layer has MACs"),
    # ---------------------------------------------------------------- messages
    case("model-file-is-a-directory", ["summary", "tests/data/:Net", "--no-fvcore"], r"model file 'tests/data/' is a directory; name a \.py file in it"),
    case("model-file-is-dev-null", ["summary", "/dev/null:Net", "--no-fvcore"], r"model file '/dev/null' is not a regular file"),
    case("model-spec-two-colons", ["summary", f"{USER}:OddNet:Extra", "--no-fvcore"], r"one ':' separates the file or module from the name"),
    case("groups-with-default-conv", ["summary", "mobilenet", "--groups", "3", *R32], r"groups has no effect on mobilenet_v1 unless conv=grouped \(here conv=dwsep\); add --conv grouped or drop --groups"),
    case("empty-spec", ["summary", "", "--no-fvcore"], r"model spec '' has no name"),
    # ================================================================ issue 25: the calibration, the cache and user code under attack
    # ---------------------------------------------------------------- calibration files edited by hand, truncated, or not files at all
    case("cal-negative", [*CAL, "{tmp}/cal_negative.json"], r"calibration '.*cal_negative\.json': kinds\.conv1x1\.coefficients\.macs must not be negative, got -1e-10; run `lwprof calibrate` again"),
    case("cal-nan", [*CAL, "{tmp}/cal_nan.json"], r"cal_nan\.json': kinds\.conv1x1\.coefficients\.macs must be a finite number, got NaN; run `lwprof calibrate` again"),
    case("cal-infinity", [*CAL, "{tmp}/cal_infinity.json"], r"kinds\.dwconv\.coefficients\.calls must be a finite number, got Infinity"),
    case("cal-true", [*CAL, "{tmp}/cal_true.json"], r"kinds\.conv1x1\.coefficients\.macs must be a number, got true"),
    case("cal-text-number", [*CAL, "{tmp}/cal_text_number.json"], r"kinds\.linear\.coefficients\.bytes must be a number, got \"1e-10\""),
    case("cal-huge-number", [*CAL, "{tmp}/cal_huge_number.json"], r"kinds\.conv\.coefficients\.macs is too large"),
    case("cal-threads-0", [*CAL, "{tmp}/cal_threads_0.json"], r"cal_threads_0\.json': threads must be a positive whole number of threads, got 0; run `lwprof calibrate` again"),
    case("cal-threads-1.9", [*CAL, "{tmp}/cal_threads_frac.json"], r"threads must be a positive whole number of threads, got 1\.9"),
    case("cal-threads-true", [*CAL, "{tmp}/cal_threads_true.json"], r"threads must be a positive whole number of threads, got true"),
    case("cal-unknown-kind", [*CAL, "{tmp}/cal_unknown_kind.json"], r"kinds\.conv3d is not a kind lwprof knows \(known: conv1x1, conv, "),
    case("cal-unknown-feature", [*CAL, "{tmp}/cal_unknown_feature.json"], r"kinds\.view\.coefficients\.macs is not a feature the view kind uses \(its features: calls\)"),
    case("cal-unknown-field", [*CAL, "{tmp}/cal_unknown_field.json"], r"colour is not a field lwprof knows"),
    case("cal-missing-kind", [*CAL, "{tmp}/cal_missing_kind.json"], r"kinds\.network is missing; run `lwprof calibrate` again"),
    case("cal-missing-threads", [*CAL, "{tmp}/cal_missing_threads.json"], r"threads is missing"),
    case("cal-other-version", [*CAL, "{tmp}/cal_version_4.json"], r"version is the calibration format; this lwprof reads 1 to 3, got 4; run `lwprof calibrate` again"),
    case("cal-bad-dtype", [*CAL, "{tmp}/cal_dtype.json"], r"dtype must be one of fp32, bf16, fp16, got \"int8\""),
    case("cal-benchmark-negative", [*CAL, "{tmp}/cal_bench_negative.json"], r"benchmarks\[0\]\.median_s must not be negative"),
    case("cal-benchmark-row-key", [*CAL, "{tmp}/cal_bench_row.json"], r"benchmarks\[0\]\.row has an unknown key 'conv1x1\.flops'"),
    case("cal-array", [*CAL, "{tmp}/cal_array.json"], r"not a calibration file \(expected a JSON object, got an array\); run `lwprof calibrate` again"),
    case("cal-empty", [*CAL, "{tmp}/cal_empty.json"], r"calibration '.*cal_empty\.json' is empty; run `lwprof calibrate` again"),
    case("cal-truncated", [*CAL, "{tmp}/cal_truncated.json"], r"cal_truncated\.json' is not valid JSON \(.* at line 1, column \d+\); run `lwprof calibrate` again"),
    case("cal-binary", [*CAL, "{tmp}/cal_binary.json"], r"cal_binary\.json' is not UTF-8 text \(byte 0xff at offset 0\); run `lwprof calibrate` again"),
    case("cal-deep", [*CAL, "{tmp}/cal_deep.json"], r"cal_deep\.json': arrays or objects nested too deeply"),
    case("cal-100000-digits", [*CAL, "{tmp}/cal_digits.json"], r"cal_digits\.json' is not usable JSON .*; run `lwprof calibrate` again"),
    case("cal-directory", [*CAL, "{tmp}/subdir"], r"calibration '.*subdir' is a directory, not a calibration file"),
    case("cal-fifo", [*CAL, "{tmp}/fifo"], r"calibration '.*fifo' is not a regular file \(a FIFO, device or socket\)"),
    case("cal-dev-null", [*CAL, "/dev/null"], r"calibration '/dev/null' is not a regular file"),
    case("cal-missing", [*CAL, "{tmp}/nope.json"], r"calibration file '.*nope\.json' does not exist \(make one with `lwprof calibrate --save"),
    case("cal-parent-is-a-file", [*CAL, "{tmp}/exists.json/cal.json"], r"cannot read calibration '.*exists\.json/cal\.json': a part of the path is not a folder"),
    case("cal-negative-fit", ["fit", "mobilenet", "--vary", "alpha=0.5,1", "--objective", "latency", "--calibration", "{tmp}/cal_negative.json"], r"coefficients\.macs must not be negative"),
    case("cal-negative-bench", ["bench", "mobilenet", "--resolution", "32", *BENCH1, "--calibration", "{tmp}/cal_negative.json"], r"must not be negative"),
    case("cal-negative-sweep", ["sweep", "mobilenet", "--alpha", "1,0.5", "--predict", "--calibration", "{tmp}/cal_negative.json"], r"must not be negative"),
    case("cal-negative-compare", ["compare", "mobilenet", *R32, "--predict", "--calibration", "{tmp}/cal_negative.json"], r"must not be negative"),
    case("cal-cache-negative", ["summary", "mobilenet", *R32, "--predict"], r"calibration '.*badcache/calibration-.*\.json': kinds\.conv1x1\.coefficients\.macs must not be negative", env={"LWPROF_CACHE_DIR": "{tmp}/badcache"}),
    case("cal-cache-is-a-file", ["summary", "mobilenet", *R32, "--predict"], r"'.*exists\.json' is a file, not a folder; the cache is \$XDG_CACHE_HOME/lwprof: set XDG_CACHE_HOME", env={**NO_CACHE_VARS, "XDG_CACHE_HOME": "{tmp}/exists.json"}),
    case("cal-cache-file-is-a-directory", ["summary", "mobilenet", *R32, "--predict"], r"this machine's calibration '.*dircache/calibration-.*' is a directory, not a file; remove it", env={"LWPROF_CACHE_DIR": "{tmp}/dircache"}),
    # ---------------------------------------------------------------- the cache and --save: checked before the first benchmark
    case("cache-xdg-is-a-file", CAL_ONE, r"cannot use '.*exists\.json/lwprof' for the calibration cache: '.*exists\.json' is a file, not a folder; the cache is \$XDG_CACHE_HOME/lwprof: set XDG_CACHE_HOME, or LWPROF_CACHE_DIR", env={**NO_CACHE_VARS, "XDG_CACHE_HOME": "{tmp}/exists.json"}),
    case("cache-dir-dev-null", CAL_ONE, r"cannot use '/dev/null' for the calibration cache: it is a device, pipe or socket, not a folder; set LWPROF_CACHE_DIR to a folder you can write \(or give --save FILE\)", env={"LWPROF_CACHE_DIR": "/dev/null"}),
    case("cache-dir-is-a-file", CAL_ONE, r"cannot use '.*exists\.json' for the calibration cache: it is a file, not a folder; set LWPROF_CACHE_DIR", env={"LWPROF_CACHE_DIR": "{tmp}/exists.json"}),
    case("cache-dir-read-only", CAL_ONE, r"cannot write '/sys/fs/calibration-.*-1t-fp32\.json': (permission denied|not permitted); set LWPROF_CACHE_DIR", env={"LWPROF_CACHE_DIR": "/sys/fs"}),
    case("cache-home-read-only", CAL_ONE, r"cannot create '/sys/\.cache/lwprof' for the calibration cache: '/sys' refuses new folders: (permission denied|not permitted); the cache is ~/\.cache/lwprof: set LWPROF_CACHE_DIR \(or XDG_CACHE_HOME\)", env={**NO_CACHE_VARS, "HOME": "/sys"}),
    case("cache-file-name-is-a-directory", CAL_ONE, r"cannot write '.*dircache/calibration-.*-1t-fp32\.json': it is a directory; set LWPROF_CACHE_DIR", env={"LWPROF_CACHE_DIR": "{tmp}/dircache"}),
    case("cache-dir-in-proc", CAL_ONE, r"calibration cache", env={"LWPROF_CACHE_DIR": "/proc/lwprof-test"}),
    case("calibrate-threads-before-cache", ["calibrate", "--quick", "--threads", "100000"], r"threads must be between 1 and", env={"LWPROF_CACHE_DIR": "/dev/null"}),
    case("save-read-only", ["calibrate", "--quick", "--save", "/sys/fs/cal.json"], r"cannot write '/sys/fs/cal\.json': (permission denied|not permitted); give --save a path in a folder you can write"),
    case("save-exists", ["calibrate", "--quick", "--save", "{tmp}/exists.json"], r"'.*exists\.json' already exists; pass --force"),
    case("save-directory", ["calibrate", "--quick", "--save", "{tmp}/subdir", "--force"], r"cannot write '.*subdir': it is a directory; give --save a file name"),
    case("save-missing-dir", ["calibrate", "--quick", "--save", "{tmp}/no/cal.json"], r"directory '.*no' does not exist; create it first, or give --save another path"),
    case("calibrate-output-read-only", ["calibrate", "--quick", "-o", "/sys/fs/c.txt"], r"cannot write '/sys/fs/c\.txt': (permission denied|not permitted); give --output a path in a folder you can write"),
    case("output-read-only", ["summary", "mobilenet", *R32, "-o", "/sys/fs/s.txt"], r"cannot write '/sys/fs/s\.txt': (permission denied|not permitted); give --output a path"),
    case("plot-read-only", ["summary", "mobilenet", *R32, "--plot", "/sys/fs/p.png"], r"cannot write '/sys/fs/p\.png': (permission denied|not permitted); give --plot a path"),
    case("pin-read-only", ["pin", "mobilenet@resolution=32", "-o", "/sys/fs/p.toml"], r"cannot write '/sys/fs/p\.toml': (permission denied|not permitted)"),
    case("output-parent-missing-names-flag", ["list", "-o", "{tmp}/no/l.txt"], r"directory '.*no' does not exist; create it first, or give --output another path"),
    # ---------------------------------------------------------------- user code: os._exit anywhere
    case("user-os-exit-at-import", ["summary", "tests/data/os_exits_at_import.py:Net", "--no-fvcore"], r"importing tests/data/os_exits_at_import\.py failed: it called os\._exit\(7\)"),
    case("user-os-exit-in-factory", ["summary", f"{HOSTILE}:os_exit_factory", "--no-fvcore"], r"os_exit_factory\(\) failed: it called os\._exit\(8\)"),
    case("user-os-exit-in-forward", ["summary", f"{HOSTILE}:OsExitInForward", "--no-fvcore"], r"the model's forward called os\._exit\(9\)"),
    case("user-os-exit-in-forward-fvcore", ["summary", f"{HOSTILE}:OsExitInForward"], r"os\._exit\(9\)"),
    case("user-os-exit-in-forward-bench", ["bench", f"{HOSTILE}:OsExitInForward", *BENCH1, "-o", "{tmp}/b.txt"], r"os\._exit\(9\)"),
    case("user-os-exit-in-forward-pin", ["pin", f"{HOSTILE}:OsExitInForward", "-o", "{tmp}/p.toml"], r"os\._exit\(9\)"),
    case("user-os-exit-in-forward-pin-existing", ["pin", f"{HOSTILE}:OsExitInForward", "-o", "{tmp}/empty.toml"], r"os\._exit\(9\)"),
    case("user-os-exit-in-forward-compare", ["compare", "mobilenet", f"{HOSTILE}:OsExitInForward", "--no-fvcore"], r"os\._exit\(9\)"),
    case("user-os-exit-in-example-inputs", ["summary", f"{HOSTILE}:OsExitInExampleInputs", "--no-fvcore"], r"OsExitInExampleInputs\.example_inputs\(\) failed: it called os\._exit\(10\)"),
    case("user-os-exit-in-timed-runs", ["bench", f"{HOSTILE}:OsExitAfterProfiling", *BENCH1, "-f", "json", "-o", "{tmp}/b.json", "--plot", "{tmp}/b.png"], r"the model called os\._exit\(11\); lwprof stopped it and wrote nothing"),
    case("user-sys-exit-in-timed-runs", ["bench", f"{HOSTILE}:SysExitAfterProfiling", *BENCH1, "-o", "{tmp}/b.txt"], r"the model called sys\.exit\(12\); lwprof stopped it and wrote nothing"),
    case("user-os-exit-in-checked-expectation", ["check", "--expect", "{tmp}/os_exit.toml"], r"os\._exit\(9\)"),
    case("user-dict-for-a-tensor", ["summary", f"{HOSTILE}:DictToConv", "--no-fvcore"], r"forward pass failed for input shape \(1, 3, 8, 8\): TypeError: conv2d\(\) received an invalid combination of arguments - got \(dict, .*\)$"),
    case("user-dict-for-a-tensor-fvcore", ["summary", f"{HOSTILE}:DictToConv"], r"TypeError: conv2d\(\) received an invalid combination of arguments - got \(dict"),
    case("user-dict-for-a-tensor-bench", ["bench", f"{HOSTILE}:DictToConv", *BENCH1], r"got \(dict"),
    # ---------------------------------------------------------------- paths with @ and : in folder names
    case("user-missing-file-at-folder", ["summary", "nowhere/v@2/net.py:Net", "--no-fvcore"], r"model file 'nowhere/v@2/net\.py' does not exist"),
    case("user-missing-file-at-folder-kwargs", ["summary", "nowhere/v@2/net.py:Net@width=8", "--no-fvcore"], r"model file 'nowhere/v@2/net\.py' does not exist"),
    case("user-missing-file-colon-folder", ["summary", "nowhere/a:b/net.py:Net@width=8", "--no-fvcore"], r"model file 'nowhere/a:b/net\.py' does not exist"),
    case("user-file-parent-is-a-file", ["summary", "tests/data/user_net.py/net.py:Net", "--no-fvcore"], r"cannot read model file 'tests/data/user_net\.py/net\.py': a part of the path is not a folder"),
    # ---------------------------------------------------------------- --input-size element types a zoo model cannot take
    case("input-size-long-zoo", ["summary", "mobilenet", "--input-size", "long:3,32,32", "--no-fvcore"], r"--input-size int64:3,32,32: mobilenet_v1 takes a float32 image, not int64 elements; give --input-size 3,32,32$"),
    case("input-size-bool-zoo", ["summary", "mobilenet", "--input-size", "bool:3,32,32", "--no-fvcore"], r"not bool elements; give --input-size 3,32,32$"),
    case("input-size-fp16-zoo", ["summary", "mobilenet", "--input-size", "fp16:3,32,32", "--no-fvcore"], r"not float16 elements; give --input-size 3,32,32 with --dtype fp16"),
    case("input-size-bf16-zoo-bench", ["bench", "shufflenet", "--input-size", "bf16:3,32,32", *BENCH1], r"not bfloat16 elements; give --input-size 3,32,32 with --dtype bf16"),
    # ---------------------------------------------------------------- thread variables torch's libraries cannot read
    case("omp-num-threads-abc", ["summary", "mobilenet", *R32], r"environment variable OMP_NUM_THREADS='abc' is not a positive whole number \(or a comma list of them\); unset it", env={"OMP_NUM_THREADS": "abc"}),
    case("omp-num-threads-0", ["bench", "mobilenet", "--resolution", "32", *BENCH1], r"OMP_NUM_THREADS='0' is not a positive whole number", env={"OMP_NUM_THREADS": "0"}),
    case("omp-num-threads-empty", ["summary", "mobilenet", *R32, "--predict"], r"OMP_NUM_THREADS='' is not", env={"OMP_NUM_THREADS": ""}),
    case("omp-num-threads-fraction", ["calibrate", "--quick"], r"OMP_NUM_THREADS='1\.5' is not", env={"OMP_NUM_THREADS": "1.5"}),
    case("mkl-num-threads-abc", ["summary", "mobilenet", *R32], r"environment variable MKL_NUM_THREADS='abc' is not a positive whole number; unset it", env={"MKL_NUM_THREADS": "abc"}),
    case("mkl-num-threads-list", ["summary", "mobilenet", *R32], r"MKL_NUM_THREADS='4,2' is not a positive whole number", env={"MKL_NUM_THREADS": "4,2"}),
    case("usage-missing-arch-one-line", ["bench"], r"Missing argument", kind="usage"),
    case("usage-unknown-command-one-line", ["summarise"], r"No such command 'summarise'", kind="usage"),
    case("usage-bad-choice", ["summary", "mobilenet", "--device", "gpu"], r"Invalid value for '--device'", kind="usage"),
    case("usage-option-needs-value", ["summary", "mobilenet", "--alpha"], r"Option '--alpha' requires an argument", kind="usage"),
]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # user specs are relative to the repository root
    (tmp_path / "exists.json").write_text("keep me")
    (tmp_path / "exists.png").write_bytes(b"\x89PNG keep me")
    (tmp_path / "subdir").mkdir()
    os.mkfifo(tmp_path / "fifo")  # a special file in place of an output: never replaced, even with --force
    os.mkfifo(tmp_path / "fifo.png")
    (tmp_path / "fifo-link").symlink_to(tmp_path / "fifo")
    for name, text in TOML_FILES.items():
        (tmp_path / name).write_text(text)
    for name, data in BYTE_FILES.items():
        (tmp_path / name).write_bytes(data)
    for name, data in CAL_FILES.items():
        (tmp_path / name).write_bytes(data() if callable(data) else data)
    # a cache holding this machine's calibration with a negative coefficient, and one where a
    # folder has taken the file's name (for 1 thread, what the calibrate cases ask for, and torch's)
    import torch

    from lwprof.latency.costmodel import calibration_file

    for threads in {1, torch.get_num_threads()}:
        calibration_file(threads, "fp32", tmp_path / "badcache").parent.mkdir(exist_ok=True)
        calibration_file(threads, "fp32", tmp_path / "badcache").write_bytes(CAL_FILES["cal_negative.json"]())
        calibration_file(threads, "fp32", tmp_path / "dircache").mkdir(parents=True, exist_ok=True)
    return tmp_path


def _snapshot(root: Path) -> dict[str, Any]:
    """Every path under ``root`` (hidden temp files included) with its bytes (folders: None;
    special files and links: their kind, so a FIFO replaced by a regular file shows)."""

    def state(p: Path) -> Any:
        if p.is_symlink():
            return ("link", os.readlink(p))
        if stat.S_ISFIFO(p.lstat().st_mode):
            return "fifo"
        return p.read_bytes() if p.is_file() else None

    return {str(p.relative_to(root)): state(p) for p in sorted(root.rglob("*"))}


@pytest.fixture
def warnings_as_in_the_cli() -> Iterator[None]:
    """Warnings printed on (the captured) stderr, filtered as Python filters them by default.

    pytest records warnings instead of printing them; the real ``lwprof`` prints them, so a
    library warning would be a second line before the ``error:`` line.
    """

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.filterwarnings("ignore", category=category)
        warnings.showwarning = show
        yield


@pytest.mark.parametrize(("argv", "message", "kind", "env"), CATALOGUE)
def test_bad_input(argv: list[str], message: str, kind: str, env: dict[str, str | None], scratch: Path, warnings_as_in_the_cli: None, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [a.replace("{tmp}", str(scratch)) for a in argv]
    before = _snapshot(scratch)
    _no_calibration_runs(monkeypatch)
    result = runner.invoke(cli.app, args, env={k: v if v is None else v.replace("{tmp}", str(scratch)) for k, v in env.items()})
    stdout, stderr = result.stdout, result.stderr
    where = f"lwprof {' '.join(args)}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}"

    assert result.exception is None or isinstance(result.exception, SystemExit), f"crashed with {result.exception!r}\n{where}"
    assert "Traceback" not in stdout + stderr, where
    assert result.exit_code == 2, where
    assert stdout == "", f"printed a result before failing\n{where}"
    if kind == "error":
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), f"want one 'error:' line\n{where}"
        assert re.search(message, lines[0]), f"{message!r} not in the error line\n{where}"
    else:  # click's own usage errors: one line too, naming the command's --help
        assert kind == "usage"
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and re.search(r"\(see 'lwprof( \w+)? --help'\)$", lines[0]), f"want one 'error:' line\n{where}"
        assert re.search(message, lines[0]), f"{message!r} not in the usage error\n{where}"
    assert _snapshot(scratch) == before, f"the scratch directory changed\n{where}"


def _no_calibration_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case fails before work starts: a micro-benchmark that runs is a failure of its own."""
    from lwprof.latency import calibrate

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a calibration benchmark ran before the bad input was refused")

    monkeypatch.setattr(calibrate, "_run", never)


def test_catalogue_ids_are_unique() -> None:
    ids = [p.id for p in CATALOGUE]
    assert len(ids) == len(set(ids))
