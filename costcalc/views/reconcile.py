"""Tables of a reconciliation payload (:meth:`costcalc.measure.reconcile.Reconciliation.payload`), without torch.

Analytic and measured MACs are shown in the chosen unit (FLOPs = 2 × MACs); the fvcore column is
fvcore's own count (1 per MAC, batch norm 2 per element, adaptive pool 1 per input element) and the
FlopCounterMode column its own (2 per MAC), each beside the analytic count of the same convention.
"""

from __future__ import annotations

from typing import Any

from costcalc.formatting import MARK, UNIT_LABELS, dims, exact, in_unit
from costcalc.views.render import Column, View


def _pair(check: dict[str, Any]) -> str:
    """``analytic`` when it matches, ``analytic ≠ measured`` otherwise."""
    if check["match"]:
        return exact(check["analytic"])
    return f"{exact(check['analytic'])} ≠ {exact(check['measured'])}"


def _causes(*checks: dict[str, Any]) -> str:
    return "; ".join(f"{cause} (+{delta:,})" for check in checks for cause, delta in check["causes"].items())


def reconciliation_views(payload: dict[str, Any], unit: str, per_layer: bool = True) -> list[View]:
    """A per-layer table (✓/✗, analytic vs measured, delta, cause) and a table of skipped operations.

    ``per_layer=False`` (``--summary``) keeps the total and any mismatching layer, and only counts
    the skipped operations."""
    label = UNIT_LABELS[unit]
    layers = View(f"{payload['target']}: analytic vs measured on a {dims(payload['input'])} input",
                  [Column("match", kind="verdict"), Column("layer"), Column("kind", kind="text"),
                   Column(f"analytic {label}", "right"), Column(f"measured {label}", "right"),
                   Column("params", "right"), Column("fvcore", "right"),
                   Column("FlopCounterMode", "right"), Column("cause of counter − paper", kind="text")])
    for row in payload["layers"]:
        if not per_layer and row["match"]:
            continue
        measured = in_unit(row["measured_macs"], unit)
        layers.add(MARK[row["match"]], row["name"], row["kind"], exact(in_unit(row["analytic_macs"], unit)),
                   exact(measured), _pair({"analytic": row["analytic_params"], "measured": row["measured_params"],
                                           "match": row["analytic_params"] == row["measured_params"]}),
                   _pair(row["fvcore"]), _pair(row["flop_counter"]), _causes(row["fvcore"], row["flop_counter"]),
                   style="" if row["match"] else "bold red")
    fvcore, counter = payload["fvcore"], payload["flop_counter"]
    layers.add(MARK[payload["match"]], "total", "", exact(in_unit(payload["analytic_macs"], unit)),
               exact(in_unit(payload["measured_macs"], unit)),
               _pair({"analytic": payload["analytic_params"], "measured": payload["measured_params"],
                      "match": payload["analytic_params"] == payload["measured_params"]}),
               _pair(fvcore), _pair(counter), _causes(fvcore, counter), style="bold")
    layers.notes = ["MACs = conv + linear multiply-accumulates (FLOPs = 2 × MACs); fvcore counts 1 per MAC, "
                    "FlopCounterMode 2 per MAC; '≠' shows analytic ≠ measured."] + payload.get("mismatches", [])
    skipped = View(f"{payload['target']}: operations the counters skip (analytic estimate, element ops)",
                   [Column("layer"), Column("kind", kind="text"), Column("category", kind="text"),
                    Column("estimate", "right"), Column("fvcore unsupported ops", kind="text")])
    for entry in payload["skipped"]:
        skipped.add(entry["layer"], entry["kind"], entry["category"], exact(entry["estimate"]),
                    ", ".join(entry["operators"]) or "ignored by fvcore")
    if not per_layer:
        layers.notes.append(f"{sum(row['match'] for row in payload['layers'])} matching layers and "
                            f"{len(payload['skipped'])} skipped operations are listed without --summary "
                            "and in --format json.")
        return [layers]
    return [layers, skipped] if skipped.rows else [layers]
