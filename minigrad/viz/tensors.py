"""Duck-typed reading of tensors and grad_fn nodes: the same code serves PyTorch and minigrad.

Nothing here imports torch or minigrad. A *tensor* is anything with ``grad_fn``,
``requires_grad``, ``is_leaf`` and ``shape``; a *grad_fn node* is anything with
``next_functions``. Values are read through ``.detach().numpy()`` (or ``.tolist()``).

>>> import torch
>>> a = torch.tensor([2.0, 3.0], requires_grad=True)
>>> node_name((a * 2).grad_fn), shape_text(a), data_lines(a)
('MulBackward0', '(2,)', ['[2., 3.]'])
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

# Tensors with at most this many elements are printed in full; larger ones are summarised.
FULL_PRINT_LIMIT = 16
# A constant with at most this many elements is titled by its value ('3', '[1., 2.]').
SHORT_VALUE_LIMIT = 4

# The value of a saved tensor that backward() has already released (see saved_entries).
FREED = object()

_TENSOR_ATTRS = ("grad_fn", "requires_grad", "is_leaf", "shape")
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_BRACKET_PADDING = re.compile(r"(?<=\[) +| +(?=\])")


def is_tensor(obj: Any) -> bool:
    """True for anything that looks like a torch/minigrad tensor (has grad_fn, shape, ...)."""
    return all(hasattr(obj, attr) for attr in _TENSOR_ATTRS)


def is_node(obj: Any) -> bool:
    """True for a grad_fn node such as ``loss.grad_fn`` (has ``next_functions``)."""
    return hasattr(obj, "next_functions") and not is_tensor(obj)


def type_name(obj: Any) -> str:
    """The name a learner would recognise in an error message: 'int', 'numpy.ndarray'."""
    cls = type(obj)
    module = cls.__module__.split(".")[0]
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def node_name(fn: Any) -> str:
    """PyTorch's name for a grad_fn node: 'SubBackward0', 'AccumulateGrad'.

    PyTorch's C++ nodes answer ``name()`` with a namespace
    ('torch::autograd::AccumulateGrad'); only the last part is kept.
    """
    name_method = getattr(fn, "name", None)
    name = name_method() if callable(name_method) else type(fn).__name__
    return name.rsplit("::", 1)[-1]


def op_name(fn_name: str) -> str:
    """The forward op behind a grad_fn name: 'MmBackward0' -> 'mm', 'NllLossBackward0' -> 'nll_loss'."""
    stem = _BACKWARD_SUFFIX.sub("", fn_name)
    if not stem or stem == fn_name:
        return fn_name
    return _CAMEL_HUMP.sub("_", stem).lower()


def sequence_nr(fn: Any) -> int | None:
    """The node's creation number in the forward pass, or None when it has none.

    AccumulateGrad nodes carry UINT64_MAX in PyTorch: they are not created by an op.
    """
    method = getattr(fn, "_sequence_nr", None)
    if not callable(method):
        return None
    number = method()
    return number if 0 <= number < 2**63 else None


def saved_entries(fn: Any) -> list[tuple[str, Any]]:
    """What a node saved for backward, as (name, value) pairs sorted by name.

    The names come from its ``_saved_*`` attributes ('self', 'exponent', ...).
    A value is a tensor, a plain value (int, tuple ...), or FREED when reading it
    raises RuntimeError because backward() already released it.
    A list of saved tensors is split into 'name[0]', 'name[1]', ...
    """
    entries: list[tuple[str, Any]] = []
    for attr in sorted(dir(fn)):
        if not attr.startswith("_saved_"):
            continue
        name = attr[len("_saved_") :]
        try:
            value = getattr(fn, attr)
        except RuntimeError:
            entries.append((name, FREED))
            continue
        if isinstance(value, (tuple, list)) and any(is_tensor(v) for v in value):
            entries.extend((f"{name}[{i}]", v) for i, v in enumerate(value))
        else:
            entries.append((name, value))
    return entries


def value_text(value: Any, limit: int = 48) -> str:
    """A short, deterministic repr of a saved plain value (never a memory address)."""
    text = _ADDRESS.sub("", repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shape_text(tensor: Any) -> str:
    """'(2, 3)' plus the dtype when it is not float32, as PyTorch prints tensors."""
    shape = str(tuple(tensor.shape))
    dtype = str(getattr(tensor, "dtype", "")).rsplit(".", 1)[-1]  # 'torch.float64' -> 'float64'
    return shape if dtype in ("", "float32") else f"{shape} {dtype}"


def data_lines(tensor: Any) -> list[str]:
    """The tensor's values: in full when small, as mean/std/min/max when large."""
    return array_lines(_to_numpy(tensor))


