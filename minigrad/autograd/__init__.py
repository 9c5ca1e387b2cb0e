"""``minigrad.autograd``: ``backward``, ``grad``, grad modes, ``functional`` and ``gradcheck``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from minigrad.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
from minigrad.autograd.custom import Function
from minigrad.autograd.engine import BackwardStep, observe, run_backward
from minigrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.graph import AccumulateGrad, Node
from minigrad.tensor import Size, Tensor

__all__ = [
    "AccumulateGrad",
    "BackwardStep",
    "Function",
    "Node",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "observe",
    "set_detect_anomaly",
    "set_grad_enabled",
]


def _as_tuple(value: object) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _make_grads(outputs: tuple[Tensor, ...], grads: tuple) -> list[Tensor]:
    """The starting gradient for each output: given, or 1 for a scalar."""

    for grad in grads[: len(outputs)]:  # PyTorch checks what it pairs with an output first
        if grad is not None and not isinstance(grad, Tensor):
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(grad).__name__}"
            )
    if grads and len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    result = []
    for index, output in enumerate(outputs):
        if not output._requires_grad:  # PyTorch says this before anything about the gradient
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        grad = grads[index] if grads else None
        if grad is None:
            if output._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if output._data.dtype.kind != "f":
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{output.dtype!r}"
                )
            grad = Tensor._make(np.ones_like(output._data))
        elif grad._data.shape != output._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of {Size(grad._data.shape)!r} "
                f"and output[{index}] has a shape of {Size(output._data.shape)!r}."
            )
        result.append(grad)
    return result


def _check_outputs(outputs: tuple) -> None:

    for output in outputs:
        if not isinstance(output, Tensor):
            raise TypeError(f"expected a Tensor, but got {type(output).__name__}")


_REFERENCE_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using autograd.grad "
    "when creating the graph to avoid this. If you have to use this function, make sure to reset "
    "the .grad fields of your parameters to None after use to break the cycle and avoid the leak."
)
_warned = set()  # the warnings PyTorch gives once per process


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Add the gradients of ``tensors`` into ``.grad`` of the leaves (or of ``inputs``)."""
    outputs = _as_tuple(tensors)
    _check_outputs(outputs)
    grads = _make_grads(outputs, _as_tuple(grad_tensors))
    targets = _as_tuple(inputs)
    if inputs is not None and not targets:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for target in targets:
        if not target._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if create_graph:
        _warn_once(_REFERENCE_CYCLE)
    run_backward(
        outputs,
        grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=targets,
    )


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not stored in ``.grad``.

    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> (dx,) = torch.autograd.grad(x**3, x, create_graph=True)   # 3x² = 27
    >>> torch.autograd.grad(dx, x)                                # 6x = 18
    (tensor(18.),)
    """
    outs = _as_tuple(outputs)
    _check_outputs(outs)
    targets = _as_tuple(inputs)
    if not targets:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for target in targets:
        if not isinstance(target, Tensor):
            raise TypeError(f"expected a Tensor in inputs, but got {type(target).__name__}")
        if not target._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outs, _as_tuple(grad_outputs))
    result = run_backward(
        outs,
        grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=targets,
        accumulate=False,
    )
    for index, (target, value) in enumerate(zip(targets, result)):
        if value is None:
            if materialize_grads:
                result[index] = Tensor._make(np.zeros_like(target._data))
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result)
