"""Models too big to build: count them on the meta device, and refuse to build what cannot fit.

* ``--meta`` (:func:`build_on_meta`): the user's constructor runs under ``torch.device("meta")`` and the
  inputs are meta tensors, so no parameter, buffer or activation is allocated. Every count stays exact:
  each rule reads shapes only, never values (a Llama-7B-shaped model at sequence 2048 — 27 GB of float32
  weights — is counted in seconds in a few hundred MB). A constructor or forward that needs real values
  (``.item()``, ``.tolist()``, ``.numpy()``, a tensor pinned to another device) is *not meta-safe*: the
  error names the operator that failed.
* Without ``--meta`` (:func:`build_within_memory`): the model is first constructed on meta (cheap: no
  storage), its parameters and buffers sized, and it is built for real only when they fit in the memory
  available (:func:`costcalc.measure.guard.available_bytes`); otherwise the one-line refusal names its size
  and ``--meta``. A constructor that is not meta-safe is built for real as before (the size is unknown
  until then). The constructor then runs twice — once on meta, once for real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FunctionType
from typing import Any, TypeVar

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from costcalc.formatting import exact, human
from costcalc.measure.guard import available_bytes
from costcalc.measure.user_code import TargetError, UserCodeError, build_model, first_line

Result = TypeVar("Result")

META_HINT = ("count it without building it: costcalc analyze --meta (or costcalc.analyze on a model built under "
             "torch.device('meta'))")


class _LastOperator(TorchDispatchMode):
    """Remembers the first aten operator that raised, and what it raised, so a failure can name it."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # untyped_calls_exclude skips super() calls (mypy#16653)
        self.failed: tuple[str, Exception] | None = None

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        """No ``torch._dynamo`` wrapper around the handler (as the recorder's): nothing here is compiled."""
        return False

    def __torch_dispatch__(self, func: Any, types: tuple[type, ...], args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        try:
            return func(*args, **(kwargs or {}))
        except Exception as error:
            self.failed = self.failed or (str(func.overloadpacket), error)
            raise


@contextmanager
def _naming_failures(what: str) -> Iterator[None]:
    """A failure of ``what`` that meta tensors caused (torch says ``meta``, or an operator has no meta
    kernel) becomes one ``TargetError`` naming the operator; any other failure (a shape the model rejects,
    a bug in its code) stays as it was."""
    watch = _LastOperator()
    try:
        with watch:
            yield
    except (TargetError, UserCodeError) as error:
        reason = error.summary if isinstance(error, UserCodeError) else str(error)
        operator, raised = watch.failed or (None, None)
        if not (isinstance(raised, NotImplementedError) or "meta" in f"{raised} {reason}"):
            raise
        at = f" at {operator}" if operator else ""
        detail = first_line(raised) if raised is not None else reason
        raise TargetError(f"{what} is not meta-safe: under --meta it failed{at}: {detail[:160]}; it needs real "
                          f"tensor values there — run without --meta, or keep that code off the meta path") from None


def run_on_meta(what: str, action: Callable[[], Result]) -> Result:
    """Run ``action`` (the user's code on meta tensors); a failure names ``what`` and the operator that failed."""
    with _naming_failures(what):
        return action()


def skip_dynamo_import() -> int:
    """Let torch's meta kernels run without importing ``torch._dynamo`` (about 1.7 s of CPU, a third of a
    Llama-7B count): its Python references and decompositions (``torch._refs``, ``torch._decomp``, the
    meta table) are wrapped by ``torch._disable_dynamo``, which imports dynamo on a function's first call
    only to keep ``torch.compile`` from tracing into it. Each such wrapper caches its disabled version on
    the function; caching the function itself (as :func:`costcalc.measure.flop_counter.skip_dynamo_import`
    does for FlopCounterMode) runs the same code without the import. Only for costcalc's own command
    processes, which never compile. Returns how many functions were marked."""
    import torch._compile
    import torch._decomp
    import torch._prims
    import torch._refs
    import torch._refs.nn.functional

    wrapper = torch._compile._disable_dynamo(lambda: None).__code__
    pending: list[Any] = [*torch._decomp.decomposition_table.values(), *torch._decomp.meta_table.values()]
    for module in (torch._refs, torch._refs.nn.functional, torch._prims):
        pending.extend(value for value in vars(module).values() if callable(value))
    seen, marked = set(), 0
    while pending:
        function = pending.pop()
        if id(function) in seen or not isinstance(function, FunctionType):
            continue
        seen.add(id(function))
        cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
        if function.__code__ is wrapper and "fn" in cells:
            wrapped = cells["fn"].cell_contents
            if getattr(wrapped, "__dynamo_disable", None) is None:
                wrapped.__dynamo_disable = wrapped
                marked += 1
        for cell in cells.values():
            with suppress(ValueError):  # an empty cell
                pending.append(cell.cell_contents)
        pending.append(getattr(function, "__wrapped__", None))
    return marked


def build_on_meta(obj: Any, arguments: dict[str, Any], target: str) -> nn.Module:
    """Build the model under ``torch.device("meta")``: its parameters and buffers have shapes, no storage."""
    skip_dynamo_import()

    def build() -> nn.Module:
        with torch.device("meta"):
            return build_model(obj, arguments, target)

    model = run_on_meta(f"building {target}", build)
    elsewhere = sorted({str(tensor.device) for tensor in _tensors(model) if tensor.device.type != "meta"})
    if elsewhere:
        raise TargetError(f"building {target} is not meta-safe: under --meta its constructor put tensors on "
                          f"{', '.join(elsewhere)} explicitly; create them without a device (or device='meta')")
    return model


def _tensors(model: nn.Module) -> Iterator[torch.Tensor]:
    yield from model.parameters()
    yield from model.buffers()


def weights_bytes(model: nn.Module) -> tuple[int, int]:
    """Elements and bytes of the model's unique parameters and buffers (as allocated: their dtypes)."""
    tensors = {id(tensor): tensor for tensor in _tensors(model)}.values()
    return sum(t.numel() for t in tensors), sum(t.numel() * t.element_size() for t in tensors)


def build_within_memory(obj: Any, arguments: dict[str, Any], target: str) -> nn.Module:
    """Build the model for real, after checking on meta that its weights fit in the memory available."""
    free = available_bytes()
    if free is not None and not isinstance(obj, nn.Module):
        try:
            sized = build_on_meta(obj, arguments, target)
        except (TargetError, UserCodeError):
            sized = None  # not meta-safe: its size is known only once it is built
        if sized is not None:
            elements, needed = weights_bytes(sized)
            if needed > free:
                raise TargetError(f"building {target} needs {human(needed)}B for its {exact(elements)} parameter "
                                  f"and buffer elements, more than the {human(free)}B of memory available; "
                                  f"{META_HINT}")
    return build_model(obj, arguments, target)
