"""Where fvcore or ``FlopCounterMode`` disagree with the analytic count: per layer, the cause, who is wrong.

``FlopCounterMode`` runs beneath the recorder in the same forward, so its measurement is known per
operator: it must equal 2 × the analytic MACs (its 2-per-MAC convention) wherever it has a rule;
where it has none it counts 0 — e.g. ``aten._native_multi_head_attention``, the fused fast path of
``nn.MultiheadAttention`` in eval mode, or ``aten.mkldnn_rnn_layer`` (an LSTM on CPU) — and the
counter is the one that is wrong.

fvcore (only with ``reconcile``: it traces the model with ``torch.jit``) counts 1 per MAC per module;
its MAC operators are compared with the analytic MACs each module ran itself. Known gaps: it has
no handle for ``aten::_convolution_mode`` (``padding='same'`` given as a string) nor for
``scaled_dot_product_attention``, LSTM/GRU/RNN, ``mv``/``dot``, and counts 0 for them. Its other
counts (batch norm ``2·numel``, adaptive pooling 1 per input element, upsampling, norms) are its
conventions, not MACs, and are reported apart.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import flop_registry

from costcalc.formatting import operator_label
from costcalc.measure.custom_operators import fvcore_mac_operators
from costcalc.measure.isolated import CounterFailed, run_isolated
from costcalc.measure.operators import RULES
from costcalc.measure.recorder import Operator, preserved_mode, within

# fvcore's unsupported (jit) operators and the analytic MACs it therefore counts as 0: a family, or
# "attention" for the QKᵀ + AV part (jit traces MultiheadAttention unfused: projections counted, SDPA not).
FVCORE_GAPS = {"aten::_convolution_mode": "convolution", "aten::scaled_dot_product_attention": "attention",
               "aten::_native_multi_head_attention": "attention_fused", "aten::lstm": "recurrent",
               "aten::gru": "recurrent", "aten::rnn_tanh": "recurrent", "aten::rnn_relu": "recurrent",
               "aten::mv": "matmul", "aten::dot": "matmul", "aten::addmv": "matmul", "aten::bilinear": "matmul"}


def _skipped_macs(gap: str, operators: list[Operator], module: nn.Module | None = None) -> int:
    """The analytic MACs fvcore leaves out of ``operators`` when it skips the jit operator ``gap``.

    fvcore traces ``TransformerEncoderLayer`` unfused but its ``self_attn`` through the fused
    ``_native_multi_head_attention``: what it skips of the layer's fused operator is all but the
    feed-forward ``2·T·E·F`` (``elements`` = T·E, F = ``linear1.out_features``), which it counts."""
    if gap == "attention":
        return sum(op.attention for op in operators)
    skipped = sum(op.macs for op in operators if op.family == gap)
    if gap == "attention_fused" and isinstance(module, nn.TransformerEncoderLayer):
        feedforward = 2 * module.linear1.out_features
        skipped += sum(op.macs - feedforward * op.elements for op in operators if op.family == "transformer_fused")
    return skipped


def _has_counter_rule(name: str) -> bool:
    packet = getattr(torch.ops.aten, name, None) if "::" not in name else None
    return packet is not None and packet in flop_registry


def _outer_product(op: Operator) -> bool:
    """A matrix-product operator the analysis counted element-wise (an inner size of 1: an outer
    product; see :func:`costcalc.measure.operators._outer`), which the counters count as a product."""
    rule = RULES.get(op.name)
    return op.family == "elementwise" and rule is not None and rule.family == "matmul"


def _counter_cause(ops: list[Operator], gaps: list[str]) -> str:
    """Why FlopCounterMode differs on a layer whose every difference is explained."""
    causes = []
    failures = sorted({f"{operator_label(op.name)} ({op.counter_failure})" for op in ops if op.counter_failure})
    if failures:
        causes.append(f"FlopCounterMode failed on {', '.join(failures)} and counted 0")
    if gaps:
        causes.append(f"FlopCounterMode has no rule for {', '.join(map(operator_label, gaps))} and counts it as 0")
    if any(_outer_product(op) for op in ops):
        causes.append("FlopCounterMode counts a product with an inner size of 1 (an outer product) as 2·M·N; "
                      "costcalc counts it element-wise, as torch.outer, on every device")
    return "; ".join(causes)


def flop_counter_check(operators: list[Operator]) -> dict[str, Any]:
    """FlopCounterMode against 2 × analytic MACs, per layer (module, family) that differs; where it
    failed on an operator, a note naming the failure (the analysis itself stands)."""
    groups: dict[tuple[str, str], list[Operator]] = defaultdict(list)
    for op in operators:
        if op.macs or op.flop_counter or op.counter_failure:
            groups[(op.module, op.family or op.name)].append(op)
    disagreements = []
    for (module, family), ops in groups.items():
        analytic = 2 * sum(op.macs for op in ops)
        measured = sum(op.flop_counter for op in ops)
        if analytic == measured:
            continue
        gaps = sorted({op.name for op in ops if op.flop_counter == 0 and not op.counter_failure
                       and not _has_counter_rule(op.name)})
        explained = all(op.flop_counter == 2 * op.macs or op.counter_failure or _outer_product(op)
                        or (op.flop_counter == 0 and op.name in gaps) for op in ops)
        cause = _counter_cause(ops, gaps) if explained else "unexplained: FlopCounterMode ≠ 2 × analytic MACs"
        disagreements.append({"layer": module or "(model)", "family": family, "analytic": analytic,
                              "measured": measured, "cause": cause,
                              "wrong": "FlopCounterMode" if explained else None, "explained": explained})
    analytic = 2 * sum(op.macs for op in operators)
    measured = sum(op.flop_counter for op in operators)
    failures = [f"FlopCounterMode failed on {operator_label(op.name)} in {op.module or '(model)'}: "
                f"{op.counter_failure}"
                for op in operators if op.counter_failure]
    return {"convention": "2 FLOPs per MAC", "analytic": analytic, "measured": measured,
            "match": analytic == measured, "disagreements": disagreements,
            "explained": all(entry["explained"] for entry in disagreements), "failures": failures}


def _own(per_module: dict[str, Counter], name: str, children: list[str]) -> Counter:
    own = Counter(per_module.get(name, {}))
    for child in children:
        own.subtract(per_module.get(child, {}))
    return +own


def _confirmed_cause(skipped: Counter, own: Counter) -> str:
    """Why fvcore differs on a layer where ``FlopCounterMode`` measured exactly 2 × every analytic MAC
    operator: a jit operator it cannot handle (``tensordot``, ``linalg_multi_dot``, a custom
    ``autograd.Function``, ``lstm`` with projections, …) or a handle that miscounts (``matmul`` and
    ``einsum`` with broadcast batch dimensions, vectors or several operands)."""
    if skipped:
        return (f"fvcore has no handle for {', '.join(sorted(skipped))} and counts it as 0; FlopCounterMode "
                f"measures the analytic count")
    handles = sorted(operator for operator in own if operator in fvcore_mac_operators())
    who = f"fvcore's {', '.join(handles)} handle{'s' if len(handles) > 1 else ''}" if handles else "fvcore"
    return (f"{who} miscount{'' if len(handles) > 1 else 's'} this call (broadcast or vector operands); "
            f"FlopCounterMode measures the analytic count")


def fvcore_check(model: nn.Module, inputs: tuple, operators: list[Operator]) -> dict[str, Any]:
    """fvcore's per-module MAC count against the analytic MACs each module ran itself, with causes."""
    def trace() -> tuple[dict[str, Counter], dict[str, Counter]]:
        with warnings.catch_warnings(), torch.no_grad(), preserved_mode(model):
            warnings.simplefilter("ignore")
            from costcalc.measure.count import fvcore_counts

            model.eval()  # as the recording ran: batch norm then costs fvcore 2 per element, not 5
            return fvcore_counts(model, inputs)

    try:  # in a child process: a tracer abort (SIGABRT inside torch.jit) ends the child, not the analysis
        per_module, unsupported_all = run_isolated(trace)
    except CounterFailed as error:  # fvcore's jit trace refuses some models (dict outputs, control flow)
        text = (f"fvcore's trace died in its own process ({error}); the analytic count stands" if error.died
                else f"fvcore could not trace the model: {error}")
        return {"error": text, "explained": True}
    names = list(per_module)
    mac_operators = fvcore_mac_operators()
    children = {name: [f"{name}.{child}" if name else child for child, _ in module.named_children()]
                for name, module in model.named_modules()}
    analytic_own: dict[str, list[Operator]] = defaultdict(list)
    for op in operators:
        if op.macs:
            analytic_own[op.module].append(op)
    outer_own: Counter = Counter()  # products of inner size 1 fvcore counts M·N MACs for (the analysis: element-wise)
    for op in operators:
        if _outer_product(op):
            outer_own[op.module] += op.elements
    confirmed = {name for name, ops in analytic_own.items() if all(op.flop_counter == 2 * op.macs for op in ops)}
    disagreements = []
    modules = dict(model.named_modules())
    # a fused layer is compared whole: fvcore's trace runs parts of it in submodules that did not run here
    fused = {name for name, ops in analytic_own.items() if any(op.family == "transformer_fused" for op in ops)}
    for name in sorted(set(analytic_own) | {n for n in names if n in children}, key=lambda n: (n.count("."), n)):
        if any(name != layer and within(name, layer) for layer in fused):
            continue
        scope = [] if name in fused else children.get(name, [])
        own = _own(per_module, name, scope)
        measured = sum(count for operator, count in own.items() if operator in mac_operators)
        analytic = sum(op.macs for op in analytic_own[name])
        if measured == analytic:
            continue
        skipped = _own(unsupported_all, name, scope)
        gaps = {FVCORE_GAPS[op] for op in skipped if op in FVCORE_GAPS}
        missing = sum(_skipped_macs(gap, analytic_own[name], modules.get(name)) for gap in gaps)
        if outer_own[name] and (name in confirmed or not analytic_own[name]):
            explained, cause = True, (f"fvcore counts {measured - analytic:,} MACs for a product with an inner size "
                                      f"of 1 (an outer product: {outer_own[name]:,} multiplies, nothing accumulated); "
                                      f"costcalc counts it element-wise, as torch.outer, on every device")
        elif gaps and measured + missing == analytic:
            named = ", ".join(sorted(op for op in skipped if op in FVCORE_GAPS))
            explained, cause = True, f"fvcore has no handle for {named} and counts it as 0"
        elif name in confirmed or not (analytic_own[name] or any(op.flop_counter for op in operators
                                                                    if op.module == name)):
            # FlopCounterMode measured the analytic count here (none, where no product ran: einsum "i,j->ij")
            explained, cause = True, _confirmed_cause(skipped, own)
        else:
            explained, cause = False, "unexplained: fvcore ≠ analytic MACs"
        disagreements.append({"layer": name or "(model)", "analytic": analytic, "measured": measured,
                              "cause": cause, "wrong": "fvcore" if explained else None, "explained": explained})
    root = per_module.get("", Counter())
    other = {operator: count for operator, count in sorted(root.items()) if operator not in mac_operators}
    macs = sum(count for operator, count in root.items() if operator in mac_operators)
    analytic = sum(op.macs for op in operators)
    return {"convention": "1 per MAC; batch norm 2·numel, adaptive pooling 1 per input element, upsampling and "
                          "norms counted apart (not MACs)",
            "analytic": analytic, "measured": macs, "match": analytic == macs, "other": other,
            "unsupported": dict(sorted(unsupported_all.get("", Counter()).items())),
            "disagreements": disagreements, "explained": all(entry["explained"] for entry in disagreements)}
