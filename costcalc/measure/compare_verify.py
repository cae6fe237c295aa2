"""``costcalc compare --verify``: every applicable compare row reconciled on its real module."""

from __future__ import annotations

from typing import Any

from costcalc.engine.compare import CompareRow
from costcalc.measure.reconcile import reconcile


def measured_fields(rows: list[CompareRow]) -> list[dict[str, Any]]:
    """Per row ``measured_macs`` (fvcore conv/linear), ``measured_params`` (``sum(p.numel())``) and
    ``match`` (every reconciliation check of :func:`reconcile` holds); ``None`` values for rows that
    do not apply."""
    fields: list[dict[str, Any]] = []
    for row in rows:
        if row.report is None or row.input is None:
            fields.append({"measured_macs": None, "measured_params": None, "match": None})
            continue
        result = reconcile(row.spec, row.input, row.name)
        fields.append({"measured_macs": result.macs.measured, "measured_params": result.params.measured,
                       "match": result.match})
    return fields