def grad_lines(tensor: Any) -> list[str]:
    """The tensor's ``.grad`` like data_lines, or a short reason why there is none."""
    retains = tensor.is_leaf or getattr(tensor, "retains_grad", False)
    if not retains:
        # PyTorch warns when .grad of a non-leaf is read; say why instead.
        return ["not kept (non-leaf)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grad = tensor.grad
    return ["None"] if grad is None else data_lines(grad)


def _to_numpy(tensor: Any) -> np.ndarray:
    plain = tensor.detach()
    try:
        return np.asarray(plain.numpy())
    except (AttributeError, TypeError, RuntimeError):
        # e.g. bfloat16 or non-CPU tensors in PyTorch, which numpy() refuses
        return np.asarray(plain.tolist())


def array_lines(array: np.ndarray) -> list[str]:
    """An array's values as lines: in full when small, as mean/std/min/max when large."""
    if array.size <= FULL_PRINT_LIMIT:
        text = np.array2string(
            array,
            precision=4,
            suppress_small=True,
            separator=", ",
            max_line_width=60,
            floatmode="maxprec",
        )
        return text.splitlines()
    values = array.astype(np.float64)
    return [
        f"mean {values.mean():.4g}  std {values.std():.4g}",
        f"min {values.min():.4g}  max {values.max():.4g}",
    ]


def short_value_text(array: np.ndarray) -> str | None:
    """A value of at most SHORT_VALUE_LIMIT elements on one line ('3', '[1., 2.]'), else None.

    >>> short_value_text(np.array(3.0)), short_value_text(np.array([1.0, 2.0]))
    ('3', '[1., 2.]')
    """
    array = np.asarray(array)
    if array.size > SHORT_VALUE_LIMIT:
        return None
    if array.ndim == 0:
        item = array.item()
        return str(item) if isinstance(item, (bool, int)) else format(item, ".4g")
    text = np.array2string(
        array, precision=4, suppress_small=True, separator=", ", floatmode="maxprec"
    )
    # one line, without the padding numpy aligns columns with: '[ 0.1, 10. ]' -> '[0.1, 10.]'
    return _BRACKET_PADDING.sub("", " ".join(text.split()))


class RecordedValue:
    """A value no tensor holds any more, as minigrad's nodes record it
    (``grad_fn.forward_values()``): an intermediate result (with its grad_fn), or a constant
    input (grad_fn None, requires_grad False). PyTorch keeps no such value."""

    is_leaf = False
    retains_grad = False
    grad = None

    def __init__(self, grad_fn: Any, data: np.ndarray, requires_grad: bool = True) -> None:
        self.grad_fn = grad_fn
        self.requires_grad = requires_grad
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype

    def detach(self) -> RecordedValue:
        return self

    def numpy(self) -> np.ndarray:
        return self.data


def _forward_values(fn: Any) -> Any:
    forward_values = getattr(fn, "forward_values", None)
    return forward_values() if callable(forward_values) else None


def recorded_output(fn: Any) -> RecordedValue | None:
    """The output value a grad_fn recorded in the forward pass, where the engine keeps one."""
    values = _forward_values(fn)
    return None if values is None else RecordedValue(fn, values[1])


def recorded_input(fn: Any, position: int) -> np.ndarray | None:
    """The value of a grad_fn's input ``position`` in the forward pass, where kept."""
    values = _forward_values(fn)
    return None if values is None else np.asarray(values[0][position])
