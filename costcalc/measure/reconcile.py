"""Per-layer reconciliation of the analytic count with fvcore, ``FlopCounterMode`` and ``sum(p.numel())``.

For every analytic layer (``costcalc.engine.cost.cost(spec, shape).layers``) and the module of the same
name built by :func:`costcalc.measure.modules.build_module`, all of these must hold exactly:

* analytic MACs == fvcore's conv/linear counts (the papers' Mult-Adds);
* analytic params == ``sum(p.numel())`` of the module;
* the analytic fvcore-convention count (:data:`costcalc.engine.conventions.FVCORE`) == fvcore's total;
* ``2 ×`` analytic MACs == ``FlopCounterMode``'s total.

The same four equalities are checked on the whole module, with the output shape. Each difference
between the papers' MACs and a counter carries its named cause; what a counter skipped is listed
per layer with the analytic estimate of its cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from costcalc.engine import conventions
from costcalc.engine.cost import LayerCost, cost
from costcalc.engine.specs import LEAVES, Branches, Linear, Network, Shape
from costcalc.measure.count import Measurement, measure
from costcalc.measure.guard import check_fits
from costcalc.measure.modules import build_module


@dataclass(frozen=True)
class Check:
    """One equality: an analytic count against the measured one, with the cause of any paper delta."""

    analytic: int
    measured: int | None
    causes: dict[str, int] = field(default_factory=dict)

    @property
    def match(self) -> bool:
        return self.analytic == self.measured

    def payload(self) -> dict[str, Any]:
        return {"analytic": self.analytic, "measured": self.measured, "match": self.match, "causes": self.causes}


def check_convention(convention: dict, layers: list[LayerCost], measured: int | None) -> Check:
    """Expected count of ``layers`` under ``convention``, with ``count − macs`` summed per named cause."""
    causes: dict[str, int] = {}
    for layer in layers:
        reason = conventions.cause(convention, layer)
        if reason:
            causes[reason] = causes.get(reason, 0) + conventions.count(convention, layer) - layer.macs
    return Check(sum(conventions.count(convention, layer) for layer in layers), measured, causes)


@dataclass(frozen=True)
class LayerRow:
    """One analytic layer against its module's measured counts."""

    layer: LayerCost
    module: str | None
    macs: Check
    params: Check
    fvcore: Check
    flop_counter: Check
    skipped: dict[str, int]
    unsupported: tuple[str, ...]

    @property
    def match(self) -> bool:
        return all(check.match for check in (self.macs, self.params, self.fvcore, self.flop_counter))

    def payload(self) -> dict[str, Any]:
        return {"name": self.layer.name, "kind": self.layer.kind, "module": self.module,
                "input": list(self.layer.input), "output": list(self.layer.output),
                "analytic_macs": self.macs.analytic, "measured_macs": self.macs.measured,
                "analytic_params": self.params.analytic, "measured_params": self.params.measured,
                "fvcore": self.fvcore.payload(), "flop_counter": self.flop_counter.payload(),
                "skipped": self.skipped, "unsupported": list(self.unsupported), "match": self.match}


