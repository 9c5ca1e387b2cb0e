"""``Tensor``: a numpy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

The methods for ops (``t.mul``, ``t * u``, ``t.sum()`` …) are not written here: each op
function in ``minigrad/ops`` names its methods with ``@tensor_method``, so that every op is
defined exactly once.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator, Sequence
from numbers import Number
from typing import Any

import numpy as np

from minigrad import _dtype, _printing, autograd
from minigrad._dtype import dtype
from minigrad._size import Size, wrap_dim
from minigrad.autograd import grad_mode
from minigrad.autograd.graph import AccumulateGrad, Node, RemovableHandle

_DEEPCOPY_NON_LEAF = (
    "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at "
    "the moment.  If you were attempting to deepcopy a module, this may be because of a "
    "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001"
)
_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)


class _Version:
    """How many times a tensor's memory was modified in place; shared by a tensor and its views."""

    __slots__ = ("value", "history")

    def __init__(self) -> None:
        self.value = 0
        self.history = 0  # in-place ops that gave the memory's owner a new grad_fn


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    >>> a = torch.tensor([2.0, 3.0], requires_grad=True)
    >>> (a * a).sum().backward(); a.grad
    tensor([4., 6.])
    """

    # what every op reads or sets; the rest are class defaults until a tensor needs its own
    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad",
        "grad_fn",
        "_version_counter",
        "_base",
        "_accumulator",  # a leaf's AccumulateGrad, made when first needed
        "__dict__",
        "__weakref__",
    )
    _view_of_history = 0  # a view: its base's history count when the view was taken
    _post_accumulate_grad_hooks: list | None = None
    _output_nr = 0  # which output of its grad_fn this tensor is (split makes several)
    _inference = False  # made inside inference_mode

    _data: np.ndarray
    _grad: Tensor | None
    grad_fn: Any

    # numpy defers to Tensor's operators: ``np.float64(2) * t`` is a tensor, with history
    __array_ufunc__ = None

    def __new__(cls, *args: Any) -> Tensor:
        """PyTorch's legacy constructor: ``Tensor([1, 2])``, or ``Tensor(2, 3)`` (zeros here,
        where PyTorch leaves the memory unset), always float32."""
        if len(args) == 1 and not isinstance(args[0], int):
            return cls._make(np.array(args[0], dtype=np.float32))
        return cls._make(np.zeros(args, dtype=np.float32))

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap ``data`` without copying or checking (the fast path used by ops)."""
        tensor = object.__new__(cls)
        tensor._data = data
        tensor._requires_grad = requires_grad
        tensor._grad = tensor.grad_fn = tensor._version_counter = tensor._base = None
        tensor._accumulator = None
        if grad_mode.state.inference:
            tensor._inference = True
        return tensor

    def _plain(self, data: np.ndarray) -> Tensor:
        """A tensor without history holding ``data``: a plain Tensor even when ``self`` is a
        ``Parameter`` (what a gradient is, as in PyTorch)."""
        return Tensor._make(data)

    # -- properties -------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same memory as a tensor without history."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def dtype(self) -> dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward() accumulated here: filled for leaves (and retain_grad())."""
        if self.grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.c_name}' to a "
                    f"tensor with grad_dtype '{self.dtype.title}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any "
                    "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
                    "gradient may break downstream systems that assume they match."
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op: the ones whose ``.grad`` gets filled."""
        return self.grad_fn is None

    def _is_view(self) -> bool:
        """True for a tensor that shares another's memory (``_base``), as PyTorch's."""
        return self._base is not None

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is: 0, except for ``split`` and the
        other ops that make several tensors."""
        return self._output_nr

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and not self._data.dtype.kind == "f":  # PyTorch words each path its own way
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf tensor, in place."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self._data.dtype.kind == "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._inference and not grad_mode.state.inference:
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not "
                "allowed."
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retains(self._output_nr)

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was modified in place."""
        counter = self._version_counter
        return 0 if counter is None else counter.value

    def _shared_version(self) -> _Version:
        """The version counter, made on first need (most tensors are never modified)."""
        if self._version_counter is None:
            self._version_counter = _Version()
        return self._version_counter

    def _bump_version(self) -> None:
        """Record that this tensor's memory was modified in place."""
        self._shared_version().value += 1

    # -- autograd ---------------------------------------------------------------------------
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Tensor | Sequence[Tensor] | None = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to the graph's leaves into ``.grad``."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same memory as a new leaf without history."""
        out = Tensor._make(self._data)
        out._version_counter = self._shared_version()
        out._inference = self._inference  # a view: an inference tensor only if self is one
        return out

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A leaf of its own: the values, ``requires_grad`` and ``.grad`` copied (its graph
        and its AccumulateGrad are not), as in PyTorch; a tensor with history is refused."""
        if self.grad_fn is not None:
            raise RuntimeError(_DEEPCOPY_NON_LEAF)
        copied = type(self)._make(self._data.copy(), self._requires_grad)
        memo[id(self)] = copied
        if self._grad is not None and type(self) is Tensor:  # (a Parameter's is not copied)
            copied._grad = copy.deepcopy(self._grad, memo)
        return copied

    def detach_(self) -> Tensor:
        """Cut this tensor from its history, in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None and not self.retains_grad:
            self.grad_fn._retain(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn or self._accumulate_grad()  # kept by the node the gradient reaches
        return RemovableHandle(node._tensor_hooks(self._output_nr), hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(self)`` on this leaf each time backward has added into its ``.grad``
        (e.g. to take an optimizer step there); ``hook`` returns None.

        >>> w.register_post_accumulate_grad_hook(lambda t: print(t.grad))  # doctest: +SKIP
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        return RemovableHandle(self._post_accumulate_grad_hooks, hook)

    def is_inference(self) -> bool:
        """True for a tensor made inside ``torch.inference_mode()``; a view (or ``detach()``)
        made there of a tensor from outside is not one, as in PyTorch."""
        return self._inference

    def _grad_node(self) -> Node | None:
        """Where this tensor's gradient goes: its grad_fn, its AccumulateGrad, or nowhere."""
        node = self.grad_fn
        if node is None:
            if not self._requires_grad:
                return None
            return self._accumulator or self._accumulate_grad()
        elif self._base is not None and self._version_counter.history != self._view_of_history:
            raise RuntimeError(
                "This view was taken before an in-place operation gave its base tensor a new "
                "history, so its own history is out of date and gradients through it would be "
                "wrong. Take the view again after the in-place operation (or compute out of "
                "place, e.g. `y = y * 3` instead of `y.mul_(3)`)."
            )
        return node

    def _accumulate_grad(self) -> AccumulateGrad:
        """This leaf's AccumulateGrad node, made on first need and kept for the leaf's life.

        The node holds the leaf only weakly, and every recorded op that takes the leaf holds
        it (``Function._leaves``), so a graph keeps its leaves alive, as in PyTorch, without
        a reference cycle that only Python's slow collector would free.
        """
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    # -- conversion -------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a numpy array sharing memory."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self) -> bool | int | float:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists."""
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self) -> bool | int | float:
        """The one value, for float(), int() and format(): Python's kind of error otherwise."""
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            how_many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {how_many} is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        suffixes = []
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{type(self.grad_fn).__name__}>")  # as PyTorch prints it
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return _printing.format_tensor(self._data, self.dtype.name, suffixes)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss}"``, ``f"{loss:.3f}"``), as in
        PyTorch; any other tensor as its repr, and only without a format spec."""
        if self._data.ndim == 0:
            return format(self._scalar(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def _wrap_dim(self, dim: int) -> int:
        """``dim`` as a non-negative index, with PyTorch's error when out of range."""
        return wrap_dim(dim, self._data.ndim)


