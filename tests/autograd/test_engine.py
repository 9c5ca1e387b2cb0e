"""The backward engine: order, accumulation, freeing, version checks, hooks and the observer."""

from __future__ import annotations

import gc
import traceback
import weakref

import numpy as np
import pytest

import minigrad as torch
from minigrad.autograd import BackwardStep, observe
from minigrad.autograd.graph import SECOND_BACKWARD


def test_a_100k_op_chain_backpropagates_without_recursion() -> None:
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_each_node_runs_once_with_the_sum_of_its_gradients() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    shared = a * 2  # used three times below
    out = shared + shared * 3 + shared.exp()
    steps: list[BackwardStep] = []
    with observe(steps.append):
        out.sum().backward()
    runs = [s for s in steps if s.node is shared.grad_fn]
    assert len(runs) == 1
    expected = 1 + 3 + np.exp(np.array([2.0, 4.0], dtype=np.float32))
    np.testing.assert_allclose(runs[0].grad_output.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(a.grad.numpy(), 2 * expected, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    first = w.grad
    (w * 3).sum().backward()
    assert w.grad is first  # accumulated in place, as in PyTorch
    assert w.grad.tolist() == [6.0, 6.0]


def test_a_gradient_shared_by_two_leaves_is_not_aliased() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(10)
    assert b.grad.tolist() == [1.0]


def test_nodes_run_latest_created_first() -> None:
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    q = 3 * a**3 - b**2
    names: list[str] = []
    with observe(lambda step: names.append(step.node.name())):
        q.backward()
    assert names == [
        "SubBackward0",
        "PowBackward0",
        "torch::autograd::AccumulateGrad",
        "MulBackward0",
        "PowBackward0",
        "torch::autograd::AccumulateGrad",
    ]


def test_the_observer_sees_what_each_node_sends() -> None:
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    cube = a**3
    steps: list[BackwardStep] = []
    with observe(steps.append):
        cube.backward(torch.tensor([1.0, 1.0]))
    pow_step = steps[0]
    assert pow_step.node is cube.grad_fn
    assert pow_step.grad_output.tolist() == [1.0, 1.0]
    assert pow_step.grad_inputs[0].tolist() == [12.0, 27.0]
    leaf_step = steps[1]
    assert leaf_step.node.variable is a and leaf_step.grad_inputs == ()
    assert leaf_step.leaf_grad.tolist() == [12.0, 27.0]


def test_observers_are_removed_after_the_block() -> None:
    seen: list[BackwardStep] = []
    x = torch.tensor(1.0, requires_grad=True)
    with observe(seen.append):
        (x * 2).backward()
    count = len(seen)
    (x * 2).backward()
    assert count == 2 and len(seen) == count


def test_saved_tensors_are_freed_after_backward() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    probe = weakref.ref(y)
    grad_fn = z.grad_fn.next_functions[0][0]
    del y
    z.backward()
    gc.collect()
    assert probe() is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        grad_fn._saved_self  # noqa: B018


def test_second_backward_raises_pytorchs_error() -> None:
    a = torch.tensor([2.0], requires_grad=True)
    q = (a**3).sum()
    q.backward()
    with pytest.raises(RuntimeError) as error:
        q.backward()
    assert str(error.value) == SECOND_BACKWARD


def test_retain_graph_allows_a_second_backward() -> None:
    a = torch.tensor([2.0], requires_grad=True)
    q = (a**3).sum()
    q.backward(retain_graph=True)
    q.backward()
    assert a.grad.tolist() == [24.0]


def test_modifying_a_saved_tensor_in_place_is_detected() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    with torch.no_grad():
        y.add_(1)
    with pytest.raises(
        RuntimeError,
        match=r"modified by an inplace operation: \[torch.FloatTensor "
        r"\[2\]\], which is output 0 of Mul, is at version 1; expected version 0",
    ):
        z.sum().backward()


def test_a_failed_backward_leaves_leaf_grads_untouched_when_it_fails_first() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 1
    z = y.sin()
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError):
        z.backward(torch.ones(1))
    assert x.grad is None


def test_hooks_can_replace_the_gradient_and_retain_grad_sees_the_result() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    h.sum().backward()
    assert h.grad.tolist() == [10.0, 10.0]
    assert x.grad.tolist() == [30.0, 30.0]


def test_leaf_hooks_run_before_accumulation_and_can_be_removed() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g + 1)
    (x * 2).backward(torch.ones(1))
    handle.remove()
    (x * 2).backward(torch.ones(1))
    assert x.grad.tolist() == [5.0]


def test_backward_with_inputs_only_fills_those() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


def test_grad_returns_without_touching_dot_grad_and_supports_higher_order() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    (first,) = torch.autograd.grad(x**3, x, create_graph=True)
    (second,) = torch.autograd.grad(first, x)
    assert (first.item(), second.item(), x.grad) == (27.0, 18.0, None)


def test_grad_of_an_intermediate_tensor() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (gy,) = torch.autograd.grad((y**2).sum(), y)
    assert gy.tolist() == [4.0, 8.0]


