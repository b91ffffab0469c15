"""Loss functions and weight penalties.

``cross_entropy`` is softmax and negative log-likelihood fused into one op: stable for any
logits, and its gradient is the famous (softmax - onehot) / N.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from .activation import log_softmax, log_softmax_array
from .arithmetic import abs as _abs
from .arithmetic import where
from .reduce import mean as _mean
from .reduce import sum as _sum

_REDUCTIONS = ("mean", "sum", "none")


class WeightedNLL(Function):
    """Cross-entropy against a per-class weight matrix A (N, C) built from the targets:

        loss_i = -sum_c A_ic log p_ic,   p = softmax(x) (or x itself are log-probs)
        dloss_i/dx_ic = p_ic sum_c' A_ic' - A_ic        (from logits)
        dloss_i/dx_ic = -A_ic                           (from log-probabilities)

    With one-hot A this is the textbook L_i = -log p_{i,y_i} and its gradient p - onehot. Label
    smoothing, class weights and ignored targets only change A; ``scale`` holds the reduction
    (1 / denominator for mean).
    """

    @staticmethod
    def forward(ctx, x, weights, scale, reduction, from_logits):
        logp = log_softmax_array(x, 1) if from_logits else x
        per_sample = -(weights * logp).sum(axis=1)
        ctx.save_for_backward(logp, weights)
        ctx.scale, ctx.reduction, ctx.from_logits = scale, reduction, from_logits
        if reduction == "none":
            return per_sample
        return (per_sample.sum() * scale).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        logp, weights = ctx.saved_tensors
        xp = get_array_module(logp)
        if ctx.reduction == "none":
            upstream = grad[:, None]
        else:
            upstream = grad * ctx.scale
        if ctx.from_logits:
            local = xp.exp(logp) * weights.sum(axis=1, keepdims=True) - weights
        else:
            local = -weights
        return (local * upstream).astype(logp.dtype, copy=False), None


def _check_logits_and_targets(name, input, target, ignore_index):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point (scores), got dtype {input.dtype}")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target))
    if input.ndim not in (1, 2):
        raise ShapeError(
            f"{name}: expected input of shape (N, C), (C,) or (N, C, d1, ...), got {input.shape}"
        )
    if target.dtype.kind in "iu":
        want = input.shape[:-1]
        if target.shape != want:
            raise ShapeError(
                f"{name}: expected target of shape {want} (one class index per sample) for "
                f"input of shape {input.shape}, got {target.shape}"
            )
        t = target.data
        bad = (t != ignore_index) & ((t < 0) | (t >= input.shape[-1]))
        if bad.any():
            raise ValueError(
                f"{name}: target class indices must be in [0, {input.shape[-1] - 1}] (C = "
                f"{input.shape[-1]}), got {sorted(set(t[bad].tolist()))[:5]}"
            )
    elif target.dtype.kind == "f":
        if target.shape != input.shape:
            raise ValueError(
                f"{name}: class-probability targets must have the input's shape {input.shape}, "
                f"got {target.shape}"
            )
    else:
        raise TypeError(
            f"{name}: target must hold int64 class indices or float probabilities, "
            f"got dtype {target.dtype}"
        )
    return target


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _class_weights(name, weight, num_classes, dtype):
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (num_classes,):
        raise ValueError(f"{name}: weight must have shape ({num_classes},), got {w.shape}")
    return w.astype(dtype, copy=False)


def _target_matrix(input, target, weight, ignore_index, label_smoothing):
    """The weight matrix A (N, C) for class-index targets and the mean-reduction denominator
    (the summed weights of the non-ignored samples, as PyTorch; see WeightedNLL)."""
    x = input.data
    xp = get_array_module(x)
    n, c = x.shape
    w = xp.ones(c, dtype=x.dtype) if weight is None else weight
    t = target.data
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    sample_weight = w[safe] * valid
    a = xp.zeros((n, c), dtype=x.dtype)
    a[xp.arange(n), safe] = sample_weight * (1 - label_smoothing)
    if label_smoothing:
        a += (label_smoothing / c) * w[None, :] * valid[:, None]
    return a, sample_weight.sum()


def _soft_target_loss(input, target, weight, reduction, label_smoothing):
    """Class-probability targets: L_i = -sum_c w_c t_ic log p_ic, built from primitives so the
    targets get a gradient too; the mean divides by N."""
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / input.shape[1]
    terms = target * log_softmax(input, 1)
    if weight is not None:
        terms = terms * Tensor(weight)
    return _reduce(-_sum(terms, 1), reduction)


def _weighted_nll(
    name, input, target, weight, ignore_index, reduction, label_smoothing, from_logits
):
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    target = _check_logits_and_targets(name, input, target, ignore_index)
    if input.ndim == 1:  # one unbatched sample
        loss = _weighted_nll(
            name,
            input.reshape(1, -1),
            target.reshape(1, *target.shape),
            weight,
            ignore_index,
            reduction,
            label_smoothing,
            from_logits,
        )
        return loss.reshape(()) if reduction == "none" else loss
    weight = _class_weights(name, weight, input.shape[1], input.dtype)
    if target.dtype.kind == "f":
        return _soft_target_loss(input, target, weight, reduction, label_smoothing)
    a, denominator = _target_matrix(input, target, weight, ignore_index, label_smoothing)
    scale = 1.0 if reduction == "sum" else 1.0 / float(denominator) if denominator else np.nan
    return WeightedNLL.apply(input, a, scale, reduction, from_logits)


def _class_indices_nll(
    name, input, target, weight, ignore_index, reduction, label_smoothing, from_logits
):
    """``_weighted_nll`` for any input (N, C), (C,) or (N, C, d1, ...): the extra axes are
    moved next to the batch axis and flattened, and a ``"none"`` loss is put back in shape."""
    if not (isinstance(input, Tensor) and input.ndim > 2):
        return _weighted_nll(
            name, input, target, weight, ignore_index, reduction, label_smoothing, from_logits
        )
    classes = input.shape[1]
    channels_last = (0, *range(2, input.ndim), 1)
    moved = input.permute(*channels_last).reshape(-1, classes)
    target_t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    spatial = (input.shape[0], *input.shape[2:])
    if target_t.dtype.kind == "f" and target_t.shape == input.shape:
        flat_target = target_t.permute(*channels_last).reshape(-1, classes)
    elif target_t.shape != spatial:
        raise ShapeError(
            f"{name}: expected target of shape {spatial} for input {input.shape}, got "
            f"{target_t.shape}"
        )
    else:
        flat_target = target_t.reshape(-1)
    loss = _weighted_nll(
        name, moved, flat_target, weight, ignore_index, reduction, label_smoothing, from_logits
    )
    return loss.reshape(spatial) if reduction == "none" else loss


def cross_entropy(
    input: Tensor,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax + negative log-likelihood in one stable op, as ``torch.nn.functional.cross_entropy``.

    input: scores (logits) of shape (N, C), (C,) or (N, C, d1, ...).
    target: int64 class indices of shape (N,) (or (N, d1, ...)), or float class probabilities
    of the input's shape. L_i = -log(e**s_{y_i} / sum_j e**s_j), averaged over the batch.
    ``label_smoothing`` ε mixes the one-hot target with the uniform one: (1 - ε) onehot + ε/C.
    """
    return _class_indices_nll(
        "cross_entropy", input, target, weight, ignore_index, reduction, label_smoothing, True
    )


