"""Views of an ``analyze`` payload (no torch): the module tree, totals, uncosted operators, the
counters' disagreements, memory traffic, resolutions and the what-if suggestions."""

from __future__ import annotations

from typing import Any

from costcalc.formatting import (
    MARK,
    SHORT_UNITS,
    UNIT_LABELS,
    dims,
    exact,
    fewer_text,
    human,
    in_unit,
    operator_label,
    percent,
    ratio_text,
)
from costcalc.views.render import Column, View


def headline(payload: dict[str, Any], unit: str = "macs") -> str:
    """The totals in one sentence, in ``unit`` (FLOPs = 2 × MACs), with the share costed analytically
    and what was not."""
    totals, name = payload["totals"], SHORT_UNITS[unit]
    count = in_unit(totals["macs"], unit)
    text = f"{exact(count)} {name} ({human(count)}), {exact(totals['params'])} params; "
    unmeasured = totals["unmeasured_operators"]
    uncosted = totals["uncosted_operators"]
    unseen = payload.get("unseen") or []
    parts = []
    if unseen:
        parts.append(f"{name} are a LOWER BOUND: {totals['unseen_calls']} module call(s) ran where the recorder could "
                     f"not see them ({', '.join(entry['module'] for entry in unseen[:3])}"
                     f"{' …' if len(unseen) > 3 else ''}: {unseen[0]['reason']}; listed below)")
    if unmeasured:
        parts.append(f"{'' if unseen else f'{name} are a LOWER BOUND: '}{uncosted} operator calls uncosted, and no "
                     f"counter measures {', '.join(map(operator_label, unmeasured))} "
                     "(share costed unknown; listed below)")
    elif uncosted:
        share = "" if unseen else \
            f"{100 * totals['costed_share']:.2f} % of the {name} costed analytically, the rest measured; "
        parts.append(f"{share}{uncosted} operator calls uncosted, measured "
                     f"{exact(in_unit(totals['uncosted_measured_macs'], unit))} {name} (listed below)")
    elif not unseen:
        parts.append("every operator costed by an analytic rule (100 %)")  # a share of nothing measured apart
    text += "; ".join(parts)
    per_sample = totals["per_sample"]
    if per_sample:
        axis = "" if totals["batch_axis"] == 0 else f", axis {totals['batch_axis']}"
        text += (f"; per sample (batch {per_sample['batch']}{axis}): "
                 f"{exact(in_unit(per_sample['macs'], unit))} {name}")
    elif totals["batch_unknown"]:
        text += f"; batch axis unknown ({totals['batch_unknown']}), so whole-run figures only (--batch-axis states it)"
    return text


def _inputs_text(payload: dict[str, Any]) -> str:
    return " + ".join(dims(shape) for shape in payload["inputs"]) or "no tensor"


def notes(payload: dict[str, Any]) -> list[str]:
    """What the numbers mean: conventions, other ops, the counters' verdict."""
    totals = payload["totals"]
    lines = ["MACs = multiply-accumulates of convolution, matmul/linear, attention (QKᵀ + AV) and recurrent "
             "operators, bias excluded, the whole batch as run; FLOPs = 2 × MACs. A reused module counts every "
             "call; params count each unique tensor once."]
    if totals["other_ops"]:
        other = ", ".join(f"{family} {exact(count)}" for family, count in totals["other_ops"].items())
        lines.append(f"Other ops, output elements (not in MACs): {other}.")
    lines.extend(f"Note: {note}." for note in totals.get("notes", []))
    frozen = totals["params"] - totals.get("trainable_params", totals["params"])
    if frozen:
        lines.append(f"Trainable params {exact(totals['trainable_params'])}; frozen (requires_grad=False) "
                     f"{exact(frozen)}.")
    if payload.get("device") == "meta":
        lines.append("Counted on torch's meta device (--meta): shapes only, nothing allocated. There torch runs "
                     "scaled_dot_product_attention by its math path: QKᵀ and AV show as bmm (matmul), the same MACs.")
    lines.append(counters_line(payload["reconciliation"]))
    return lines


