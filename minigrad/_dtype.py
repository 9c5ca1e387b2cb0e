"""Data types with PyTorch's names, and PyTorch's type-promotion rules."""

from __future__ import annotations

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, printed as PyTorch prints it: ``torch.float32``."""

    __slots__ = (
        "name",
        "numpy",
        "is_floating_point",
        "is_signed",
        "itemsize",
        "title",
        "c_name",
        "_category",
    )

    def __init__(self, name: str, numpy_type: type, category: int, title: str, c_name: str) -> None:
        self.name = name
        #: how PyTorch's messages name it: "Float" (as in torch.FloatTensor), and in C: "float"
        self.title = title
        self.c_name = c_name
        self.numpy = np.dtype(numpy_type)
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.numpy.kind in "if"
        self.itemsize = self.numpy.itemsize
        self._category = category

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


_BOOL, _INT, _FLOAT = 0, 1, 2

bool_ = dtype("bool", np.bool_, _BOOL, "Bool", "bool")
uint8 = dtype("uint8", np.uint8, _INT, "Byte", "unsigned char")
int8 = dtype("int8", np.int8, _INT, "Char", "signed char")
int16 = dtype("int16", np.int16, _INT, "Short", "short int")
int32 = dtype("int32", np.int32, _INT, "Int", "int")
int64 = dtype("int64", np.int64, _INT, "Long", "long int")
float16 = dtype("float16", np.float16, _FLOAT, "Half", "c10::Half")
float32 = dtype("float32", np.float32, _FLOAT, "Float", "float")
float64 = dtype("float64", np.float64, _FLOAT, "Double", "double")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.numpy: d for d in ALL}

#: PyTorch's default for Python floats; ``set_default_dtype`` is not offered.
default_float = float32


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The dtype holding numpy's ``np_dtype``; TypeError for types PyTorch lacks."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only "
            "supported types are: float64, float32, float16, int64, int32, int16, int8, "
            "uint8, and bool."
        ) from None


def check(value: object, function: str, argument: str = "dtype") -> dtype:
    """Return ``value`` if it is a dtype, else raise PyTorch's TypeError naming the argument."""
    if not isinstance(value, dtype):
        raise TypeError(
            f"{function}(): argument '{argument}' must be torch.dtype, not {type(value).__name__}"
        )
    return value


def of_scalar(value: bool | int | float) -> dtype:
    """The dtype PyTorch gives a bare Python number."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return default_float


def can_cast(source: dtype, target: dtype) -> bool:
    """Whether an in-place op may write ``source`` values into a ``target`` tensor: yes within
    a category (float64 into float32, as PyTorch allows), not from floats to integers or from
    numbers to bool."""
    return source._category <= target._category


def promote(a: dtype, b: dtype) -> dtype:
    """The dtype PyTorch computes ``a`` with ``b`` in (torch.promote_types).

    Across categories the higher one wins as it is (int64 with float16 is float16, where numpy
    would say float64); within a category the wider type wins.
    """
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    return _BY_NUMPY[np.promote_types(a.numpy, b.numpy)]


def result_type(operands: list[tuple[dtype, int]]) -> dtype:
    """PyTorch's result dtype for an elementwise op.

    ``operands`` are ``(dtype, rank)`` pairs where rank is 2 for a tensor with dimensions,
    1 for a zero-dimensional tensor and 0 for a Python number. A lower-ranked operand only
    matters when its category (bool < integer < float) is higher, which is why
    ``int_tensor * 2.5`` is float32 while ``float32_tensor * 2.5`` stays float32.
    """
    result = None
    for rank in (2, 1, 0):
        group = None
        for dt, r in operands:
            if r == rank:
                group = dt if group is None else promote(group, dt)
        if group is None:
            continue
        if rank == 0:  # Python numbers take the default type of their category
            group = {_BOOL: bool_, _INT: int64, _FLOAT: default_float}[group._category]
        if result is None or group._category > result._category:
            result = group
    assert result is not None
    return result
