"""``sweep --accuracy FILE.csv``: the user's own ImageNet accuracies joined onto a sweep's configurations.

The contract (DESIGN.md, "Zoo names"): a CSV whose header names ``model`` (optional when the sweep has
one network), the sweep's options (``alpha``, ``res``, …: every option that varies for that network;
the others may be left out) and ``top1`` (optionally ``top5``), accuracies in percent. Each row joins
the configuration whose options equal its values and sets that row's top-1, its source being the
file's name — the file's accuracy is the one the user asked for, so it replaces a published one. A
row that matches no configuration of the sweep is named, never dropped silently; nothing is ever
interpolated. Every error names ``file:line`` and what was expected (:class:`SweepError`).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from costcalc.engine.specs import SpecError
from costcalc.engine.zoo import Accuracy
from costcalc.sweep.grid import OPTION_TYPES, Plan, Row, SweepError, parse_value

SCORES = ("top1", "top5")


@dataclass(frozen=True)
class Unmatched:
    """A row of the file that names no configuration of the sweep: its line and what it asked for."""

    line: int
    model: str
    options: dict[str, Any]

    def text(self) -> str:
        """``mobilenet_v2 alpha=0.3 res=224``: what the line asked for."""
        return " ".join([self.model, *(f"{key}={value}" for key, value in self.options.items())])


def score(text: str, where: str, column: str) -> str:
    """An accuracy in percent, kept as printed (``"71.8"``): a number from 0 to 100."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        raise SweepError(f"{where}: {column} must be an accuracy in percent from 0 to 100, got {text.strip()!r}")
    return text.strip()


def header_of(path: str, fields: list[str], plans: list[Plan]) -> list[str]:
    """The header's option columns, after checking it names ``top1`` and only known columns (an empty
    ``fields``: an empty file)."""
    if not fields:
        raise SweepError(f"{path}:1: empty file; expected a header such as model,alpha,res,top1,top5")
    names = [field.strip() for field in fields]
    options = {key for plan in plans for key in plan.axes} | {key for plan in plans for key in plan.entry.options}
    for name in names:
        if name not in ("model", *SCORES) and name not in options:
            valid = ", ".join(["model", *sorted(options & set(OPTION_TYPES)), *SCORES])
            raise SweepError(f"{path}:1: unknown column {name!r}; expected: {valid}")
    if "top1" not in names:
        raise SweepError(f"{path}:1: the header names no top1 column; expected e.g. model,alpha,res,top1,top5")
    if "model" not in names and len(plans) > 1:
        raise SweepError(f"{path}:1: the sweep has {len(plans)} networks; the header must name a model column")
    if len(set(names)) != len(names):
        raise SweepError(f"{path}:1: a column is named twice: {', '.join(names)}")
    return [name for name in names if name not in ("model", *SCORES)]


def load(path: str, plans: list[Plan], rows: list[Row]) -> list[Unmatched]:
    """Set ``row.top1`` from ``path`` for every configuration a line of it names; return the lines that
    name none. Raises :class:`SweepError` for an unreadable or malformed file (``file:line``)."""
    from costcalc.engine import zoo

    source = os.path.basename(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # a spreadsheet's byte-order mark too
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SweepError(f"--accuracy {path!r}: {getattr(error, 'strerror', None) or error}") from None
    header = [name.strip() for name in lines[0]] if lines else []
    option_columns = header_of(path, header, plans)
    by_model = {plan.entry.name: plan for plan in plans}
    index = {(row.config.model, row.config.options): row for row in rows if row.valid}
    seen: dict[tuple, int] = {}
    unmatched: list[Unmatched] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{path}:{number}"
        if len(cells) != len(header):
            raise SweepError(f"{where}: {len(cells)} values for the {len(header)} columns {','.join(header)}")
        record = dict(zip(header, (cell.strip() for cell in cells)))
        name = record.get("model") or next(iter(by_model))
        try:
            model = zoo.lookup(name).name
        except SpecError as error:
            raise SweepError(f"{where}: {error}") from None
        options = {}
        for key in option_columns:
            if record[key]:
                try:
                    options[key] = parse_value(record[key], key)
                except SweepError as error:
                    raise SweepError(f"{where}: {str(error).removeprefix('--')}") from None
        top1 = score(record["top1"], where, "top1")
        top5 = score(record["top5"], where, "top5") if record.get("top5") else None
        plan = by_model.get(model)
        if plan is None:
            unmatched.append(Unmatched(number, model, options))
            continue
        missing = [key for key in plan.varying if key not in options]
        if missing:
            raise SweepError(f"{where}: no value for {', '.join(missing)}; the sweep varies "
                             f"{', '.join(plan.varying)} for {model}")
        config = plan.config(options)
        if (model, config.options) in seen:
            first = seen[(model, config.options)]
            raise SweepError(f"{where}: the same configuration as line {first} ({config.label(plan.varying)})")
        seen[(model, config.options)] = number
        row = index.get((model, config.options))
        if row is None or any(config.kwargs.get(key) != value for key, value in options.items()):
            unmatched.append(Unmatched(number, model, options))
            continue
        row.top1 = Accuracy(top1, source, top5)
    return unmatched
