"""The op table: every differentiable op is a ``Function`` subclass in one of these modules,
named as PyTorch names its node, with its forward, backward and readable rule side by side.
This module attaches the functions built on them to ``Tensor`` as methods and operators.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype, random
from minigrad.autograd import grad_mode
from minigrad.autograd.graph import Function
from minigrad.ops import linalg, pointwise, reduce, shape
from minigrad.ops._apply import apply, is_number, operands
from minigrad.tensor import Tensor


def all_ops() -> list[type[Function]]:
    """Every op class, in definition order (used for documentation and the test table)."""
    found: list[type[Function]] = []
    for module in (pointwise, reduce, linalg, shape):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Function) and value.rules:
                if value.__module__ == module.__name__ and value.formula:
                    found.append(value)
    return found


# -- operators -------------------------------------------------------------------------------


def _operator(function: Any, *, reflected: bool = False, tensors_only: bool = False) -> Any:
    """``function`` as an operator method: NotImplemented for operands it does not take (a
    string, a list …), so that Python raises its usual TypeError."""

    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, Tensor) and (tensors_only or not is_number(other)):
            return NotImplemented
        return function(other, self) if reflected else function(self, other)

    method.__name__ = function.__name__
    method.__doc__ = function.__doc__
    return method


def _compare(ufunc: np.ufunc) -> Any:
    """A comparison (``==``, ``<`` …): a bool tensor without history."""

    def compare(self: Tensor, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            a, b = operands(self, other)
            return Tensor._make(np.asarray(ufunc(a._data, b._data)))
        return Tensor._make(np.asarray(ufunc(self._data, other)))

    compare.__name__ = ufunc.__name__
    return compare


def _bitwise(ufunc: np.ufunc) -> Any:
    """``&``, ``|``, ``^``: bitwise on integers, logical on bools, refused for floats."""

    def bitwise(self: Tensor, other: Any) -> Tensor:
        right = other._data if isinstance(other, Tensor) else np.asarray(other)
        for data in (self._data, right):
            if data.dtype.kind == "f":
                raise NotImplementedError(
                    f'"{ufunc.__name__}_cpu" not implemented for '
                    f"'{_dtype.from_numpy_dtype(data.dtype).title}'"
                )
        return Tensor._make(np.asarray(ufunc(self._data, right)))

    bitwise.__name__ = ufunc.__name__
    return bitwise


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input − other| ≤ atol + rtol·|other|``, as a bool tensor."""
    a, b = operands(input, other)
    return Tensor._make(np.asarray(np.isclose(a._data, b._data, rtol, atol, equal_nan)))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True when every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same elements."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


def _all(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``) is nonzero, as a bool tensor."""
    return Tensor._make(np.asarray(self._data.all(axis=dim, keepdims=keepdim)))


def _any(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``) is nonzero, as a bool tensor."""
    return Tensor._make(np.asarray(self._data.any(axis=dim, keepdims=keepdim)))


def _invert(self: Tensor) -> Tensor:
    if self._data.dtype.kind == "f":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return Tensor._make(np.invert(self._data))


# -- in-place ops ----------------------------------------------------------------------------


def _inplace(self: Tensor, result: Tensor) -> Tensor:
    """Write ``result`` into ``self``'s memory and make ``self`` take ``result``'s history."""
    if result._data.dtype != self._data.dtype:
        if not _dtype.can_cast(result.dtype, self.dtype):
            raise RuntimeError(
                f"result type {result.dtype.title} can't be cast to the desired "
                f"output type {self.dtype.title}"
            )
        result = result.to(self.dtype)
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, result._data.shape))}]"
        )
    if result.grad_fn is not None and self._base is not None:
        raise RuntimeError(
            "minigrad does not record in-place operations on views of tensors that require "
            "grad; use the out-of-place operation (e.g. `y = y + 1` instead of `y.add_(1)`)."
        )
    np.copyto(self._data, result._data)
    self._bump_version()
    if result.grad_fn is not None:
        if self.grad_fn is not None:  # retain_grad() follows the tensor to its new history
            result.grad_fn._retained, self.grad_fn._retained = self.grad_fn._retained, None
        self.grad_fn = result.grad_fn
        self._requires_grad = True
        self._version_counter.history += 1  # views taken before now are out of date
    return self