@dataclass(frozen=True)
class Reconciliation:
    """The whole reconciliation of one target: totals, per-layer rows and what the counters skipped."""

    target: str
    input: Shape
    output: Shape
    measured_output: Shape
    macs: Check
    params: Check
    fvcore: Check
    flop_counter: Check
    rows: tuple[LayerRow, ...]

    @property
    def match(self) -> bool:
        totals = (self.macs, self.params, self.fvcore, self.flop_counter)
        return (self.output == self.measured_output and all(check.match for check in totals)
                and all(row.match for row in self.rows))

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Every skipped operation, by layer and category, with its analytic estimate (never zeroed)."""
        return [{"layer": row.layer.name, "kind": row.layer.kind, "category": category, "estimate": estimate,
                 "operators": list(row.unsupported)}
                for row in self.rows for category, estimate in row.skipped.items()]

    def mismatches(self) -> list[str]:
        """One line per failed equality ('' list when everything matches)."""
        lines = []
        if self.output != self.measured_output:
            lines.append(f"output shape: analytic {self.output}, measured {self.measured_output}")
        named = (("MACs", "macs"), ("params", "params"), ("fvcore total", "fvcore"),
                 ("FlopCounterMode", "flop_counter"))
        for scope, checks in [("total", self)] + [(row.layer.name, row) for row in self.rows]:
            for label, attribute in named:
                check = getattr(checks, attribute)
                if not check.match:
                    lines.append(f"{scope}: {label} analytic {check.analytic:,} ≠ measured "
                                 f"{'—' if check.measured is None else f'{check.measured:,}'}")
        return lines

    def payload(self) -> dict[str, Any]:
        """JSON-ready, exact ints; ``analytic_macs``/``measured_macs`` are conv + linear MACs (fvcore counts)."""
        return {"target": self.target, "input": list(self.input), "output": list(self.output),
                "measured_output": list(self.measured_output),
                "analytic_macs": self.macs.analytic, "measured_macs": self.macs.measured,
                "analytic_params": self.params.analytic, "measured_params": self.params.measured,
                "match": self.match, "fvcore": self.fvcore.payload(), "flop_counter": self.flop_counter.payload(),
                "layers": [row.payload() for row in self.rows], "skipped": self.skipped,
                "mismatches": self.mismatches()}


def _module_name(spec: Any, layer: LayerCost, modules: set[str]) -> str | None:
    """The module a layer was built as: the root for a lone leaf, else the module of the same name."""
    if isinstance(spec, LEAVES):
        return ""
    return layer.name if layer.name in modules else None


def _row(layer: LayerCost, module: str | None, measured: Measurement) -> LayerRow:
    values: tuple[int | None, int | None, int | None, int | None, tuple[str, ...]]
    if module is None and isinstance(layer.spec, Branches):
        # a merge (add/cat) is no module: both counters skip it, its cost is listed as skipped
        values = (0, 0, 0, 0, ())
    elif module is None:
        values = (None, None, None, None, ())
    else:
        values = (measured.fvcore_macs(module), measured.params.get(module), measured.fvcore_total(module),
                  measured.flop_counter.get(module), tuple(sorted(measured.unsupported.get(module, {}))))
    macs, params, fvcore_total, flop_total, unsupported = values
    return LayerRow(layer, module, Check(layer.macs, macs), Check(layer.params, params),
                    check_convention(conventions.FVCORE, [layer], fvcore_total),
                    check_convention(conventions.FLOP_COUNTER, [layer], flop_total),
                    conventions.skipped(conventions.FVCORE, layer), unsupported)


def reconcile(spec: Any, input_shape: Shape, target: str) -> Reconciliation:
    """Cost ``spec`` analytically, build and count its module, and reconcile them layer by layer.

    ``spec`` is any layer, block, container or :class:`~costcalc.engine.specs.Network` (whose body is
    costed on ``input_shape``). A lone :class:`~costcalc.engine.specs.Linear` is fed its ``C×1×1`` input as ``1×C``.
    """
    report = cost(spec.body if isinstance(spec, Network) else spec, input_shape)
    check_fits(spec, input_shape)
    module = build_module(spec)
    measured = measure(module, input_shape, flat=isinstance(spec, Linear))
    modules = {name for name, _ in module.named_modules()}
    rows = tuple(_row(layer, _module_name(spec, layer, modules), measured) for layer in report.layers)
    layers = list(report.layers)
    return Reconciliation(
        target, input_shape, report.output, measured.output,
        Check(report.macs, measured.fvcore_macs("")), Check(report.params, measured.params[""]),
        check_convention(conventions.FVCORE, layers, measured.fvcore_total("")),
        check_convention(conventions.FLOP_COUNTER, layers, measured.flop_counter[""]), rows)
