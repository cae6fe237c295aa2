"""Views of an ``analyze`` payload (no torch): the module tree, totals, uncosted operators, the
counters' disagreements, memory traffic, resolutions and the what-if suggestions."""

from __future__ import annotations

from typing import Any

from costcalc.formatting import MARK, UNIT_LABELS, dims, exact, fewer_text, human, in_unit, percent, ratio_text
from costcalc.views.render import Column, View



def headline(payload: dict[str, Any]) -> str:
    """The totals in one sentence, with the share costed analytically and what was not."""
    totals = payload["totals"]
    text = f"{exact(totals['macs'])} MACs ({human(totals['macs'])}), {exact(totals['params'])} params; "
    unmeasured = totals["unmeasured_operators"]
    if unmeasured:
        text += (f"MACs are a LOWER BOUND: {totals['uncosted_operators']} operator calls uncosted, and no counter "
                 f"measures aten.{', aten.'.join(unmeasured)} (share costed unknown; listed below)")
    elif not totals["uncosted_operators"]:
        text += "every operator costed by an analytic rule (100 %)"  # a share of nothing measured apart
    else:
        text += f"{100 * totals['costed_share']:.2f} % of the MACs costed analytically, the rest measured"
    if totals["uncosted_operators"] and not unmeasured:
        text += (f"; {totals['uncosted_operators']} operator calls uncosted, measured "
                 f"{exact(totals['uncosted_measured_macs'])} MACs (listed below)")
    per_sample = totals["per_sample"]
    if per_sample:
        text += f"; per sample (batch {per_sample['batch']}): {exact(per_sample['macs'])} MACs"
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
    return "Counters: " + "; ".join(parts) + "."


def tree_view(payload: dict[str, Any], depth: int | None, unit: str) -> View:
    """The module tree down to ``depth`` with output shape, MACs, params and share of the MACs."""
    label = UNIT_LABELS[unit]
    view = View(f"{payload['target']} on {_inputs_text(payload)}: {headline(payload)}",
                [Column("module"), Column(label, "right"), Column("params", "right"), Column("share", "right"),
                 Column("output"), Column("type")])
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


def summary_view(payload: dict[str, Any], unit: str) -> View:
    """Totals only (``--summary``), one row per ``--res-list`` resolution after the base input."""
    label = UNIT_LABELS[unit]
    totals = payload["totals"]
    view = View(f"{payload['target']}: {headline(payload)}",
                [Column("input"), Column(label, "right"), Column("", "right"), Column("params", "right"),
                 Column("vs base", "right"), Column("note")])
    base = totals["macs"]
    view.add(_inputs_text(payload), exact(in_unit(base, unit)), human(in_unit(base, unit)), exact(totals["params"]),
             "1", "", style="bold")
    for row in payload["resolutions"]:
        if row["macs"] is None:
            view.add(dims(row["input"]), "n/a", "", "", "", row["reason"])
            continue
        note = f"{row['uncosted_operators']} operator calls uncosted" if row["uncosted_operators"] else ""
        view.add(dims(row["input"]), exact(in_unit(row["macs"], unit)), human(in_unit(row["macs"], unit)),
                 exact(totals["params"]), ratio_text(row["macs"] / base) if base else "—", note)
    view.notes = notes(payload)
    return view


def uncosted_view(payload: dict[str, Any]) -> View:
    view = View(f"{payload['target']}: operators with no analytic rule (what FlopCounterMode measured)",
                [Column("module"), Column("type"), Column("operator"), Column("calls", "right"),
                 Column("output elements", "right"), Column("FlopCounterMode FLOPs", "right")])
    for entry in payload["uncounted"]:
        view.add(entry["module"], entry["type"], f"aten.{entry['operator']}", str(entry["calls"]),
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
                     Column("layers that differ", "right"), Column("verdict")])
    causes = View(f"{payload['target']}: why a counter differs (per cause, the layers it explains)",
                  [Column("cause"), Column("wrong"), Column("layer"), Column("analytic", "right"),
                   Column("measured", "right")])
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
                [Column("layer"), Column("kind"), Column("read", "right"), Column("written", "right"),
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
                  [Column("layer"), Column("conv"), Column("input"), Column(label, "right"), Column("replacement"),
                   Column(f"{label} after", "right"), Column(f"saved {label}", "right"),
                   Column("saved params", "right"), Column("ratio", "right"), Column("reduction", "right"),
                   Column("paper's ratio")])
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
                 [Column("replacement"), Column("layers", "right"), Column(f"model {label}", "right"),
                  Column("", "right"), Column(f"saved {label}", "right"), Column("saved params", "right"),
                  Column("model ratio", "right"), Column("reduction", "right"), Column("paper's ratio")])
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