def test_backward_of_a_leaf_accumulates_ones() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_no_observer_means_no_steps_recorded() -> None:
    from minigrad.autograd import engine

    assert engine._observers == []


def test_a_backward_that_fails_late_writes_no_grad_at_all() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    y = b * 1
    z = y.sin()  # saves y
    out = a * 5 + z  # AccumulateGrad(a) runs before SinBackward0 fails
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward(torch.ones(1))
    assert a.grad is None and b.grad is None


def test_create_graph_gives_each_leaf_its_own_grad() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = a + b
    (c * c).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    with torch.no_grad():
        a.grad.zero_()
    assert b.grad.tolist() == [8.0, 12.0]


def test_retain_grad_follows_an_in_place_op() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b.retain_grad()
    b.mul_(3)
    b.sum().backward()
    assert b.retains_grad and b.grad.tolist() == [1.0, 1.0]


def test_max_of_a_tensor_with_nan_sends_the_gradient_to_the_nan() -> None:
    x = torch.tensor([1.0, float("nan")], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_grad_with_an_input_listed_twice() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    first, second = torch.autograd.grad((x * 6).sum(), [x, x])
    assert first.tolist() == second.tolist() == [6.0, 6.0]


def test_hooks_that_return_the_wrong_thing_are_refused() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    handle = a.register_hook(lambda g: torch.ones(3))
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (a * 2).sum().backward()
    handle.remove()
    a.register_hook(lambda g: 5)
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
        (a * 2).sum().backward()
    assert a.grad is None


def test_gradcheck_on_a_transposed_input() -> None:
    x = torch.randn(3, 2, dtype=torch.float64).t().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: (t * t).sum(), (x,))


def _minigrad_frames(error: BaseException) -> list[str]:
    frames = traceback.extract_tb(error.__traceback__)
    return [f.name for f in frames if "/minigrad/" in f.filename.replace("\\", "/")]


def _second_backward() -> None:
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    q = (a**3).sum()
    q.backward()
    q.backward()


def _modified_in_place() -> None:
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    y = a.exp()
    q = y.sum()
    with torch.no_grad():
        y.add_(1)
    q.backward()


def _non_scalar() -> None:
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    (a * 3).backward()


@pytest.mark.parametrize("famous", [_second_backward, _modified_in_place, _non_scalar])
def test_famous_errors_show_no_more_frames_than_pytorch(famous) -> None:
    """PyTorch's traceback shows three of its own frames (Tensor.backward,
    autograd.backward, the engine's entry); a learner sees no more of minigrad."""
    with pytest.raises(RuntimeError) as caught:
        famous()
    frames = _minigrad_frames(caught.value)
    assert frames[0] == "backward" and len(frames) <= 3, frames


def test_a_graph_and_its_leaves_are_freed_without_the_cycle_collector() -> None:
    """No reference cycles: a leaf and its AccumulateGrad, a node that saved its output
    (tanh), all go as soon as the last reference does, as in PyTorch."""
    gc.disable()
    try:
        a = torch.tensor([0.5, -1.0], requires_grad=True)
        y = (a.tanh() * a).sum()
        y.backward()
        leaf, node, tanh = weakref.ref(a), weakref.ref(y.grad_fn), weakref.ref(a.tanh().grad_fn)
        assert tanh() is None  # a graph nobody holds is gone at once
        del a, y
        assert leaf() is None and node() is None
    finally:
        gc.enable()


def test_saved_result_reads_as_the_output_of_its_node() -> None:
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    y = x.tanh()
    saved = y.grad_fn._saved_result
    assert saved.grad_fn is y.grad_fn and torch.equal(saved, y)
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of Tanh,"):
        y.grad_fn._saved_result  # noqa: B018


def test_a_leaf_keeps_one_accumulate_grad_for_its_life() -> None:
    """Graphs alive at once share a leaf's node (as in PyTorch); here it also outlives them,
    with the hooks registered on it (PyTorch would make a new node, without them)."""
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y, z = a * 2, a + 1
    node = y.grad_fn.next_functions[0][0]
    assert node is z.grad_fn.next_functions[0][0] and node.variable is a
    seen = []
    node.register_prehook(lambda grads: seen.append(grads[0].tolist()))
    del node, y, z
    (a * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and a.grad.tolist() == [3.0, 3.0]


def test_a_graph_keeps_its_leaves_alive_as_pytorch_does() -> None:
    y = torch.tensor([2.0], requires_grad=True) * 3  # the leaf has no name of its own
    y.backward()
    accumulate = y.grad_fn.next_functions[0][0]
    assert accumulate.variable.grad.tolist() == [3.0]


def test_a_hook_registered_for_a_with_block_is_removed_after_it() -> None:
    x = torch.ones(2, requires_grad=True)
    kept = x.register_hook(lambda g: g * 2)
    with x.register_hook(lambda g: g * 3) as scoped:
        (x * 1).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]  # only the hook outside the block is left
    assert isinstance(kept.id, int) and kept.id != scoped.id
