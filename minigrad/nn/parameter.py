"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable values."""

from __future__ import annotations

import numpy as np

from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor a module learns: assigned to a module's attribute, it is listed by
    ``parameters()`` and saved by ``state_dict()``. It requires grad unless told otherwise,
    and shares its memory with the tensor it was made from.

    >>> torch.nn.Parameter(torch.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = Tensor._make(np.empty(0, dtype=np.float32))
        parameter = cls._make(data._data, False)
        parameter._version_counter = data._shared_version()
        parameter.requires_grad_(requires_grad)
        return parameter

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
