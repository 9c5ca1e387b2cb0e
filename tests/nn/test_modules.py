"""minigrad.nn's modules against torch.nn: seeded weights bit for bit, reprs, parameters,
state_dict, modes, graphs and PyTorch's errors. Each body runs once with ``L = torch`` and
once with ``L = minigrad``."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def outcome(body: Any, L: Any) -> tuple[str, str]:
    try:
        return "ok", ADDRESS.sub("0x…", repr(body(L)))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, str(error)


def same_outcome(body: Any) -> None:
    assert outcome(body, minigrad) == outcome(body, torch)


def mlp(L: Any) -> Any:
    L.manual_seed(0)
    return L.nn.Sequential(L.nn.Linear(2, 16), L.nn.Tanh(), L.nn.Linear(16, 1))


def arrays(tensors: Any) -> list[np.ndarray]:
    return [t.detach().numpy() for t in tensors]


def test_seeded_mlp_weights_are_pytorchs_bit_for_bit() -> None:
    ours, theirs = mlp(minigrad).state_dict(), mlp(torch).state_dict()
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key in theirs:
        assert ours[key].dtype == minigrad.float32
        np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy(), strict=True)


@pytest.mark.parametrize("sizes", [(1, 1), (3, 5), (128, 7), (7, 300)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_initialisation_bit_for_bit(sizes: tuple[int, int], bias: bool) -> None:
    def body(L: Any) -> list[np.ndarray]:
        L.manual_seed(5)
        layer = L.nn.Linear(*sizes, bias=bias)
        return arrays(layer.parameters()) + [L.rand(3).numpy()]  # the generator moved alike

    for ours, theirs in zip(body(minigrad), body(torch), strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize(
    "init",
    [
        lambda L, t: L.nn.init.kaiming_uniform_(t, a=5**0.5),
        lambda L, t: L.nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
        lambda L, t: L.nn.init.xavier_uniform_(t, gain=L.nn.init.calculate_gain("tanh")),
        lambda L, t: L.nn.init.uniform_(t, -0.3, 0.2),
        lambda L, t: L.nn.init.normal_(t, 1.0, 0.02),
        lambda L, t: L.nn.init.zeros_(t),
        lambda L, t: L.nn.init.ones_(t),
        lambda L, t: L.nn.init.constant_(t, 0.25),
    ],
    ids=[
        "kaiming_a",
        "kaiming_fan_out",
        "xavier",
        "uniform",
        "normal",
        "zeros",
        "ones",
        "constant",
    ],
)
def test_init_functions_bit_for_bit(init: Any) -> None:
    def body(L: Any) -> np.ndarray:
        L.manual_seed(3)
        weight = L.nn.Parameter(L.empty(6, 20))
        out = init(L, weight)
        assert out is weight and weight.requires_grad and weight.grad_fn is None
        return weight.detach().numpy()

    np.testing.assert_array_equal(body(minigrad), body(torch), strict=True)


@pytest.mark.parametrize(
    "body",
    [
        lambda L: L.nn.init.kaiming_uniform_(L.empty(3)),
        lambda L: L.nn.init.kaiming_uniform_(L.empty(3, 2), mode="fan"),
        lambda L: L.nn.init.calculate_gain("softsign"),
        lambda L: L.nn.init.calculate_gain("leaky_relu", "a"),
        lambda L: L.nn.init.calculate_gain("tanh"),
    ],
)
def test_init_errors(body: Any) -> None:
    same_outcome(body)


@pytest.mark.parametrize(
    "make",
    [
        mlp,
        lambda L: L.nn.Linear(3, 4, bias=False),
        lambda L: L.nn.ReLU(),
        lambda L: L.nn.ReLU(inplace=True),
        lambda L: L.nn.Sigmoid(),
        lambda L: L.nn.Sequential(),
        lambda L: L.nn.Sequential(L.nn.Sequential(L.nn.Linear(1, 2), L.nn.ReLU()), L.nn.Sigmoid()),
        lambda L: L.nn.Sequential(OrderedDict(hidden=L.nn.Linear(2, 3), act=L.nn.ReLU())),
        lambda L: L.nn.MSELoss(),
        lambda L: L.nn.CrossEntropyLoss(),
        lambda L: L.nn.BCEWithLogitsLoss(),
        lambda L: L.nn.Parameter(L.ones(2)),
        lambda L: L.nn.Parameter(L.ones(2), requires_grad=False),
        lambda L: mlp(L)[0].weight[:2],
        lambda L: mlp(L)[1:],
        lambda L: mlp(L)[-1],
        lambda L: len(mlp(L)),
    ],
)
def test_reprs_match(make: Any) -> None:
    same_outcome(make)
    assert str(make(minigrad)) == str(make(torch))


class _Net:
    """The same custom module written against either library."""

    @staticmethod
    def make(L: Any) -> Any:
        class Net(L.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.scale = L.nn.Parameter(L.tensor(2.0))
                self.body = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.ReLU())
                self.head = L.nn.Linear(4, 2)
                self.plain = 5  # not a parameter

            def forward(self, x: Any) -> Any:
                return self.head(self.body(x)) * self.scale

        L.manual_seed(1)
        return Net()


def test_custom_module_parameters_children_and_output() -> None:
    def body(L: Any) -> Any:
        net = _Net.make(L)
        names = [name for name, _ in net.named_parameters()]
        children = [type(c).__name__ for c in net.children()]
        modules = [name for name, _ in net.named_modules()]
        x = L.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        out = net(x)
        out.sum().backward()
        grads = [p.grad.numpy().copy() for p in net.parameters()]
        return names, children, modules, repr(net), out.detach().numpy(), grads, net.plain

    ours, theirs = body(minigrad), body(torch)
    assert ours[:4] == theirs[:4]
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-6)
    for mine, yours in zip(ours[5], theirs[5], strict=True):
        np.testing.assert_allclose(mine, yours, rtol=1e-5, atol=1e-7)
    assert ours[6] == theirs[6] == 5


def test_shared_parameters_are_listed_once() -> None:
    def body(L: Any) -> Any:
        layer = L.nn.Linear(2, 2)
        model = L.nn.Sequential(layer, L.nn.Tanh(), layer)
        return (
            [n for n, _ in model.named_parameters()],
            list(model.state_dict()),
            len(list(model.modules())),
        )

    assert body(minigrad) == body(torch)


def test_state_dict_round_trip_and_sharing() -> None:
    def body(L: Any) -> Any:
        source, target = (
            mlp(L),
            L.nn.Sequential(L.nn.Linear(2, 16), L.nn.Tanh(), L.nn.Linear(16, 1)),
        )
        state = source.state_dict()
        assert not any(v.requires_grad for v in state.values())
        result = target.load_state_dict(state)
        with L.no_grad():
            source[0].bias.add_(1.0)  # the state dict shares memory with the parameters
        return repr(result), arrays(target.parameters()), arrays(state.values())

    ours, theirs = body(minigrad), body(torch)
    assert ours[0] == theirs[0] == "<All keys matched successfully>"
    for mine, yours in zip(ours[1] + ours[2], theirs[1] + theirs[2], strict=True):
        np.testing.assert_array_equal(mine, yours, strict=True)


@pytest.mark.parametrize(
    "body",
    [
        lambda L: mlp(L).load_state_dict({"0.weight": L.zeros(16, 2)}),
        lambda L: mlp(L).load_state_dict({**mlp(L).state_dict(), "extra": L.zeros(1)}),
        lambda L: mlp(L).load_state_dict({**mlp(L).state_dict(), "0.bias": L.zeros(3)}),
        lambda L: mlp(L).load_state_dict({**mlp(L).state_dict(), "0.bias": [0.0] * 16}),
        lambda L: mlp(L).load_state_dict(
            {"0.weight": L.zeros(16, 2), "x": L.ones(1)}, strict=False
        ),
    ],
    ids=["missing", "unexpected", "size_mismatch", "not_a_tensor", "not_strict"],
)
def test_load_state_dict_errors(body: Any) -> None:
    same_outcome(body)


def test_train_eval_and_zero_grad() -> None:
    def body(L: Any) -> Any:
        model = mlp(L)
        seen = [model.training, model[0].training]
        assert model.eval() is model
        seen += [model.training, model[2].training]
        model.train()
        seen += [model.training, model[1].training]
        model(L.ones(3, 2)).sum().backward()
        model.zero_grad(set_to_none=False)
        seen += [float(p.grad.abs().sum()) for p in model.parameters()]
        model.zero_grad()
        seen += [p.grad for p in model.parameters()]
        return seen

    assert body(minigrad) == body(torch)


@pytest.mark.parametrize("shape", [(2,), (4, 2), (5, 4, 2), (1, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_backward_and_graph(shape: tuple[int, ...], bias: bool) -> None:
    def body(L: Any) -> Any:
        L.manual_seed(2)
        layer = L.nn.Linear(2, 3, bias=bias)
        x = L.randn(*shape, requires_grad=True)
        y = layer(x)
        y.backward(L.ones_like(y))
        nodes = [y.grad_fn.name()] + [n.name() for n, _ in y.grad_fn.next_functions if n]
        grads = [x.grad] + [p.grad for p in layer.parameters()]
        return nodes, tuple(y.shape), y.detach().numpy(), arrays(grads)

    ours, theirs = body(minigrad), body(torch)
    if bias:  # (without bias, matmul of other ranks names its nodes its own way)
        assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-7)
    for mine, yours in zip(ours[3], theirs[3], strict=True):
        np.testing.assert_allclose(mine, yours, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "body",
    [
        lambda L: L.nn.Linear(2, 16)(L.randn(4, 3)),
        lambda L: L.nn.Linear(2, 16)(L.randn(3)),
        lambda L: L.nn.Linear(2, 16)(L.randn(4, 2, dtype=L.float64)),
        lambda L: L.nn.Linear(2, 16)(L.tensor([[1, 2]])),
        lambda L: L.nn.Linear(2, 16)(L.tensor(1.0)),
        lambda L: L.nn.Linear(2, 3).missing,
        lambda L: L.nn.Sequential(L.nn.Linear(2, 3), 5),
        lambda L: L.nn.Sequential(L.nn.Tanh())[3],
        lambda L: L.nn.Module()(1),
        lambda L: setattr(L.nn.Linear(2, 3), "weight", L.ones(3, 2)),
    ],
)
def test_errors_match(body: Any) -> None:
    same_outcome(body)


def test_forgetting_super_init_is_pytorchs_error() -> None:
    def body(L: Any, value: Any) -> Any:
        class Forgetful(L.nn.Module):
            def __init__(self) -> None:
                self.w = value(L)

        return outcome(lambda _: Forgetful(), L)

    for value in (lambda L: L.nn.Parameter(L.ones(1)), lambda L: L.nn.Linear(1, 1)):
        assert body(minigrad, value) == body(torch, value)


def test_parameter_is_a_leaf_sharing_memory() -> None:
    def body(L: Any) -> Any:
        data = L.zeros(3)
        p = L.nn.Parameter(data)
        data[0] = 4.0
        derived = p * 2
        return (
            p.tolist(), p.is_leaf, p.requires_grad, type(derived).__name__,
            isinstance(p, L.Tensor), derived.grad_fn.name(),
        )  # fmt: skip

    assert body(minigrad) == body(torch)


def test_reexported_as_torch_nn() -> None:
    assert minigrad.nn.functional.relu is not None
    import minigrad.nn.functional as F  # the spelling learners use

    assert F.linear is minigrad.nn.functional.linear
    assert minigrad.optim.SGD.__name__ == "SGD"


def test_a_parameters_gradient_is_a_plain_tensor() -> None:
    """As in PyTorch: ``.grad`` of a Parameter prints as a tensor, not 'Parameter containing'."""
    for L in (torch, minigrad):
        L.manual_seed(0)
        layer = L.nn.Linear(2, 1)
        layer(L.ones(3, 2)).sum().backward()
        assert type(layer.bias.grad) is L.Tensor
        assert repr(layer.bias.grad) == repr(torch.tensor([3.0]))