def _check_inplace(self: Tensor) -> None:
    if grad_mode.state.enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if not self._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def _inplace_method(function: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_inplace(self)
        source = self
        if grad_mode.state.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        ):
            # The op may save its input for backward, and ``self`` is about to change:
            # it gets the value as it is now (PyTorch saves ``original_self`` alike).
            source = Tensor._make(self._data.copy(), self._requires_grad)
            source.grad_fn = self.grad_fn
        return _inplace(self, function(source, *args, **kwargs))

    method.__name__ = function.__name__ + "_"
    method.__doc__ = f"In-place version of ``{function.__name__}``."
    return method


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0, in place."""
    return _fill(self, 0, pointwise.ZeroBackward0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place (no gradient flows to the old values)."""
    return _fill(
        self, value.item() if isinstance(value, Tensor) else value, pointwise.FillBackward2
    )


def _drawn(fill: Any) -> Any:
    """A ``Tensor.<name>_`` method that fills the tensor in place with random numbers."""

    def method(self: Tensor, *args: Any, generator: Any = None) -> Tensor:
        _check_inplace(self)
        if grad_mode.state.enabled and self._requires_grad:
            raise RuntimeError(
                f"{fill.__name__} on a tensor with a graph is not recorded by minigrad; fill a "
                "leaf under torch.no_grad(), as torch.nn.init does"
            )
        fill(self._data, *args, generator=generator)
        self._bump_version()
        return self

    method.__name__ = fill.__name__
    method.__doc__ = fill.__doc__
    return method


def _random_(self: Tensor, *bounds: int, generator: Any = None) -> Tensor:
    """Fill in place with random integers: ``random_()``, ``random_(to)``, ``random_(from, to)``."""
    low, high = (0, bounds[0]) if len(bounds) == 1 else (bounds + (None, None))[:2]
    return _drawn(random.random_)(self, low, high, generator=generator)


def _fill(self: Tensor, value: Any, op: type[Function]) -> Tensor:
    _check_inplace(self)
    if grad_mode.state.enabled and self._requires_grad:
        return _inplace(self, apply(op, self, value=value))
    self._data[...] = value
    self._bump_version()
    return self


def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``tensor[key] = value``: in place, and only where no gradient has to flow through it."""
    _check_inplace(self)
    if grad_mode.state.enabled and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    ):
        raise RuntimeError(
            "minigrad does not record index assignment on tensors that require grad; "
            "assign inside `with torch.no_grad():` or build a new tensor with torch.where."
        )
    keys = key if isinstance(key, tuple) else (key,)
    keys = tuple(k._data if isinstance(k, Tensor) else k for k in keys)
    self._data[keys] = value._data if isinstance(value, Tensor) else value
    self._bump_version()


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert to a dtype: ``t.to(torch.float64)``; devices other than "cpu" are not offered."""
    target = kwargs.pop("dtype", None)
    for arg in args:
        if isinstance(arg, _dtype.dtype):
            target = arg
        elif isinstance(arg, str) and arg != "cpu":
            raise RuntimeError(f"Invalid device string: '{arg}'")
        elif arg != "cpu":
            raise TypeError(f"to() received an invalid combination of arguments - got ({arg!r})")
    return self if target is None else pointwise.to(self, target)


def _type(self: Tensor, dtype: Any = None) -> Any:
    """The type name (``'torch.FloatTensor'``), or a copy converted to ``dtype``."""
    if dtype is None:
        return f"torch.{self.dtype.title}Tensor"
    return pointwise.to(self, dtype)


def _caster(dt: _dtype.dtype) -> Any:
    def method(self: Tensor) -> Tensor:
        return pointwise.to(self, dt)

    method.__doc__ = f"This tensor converted to {dt!r}."
    return method


