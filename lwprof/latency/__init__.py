"""Latency on this machine: timing statistics (:mod:`~lwprof.latency.timing`) and measurement (:mod:`~lwprof.latency.measure`);
predicted latency: the cost model and calibration file (:mod:`~lwprof.latency.costmodel`), the micro-benchmarks
(:mod:`~lwprof.latency.calibrate`), predictions (:mod:`~lwprof.latency.predict`) and the budget search (:mod:`~lwprof.latency.fit`)."""

from lwprof.latency.measure import LatencyResult, LayerTiming, measure

__all__ = ["LatencyResult", "LayerTiming", "measure"]