def nll_loss(
    input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C) (or (C,), or (N, C, d1,
    ...)) at integer ``target`` (N,) (or (N, d1, ...)): L_i = -w_{y_i} input[i, y_i]; use after
    ``log_softmax``."""
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        raise TypeError(f"nll_loss: target must hold int64 class indices, got {target.dtype}")
    return _class_indices_nll(
        "nll_loss", input, target, weight, ignore_index, reduction, 0.0, False
    )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return _mean(loss)
    if reduction == "sum":
        return _sum(loss)
    return loss


def _check_pair(name, input, target, reduction):
    _check_reduction(name, reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input and target must have the same shape, got input {input.shape} and "
            f"target {target.shape} (broadcasting them is almost always a bug)"
        )
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise TypeError(f"{name}: expected floating tensors, got {input.dtype} and {target.dtype}")
    return target


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)**2)."""
    target = _check_pair("mse_loss", input, target, reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|input - target|)."""
    target = _check_pair("l1_loss", input, target, reduction)
    return _reduce(_abs(input - target), reduction)


class BCEWithLogits(Function):
    """Binary cross-entropy on logits x with targets y and positive-class weight p:

    loss = p y softplus(-x) + (1 - y) softplus(x)   (= -[p y log σ(x) + (1-y) log(1-σ(x))])
    dloss/dx = σ(x) (p y + 1 - y) - p y,   dloss/dy = p softplus(-x) - softplus(x)
    """

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        xp = get_array_module(x)
        # NOTE: softplus(x) = log(1 + e**x) = max(x, 0) + log1p(e**-|x|) never overflows.
        tail = xp.log1p(xp.exp(-xp.abs(x)))
        softplus_pos = xp.maximum(x, 0) + tail
        softplus_neg = xp.maximum(-x, 0) + tail
        p = 1 if pos_weight is None else pos_weight
        ctx.save_for_backward(x, y, softplus_pos, softplus_neg)
        ctx.p = p
        return p * y * softplus_neg + (1 - y) * softplus_pos

    @staticmethod
    def backward(ctx, grad):
        x, y, softplus_pos, softplus_neg = ctx.saved_tensors
        p = ctx.p
        sig = get_array_module(x).exp(-softplus_neg)  # σ(x) = e**(-softplus(-x))
        grad_x = grad * (sig * (p * y + 1 - y) - p * y) if ctx.needs_input_grad[0] else None
        grad_y = grad * (p * softplus_neg - softplus_pos) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y, None


def binary_cross_entropy_with_logits(
    input: Tensor, target, weight=None, reduction="mean", pos_weight=None
) -> Tensor:
    """Sigmoid + binary cross-entropy fused and stable, as PyTorch's function of that name."""
    target = _check_pair("binary_cross_entropy_with_logits", input, target, reduction)
    if pos_weight is not None:
        pos_weight = pos_weight.data if isinstance(pos_weight, Tensor) else np.asarray(pos_weight)
        pos_weight = pos_weight.astype(input.dtype, copy=False)
    loss = BCEWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


