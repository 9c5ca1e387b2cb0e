"""Matrix products: ``matmul`` / ``@`` picks dot, mv, mm or a batched product by the ranks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.autograd.function import Function, check_broadcast
from minigrad.tensor import Tensor, tensor_method


class DotBackward0(Function):
    formula = "Σ self · tensor"
    rules = ("grad · tensor", "grad · self")
    input_names = ("self", "tensor")
    saved = ("self", "tensor")
    saved_only_for = {"self": "tensor", "tensor": "self"}

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.dot(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class MvBackward0(Function):
    formula = "self @ vec"
    rules = ("grad ⊗ vec  (outer product)", "selfᵀ @ grad")
    input_names = ("self", "vec")
    saved = ("self", "vec")
    saved_only_for = {"self": "vec", "vec": "self"}

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return grad[:, None] * b[None, :] if need_a else None, a.mT @ grad if need_b else None


class MmBackward0(Function):
    formula = "self @ mat2"
    rules = ("grad @ mat2ᵀ", "selfᵀ @ grad")
    input_names = ("self", "mat2")
    saved = ("self", "mat2")
    saved_only_for = {"self": "mat2", "mat2": "self"}

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return grad @ b.mT if need_a else None, a.mT @ grad if need_b else None


class AddmmBackward0(Function):
    """``nn.Linear``'s op: a bias (broadcast over the rows) plus a matrix product."""

    formula = "beta · self + alpha · (mat1 @ mat2)"
    rules = ("grad · beta, summed over the rows", "alpha · grad @ mat2ᵀ", "alpha · mat1ᵀ @ grad")
    input_names = ("self", "mat1", "mat2")
    saved = ("alpha", "beta", "mat1", "mat2")
    saved_only_for = {"mat1": "mat2", "mat2": "mat1"}

    @staticmethod
    def forward(a: Any, m1: np.ndarray, m2: np.ndarray, beta: Any = 1, alpha: Any = 1) -> Any:
        product = m1 @ m2
        if alpha != 1:
            product *= product.dtype.type(alpha)
        return product + (a if beta == 1 else a * a.dtype.type(beta))

    def backward(self, grad: Any, alpha: Any, beta: Any, m1: Any, m2: Any) -> tuple:
        _, need_1, need_2 = self.needs_input_grad
        scaled = grad if alpha == 1 else grad * alpha
        return (
            grad if beta == 1 else grad * beta,
            scaled @ m2.mT if need_1 else None,
            m1.mT @ scaled if need_2 else None,
        )


class BmmBackward0(MmBackward0):
    """A batch of matrix products, broadcasting over the leading dimensions."""

    formula = "self @ mat2, per batch"


def _not_bool(tensor: Tensor, kernel: str) -> None:
    """PyTorch has no matrix product of booleans: its error names the kernel that refused."""
    if tensor._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{a.dtype.c_name} != {b.dtype.c_name}"
        )


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@tensor_method("mm")
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices."""
    for name, t in (("self", input), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(input._data.shape)} and "
            f"{_shape_text(mat2._data.shape)})"
        )
    _same_dtype(input, mat2)
    _not_bool(input, "addmm_impl_cpu_")
    return MmBackward0.apply(input, mat2)


@tensor_method("addmm")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta · input + alpha · (mat1 @ mat2)``, ``input`` broadcast over the product's rows:
    what ``nn.Linear`` computes (``addmm(bias, x, weight.t())``)."""
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    if mat1._data.dtype != mat2._data.dtype:
        raise RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{mat1.dtype.title} and {mat2.dtype.title}"
        )
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(
            "self and mat2 must have the same dtype, but got "
            f"{input.dtype.title} and {mat2.dtype.title}"
        )
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(mat1._data.shape)} and "
            f"{_shape_text(mat2._data.shape)})"
        )
    check_broadcast(input._data.shape, (mat1._data.shape[0], mat2._data.shape[1]))
    _not_bool(mat1, "addmm_impl_cpu_")
    return AddmmBackward0.apply(input, mat1, mat2, beta=beta, alpha=alpha)


@tensor_method("mv")
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}"
        )
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input._data.shape[0]}), mat "
            f"({_shape_text(input._data.shape)}), vec ({vec._data.shape[0]})"
        )
    if input._data.dtype != vec._data.dtype:
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{vec.dtype.title}, {input.dtype.title}, and {vec.dtype.title}"
        )
    _not_bool(input, "addmv_impl_cpu")
    return MvBackward0.apply(input, vec)


