"""The user's own operators: ``costcalc.register_operator(name, macs, family="matmul")``.

A model may run operators no registry knows — a ``torch.library`` custom op (``mylib::fused_mm``), an
extension's kernel — which ``costcalc analyze`` lists as *uncosted*. Registering a rule for one makes it
costed everywhere an operator is counted, as fvcore's ``set_op_handle``, ``FlopCounterMode``'s
``custom_mapping`` and thop's ``custom_ops`` each do for their own counter only:

* the analysis (:mod:`costcalc.measure.recorder`) costs it with ``macs(args, kwargs, out)`` in its family;
* ``FlopCounterMode`` counts ``2 × macs`` for it (:func:`flop_counter_mapping`, its ``custom_mapping``);
* fvcore counts ``macs`` for it (:func:`fvcore_handles`, its ``set_op_handle``), fed meta tensors of the
  shapes its trace recorded, and files it among its MAC operators (:func:`fvcore_mac_operators`),

so the counter comparisons check the rule instead of naming the operator as skipped. A rule replaces
the built-in one of an ``aten`` operator of the same name (the user's word on their model wins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from costcalc.engine.conventions import FVCORE_MAC_OPERATORS
from costcalc.measure.operators import MAC_FAMILIES

Macs = Callable[[tuple, dict, Any], int]


@dataclass(frozen=True)
class Registered:
    """A user's rule: the operator's qualified name (``ns::op``), its MAC family and ``macs(args, kwargs, out)``."""

    name: str
    family: str
    macs: Macs

    def count(self, args: tuple, kwargs: dict, out: Any) -> int:
        """The rule's count, checked: an exact non-negative int (a float or a negative count is the rule's bug)."""
        value = self.macs(args, kwargs, out)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"the rule registered for {self.name} returned {value!r}; it must return the exact "
                             f"MACs as a non-negative int")
        return value


_REGISTERED: dict[str, Registered] = {}


def _packet(name: str) -> Any:
    """The ``OpOverloadPacket`` torch knows as ``ns::op`` (``ValueError`` naming it when there is none)."""
    namespace, separator, op = name.partition("::")
    if not separator or not namespace or not op or "." in op:
        raise ValueError(f"register_operator needs an operator's qualified name 'namespace::name' "
                         f"(e.g. 'mylib::fused_mm', 'aten::mm'), got {name!r}")
    try:
        return getattr(getattr(torch.ops, namespace), op)
    except (AttributeError, RuntimeError):
        raise ValueError(f"torch has no operator {name!r}: define it (torch.library) or import its library "
                         f"before registering its rule") from None


def register_operator(name: str, macs: Macs, family: str = "matmul") -> Registered:
    """Cost operator ``name`` (``"mylib::fused_mm"``, ``"aten::…"``) as ``macs(args, kwargs, out)``
    multiply-accumulates of ``family`` (one of :data:`~costcalc.measure.operators.MAC_FAMILIES`), in
    analyze and in every counter comparison. Registering a name again replaces its rule."""
    if family not in MAC_FAMILIES:
        raise ValueError(f"family must be one of {', '.join(MAC_FAMILIES)}, got {family!r}")
    if not callable(macs):
        raise ValueError(f"macs must be a function (args, kwargs, out) -> int, got a {type(macs).__name__}")
    _packet(name)
    rule = Registered(name, family, macs)
    _REGISTERED[name] = rule
    return rule


def unregister_operator(name: str) -> None:
    """Forget the rule registered for ``name`` (its operator is uncosted again, or has its built-in rule)."""
    _REGISTERED.pop(name, None)


def registered_rule(func: Any) -> Registered | None:
    """The user's rule for an ``OpOverload`` (by its packet's qualified name), else ``None``."""
    return _REGISTERED.get(func._schema.name) if _REGISTERED and hasattr(func, "_schema") else None


def flop_counter_mapping() -> dict[Any, Callable[..., int]]:
    """``FlopCounterMode(custom_mapping=…)``: ``2 × macs`` per registered operator, on the raw arguments."""
    def formula(rule: Registered) -> Callable[..., int]:
        def count(*args: Any, out_val: Any = None, **kwargs: Any) -> int:
            return 2 * rule.count(args, kwargs, out_val)

        # FlopCounterMode then passes tensors, not their shapes (it reads the attribute with getattr); mypy
        # does not model attributes set on a function
        count._get_raw = True  # type: ignore[attr-defined]
        return count

    return {_packet(name): formula(rule) for name, rule in _REGISTERED.items()}


def _meta_value(value: Any) -> Any:
    """A jit value of fvcore's trace as the rule reads it: a meta tensor of the recorded shape, else the constant."""
    shape = value.type().sizes() if isinstance(value.type(), torch._C.TensorType) else None
    if shape is not None:
        dtype = value.type().dtype() or torch.float32
        return torch.empty(shape, dtype=dtype, device="meta")
    return value.toIValue()


def fvcore_handles() -> dict[str, Callable[[list, list], int]]:
    """fvcore's ``set_op_handle`` pairs: each registered operator's ``macs`` (fvcore counts 1 per MAC)."""
    def handle(rule: Registered) -> Callable[[list, list], int]:
        def count(inputs: list, outputs: list) -> int:
            out = _meta_value(outputs[0]) if len(outputs) == 1 else tuple(map(_meta_value, outputs))
            return rule.count(tuple(map(_meta_value, inputs)), {}, out)

        return count

    return {name: handle(rule) for name, rule in _REGISTERED.items()}


def fvcore_mac_operators() -> frozenset[str]:
    """fvcore's MAC operator names (:data:`~costcalc.engine.conventions.FVCORE_MAC_OPERATORS`) and the
    registered ones, as fvcore names them (without their namespace)."""
    return FVCORE_MAC_OPERATORS | {name.partition("::")[2] for name in _REGISTERED}
