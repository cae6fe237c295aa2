"""Benchmark plans: which layers to time, their memory traffic and roofline bounds, and the timing run
(the torch side of timing lives in :mod:`costcalc.measure.bench`)."""
