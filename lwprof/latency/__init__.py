"""Latency on this machine: timing statistics (:mod:`~lwprof.latency.timing`) and measurement (:mod:`~lwprof.latency.measure`);
predicted latency: the cost model and calibration file (:mod:`~lwprof.latency.costmodel`), the micro-benchmarks
(:mod:`~lwprof.latency.calibrate`), predictions (:mod:`~lwprof.latency.predict`) and the budget search (:mod:`~lwprof.latency.fit`).

Only ``measure`` and ``calibrate`` run models and import torch; this package imports none of
its modules, so the cost model, the predictions and the search stay torch-free.
"""
