"""softmax, log_softmax and the losses of ``torch.nn``: nll_loss, mse_loss and
binary_cross_entropy_with_logits, each one node as in PyTorch (``NllLossBackward0`` …).

A loss's ``reduction`` is saved as PyTorch saves it, a number: 0 none, 1 mean, 2 sum.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad.autograd.function import Function, check_broadcast
from minigrad.ops import _xp
from minigrad.ops._operands import operands
from minigrad.ops.arithmetic import floating
from minigrad.tensor import Tensor, tensor_method, wrap_dim

REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


class LogSoftmaxBackward0(Function):
    formula = "self − log Σ exp(self) along dim"
    rules = ("grad − exp(result) · Σ grad along dim",)
    saved = ("dim", "result")

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> np.ndarray:
        shifted = a - a.max(axis=dim, keepdims=True)  # exp of the largest is 1: no overflow
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))

    def backward(self, grad: Any, dim: int, result: Any) -> Any:
        return grad - _xp.exp(result) * _xp.sum_keepdim(grad, dim)


class SoftmaxBackward0(Function):
    formula = "exp(self) / Σ exp(self) along dim"
    rules = ("result · (grad − Σ grad · result along dim)",)
    saved = ("dim", "result")

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> np.ndarray:
        exps = np.exp(a - a.max(axis=dim, keepdims=True))
        return exps / exps.sum(axis=dim, keepdims=True)

    def backward(self, grad: Any, dim: int, result: Any) -> Any:
        return result * (grad - _xp.sum_keepdim(grad * result, dim))


class NllLossBackward0(Function):
    """The negative log-likelihood: minus the input at each target class (weighted)."""

    formula = "−self[target] · weight[target], reduced"
    rules = ("−grad · weight[target] at each target class (÷ total_weight for the mean), 0 else",)
    input_names = ("self",)
    saved = ("ignore_index", "reduction", "self", "target", "total_weight", "weight")

    @staticmethod
    def forward(
        a: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray | None,
        reduction: int,
        ignore_index: int,
        total_weight: np.ndarray,
    ) -> np.ndarray:
        axis = 1 if a.ndim > 1 else 0
        classes, factors = _nll_factors(target, weight, ignore_index, a.dtype)
        chosen = np.take_along_axis(a, np.expand_dims(classes, axis), axis).squeeze(axis)
        losses = chosen * factors
        if reduction == 0:
            return losses
        total = np.add.reduce(losses, axis=None)
        return np.asarray(total / total_weight if reduction == 1 else total, dtype=a.dtype)

    def backward(
        self, grad: Any, ignore_index: int, reduction: int, a: Any, target: np.ndarray,
        total_weight: np.ndarray, weight: np.ndarray | None,
    ) -> Any:  # fmt: skip
        dt = total_weight.dtype
        coefficients = _nll_coefficients(tuple(a.shape), target, weight, ignore_index, dt)
        if reduction == 1:
            coefficients = coefficients / total_weight
        if reduction == 0 and len(a.shape) > 1:
            grad = _xp.unsqueeze(grad, (1,))
        return _xp.constant(coefficients, grad) * grad


class NllLoss2DBackward0(NllLossBackward0):
    """``nll_loss`` over a grid of positions: input (N, C, d₁, …), target (N, d₁, …)."""

    formula = "−self[target] · weight[target] at each position, reduced"


def _nll_factors(
    target: np.ndarray, weight: Any, ignore_index: int, dt: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Each target's class (0 where it is ignore_index) and its factor in the loss:
    −weight[class], or 0 where ignored."""
    kept = target != ignore_index
    classes = np.where(kept, target, 0)
    weights = np.ones(classes.shape, dt) if weight is None else weight[classes].astype(dt)
    return classes, np.where(kept, -weights, 0).astype(dt)


def _nll_coefficients(
    shape: tuple[int, ...], target: np.ndarray, weight: Any, ignore_index: int, dt: Any
) -> np.ndarray:
    """The loss's derivative by each input element: the factor at each target class, 0
    elsewhere."""
    axis = 1 if len(shape) > 1 else 0
    classes, factors = _nll_factors(target, weight, ignore_index, dt)
    out = np.zeros(shape, dt)
    np.put_along_axis(out, np.expand_dims(classes, axis), np.expand_dims(factors, axis), axis)
    return out


class MseLossBackward0(Function):
    formula = "(self − target)², reduced"
    rules = ("grad · 2 (self − target) (÷ numel for the mean)", "−grad · 2 (self − target) …")
    input_names = ("self", "target")
    saved = ("reduction", "self", "target")

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray, reduction: int) -> np.ndarray:
        difference = a - b
        squares = difference * difference
        return _reduced(squares, reduction)

    def backward(self, grad: Any, reduction: int, a: Any, b: Any) -> tuple:
        norm = 2 / _numel(a) if reduction == 1 else 2
        grad_self = (a - b) * norm * grad
        need_self, need_target = self.needs_input_grad
        return grad_self if need_self else None, -grad_self if need_target else None


