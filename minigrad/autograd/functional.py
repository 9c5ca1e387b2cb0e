"""Whole derivatives at once (``torch.autograd.functional``): ``vjp``, ``jvp``, ``vhp``,
``hvp``, ``jacobian`` and ``hessian``, computed as PyTorch computes them.

Everything runs on reverse mode (``autograd.grad``). ``jvp`` and ``hvp`` use the double
backward trick: the backward of a function is linear in its ``grad_outputs``, so
differentiating ``uᵀJ`` with respect to a dummy ``u`` gives ``J·v``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.autograd.functional_checks import (
    as_tuple,
    autograd_grad,
    check_requires_grad,
    fill_in_zeros,
    finish,
    prepare,
    single_output,
    unpack,
    vector,
)
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from minigrad.creation import zeros_like
from minigrad.ops.indexing import stack
from minigrad.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _outputs(func: Callable[..., Any], inputs: tuple, fn_name: str, strict: bool) -> tuple:
    """``func(*inputs)`` as (whether a tuple, the tuple), checked as PyTorch checks it."""
    is_tuple, outputs = as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    check_requires_grad(outputs, "outputs", strict=strict)
    return is_tuple, outputs


def _pulled_back(
    outputs: tuple,
    inputs: tuple,
    v: Any,
    create_graph: bool,
    strict: bool,
    shaped_like: tuple,
    stage: str,
) -> tuple:
    """The last backward pass of vjp, jvp, vhp and hvp: ``v`` from ``outputs`` back to
    ``inputs`` (recorded with ``create_graph``), zeros shaped like ``shaped_like`` where
    nothing arrived (PyTorch's errors for that when ``strict``, naming ``stage``)."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = autograd_grad(outputs, inputs, v, create_graph=create_graph)
        return fill_in_zeros(grads, shaped_like, strict, create_graph, stage)


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·J)``: the output, and ``v`` pulled back through the Jacobian.

    >>> torch.autograd.functional.vjp(lambda x: x**2, torch.tensor([1., 2.]), torch.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "vjp")
        inputs = prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _outputs(func, inputs, "vjp", strict)
        v = vector(v, "vjp", outputs, is_outputs_tuple, create_graph)
    result = _pulled_back(outputs, inputs, v, create_graph, strict, inputs, "back")
    return (
        unpack(finish(outputs, create_graph), is_outputs_tuple),
        unpack(finish(result, create_graph), is_inputs_tuple),
    )


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), J·v)``: the output, and ``v`` pushed forward through the Jacobian
    (shaped like the output), by the double backward trick.

    >>> torch.autograd.functional.jvp(lambda x: x**2, torch.tensor([1., 2.]), torch.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "jvp")
        inputs = prepare(inputs, create_graph, need_graph=True)
        v = vector(v, "jvp", inputs, is_inputs_tuple, create_graph)
        is_outputs_tuple, outputs = _outputs(func, inputs, "jvp", strict)
        # the backward is linear in grad_outputs: their value never matters (zeros: no nan)
        grad_outputs = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    result = _pulled_back(grad_inputs, grad_outputs, v, create_graph, strict, outputs, "back_trick")
    return (
        unpack(finish(outputs, create_graph), is_outputs_tuple),
        unpack(finish(result, create_graph), is_outputs_tuple),
    )


def _gradient_of_scalar(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, name: str
) -> tuple:
    """What ``vhp`` and ``hvp`` start from: the inputs ready to differentiate, whether they
    were a tuple, ``v`` checked, the one-element output, and its gradient (with history)."""
    is_inputs_tuple, inputs = as_tuple(inputs, "inputs", name)
    inputs = prepare(inputs, create_graph, need_graph=True)
    v = vector(v, name, inputs, is_inputs_tuple, create_graph)
    is_outputs_tuple, outputs = _outputs(func, inputs, name, strict)
    single_output(outputs, is_outputs_tuple, name)
    jac = autograd_grad(outputs, inputs, create_graph=True)
    check_requires_grad(jac, "jacobian", strict=strict)
    return inputs, is_inputs_tuple, v, outputs, jac


def vhp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ·H)`` for a ``func`` that returns one element: ``v`` times its
    Hessian ``H``, shaped like the inputs.

    >>> torch.autograd.functional.vhp(lambda x: (x**3).sum(), torch.tensor([1., 2.]), torch.ones(2))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        inputs, is_inputs_tuple, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp"
        )
    result = _pulled_back(jac, inputs, v, create_graph, strict, inputs, "double_back")
    return finish(outputs, create_graph)[0], unpack(finish(result, create_graph), is_inputs_tuple)


def hvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), H·v)`` for a ``func`` that returns one element, by the double
    backward trick (``vhp`` is cheaper, and the same when ``H`` is symmetric).

    >>> torch.autograd.functional.hvp(lambda x: (x**3).sum(), torch.tensor([1., 2.]), torch.ones(2))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        inputs, is_inputs_tuple, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp"
        )
        grad_jac = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = autograd_grad(jac, inputs, grad_jac, create_graph=True)
        check_requires_grad(jac, "hessian", strict=strict)
    result = _pulled_back(
        double_back, grad_jac, v, create_graph, strict, inputs, "double_back_trick"
    )
    return finish(outputs, create_graph)[0], unpack(finish(result, create_graph), is_inputs_tuple)


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``, one
    backward pass per output element.

    With several inputs (a tuple) there is one block per input; with several outputs (``func``
    returns a tuple), one per output; with both, ``result[i][j]`` is ∂output_i/∂input_j.

    ``vectorize=True`` is accepted for compatibility: minigrad has no vmap, so the result
    PyTorch's vectorized route gives is computed row by row. ``strategy="forward-mode"``
    (allowed by PyTorch only with ``vectorize=True``) is computed in reverse mode likewise;
    its result keeps a link to the inputs when one of them requires grad (PyTorch's forward
    mode links it to those that do).

    >>> torch.autograd.functional.jacobian(lambda x: x**2, torch.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    if strategy not in _STRATEGIES:
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        _check_forward_mode(inputs, create_graph, strict, vectorize)
        # PyTorch's forward mode leaves the result linked to the inputs that require grad
        create_graph = any(x.requires_grad for x in as_tuple(inputs, "inputs", "jacobian")[1])
    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "jacobian")
        inputs = prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _outputs(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                "supported together. Please either set `strict=False` or `vectorize=False`."
            )
        blocks = tuple(
            _jacobian_blocks(index, out, inputs, create_graph, strict)
            for index, out in enumerate(outputs)
        )
        return unpack(finish(blocks, create_graph), (is_outputs_tuple, is_inputs_tuple))


_STRATEGIES = ("forward-mode", "reverse-mode")


def _check_forward_mode(inputs: Any, create_graph: bool, strict: bool, vectorize: bool) -> None:
    """PyTorch's errors for what its forward-mode Jacobian does not support."""
    if create_graph:
        raise NotImplementedError(
            "torch.autograd.functional.jacobian: `create_graph=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`create_graph=False` or `strategy="reverse-mode"`.'
        )
    if strict:
        raise RuntimeError(
            'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
            "are not supported together (yet). Please either set `strict=False` or "
            '`strategy="reverse-mode"`.'
        )
    as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(  # (PyTorch's message lacks the space in "isonly")
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
            "implemented for `vectorize=True`."
        )


def _jacobian_blocks(
    index: int, out: Tensor, inputs: tuple[Tensor, ...], create_graph: bool, strict: bool
) -> tuple[Tensor, ...]:
    """∂out/∂x for each input x, a row (one backward pass) per element of ``out``."""
    rows: tuple[list[Tensor], ...] = tuple([] for _ in inputs)
    flat = out.reshape(-1)
    for element in range(out.nelement()):
        grads = autograd_grad(
            (flat[element],), inputs, retain_graph=True, create_graph=create_graph
        )
        for position, (row, grad, x) in enumerate(zip(rows, grads, inputs)):
            if grad is None:
                if strict:
                    raise RuntimeError(
                        f"Output {index} of the user-provided function is independent of input "
                        f"{position}. This is not allowed in strict mode."
                    )
                grad = zeros_like(x)
            elif strict and create_graph and not grad.requires_grad:
                raise RuntimeError(  # PyTorch names the output's index as "input" here
                    f"The jacobian of the user-provided function is independent of input {index}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            row.append(grad)
    return tuple(stack(row, dim=0).view(out.size() + x.size()) for row, x in zip(rows, inputs))


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The matrix of second derivatives of a one-element ``func`` at ``inputs``: the
    Jacobian of its gradient. With several inputs, ``result[i][j]`` is ∂²f/∂input_i∂input_j.

    ``vectorize`` and ``outer_jacobian_strategy`` are passed on to ``jacobian``.

    >>> torch.autograd.functional.hessian(lambda x: (x**3).sum(), torch.tensor([1., 2.]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = as_tuple(out, "outputs of the user-provided function", "hessian")
        check_requires_grad(t_out, "outputs", strict=strict)
        single_output(t_out, is_out_tuple, "hessian")
        return out.squeeze()

    def jac_func(*inp: Tensor) -> tuple[Tensor, ...]:
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    if outer_jacobian_strategy == "forward-mode":  # PyTorch's jac_func makes them require grad
        inputs = tuple(x if x.requires_grad else x.detach().requires_grad_() for x in inputs)
    result = jacobian(
        jac_func,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return unpack(result, (is_inputs_tuple, is_inputs_tuple))
