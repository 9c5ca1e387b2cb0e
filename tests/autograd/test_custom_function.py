"""``autograd.Function`` (an op with a backward of your own) against PyTorch's: the same
values, gradients, graphs, printing and errors. Each body runs with ``L = torch`` and with
``L = minigrad``."""

from __future__ import annotations

import gc
import re
import warnings
import weakref
from typing import Any

import numpy as np
import pytest

import minigrad
from minigrad.widgets.steps import record

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def functions(L: Any) -> Any:
    """The custom Functions the tests use, written once against ``L``."""

    class Exp(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    class Scale(L.autograd.Function):  # a number and a tensor that needs no gradient
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.in_forward = ctx.needs_input_grad
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * k + y

        @staticmethod
        def backward(ctx, grad):
            ctx.seen = ctx.needs_input_grad
            return grad * ctx.k, None, grad

    class Cube(L.autograd.Function):  # backward made of ops: differentiable again
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    class ArgmaxToo(L.autograd.Function):  # a second output without a gradient
        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            return x * 2, index

        @staticmethod
        def backward(ctx, grad, index_grad):
            ctx.index_grad = index_grad
            return grad * 2

    class Same(L.autograd.Function):  # returns its input as it is
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    class Twice(L.autograd.Function):  # forward without ctx, and setup_context
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None

    return Exp, Scale, Cube, ArgmaxToo, Same, Twice


def bad(L: Any, returns: Any) -> Any:
    """A Function doubling its input whose backward returns ``returns(L, grad)``."""

    class Bad(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return returns(L, grad)

    return Bad


def dropping(L: Any) -> Any:
    """A Function adding x and y whose backward sends nothing to x."""

    class Dropping(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return None, grad

    return Dropping


def outcome(body: Any, L: Any) -> tuple[str, str]:
    try:
        return "ok", ADDRESS.sub("0x…", repr(body(L)))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, ADDRESS.sub("0x…", str(error))


def same(body: Any) -> None:
    assert outcome(body, minigrad) == outcome(body, torch)


def values(tensors: Any) -> list[Any]:
    """The tensors' values, to 6 digits (numpy's and PyTorch's exp may differ in the last bit)."""
    return [None if t is None else np.round(t.detach().numpy(), 6).tolist() for t in tensors]


def test_exp_prints_records_and_differentiates_as_pytorch() -> None:
    def body(L: Any) -> Any:
        Exp = functions(L)[0]
        x = L.tensor([0.5, 1.0], requires_grad=True)
        y = Exp.apply(x)
        shown = [repr(y), y.grad_fn.name(), repr(y.grad_fn), y.is_leaf]
        shown.append([(type(n).__name__, k) for n, k in y.grad_fn.next_functions])
        y.sum().backward()
        return shown, values([x.grad])

    same(body)


def test_numbers_and_tensors_without_grad_among_the_arguments() -> None:
    def body(L: Any) -> Any:
        Scale = functions(L)[1]
        x = L.tensor([1.0, 2.0], requires_grad=True)
        out = Scale.apply(x, 2.0, L.tensor([3.0, 4.0]))
        edges = [(type(n).__name__, k) for n, k in out.grad_fn.next_functions]
        node = out.grad_fn
        out.sum().backward()
        return repr(out), edges, node.in_forward, node.seen, values([x.grad])

    same(body)


@pytest.mark.parametrize("mode", ["no_grad", "no_input_requires_grad"])
def test_nothing_recorded_when_no_gradient_is_wanted(mode: str) -> None:
    def body(L: Any) -> Any:
        Exp = functions(L)[0]
        x = L.tensor([0.5, 1.0], requires_grad=mode == "no_grad")
        if mode == "no_grad":
            with L.no_grad():
                y = Exp.apply(x)
        else:
            y = Exp.apply(x)
        return repr(y), y.requires_grad, y.grad_fn

    same(body)


def test_second_derivative_through_a_backward_made_of_ops() -> None:
    def body(L: Any) -> Any:
        Cube = functions(L)[2]
        x = L.tensor([1.0, -2.0], requires_grad=True)
        (first,) = L.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (second,) = L.autograd.grad(first.sum(), x)
        return values([first, second]), first.grad_fn.name()

    same(body)


def test_gradcheck_and_gradgradcheck_accept_a_right_backward() -> None:
    for L in (minigrad, torch):
        Cube = functions(L)[2]
        L.manual_seed(0)
        x = L.randn(4, dtype=L.float64, requires_grad=True)
        assert L.autograd.gradcheck(Cube.apply, (x,))
        assert L.autograd.gradgradcheck(Cube.apply, (x,))


def test_non_differentiable_output_and_zeros_for_its_gradient() -> None:
    def body(L: Any) -> Any:
        ArgmaxToo = functions(L)[3]
        x = L.tensor([1.0, 3.0, 2.0], requires_grad=True)
        doubled, index = ArgmaxToo.apply(x)
        node = doubled.grad_fn
        doubled.sum().backward()
        shown = [repr(doubled), repr(index), index.requires_grad, index.grad_fn]
        return shown, repr(node.index_grad), values([x.grad])

    same(body)


def test_an_input_returned_as_it_is_comes_back_as_a_view() -> None:
    def body(L: Any) -> Any:
        Same = functions(L)[4]
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = Same.apply(x)
        facts = [y is x, y._base is x, y.is_leaf, y.grad_fn.name()]
        (y * 3).sum().backward()
        return facts, values([x.grad])

    same(body)


def test_forward_without_ctx_and_setup_context() -> None:
    def body(L: Any) -> Any:
        Twice = functions(L)[5]
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = Twice.apply(x, 3.0)
        y.sum().backward()
        return repr(y), values([x.grad])

    same(body)


def test_hooks_retain_grad_and_applying_the_node() -> None:
    def body(L: Any) -> Any:
        Exp = functions(L)[0]
        x = L.tensor([0.0, 1.0], requires_grad=True)
        y = Exp.apply(x)
        y.retain_grad()
        seen = []
        y.register_hook(lambda g: seen.append(g.tolist()))
        applied = y.grad_fn.apply(L.tensor([1.0, 2.0]))
        not_callable = outcome(lambda L: y.grad_fn(L.tensor([1.0, 2.0])), L)
        (y * 2).sum().backward()
        return values([y.grad, x.grad, applied]), seen, not_callable

    same(body)


def test_gradients_are_summed_to_the_input_and_cast_to_its_dtype() -> None:
    def body(L: Any) -> Any:
        Wide = bad(L, lambda L, grad: L.ones(3, 2, dtype=L.float64))
        x = L.tensor([1.0, 2.0], requires_grad=True)
        Wide.apply(x).sum().backward()
        return repr(x.grad)

    same(body)


@pytest.mark.parametrize(
    "returns",
    [
        lambda L, grad: (grad, grad),
        lambda L, grad: L.ones(3),
        lambda L, grad: "a gradient",
        lambda L, grad: (),
    ],
    ids=["too_many", "wrong_shape", "not_a_tensor", "none"],
)
def test_a_backward_that_returns_the_wrong_thing_gets_pytorchs_error(returns: Any) -> None:
    same(lambda L: bad(L, returns).apply(L.ones(2, requires_grad=True)).sum().backward())


def test_the_other_errors_match() -> None:
    def saves_a_number(L: Any) -> Any:
        class SavesNumber(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

        return SavesNumber.apply(L.ones(2, requires_grad=True))

    def without_backward(L: Any) -> Any:
        class NoBackward(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        return NoBackward.apply(L.ones(2, requires_grad=True)).sum().backward()

    def saved_after_backward(L: Any) -> Any:
        y = functions(L)[0].apply(L.ones(2, requires_grad=True))
        y.sum().backward()
        return y.grad_fn.saved_tensors

    def saved_changed_in_place(L: Any) -> Any:
        x = L.ones(2, requires_grad=True) * 1
        y = functions(L)[2].apply(x)
        with L.no_grad():
            x.add_(1)
        return y.sum().backward()

    def missing_argument(L: Any) -> Any:
        return functions(L)[1].apply(L.ones(2, requires_grad=True), 2.0)

    for body in (
        saves_a_number,
        without_backward,
        saved_after_backward,
        saved_changed_in_place,
        missing_argument,
    ):
        same(body)


def test_instantiating_warns_as_pytorch() -> None:
    def body(L: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            functions(L)[0]()
        return [(w.category.__name__, ADDRESS.sub("", str(w.message))) for w in caught]

    ours, theirs = body(minigrad), body(torch)
    assert [c for c, _ in ours] == [c for c, _ in theirs] == ["DeprecationWarning"]
    assert ours[0][1].split("> ")[1] == theirs[0][1].split("> ")[1]


def test_several_outputs_that_need_a_gradient_are_refused_clearly() -> None:
    class Both(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, a, b):
            return a * 2 + b * 3

    with pytest.raises(NotImplementedError, match="mark_non_differentiable"):
        Both.apply(minigrad.ones(2, requires_grad=True))


def test_the_stepper_explains_a_custom_node() -> None:
    Exp = functions(minigrad)[0]
    a = minigrad.tensor([0.5, 1.0], requires_grad=True)
    y = (Exp.apply(a * 2) + a).sum()
    steps = record(y, None, {"a": a, "y": y})
    assert steps.failure is None
    titles = [step.title for step in steps.steps]
    assert "ExpBackward: t2 = Exp.forward(t1) = [2.7183, 7.3891]" in titles
    (exp_step,) = [s for s in steps.steps if s.phase == "backward" and s.node_name == "ExpBackward"]
    assert "to x (t1): Exp.backward(ctx, grad)" in exp_step.text
    np.testing.assert_allclose(exp_step.grad, [1.0, 1.0])
    assert titles[-1] == "AccumulateGrad: a.grad = [ 6.4366, 15.7781]"
    assert a.grad is None  # the stepper leaves the learner's tensors alone


def test_the_drawing_names_the_custom_node() -> None:
    Exp = functions(minigrad)[0]
    x = minigrad.tensor([0.5, 1.0], requires_grad=True)
    text = repr(minigrad.viz.draw(Exp.apply(x).sum()))
    assert "ExpBackward" in text
    assert "SumBackward0 → ExpBackward" in text


def test_saved_tensors_are_freed_by_backward() -> None:
    def body(L: Any) -> Any:
        refs = []

        class SavesIntermediate(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                doubled = x * 2
                ctx.save_for_backward(doubled)
                refs.append(weakref.ref(doubled))
                return doubled + 1

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        y = SavesIntermediate.apply(L.ones(2, requires_grad=True))
        alive = refs[0]() is not None
        y.sum().backward()
        gc.collect()
        return alive, refs[0]() is None

    assert outcome(body, minigrad) == outcome(body, torch) == ("ok", "(True, True)")


def test_a_backward_that_changes_its_gradient_in_place_changes_no_other() -> None:
    def body(L: Any) -> Any:
        Scaled = bad(L, lambda L, grad: grad.mul_(10))
        a, b = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        (Scaled.apply(a) + b).backward(L.ones(2))
        return values([a.grad, b.grad])

    same(body)


@pytest.mark.parametrize("materialize", [True, False])
def test_a_node_no_gradient_reaches_still_runs(materialize: bool) -> None:
    def body(L: Any) -> Any:
        seen = []

        class Watched(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 3

            @staticmethod
            def backward(ctx, grad):
                seen.append(None if grad is None else grad.tolist())
                return None if grad is None else grad * 3

        a, b = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        dropping(L).apply(Watched.apply(a), b).sum().backward()
        return seen, values([a.grad, b.grad])

    same(body)


def test_integer_outputs_get_no_gradient() -> None:
    def body(L: Any) -> Any:
        class MaxAndIndex(L.autograd.Function):  # no mark_non_differentiable needed
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.max(), x.argmax()

            @staticmethod
            def backward(ctx, grad, index_grad):
                (x,) = ctx.saved_tensors
                return (x == x.max()) * grad

        x = L.tensor([1.0, 3.0, 2.0], requires_grad=True)
        value, index = MaxAndIndex.apply(x)
        value.backward()
        return repr(value), repr(index), index.requires_grad, values([x.grad])

    same(body)


def test_an_input_returned_and_marked_non_differentiable() -> None:
    def body(L: Any) -> Any:
        class Marked(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_non_differentiable(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad

        x = L.ones(2, requires_grad=True)
        y = Marked.apply(x)
        with L.no_grad():
            z = functions(L)[4].apply(x)  # (nothing recorded: an alias all the same)
        return y.requires_grad, y.grad_fn, y is x, z is x, z.requires_grad

    same(body)


def test_the_stepper_reports_a_failing_or_silent_custom_backward() -> None:
    class Fails(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("my backward is not written yet")

    a = minigrad.ones(2, requires_grad=True)
    failing = record(Fails.apply(a).sum(), None, {"a": a})
    assert failing.failure == "ValueError: my backward is not written yet"
    exp = functions(minigrad)[0]
    b = minigrad.ones(2, requires_grad=True)
    silent = record(dropping(minigrad).apply(exp.apply(a), b).sum(), None, {"a": a, "b": b})
    assert silent.failure is None
    assert any(step.title.startswith("ExpBackward: no grad") for step in silent.steps)
