"""What a shape argument becomes: sizes given as ints or one sequence, a ``-1`` filled in,
with PyTorch's errors (used by views and by the creation functions)."""

from __future__ import annotations

import numpy as np


def sizes(function: str, args: tuple, argument: str = "size") -> tuple[int, ...]:
    """Sizes given as separate ints or as one sequence, with PyTorch's TypeError otherwise."""
    if len(args) == 1 and not is_int(args[0]):
        if not isinstance(args[0], (tuple, list)):
            raise TypeError(
                f"{function}(): argument '{argument}' (position 1) must be tuple of ints, "
                f"not {type(args[0]).__name__}"
            )
        args = tuple(args[0])
    for position, size in enumerate(args):
        if not is_int(size):
            raise TypeError(
                f"{function}(): argument '{argument}' failed to unpack the object at pos "
                f'{position + 1} with error "type must be tuple of ints,but got '
                f'{type(size).__name__}"'
            )
    return tuple(int(s) for s in args)


def is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill in one ``-1``; PyTorch's errors (in its order) when the shape cannot hold
    ``numel`` elements."""
    inferred = None
    known = 1
    for index, size in enumerate(shape):
        if size == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = index
        elif size >= 0:
            known *= size
        else:
            raise RuntimeError(
                f"invalid shape dimension {size} at index {index} of shape {listed(shape)}"
            )
    if inferred is None and known == numel:
        return shape
    if inferred is not None and (known == numel or (known > 0 and numel % known == 0)):
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {listed(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        return shape[:inferred] + (numel // known,) + shape[inferred + 1 :]
    raise RuntimeError(f"shape '{listed(shape)}' is invalid for input of size {numel}")


def listed(sizes: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, sizes))}]"


def int_tuple(
    function: str, argument: str, position: int, value: object, single: bool = False
) -> tuple[int, ...]:
    """A sequence of ints (or, when ``single``, one int) as a tuple, with PyTorch's TypeError
    otherwise."""
    if single and is_int(value):
        return (int(value),)
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{function}(): argument '{argument}' (position {position}) must be tuple of ints, "
            f"not {type(value).__name__}"
        )
    for index, item in enumerate(value):
        if not is_int(item):
            raise TypeError(
                f"{function}(): argument '{argument}' (position {position}) must be tuple of "
                f"ints, but found element of type {type(item).__name__} at pos {index}"
            )
    return tuple(int(item) for item in value)
