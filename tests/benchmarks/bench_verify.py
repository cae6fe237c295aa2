"""Analytic cost vs fvcore on the same specs, side by side, and the default verify suite's wall time.

Run: python tests/benchmarks/bench_verify.py [--repeats N]   (not collected by pytest)

For every target of configs/verify.yaml it times, best of N with time.perf_counter, the analytic
``cost(spec, shape)`` and fvcore's ``FlopCountAnalysis(module, x).total()`` on the module built
from the same spec (module build excluded), reports the ratio, then the wall time of
``costcalc verify`` (default suite, new process, including the torch import; target ≤ 10 s) and,
in one process, the whole suite's reconciliation with counting on one thread (as verify does)
against torch's default thread count.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time

from timing import best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats

    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "costcalc", "verify", "--format", "json"],
                            capture_output=True, text=True)
    suite_wall = time.perf_counter() - start

    import torch
    from fvcore.nn import FlopCountAnalysis

    from costcalc.config.verify_suite import load_suite
    from costcalc.engine.cost import cost
    from costcalc.engine.specs import Linear, Network
    from costcalc.measure.modules import build_module

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    analytic_total = fvcore_total = 0.0
    print(f"{'target':45} {'analytic µs':>12} {'fvcore µs':>12} {'ratio':>8}")
    for target in load_suite():
        spec = target.spec.body if isinstance(target.spec, Network) else target.spec
        module = build_module(target.spec).eval()
        inputs = torch.zeros(1, target.input.channels) if isinstance(spec, Linear) else torch.zeros(1, *target.input)
        analytic = best(lambda spec=spec, target=target: cost(spec, target.input), repeats)
        counted = best(lambda module=module, inputs=inputs: FlopCountAnalysis(module, inputs)
                       .unsupported_ops_warnings(False).uncalled_modules_warnings(False).total(), repeats)
        analytic_total, fvcore_total = analytic_total + analytic, fvcore_total + counted
        print(f"{target.name:45} {analytic * 1e6:12.1f} {counted * 1e6:12.1f} {counted / analytic:8.0f}×")
    print(f"{'all targets':45} {analytic_total * 1e6:12.1f} {fvcore_total * 1e6:12.1f} "
          f"{fvcore_total / analytic_total:8.0f}×  (fvcore / analytic, best of {repeats})")
    print(f"costcalc verify (default suite, new process): {suite_wall:.2f} s, exit {result.returncode} "
          f"(target ≤ 10 s: {'met' if suite_wall <= 10 else 'MISSED'})")
    torch.set_num_threads(threads)
    one = reconcile_suite(repeats=1)
    from costcalc.measure import count

    pinned = count.one_thread
    count.one_thread = contextlib.nullcontext  # torch's default threads
    try:
        default = reconcile_suite(repeats=1)
    finally:
        count.one_thread = pinned
    print(f"reconcile the suite in process: one thread {one:.2f} s, default ({threads} threads) {default:.2f} s "
          f"→ {default / one:.2f}× slower on the default")


def reconcile_suite(repeats: int) -> float:
    """Best-of-``repeats`` seconds to reconcile every suite target (build, fvcore, FlopCounterMode, check)."""
    from costcalc.config.verify_suite import load_suite
    from costcalc.measure.reconcile import reconcile

    targets = load_suite()
    return best(lambda: [reconcile(target.spec, target.input, target.name) for target in targets], repeats)


if __name__ == "__main__":
    main()