@tensor_method("dot")
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors."""
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors"
        )
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{input.dtype.title} and {tensor.dtype.title}"
        )
    n, m = input._data.shape[0], tensor._data.shape[0]
    if n != m:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
    _not_bool(input, "dot")
    return DotBackward0.apply(input, tensor)


@tensor_method("outer", "ger")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: ``out[i, j] = input[i] · vec2[j]``, recorded as
    PyTorch does, a column view times ``vec2``."""
    if not isinstance(vec2, Tensor):
        raise TypeError(
            f"outer(): argument 'vec2' (position 2) must be Tensor, not {type(vec2).__name__}"
        )
    for name, vector in (("self", input), ("vec2", vec2)):
        if vector._data.ndim != 1:
            raise RuntimeError(
                f"outer: Expected 1-D argument {name}, but got {vector._data.ndim}-D"
            )
    return input.reshape(-1, 1) * vec2


ger = outer  # PyTorch's older name


@tensor_method("matmul")
@tensor_method("__matmul__", operator=True)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product ``input @ other``, choosing dot, mv, mm or a batched product."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    ndim_a, ndim_b = input._data.ndim, other._data.ndim
    if ndim_a == 0 or ndim_b == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {ndim_a}D and {ndim_b}D"
        )
    if ndim_a == 1 and ndim_b == 1:
        return dot(input, other)
    if ndim_a == 2 and ndim_b == 1:
        return mv(input, other)
    if ndim_a == 1 and ndim_b == 2:
        return mm(input.unsqueeze(0), other).squeeze(0)
    if ndim_a == 2 and ndim_b == 2:
        return mm(input, other)
    return _batched(input, other)


def _batched(input: Tensor, other: Tensor) -> Tensor:
    a = input.unsqueeze(0) if input._data.ndim == 1 else input
    b = other.unsqueeze(-1) if other._data.ndim == 1 else other
    if a._data.shape[-1] != b._data.shape[-2]:
        _raise_batched_mismatch(input._data.shape, other._data.shape)
    check_broadcast(a._data.shape[:-2], b._data.shape[:-2])
    if a._data.dtype != b._data.dtype:
        _raise_batched_dtypes(input, other)
    _not_bool(a, _kernel(input._data.ndim, other._data.ndim))
    out = BmmBackward0.apply(a, b)
    if input._data.ndim == 1:
        out = out.squeeze(-2)
    if other._data.ndim == 1:
        out = out.squeeze(-1)
    return out


def _raise_batched_mismatch(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    """PyTorch's error for a batched product whose inner sizes differ, which names the op
    PyTorch reduces it to: a stack of matrices times a matrix (or vector) is one mm (or mv)
    with the stack's rows folded together; anything else is a bmm over the broadcast batch."""
    if len(shape_a) >= 3 and len(shape_b) <= 2:
        rows = math.prod(shape_a[:-1])
        if len(shape_b) == 1:
            raise RuntimeError(
                f"size mismatch, got input ({rows}), mat ({rows}x{shape_a[-1]}), vec ({shape_b[0]})"
            )
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{shape_a[-1]} and "
            f"{_shape_text(shape_b)})"
        )
    batch_a = shape_a[:-2]
    batch_b = shape_b[:-2] if len(shape_b) >= 2 else ()
    check_broadcast(batch_a, batch_b)
    batch = math.prod(np.broadcast_shapes(batch_a, batch_b))
    inner_a = shape_a[-1]
    inner_b = shape_b[-2] if len(shape_b) >= 2 else shape_b[0]
    raise RuntimeError(
        "Expected size for first two dimensions of batch2 tensor to be: "
        f"[{batch}, {inner_a}] but got: [{batch}, {inner_b}]."
    )


def _kernel(ndim_a: int, ndim_b: int) -> str:
    """The kernel PyTorch reduces a batched product to: a stack of matrices times a vector or
    a matrix folds into one mv or mm; anything else is a bmm."""
    if ndim_a >= 3 and ndim_b <= 2:
        return "addmv_impl_cpu" if ndim_b == 1 else "addmm_impl_cpu_"
    return "bmm"


def _raise_batched_dtypes(input: Tensor, other: Tensor) -> None:
    """PyTorch's error for a batched product of two dtypes, from the op it reduces to."""
    if input._data.ndim >= 3 and other._data.ndim == 1:
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{other.dtype.title}, {input.dtype.title}, and {other.dtype.title}"
        )
    if input._data.ndim >= 3 and other._data.ndim == 2:
        _same_dtype(input, other)
    raise RuntimeError(f"expected scalar type {input.dtype.title} but found {other.dtype.title}")
