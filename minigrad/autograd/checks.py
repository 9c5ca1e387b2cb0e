"""``gradcheck`` and ``gradgradcheck``: compare the backward pass with central differences,
as PyTorch's default (slow) mode does.

For each input that requires grad, every element is nudged by ``±eps`` and the outputs'
change gives a column of the numerical Jacobian; one backward pass per output element
gives a row of the analytical one. ``gradgradcheck`` runs ``gradcheck`` on the function
that computes the gradients (with ``create_graph=True``), so the backward of the backward
is checked.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from minigrad._dtype import float64
from minigrad.autograd import grad as _grad
from minigrad.creation import zeros_like
from minigrad.random_tensors import rand
from minigrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """A check of ``gradcheck`` or ``gradgradcheck`` failed."""


FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""

#: what PyTorch's gradcheck can also check, and what minigrad would need for it
_UNSUPPORTED = {
    "check_forward_ad": "forward-mode AD",
    "check_batched_grad": "vmap",
    "check_batched_forward_grad": "vmap and forward-mode AD",
}


class _Settings(NamedTuple):
    """How close is close enough, and what else to check."""

    eps: float
    atol: float
    rtol: float
    nondet_tol: float
    check_grad_dtypes: bool


def _as_tuple(value: Any) -> tuple:
    if isinstance(value, tuple):
        return value
    return tuple(value) if isinstance(value, list) else (value,)


def _differentiable(values: tuple) -> tuple[Tensor, ...]:
    return tuple(value for value in values if value.requires_grad)


def _check_inputs(inputs: tuple) -> None:
    """PyTorch's warning for each input that requires grad but is not float64, its error for
    one with a stretched (stride 0) dimension, and its error when none requires grad."""
    wanted = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for index, x in wanted:
        if x._data.dtype != np.float64:
            warnings.warn(
                f"Input #{index} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                stacklevel=4,
            )
        if any(stride == 0 and size > 1 for stride, size in zip(x._data.strides, x._data.shape)):
            raise RuntimeError(
                f"The {index}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck."
            )
    if not wanted:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )


def numerical_jacobian(
    func: Callable[..., Any], inputs: tuple, x: Tensor, outputs: tuple, eps: float
) -> list[np.ndarray]:
    """∂output/∂x for each of ``outputs`` (``func(*inputs)``) by central differences,
    (f(x + eps) − f(x − eps)) / 2·eps: shape (x.numel(), output.numel()), the output's dtype."""
    jacobians = [np.zeros((x._data.size, out._data.size), out._data.dtype) for out in outputs]
    flat = x._data.flat  # writes through to x, whatever its memory layout
    for k in range(x._data.size):
        original = flat[k]
        flat[k] = original - eps
        minus = [np.array(out._data) for out in _as_tuple(func(*inputs))]
        flat[k] = original + eps
        plus = [np.array(out._data) for out in _as_tuple(func(*inputs))]
        flat[k] = original
        for jacobian, before, after in zip(jacobians, minus, plus):
            jacobian[k] = ((after - before) / (2 * eps)).reshape(-1)
    return jacobians


def _jacobian_rows(
    inputs: tuple[Tensor, ...], output: Tensor
) -> tuple[list[np.ndarray], bool, bool]:
    """The analytical Jacobian of ``output`` for each input, shaped (input.numel(),
    output.numel()) in the input's dtype, one backward pass per output element; and whether
    every gradient had its input's dtype, and its size."""
    jacobians = [np.zeros((x._data.size, output._data.size), x._data.dtype) for x in inputs]
    types_ok = sizes_ok = True
    for j in range(output._data.size):
        basis = zeros_like(output)
        basis._data.flat[j] = 1
        grads = _grad(output, inputs, basis, retain_graph=True, allow_unused=True)
        for jacobian, x, g in zip(jacobians, inputs, grads):
            if g is None:
                continue
            if g._data.shape != x._data.shape:
                sizes_ok = False
                continue
            types_ok = types_ok and g._data.dtype == x._data.dtype
            jacobian[:, j] = g._data.reshape(-1)
    return jacobians, types_ok, sizes_ok


def _analytical_jacobian(
    inputs: tuple[Tensor, ...], output: Tensor, nondet_tol: float, check_grad_dtypes: bool
) -> list[np.ndarray]:
    """The analytical Jacobians of ``output``, computed twice: a backward that gives another
    result the second time (beyond ``nondet_tol``) is rejected, as in PyTorch."""
    first, types_ok, sizes_ok = _jacobian_rows(inputs, output)
    second = _jacobian_rows(inputs, output)[0]
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(first, second):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                "gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}." + FAILED_NONDET_MSG
            )
    return first