def counters_line(reconciliation: dict[str, Any]) -> str:
    if not reconciliation.get("run"):
        return "Counters not run (add --reconcile to check against fvcore and FlopCounterMode)."
    parts = []
    for key, label in (("flop_counter", "FlopCounterMode"), ("fvcore", "fvcore")):
        check = reconciliation.get(key)
        if check is None:
            continue
        if "error" in check:
            parts.append(f"{label}: {check['error']}")
            continue
        disagreements = check["disagreements"]
        state = MARK[check["match"]] if not disagreements else \
            f"{len(disagreements)} layer(s) differ, {'all explained' if check['explained'] else 'UNEXPLAINED'}"
        parts.append(f"{label} {state}")
        parts.extend(check.get("failures", []))
    return "Counters: " + "; ".join(parts) + "."


def tree_view(payload: dict[str, Any], depth: int | None, unit: str) -> View:
    """The module tree down to ``depth`` with output shape, MACs, params and share of the MACs."""
    label = UNIT_LABELS[unit]
    view = View(f"{payload['target']} on {_inputs_text(payload)}: {headline(payload, unit)}",
                [Column("module"), Column(label, "right"), Column("params", "right"), Column("share", "right"),
                 Column("output"), Column("type", kind="text")])
    total = payload["totals"]["macs"]
    for row in payload["modules"]:
        if depth is not None and row["depth"] > depth:
            continue
        name = "  " * max(row["depth"] - 1, 0) + row["name"]
        calls = f" ×{row['calls']}" if row["calls"] > 1 else ""
        view.add(name, exact(in_unit(row["macs"], unit)), exact(row["params"]), percent(row["macs"], total),
                 dims(row["output"]) if row["output"] else "—", row["type"] + calls,
                 style="bold" if not row["depth"] else "")
    view.notes = notes(payload)
    return view


