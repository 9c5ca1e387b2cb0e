"""PyTorch-identical ``repr`` for tensors, ported from ``torch/_tensor_str.py`` to numpy.

Only dense, strided CPU tensors of the real dtypes minigrad supports are handled. The
functions mirror torch's private helpers one for one (``_Formatter``, ``_vector_str``,
``_tensor_str_with_formatter``, ``get_summarized_data``, ``_add_suffixes``) so the two
can be compared side by side; quirks are kept on purpose because the goal is byte
equality, not prettiness.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["format_data", "format_tensor", "get_printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    """Global print options; field names and defaults match torch's ``PRINT_OPTS``."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_NUMPY_DTYPES: dict[str, type[np.generic]] = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "bool": np.bool_,
}
_FLOAT_DTYPES = frozenset({"float16", "float32", "float64"})
# torch's default dtype; an empty tensor of any other dtype gets an explicit dtype= suffix.
_DEFAULT_DTYPE = "float32"
# Non-empty tensors of these dtypes print without dtype= (torch's `has_default_dtype`).
_IMPLICIT_DTYPES = frozenset({_DEFAULT_DTYPE, "int64", "bool"})


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set global print options, with the semantics of ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") resets precision, threshold, edgeitems and
    linewidth first; explicit arguments then override it. An unknown profile is ignored.
    ``sci_mode`` is always assigned, so omitting it restores automatic choice (None).
    """
    if profile == "default":
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = 4, math.inf, 3, 80

    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    # torch assigns this unconditionally, unlike the other options.
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict accepted by ``set_printoptions(**opts)``."""
    return dataclasses.asdict(_OPTS)


class _Formatter:
    """Chooses one number style and column width for every element of a tensor."""

    def __init__(self, data: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        flat = data.reshape(-1)
        if not floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        # Zeros, nan and inf print the same in every mode, so only these choose the mode.
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return

        # Python floats (doubles): float16 would overflow on 1e8 and the ratio may be inf.
        abs_min = float(np.abs(values).min())
        abs_max = float(np.abs(values).max())
        self.int_mode = bool(np.all(np.ceil(values) == values))
        if _OPTS.sci_mode is None:
            self.sci_mode = abs_max / abs_min > 1000.0 or abs_max > 1.0e8 or abs_min < 1.0e-4
        else:
            self.sci_mode = _OPTS.sci_mode

        precision = _OPTS.precision
        for value in values.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # +1 for the trailing "." marking a float
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _vector_str(data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    """Format a 1-D array, wrapping to the line width under a column of ``indent`` spaces."""
    element_length = formatter.max_width + 2  # each element is followed by ", "
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / element_length))
    edge = _OPTS.edgeitems

    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = (
            [formatter.format(v) for v in data[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in data[-edge:].tolist()]
        )
    else:
        items = [formatter.format(v) for v in data.tolist()]

    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(
    data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter
) -> str:
    """Recursively format ``data``; sub-blocks of a k-D array are separated by k-1 newlines."""
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, formatter)

    edge = _OPTS.edgeitems
    rows = data.shape[0]
    if summarize and rows > 2 * edge:
        slices = (
            [
                _tensor_str_with_formatter(data[i], indent + 1, summarize, formatter)
                for i in range(edge)
            ]
            + ["..."]
            + [
                _tensor_str_with_formatter(data[i], indent + 1, summarize, formatter)
                for i in range(rows - edge, rows)
            ]
        )
    else:
        slices = [
            _tensor_str_with_formatter(data[i], indent + 1, summarize, formatter)
            for i in range(rows)
        ]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(data: np.ndarray) -> np.ndarray:
    """Keep only the elements a summarised print shows, so they alone choose the format."""
    if data.ndim == 0:
        return data
    edge = _OPTS.edgeitems
    if data.ndim == 1:
        # With edge == 0 this keeps everything, since data[-0:] is the whole array (as in torch).
        if data.shape[0] > 2 * edge:
            return np.concatenate((data[:edge], data[-edge:]))
        return data
    if not edge:
        return np.empty((0,) * data.ndim, dtype=data.dtype)
    rows = data.shape[0]
    if rows > 2 * edge:
        kept = [data[i] for i in range(edge)] + [data[i] for i in range(rows - edge, rows)]
    else:
        kept = list(data)
    return np.stack([_summarized_data(row) for row in kept])


def _tensor_str(data: np.ndarray, indent: int, floating: bool) -> str:
    """Format the bracketed body of a non-empty tensor."""
    summarize = data.size > _OPTS.threshold
    formatter = _Formatter(_summarized_data(data) if summarize else data, floating)
    return _tensor_str_with_formatter(data, indent, summarize, formatter)


def _add_suffixes(tensor_str: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, suffix`` parts, moving one to its own line when it would pass the width."""
    parts = [tensor_str]
    # torch's off-by-some arithmetic (rfind returns -1 on one-line strings) kept verbatim.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(data: np.ndarray, dtype_name: str, suffixes: Sequence[str] = ()) -> str:
    """Return PyTorch's repr of a tensor holding ``data``.

    ``dtype_name`` is the torch dtype name without prefix ("float32", "float64", "float16",
    "int64", "int32", "int16", "int8", "uint8" or "bool"); ``data`` is converted to that
    dtype first, so the printed values are what such a tensor would hold. ``suffixes`` are
    extra keyword parts already formatted, e.g. ``["requires_grad=True"]`` or
    ``["grad_fn=<SubBackward0>"]``; they follow any size=/dtype= part, as in PyTorch.
    """
    if dtype_name not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype name {dtype_name!r}")
    arr = np.asarray(data, dtype=_NUMPY_DTYPES[dtype_name])

    prefix = "tensor("
    indent = len(prefix)
    parts: list[str] = []
    if arr.size == 0:
        # Only (0,) is implied by "[]"; any other empty shape is spelled out.
        if arr.ndim != 1:
            parts.append(f"size={tuple(arr.shape)}")
        # No element can hint that an empty tensor is integral, so only float32 is implicit.
        if dtype_name != _DEFAULT_DTYPE:
            parts.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            parts.append(f"size={tuple(arr.shape)}")
        if dtype_name not in _IMPLICIT_DTYPES:
            parts.append(f"dtype=torch.{dtype_name}")
        body = _tensor_str(arr, indent, dtype_name in _FLOAT_DTYPES)
    parts.extend(suffixes)
    return _add_suffixes(prefix + body, parts, indent)


def format_data(
    data: np.ndarray, *, threshold: int = 1000, edgeitems: int = 3, linewidth: int = 80
) -> str:
    """The values of ``data`` as PyTorch prints them inside ``tensor(...)``, without the wrapper.

    ``threshold``, ``edgeitems`` and ``linewidth`` act as in ``set_printoptions``, for this
    call only: a drawing's box or a widget's column can summarise sooner than a printout.

    >>> print(format_data(np.array([[1.0, 2.5], [3.0, -4.0]])))
    [[ 1.0000,  2.5000],
     [ 3.0000, -4.0000]]
    """
    global _OPTS
    arr = np.asarray(data)
    if arr.size == 0:
        return "[]"
    saved = _OPTS
    _OPTS = dataclasses.replace(
        saved, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth
    )
    try:
        return _tensor_str(arr, 0, arr.dtype.kind == "f")
    finally:
        _OPTS = saved