def _compare(func: Callable[..., Any], inputs: tuple, func_out: tuple, settings: _Settings) -> None:
    """Numerical against analytical Jacobians, for each output that requires grad and each
    input that does (PyTorch numbers both among those only in its message)."""
    diff_inputs = _differentiable(tuple(x for x in inputs if isinstance(x, Tensor)))
    numerical = [numerical_jacobian(func, inputs, x, func_out, settings.eps) for x in diff_inputs]
    if not any(out.requires_grad for out in func_out):
        if any(np.any(n != 0) for per_input in numerical for n in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    per_output = [column for column, out in zip(zip(*numerical), func_out) if out.requires_grad]
    for i, output in enumerate(_differentiable(func_out)):
        analytical = _analytical_jacobian(
            diff_inputs, output, settings.nondet_tol, settings.check_grad_dtypes
        )
        for j, (a, n) in enumerate(zip(analytical, per_output[i])):
            if not np.allclose(a, n, rtol=settings.rtol, atol=settings.atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{Tensor._make(n)!r}\nanalytical:{Tensor._make(a)!r}\n"
                )


def _check_backward_mul_by_grad_output(outputs: tuple[Tensor, ...], inputs: tuple) -> None:
    """PyTorch's errors when zero gradients for the outputs do not give zero gradients of the
    inputs' dtype and size (a backward that does not multiply by ``grad``)."""
    diff_inputs = _differentiable(tuple(x for x in inputs if isinstance(x, Tensor)))
    zeros = tuple(zeros_like(out) for out in outputs)
    grads = _grad(outputs, diff_inputs, zeros, allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if not np.all(g._data == 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g._data.dtype != x._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if g._data.shape != x._data.shape:
            raise GradcheckError("grad is incorrect size")


def _gradcheck(func: Callable[..., Any], inputs: Any, settings: _Settings) -> bool:
    tupled = _as_tuple(inputs)
    _check_inputs(tupled)
    func_out = _as_tuple(func(*tupled))
    outputs = _differentiable(func_out)
    _compare(func, tupled, func_out, settings)
    if outputs:
        _check_backward_mul_by_grad_output(outputs, tupled)
    return True


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Tensor],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """True when ``func``'s gradients match central differences at ``inputs``; otherwise a
    ``GradcheckError`` (or False, with ``raise_exception=False``). ``func`` may return a
    tensor or a tuple of them; every output that requires grad is checked against every
    input that does.

    Accepted for PyTorch's signature: ``fast_mode`` (the full Jacobians are compared, a
    stricter check), ``masked`` (minigrad has no sparse tensors) and ``check_undefined_grad``
    (a minigrad node that receives no gradient sends none without running its backward, so
    that check always passes). ``check_forward_ad`` and the batched checks need forward-mode
    AD and vmap, which minigrad does not have: NotImplementedError.

    >>> x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda x: (x**3).sum(), (x,))
    True
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True"
        )
    if check_batched_grad and not check_backward_ad:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_backward_ad to be True"
        )
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError(
            "Setting check_batched_forward_grad=True requires check_forward_ad to be True"
        )
    wanted = {
        "check_forward_ad": check_forward_ad,
        "check_batched_grad": check_batched_grad,
        "check_batched_forward_grad": check_batched_forward_grad,
    }
    for name, value in wanted.items():
        if value:
            raise NotImplementedError(
                f"gradcheck: {name}=True needs {_UNSUPPORTED[name]}, which minigrad does not have"
            )
    settings = _Settings(eps, atol, rtol, nondet_tol, check_grad_dtypes)
    try:
        return _gradcheck(func, inputs, settings)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """``gradcheck`` of the gradients: True when the backward of ``func``'s backward matches
    central differences of its gradients (with respect to the inputs and ``grad_outputs``,
    random in [-1, 1) when not given).

    ``gen_non_contig_grad_outputs`` is accepted for PyTorch's signature (memory layout does
    not change a minigrad result); the other keywords are ``gradcheck``'s.

    >>> x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradgradcheck(lambda x: x**3, (x,))
    True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError(
            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True"
        )
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_undefined_grad=True requires check_rev_over_rev to be True"
        )
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_rev_over_rev to be True"
        )
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        tupled_grad_outputs = tuple(
            _random_like(out) for out in _differentiable(_as_tuple(func(*tupled_inputs)))
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    gradients = _gradient_function(func, tupled_inputs, tupled_grad_outputs)
    return gradcheck(
        gradients,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        masked=masked,
    )


def _random_like(out: Tensor) -> Tensor:
    """A gradient for ``out``: uniform in [-1, 1), requiring grad (float64 for an integer
    output), as PyTorch makes them."""
    values = rand(*out.shape, dtype=out.dtype if out.is_floating_point() else float64)
    return (values * 2 - 1).requires_grad_()


def _gradient_function(
    func: Callable[..., Any], inputs: tuple, grad_outputs: tuple
) -> Callable[..., tuple[Tensor, ...]]:
    """The function ``gradgradcheck`` checks: from the inputs and ``grad_outputs``, the
    gradients of ``func`` that exist (computed with ``create_graph=True``)."""
    count = len(grad_outputs)
    # gradcheck may detach the inputs: remember which required grad
    diff_inputs = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_outputs = {i for i, g in enumerate(grad_outputs) if g.requires_grad}

    def gradients(*args: Any) -> tuple[Tensor, ...]:
        input_args = tuple(
            x.requires_grad_() if i in diff_inputs else x for i, x in enumerate(args[:-count])
        )
        outputs = _differentiable(_as_tuple(func(*input_args)))
        given = tuple(
            g.requires_grad_() if i in diff_grad_outputs else g for i, g in enumerate(args[-count:])
        )
        wrt = tuple(x for i, x in enumerate(input_args) if i in diff_inputs)
        grads = _grad(outputs, wrt, given, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradients
