"""The views of ``costcalc model``: its JSON payload (the contract: ``model``, ``options``, ``input``,
``totals``, ``layers``, ``by_kind``, ``baseline``, plus ``published``, ``rounding``, ``other_ops``, ``notes``),
its CSV records and its tables (layers, by kind, totals, published numbers, memory traffic)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.cost import CostReport, cost
from costcalc.engine.specs import Network
from costcalc.formatting import (
    SHORT_UNITS,
    UNIT_LABELS,
    dims,
    exact,
    fewer_text,
    human,
    in_unit,
    number,
    percent,
    ratio_text,
)
from costcalc.views.render import Column, View

HIDDEN_KINDS = ("activation", "flatten")
"""Kinds left out of the per-layer *table* (no MACs, no params); they stay in JSON and other ops."""


def by_kind(report: CostReport) -> dict[str, dict[str, Any]]:
    """:meth:`CostReport.by_kind` with each kind's share of the MACs, params and weights."""
    table: dict[str, dict[str, Any]] = report.by_kind()
    for entry in table.values():
        for quantity, whole in (("macs", report.macs), ("params", report.params), ("weights", report.weights)):
            entry[f"{quantity}_share"] = float(Fraction(entry[quantity], whole)) if whole else None
    return table


def published_payload(entry: Any, network: Network, report: CostReport) -> list[dict[str, Any]]:
    """The published cost numbers beside ours, then the published ImageNet accuracies (quantity ``top1`` /
    ``top5``, in percent; nothing of ours to compare: ``ours`` and ``agrees`` are null)."""
    if entry is None:
        return []
    from costcalc.engine.zoo import quantities

    ours = quantities(report)
    rows = []
    for item in entry.published(network.options):
        value = ours[item.quantity]
        rows.append({"quantity": item.quantity, "published": item.value,
                     "scale": item.scale, "source": item.source, "ours": value,
                     "ours_rounded": str(item.rounded(value)) if not item.exact else f"{value:,}",
                     "agrees": item.agrees(value), "agreement": None if item.approximate else item.agreement(value),
                     "note": item.note or None})
    for accuracy in entry.accuracy(network.options):
        for quantity, value in (("top1", accuracy.top1), ("top5", accuracy.top5)):
            if value is not None:
                rows.append({"quantity": quantity, "published": value, "scale": "%", "source": accuracy.source,
                             "ours": None, "ours_rounded": None, "agrees": None, "agreement": None,
                             "note": accuracy.note or None})
    return rows


def build_payload(name: str, network: Network, entry: Any, report: CostReport) -> dict[str, Any]:
    """The JSON document of ``costcalc model`` (the CLI contract, plus ``published``, ``rounding``,
    ``other_ops``, ``notes``)."""
    from costcalc.engine.zoo import baseline

    standard = baseline(network)
    base = report if standard.body == network.body else cost(standard.body, standard.input_shape)
    factorized = report.macs != base.macs or report.params != base.params
    description = ("every factorized block replaced by the standard convolution it stands for "
                   "(separable → full k×k conv, ShuffleNet unit → ResNet bottleneck, EffNet block → "
                   "k×k stride-2 conv, inverted residual / MBConv → k×k conv in → out, ShuffleNet V2 unit → "
                   "3×3 conv in → out)" if factorized else "no factorized blocks: the network is its own baseline")
    return {
        "model": name,
        "title": network.name,
        "options": network.options,
        "rounding": network.rounding or None,
        "input": list(network.input_shape),
        "output": list(report.output),
        "unit": "macs",
        "totals": {"macs": report.macs, "flops": report.flops, "params": report.params,
                   "conv_macs": report.conv_macs, "linear_macs": report.linear_macs},
        "other_ops": report.other_ops,
        "layers": [{"name": layer.name, "kind": layer.kind, "input": list(layer.input),
                    "output": list(layer.output), "macs": layer.macs, "params": layer.params}
                   for layer in report.layers],
        "by_kind": by_kind(report),
        "baseline": {"description": description, "macs": base.macs, "params": base.params,
                     "conv_macs": base.conv_macs,
                     "ratio": number(Fraction(report.macs, base.macs)) if base.macs else None,
                     "params_ratio": number(Fraction(report.params, base.params)) if base.params else None},
        "published": published_payload(entry, network, report),
        "notes": entry.notes(network.options) if entry else [],
    }


def build_views(payload: dict[str, Any], unit: str, per_layer: bool) -> list[View]:
    """The tables of ``costcalc model``: layers (unless ``--summary``), by kind, totals, published."""
    views = [layers_view(payload, unit)] if per_layer else []
    views += [kinds_view(payload, unit), totals_view(payload, unit)]
    if payload["published"]:
        views.append(published_view(payload))
    return views


def layers_view(payload: dict[str, Any], unit: str) -> View:
    label, totals = UNIT_LABELS[unit], payload["totals"]
    view = View(f"{payload['title']}: layers on a {dims(payload['input'])} input",
                [Column("layer"), Column("kind", kind="text"), Column("input → output"), Column(label, "right"),
                 Column("params", "right"), Column("share", "right")])
    hidden = 0
    for layer in payload["layers"]:
        if layer["kind"] in HIDDEN_KINDS:
            hidden += 1
            continue
        view.add(layer["name"], layer["kind"],
                 f"{dims(layer['input'])} → {dims(layer['output'])}",
                 exact(in_unit(layer["macs"], unit)), exact(layer["params"]), percent(layer["macs"], totals["macs"]))
    view.notes.append(f"share = share of total {label}; {hidden} activation/flatten rows "
                      f"(no {label}, no params) are in --format json only.")
    return view


def kinds_view(payload: dict[str, Any], unit: str) -> View:
    label, totals = UNIT_LABELS[unit], payload["totals"]
    view = View("By kind", [Column("kind"), Column("layers", "right"), Column(label, "right"),
                            Column(f"% {label}", "right"), Column("params", "right"), Column("% params", "right"),
                            Column("% weights", "right")])
    for kind, entry in payload["by_kind"].items():
        if kind in HIDDEN_KINDS:
            continue
        view.add(kind, str(entry["layers"]), exact(in_unit(entry["macs"], unit)),
                 percent(entry["macs"], totals["macs"]), exact(entry["params"]),
                 percent(entry["params"], totals["params"]),
                 "—" if entry["weights_share"] is None else f"{100 * entry['weights_share']:.2f} %")
    view.notes.append("% weights = share of conv + FC weights alone (no biases, no batch norm): the "
                      "MobileNet paper's Table 2 convention.")
    return view


def totals_view(payload: dict[str, Any], unit: str) -> View:
    label, totals, base = UNIT_LABELS[unit], payload["totals"], payload["baseline"]
    view = View(f"{payload['title']}: totals", [Column("count"), Column(label, "right"),
                                                Column(f"≈ {SHORT_UNITS[unit]}", "right"),
                                                Column("params", "right"), Column("≈ params", "right")])

    def add(title: str, macs: int, params: int | None = None, style: str = "") -> None:
        view.add(title, exact(in_unit(macs, unit)), human(in_unit(macs, unit)),
                 "" if params is None else exact(params), "" if params is None else human(params), style=style)

    add("total (conv + FC)", totals["macs"], totals["params"], style="bold")
    add("  conv layers only", totals["conv_macs"])
    add("baseline (standard convs)", base["macs"], base["params"])
    add("  baseline conv layers only", base["conv_macs"])
    view.add("ratio to baseline", ratio_text(base["ratio"]), fewer_text(base["ratio"]),
             ratio_text(base["params_ratio"]), fewer_text(base["params_ratio"]), style="green")
    other = ", ".join(f"{kind} {count:,}" for kind, count in payload["other_ops"].items())
    view.notes.append(f"Counts: {label} of convolutions and fully-connected layers (MACs = the papers' "
                      f"Mult-Adds; FLOPs = 2 × MACs); params = weights + biases + batch-norm γ, β.")
    view.notes.append(f"Other ops (elements, not in {label}): {other or 'none'}.")
    view.notes.append(f"Baseline: {base['description']}.")
    if payload["rounding"]:
        view.notes.append(f"Rounding: {payload['rounding']}.")
    view.notes += payload["notes"]
    return view


