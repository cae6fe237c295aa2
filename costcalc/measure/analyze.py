"""Analyze any PyTorch model: load it, map its layers to the analytic engine, count and reconcile.

``TARGET`` is ``path/to/file.py:name`` or ``package.module:name`` naming an ``nn.Module`` class or
a factory function; building it runs the user's own code. The model is then

1. traced once (eval mode, no grad) with forward hooks that record every module's input and output
   shapes, and a dispatch mode that records the aten operators each module runs *itself* (outside
   its children) — the residual adds, ``torch.flatten`` and functional calls of a ``forward``;
   the hooks are removed afterwards and nothing is written to the model;
2. counted with fvcore and ``FlopCounterMode`` (:func:`costcalc.measure.count.measure`);
3. mapped: every ``Conv2d`` and ``Linear`` (and batch norm, ReLU, pooling, flatten) becomes its
   :mod:`costcalc.specs` spec, costed by :func:`costcalc.cost.cost` on the recorded input and
   reconciled with the counters under :mod:`costcalc.conventions`, exactly as ``verify`` does;
4. everything else — modules with no formula (``LayerNorm``, ``Upsample``, attention, custom) and
   the operators of a ``forward`` outside child modules — is listed as *uncounted* with what the
   counters measured for it, so that, per counter, mapped analytic + uncounted measured = the
   model's measured total.

The model's train/eval mode of every submodule is restored afterwards.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import traceback
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from costcalc import conventions, specs
from costcalc.cost import MAC_KINDS, LayerCost, cost
from costcalc.measure.count import Measurement, measure
from costcalc.measure.reconcile import Check, check_convention
from costcalc.render import dims
from costcalc.specs import Shape, SpecError


class TargetError(ValueError):
    """A target, argument or input the user must fix: shown as one ``Error:`` line."""


class UserCodeError(Exception):
    """An exception raised inside the user's own code: a one-line summary, then their traceback."""

    def __init__(self, summary: str, details: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = details


_OUR_FILES = (str(Path(__file__).resolve().parents[1]), "<frozen importlib", str(Path(torch.__file__).parent))


def _user_traceback(error: BaseException) -> str:
    """The traceback of ``error`` without our own (costcalc, importlib, torch) leading frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename.startswith(_OUR_FILES):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


def _user_error(what: str, error: BaseException) -> UserCodeError:
    return UserCodeError(f"{what} raised {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                         .rstrip(": "), _user_traceback(error))


# -- loading -----------------------------------------------------------------------------------------

def _load_file(path: Path) -> Any:
    module_name = f"costcalc_user_{abs(hash(str(path.resolve())))}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise TargetError(f"cannot load {str(path)!r} as Python source")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as error:  # the user's module-level code
        sys.modules.pop(module_name, None)
        raise _user_error(f"importing {path}", error) from error
    return module


def load_target(target: str) -> Any:
    """The object ``TARGET`` names: ``path/to/file.py:name`` or ``package.module:name``."""
    location, colon, name = target.rpartition(":")
    if not colon or not location or not name:
        raise TargetError(f"target must be path/to/file.py:name or package.module:name, got {target!r}")
    path = Path(location)
    if location.endswith(".py") or path.exists():
        if not path.is_file():
            raise TargetError(f"no such file {location!r} (target {target!r})")
        module = _load_file(path)
    else:
        try:
            found = importlib.util.find_spec(location)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise TargetError(f"no such file or module {location!r} (target {target!r}); "
                              f"give path/to/file.py:name or package.module:name")
        try:
            module = importlib.import_module(location)
        except Exception as error:
            raise _user_error(f"importing {location}", error) from error
    if not hasattr(module, name):
        public = sorted(key for key, value in vars(module).items() if not key.startswith("_")
                        and (inspect.isclass(value) and issubclass(value, nn.Module) or inspect.isfunction(value)))
        from costcalc.spelling import closest

        raise TargetError(f"{location} has no {name!r}; modules and functions there: "
                          f"{', '.join(public) or 'none'}{closest(name, public)}")
    return getattr(module, name)


def build_model(obj: Any, arguments: dict[str, Any], target: str) -> nn.Module:
    """Instantiate an ``nn.Module`` class or call a factory with ``arguments`` (this runs the user's code)."""
    if isinstance(obj, nn.Module):
        model = obj
    elif inspect.isclass(obj) and issubclass(obj, nn.Module) or inspect.isfunction(obj) or inspect.ismethod(obj):
        try:
            inspect.signature(obj).bind(**arguments)
        except TypeError as error:
            raise TargetError(f"{target}: {error} (arguments are given as --arg key=value)") from None
        except ValueError:
            pass
        try:
            model = obj(**arguments)
        except Exception as error:
            raise _user_error(f"building {target}", error) from error
    else:
        raise TargetError(f"{target} is a {type(obj).__name__}, not an nn.Module class or a factory function")
    if not isinstance(model, nn.Module):
        raise TargetError(f"{target} returned a {type(model).__name__}, not an nn.Module")
    return model


# -- tracing -----------------------------------------------------------------------------------------

@dataclass
class Trace:
    """What one forward pass showed: per module, the (input, output) shapes of each call and own operators."""

    calls: dict[str, list[tuple[tuple[int, ...], tuple[int, ...]]]] = field(default_factory=dict)
    operators: dict[str, Counter] = field(default_factory=dict)


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return tuple(value[0].shape)
    return ()


class _OperatorRecorder(TorchDispatchMode):
    """Counts each aten operator against the innermost module running it."""

    def __init__(self, stack: list[str], operators: dict[str, Counter]) -> None:
        super().__init__()
        self.stack = stack
        self.operators = operators

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.operators.setdefault(self.stack[-1], Counter())[str(func.overloadpacket)] += 1
        return func(*args, **(kwargs or {}))


@contextmanager
def preserved_mode(model: nn.Module):
    """Restore every submodule's ``training`` flag afterwards (counting runs in eval mode)."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _input_rejected(shape: tuple[int, ...], error: BaseException) -> TargetError:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return TargetError(f"the model rejects input {','.join(map(str, shape))}: {message}")


def run_trace(model: nn.Module, shape: tuple[int, ...]) -> Trace:
    """One forward pass on zeros of ``shape`` (eval mode, no grad), hooks removed afterwards."""
    result = Trace()
    stack = [""]
    names = {module: name for name, module in model.named_modules()}  # first name, as named_modules() maps

    def before(module, args):
        stack.append(names[module])

    def after(module, args, output):
        stack.pop()
        result.calls.setdefault(names[module], []).append((_shape_of(args), _shape_of(output)))

    handles = []
    try:
        for module in set(names):
            if module is not model:
                handles.append(module.register_forward_pre_hook(before))
                handles.append(module.register_forward_hook(after))
        inputs = torch.zeros(shape)
        with preserved_mode(model), torch.no_grad(), _OperatorRecorder(stack, result.operators):
            model.eval()
            output = model(inputs)
    except (RuntimeError, ValueError) as error:
        raise _input_rejected(shape, error) from None
    except Exception as error:
        raise _user_error("the model's forward", error) from error
    finally:
        for handle in handles:
            handle.remove()
    result.calls[""] = [(tuple(shape), _shape_of(output))]
    return result


def _measure(model: nn.Module, shape: tuple[int, ...]) -> Measurement:
    """fvcore and FlopCounterMode on a batch-1 zero input, the model's modes restored afterwards."""
    with preserved_mode(model), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if len(shape) == 2:
                return measure(model, Shape(shape[1], 1, 1), flat=True)
            return measure(model, Shape(*shape[1:]))
        except Exception as error:
            raise _input_rejected(shape, error) from None


# -- mapping -----------------------------------------------------------------------------------------

ACTIVATIONS = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.LeakyReLU: "leaky_relu"}


def _conv_padding(module: nn.Conv2d) -> tuple[int, int, int, int]:
    if isinstance(module.padding, str):  # 'valid' / 'same': torch keeps the padding it will apply
        left, right, top, bottom = module._reversed_padding_repeated_twice
        return (top, bottom, left, right)
    return (module.padding[0], module.padding[0], module.padding[1], module.padding[1])


def to_spec(module: nn.Module) -> Any:
    """The :mod:`costcalc.specs` spec of a module costcalc has a formula for, else ``None``."""
    if isinstance(module, nn.Conv2d):
        return specs.Conv2d(module.in_channels, module.out_channels, module.kernel_size, module.stride,
                            _conv_padding(module), module.dilation, module.groups, module.bias is not None)
    if isinstance(module, nn.Linear):
        return specs.Linear(module.in_features, module.out_features, module.bias is not None)
    if type(module) is nn.BatchNorm2d and module.affine and module.track_running_stats:
        return specs.BatchNorm2d(module.num_features)
    if type(module) in ACTIVATIONS:
        return specs.Activation(ACTIVATIONS[type(module)])
    if type(module) in (nn.MaxPool2d, nn.AvgPool2d) and not module.ceil_mode:
        if isinstance(module, nn.MaxPool2d) and module.dilation not in (1, (1, 1)):
            return None
        if isinstance(module, nn.AvgPool2d) and (not module.count_include_pad or module.divisor_override):
            return None
        mode = "max" if isinstance(module, nn.MaxPool2d) else "avg"
        try:
            return specs.Pool2d(mode, module.kernel_size, module.stride, module.padding)
        except SpecError:
            return None
    if type(module) is nn.AdaptiveAvgPool2d and module.output_size in (1, (1, 1)):
        return specs.GlobalAvgPool()
    if type(module) is nn.Flatten and module.start_dim == 1 and module.end_dim == -1:
        return specs.Flatten()
    return None


def _as_shape(shape: tuple[int, ...]) -> Shape | None:
    """A batch-1 ``1×C×H×W`` or ``1×C`` tensor shape as the engine's ``C×H×W``; ``None`` otherwise."""
    if len(shape) == 4 and shape[0] == 1:
        return Shape(*shape[1:])
    if len(shape) == 2 and shape[0] == 1:
        return Shape(shape[1], 1, 1)
    return None


def _layers(name: str, spec: Any, calls: list) -> list[LayerCost] | None:
    """One analytic layer per call of the module; ``None`` when a call's shapes do not fit the spec."""
    layers = []
    for input_shape, output_shape in calls:
        shape = _as_shape(input_shape)
        if shape is None:
            return None
        try:
            layer = cost(spec, shape, name).layers[0]
        except SpecError:
            return None
        if _as_shape(output_shape) not in (layer.output, None) and not isinstance(spec, specs.Flatten):
            return None
        layers.append(layer)
    return layers


def _counter_sum(counters: list[Counter]) -> Counter:
    total: Counter = Counter()
    for counter in counters:
        total.update(counter)
    return total


@dataclass(frozen=True)
class Analysis:
    """The reconciled analysis of a model at one input shape (see :meth:`payload`)."""

    target: str
    input: tuple[int, ...]
    output: tuple[int, ...]
    rows: list[dict[str, Any]]
    uncounted: list[dict[str, Any]]
    totals: dict[str, Any]
    convs: list[tuple[str, Any, Shape]]
    layers: tuple[LayerCost, ...] = ()
    """The analytic layers of the mapped modules (``costcalc bench`` sums their traffic and roofline)."""

    def payload(self) -> dict[str, Any]:
        return {"target": self.target, "input": list(self.input), "output": list(self.output),
                "totals": self.totals, "layers": self.rows, "uncounted": self.uncounted}


def _row(name: str, module: nn.Module, layers: list[LayerCost], measured: Measurement) -> dict[str, Any]:
    """A mapped module's analytic layers against its measured counts (keys as ``verify``'s layer rows)."""
    first = layers[0]
    macs = Check(sum(layer.macs for layer in layers), measured.fvcore_macs(name))
    params = Check(first.params, measured.params.get(name))
    fvcore = check_convention(conventions.FVCORE, layers, measured.fvcore_total(name))
    flop_counter = check_convention(conventions.FLOP_COUNTER, layers, measured.flop_counter.get(name))
    skipped = _counter_sum([Counter(conventions.skipped(conventions.FVCORE, layer)) for layer in layers])
    match = all(check.match for check in (macs, params, fvcore, flop_counter))
    return {"name": name, "kind": first.kind, "module": type(module).__name__, "calls": len(layers),
            "input": list(first.input), "output": list(first.output),
            "analytic_macs": macs.analytic, "measured_macs": macs.measured,
            "analytic_params": params.analytic, "measured_params": params.measured,
            "fvcore": fvcore.payload(), "flop_counter": flop_counter.payload(), "skipped": dict(skipped),
            "unsupported": sorted(measured.unsupported.get(name, {})), "match": match}


def _own(measured: Measurement, name: str, children: list[str]) -> tuple[int, int, int, Counter]:
    """A module's own fvcore MACs, fvcore total, FlopCounterMode total and unsupported ops (children excluded)."""
    macs = measured.fvcore_macs(name) - sum(measured.fvcore_macs(child) for child in children)
    fvcore = measured.fvcore_total(name) - sum(measured.fvcore_total(child) for child in children)
    flops = measured.flop_counter.get(name, 0) - sum(measured.flop_counter.get(child, 0) for child in children)
    unsupported = Counter(measured.unsupported.get(name, {}))
    unsupported.subtract(_counter_sum([Counter(measured.unsupported.get(child, {})) for child in children]))
    return macs, fvcore, flops, +unsupported


def _uncounted(name: str, module: nn.Module, trace: Trace, measured: Measurement, children: list[str],
               reason: str) -> dict[str, Any]:
    macs, fvcore, flops, unsupported = _own(measured, name, children)
    calls = trace.calls.get(name, [])
    return {"module": name or "(model)", "type": type(module).__name__, "reason": reason, "calls": len(calls),
            "input": list(calls[0][0]) if calls else None, "output": list(calls[0][1]) if calls and calls[0][1] else None,
            "operators": dict(sorted(trace.operators.get(name, Counter()).items())),
            "fvcore_macs": macs, "fvcore": fvcore, "flop_counter": flops,
            "fvcore_unsupported": dict(sorted(unsupported.items())),
            "params": sum(p.numel() for p in module.parameters(recurse=not children))}


def _leaves_and_mapping(model: nn.Module, trace: Trace):
    """Mapped modules (name → (module, layers)) and the rest, in ``named_modules`` order."""
    mapped: dict[str, tuple[nn.Module, list[LayerCost]]] = {}
    unmapped: list[tuple[str, nn.Module, str]] = []
    for name, module in model.named_modules():
        children = list(module.children())
        spec = None if children else to_spec(module)
        calls = trace.calls.get(name, [])
        if spec is not None and calls:
            layers = _layers(name, spec, calls)
            if layers is not None:
                mapped[name] = (module, layers)
                continue
            unmapped.append((name, module, f"{type(module).__name__} on a "
                             f"{dims(calls[0][0])} input: costcalc's spec is per batch-1 image"))
        elif not children:
            if not calls:
                reason = "never called in forward"
            elif not trace.operators.get(name):
                reason = f"{type(module).__name__} ran no operators (identity)"
            else:
                reason = f"no formula for {type(module).__name__}"
            unmapped.append((name, module, reason))
        else:
            unmapped.append((name, module, f"{'forward code of ' + type(module).__name__} "
                             f"(operators outside its child modules)"))
    return mapped, unmapped


def analyze(model: nn.Module, shape: tuple[int, ...], target: str) -> Analysis:
    """Trace, count, map and reconcile ``model`` on a zero input of ``shape`` (batch 1)."""
    check_input(shape)
    trace = run_trace(model, shape)
    measured = _measure(model, shape)
    mapped, unmapped = _leaves_and_mapping(model, trace)
    child_names = {name: [f"{name}.{child}" if name else child for child, _ in module.named_children()]
                   for name, module in model.named_modules()}
    rows = [_row(name, module, layers, measured) for name, (module, layers) in mapped.items()]
    uncounted = []
    for name, module, reason in unmapped:
        entry = _uncounted(name, module, trace, measured, child_names[name], reason)
        is_leaf = not child_names[name]
        busy = entry["operators"] or entry["fvcore"] or entry["flop_counter"] or entry["params"] \
            or entry["fvcore_unsupported"]
        if is_leaf or busy:
            uncounted.append(entry)
    layers = [layer for _, layers in mapped.values() for layer in layers]
    convs = [(name, layers[0].spec, layer.input) for name, (_, layers) in mapped.items()
             for layer in layers if isinstance(layer.spec, specs.Conv2d)]
    macs = sum(layer.macs for layer in layers if layer.kind in MAC_KINDS)
    totals = _totals(layers, rows, uncounted, measured, model)
    return Analysis(target, tuple(shape), trace.calls[""][0][1], rows, uncounted,
                    {"macs": macs, "flops": 2 * macs, **totals}, convs, tuple(layers))


def _totals(layers: list[LayerCost], rows: list[dict], uncounted: list[dict], measured: Measurement,
            model: nn.Module) -> dict[str, Any]:
    """Whole-model reconciliation: per counter, mapped analytic + uncounted measured = model measured."""
    params = sum(p.numel() for p in model.parameters())
    analytic_params = sum(row["analytic_params"] for row in rows)
    uncounted_sums = {key: sum(entry[key] for entry in uncounted)
                      for key in ("fvcore_macs", "fvcore", "flop_counter", "params")}
    fvcore = check_convention(conventions.FVCORE, layers, measured.fvcore_total(""))
    flop_counter = check_convention(conventions.FLOP_COUNTER, layers, measured.flop_counter.get("", 0))
    mapped_macs = sum(layer.macs for layer in layers)
    accounted = {
        "macs": mapped_macs + uncounted_sums["fvcore_macs"] == measured.fvcore_macs(""),
        "params": analytic_params + uncounted_sums["params"] == params,
        "fvcore": fvcore.analytic + uncounted_sums["fvcore"] == fvcore.measured,
        "flop_counter": flop_counter.analytic + uncounted_sums["flop_counter"] == flop_counter.measured,
    }
    return {"params": params, "measured_macs": measured.fvcore_macs(""), "analytic_params": analytic_params,
            "fvcore": fvcore.payload(), "flop_counter": flop_counter.payload(),
            "uncounted": uncounted_sums, "accounted": accounted,
            "match": all(accounted.values()) and all(row["match"] for row in rows)}


# -- inputs and resolutions --------------------------------------------------------------------------

def check_input(shape: tuple[int, ...]) -> None:
    """Batch 1, positive sizes, ``N×C×H×W`` or ``N×C``: the counts are per image, as the papers'."""
    if len(shape) not in (2, 4) or any(size < 1 for size in shape):
        raise TargetError(f"--input must be N,C,H,W or N,C with positive sizes, got {','.join(map(str, shape))}")
    if shape[0] != 1:
        raise TargetError(f"--input batch must be 1 (counts are per image), got {shape[0]}")


def at_resolutions(model: nn.Module, shape: tuple[int, ...], resolutions: list[int]) -> list[dict[str, Any]]:
    """The model's analytic conv + linear MACs at other square input resolutions, by re-running the hooks.

    Exact: each mapped layer is re-costed on the input shape the forward pass actually gives it.
    Uncounted modules are not re-measured here (see the full analysis at the base resolution).
    """
    if len(shape) != 4:
        raise TargetError("--res-list needs a 4-D N,C,H,W --input")
    params = sum(p.numel() for p in model.parameters())
    results = []
    for resolution in resolutions:
        new_shape = (shape[0], shape[1], resolution, resolution)
        trace = run_trace(model, new_shape)
        mapped, _ = _leaves_and_mapping(model, trace)
        macs = sum(layer.macs for _, layers in mapped.values() for layer in layers)
        results.append({"resolution": resolution, "input": list(new_shape), "macs": macs, "flops": 2 * macs,
                        "params": params})
    return results
