"""What ``functional.py`` does around each derivative, as PyTorch does it: pack the inputs
into tuples and unpack the results, detach or link them, check ``v``, and raise PyTorch's
errors in ``strict`` mode when a result does not depend on an input."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import grad as _grad
from minigrad.creation import zeros_like
from minigrad.tensor import Tensor


def as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """Whether ``value`` was a tuple, and ``value`` as a tuple of tensors (PyTorch's
    TypeError for anything else; a list is not a tuple here, as in PyTorch)."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {index}" if is_tuple else f"given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                f"Tensors but the {where} has type {type(item)}."
            )
    return is_tuple, items


def unpack(result: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """``result`` without the tuple levels its caller did not give: ``to_unpack`` says, for
    one level or for (outputs, inputs), whether that level was a tuple."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            result = tuple(item[0] for item in result)
        if not to_unpack[0]:
            result = result[0]
    elif not to_unpack:
        result = result[0]
    return result


def prepare(inputs: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """A new tensor for each input: a view that keeps the link to it (``create_graph``, and
    the input requires grad), or a detached copy that requires grad when ``need_graph``. New
    objects tell the inputs given apart from the same tensors captured by ``func``."""
    return tuple(
        x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(need_graph)
        for x in inputs
    )


def finish(results: tuple, create_graph: bool) -> tuple:
    """``results`` (tensors, or tuples of them) detached unless ``create_graph``."""
    if isinstance(results[0], Tensor):
        return results if create_graph else tuple(r.detach() for r in results)
    return tuple(finish(row, create_graph) for row in results)


def validate_v(v: tuple[Tensor, ...], other: tuple[Tensor, ...], is_other_tuple: bool) -> None:
    """PyTorch's errors when ``v`` does not match ``other`` in number or in sizes."""
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {index} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}."
            )


def vector(
    v: Any, fn_name: str, other: tuple[Tensor, ...], is_other_tuple: bool, create_graph: bool
) -> tuple[Tensor, ...] | None:
    """``v`` checked against ``other`` (what it multiplies: the outputs for ``vjp``, the
    inputs otherwise); None is allowed only when that is one tensor of one element."""
    if v is None:
        if len(other) != 1 or other[0].nelement() != 1:
            about = (  # vjp's v goes with the output, the others' with the input
                "user-provided function returns"
                if fn_name == "vjp"
                else "input to the user-provided function is"
            )
            raise RuntimeError(
                f"The vector v can only be None if the {about} a single Tensor with a single "
                "element."
            )
        return None
    v = prepare(as_tuple(v, "v", fn_name)[1], create_graph, need_graph=False)
    validate_v(v, other, is_other_tuple)
    return v


_NOT_REQUIRING_GRAD = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
    "independent of the input. This is not allowed in strict mode. You should ensure that your "
    "function is thrice differentiable and that the hessian depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
    "function with respect to input {i} is independent of the input. This is not allowed in "
    "strict mode. You should ensure that your function is twice differentiable and that the "
    "jacobian depends on the inputs (this would be violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
    "outputs must be computed in a differentiable manner from the input when running in strict "
    "mode.",
}


def check_requires_grad(values: tuple, kind: str, strict: bool) -> None:
    """In ``strict`` mode, PyTorch's error for the first of ``values`` (of ``kind``:
    outputs, grad_inputs, jacobian or hessian) that is missing or does not require grad."""
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:  # only gradients can be missing
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode."
            )
        if not value.requires_grad:
            raise RuntimeError(_NOT_REQUIRING_GRAD[kind].format(i=i))


def autograd_grad(
    outputs: tuple,
    inputs: tuple[Tensor, ...],
    grad_outputs: tuple | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """``autograd.grad`` over the outputs that require grad only (None for every input when
    none does), with ``allow_unused``."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [
        (out, g) for out, g in zip(outputs, grad_outputs) if out is not None and out.requires_grad
    ]
    if not kept:
        return (None,) * len(inputs)
    return _grad(
        tuple(out for out, _ in kept),
        inputs,
        tuple(g for _, g in kept),
        allow_unused=True,
        create_graph=create_graph,
        retain_graph=retain_graph,
    )


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. This "
    "is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
    "{i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
    "double backward trick to replace forward mode AD.",
}


def fill_in_zeros(
    grads: tuple, refs: tuple[Tensor, ...], strict: bool, create_graph: bool, stage: str
) -> tuple[Tensor, ...]:
    """``grads`` with zeros shaped like ``refs`` for the missing ones; in ``strict`` mode,
    PyTorch's error (worded for the ``stage`` of the computation) instead."""
    result = []
    for i, grad in enumerate(grads):
        if grad is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            grad = zeros_like(refs[i])
        elif strict and create_graph and not grad.requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {which} of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode when create_graph=True."
            )
        result.append(grad)
    return tuple(result)


def single_output(outputs: tuple[Tensor, ...], is_tuple: bool, fn_name: str) -> None:
    """PyTorch's errors when a function given to ``fn_name`` does not return one element."""
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single "
            "element"
        )
