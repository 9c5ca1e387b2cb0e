"""``torch.nn.functional``: the layers and losses as plain functions (``F.relu(x)``,
``F.cross_entropy(logits, target)``); the modules call these."""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.ops import elementwise, linalg, losses
from minigrad.ops.losses import binary_cross_entropy_with_logits, mse_loss, nll_loss
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise."""
    if inplace:
        return input.clamp_(min=0)
    return elementwise.relu(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return elementwise.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e⁻ˣ), elementwise."""
    return elementwise.sigmoid(input)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: one ``addmm`` for a batch of rows, as PyTorch records it
    (other shapes are viewed as rows first, and back after)."""
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.dim()}D and {weight.dim()}D"
        )
    if bias is None:
        return linalg.matmul(input, weight.t())
    if input.dim() == 2:
        return linalg.addmm(bias, input, weight.t())
    rows = input.view(-1, input.shape[-1])
    return linalg.addmm(bias, rows, weight.t()).view(*input.shape[:-1], weight.shape[0])


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The cross-entropy of the logits ``input`` against class indices (or, for a
    ``target`` of ``input``'s shape, class probabilities): ``nll_loss(log_softmax(input))``."""
    if size_average is not None or reduce is not None:
        raise NotImplementedError("size_average and reduce are deprecated: use reduction")
    if label_smoothing != 0.0:
        raise NotImplementedError("minigrad's cross_entropy has no label_smoothing")
    class_dim = 0 if input.dim() == 1 else 1
    if target.shape == input.shape:
        return _cross_entropy_probabilities(input, target, weight, reduction, class_dim)
    return nll_loss(log_softmax(input, class_dim), target, weight, ignore_index, reduction)


def _cross_entropy_probabilities(
    input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, class_dim: int
) -> Tensor:
    """−Σ target · log_softmax(input) over the classes, as PyTorch computes it."""
    if not target.is_floating_point():
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{target.dtype.title}"
        )
    enum = losses.reduction_enum(reduction)
    products = log_softmax(input, class_dim) * target
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = weight.shape[0]
        products = products * weight.view(*shape)
    if enum == 0:
        return -products.sum(class_dim)
    if enum == 2:
        return -products.sum()
    return -products.sum() / (input.numel() // input.shape[class_dim])


def _softmax_dim(name: str, ndim: int) -> int:
    """The dimension PyTorch chose when none was given (with its warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """exp(input) / Σ exp(input) along ``dim``."""
    chosen = _softmax_dim("softmax", input.dim()) if dim is None else dim
    return losses.softmax(input, chosen, dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``."""
    chosen = _softmax_dim("log_softmax", input.dim()) if dim is None else dim
    return losses.log_softmax(input, chosen, dtype)