def layer_record(row: dict[str, Any], unit: str) -> dict[str, Any]:
    """One CSV row of a layer: its JSON record, calls joined, and a ``flops`` column beside ``macs``
    (2 × MACs) when ``--unit flops`` is asked."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        record[key] = "; ".join(map(str, value)) if key == "macs_per_call" else value
        if key == "macs" and unit == "flops":
            record["flops"] = in_unit(value, unit)
    return record


def summary_view(payload: dict[str, Any], unit: str) -> View:
    """Totals only (``--summary``), one row per ``--res-list`` resolution after the base input."""
    label = UNIT_LABELS[unit]
    totals = payload["totals"]
    view = View(f"{payload['target']}: {headline(payload, unit)}",
                [Column("input"), Column(label, "right"), Column(f"≈ {SHORT_UNITS[unit]}", "right"),
                 Column("params", "right"), Column("vs base", "right"), Column("note", kind="text")])
    base = totals["macs"]
    view.add(_inputs_text(payload), exact(in_unit(base, unit)), human(in_unit(base, unit)), exact(totals["params"]),
             "1", "", style="bold")
    for row in payload["resolutions"]:
        if row["macs"] is None:
            view.add(dims(row["input"]), "n/a", "", "", "", row["reason"])
            continue
        note = "; ".join(text for count, text in (
            (row["uncosted_operators"], f"{row['uncosted_operators']} operator calls uncosted"),
            (row.get("unseen_calls"), f"LOWER BOUND: {row.get('unseen_calls')} module call(s) unseen")) if count)
        view.add(dims(row["input"]), exact(in_unit(row["macs"], unit)), human(in_unit(row["macs"], unit)),
                 exact(totals["params"]), ratio_text(row["macs"] / base) if base else "—", note)
    view.notes = notes(payload)
    return view


def unseen_view(payload: dict[str, Any]) -> View:
    view = View(f"{payload['target']}: module calls the recorder could not see (not in MACs)",
                [Column("module"), Column("type"), Column("calls", "right"), Column("why")])
    for entry in payload["unseen"]:
        view.add(entry["module"], entry["type"], str(entry["calls"]), entry["reason"], style="bold red")
    view.notes = ["A dispatch mode records the thread that runs the forward only: work handed to a threading.Thread "
                  "or a ThreadPoolExecutor is missing from every count (FlopCounterMode's too). Run it on the calling "
                  "thread to count it. --strict exits 1 while any remain."]
    return view


def uncosted_view(payload: dict[str, Any]) -> View:
    view = View(f"{payload['target']}: operators with no analytic rule (what FlopCounterMode measured)",
                [Column("module"), Column("type", kind="text"), Column("operator", kind="text"),
                 Column("calls", "right"), Column("output elements", "right"),
                 Column("FlopCounterMode FLOPs", "right")])
    for entry in payload["uncounted"]:
        view.add(entry["module"], entry["type"], operator_label(entry['operator']), str(entry["calls"]),
                 exact(entry["elements"]), exact(entry["flop_counter"]))
    view.notes = ["Not in MACs: add a rule to costcalc.measure.operators, or check them by hand. "
                  "--strict exits 1 while any remain."]
    return view


def reconcile_views(payload: dict[str, Any]) -> list[View]:
    """Each counter against the analytic count in its own convention, then the layers that differ,
    grouped by cause (each cause printed once)."""
    reconciliation = payload["reconciliation"]
    counters = View(f"{payload['target']}: the counters against the analytic count",
                    [Column("counter"), Column("analytic", "right"), Column("measured", "right"),
                     Column("layers that differ", "right"), Column("verdict", kind="verdict")])
    causes = View(f"{payload['target']}: why a counter differs (per cause, the layers it explains)",
                  [Column("cause", kind="text"), Column("wrong", kind="text"), Column("layer"),
                   Column("analytic", "right"), Column("measured", "right")])
    for key, label in (("flop_counter", "FlopCounterMode"), ("fvcore", "fvcore")):
        check = reconciliation.get(key)
        if check is None:
            continue
        if "error" in check:
            counters.notes.append(f"{label}: {check['error']}")
            continue
        differ = check["disagreements"]
        verdict = "✓ agrees" if check["match"] and not differ else \
            "✓ every difference explained" if check["explained"] else "✗ UNEXPLAINED difference"
        counters.add(label, exact(check["analytic"]), exact(check["measured"]), str(len(differ)), verdict,
                     style="" if check["explained"] else "bold red")
        counters.notes.append(f"{label}: {check['convention']}.")
        shown: set[str] = set()
        for entry in sorted(differ, key=lambda entry: entry["cause"]):
            first = entry["cause"] not in shown
            shown.add(entry["cause"])
            causes.add(entry["cause"] if first else "", (entry["wrong"] or "?") if first else "", entry["layer"],
                       exact(entry["analytic"]), exact(entry["measured"]),
                       style="" if entry["explained"] else "bold red")
    fvcore = reconciliation.get("fvcore") or {}
    if fvcore.get("other"):
        counters.notes.append("fvcore also counts, by its conventions (not MACs): " + ", ".join(
            f"{name} {exact(count)}" for name, count in fvcore["other"].items()) + ".")
    return [counters, causes] if causes.rows else [counters]


def memory_view(payload: dict[str, Any]) -> View:
    view = View(f"{payload['target']}: memory traffic per layer (elements; each layer run on its own)",
                [Column("layer"), Column("kind", kind="text"), Column("read", "right"), Column("written", "right"),
                 Column("weights", "right"), Column("total", "right"), Column("bytes", "right"),
                 Column("MACs/byte", "right")])
    for row in payload["layers"]:
        memory = row["memory"]
        view.add(row["name"], row["kind"], exact(memory["read"]), exact(memory["written"]), exact(memory["weights"]),
                 exact(memory["total"]), exact(memory["bytes"]),
                 "—" if memory["intensity"] is None else f"{memory['intensity']:.3f}")
    total = payload["totals"]["memory"]
    view.add("total", "", exact(total["read"]), exact(total["written"]), exact(total["weights"]),
             exact(total["total"]), exact(total["bytes"]),
             "—" if total["intensity"] is None else f"{total['intensity']:.3f}", style="bold")
    view.notes = ["read = the layer's input, written = its output, weights = its unique parameters, per call "
                  "(a reused module reads its weights on every call)."]
    return view


def suggestion_views(payload: dict[str, Any], unit: str) -> list[View]:
    label = UNIT_LABELS[unit]
    layers = View(f"{payload['target']}: what replacing each convolution would save (best first)",
                  [Column("layer"), Column("conv"), Column("input"), Column(label, "right"),
                   Column("replacement", kind="text"),
                   Column(f"{label} after", "right"), Column(f"saved {label}", "right"),
                   Column("saved params", "right"), Column("ratio", "right"), Column("reduction", "right"),
                   Column("paper's ratio", kind="text")])
    for entry in payload["suggestions"]:
        conv = (f"{entry['in_channels']}→{entry['out_channels']} {dims(entry['kernel_size'])}"
                f"{'' if entry['stride'] == [1, 1] else ' /' + dims(entry['stride'])}"
                f"{'' if entry['calls'] == 1 else ' ×' + str(entry['calls']) + ' calls'}")
        for index, option in enumerate(entry["options"] + entry["not_worth_it"]):
            first = index == 0
            worth = option["saved_macs"] > 0
            layers.add(entry["layer"] if first else "", conv if first else "", dims(entry["input"]) if first else "",
                       exact(in_unit(entry["macs"], unit)) if first else "", option["name"],
                       exact(in_unit(option["macs"], unit)), exact(in_unit(option["saved_macs"], unit)),
                       exact(option["saved_params"]), ratio_text(option["ratio"]),
                       fewer_text(option["ratio"]) if worth else "not worth it",
                       f"{option['formula_ratio_text']} = {ratio_text(option['formula_ratio'])}",
                       style="bold" if first and worth else ("dim" if not worth else ""))
    layers.notes = [f"{label} of the convolution alone (bias, BN, activations excluded), every call; params = conv "
                    f"weights, once per module. ratio = replacement / original; a replacement that costs more is "
                    f"listed as not worth it and never counted as a saving. The shuffle after a grouped pointwise is "
                    f"a permutation (no MACs)."]
    layers.notes += [f"{entry['layer']}: left out ({entry['reason']})" for entry in payload["suggestions_left_out"]]
    model = View(f"{payload['target']}: the whole model with every convolution it saves on replaced",
                 [Column("replacement", kind="text"), Column("layers", "right"), Column(f"model {label}", "right"),
                  Column(f"≈ {SHORT_UNITS[unit]}", "right"), Column(f"saved {label}", "right"),
                  Column("saved params", "right"), Column("model ratio", "right"), Column("reduction", "right"),
                  Column("paper's ratio", kind="text")])
    model.add("(as is)", "", exact(in_unit(payload["totals"]["macs"], unit)),
              human(in_unit(payload["totals"]["macs"], unit)), "0", "0", "1", "=", "", style="bold")
    for total in payload["suggestion_totals"]:
        model.add(total["name"], str(total["layers"]), exact(in_unit(total["model_macs"], unit)),
                  human(in_unit(total["model_macs"], unit)), exact(in_unit(total["saved_macs"], unit)),
                  exact(total["saved_params"]), ratio_text(total["model_ratio"]), fewer_text(total["model_ratio"]),
                  total["formula_ratio_text"])
    model.notes = [f"{total['name']}: not worth it on {total['not_worth_it']} layer(s), left as they are"
                   for total in payload["suggestion_totals"] if total["not_worth_it"]]
    return [layers, model]


def training_view(payload: dict[str, Any], depth: int | None, unit: str) -> View:
    """``--training``: per module, the forward, the backward autograd runs, their sum and backward/forward."""
    label = UNIT_LABELS[unit]
    training = payload["totals"]["training"]
    ratio = f"{training['backward_macs'] / training['forward_macs']:.3f}x" if training["forward_macs"] else "—"
    view = View(f"{payload['target']}: training step, {exact(in_unit(training['macs'], unit))} {label} "
                f"({exact(in_unit(training['forward_macs'], unit))} forward + "
                f"{exact(in_unit(training['backward_macs'], unit))} backward, {ratio} the forward)",
                [Column("module"), Column(f"forward {label}", "right"), Column(f"backward {label}", "right"),
                 Column(f"total {label}", "right"), Column("bwd/fwd", "right"), Column("trainable", "right")])
    for row in payload["modules"]:
        if depth is not None and row["depth"] > depth:
            continue
        cost = row["training"]
        view.add("  " * max(row["depth"] - 1, 0) + row["name"], exact(in_unit(cost["forward_macs"], unit)),
                 exact(in_unit(cost["backward_macs"], unit)), exact(in_unit(cost["macs"], unit)),
                 f"{cost['backward_macs'] / cost['forward_macs']:.3f}" if cost["forward_macs"] else "—",
                 exact(row.get("trainable_params")), style="bold" if not row["depth"] else "")
    view.notes = ["Backward by analytic rule, as autograd runs it: input gradients only where something upstream "
                  "needs one, weight gradients only for weights that require grad, each costing its forward's MACs "
                  "(grouped and depthwise convs too). Forward run with grad, in training mode (buffers restored)."]
    if training["recomputed_macs"]:
        view.notes.append(f"Backward includes {exact(in_unit(training['recomputed_macs'], unit))} {label} of forwards "
                          f"recomputed by torch.utils.checkpoint (as the real backward reran them).")
    view.notes.append(training_counter_line(training))
    return view


def training_counter_line(training: dict[str, Any]) -> str:
    """FlopCounterMode's real backward against the analytic one, and why they differ."""
    check = training["flop_counter"]
    if check is None:
        return "Backward not checked against FlopCounterMode (add --reconcile)."
    text = (f"FlopCounterMode, real backward: {exact(check['measured_flops'])} FLOPs vs "
            f"{exact(check['analytic_flops'])} analytic "
            f"({'agrees' if check['measured_flops'] == check['analytic_flops'] else 'differs'})")
    causes = sorted({entry["cause"] for entry in check["disagreements"]})
    if causes:
        text += "; " + ("every difference explained: " if check["explained"] else "UNEXPLAINED difference; named: ")
        text += "; ".join(causes)
    elif not check["explained"]:
        text += f"; UNEXPLAINED: it counts {exact(check['measured_flops'] - check['expected_flops'])} FLOPs more"
    return text + "."


