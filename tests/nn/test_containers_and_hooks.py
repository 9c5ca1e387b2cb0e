"""``ModuleList``, ``Identity``, ``Flatten`` and forward hooks against torch.nn. Each body
runs once with ``L = torch`` and once with ``L = minigrad``."""

from __future__ import annotations

import re
from typing import Any

import pytest

import minigrad

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def outcome(body: Any, L: Any) -> tuple[str, str]:
    try:
        return "ok", ADDRESS.sub("0x…", repr(body(L)))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, str(error)


def same(body: Any) -> None:
    assert outcome(body, minigrad) == outcome(body, torch)


def layers(L: Any) -> Any:
    L.manual_seed(0)
    return L.nn.ModuleList([L.nn.Linear(2, 2), L.nn.Linear(2, 2), L.nn.Tanh(), L.nn.Linear(2, 3)])


def fixed(L: Any) -> Any:
    """A Linear(2, 1) with weights 1 and bias 0."""
    layer = L.nn.Linear(2, 1)
    with L.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(0.0)
    return layer


@pytest.mark.parametrize(
    "body",
    [
        lambda L: layers(L),  # equal modules in a row print once: (0-1): 2 x Linear(…)
        lambda L: L.nn.ModuleList(),
        lambda L: L.nn.Sequential(layers(L), L.nn.Identity()),
        lambda L: (layers(L)[-1], layers(L)[1:3], len(layers(L))),
        lambda L: [name for name, _ in layers(L).named_parameters()],
        lambda L: layers(L)[7],
        lambda L: layers(L).extend(L.nn.Linear(1, 1)),
        lambda L: layers(L)(L.ones(2)),
        lambda L: (L.nn.Identity(3, k=4), L.nn.Flatten(), L.nn.Flatten(0, 2)),
        lambda L: L.nn.Flatten()(L.ones(2, 3, 4)).shape,
        lambda L: L.nn.Flatten(0, 1)(L.ones(2, 3, 4, requires_grad=True)),
    ],
    ids=[
        "repr",
        "empty",
        "nested",
        "indexing",
        "parameters",
        "out_of_range",
        "extend_not_iterable",
        "no_forward",
        "identity_flatten_repr",
        "flatten",
        "flatten_graph",
    ],
)
def test_containers_match(body: Any) -> None:
    same(body)


def test_list_edits_renumber_as_pytorch() -> None:
    def body(L: Any) -> Any:
        modules = layers(L)
        del modules[1]
        seen = [list(modules._modules)]
        modules.insert(1, L.nn.ReLU())
        modules[0] = L.nn.Sigmoid()
        modules += [L.nn.Identity()]
        modules.append(L.nn.Tanh())
        del modules[1:3]
        return seen, list(modules._modules), repr(modules)

    same(body)


def test_forward_hooks_see_and_replace_inputs_and_outputs() -> None:
    def body(L: Any) -> Any:
        layer, order = fixed(L), []
        x = L.ones(1, 2)
        doubling = layer.register_forward_hook(lambda m, args, out: out * 2)
        shifting = layer.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
        layer.register_forward_hook(lambda m, args, out: order.append("after"), prepend=True)
        layer.register_forward_hook(
            lambda m, args, kwargs, out: order.append(("kwargs", kwargs)), with_kwargs=True
        )
        results = [layer(x)]
        doubling.remove()
        shifting.remove()
        doubling.remove()  # a second remove does nothing
        results.append(layer(x))
        tripling = layer.register_forward_pre_hook(lambda m, args: args[0] * 3)  # not a tuple
        results.append(layer(x))
        tripling.remove()
        return [repr(r) for r in results], order

    same(body)


def test_a_hook_that_always_runs_and_a_bad_pre_hook() -> None:
    def body(L: Any) -> Any:
        layer, seen = fixed(L), []

        def failing(x: Any) -> Any:
            raise ValueError("forward failed")

        layer.forward = failing
        layer.register_forward_hook(
            lambda m, args, out: seen.append(("always", out)), always_call=True
        )
        layer.register_forward_hook(lambda m, args, out: seen.append("only after success"))
        failed = outcome(lambda L: layer(L.ones(1, 2)), L)
        other = fixed(L)
        other.register_forward_pre_hook(lambda m, args, kwargs: 5, with_kwargs=True)
        return failed, seen, outcome(lambda L: other(L.ones(1, 2)), L)

    same(body)


def test_hooks_look_at_every_layer_of_a_network() -> None:
    """What a learner does with forward hooks: look at each layer's output."""

    def body(L: Any) -> Any:
        L.manual_seed(0)
        model = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.Tanh(), L.nn.Linear(3, 1))
        shapes = []
        for module in model:
            module.register_forward_hook(
                lambda m, args, out: shapes.append((type(m).__name__, tuple(out.shape)))
            )
        model(L.ones(4, 2)).sum().backward()
        return shapes, [p.grad.shape for p in model.parameters()]

    same(body)


def test_a_replaced_module_or_parameter_keeps_its_place() -> None:
    def body(L: Any) -> Any:
        class Net(L.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.fc1 = L.nn.Linear(1, 1)
                self.fc2 = L.nn.Linear(1, 2)
                self.scale = L.nn.Parameter(L.ones(1))
                self.shift = L.nn.Parameter(L.zeros(1))

        net = Net()
        net.fc1 = L.nn.Linear(1, 3)
        net.scale = L.nn.Parameter(L.ones(2))
        return list(net.state_dict()), repr(net)

    same(body)


def test_an_always_call_hook_runs_when_a_pre_hook_or_a_hook_fails() -> None:
    def body(L: Any) -> Any:
        seen = []

        def fail(*args: Any) -> None:
            raise ValueError("a hook failed")

        first = fixed(L)
        first.register_forward_pre_hook(fail)
        first.register_forward_hook(lambda m, a, out: seen.append(("first", out)), always_call=True)
        second = fixed(L)
        second.register_forward_hook(lambda m, a, out: seen.append(("second", repr(out))))
        second.register_forward_hook(fail)
        second.register_forward_hook(
            lambda m, a, out: seen.append(("late", repr(out))), always_call=True
        )
        results = [outcome(lambda L, m=m: m(L.ones(1, 2)), L) for m in (first, second)]
        return results, seen

    same(body)