class BinaryCrossEntropyWithLogitsBackward0(Function):
    formula = "(1 − target) · self − log σ(self), reduced (the optional weights change it)"
    rules = (
        "grad · (σ(self) − target) (÷ numel for the mean; the optional weights change it)",
        "−grad · self (÷ numel for the mean; the optional weights change it)",
    )
    input_names = ("self", "target")
    saved = ("pos_weight", "reduction", "self", "target", "weight")

    @staticmethod
    def forward(
        a: np.ndarray, t: np.ndarray, weight: Any, pos_weight: Any, reduction: int
    ) -> np.ndarray:
        log_sigmoid = np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))
        if pos_weight is not None:
            log_sigmoid = log_sigmoid * ((pos_weight - 1) * t + 1)
        loss = (1 - t) * a - log_sigmoid
        if weight is not None:
            loss = loss * weight
        return _reduced(loss, reduction)

    def backward(
        self, grad: Any, pos_weight: Any, reduction: int, a: Any, t: Any, weight: Any
    ) -> tuple:
        need_self, need_target = self.needs_input_grad
        if pos_weight is None:
            grad_self = _xp.sigmoid(a) - t if need_self else None
            grad_target = -a if need_target else None
        else:
            pw = _xp.constant(pos_weight, grad)
            grad_self = (pw * t + 1 - t) * _xp.sigmoid(a) - pw * t if need_self else None
            grad_target = (
                _xp.log(_xp.sigmoid(-a)) - _xp.log(_xp.sigmoid(a)) * pw if need_target else None
            )
        return _finish(grad_self, grad, weight, reduction), _finish(
            grad_target, grad, weight, reduction
        )


def _finish(partial: Any, grad: Any, weight: Any, reduction: int) -> Any:
    """``partial · grad``, times the weight, divided by numel for the mean, in PyTorch's order."""
    if partial is None:
        return None
    out = partial * grad
    if weight is not None:
        out = out * _xp.constant(weight, grad)
    return out / _numel(partial) if reduction == 1 else out


def _numel(x: Any) -> int:
    return int(np.prod(tuple(x.shape), dtype=np.int64))


def _reduced(losses: np.ndarray, reduction: int) -> np.ndarray:
    if reduction == 0:
        return losses
    total = np.add.reduce(losses, axis=None)
    return np.asarray(total / losses.size if reduction == 1 else total, dtype=losses.dtype)


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("log_softmax")
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed without overflow."""
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmaxBackward0.apply(floating(input), dim=wrap_dim(dim, input._data.ndim))


@tensor_method("softmax")
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(input) / Σ exp(input) along ``dim``: each slice becomes probabilities."""
    if dtype is not None:
        input = input.to(dtype)
    return SoftmaxBackward0.apply(floating(input), dim=wrap_dim(dim, input._data.ndim))


def reduction_enum(reduction: str) -> int:
    """PyTorch's number for a reduction ("none" 0, "mean" 1, "sum" 2), or its error."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return REDUCTIONS[reduction]


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood: minus ``input`` at each row's ``target`` class."""
    enum = reduction_enum(reduction)
    _check_nll(input, target)
    classes = target._data.astype(np.int64)
    count = input._data.shape[0 if input._data.ndim == 1 else 1]
    bad = (classes != ignore_index) & ((classes < 0) | (classes >= count))
    if bad.any():
        raise IndexError(f"Target {classes[bad].flat[0]} is out of bounds.")
    w = None if weight is None else weight._data
    _, factors = _nll_factors(classes, w, ignore_index, input._data.dtype)
    total_weight = -np.add.reduce(factors, axis=None)
    op = NllLoss2DBackward0 if input._data.ndim > 2 else NllLossBackward0
    return op.apply(
        input, target=classes, weight=w, reduction=enum, ignore_index=ignore_index,
        total_weight=np.asarray(total_weight, input._data.dtype),
    )  # fmt: skip


def _check_nll(input: Tensor, target: Tensor) -> None:
    """PyTorch's errors for an input and a target that do not go together."""
    ndim = input._data.ndim
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    batch = target._data.shape[0] if target._data.ndim else 0
    if ndim != 1 and input._data.shape[0] != batch:
        raise ValueError(
            f"Expected input batch_size ({input._data.shape[0]}) to match target batch_size "
            f"({batch})."
        )
    if ndim <= 2 and target._data.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = input._data.shape[:1] + input._data.shape[2:]
    if ndim > 2 and target._data.shape != expected:
        raise RuntimeError(
            f"Expected target size [{', '.join(map(str, expected))}], got "
            f"[{', '.join(map(str, target._data.shape))}]"
        )
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {target.dtype.title}"
        )


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """The mean (or sum) of the squared differences, ``(input − target)²``."""
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    enum = reduction_enum(reduction)
    check_broadcast(input._data.shape, target._data.shape)
    shape = np.broadcast_shapes(input._data.shape, target._data.shape)
    a, b = operands(*(t if t._data.shape == shape else t.expand(shape) for t in (input, target)))
    return MseLossBackward0.apply(a, b, reduction=enum)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)`` against ``target``, computed from the
    logits without overflow."""
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    enum = reduction_enum(reduction)
    a, t = operands(input, target)
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type {a.dtype.title} can't be cast to the desired output type "
            f"{target.dtype.title}"
        )
    w = None if weight is None else weight._data.astype(a._data.dtype)
    pw = None if pos_weight is None else pos_weight._data.astype(a._data.dtype)
    return BinaryCrossEntropyWithLogitsBackward0.apply(
        a, t, weight=w, pos_weight=pw, reduction=enum
    )
