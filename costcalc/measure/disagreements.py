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

from costcalc.measure.recorder import Operator, preserved_mode

FVCORE_MAC_OPERATORS = frozenset({"conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum", "baddbmm"})
# fvcore's unsupported (jit) operators and the analytic MACs it therefore counts as 0: a family, or
# "attention" for the QKᵀ + AV part (jit traces MultiheadAttention unfused: projections counted, SDPA not).
FVCORE_GAPS = {"aten::_convolution_mode": "convolution", "aten::scaled_dot_product_attention": "attention",
               "aten::_native_multi_head_attention": "attention_fused", "aten::lstm": "recurrent",
               "aten::gru": "recurrent", "aten::rnn_tanh": "recurrent", "aten::rnn_relu": "recurrent",
               "aten::mv": "matmul", "aten::dot": "matmul", "aten::addmv": "matmul"}


def _skipped_macs(gap: str, operators: list[Operator]) -> int:
    """The analytic MACs fvcore leaves out of ``operators`` when it skips the jit operator ``gap``."""
    if gap == "attention":
        return sum(op.attention for op in operators)
    return sum(op.macs for op in operators if op.family == gap)


def _has_counter_rule(name: str) -> bool:
    packet = getattr(torch.ops.aten, name, None)
    return packet is not None and packet in flop_registry


def flop_counter_check(operators: list[Operator]) -> dict[str, Any]:
    """FlopCounterMode against 2 × analytic MACs, per layer (module, family) that differs."""
    groups: dict[tuple[str, str], list[Operator]] = defaultdict(list)
    for op in operators:
        if op.macs or op.flop_counter:
            groups[(op.module, op.family or op.name)].append(op)
    disagreements = []
    for (module, family), ops in groups.items():
        analytic = 2 * sum(op.macs for op in ops)
        measured = sum(op.flop_counter for op in ops)
        if analytic == measured:
            continue
        gaps = sorted({op.name for op in ops if op.flop_counter == 0 and not _has_counter_rule(op.name)})
        explained = all(op.flop_counter == 2 * op.macs or (op.flop_counter == 0 and op.name in gaps) for op in ops)
        cause = (f"FlopCounterMode has no rule for aten.{', aten.'.join(gaps)} and counts it as 0" if explained
                 else "unexplained: FlopCounterMode ≠ 2 × analytic MACs")
        disagreements.append({"layer": module or "(model)", "family": family, "analytic": analytic,
                              "measured": measured, "cause": cause,
                              "wrong": "FlopCounterMode" if explained else None, "explained": explained})
    analytic = 2 * sum(op.macs for op in operators)
    measured = sum(op.flop_counter for op in operators)
    return {"convention": "2 FLOPs per MAC", "analytic": analytic, "measured": measured,
            "match": analytic == measured, "disagreements": disagreements,
            "explained": all(entry["explained"] for entry in disagreements)}


def _own(per_module: dict[str, Counter], name: str, children: list[str]) -> Counter:
    own = Counter(per_module.get(name, {}))
    for child in children:
        own.subtract(per_module.get(child, {}))
    return +own


def fvcore_check(model: nn.Module, inputs: tuple, operators: list[Operator]) -> dict[str, Any]:
    """fvcore's per-module MAC count against the analytic MACs each module ran itself, with causes."""
    try:
        with warnings.catch_warnings(), torch.no_grad(), preserved_mode(model):
            warnings.simplefilter("ignore")
            from fvcore.nn import FlopCountAnalysis

            model.eval()  # as the recording ran: batch norm then costs fvcore 2 per element, not 5
            analysis = FlopCountAnalysis(model, inputs).unsupported_ops_warnings(False) \
                .uncalled_modules_warnings(False).tracer_warnings("none")
            per_module = {name: Counter(counts) for name, counts in analysis.by_module_and_operator().items()}
            names = list(per_module)
            unsupported_all = {name: Counter(analysis.unsupported_ops(name)) for name in names}
    except Exception as error:  # fvcore's jit trace refuses some models (dict outputs, control flow)
        return {"error": f"fvcore could not trace the model: {type(error).__name__}: {str(error).splitlines()[0]}"
                if str(error) else type(error).__name__, "explained": True}
    children = {name: [f"{name}.{child}" if name else child for child, _ in module.named_children()]
                for name, module in model.named_modules()}
    analytic_own: dict[str, list[Operator]] = defaultdict(list)
    for op in operators:
        if op.macs:
            analytic_own[op.module].append(op)
    disagreements = []
    for name in sorted(set(analytic_own) | {n for n in names if n in children}, key=lambda n: (n.count("."), n)):
        own = _own(per_module, name, children.get(name, []))
        measured = sum(count for operator, count in own.items() if operator in FVCORE_MAC_OPERATORS)
        analytic = sum(op.macs for op in analytic_own[name])
        if measured == analytic:
            continue
        skipped = _own(unsupported_all, name, children.get(name, []))
        gaps = {FVCORE_GAPS[op] for op in skipped if op in FVCORE_GAPS}
        missing = sum(_skipped_macs(gap, analytic_own[name]) for gap in gaps)
        explained = bool(gaps) and measured + missing == analytic
        cause = (f"fvcore has no handle for {', '.join(sorted(op for op in skipped if op in FVCORE_GAPS))} "
                 f"and counts it as 0" if explained else "unexplained: fvcore ≠ analytic MACs")
        disagreements.append({"layer": name or "(model)", "analytic": analytic, "measured": measured,
                              "cause": cause, "wrong": "fvcore" if explained else None, "explained": explained})
    root = per_module.get("", Counter())
    other = {operator: count for operator, count in sorted(root.items()) if operator not in FVCORE_MAC_OPERATORS}
    macs = sum(count for operator, count in root.items() if operator in FVCORE_MAC_OPERATORS)
    analytic = sum(op.macs for op in operators)
    return {"convention": "1 per MAC; batch norm 2·numel, adaptive pooling 1 per input element, upsampling and "
                          "norms counted apart (not MACs)",
            "analytic": analytic, "measured": macs, "match": analytic == macs, "other": other,
            "unsupported": dict(sorted(unsupported_all.get("", Counter()).items())),
            "disagreements": disagreements, "explained": all(entry["explained"] for entry in disagreements)}
