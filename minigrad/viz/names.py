"""Which tensor is drawn under which name: the names= argument, or the caller's variables.

>>> import torch
>>> w = torch.ones(1)
>>> named_tensors({"w": w, "_": w, "n": 3})[0][0]
'w'
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from .tensors import is_tensor, type_name


def caller_names(depth: int = 1) -> dict[str, Any]:
    """The tensors among a caller's variables, by name: its globals, then its locals.

    depth 1 is the code that called the function calling caller_names(): a notebook cell
    for ``draw(Q)``. Names starting with '_' and values that are not tensors are skipped.

    >>> import torch
    >>> def labels():
    ...     return caller_names()
    >>> w, _hidden = torch.ones(1), torch.ones(1)
    >>> "w" in labels(), "_hidden" in labels(), "torch" in labels()
    (True, False, False)
    """
    frame = sys._getframe(depth + 1)
    variables = {**frame.f_globals, **frame.f_locals}
    return {name: value for name, value in variables.items() if _is_label(name, value)}


def _is_label(name: str, value: Any) -> bool:
    # skipping '_…' and non-tensors lets names=globals() work in Jupyter (_, _3, Out…)
    return not name.startswith("_") and is_tensor(value)


def named_tensors(names: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """The (name, tensor) pairs of a names= dict, in its order; others skipped, see _is_label."""
    if names is None:
        return []
    if not isinstance(names, Mapping):
        raise TypeError(f"names must be a dict like {{'w': w}}, got {type_name(names)}")
    pairs = []
    for name, tensor in names.items():
        if not isinstance(name, str):
            raise TypeError(
                "names must map a name to a tensor, like {'w': w}; "
                f"got a key of type {type_name(name)}"
            )
        if _is_label(name, tensor):
            pairs.append((name, tensor))
    return pairs
