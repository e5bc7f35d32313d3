"""Measured latency: structure and bookkeeping (no timing thresholds: those live in make bench)."""

from __future__ import annotations

import pytest
import torch

from lwprof.errors import LwprofError
from lwprof.latency import measure


def test_measure_reports_every_leaf_with_ranks_and_restores_threads():
    before = torch.get_num_threads()
    calls = []
    r = measure("mobilenet", resolution=64, warmup=1, repeats=3, threads=1, progress=lambda label, i, n: calls.append((i + 1, n)))
    assert torch.get_num_threads() == before
    assert r.threads == 1 and len(r.times_s) == 3 and r.median_s > 0
    assert calls[-1] == (7, 7)  # 1 warm-up + 3 end-to-end + 3 per-layer passes
    names = [t.name for t in r.layers]
    assert names == [l.name for l in r.profile.leaves()]
    assert sorted(t.rank_time for t in r.layers) == list(range(1, len(names) + 1))
    assert sorted(t.rank_macs for t in r.layers) == list(range(1, len(names) + 1))
    assert sum(t.share for t in r.layers) == pytest.approx(1.0)
    assert sum(t.macs for t in r.layers) == r.profile.macs
    top = min(r.layers, key=lambda t: t.rank_macs)
    assert top.macs == max(t.macs for t in r.layers)
    d = r.to_dict()
    assert d["macs"] == r.profile.macs and len(d["layers"]) == len(names)


def test_measure_rejects_bad_settings():
    with pytest.raises(LwprofError):
        measure("mobilenet", repeats=0)
    with pytest.raises(LwprofError):
        measure("mobilenet", threads=0)
