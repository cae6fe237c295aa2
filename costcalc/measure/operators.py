"""One analytic rule per aten operator family: the operator-level twin of :mod:`costcalc.engine.kinds`.

A forward pass recorded under a dispatch mode (:mod:`costcalc.measure.recorder`) reaches us as aten
operators after decomposition: ``nn.Linear`` on any rank arrives as ``addmm``/``mm`` on the flattened
rows, ``matmul`` and ``einsum`` as ``mm``/``bmm``, every convolution (1-, 2-, 3-D, transposed,
grouped, dilated, ``padding='same'``, functional) as ``aten.convolution``. Each :class:`Rule` costs
one operator from its argument shapes, in exact integers, and carries its closed form:

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
of these is *uncosted*: the analysis lists it with what the counters measured for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Callable

import torch
from torch.utils._python_dispatch import _disable_current_modes

MAC_FAMILIES = ("convolution", "matmul", "attention", "attention_fused", "transformer_fused", "recurrent")
OTHER_FAMILIES = ("normalization", "activation", "pooling", "interpolate", "softmax", "elementwise", "loss")


@dataclass(frozen=True)
class Rule:
    """How one operator family is costed: MACs from shapes (``None`` for other ops) and its closed form."""

    family: str
    formula: str
    macs: Callable[[tuple, Any], int] | None = None
    attention: Callable[[tuple, Any], int] | None = None  # the QKᵀ + AV part of ``macs``


def _convolution(args: tuple, out: Any) -> int:
    """``aten.convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)``.

    The weight is ``C_out × C_in/g × k…`` (``C_in × C_out/g × k…`` when transposed), so one output
    (input, when transposed) element costs ``weight[0].numel()`` multiply-accumulates.
    """
    per_position = prod(args[1].shape[1:])
    transposed = bool(args[6]) if len(args) > 6 else False
    return (args[0].numel() if transposed else out.numel()) * per_position


def _mm(args: tuple, out: Any) -> int:
    """``mm(a, b)`` / ``addmm(bias, a, b)``: ``M·K·N`` for ``a`` M×K and ``b`` K×N."""
    a, b = args[-2], args[-1]
    return a.shape[0] * a.shape[1] * b.shape[1]


def _bmm(args: tuple, out: Any) -> int:
    """``bmm(a, b)`` / ``baddbmm(bias, a, b)``: ``B·M·K·N``."""
    a, b = args[-2], args[-1]
    return a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]


def _mv(args: tuple, out: Any) -> int:
    """``mv(A, x)`` / ``addmv(bias, A, x)``: ``M·N``; ``dot(x, y)``: ``N``."""
    return args[-2].numel()


def _attention(args: tuple, out: Any) -> int:
    """``QKᵀ`` + ``AV`` of ``q`` (…, L, E), ``k`` (…, S, E), ``v`` (…, S, Ev): ``∏batch·L·S·(E + Ev)``."""
    q, k, v = args[0], args[1], args[2]
    *batch, length, embed = q.shape
    return prod(batch) * length * k.shape[-2] * (embed + v.shape[-1])


def _fused_attention_core(args: tuple, out: Any) -> int:
    """The ``QKᵀ`` + ``AV`` part of ``_native_multi_head_attention``: ``2·B·L·S·E`` (heads·d = E)."""
    q, k, embed = args[0], args[1], args[3]
    return 2 * q.shape[0] * q.shape[1] * k.shape[1] * embed


def _multi_head_attention(args: tuple, out: Any) -> int:
    """``_native_multi_head_attention(q, k, v, E, heads, …)``: in-projections, ``QKᵀ`` + ``AV``, out-projection."""
    q, k, embed = args[0], args[1], args[3]
    batch, length, source = q.shape[0], q.shape[1], k.shape[1]
    projections = batch * length * embed * embed * 2 + 2 * batch * source * embed * embed
    return projections + _fused_attention_core(args, out)


def nested_sizes(tensor: torch.Tensor) -> list[list[int]]:
    """The shape of each component of a nested tensor (``TransformerEncoder`` packs padded batches
    into one when given ``src_key_padding_mask``), read with no dispatch mode recording it."""
    with _disable_current_modes():
        return tensor._nested_tensor_size().tolist()


def _encoder_attention_core(args: tuple, out: Any) -> int:
    """The ``QKᵀ`` + ``AV`` part of ``_transformer_encoder_layer_fwd``: ``2·ΣL²·E`` over the B sequences
    (``2·B·L²·E`` when dense; heads·d = E)."""
    src, embed = args[0], args[1]
    if src.is_nested:
        return 2 * sum(size[0] * size[0] for size in nested_sizes(src)) * embed
    return 2 * (src.numel() // embed) * src.shape[-2] * embed


def _transformer_encoder_layer(args: tuple, out: Any) -> int:
    """``_transformer_encoder_layer_fwd(src, E, heads, qkv_weight, qkv_bias, proj_weight, proj_bias, …,
    ffn_weight_1, ffn_bias_1, ffn_weight_2, …)`` on ``src`` (B, L, E): T = B·L tokens cost
    ``3·T·E²`` (in-projection) + ``2·B·L²·E`` (QKᵀ, AV) + ``T·E²`` (out-projection) + ``2·T·E·F`` (FFN)."""
    tokens = args[0].numel() // args[1]
    projections = tokens * (args[3].numel() + args[5].numel() + args[14].numel() + args[16].numel())
    return projections + _encoder_attention_core(args, out)


def _trilinear(args: tuple, out: Any) -> int:
    """``_trilinear(i1, i2, i3, expand1, expand2, expand3, sumdim)``: each input is unsqueezed at its
    ``expand`` dims, the three are multiplied with broadcasting and summed over ``sumdim`` — one
    multiply-accumulate per element of the broadcast product (``nn.Bilinear``: ``B·O·I₁·I₂``)."""
    shapes = []
    for tensor, expand in zip(args[:3], args[3:6]):
        shape = list(tensor.shape)
        for dim in sorted(expand):
            shape.insert(dim, 1)
        shapes.append(shape)
    return prod(max(sizes) for sizes in zip(*shapes))


def _distances(args: tuple, out: Any) -> int:
    """One ``|x−y|ᵖ`` accumulated per output distance and feature M: ``_cdist_forward(x1, x2, p)`` of
    (…, P, M) and (…, R, M) gives ``∏batch·P·R·M``, ``_pdist_forward(x, p)`` of (N, M) ``N(N−1)/2·M``."""
    return out.numel() * args[0].shape[-1]


def _recurrent(args: tuple, out: Any) -> int:
    """``mkldnn_rnn_layer(input, w_ih, w_hh, …)``: every step multiplies the input (I) and the hidden
    state (H) into G·H gate pre-activations: ``T·B·G·H·(I + H)``."""
    inputs, w_ih, w_hh = args[0], args[1], args[2]
    steps_times_batch = inputs.numel() // w_ih.shape[1]
    return steps_times_batch * w_ih.shape[0] * (w_ih.shape[1] + w_hh.shape[1])


CONVOLUTION = Rule("convolution", "N·C_out·∏out·(C_in/g)·∏k (transposed: N·C_in·∏in·(C_out/g)·∏k)", _convolution)
MATMUL = Rule("matmul", "M·K·N", _mm)
BATCHED_MATMUL = Rule("matmul", "B·M·K·N", _bmm)
MATRIX_VECTOR = Rule("matmul", "M·N (matrix × vector; dot: N)", _mv)
ATTENTION = Rule("attention", "QKᵀ + AV = B·heads·L·S·E + B·heads·L·S·Ev", _attention, _attention)
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
    **dict.fromkeys(("convolution", "_convolution", "convolution_overrideable", "_convolution_mode",
                     "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                     "mkldnn_convolution", "_slow_conv2d_forward", "slow_conv3d_forward"), CONVOLUTION),
    **dict.fromkeys(("mm", "addmm", "_addmm_activation"), MATMUL),
    **dict.fromkeys(("bmm", "baddbmm", "addbmm"), BATCHED_MATMUL),
    "_trilinear": TRILINEAR,
    "_cdist_forward": PAIRWISE_DISTANCE,
    "_pdist_forward": PAIRS_DISTANCE,
    "_transformer_encoder_layer_fwd": TRANSFORMER_FUSED,
    **dict.fromkeys(("mv", "addmv", "dot", "vdot"), MATRIX_VECTOR),
    **dict.fromkeys(("_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
                     "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
                     "_scaled_dot_product_fused_attention_overrideable"), ATTENTION),
    "_native_multi_head_attention": FUSED_ATTENTION,
    "mkldnn_rnn_layer": RECURRENT,
    **dict.fromkeys(("native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
                     "_native_batch_norm_legit_functional", "native_layer_norm", "native_group_norm",
                     "_weight_norm_interface", "linalg_vector_norm", "norm", "rms_norm", "_fused_rms_norm",
                     "var_mean", "var", "std", "std_mean", "_batch_norm_with_update",
                     "_batch_norm_no_update", "embedding_renorm_"), NORMALIZATION),
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
                     "upsample_trilinear3d", "grid_sampler_2d", "grid_sampler_3d"), INTERPOLATE),
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
                     "_efficientzerotensor", "complex", "polar", "hstack", "vstack"), DATA_MOVEMENT),
}

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

