"""Whole derivatives at once: ``vjp``, ``jacobian`` and ``hessian`` (``torch.autograd.functional``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd import grad as _grad
from minigrad.autograd.grad_mode import enable_grad
from minigrad.ops.indexing import stack
from minigrad.tensor import Tensor


def _prepare(inputs: Any, create_graph: bool = False) -> tuple[tuple[Tensor, ...], bool]:
    """The inputs as a tuple, each ready to differentiate against; with ``create_graph`` one
    that requires grad is used as it is, so that the result stays linked to it (PyTorch
    takes a view for the same end)."""
    is_tuple = isinstance(inputs, (tuple, list))
    items = tuple(inputs) if is_tuple else (inputs,)
    for position, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"The inputs given to jacobian must be either a Tensor or a tuple of Tensors but "
                f"the value at index {position} has type {type(item).__name__}."
            )
    return tuple(
        t if create_graph and t.requires_grad else t.detach().requires_grad_() for t in items
    ), is_tuple


def vjp(
    func: Callable[..., Tensor], inputs: Any, v: Tensor | None = None, create_graph: bool = False
) -> tuple[Tensor, Any]:
    """``(func(inputs), vᵀ·J)``: the output, and ``v`` pulled back through the Jacobian."""
    xs, is_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*xs)
        grads = _grad(out, xs, v, create_graph=create_graph, allow_unused=True)
    grads = tuple(
        Tensor._make(np.zeros_like(x._data)) if g is None else (g if create_graph else g.detach())
        for x, g in zip(xs, grads)
    )
    return (out if create_graph else out.detach()), (grads if is_tuple else grads[0])


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False) -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``.

    With several inputs (a tuple) there is one block per input; with several outputs (``func``
    returns a tuple), one per output, as in PyTorch.

    >>> torch.autograd.functional.jacobian(lambda x: x**2, torch.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    xs, inputs_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*xs)
        outputs_tuple = isinstance(out, (tuple, list))
        outs = tuple(out) if outputs_tuple else (out,)
        for item in outs:
            if not isinstance(item, Tensor):
                raise TypeError(
                    "The outputs of the user-provided function given to jacobian must be either "
                    f"a Tensor or a tuple of Tensors but the given outputs has type "
                    f"{type(item).__name__}."
                )
        blocks = tuple(_jacobian_blocks(item, xs, create_graph) for item in outs)
    if outputs_tuple:
        return blocks if inputs_tuple else tuple(block[0] for block in blocks)
    return blocks[0] if inputs_tuple else blocks[0][0]


def _jacobian_blocks(out: Tensor, xs: tuple[Tensor, ...], create_graph: bool) -> tuple:
    """∂out/∂x for each x: one backward pass per element of ``out`` (a row of the Jacobian)."""
    rows: list[list[Tensor]] = [[] for _ in xs]
    if out.requires_grad:  # an output that does not depend on the inputs has zero rows
        flat = out.reshape(-1)
        for index in range(flat.numel()):
            grads = _grad(
                flat[index], xs, retain_graph=True, create_graph=create_graph, allow_unused=True
            )
            for row, x, g in zip(rows, xs, grads):
                row.append(Tensor._make(np.zeros_like(x._data)) if g is None else g)
    blocks = []
    for row, x in zip(rows, xs):
        shape = tuple(out.shape) + tuple(x.shape)
        if row:
            block = stack(row).reshape(shape)
            blocks.append(block if create_graph else block.detach())
        else:
            blocks.append(Tensor._make(np.zeros(shape, dtype=x._data.dtype)))
    return tuple(blocks)


def hessian(func: Callable[..., Tensor], inputs: Any, create_graph: bool = False) -> Any:
    """The matrix of second derivatives of a scalar ``func`` at ``inputs``."""
    xs, is_tuple = _prepare(inputs, create_graph)

    def gradient(*args: Tensor) -> Any:
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single element"
            )
        grads = _grad(out.reshape(()), args, create_graph=True, allow_unused=True)
        return tuple(
            Tensor._make(np.zeros_like(a._data)) if g is None else g for a, g in zip(args, grads)
        )

    rows = []
    for index in range(len(xs)):
        row = jacobian(lambda *args, i=index: gradient(*args)[i], xs, create_graph=create_graph)
        rows.append(row)
    if is_tuple:
        return tuple(tuple(row) for row in rows)
    return rows[0][0]
