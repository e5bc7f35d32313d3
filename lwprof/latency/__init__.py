"""Latency on this machine: timing statistics (:mod:`~lwprof.latency.timing`) and measurement (:mod:`~lwprof.latency.measure`)."""

from lwprof.latency.measure import LatencyResult, LayerTiming, measure

__all__ = ["LatencyResult", "LayerTiming", "measure"]