class BinaryCrossEntropy(Function):
    """Binary cross-entropy of probabilities x against targets y:

    loss = -(y log x + (1 - y) log(1 - x)), each log clamped at -100 (as PyTorch, so x = 0 or 1
    gives a large finite loss, not inf)
    dloss/dx = (x - y) / max(x (1 - x), 1e-12),   dloss/dy = log(1 - x) - log(x)
    (PyTorch clamps neither log in dloss/dy: it is ±inf at x = 0 or 1)
    """

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)
        ctx.save_for_backward(x, y)
        return -(y * log_x + (1 - y) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        xp = get_array_module(x)
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad * (x - y) / xp.maximum(x * (1 - x), 1e-12) if need_x else None
        grad_y = None
        if need_y:
            with np.errstate(divide="ignore"):
                grad_y = grad * (xp.log1p(-x) - xp.log(x))
        return grad_x, grad_y


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` (in [0, 1], e.g. after a sigmoid) and
    ``target`` of the same shape, as ``torch.nn.functional.binary_cross_entropy``; ``weight``
    rescales each element. Prefer ``binary_cross_entropy_with_logits`` on raw scores: it is
    stable where a sigmoid saturates."""
    target = _check_pair("binary_cross_entropy", input, target, reduction)
    x = input.data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (apply "
            "sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_penalty(parameters, weight: float = 1.0) -> Tensor:
    """weight * sum_i |w_i| over all ``parameters``: add it to the loss for L1 regularisation.

    Its gradient weight * sign(w) pushes weights to exactly zero (sparse weights). Unlike L2 it
    has no optimizer shortcut: weight decay is the L2 version only.
    """
    return weight * _sum_over(parameters, lambda p: _sum(_abs(p)), "l1_penalty")


def l2_penalty(parameters, weight: float = 1.0) -> Tensor:
    """weight/2 * sum_i w_i**2: add it to the loss for L2 regularisation.

    Its gradient is weight * w, so with plain SGD this is exactly ``weight_decay=weight``; with
    Adam it is not (Adam rescales it), which is why AdamW applies decay to the weights directly.
    """
    return (weight / 2) * _sum_over(parameters, lambda p: _sum(p * p), "l2_penalty")


def _sum_over(parameters, term, name) -> Tensor:
    total = None
    for p in parameters:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{name}: expected Tensors (e.g. model.parameters()), got {type(p).__name__}"
            )
        t = term(p)
        total = t if total is None else total + t
    if total is None:
        raise ValueError(f"{name}: got no parameters")
    return total


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d² where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target: squared
    near the target, linear (robust to outliers) far from it, as ``torch.nn.functional``."""
    target = _check_pair("huber_loss", input, target, reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    diff = input - target
    size = _abs(diff)
    loss = where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d²/beta where |d| < beta, else |d| - 0.5 beta (huber_loss / beta; beta = 0 is the
    L1 loss), as ``torch.nn.functional.smooth_l1_loss``."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return huber_loss(input, target, reduction, beta) / beta
