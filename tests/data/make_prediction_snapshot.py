"""Writes tests/data/prediction_snapshot.json: what lwprof predicted, re-targeted and counted at a fixed
calibration before the latency terms became one table (issue 22). Run from the repository root:
``python -m tests.data.make_prediction_snapshot``. The test (tests/test_house_taxonomy.py) compares the
current code with this file exactly; regenerate it only for an intended change of the cost model."""

from __future__ import annotations

import json
from pathlib import Path

import lwprof
from lwprof.latency.costmodel import KINDS, Calibration, KindCost, design_row, row_keys
from lwprof.latency.fit import Scaled, retarget
from lwprof.latency.predict import predict_profile

MODELS = (("mobilenet_v1", {"alpha": 0.5}), ("mobilenet_v2", {}), ("shufflenet_v1", {"groups": 3}), ("shufflenet_v2", {}), ("ghostnet", {}), ("mobilenet_v3_small", {}))
RESOLUTIONS = (96, 160, 224)


def calibration() -> Calibration:
    """Every (kind, feature) a different coefficient, so a term priced at another kind's or feature's rate shows."""
    kinds = {}
    for i, (kind, (_, features)) in enumerate(KINDS.items()):
        base = {"calls": 1e-6, "macs": 1e-11, "ops": 1e-10, "bytes": 1e-11}
        kinds[kind] = KindCost({f: base[f] * (1 + 0.37 * i + 0.11 * j) for j, f in enumerate(features)}, 3, 0.01, 0.02)
    return Calibration("snapshot", "Snapshot CPU", 1, "fp32", "2.13.0", kinds, (), "2026-12-02T00:00:00+00:00", 1.0)


def snapshot() -> dict:
    cal = calibration()
    out: dict = {"calibration": cal.to_dict(), "models": {}}
    for arch, opts in MODELS:
        p = lwprof.profile(arch, resolution=224, **opts)
        pred = predict_profile(p, cal)
        scaled = Scaled(p, 32, cal)
        entry = {
            "total_s": pred.total_s,
            "overhead_s": pred.overhead_s,
            "layers": [[x.name, x.kind, x.seconds, x.estimated] for x in pred.layers],
            "design_row": row_keys(design_row(p, 4)),
            "retargeted": {},
            "scaled": {},
        }
        for r in RESOLUTIONS:
            rp = retarget(p, r, 32)
            entry["retargeted"][str(r)] = {"macs": rp.macs, "other_ops": rp.other_ops, "traffic": rp.traffic_bytes, "total_s": predict_profile(rp, cal).total_s}
            entry["scaled"][str(r)] = list(scaled.at(r))
        out["models"][f"{arch}@{opts}"] = entry
    return out


if __name__ == "__main__":
    path = Path(__file__).with_name("prediction_snapshot.json")
    path.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n")
    print(path)
