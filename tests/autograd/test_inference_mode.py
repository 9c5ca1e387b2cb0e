"""``torch.inference_mode``, ``torch.is_inference_mode_enabled`` and ``Tensor.is_inference``
against PyTorch: the same switches inside and outside, as a context manager and as a
decorator, and the same tensors marked as inference tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import minigrad

torch = pytest.importorskip("torch")


def modes(L: Any) -> tuple[bool, bool]:
    return L.is_grad_enabled(), L.is_inference_mode_enabled()


def _nesting(L: Any) -> list:
    found = [modes(L)]
    with L.inference_mode():
        found.append(modes(L))
        with L.inference_mode(False):
            found.append(modes(L))
        with L.no_grad():
            found.append(modes(L))
        found.append(modes(L))
    found.append(modes(L))
    with L.no_grad():
        with L.inference_mode(False):  # switches grad mode back on, as in PyTorch
            found.append(modes(L))
        with L.inference_mode():
            found.append(modes(L))
        found.append(modes(L))
    with L.autograd.inference_mode(mode=True):
        found.append(modes(L))
    return found


def _decorators(L: Any) -> list:
    @L.inference_mode
    def bare() -> tuple[bool, bool]:
        return modes(L)

    @L.inference_mode()
    def called() -> tuple[bool, bool]:
        return modes(L)

    @L.inference_mode(False)
    def off() -> tuple[bool, bool]:
        return modes(L)

    with L.inference_mode():
        off_inside = off()
    return [bare(), called(), off(), off_inside, modes(L), bare.__name__, called.__doc__]


def _restored_after_an_error(L: Any) -> list:
    try:
        with L.inference_mode():
            raise KeyError("inside")
    except KeyError:
        pass
    return [modes(L)]


def _tensors(L: Any) -> list:
    x, w = L.ones(2), L.ones(2, requires_grad=True)
    with L.inference_mode():
        made = {
            "op": x * 2,
            "op_on_requires_grad": w * 2,
            "factory": L.zeros(3),
            "factory_requires_grad": L.ones(2, requires_grad=True),
            "view_of_normal": x.view(2),
            "detach_of_normal": x.detach(),
            "index_of_normal": x[0],
        }
    inner = made["op"]
    made["view_of_inference_outside"] = inner.view(2)
    made["op_on_inference_outside"] = inner + 1
    made["made_outside"] = x * 2
    with L.inference_mode(False):
        made["made_with_mode_false"] = x * 2
    return [
        (name, t.is_inference(), t.requires_grad, t.grad_fn is None) for name, t in made.items()
    ]


CASES: dict[str, Callable[[Any], Any]] = {
    "nesting": _nesting,
    "decorators": _decorators,
    "restored_after_an_error": _restored_after_an_error,
    "tensors": _tensors,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_as_torch(case: str) -> None:
    assert CASES[case](minigrad) == CASES[case](torch)


def test_nothing_is_recorded_inside() -> None:
    w = minigrad.ones(2, requires_grad=True)
    with minigrad.inference_mode():
        y = (w * 3).sum()
    assert not y.requires_grad and y.grad_fn is None and y.is_inference()
    z = (w * 3).sum()
    assert z.requires_grad and not z.is_inference()


def _outcome(action: Callable[[], Any]) -> tuple[str, str]:
    try:
        return "ok", repr(action())
    except RuntimeError as error:
        return "RuntimeError", str(error)


def _inference_tensors_outside(L: Any) -> list:
    """What an inference tensor may do once the block is left: be read and computed with,
    but not saved for backward, made to require grad, or changed in place."""
    with L.inference_mode():
        made = L.ones(2)
        changed = L.ones(2)
    w = L.ones(2, requires_grad=True)
    actions = [
        lambda: w * made,  # saved: made is needed for w's gradient
        lambda: (w * 2) + made,  # not saved: addition needs no input for its gradient
        lambda: made.exp(),
        lambda: made[0],
        lambda: L.matmul(w, made),
        lambda: made.clone().requires_grad_(),
        lambda: made.requires_grad_(),
        lambda: setattr(made, "requires_grad", True),
    ]
    seen = [_outcome(action) for action in actions]
    seen.append(_outcome(lambda: changed.add_(1)))  # (PyTorch writes before it refuses)
    with L.inference_mode():
        made.add_(1)  # inside the block it may
    seen.append(repr(made))
    return seen


def test_inference_tensors_outside_the_block_match_pytorch() -> None:
    assert _inference_tensors_outside(minigrad) == _inference_tensors_outside(torch)
