"""The benchmark harness (make bench): its tools agree where they should, and its timers work.

Speed and memory targets are checked by `make bench` itself (reports/benchmark.md), not here.
"""

from __future__ import annotations

import os
import sys

from lwprof.architectures import get_architecture
from studies.bench import peak_rss_mb, timings, tools, walls


def test_tools_agree_on_conv_and_linear_macs():
    model = get_architecture("mobilenet").build(resolution=32).eval()
    available = tools()
    params, macs = available["lwprof"](model, (3, 32, 32))
    assert params == sum(p.numel() for p in model.parameters())
    assert available["FlopCounterMode / 2"](model, (3, 32, 32)) == (None, macs)
    fv_params, fv_total = available["fvcore"](model, (3, 32, 32))
    assert fv_params == params and fv_total > macs  # fvcore adds BatchNorm and pooling


def test_timers():
    (t,) = walls([[sys.executable, "-c", "import time; time.sleep(0.3)"]], repeats=2)
    assert 0.3 <= t < 30  # at least the sleep: the timer times the whole process
    assert peak_rss_mb() > 10
    # CPU time is the child's own: a sleep uses next to none of its wall time, a busy loop all of it
    (sleep_wall, sleep_cpu), (busy_wall, busy_cpu) = timings(
        [[sys.executable, "-c", "import time; time.sleep(0.5)"], [sys.executable, "-c", "while True:\n import time\n if time.process_time() > 0.5: break"]],
        repeats=1,
        envs=[None, lambda: {**os.environ, "LWPROF_MARK": "1"}],
    )
    assert sleep_wall >= 0.5 > sleep_cpu and busy_cpu >= 0.5