def share_memory(view: Tensor, source: Tensor) -> None:
    """``view`` shares ``source``'s memory: in-place changes to either count for both."""
    view._version_counter = counter = source._shared_version()
    view._base = source if source._base is None else source._base
    view._view_of_history = counter.history
    view._inference = source._inference  # (PyTorch: a view is what its base is)


def tensor_method(
    *names: str, operator: bool = False, is_property: bool = False
) -> Callable[[Any], Any]:
    """Make the decorated op function ``Tensor.<name>`` for each of ``names`` (a property
    such as ``t.T`` when ``is_property``).

    An ``operator`` method (``__mul__``) returns NotImplemented for an operand that is not a
    tensor or a number, so that Python raises its usual TypeError (``t * "a"``).
    """

    def attach(function: Any) -> Any:
        method = property(function) if is_property else function
        for name in names:
            setattr(Tensor, name, _as_operator(function, name) if operator else method)
        return function

    return attach


PYTHON_NUMBERS = (int, float, bool)


def is_number(value: object) -> bool:
    """True for Python numbers and numpy scalars: what may stand beside a tensor in arithmetic."""
    if type(value) in PYTHON_NUMBERS:
        return True
    return isinstance(value, (Number, np.bool_)) and not isinstance(value, complex)


def _as_operator(function: Any, name: str) -> Any:
    numbers = name != "__matmul__"  # ``t * 2`` is arithmetic; ``t @ 2`` is refused

    def method(self: Tensor, other: Any) -> Any:
        if isinstance(other, Tensor):
            return function(self, other)
        if numbers and is_number(other):
            return function(self, other)
        return NotImplemented

    method.__name__ = name
    method.__doc__ = function.__doc__
    return method
