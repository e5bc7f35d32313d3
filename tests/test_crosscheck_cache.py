"""The cross-check cache: the same structure on the same input reuses the tools' counts; anything else runs them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import lwprof
from lwprof.counting import cache, crosscheck


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LWPROF_CROSSCHECK_CACHE", "1")
    return tmp_path / "crosscheck"


def _without_note(p: lwprof.ModelProfile) -> lwprof.ModelProfile:
    return dataclasses.replace(p, crosscheck_note="")


def test_a_second_run_reuses_the_counts_and_gives_the_same_verdicts(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    assert len(list(cached.glob("*.json"))) == 1 and not list(cached.glob(".tmp-*"))

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tools ran although their counts were cached")

    monkeypatch.setattr(crosscheck, "tool_counts", never)
    second = lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    assert _without_note(second) == _without_note(first)
    # the independent oracle is still the tools: FlopCounterMode's total equals lwprof's MACs, record by record
    assert second.torch_macs == second.macs and [r.crosscheck for r in second.layers] == [r.crosscheck for r in first.layers]
    assert "come from the cache" in second.crosscheck_note and "cache" not in first.crosscheck_note


def test_another_structure_or_input_runs_the_tools(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    runs = []
    real = crosscheck.tool_counts
    monkeypatch.setattr(crosscheck, "tool_counts", lambda *a, **k: runs.append(1) or real(*a, **k))
    lwprof.profile("mobilenet", resolution=32, alpha=0.5, crosscheck=True)  # other widths
    lwprof.profile("mobilenet", resolution=64, crosscheck=True)  # another input
    lwprof.profile("mobilenet", resolution=32, batch=2, crosscheck=True)  # another batch
    assert len(runs) == 3 and len(list(cached.glob("*.json"))) == 4


def test_a_damaged_file_is_ignored_and_rewritten(cached: Path) -> None:
    first = lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    (path,) = cached.glob("*.json")
    path.write_text("{not json")
    again = lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    assert _without_note(again) == _without_note(first) and "cache" not in again.crosscheck_note
    assert json.loads(path.read_text())["format"] == cache.VERSION


def test_off_writes_nothing(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWPROF_CROSSCHECK_CACHE", "0")
    lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    assert not cached.exists()


def test_an_unwritable_cache_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LWPROF_CACHE_DIR", str(blocker))  # a file where the folder should be
    monkeypatch.setenv("LWPROF_CROSSCHECK_CACHE", "1")
    p = lwprof.profile("mobilenet", resolution=32, crosscheck=True)
    assert p.torch_macs == p.macs
