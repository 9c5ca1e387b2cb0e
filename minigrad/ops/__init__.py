"""The op table: every differentiable op is a ``Function`` subclass in one of these modules,
named as PyTorch names its node, with its forward, backward and readable rule side by side,
and beside it the function a learner calls, which names its Tensor methods (``@tensor_method``).

    arithmetic   + − · / and powers          elementwise  exp, log, tanh, relu, where, to …
    division     //, % and fmod               bounds       maximum, minimum, clamp(t, lo, hi)
    reduce       sum, mean, max, min          linalg       matmul and its cases, outer
    statistics   cumsum, logsumexp, var, std  exp_log      log1p, expm1, rsqrt
    product      prod                         extrema      amax, amin (ties share)
    rounding     floor, ceil, round, trunc, frac
    trigonometry sinh, cosh, asin, acos, atan, atan2
    norms        norm (vector norms)
    views        reshape, permute, expand …   indexing     t[key], select, cat, stack
    rearrange    flip, roll, tril, triu, diag, repeat
    logic        comparisons, any, all (no gradient)
    split        split, chunk, unbind: several outputs
    inplace      add_, zero_, t[key] = v, and the versions that keep in-place ops honest
    pointwise    addcmul, addcdiv, lerp: fused, rounded as PyTorch's kernels (the optimizers)
    losses       softmax, log_softmax, nll_loss, mse_loss, binary_cross_entropy_with_logits
"""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.ops import (
    arithmetic,
    bounds,
    division,
    elementwise,
    exp_log,
    extrema,
    indexing,
    inplace,
    linalg,
    logic,
    losses,
    norms,
    pointwise,
    product,
    rearrange,
    reduce,
    rounding,
    split,
    statistics,
    trigonometry,
    views,
)

__all__ = ["all_ops", "inplace", "logic"]


def all_ops() -> list[type[Function]]:
    """Every op class, in definition order (used for documentation and the test table)."""
    found: list[type[Function]] = []
    modules = (arithmetic, division, elementwise, exp_log, rounding, trigonometry, bounds)
    modules += (reduce, statistics, product, extrema, linalg, views, indexing, norms)
    modules += (rearrange, split, pointwise, losses)
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Function) and value.rules:
                if value.__module__ == module.__name__ and value.formula:
                    found.append(value)
    return found
