"""PyTorch's autograd tutorial (shared/seed/autograd_tutorial.txt), run with minigrad in place of
torch: every cell must print what the tutorial shows. Cells drawing random numbers are compared
with the numbers masked (minigrad has its own generator); object addresses are always masked.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

import pytest

import minigrad

# (code, output as printed in the tutorial, whether its numbers are random)
CELLS = [
    (
        "a = torch.tensor([2.0, 3.0], requires_grad=True)\nprint(a)",
        "tensor([2., 3.], requires_grad=True)",
        False,
    ),
    (
        "b = torch.tensor([6.0, 4.0], requires_grad=True)\nprint(b)",
        "tensor([6., 4.], requires_grad=True)",
        False,
    ),
    ("Q = 3*a**3 - b**2\nprint(Q)", "tensor([-12.,  65.], grad_fn=<SubBackward0>)", False),
    ("external_grad = torch.tensor([1., 1.])\nQ.backward(gradient=external_grad)", "", False),
    (
        "print(a.grad)\nprint(b.grad)\n\nprint(9*a**2 == a.grad)\nprint(-2*b == b.grad)",
        "tensor([36., 81.])\ntensor([-12.,  -8.])\ntensor([True, True])\ntensor([True, True])",
        False,
    ),
    (
        "shape = (3,1)\nx = torch.randn(shape, requires_grad=True)\nprint(x)",
        "tensor([[ 2.1829],\n        [-0.0914],\n        [ 0.7154]], requires_grad=True)",
        True,
    ),
    (
        "y = x+1\nprint(y)\nprint(y.requires_grad)\nprint(y.grad_fn)",
        "tensor([[3.1829],\n        [0.9086],\n        [1.7154]], grad_fn=<AddBackward0>)\nTrue\n"
        "<AddBackward0 object at 0x7f2c10cea9b0>",
        True,
    ),
    (
        "z = y**2 + 3\nprint(z)\nprint(z.requires_grad)\nprint(z.grad_fn)\n"
        "print(z.grad_fn.next_functions)\nprint(z.grad_fn.next_functions[0][0].next_functions)",
        "tensor([[13.1306],\n        [ 3.8255],\n        [ 5.9425]], grad_fn=<AddBackward0>)\nTrue\n"
        "<AddBackward0 object at 0x7f2c10cea440>\n"
        "((<PowBackward0 object at 0x7f2c10cebbe0>, 0), (None, 0))\n"
        "((<AddBackward0 object at 0x7f2c10cea440>, 0),)",
        True,
    ),
    (
        "x = torch.rand(5, 5)\ny = torch.rand(5, 5)\nz = torch.rand((5, 5), requires_grad=True)\n\n"
        'a = x + y\nprint(f"Does `a` require gradients? : {a.requires_grad}")\nb = x + z\n'
        'print(f"Does `b` require gradients?: {b.requires_grad}")',
        "Does `a` require gradients? : False\nDoes `b` require gradients?: True",
        False,
    ),
    ("with torch.no_grad():\n    c = x + z\nprint(c.requires_grad)", "False", False),
    ("d = x + z\nd_detached = d.detach()\nprint(d_detached.requires_grad)", "False", False),
    (
        "sample_size = 2\nnumber_features = 3\n\n"
        "x = torch.arange(sample_size*number_features).reshape(sample_size, number_features) * 1.0\n"
        "print(x)\n\ntarget = torch.arange(2, sample_size+2).reshape(sample_size, 1) * 1.0\n"
        "print(target)",
        "tensor([[0., 1., 2.],\n        [3., 4., 5.]])\ntensor([[2.],\n        [3.]])",
        False,
    ),
    (
        "w = torch.ones((3,1), requires_grad=True)\nprint(w)\nprint(w.grad)",
        "tensor([[1.],\n        [1.],\n        [1.]], requires_grad=True)\nNone",
        False,
    ),
    (
        "output = x.matmul(w)\nprint(output)\nprint(output.grad_fn)",
        "tensor([[ 3.],\n        [12.]], grad_fn=<MmBackward0>)\n<MmBackward0 object at 0x7f2c10d20640>",
        False,
    ),
    (
        "loss = ((output - target)**2).mean()\nprint(loss)",
        "tensor(41., grad_fn=<MeanBackward0>)",
        False,
    ),
    ("loss.backward()", "", False),
    ("print(w.grad)", "tensor([[27.],\n        [37.],\n        [47.]])", False),
    (
        "def update_parameter(w, learning_rate=0.1):\n    with torch.no_grad():\n"
        "        w.add_(w.grad, alpha=-1*learning_rate)",
        "",
        False,
    ),
    ("update_parameter(w, 0.01)", "", False),
    (
        "print(w)",
        "tensor([[0.7300],\n        [0.6300],\n        [0.5300]], requires_grad=True)",
        False,
    ),
    (
        "a = torch.tensor([2.0, 3.0], requires_grad=True)\n"
        "b = torch.tensor([6.0, 4.0], requires_grad=True)\nQ = 3*a**3 - b**2\nprint(Q)",
        "tensor([-12.,  65.], grad_fn=<SubBackward0>)",
        False,
    ),
    (
        "external_grad = torch.tensor([1., 1.])\nQ.backward(gradient=external_grad)\nprint(a.grad)",
        "tensor([36., 81.])",
        False,
    ),
    ("a.grad.zero_()", "tensor([0., 0.])", False),
]


def run_cell(code: str, namespace: dict) -> str:
    """Run ``code`` as a notebook would: printed text plus the repr of a final expression."""
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<cell>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
            if value is not None:
                print(repr(value))
    return out.getvalue().rstrip("\n")


def mask(text: str, numbers: bool) -> str:
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    if numbers:
        text = re.sub(r"-?\d+\.\d+", "N", text).replace(" N", "N").replace("[N", "[N")
        text = re.sub(r"\s+", " ", text)
    return text


def test_the_tutorial_prints_what_pytorch_prints() -> None:
    namespace: dict = {"torch": minigrad}
    minigrad.manual_seed(0)
    for code, expected, random in CELLS:
        printed = run_cell(code, namespace)
        assert mask(printed, random) == mask(expected, random), code


def test_node_identity_matches_the_tutorial() -> None:
    """The tutorial's point in cell 9: the AddBackward0 below PowBackward0 *is* y.grad_fn."""
    namespace: dict = {"torch": minigrad}
    for code, _, _ in CELLS[5:8]:
        run_cell(code, namespace)
    z, y = namespace["z"], namespace["y"]
    assert z.grad_fn.next_functions[0][0].next_functions[0][0] is y.grad_fn


@pytest.mark.parametrize("seed", [0, 1])
def test_random_cells_are_reproducible(seed: int) -> None:
    minigrad.manual_seed(seed)
    first = repr(minigrad.randn((3, 1), requires_grad=True))
    minigrad.manual_seed(seed)
    assert repr(minigrad.randn((3, 1), requires_grad=True)) == first