_METHODS: dict[str, Any] = {
    # arithmetic
    "add": pointwise.add,
    "sub": pointwise.sub,
    "mul": pointwise.mul,
    "div": pointwise.div,
    "pow": pointwise.pow,
    "neg": pointwise.neg,
    "reciprocal": pointwise.reciprocal,
    "__add__": _operator(pointwise.add),
    # PyTorch keeps the tensor first in `3 * t` and `1 + t` (see next_functions)
    "__radd__": _operator(pointwise.add),
    "__sub__": _operator(pointwise.sub),
    "__rsub__": _operator(pointwise.rsub),
    "__mul__": _operator(pointwise.mul),
    "__rmul__": _operator(pointwise.mul),
    "__truediv__": _operator(pointwise.div),
    "__rtruediv__": _operator(pointwise.rdiv),
    "__pow__": _operator(pointwise.pow),
    "__rpow__": _operator(pointwise.pow, reflected=True),
    "__matmul__": _operator(linalg.matmul, tensors_only=True),
    "__neg__": pointwise.neg,
    "__pos__": lambda self: self,
    "__abs__": pointwise.abs,
    # functions
    "exp": pointwise.exp,
    "log": pointwise.log,
    "sqrt": pointwise.sqrt,
    "abs": pointwise.abs,
    "sin": pointwise.sin,
    "cos": pointwise.cos,
    "tanh": pointwise.tanh,
    "sigmoid": pointwise.sigmoid,
    "relu": pointwise.relu,
    "clamp": pointwise.clamp,
    "sign": pointwise.sign,
    "clone": pointwise.clone,
    "masked_fill": shape.masked_fill,
    # reductions
    "sum": reduce.sum,
    "mean": reduce.mean,
    "max": reduce.max,
    "min": reduce.min,
    "argmax": reduce.argmax,
    "argmin": reduce.argmin,
    # linear algebra
    "matmul": linalg.matmul,
    "mm": linalg.mm,
    "mv": linalg.mv,
    "dot": linalg.dot,
    # shape
    "reshape": shape.reshape,
    "view": shape.view,
    "flatten": shape.flatten,
    "permute": shape.permute,
    "t": shape.t,
    "T": property(shape.T),
    "mT": property(lambda self: shape.transpose(self, -2, -1)),
    "transpose": shape.transpose,
    "unsqueeze": shape.unsqueeze,
    "squeeze": shape.squeeze,
    "expand": shape.expand,
    "expand_as": lambda self, other: shape.expand(self, other.shape),
    "sum_to_size": shape.sum_to_size,
    "select": shape.select,
    "__getitem__": shape.getitem,
    "__setitem__": setitem,
    # comparisons and logic: results are bool tensors without history
    "__eq__": _operator(_compare(np.equal)),
    "__ne__": _operator(_compare(np.not_equal)),
    "__lt__": _operator(_compare(np.less)),
    "__le__": _operator(_compare(np.less_equal)),
    "__gt__": _operator(_compare(np.greater)),
    "__ge__": _operator(_compare(np.greater_equal)),
    "eq": _compare(np.equal),
    "ne": _compare(np.not_equal),
    "lt": _compare(np.less),
    "le": _compare(np.less_equal),
    "gt": _compare(np.greater),
    "ge": _compare(np.greater_equal),
    "__and__": _operator(_bitwise(np.bitwise_and)),
    "__or__": _operator(_bitwise(np.bitwise_or)),
    "__xor__": _operator(_bitwise(np.bitwise_xor)),
    "__invert__": _invert,
    "isclose": isclose,
    "allclose": allclose,
    "equal": equal,
    "all": _all,
    "any": _any,
    # in place
    "add_": _inplace_method(pointwise.add),
    "sub_": _inplace_method(pointwise.sub),
    "mul_": _inplace_method(pointwise.mul),
    "div_": _inplace_method(pointwise.div),
    "pow_": _inplace_method(pointwise.pow),
    "clamp_": _inplace_method(pointwise.clamp),
    "__iadd__": _operator(_inplace_method(pointwise.add)),
    "__isub__": _operator(_inplace_method(pointwise.sub)),
    "__imul__": _operator(_inplace_method(pointwise.mul)),
    "__itruediv__": _operator(_inplace_method(pointwise.div)),
    "zero_": zero_,
    "fill_": fill_,
    "normal_": _drawn(random.normal_),
    "uniform_": _drawn(random.uniform_),
    "random_": _random_,
    # conversion
    "to": _to,
    "type": _type,
    "float": _caster(_dtype.float32),
    "double": _caster(_dtype.float64),
    "half": _caster(_dtype.float16),
    "long": _caster(_dtype.int64),
    "int": _caster(_dtype.int32),
    "bool": _caster(_dtype.bool_),
}

for _name, _method in _METHODS.items():
    setattr(Tensor, _name, _method)