def footprint_view(payload: dict[str, Any]) -> View:
    """Bytes of parameters, buffers, gradients, optimizer state and activations, and how each is known."""
    totals = payload["totals"]
    memory = totals["footprint"]
    view = View(f"{payload['target']}: memory footprint, {human(memory['total_bytes'])}B "
                f"({exact(totals['trainable_params'])} trainable + {exact(totals['frozen_params'])} frozen params, "
                f"optimizer {memory['optimizer']})",
                [Column("what"), Column("bytes", "right"), Column("≈ bytes", "right"), Column("how", kind="text")])
    how = {key: kind for kind in ("measured", "counted", "analytic") for key in memory[kind]}
    text = {"measured": "measured", "counted": "counted from the model's tensors", "analytic": "analytic"}
    for key, name in (("params_bytes", "parameters"), ("buffers_bytes", "buffers"), ("grads_bytes", "gradients"),
                      ("optimizer_bytes", f"optimizer state ({memory['optimizer']})"),
                      ("activations_bytes", "activations")):
        detail = memory["activations"] if key == "activations_bytes" else text[how[key]]
        view.add(name, exact(memory[key]), human(memory[key]), detail)
    view.add("total", exact(memory["total_bytes"]), human(memory["total_bytes"]), "", style="bold")
    view.notes = ["gradients: one per trainable parameter in its dtype; optimizer: sgd 0, momentum 1, adam/adamw 2 "
                  "copies of each trainable parameter (+ a 4-byte step per tensor for adam/adamw). Activations with "
                  "--training: the storages autograd saves for backward, once each, parameters and buffers excluded; "
                  "without: the most bytes of operator outputs alive at once during the forward."]
    return view
