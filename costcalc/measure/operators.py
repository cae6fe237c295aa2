"""One analytic rule per aten operator family: the operator-level twin of :mod:`costcalc.engine.kinds`.

A forward pass recorded under a dispatch mode (:mod:`costcalc.measure.recorder`) reaches us as aten
operators after decomposition: ``nn.Linear`` on any rank arrives as ``addmm``/``mm`` on the flattened
rows, ``matmul`` and ``einsum`` as ``mm``/``bmm``, every convolution (1-, 2-, 3-D, transposed,
grouped, dilated, ``padding='same'``, functional) as ``aten.convolution``. Torch may also hand over
other forms of the same work — ``conv2d`` and ``linear`` whole under ``torch.inference_mode()`` (the
recorder decomposes such composite operators: :func:`is_composite`), ``mkldnn_``, ``cudnn_``,
``miopen_`` and ``mps_`` convolutions, the flash / memory-efficient / cuDNN attention kernels, batch
norm on every backend, the backward twins. Each :class:`Rule` costs one operator from its arguments
read by their schema names (:func:`bind`; overloads put them at different positions), in exact
integers, and carries its closed form:

* ``convolution``  ``N·C_out·∏out·(C_in/g)·∏k`` (MobileNet eq. 1 generalised to any dimensionality);
  transposed ``N·C_in·∏in·(C_out/g)·∏k`` — each input position scatters one kernel;
* ``matmul``       ``mm``/``addmm``: ``M·K·N``; ``bmm``/``baddbmm``: ``B·M·K·N``; ``mv``: ``M·N``; ``dot``: ``N``
  (the added bias of ``addmm`` is not a MAC, as the papers count);
* ``attention``    scaled dot-product attention: ``QKᵀ`` + ``AV`` = ``B·heads·L·S·E + B·heads·L·S·Ev``;
* ``attention_fused``  ``nn.MultiheadAttention``'s fast path (one fused operator): in-projections
  ``B·L·E² + 2·B·S·E²``, ``QKᵀ`` + ``AV`` ``2·B·L·S·E`` (heads·d = E), out-projection ``B·L·E²``;
* ``transformer_fused``  ``nn.TransformerEncoderLayer``'s fast path (one fused operator) on T = B·L
  tokens: in-projection ``3·T·E²``, ``QKᵀ`` + ``AV`` ``2·B·L²·E``, out-projection ``T·E²``, feed-forward
  ``2·T·E·F``;
* ``recurrent``    an LSTM/GRU/RNN layer kernel: ``T·B·G·H·(I + H)`` for G gates of hidden size H;
* ``matmul`` also holds ``_trilinear`` (``nn.Bilinear``: ``B·O·I₁·I₂``, one multiply-accumulate per
  term of the broadcast product), ``cdist`` (``B·P·R·M``: one ``|x−y|ᵖ`` accumulated per pair and
  feature) and ``pdist`` (``N(N−1)/2·M``).

Every other operator the registry knows is an *other op* (normalization, activation, pooling and
reductions, interpolate, softmax, element-wise, loss — counted as output elements, never mixed into
MACs) or pure data movement (views, copies, concatenation: no arithmetic). An operator found in none
of these is *uncosted*: the analysis lists it with what the counters measured for it (a MAC-like
operator whose work is not in its shapes — packed, sparse, grouped — is listed uncosted on purpose,
with its reason in :data:`NOT_COSTED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any

import torch
from torch.utils._python_dispatch import _disable_current_modes

MAC_FAMILIES = ("convolution", "matmul", "attention", "attention_fused", "transformer_fused", "recurrent")
OTHER_FAMILIES = ("normalization", "activation", "pooling", "interpolate", "softmax", "elementwise", "loss")


@dataclass(frozen=True)
class Rule:
    """How one operator family is costed: MACs from the call's arguments by schema name (``None`` for
    other ops) and its closed form. ``refine`` may hand a call to another rule (a product with an
    inner size of 1 is element-wise: see :func:`_outer`)."""

    family: str
    formula: str
    macs: Callable[[dict[str, Any], Any], int] | None = None
    attention: Callable[[dict[str, Any], Any], int] | None = None  # the QKᵀ + AV part of ``macs``
    refine: Callable[[dict[str, Any]], Rule | None] | None = None


def bind(func: Any, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by their schema names (``func._schema.arguments``), defaults filled in.

    Overloads of one family put the same argument at different positions (argument 6 is
    ``transposed`` in ``aten.convolution`` and ``groups`` in ``conv2d`` and ``mkldnn_convolution``;
    the input is ``input`` in one, ``self`` in another), so every rule reads names, never positions."""
    named: dict[str, Any] = {}
    for index, argument in enumerate(func._schema.arguments):
        if index < len(args) and not argument.kwarg_only:
            named[argument.name] = args[index]
        elif argument.name in kwargs:
            named[argument.name] = kwargs[argument.name]
        elif argument.has_default_value():
            named[argument.name] = argument.default_value
    return named


