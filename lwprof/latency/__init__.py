"""Latency on this machine: measured (:mod:`~lwprof.latency.measure`)."""

from lwprof.latency.measure import LatencyResult, LayerTiming, measure

__all__ = ["LatencyResult", "LayerTiming", "measure"]
