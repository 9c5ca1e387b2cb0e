"""minigrad's losses, softmax and log_softmax against PyTorch's: values, gradients, node
names, warnings and errors, for the modules and their nn.functional versions."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((5, 4)).astype(np.float32) * 3
CLASSES = np.array([1, 0, 3, 3, 2])
PROBS = RNG.dirichlet(np.ones(4), 5).astype(np.float32)
BINARY = (RNG.random((5, 4)) < 0.5).astype(np.float32)


def outcome(body: Any, L: Any) -> tuple[str, str]:
    try:
        return "ok", ADDRESS.sub("0x…", repr(body(L)))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, str(error)


def run(body: Any, L: Any, dtype: str) -> tuple[Any, ...]:
    """``body(L, x)`` for a leaf x of LOGITS, then backward: loss, x.grad, node name."""
    x = L.tensor(LOGITS, dtype=getattr(L, dtype), requires_grad=True)
    loss = body(L, x)
    loss.backward(L.ones_like(loss))
    return loss.detach().numpy(), x.grad.numpy(), loss.grad_fn.name()


def t(L: Any, array: np.ndarray, **kwargs: Any) -> Any:
    return L.tensor(array, **kwargs)


CASES = {
    "log_softmax": lambda L, x: L.nn.functional.log_softmax(x, dim=1),
    "log_softmax_dim0": lambda L, x: x.log_softmax(0),
    "softmax": lambda L, x: L.softmax(x, -1),
    "softmax_method": lambda L, x: x.softmax(dim=0),
    "cross_entropy": lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES)),
    "cross_entropy_module_sum": lambda L, x: L.nn.CrossEntropyLoss(reduction="sum")(
        x, t(L, CLASSES)
    ),
    "cross_entropy_none": lambda L, x: L.nn.functional.cross_entropy(
        x, t(L, CLASSES), reduction="none"
    ),
    "cross_entropy_weight_ignore": lambda L, x: L.nn.CrossEntropyLoss(
        weight=t(L, [1.0, 2.0, 0.5, 3.0], dtype=x.dtype), ignore_index=3
    )(x, t(L, CLASSES)),
    "cross_entropy_unbatched": lambda L, x: L.nn.functional.cross_entropy(x[2], t(L, 3)),
    "cross_entropy_probabilities": lambda L, x: L.nn.functional.cross_entropy(
        x, t(L, PROBS, dtype=x.dtype)
    ),
    "cross_entropy_probabilities_none": lambda L, x: L.nn.functional.cross_entropy(
        x, t(L, PROBS, dtype=x.dtype), reduction="none"
    ),
    "nll_loss": lambda L, x: L.nn.functional.nll_loss(x, t(L, CLASSES)),
    "nll_loss_byte_target": lambda L, x: L.nn.functional.nll_loss(
        x, t(L, CLASSES, dtype=L.uint8), reduction="sum"
    ),
    "nll_loss_3d": lambda L, x: L.nn.functional.nll_loss(
        x.reshape(5, 2, 2), t(L, [[0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    ),
    "mse": lambda L, x: L.nn.MSELoss()(x, t(L, PROBS, dtype=x.dtype)),
    "mse_sum": lambda L, x: L.nn.functional.mse_loss(
        x, t(L, PROBS, dtype=x.dtype), reduction="sum"
    ),
    "mse_none": lambda L, x: L.nn.MSELoss(reduction="none")(x, t(L, PROBS, dtype=x.dtype)),
    "bce_logits": lambda L, x: L.nn.BCEWithLogitsLoss()(x, t(L, BINARY, dtype=x.dtype)),
    "bce_logits_soft_targets": lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(
        x, t(L, PROBS, dtype=x.dtype), reduction="sum"
    ),
    "bce_logits_weights": lambda L, x: L.nn.BCEWithLogitsLoss(
        weight=t(L, [0.5, 1.0, 2.0, 1.5], dtype=x.dtype),
        pos_weight=t(L, [3.0, 1.0, 0.25, 2.0], dtype=x.dtype),
        reduction="none",
    )(x, t(L, BINARY, dtype=x.dtype)),
}


# PyTorch divides by the batch size as a C++ number (DivBackward1); minigrad's one division
# of a tensor by a number is DivBackward0
NAMED_OTHERWISE = {"cross_entropy_probabilities": ("DivBackward0", "DivBackward1")}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_gradients_and_node_names(name: str, dtype: str) -> None:
    """Equal to float32 (float64) rounding: exp and log differ in the last bit between
    PyTorch's vectorised kernels and numpy, and log_softmax's result carries the rounding of
    its largest terms (hence atol)."""
    ours, theirs = run(CASES[name], minigrad, dtype), run(CASES[name], torch, dtype)
    assert (ours[2], theirs[2]) == NAMED_OTHERWISE.get(name, (theirs[2], theirs[2]))
    assert ours[0].dtype == theirs[0].dtype and ours[0].shape == theirs[0].shape
    rtol, atol = (2e-6, 5e-7) if dtype == "float32" else (1e-13, 1e-15)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=atol)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=rtol, atol=atol)


def test_target_gradients() -> None:
    """mse_loss and binary_cross_entropy_with_logits differentiate their target too."""

    def body(L: Any) -> list[np.ndarray]:
        x = L.tensor(LOGITS, requires_grad=True)
        y = L.tensor(PROBS, requires_grad=True)
        z = L.tensor(PROBS, requires_grad=True)
        pos = L.tensor([3.0, 1.0, 0.25, 2.0])
        loss = L.nn.functional.mse_loss(x, y) + L.nn.functional.binary_cross_entropy_with_logits(
            x, z, pos_weight=pos
        )
        loss.backward()
        return [x.grad.numpy(), y.grad.numpy(), z.grad.numpy()]

    for mine, yours in zip(body(minigrad), body(torch), strict=True):
        np.testing.assert_allclose(mine, yours, rtol=2e-6, atol=1e-7)


def test_saved_values_read_as_pytorchs() -> None:
    def body(L: Any) -> Any:
        x = L.tensor(LOGITS, requires_grad=True)
        loss = L.nn.functional.cross_entropy(x, t(L, CLASSES))
        node, inner = loss.grad_fn, loss.grad_fn.next_functions[0][0]
        return (
            node._saved_reduction, node._saved_target.tolist(), node._saved_weight,
            float(node._saved_total_weight), inner.name(), inner._saved_dim,
        )  # fmt: skip

    assert body(minigrad) == body(torch)


def test_mse_warns_about_broadcasting_as_pytorch() -> None:
    def body(L: Any) -> Any:
        x = L.zeros(4, 1, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = L.nn.MSELoss()(x, L.arange(4.0))
        loss.backward()
        return [str(w.message) for w in caught], loss.item(), x.grad.tolist()

    assert body(minigrad) == body(torch)


@pytest.mark.parametrize(
    "body",
    [
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES.astype(np.float32))),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES[:2])),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES[:, None])),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, [1, 0, 4, 0, 1])),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, [1, 0, -1, 0, 1])),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES, dtype=L.int32)),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, 2)),
        lambda L, x: L.nn.functional.cross_entropy(x, t(L, CLASSES), reduction="avg"),
        lambda L, x: L.nn.functional.cross_entropy(
            x, t(L, CLASSES.reshape(5, 1) * np.ones(4, int))
        ),
        lambda L, x: L.nn.functional.nll_loss(x.reshape(5, 2, 2), t(L, CLASSES)),
        lambda L, x: L.nn.functional.mse_loss(x, L.zeros(5)),
        lambda L, x: L.nn.MSELoss(reduction="mean ")(x, x),
        lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(x, L.zeros(5)),
        lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(x, L.zeros(5, 4).long()),
        lambda L, x: L.nn.BCEWithLogitsLoss(reduction="all")(x, L.zeros(5, 4)),
    ],
)
def test_bad_targets_get_pytorchs_errors(body: Any) -> None:
    def with_logits(L: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return body(L, L.tensor(LOGITS, requires_grad=True))

    expected = outcome(with_logits, torch)
    assert expected[0] != "ok"
    assert outcome(with_logits, minigrad) == expected


def test_softmax_without_dim_warns_and_guesses() -> None:
    def body(L: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = L.nn.functional.softmax(L.tensor(LOGITS))
        return [str(w.message) for w in caught], out.sum(1).tolist()

    ours, theirs = body(minigrad), body(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1])