def _first(named: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` the schema has (``input`` / ``self``, ``mat1`` / ``batch1`` / ``self``, …)."""
    for name in names:
        if named.get(name) is not None:
            return named[name]
    raise KeyError(f"none of {', '.join(names)} in the call")


def _output(out: Any) -> Any:
    """The operator's (first) output tensor."""
    return out[0] if isinstance(out, (tuple, list)) else out


def _convolution_macs(named: dict[str, Any], out: Any, transposed: bool) -> int:
    """``N·C_out·∏out·(C_in/g)·∏k``; transposed ``N·C_in·∏in·(C_out/g)·∏k``. The weight is
    ``C_out × C_in/g × k…`` (``C_in × C_out/g × k…`` when transposed), so one output (input, when
    transposed) element costs ``∏weight.shape[1:]`` multiply-accumulates."""
    per_position = prod(named["weight"].shape[1:])
    if transposed:
        return _first(named, "input", "self").numel() * per_position
    return _output(out).numel() * per_position


def _convolution(named: dict[str, Any], out: Any) -> int:
    """Any convolution overload: ``aten.convolution``/``_convolution``/``convolution_overrideable``
    say ``transposed`` by name; ``conv1d/2d/3d``, ``_convolution_mode``, ``mkldnn_``, ``cudnn_``,
    ``miopen_``, ``mps_`` and slow convolutions have no such argument and are not transposed."""
    return _convolution_macs(named, out, bool(named.get("transposed", False)))


def _transposed_convolution(named: dict[str, Any], out: Any) -> int:
    """``conv_transpose1d/2d/3d``, ``cudnn_``/``miopen_convolution_transpose``, ``slow_conv_transpose2d/3d``."""
    return _convolution_macs(named, out, True)


def _conv_tbc(named: dict[str, Any], out: Any) -> int:
    """``conv_tbc(self, weight, bias, pad)``: time × batch × channel input, weight ``k × C_in × C_out``:
    ``T_out·B·C_out·k·C_in``."""
    weight = named["weight"]
    return _output(out).numel() * weight.shape[0] * weight.shape[1]


def _operands(named: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The two factor shapes of a product, by schema name: ``mat1``/``batch1``/``mat``/``self``/``input``
    times ``mat2``/``batch2``/``vec``/``tensor``/``other``; ``linear``'s ``weight`` (out × in) as ``in × out``."""
    left = list(_first(named, "mat1", "batch1", "mat", "self", "input").shape)
    if named.get("weight") is not None and all(name not in named for name in ("mat2", "other")):
        return left, list(named["weight"].shape)[::-1]
    return left, list(_first(named, "mat2", "batch2", "vec", "tensor", "other").shape)


def _product_sizes(left: list[int], right: list[int]) -> tuple[int, int]:
    """``(∏batch·M·N, K)`` of ``left @ right`` with ``torch.matmul``'s rules: a 1-D factor is a vector
    (its M or N is 1), leading dimensions broadcast (``addbmm`` sums the batch: the same products)."""
    inner = left[-1]
    rows = left[-2] if len(left) > 1 else 1
    columns = right[-1] if len(right) > 1 else 1
    batch_left, batch_right = left[:-2], right[:-2]
    width = max(len(batch_left), len(batch_right))
    batch_left = [1] * (width - len(batch_left)) + batch_left
    batch_right = [1] * (width - len(batch_right)) + batch_right
    return prod(max(a, b) for a, b in zip(batch_left, batch_right)) * rows * columns, inner


def _product(named: dict[str, Any], out: Any) -> int:
    """``∏batch·M·K·N`` for every matrix product (``mm``/``addmm``: ``M·K·N``; ``bmm``/``baddbmm``/
    ``addbmm``: ``B·M·K·N``; ``mv``/``addmv``: ``M·K``; ``dot``/``vdot``: ``K``; ``linear``:
    ``∏rows·in·out``); the added bias of ``addmm`` is not a MAC, as the papers count."""
    outputs, inner = _product_sizes(*_operands(named))
    return outputs * inner


def _outer(named: dict[str, Any]) -> Rule | None:
    """One meaning for a product with an inner size of 1 (``(32 × 1) @ (1 × 128)``, a rotary embedding's
    outer product): each output is one multiply and nothing accumulates, so it is an element-wise
    product (``ELEMENTWISE``, 0 MACs), as ``torch.outer`` and ``addr`` are. torch runs the same product
    as ``bmm`` on one device and as ``mul`` on another; both then give the same count."""
    try:
        return ELEMENTWISE if _product_sizes(*_operands(named))[1] == 1 else None
    except (KeyError, IndexError, AttributeError):
        return None


def _attention_layout(named: dict[str, Any], heads_second: bool) -> tuple[int, int, int, int, int]:
    """``(∏batch·heads, L, S, E, Ev)`` of ``query``/``key``/``value`` (the recorder hands the rule the
    tensors the model passed, before a kernel padded their head dimension)."""
    query, key, value = named["query"], named["key"], named["value"]
    embed, embed_value = query.shape[-1], value.shape[-1]
    if heads_second:  # (…, heads, L, E): the SDPA layout
        return prod(query.shape[:-2]), query.shape[-2], key.shape[-2], embed, embed_value
    if named.get("cum_seq_q") is not None or named.get("cu_seqlens_q") is not None:
        raise ValueError("variable-length attention: the sequence lengths are in tensors, not shapes")
    # (B, L, heads, E): the flash / memory-efficient kernels' own layout
    return query.shape[0] * query.shape[2], query.shape[1], key.shape[1], embed, embed_value


def _attention(named: dict[str, Any], out: Any) -> int:
    """``QKᵀ`` + ``AV`` of ``query`` (…, L, E), ``key`` (…, S, E), ``value`` (…, S, Ev):
    ``∏batch·heads·L·S·(E + Ev)`` (grouped-query attention: the query's heads; each sees S keys)."""
    groups, length, source, embed, embed_value = _attention_layout(named, heads_second=True)
    return groups * length * source * (embed + embed_value)


def _attention_kernel(named: dict[str, Any], out: Any) -> int:
    """The flash / memory-efficient kernels called directly on (B, L, heads, E): the same ``QKᵀ`` + ``AV``."""
    groups, length, source, embed, embed_value = _attention_layout(named, heads_second=False)
    return groups * length * source * (embed + embed_value)


def _attention_backward(named: dict[str, Any], out: Any) -> int:
    """An attention backward: ``dP = dO·Vᵀ`` and ``dV = Pᵀ·dO`` (``L·S·Ev`` each), ``dQ = dS·K`` and
    ``dK = dSᵀ·Q`` (``L·S·E`` each): twice the forward's ``QKᵀ`` + ``AV``, as ``torch.utils.flop_counter``."""
    return 2 * _attention(named, out)


def _mask_count(named: dict[str, Any], names: tuple[str, ...]) -> int:
    """How many of the (input, weight) gradients the backward computes (``output_mask``/``mask``)."""
    mask = next((named[name] for name in names if named.get(name) is not None), (True, True, True))
    return int(bool(mask[0])) + int(bool(mask[1]))


def _convolution_backward(named: dict[str, Any], out: Any) -> int:
    """``convolution_backward(grad_output, input, weight, …, transposed, …, output_mask)``: the input
    gradient and the weight gradient each cost the forward's MACs, each only where ``output_mask`` asks."""
    per_position = prod(named["weight"].shape[1:])
    positions = (named["input"] if named.get("transposed") else named["grad_output"]).numel()
    return positions * per_position * _mask_count(named, ("output_mask",))


def _linear_backward(named: dict[str, Any], out: Any) -> int:
    """``linear_backward``/``mkldnn_linear_backward(self, grad_output, weight, output_mask)`` and
    ``matmul_backward(grad, self, other, mask)``: each asked-for gradient costs the forward's ``∏rows·in·out``."""
    if "other" in named:
        outputs, inner = _product_sizes(list(named["self"].shape), list(named["other"].shape))
        return outputs * inner * _mask_count(named, ("mask",))
    weight = named["weight"]
    return named["grad_output"].numel() * weight.shape[-1] * _mask_count(named, ("output_mask",))


def _fused_attention_core(named: dict[str, Any], out: Any) -> int:
    """The ``QKᵀ`` + ``AV`` part of ``_native_multi_head_attention``: ``2·B·L·S·E`` (heads·d = E)."""
    query, key, embed = named["query"], named["key"], named["embed_dim"]
    return 2 * query.shape[0] * query.shape[1] * key.shape[1] * embed


def _multi_head_attention(named: dict[str, Any], out: Any) -> int:
    """``_native_multi_head_attention(query, key, value, embed_dim, num_head, …)``: in-projections,
    ``QKᵀ`` + ``AV``, out-projection."""
    query, key, embed = named["query"], named["key"], named["embed_dim"]
    batch, length, source = query.shape[0], query.shape[1], key.shape[1]
    projections = batch * length * embed * embed * 2 + 2 * batch * source * embed * embed
    return projections + _fused_attention_core(named, out)


def nested_sizes(tensor: torch.Tensor) -> list[list[int]]:
    """The shape of each component of a nested tensor (``TransformerEncoder`` packs padded batches
    into one when given ``src_key_padding_mask``), read with no dispatch mode recording it."""
    with _disable_current_modes():
        return tensor._nested_tensor_size().tolist()


def _encoder_attention_core(named: dict[str, Any], out: Any) -> int:
    """The ``QKᵀ`` + ``AV`` part of ``_transformer_encoder_layer_fwd``: ``2·ΣL²·E`` over the B sequences
    (``2·B·L²·E`` when dense; heads·d = E)."""
    src, embed = named["src"], named["embed_dim"]
    if src.is_nested:
        return 2 * sum(size[0] * size[0] for size in nested_sizes(src)) * embed
    return 2 * (src.numel() // embed) * src.shape[-2] * embed


def _transformer_encoder_layer(named: dict[str, Any], out: Any) -> int:
    """``_transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
    proj_bias, …, ffn_weight_1, ffn_bias_1, ffn_weight_2, …)`` on ``src`` (B, L, E): T = B·L tokens cost
    ``3·T·E²`` (in-projection) + ``2·B·L²·E`` (QKᵀ, AV) + ``T·E²`` (out-projection) + ``2·T·E·F`` (FFN)."""
    tokens = named["src"].numel() // named["embed_dim"]
    weights = ("qkv_weight", "proj_weight", "ffn_weight_1", "ffn_weight_2")
    return tokens * sum(named[name].numel() for name in weights) + _encoder_attention_core(named, out)


def _trilinear(named: dict[str, Any], out: Any) -> int:
    """``_trilinear(i1, i2, i3, expand1, expand2, expand3, sumdim)``: each input is unsqueezed at its
    ``expand`` dims, the three are multiplied with broadcasting and summed over ``sumdim`` — one
    multiply-accumulate per element of the broadcast product (``nn.Bilinear``: ``B·O·I₁·I₂``)."""
    shapes = []
    for index in (1, 2, 3):
        shape = list(named[f"i{index}"].shape)
        for dim in sorted(named[f"expand{index}"]):
            shape.insert(dim, 1)
        shapes.append(shape)
    return prod(max(sizes) for sizes in zip(*shapes))


def _distances(named: dict[str, Any], out: Any) -> int:
    """One ``|x−y|ᵖ`` accumulated per output distance and feature M: ``_cdist_forward(x1, x2, p)`` of
    (…, P, M) and (…, R, M) gives ``∏batch·P·R·M``, ``_pdist_forward(self, p)`` of (N, M) ``N(N−1)/2·M``."""
    return _output(out).numel() * _first(named, "x1", "self").shape[-1]


def _recurrent(named: dict[str, Any], out: Any) -> int:
    """``mkldnn_rnn_layer(input, weight0, weight1, …)``: every step multiplies the input (I) and the
    hidden state (H) into G·H gate pre-activations: ``T·B·G·H·(I + H)``."""
    inputs, w_ih, w_hh = named["input"], named["weight0"], named["weight1"]
    steps_times_batch = inputs.numel() // w_ih.shape[1]
    return steps_times_batch * w_ih.shape[0] * (w_ih.shape[1] + w_hh.shape[1])


CONVOLUTION = Rule("convolution", "N·C_out·∏out·(C_in/g)·∏k (transposed: N·C_in·∏in·(C_out/g)·∏k)", _convolution)
TRANSPOSED_CONVOLUTION = Rule("convolution", "N·C_in·∏in·(C_out/g)·∏k (transposed)", _transposed_convolution)
TIME_CONVOLUTION = Rule("convolution", "T_out·B·C_out·k·C_in (conv_tbc)", _conv_tbc)
CONVOLUTION_BACKWARD = Rule("convolution", "(input grad + weight grad, as output_mask asks) × the forward's "
                            "N·C_out·∏out·(C_in/g)·∏k", _convolution_backward)
MATMUL = Rule("matmul", "M·K·N", _product, refine=_outer)
BATCHED_MATMUL = Rule("matmul", "B·M·K·N", _product, refine=_outer)
MATRIX_VECTOR = Rule("matmul", "M·N (matrix × vector; dot: N)", _product, refine=_outer)
LINEAR = Rule("matmul", "∏rows·in·out (linear: input @ weightᵀ)", _product, refine=_outer)
GENERAL_MATMUL = Rule("matmul", "∏batch·M·K·N (broadcast batch; a vector factor has M or N = 1)", _product,
                      refine=_outer)
LINEAR_BACKWARD = Rule("matmul", "(input grad + weight grad, as the mask asks) × the forward's ∏rows·in·out",
                       _linear_backward)
ATTENTION = Rule("attention", "QKᵀ + AV = B·heads·L·S·E + B·heads·L·S·Ev", _attention, _attention)
ATTENTION_KERNEL = Rule("attention", "QKᵀ + AV = B·heads·L·S·E + B·heads·L·S·Ev (on B, L, heads, E)",
                        _attention_kernel, _attention_kernel)
ATTENTION_KERNEL_BACKWARD = Rule("attention", "2·(B·heads·L·S·E + B·heads·L·S·Ev) (dQ, dK, dP, dV; on B, L, "
                                 "heads, E)", lambda named, out: 2 * _attention_kernel(named, out),
                                 lambda named, out: 2 * _attention_kernel(named, out))
ATTENTION_BACKWARD = Rule("attention", "2·(B·heads·L·S·E + B·heads·L·S·Ev) (dQ, dK, dP, dV)", _attention_backward,
                          _attention_backward)
FUSED_ATTENTION = Rule("attention_fused", "B·L·E² + 2·B·S·E² (in-proj) + 2·B·heads·L·S·d (QKᵀ, AV) + B·L·E² "
                       "(out-proj)", _multi_head_attention, _fused_attention_core)
TRANSFORMER_FUSED = Rule("transformer_fused", "3·T·E² (in-proj) + 2·B·L²·E (QKᵀ, AV) + T·E² (out-proj) + "
                         "2·T·E·F (feed-forward), T = B·L tokens", _transformer_encoder_layer, _encoder_attention_core)
TRILINEAR = Rule("matmul", "B·O·I₁·I₂ (bilinear: one MAC per term of the broadcast product)", _trilinear)
PAIRWISE_DISTANCE = Rule("matmul", "B·P·R·M (cdist: |x−y|ᵖ accumulated per pair and feature)", _distances)
PAIRS_DISTANCE = Rule("matmul", "N(N−1)/2·M (pdist: each pair of rows once)", _distances)
RECURRENT = Rule("recurrent", "T·B·G·H·(I + H) (G gates: LSTM 4, GRU 3, RNN 1)", _recurrent)


def _other(family: str) -> Rule:
    return Rule(family, "output elements (not MACs)")


NORMALIZATION, ACTIVATION, POOLING = _other("normalization"), _other("activation"), _other("pooling")
INTERPOLATE, SOFTMAX, ELEMENTWISE = _other("interpolate"), _other("softmax"), _other("elementwise")
LOSS = _other("loss")
DATA_MOVEMENT = Rule("data_movement", "no arithmetic (views, copies, concatenation, padding)")
METADATA = Rule("metadata", "no work: reads a tensor's metadata (device, sizes, strides), returns no tensor")
NO_WORK_FAMILIES = ("data_movement", "metadata")
"""Families with no arithmetic: the recorder keeps their operators only where a counter measured something."""

RULES: dict[str, Rule] = {
    # every CPU, CUDA (cuDNN), ROCm (MIOpen), MKL-DNN and MPS convolution, read by schema name
    **dict.fromkeys(("convolution", "_convolution", "convolution_overrideable", "_convolution_mode",
                     "conv1d", "conv2d", "conv3d", "mkldnn_convolution", "_slow_conv2d_forward",
                     "slow_conv3d_forward", "slow_conv3d", "thnn_conv2d", "slow_conv_dilated2d",
                     "slow_conv_dilated3d", "_conv_depthwise2d", "conv_depthwise3d", "_nnpack_spatial_convolution",
                     "cudnn_convolution", "cudnn_convolution_relu", "cudnn_convolution_add_relu",
                     "miopen_convolution", "miopen_depthwise_convolution", "miopen_convolution_relu",
                     "miopen_convolution_add_relu", "_mps_convolution"), CONVOLUTION),
    **dict.fromkeys(("conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cudnn_convolution_transpose",
                     "miopen_convolution_transpose", "_mps_convolution_transpose", "slow_conv_transpose2d",
                     "slow_conv_transpose3d"), TRANSPOSED_CONVOLUTION),
    "conv_tbc": TIME_CONVOLUTION,
    **dict.fromkeys(("convolution_backward", "convolution_backward_overrideable", "_slow_conv2d_backward",
                     "mps_convolution_backward"), CONVOLUTION_BACKWARD),
    **dict.fromkeys(("mm", "addmm", "addmm_", "_addmm_activation", "_int_mm", "_scaled_mm", "_scaled_mm_v2"), MATMUL),
    **dict.fromkeys(("bmm", "baddbmm", "baddbmm_", "addbmm", "addbmm_"), BATCHED_MATMUL),
    **dict.fromkeys(("linear", "mkldnn_linear"), LINEAR),
    **dict.fromkeys(("matmul", "linalg_matmul"), GENERAL_MATMUL),
    **dict.fromkeys(("linear_backward", "mkldnn_linear_backward", "matmul_backward"), LINEAR_BACKWARD),
    "_trilinear": TRILINEAR,
    "_cdist_forward": PAIRWISE_DISTANCE,
    "_pdist_forward": PAIRS_DISTANCE,
    "_transformer_encoder_layer_fwd": TRANSFORMER_FUSED,
    **dict.fromkeys(("mv", "addmv", "addmv_", "dot", "vdot"), MATRIX_VECTOR),
    **dict.fromkeys(("_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
                     "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
                     "_scaled_dot_product_fused_attention_overrideable", "scaled_dot_product_attention",
                     "_scaled_dot_product_attention_math", "_scaled_dot_product_attention_math_for_mps",
                     "_cudnn_attention_forward"), ATTENTION),
    **dict.fromkeys(("_flash_attention_forward", "_efficient_attention_forward"), ATTENTION_KERNEL),
    **dict.fromkeys(("_scaled_dot_product_flash_attention_for_cpu_backward",
                     "_scaled_dot_product_flash_attention_backward", "_scaled_dot_product_efficient_attention_backward",
                     "_scaled_dot_product_cudnn_attention_backward", "_cudnn_attention_backward",
                     "_scaled_dot_product_fused_attention_overrideable_backward"), ATTENTION_BACKWARD),
    **dict.fromkeys(("_flash_attention_backward", "_efficient_attention_backward"), ATTENTION_KERNEL_BACKWARD),
    "_native_multi_head_attention": FUSED_ATTENTION,
    "mkldnn_rnn_layer": RECURRENT,
    **dict.fromkeys(("native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
                     "_native_batch_norm_legit_functional", "native_layer_norm", "native_group_norm",
                     "_weight_norm_interface", "linalg_vector_norm", "norm", "rms_norm", "_fused_rms_norm",
                     "var_mean", "var", "std", "std_mean", "_batch_norm_with_update",
                     "_batch_norm_no_update", "embedding_renorm_",
                     # batch norm on every backend, composite and backward forms: no multiply-accumulates
                     "batch_norm", "_batch_norm_impl_index", "_batch_norm_with_update_functional", "cudnn_batch_norm",
                     "miopen_batch_norm", "batch_norm_elemt", "batch_norm_stats", "batch_norm_gather_stats",
                     "batch_norm_gather_stats_with_counts", "batch_norm_update_stats", "native_batch_norm_backward",
                     "cudnn_batch_norm_backward", "miopen_batch_norm_backward", "batch_norm_backward",
                     "batch_norm_backward_elemt", "batch_norm_backward_reduce", "_batch_norm_impl_index_backward",
                     "layer_norm", "group_norm", "instance_norm", "quantized_batch_norm"), NORMALIZATION),
    **dict.fromkeys(("relu", "relu_", "relu6", "gelu", "gelu_", "silu", "silu_", "sigmoid", "sigmoid_", "tanh",
                     "tanh_", "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_", "hardtanh", "hardtanh_",
                     "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "softplus", "mish", "mish_",
                     "prelu", "_prelu_kernel", "glu", "log_sigmoid_forward", "threshold", "clamp", "clamp_",
                     "clamp_min", "clamp_max", "softshrink", "hardshrink"), ACTIVATION),
    **dict.fromkeys(("max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices",
                     "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
                     "adaptive_avg_pool2d", "adaptive_avg_pool3d", "_adaptive_avg_pool2d", "_adaptive_avg_pool3d",
                     "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "mean", "sum", "amax",
                     "amin", "max", "min", "prod", "logsumexp", "argmax", "argmin", "cumsum", "_embedding_bag",
                     "_embedding_bag_forward_only"), POOLING),
    # addr β·C + α·(a ⊗ b): one multiply per output element, as torch.outer's ``mul``; scatter/index adds
    **dict.fromkeys(("addr", "index_add", "scatter_add", "scatter_reduce", "cross", "renorm", "rrelu_with_noise",
                     "eq", "ne", "floor_divide", "remainder", "_thnn_fused_lstm_cell", "_thnn_fused_gru_cell"),
                    ELEMENTWISE),
    **dict.fromkeys(("cumprod", "median", "nanmedian", "mode", "kthvalue", "trace", "any", "all", "count_nonzero",
                     "histc", "bucketize", "searchsorted", "aminmax"), POOLING),
    **dict.fromkeys(("nll_loss_forward", "nll_loss2d_forward", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                     "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "soft_margin_loss",
                     "multi_margin_loss", "multilabel_margin_loss_forward", "_ctc_loss", "poisson_nll_loss"), LOSS),
    **dict.fromkeys(("upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d", "_upsample_nearest_exact1d",
                     "_upsample_nearest_exact2d", "_upsample_nearest_exact3d", "upsample_linear1d",
                     "upsample_bilinear2d", "_upsample_bilinear2d_aa", "upsample_bicubic2d", "_upsample_bicubic2d_aa",
                     "upsample_trilinear3d", "grid_sampler_2d", "grid_sampler_3d", "upsample_linear1d_backward",
                     "upsample_bilinear2d_backward", "_upsample_bilinear2d_aa_backward",
                     "upsample_trilinear3d_backward"),
                    INTERPOLATE),
    **dict.fromkeys(("_softmax", "_log_softmax", "softmax", "log_softmax", "_safe_softmax"), SOFTMAX),
    **dict.fromkeys(("view", "_unsafe_view", "reshape", "permute", "transpose", "transpose_", "t", "t_", "expand",
                     "expand_as", "squeeze_", "unsqueeze_", "as_strided_", "detach_", "swapdims",
                     "unsqueeze", "squeeze", "flatten", "unflatten", "select", "slice", "narrow", "split",
                     "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes", "chunk", "unbind",
                     "as_strided", "alias", "detach", "lift_fresh", "clone", "contiguous", "_to_copy", "copy_",
                     "cat", "stack", "empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones",
                     "ones_like", "full", "full_like", "fill_", "zero_", "new_zeros", "new_empty", "new_ones",
                     "new_full", "scalar_tensor", "arange", "constant_pad_nd", "reflection_pad1d",
                     "reflection_pad2d", "reflection_pad3d", "replication_pad1d", "replication_pad2d",
                     "replication_pad3d", "_pad_circular", "index", "index_select", "gather", "embedding",
                     "repeat", "roll", "flip", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
                     "native_channel_shuffle", "im2col", "col2im", "tril", "triu", "masked_fill", "masked_fill_",
                     "native_dropout", "dropout", "feature_dropout", "alpha_dropout", "_local_scalar_dense",
                     "item", "set_", "resize_", "index_put", "index_put_", "scatter", "_reshape_alias",
                     "view_as", "movedim", "swapaxes", "diagonal", "tril_indices", "triu_indices", "topk",
                     "sort", "nonzero", "where", "bernoulli_", "rand", "randn", "normal_", "uniform_",
                     "one_hot", "_to_dim_order_copy", "lift", "unfold", "_pack_padded_sequence",
                     "_pad_packed_sequence", "_nested_tensor_from_mask", "_nested_tensor_from_mask_left_aligned",
                     "_nested_tensor_from_tensor_list", "to_padded_tensor", "scatter_", "index_copy",
                     "index_fill", "masked_select", "masked_scatter", "take", "put_", "_unique2", "argsort", "eye",
                     "linspace", "logspace", "randperm", "randint", "multinomial", "bernoulli", "hann_window", "diag",
                     "diag_embed", "tile", "repeat_interleave", "block_diag", "new_empty_strided", "fill",
                     "lift_fresh_copy", "copy", "_copy_from", "_copy_from_and_resize", "_assert_async",
                     "_efficientzerotensor", "complex", "polar", "hstack", "vstack",
                     # MKL-DNN layout conversions (``torch.utils.mkldnn.to_mkldnn`` models)
                     "to_mkldnn", "_to_dense", "to_dense", "mkldnn_reorder_conv2d_weight",
                     "mkldnn_reorder_conv3d_weight", "_unsafe_index", "_unsafe_masked_index",
                     "_convert_indices_from_coo_to_csr", "_convert_indices_from_csr_to_coo"),
                    DATA_MOVEMENT),
}

NOT_COSTED: dict[str, str] = {
    **dict.fromkeys(("_weight_int4pack_mm", "_weight_int4pack_mm_for_cpu", "_weight_int4pack_mm_with_scales_and_zeros",
                     "_weight_int8pack_mm", "_dyn_quant_matmul_4bit", "_convert_weight_to_int4pack",
                     "_convert_weight_to_int4pack_for_cpu", "fbgemm_linear_fp16_weight",
                     "fbgemm_linear_fp16_weight_fp32_activation", "fbgemm_linear_int8_weight",
                     "fbgemm_linear_int8_weight_fp32_activation", "fbgemm_linear_quantize_weight",
                     "fbgemm_pack_gemm_matrix_fp16", "fbgemm_pack_quantized_matrix", "_wrapped_linear_prepack",
                     "_wrapped_quantized_linear_prepacked", "_mixed_dtypes_linear"),
                    "a packed or quantized weight: its logical shape is not in the call"),
    **dict.fromkeys(("_sparse_mm", "_sparse_addmm", "_sparse_mm_reduce_impl", "_sparse_mm_reduce_impl_backward",
                     "_sparse_sparse_matmul", "_sparse_semi_structured_addmm", "_sparse_semi_structured_linear",
                     "_sparse_semi_structured_mm", "_cslt_sparse_mm", "_cslt_sparse_mm_search", "hspmm", "smm",
                     "sspaddmm", "sparse_sampled_addmm"),
                    "a sparse product: its work depends on the stored values, not the shapes"),
    **dict.fromkeys(("_grouped_mm", "_scaled_grouped_mm", "_scaled_grouped_mm_v2"),
                    "a grouped product: the group sizes are in the offs tensor, not the shapes"),
    **dict.fromkeys(("_convolution_double_backward", "conv_tbc_backward", "mps_convolution_transpose_backward",
                     "mkldnn_linear_backward_input", "mkldnn_linear_backward_weights"),
                    "a backward kernel with no rule yet (training is costed from convolution_backward, "
                    "linear_backward)"),
    **dict.fromkeys(("_foreach_mm", "_compute_linear_combination", "_flash_attention_forward_no_dropout_inplace",
                     "_triton_multi_head_attention",
                     "_triton_scaled_dot_attention"), "no rule yet: listed with what the counters measured"),
}
"""MAC-family operators deliberately left uncosted, each with the reason the analysis prints: they are
listed (with FlopCounterMode's measurement) rather than costed from shapes that do not hold their work."""

_POINTWISE = getattr(torch.Tag, "pointwise", None)
_DATA_DEPENDENT = getattr(torch.Tag, "data_dependent_output", None)


def metadata_only(func: Any) -> bool:
    """Whether an operator's schema returns no tensor and torch does not tag its output data-dependent:
    it answers from metadata alone (``prim.device``, ``aten.sym_size``, ``aten.is_same_size``,
    ``aten._has_compatible_shallow_copy_type``, ``aten.dim``; FakeTensorMode and meta tensors dispatch
    them by the thousand). ``aten.equal``, which reads every element, is tagged and stays element-wise."""
    schema = getattr(func, "_schema", None)
    if schema is None or (_DATA_DEPENDENT is not None and _DATA_DEPENDENT in func.tags):
        return False
    return not any("Tensor" in str(value.type) for value in schema.returns)


def operator_name(func: Any) -> str:
    """How the analysis names an operator: an aten operator by its name (``convolution``), any other by
    its qualified name (``torchvision::nms``), never as if it were aten's."""
    namespace = getattr(func, "namespace", "aten")
    name = str(func.overloadpacket).removeprefix(f"{namespace}.")
    return name if namespace == "aten" else f"{namespace}::{name}"


_COMPOSITE = torch._C.DispatchKey.CompositeImplicitAutograd


def is_composite(func: Any) -> bool:
    """Whether ``func`` is a CompositeImplicitAutograd operator (``linear``, ``conv2d``, ``matmul``,
    ``batch_norm``, …): torch normally runs its decomposition before a dispatch mode sees it, but not under
    ``torch.inference_mode()``, so the recorder decomposes it itself (:func:`decompose`)."""
    return isinstance(func, torch._ops.OpOverload) and torch._C._dispatch_has_kernel_for_dispatch_key(
        func.name(), _COMPOSITE)


def decompose(func: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """Run ``func``'s C++ CompositeImplicitAutograd kernel — the one a normal run takes — so that its
    operators reach the active dispatch modes. (``OpOverload.decompose`` prefers a Python decomposition
    where torch registered one: ``upsample_bilinear2d.vec`` would then arrive as ``_unsafe_index``
    arithmetic instead of the ``upsample_bilinear2d`` a normal run records.)"""
    return func._op_dk(_COMPOSITE, *args, **kwargs)


def rule_for(func: Any) -> Rule | None:
    """The rule of an aten operator (an ``OpOverload``): by its name, else element-wise by torch's
    ``pointwise`` tag, else data movement when torch's schema marks it a view (``view_as_real``,
    ``unfold``, …), else ``None`` (uncosted; so is every operator outside the ``aten`` namespace).
    An ``aten`` or ``prim`` operator whose schema returns no tensor is :func:`metadata_only` (no work)."""
    if getattr(func, "namespace", "aten") != "aten":
        return METADATA if metadata_only(func) and func.namespace == "prim" else None
    rule = RULES.get(func.__name__.split(".")[0])
    if rule is None and _POINTWISE is not None and _POINTWISE in getattr(func, "tags", ()):
        return ELEMENTWISE
    if rule is None and getattr(func, "is_view", False):
        return DATA_MOVEMENT
    if rule is None and metadata_only(func):
        return METADATA
    return rule

