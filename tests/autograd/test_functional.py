"""``autograd.functional``: Jacobians for one or several inputs and outputs, Hessians, vJPs."""

from __future__ import annotations

import minigrad as torch

F = torch.autograd.functional


def test_jacobian_of_one_output_and_one_input() -> None:
    assert F.jacobian(lambda x: x**2, torch.tensor([1.0, 2.0])).tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_jacobian_of_an_output_that_does_not_depend_on_the_input_is_zero() -> None:
    assert F.jacobian(lambda x: torch.ones(2), torch.tensor([1.0, 2.0])).tolist() == [[0.0] * 2] * 2


def test_jacobian_with_several_outputs_and_inputs() -> None:
    a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])
    per_output = F.jacobian(lambda x: (x**2, x.sum()), a)
    assert [j.tolist() for j in per_output] == [[[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0]]
    blocks = F.jacobian(lambda x, y: (x * y.sum(), y), (a, b))
    assert [[tuple(block.shape) for block in row] for row in blocks] == [
        [(2, 2), (2, 3)],
        [(3, 2), (3, 3)],
    ]
    assert blocks[0][1].tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]


def test_hessian_and_vjp() -> None:
    x = torch.tensor([1.0, 2.0])
    assert F.hessian(lambda t: (t**3).sum(), x).tolist() == [[6.0, 0.0], [0.0, 12.0]]
    out, pulled = F.vjp(lambda t: t**2, x, torch.tensor([1.0, 10.0]))
    assert out.tolist() == [1.0, 4.0] and pulled.tolist() == [2.0, 40.0]
