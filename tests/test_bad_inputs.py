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
  missing argument): print Typer's usage box on stderr, matching the regex;
* leave the scratch directory exactly as it was: no new file, no temp file, no changed file.

Paths: ``{tmp}`` in an argv is the test's scratch directory, which holds ``exists.json``
("keep me"), an empty directory ``subdir``, and the TOML files of :data:`TOML_FILES`.
"""

from __future__ import annotations

import re
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
R32 = ["--resolution", "32", "--no-fvcore"]  # summary/compare: small and fast

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
}

def case(id: str, argv: list[str], message: str, kind: str = "error", marks: Any = ()) -> Any:
    return pytest.param(argv, message, kind, id=id, marks=marks)


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
    case("set-no-value", ["summary", "mobilenet", "--set", "alpha=", *R32], r"--set 'alpha=': write KEY=VALUE"),
    case("set-and-flag", ["summary", "mobilenet", "--alpha", "0.5", "--set", "alpha=0.5", *R32], r"option 'alpha' is given twice"),
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
    case("pin-unknown-quantity", ["pin", "mobilenet@resolution=32", "-q", "latency", "-o", "{tmp}/p.toml"], r"cannot pin 'latency'; choose from params, trainable_params, macs, flops, peak_activation_bytes"),
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
]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # user specs are relative to the repository root
    (tmp_path / "exists.json").write_text("keep me")
    (tmp_path / "subdir").mkdir()
    for name, text in TOML_FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (hidden temp files included) with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


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


@pytest.mark.parametrize(("argv", "message", "kind"), CATALOGUE)
def test_bad_input(argv: list[str], message: str, kind: str, scratch: Path, warnings_as_in_the_cli: None) -> None:
    args = [a.replace("{tmp}", str(scratch)) for a in argv]
    before = _snapshot(scratch)
    result = runner.invoke(cli.app, args)
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
    else:
        assert kind == "usage"
        assert "Usage: lwprof" in stderr and "Error" in stderr, where
        assert re.search(message, stderr), f"{message!r} not in the usage error\n{where}"
    assert _snapshot(scratch) == before, f"the scratch directory changed\n{where}"


def test_catalogue_ids_are_unique() -> None:
    ids = [p.id for p in CATALOGUE]
    assert len(ids) == len(set(ids))