SUFFIXES = {10**6: " M", 10**9: " G", "%": " %"}


def published_view(payload: dict[str, Any]) -> View:
    view = View("Published numbers (MACs = Mult-Adds, the papers' \"FLOPs\")",
                [Column("source", kind="text"), Column("counts", kind="text"), Column("published", "right"),
                 Column("ours", "right"), Column("agrees", kind="verdict"), Column("note", kind="text")])
    for row in payload["published"]:
        suffix = SUFFIXES.get(row["scale"], "")
        ours = "—" if row["ours_rounded"] is None else row["ours_rounded"] + suffix
        agrees = "" if row["ours"] is None else {True: "✓", False: "✗", None: "≈"}[row["agrees"]]
        if row["agreement"] in ("rounded", "truncated"):
            agrees += f" {row['agreement']}"
        view.add(row["source"], row["quantity"], row["published"] + suffix, ours, agrees, row["note"] or "")
    view.notes.append("counts: macs = conv + FC MACs; conv_macs = conv layers only; params = PyTorch "
                      "params; weights = conv + FC weights only (the MobileNet paper's count); tf_variables "
                      "= weights + biases + BN β, moving mean, moving variance (TF-slim); top1 / top5 = "
                      "published ImageNet accuracy (never interpolated; ours —: costcalc counts, it does not train).")
    return view


def csv_records(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV rows: every layer, then a ``total`` row (kind ``total``) with the network's MACs and params
    (and memory traffic under ``--memory``) — the sums of the column above it."""
    totals = payload["totals"]
    total = {"name": "total", "kind": "total", "input": payload["input"], "output": payload["output"],
             "macs": totals["macs"], "params": totals["params"]}
    if "memory" in totals:
        total["memory"] = totals["memory"]
    return payload["layers"] + [total]


def add_memory(payload: dict[str, Any], network: Network, report: CostReport, dtype: str) -> None:
    """``--memory``: each layer's traffic, the totals and the peak activation memory, into ``payload``."""
    from costcalc.engine.memory import layer_memory, memory_payload, peak_activations, peak_payload, report_payload

    for row, layer in zip(payload["layers"], report.layers):
        row["memory"] = memory_payload(layer_memory(layer, dtype), layer)
    payload["totals"]["memory"] = report_payload(report, dtype)
    payload["totals"]["peak_activations"] = peak_payload(peak_activations(network, dtype=dtype))
    payload["dtype"] = dtype


def memory_view(payload: dict[str, Any], unit: str, per_layer: bool) -> View:
    """The ``--memory`` table: each layer's traffic (unless ``--summary``), the total row and the peak."""
    total, peak, dtype = payload["totals"]["memory"], payload["totals"]["peak_activations"], payload["dtype"]
    view = View(f"{payload['title']}: memory traffic ({dtype})",
                [Column("layer"), Column("kind", kind="text"), Column("read", "right"), Column("written", "right"),
                 Column("weights", "right"), Column("bytes", "right"), Column(f"{UNIT_LABELS[unit]}/byte", "right")])

    def intensity(memory: dict[str, Any]) -> str:
        return "—" if memory["intensity"] is None else f"{in_unit(memory['intensity'], unit):.2f}"

    for row in payload["layers"] if per_layer else []:
        memory = row["memory"]
        if row["kind"] not in HIDDEN_KINDS:
            view.add(row["name"], row["kind"], exact(memory["read"]), exact(memory["written"]),
                     exact(memory["weights"]), exact(memory["bytes"]), intensity(memory))
    view.add("total", "", exact(total["read"]), exact(total["written"]), exact(total["weights"]),
             exact(total["bytes"]), intensity(total), style="bold")
    view.notes.append(f"Peak activations: {exact(peak['elements'])} elements = {human(peak['bytes'])}B at "
                      f"{peak['layer']} (live: {', '.join(peak['live'])}); ops run one at a time, none in place, "
                      f"a tensor lives from its producer to its last reader (residual shortcuts included).")
    view.notes.append("Traffic = activations read + written + weights read, each layer unfused, batch 1.")
    return view
