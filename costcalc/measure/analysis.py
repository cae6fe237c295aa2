"""The :class:`Analysis` of one recorded forward: totals, layers, the module tree, what was not costed.

Conventions (the papers', and the analyze JSON contract's):

* ``macs`` = the multiply-accumulates of every convolution, matmul / linear, attention and recurrent
  operator (:data:`costcalc.measure.operators.MAC_FAMILIES`), bias excluded, the whole batch as run;
  ``flops = 2·macs``. A reused module costs its MACs on every call.
* ``params`` = every unique parameter tensor once (tied and shared weights once; a parametrization
  counts the tensors that exist, e.g. weight norm's ``original0``/``original1``), each owned by the
  first module that names it.
* other ops (normalization, activation, pooling, interpolate, softmax, element-wise) are output
  elements per family, never mixed into ``macs``; operators with no rule are *uncosted* and listed
  with the FLOPs ``FlopCounterMode`` measured for them, and the headline says which share of the
  measured total was costed analytically. When no counter measures an uncosted operator (it counts 0
  for what it has no rule for), that share is unknown (``costed_share: null``) and ``macs`` is a
  lower bound: the headline names those operators instead of claiming 100 %.
* ``unseen``: module calls whose work the dispatch mode could not see (run on another thread; see
  :mod:`costcalc.measure.recorder`): ``macs`` is then a lower bound, and the headline says so.
* per-sample figures only along an axis known to be the batch (:meth:`Analysis.batch_axis`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

from torch import nn

from costcalc.engine.kinds import PAPER_FORMULAS
from costcalc.formatting import operator_label
from costcalc.measure.operators import MAC_FAMILIES, NOT_COSTED, OTHER_FAMILIES
from costcalc.measure.recorder import Operator, Recording, within
from costcalc.measure.spec_view import call_spec

if TYPE_CHECKING:
    from costcalc.views.render import RichView


def parameter_owners(model: nn.Module) -> dict[str, int]:
    """Module name → elements of the unique parameters it owns (first name wins; tied weights once)."""
    owners: Counter = Counter()
    for name, parameter in model.named_parameters():  # remove_duplicate=True: each tensor once
        owners[name.rpartition(".")[0]] += parameter.numel()
    return dict(owners)


def trainable_owners(model: nn.Module) -> dict[str, int]:
    """Module name → elements of the unique parameters it owns that ``requires_grad`` (as
    :func:`parameter_owners`)."""
    owners: Counter = Counter()
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            owners[name.rpartition(".")[0]] += parameter.numel()
    return dict(owners)


def by_operator(operators: list[Operator]) -> dict[str, int]:
    """MACs per operator name (``mm``, ``convolution``, ``mylib.fused_mm`` …), largest first; the values sum
    exactly to the headline ``macs`` (every MAC belongs to one operator)."""
    macs: Counter = Counter()
    for op in operators:
        if op.macs:
            macs[op.name] += op.macs
    return dict(macs.most_common())


def _layer_kind(module: nn.Module | None, family: str, operators: list[Operator]) -> str:
    """The papers' kind of a 2-D convolution whose calls all ran the same one (:func:`call_spec`, from the
    recorded call); else the family named by what ran."""
    if family == "convolution":
        spec = call_spec(operators[0].conv) if len({op.conv for op in operators}) == 1 else None
        if spec is not None and len(operators) == len({op.call for op in operators}):
            return spec.kind
        return "convolution"
    if family == "matmul":
        return "linear" if isinstance(module, nn.Linear) else "matmul"
    return family


@dataclass
class Analysis:
    """A model analysed on one set of inputs. ``to_dict()`` is exactly the ``costcalc analyze`` JSON."""

    target: str
    inputs: list[list[int]]
    recording: Recording
    model: nn.Module = field(repr=False)
    reconciliation: dict[str, Any] = field(default_factory=dict)
    stated_axis: int | None = None  # the batch axis the user stated (``--batch-axis``); None: inferred
    training: Any = None    # costcalc.measure.training.TrainingCost with training=True, else None
    footprint: Any = None   # costcalc.measure.footprint.Footprint

    def __post_init__(self) -> None:
        self.modules = dict(self.model.named_modules())
        self.owners = parameter_owners(self.model)
        self.trainable = trainable_owners(self.model)
        weight = next(chain(self.model.parameters(), self.model.buffers()), None)
        self.device = weight.device.type if weight is not None else "cpu"  # "meta": counted on shapes alone

    # -- headline -----------------------------------------------------------------------------------

    @property
    def macs(self) -> int:
        """Conv + matmul + attention + recurrent multiply-accumulates, bias excluded, the batch as run."""
        return sum(op.macs for op in self.recording.operators)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def params(self) -> int:
        """Every unique parameter once."""
        return sum(self.owners.values())

    @property
    def batch(self) -> int | None:
        """The batch size along :meth:`batch_axis`, ``None`` when that axis is unknown."""
        return self.batch_axis()[0]

    def batch_axis(self) -> tuple[int | None, int | None, str | None]:
        """``(batch, axis, None)`` when the batch axis is known, else ``(None, None, why not)``.

        Stated (``stated_axis``): every input tensor's size along it, which must agree. Inferred: axis 0 when
        every input tensor and the output (but a batch of 1, which an output may squeeze) have the same
        first dimension and no module that ran declares
        its batch elsewhere (``batch_first=False``: RNNs, ``MultiheadAttention``, transformer layers,
        which take ``(T, B, …)``) — the first axis is not always the batch.
        """
        if self.stated_axis is not None:
            sizes = {shape[self.stated_axis] for shape in self.inputs if len(shape) > self.stated_axis}
            return (sizes.pop(), self.stated_axis, None) if len(sizes) == 1 else (None, None, "inputs differ along it")
        leading = {shape[0] for shape in self.inputs if shape}
        if len(leading) != 1:
            return None, None, (f"the inputs' first dimensions differ ({', '.join(map(str, sorted(leading)))})"
                                if leading else "no input tensor")
        batch = next(iter(leading))
        if batch > 1 and self.recording.output and self.recording.output[0] != batch:  # one sample may be squeezed
            return None, None, f"the output's first dimension ({self.recording.output[0]}) is not the inputs' ({batch})"
        declared = [name or "the model" for name in self.recording.calls
                    if getattr(self.modules.get(name), "batch_first", None) is False]
        if declared:
            return None, None, (f"{', '.join(declared[:3])}{' …' if len(declared) > 3 else ''} "
                                f"ha{'s' if len(declared) == 1 else 've'} batch_first=False: batch on axis 1")
        return batch, 0, None

    def unseen(self) -> list[dict[str, Any]]:
        """Module calls whose work the recorder could not see, per module and reason."""
        groups = Counter((entry.module, entry.reason) for entry in self.recording.unseen)
        return [{"module": module or "(model)", "type": type(self.modules[module]).__name__, "calls": calls,
                 "reason": reason} for (module, reason), calls in groups.items()]

    def uncosted(self) -> list[dict[str, Any]]:
        """Operators with no rule, per module and operator, with FlopCounterMode's measurement."""
        groups: dict[tuple[str, str], list[Operator]] = defaultdict(list)
        for op in self.recording.operators:
            if op.family is None:
                groups[(op.module, op.name)].append(op)
        return [{"module": module or "(model)", "type": type(self.modules[module]).__name__, "operator": name,
                 "calls": len(ops), "elements": sum(op.elements for op in ops),
                 "flop_counter": sum(op.flop_counter for op in ops),
                 "reason": f"no analytic rule for {operator_label(name)}"
                           + (f": {NOT_COSTED[name]}" if name in NOT_COSTED else "")
                           + " (costcalc.register_operator gives it one)"}
                for (module, name), ops in groups.items()]

    def totals(self) -> dict[str, Any]:
        macs = self.macs
        by_family: Counter[str] = Counter()
        other: Counter = Counter()
        for op in self.recording.operators:
            if op.family in MAC_FAMILIES:
                by_family[op.family] += op.macs
            elif op.family in OTHER_FAMILIES:
                other[op.family] += op.elements
        uncosted = self.uncosted()
        uncosted_macs = sum(entry["flop_counter"] for entry in uncosted) // 2
        measured = macs + uncosted_macs
        unmeasured = sorted({entry["operator"] for entry in uncosted if not entry["flop_counter"]})
        batch, axis, unknown = self.batch_axis()
        per_sample = None
        if batch and batch > 1 and macs % batch == 0:
            per_sample = {"batch": batch, "macs": macs // batch, "flops": 2 * macs // batch}
        unseen = self.unseen()
        return {"macs": macs, "flops": 2 * macs, "params": self.params, "batch": batch, "batch_axis": axis,
                "batch_unknown": unknown, "per_sample": per_sample,
                "trainable_params": sum(self.trainable.values()),
                "frozen_params": self.params - sum(self.trainable.values()),
                "by_family": {family: by_family[family] for family in MAC_FAMILIES if by_family[family]},
                "by_operator": by_operator(self.recording.operators),
                "other_ops": {family: other[family] for family in OTHER_FAMILIES if other[family]},
                "uncosted_operators": sum(entry["calls"] for entry in uncosted),
                "uncosted_measured_macs": uncosted_macs,
                "unmeasured_operators": unmeasured,
                "unseen_calls": sum(entry["calls"] for entry in unseen),
                "costed_share": None if unmeasured or unseen else 1.0 if not measured else round(macs / measured, 6),
                "notes": sorted({op.note for op in self.recording.operators if op.note})}

    # -- layers and the module tree -------------------------------------------------------------------

    def layers(self) -> list[dict[str, Any]]:
        """One row per (module, MAC family) that ran MAC operators itself, in execution order."""
        groups: dict[tuple[str, str], list[Operator]] = {}
        for op in self.recording.operators:
            if op.family in MAC_FAMILIES:
                groups.setdefault((op.module, op.family), []).append(op)
        rows = []
        for (name, family), ops in groups.items():
            module = self.modules.get(name)
            calls = self.recording.calls.get(name, [((), ())])
            kind = _layer_kind(module, family, ops)
            macs = sum(op.macs for op in ops)
            per_call: Counter[int] = Counter()
            for op in ops:
                per_call[op.call] += op.macs
            paper = PAPER_FORMULAS.get(kind)
            rows.append({
                "name": name or "(model)", "module": type(module).__name__ if module is not None else "",
                "kind": kind, "family": family, "calls": len(calls) if name else 1,
                "input": list(calls[0][0]), "output": list(calls[0][1]), "macs": macs,
                "macs_per_call": [per_call[call] for call in sorted(per_call)],
                "params": self.owned_params(name, recurse=False) + self._idle_params(name),
                "operators": dict(Counter(op.name for op in ops)),
                "formula": f"{paper.text} ({paper.source})" if paper else None,
                "flop_counter": sum(op.flop_counter for op in ops) if self.reconciliation.get("run") else None})
        return rows

    def owned_params(self, name: str, recurse: bool = True) -> int:
        """Unique parameters owned by module ``name`` (and its submodules when ``recurse``); a
        parametrization's tensors belong to the module it parametrizes."""
        if not recurse:
            prefix = f"{name}.parametrizations." if name else "parametrizations."
            return sum(count for owner, count in self.owners.items() if owner == name or owner.startswith(prefix))
        return sum(count for owner, count in self.owners.items() if within(owner, name))

    def _idle_params(self, name: str) -> int:
        """Parameters of submodules that never ran themselves (nor did any module between them and
        ``name``): a fused kernel of ``name`` read them — ``TransformerEncoderLayer``'s fast path uses
        its ``linear1``/``linear2``/``self_attn`` weights, ``MultiheadAttention``'s its ``out_proj``."""
        calls = self.recording.calls
        idle = 0
        for owner, count in self.owners.items():
            if owner == name or not within(owner, name) or "parametrizations" in owner.split("."):
                continue
            parts = owner.split(".")
            path = [".".join(parts[:end]) for end in range(len(name.split(".")) + 1 if name else 1, len(parts) + 1)]
            if not any(calls.get(step) for step in path):
                idle += count
        return idle

    def by_module(self, depth: int | None = None) -> list[dict[str, Any]]:
        """The module tree down to ``depth`` (``None``: all), each row with its subtree's totals.

        ``macs`` counts every call and every operator run inside the module (its own forward code
        included); ``params`` its unique parameters (``trainable_params`` those that ``requires_grad``);
        ``input`` and ``output`` the shapes of its first call's first tensors; ``share`` its fraction of the
        model's MACs.
        """
        total = self.macs
        macs_under: Counter = Counter()
        for op in self.recording.operators:
            if op.macs:
                parts = op.module.split(".") if op.module else []
                for end in range(len(parts) + 1):
                    macs_under[".".join(parts[:end])] += op.macs
        rows = []
        for name, module in self.modules.items():
            level = name.count(".") + 1 if name else 0
            if depth is not None and level > depth:
                continue
            if "parametrizations" in name.split("."):
                continue
            calls = self.recording.calls.get(name, [])
            params = self.owned_params(name)
            if not calls and not params:
                continue
            rows.append({"name": name or "(model)", "type": type(module).__name__, "depth": level,
                         "calls": len(calls), "input": list(calls[0][0]) if calls else None,
                         "output": list(calls[0][1]) if calls else None, "macs": macs_under[name], "params": params,
                         "trainable_params": sum(count for owner, count in self.trainable.items()
                                                 if within(owner, name)),
                         "share": round(macs_under[name] / total, 6) if total else 0.0})
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The ``costcalc analyze --format json`` payload (``--res-list`` and ``--suggest`` fill their keys)."""
        payload = {"target": self.target, "input": self.inputs[0] if self.inputs else [], "inputs": self.inputs,
                   "output": list(self.recording.output), "totals": self.totals(), "layers": self.layers(),
                   "device": self.device,
                   "modules": self.by_module(), "uncounted": self.uncosted(), "unseen": self.unseen(),
                   "reconciliation": self.reconciliation, "resolutions": [], "suggestions": [],
                   "suggestion_totals": [], "suggestions_left_out": []}
        self._add_whole_cost(payload)
        return payload

    def _add_whole_cost(self, payload: dict[str, Any]) -> None:
        """``totals.footprint``, ``totals.trainable_params`` and ``totals.training``; per module row (training)
        its forward, backward and total MACs."""
        if self.footprint is not None:
            payload["totals"]["footprint"] = self.footprint.to_dict()
        if self.training is not None:
            payload["totals"]["training"] = self.training.to_dict()
        if self.training is not None:
            for row in payload["modules"]:
                row["training"] = self.training.within("" if row["name"] == "(model)" else row["name"])

    def table(self, depth: int | None = 2, unit: str = "macs") -> RichView:
        """The module tree as a rich renderable (what ``costcalc analyze`` prints by default)."""
        from costcalc.views.analyze import tree_view
        from costcalc.views.render import RichView

        return RichView(tree_view(self.to_dict(), depth, unit))

    # -- Python and notebooks ---------------------------------------------------------------------------

    def __str__(self) -> str:
        """``print(analysis)``: the module tree (depth 2) as the plain-text table ``costcalc analyze`` pipes."""
        from costcalc.views.analyze import tree_view
        from costcalc.views.render import PLAIN_WIDTH, draw_table

        return draw_table(tree_view(self.to_dict(), 2, "macs"), PLAIN_WIDTH).rstrip("\n")

    def _repr_html_(self) -> str:
        """A notebook's view: the module tree (depth 2) as an HTML table, every cell escaped."""
        from costcalc.views.analyze import tree_view
        from costcalc.views.html import to_html

        return to_html(tree_view(self.to_dict(), 2, "macs"))

    def to_dataframe(self, depth: int | None = None) -> Any:  # a pandas.DataFrame: pandas has no type hints
        """The module tree (:meth:`by_module`) as a ``pandas.DataFrame``, one row per module, with ``flops``
        (2 × MACs) beside ``macs``. pandas is optional: without it, an ImportError says how to install it."""
        try:
            import pandas  # type: ignore[import-untyped]  # pandas ships no type hints (no pandas-stubs here)
        except ImportError:
            raise ImportError("Analysis.to_dataframe() needs pandas, which is not installed: "
                              "pip install pandas") from None
        rows = [{**row, "flops": 2 * row["macs"]} for row in self.by_module(depth)]
        columns = ["name", "type", "depth", "calls", "output", "macs", "flops", "params", "share"]
        return pandas.DataFrame(rows, columns=columns)

