"""The op table: every differentiable op is a ``Function`` subclass in one of these modules,
named as PyTorch names its node, with its forward, backward and readable rule side by side,
and beside it the function a learner calls, which names its Tensor methods (``@tensor_method``).

    arithmetic   + − · / and powers          elementwise  exp, log, tanh, relu, where, to …
    reduce       sum, mean, max, min          linalg       matmul and its cases
    views        reshape, permute, expand …   indexing     t[key], select, cat, stack
    rearrange    flip, tril, triu, repeat     logic        comparisons (no gradient)
    inplace      add_, zero_, t[key] = v, and the versions that keep in-place ops honest
"""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.ops import (
    arithmetic,
    elementwise,
    indexing,
    inplace,
    linalg,
    logic,
    rearrange,
    reduce,
    views,
)

__all__ = ["all_ops", "inplace", "logic"]


def all_ops() -> list[type[Function]]:
    """Every op class, in definition order (used for documentation and the test table)."""
    found: list[type[Function]] = []
    for module in (arithmetic, elementwise, reduce, linalg, views, indexing, rearrange):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Function) and value.rules:
                if value.__module__ == module.__name__ and value.formula:
                    found.append(value)
    return found
