"""What keeps the CLI's start-up and its cross-check cheap, held (the timings themselves: ``make bench``).

* torch's FlopCounterMode imports dynamo and sympy on its first op (~1 s); the cross-check's
  counter runs the same dispatch without that shim and must count exactly what torch's own does.
* A command imports torch with Python's garbage collector paused and freezes what torch made
  (``lwprof.cli.support.quick_imports``); the collector is on again after, and a process that had
  torch already (this one) is left as it was.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import types

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from lwprof.architectures import get_architecture
from lwprof.cli import support as cs
from lwprof.counting import crosscheck

# One fresh process: a cross-checked summary through the CLI, then what it left in sys.modules and the collector.
_SUMMARY = """
import gc, sys
sys.argv = ["lwprof", "summary", "mobilenet", "--resolution", "32", "-f", "json"]
from lwprof.cli import main
try:
    main()
except SystemExit as e:
    assert e.code in (0, None), e.code
assert "torch._dynamo" not in sys.modules, "the cross-check imported torch._dynamo"
assert gc.isenabled(), "the collector was left off"
print(gc.get_freeze_count(), file=sys.stderr)
"""


def test_a_cross_checked_summary_counts_as_torchs_own_counter_without_importing_dynamo() -> None:
    done = subprocess.run([sys.executable, "-c", _SUMMARY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # importing torch makes ~10^6 objects (the bare import: ~800,000 tracked ones); all frozen by quick_imports
    assert int(done.stderr.strip().splitlines()[-1]) > 200_000
    layers = {r["name"]: r for r in json.loads(done.stdout)["layers"]}
    # the oracle: torch's own FlopCounterMode (stock, dynamo shim and all) on the same model and input, halved to MACs
    model = get_architecture("mobilenet").build(resolution=32).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 32, 32))
    root = type(model).__name__
    counts = counter.get_flop_counts()
    stock = {("" if k == root else k.removeprefix(root + ".")): sum(v.values()) // 2 for k, v in counts.items() if k != "Global"}
    assert len(stock) > 50 and stock[""] - stock["features"] == 1024 * 1000  # the classifier: 1024 -> 1000
    assert stock[""] == layers[""]["macs"] == 12_610_048  # and lwprof's own total
    assert {name: layers[name]["torch_macs"] for name in stock} == stock
    assert all(r["crosscheck"] in ("ok", "by design") for r in layers.values())


def test_the_stock_counter_is_used_where_dynamo_is_imported_already(monkeypatch: pytest.MonkeyPatch) -> None:
    assert type(crosscheck.flop_counter()) is not FlopCounterMode or "torch._dynamo" in sys.modules
    monkeypatch.setitem(sys.modules, "torch._dynamo", sys.modules.get("torch._dynamo", types.ModuleType("torch._dynamo")))
    assert type(crosscheck.flop_counter()) is FlopCounterMode


def test_quick_imports_leave_a_process_with_torch_as_it_was() -> None:
    frozen = gc.get_freeze_count()
    with cs.quick_imports():
        assert gc.isenabled()  # torch is imported here already: nothing paused
    assert gc.isenabled() and gc.get_freeze_count() == frozen
