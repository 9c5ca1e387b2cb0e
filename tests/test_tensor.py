"""The Tensor surface without PyTorch: creation, dtypes, properties, conversion, in-place ops
and the error messages a learner meets first (PyTorch's own wording)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as torch

# -- creation and dtypes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "dtype", "shape"),
    [
        (lambda: torch.tensor([1.0, 2.0]), torch.float32, (2,)),
        (lambda: torch.tensor([[1, 2], [3, 4]]), torch.int64, (2, 2)),
        (lambda: torch.tensor(True), torch.bool, ()),
        (lambda: torch.tensor(np.arange(3.0)), torch.float64, (3,)),
        (lambda: torch.zeros(2, 3), torch.float32, (2, 3)),
        (lambda: torch.ones((2, 3), dtype=torch.float64), torch.float64, (2, 3)),
        (lambda: torch.full((2,), 3), torch.int64, (2,)),
        (lambda: torch.full((2,), 3.0), torch.float32, (2,)),
        (lambda: torch.arange(5), torch.int64, (5,)),
        (lambda: torch.arange(0, 1, 0.25), torch.float32, (4,)),
        (lambda: torch.linspace(0, 1, 5), torch.float32, (5,)),
        (lambda: torch.eye(3), torch.float32, (3, 3)),
        (lambda: torch.rand(2, 2), torch.float32, (2, 2)),
        (lambda: torch.randn((4,)), torch.float32, (4,)),
        (lambda: torch.zeros_like(torch.ones(2, dtype=torch.int64)), torch.int64, (2,)),
        (lambda: torch.from_numpy(np.zeros(3, dtype=np.int32)), torch.int32, (3,)),
    ],
)
def test_creation_gives_pytorchs_dtype_and_shape(make, dtype, shape) -> None:
    t = make()
    assert t.dtype is dtype and t.shape == shape


def test_shapes_print_as_torch_size() -> None:
    t = torch.zeros(2, 3)
    assert repr(t.shape) == "torch.Size([2, 3])" and t.size(1) == 3 and t.size(-2) == 2
    assert (t.dim(), t.ndim, t.numel(), len(t)) == (2, 2, 6, 2)
    assert repr(torch.float64) == "torch.float64"


def test_values_of_creation_functions() -> None:
    assert torch.arange(2, 8, 2).tolist() == [2, 4, 6]
    assert torch.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert torch.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert torch.full((2,), 7).tolist() == [7, 7]


def test_manual_seed_makes_random_numbers_repeat() -> None:
    torch.manual_seed(42)
    first = torch.randn(3).tolist()
    torch.manual_seed(42)
    assert torch.randn(3).tolist() == first
    assert torch.rand(1000).max().item() < 1.0


def test_from_numpy_shares_memory_and_tensor_copies() -> None:
    array = np.zeros(2, dtype=np.float32)
    shared, copied = torch.from_numpy(array), torch.tensor(array)
    array[0] = 5
    assert shared.tolist() == [5.0, 0.0] and copied.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: torch.zeros(2, dtype="float32"),
            TypeError,
            "zeros(): argument 'dtype' must be torch.dtype, not str",
        ),
        (
            lambda: torch.tensor([1, 2], requires_grad=True),
            RuntimeError,
            "Only Tensors of floating point and complex dtype can require gradients",
        ),
        (
            lambda: torch.tensor([[1, 2], [3]]),
            ValueError,
            "expected sequence of length 2 at dim 1 (got 1)",
        ),
        (
            lambda: torch.zeros(2.5),
            TypeError,
            "zeros(): argument 'size' (position 1) must be tuple of ints, not float",
        ),
        (
            lambda: torch.ones(2).reshape(2.0),
            TypeError,
            "reshape(): argument 'shape' (position 1) must be tuple of ints, not float",
        ),
        (
            lambda: torch.tensor([1.0, 2.0]).item(),
            RuntimeError,
            "a Tensor with 2 elements cannot be converted to Scalar",
        ),
        (
            lambda: torch.ones(2, requires_grad=True).numpy(),
            RuntimeError,
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        ),
        (
            lambda: torch.ones(2, 3) @ torch.ones(2, 3),
            RuntimeError,
            "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)",
        ),
        (
            lambda: torch.ones(2, 3) + torch.ones(2, 2),
            RuntimeError,
            "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
            "dimension 1",
        ),
        (
            lambda: torch.ones(2, 3).reshape(4),
            RuntimeError,
            "shape '[4]' is invalid for input of size 6",
        ),
        (
            lambda: torch.ones(2).sum(dim=3),
            IndexError,
            "Dimension out of range (expected to be in range of [-1, 0], but got 3)",
        ),
        (
            lambda: torch.ones(2, 3)[5],
            IndexError,
            "index 5 is out of bounds for dimension 0 with size 2",
        ),
        (
            lambda: torch.ones(2) + "a",
            TypeError,
            "unsupported operand type(s) for +: 'Tensor' and 'str'",
        ),
        (
            lambda: torch.cat([torch.ones(2, 3), torch.ones(3, 2)]),
            RuntimeError,
            "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 "
            "for tensor number 1 in the list.",
        ),
        (
            lambda: torch.ones(2, dtype=torch.float32) @ torch.ones(2, dtype=torch.float64),
            RuntimeError,
            "dot : expected both vectors to have same dtype, but found Float and Double",
        ),
    ],
)
def test_bad_input_gets_pytorchs_error(call, error, message) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


# -- autograd attributes ---------------------------------------------------------------------


def test_leaves_and_results() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    b = a * 2
    assert a.is_leaf and not b.is_leaf and b.requires_grad and a.grad_fn is None
    assert torch.tensor([1.0]).is_leaf and not torch.tensor([1.0]).requires_grad


def test_requires_grad_cannot_be_switched_off_on_a_result() -> None:
    b = torch.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        b.requires_grad = False


def test_backward_errors() -> None:
    with pytest.raises(RuntimeError) as raised:
        torch.tensor([1.0, 2.0]).sum().backward()
    assert str(raised.value) == (
        "element 0 of tensors does not require grad and does not have a grad_fn"
    )
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar"):
        (a * 2).backward()
    with pytest.raises(RuntimeError) as raised:
        (a * 2).backward(torch.ones(3))
    assert str(raised.value) == (
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a "
        "shape of torch.Size([2])."
    )


def test_detach_shares_memory_and_cuts_history() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    d = (a * 1).detach()
    assert not d.requires_grad and d.grad_fn is None
    a_view = a.detach()
    a_view[0] = 10.0
    assert a.tolist() == [10.0, 2.0]


def test_comparisons_give_bool_tensors_without_history() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    result = a > 1.5
    assert result.dtype is torch.bool and result.tolist() == [False, True]
    assert result.grad_fn is None and not result.requires_grad


# -- grad modes ------------------------------------------------------------------------------


def test_no_grad_as_context_and_decorator() -> None:
    a = torch.tensor([1.0], requires_grad=True)
    with torch.no_grad():
        assert not (a * 2).requires_grad
        with torch.enable_grad():
            assert (a * 2).requires_grad

    @torch.no_grad()
    def doubled(t):
        return t * 2

    assert not doubled(a).requires_grad and torch.is_grad_enabled()


def test_set_grad_enabled_as_call_context_and_decorator() -> None:
    torch.set_grad_enabled(False)
    assert not torch.is_grad_enabled()
    torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()

    @torch.set_grad_enabled(False)
    def inside():
        return torch.is_grad_enabled()

    assert torch.is_grad_enabled() and inside() is False and torch.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(ValueError), torch.no_grad():
        raise ValueError
    assert torch.is_grad_enabled()


# -- in-place ops ----------------------------------------------------------------------------


def test_in_place_on_a_leaf_that_requires_grad_is_refused_and_leaves_it_unchanged() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as raised:
        w.add_(1)
    assert str(raised.value) == (
        "a leaf Variable that requires grad is being used in an in-place operation."
    )
    assert w.tolist() == [1.0, 2.0] and w._version == 0


def test_the_tutorials_parameter_update() -> None:
    w = torch.tensor([1.0, 1.0], requires_grad=True)
    (w * torch.tensor([27.0, 37.0])).sum().backward()
    with torch.no_grad():
        w.add_(w.grad, alpha=-0.01)
    assert np.allclose(w.detach().numpy(), [0.73, 0.63]) and w.requires_grad and w.is_leaf
    assert w._version == 1


def test_in_place_on_a_result_is_recorded() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert a.grad.tolist() == [6.0, 6.0]


def test_in_place_with_a_bad_shape_or_dtype_changes_nothing() -> None:
    t = torch.zeros(2)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast"):
        t.add_(torch.ones(3, 2))
    i = torch.zeros(2, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired"):
        i.add_(1.5)
    assert t.tolist() == [0.0, 0.0] and i.tolist() == [0, 0]


def test_zero_and_fill() -> None:
    g = torch.tensor([36.0, 81.0])
    assert g.zero_() is g and g.tolist() == [0.0, 0.0]
    assert g.fill_(2).tolist() == [2.0, 2.0]


def test_fill_on_a_result_blocks_the_gradient() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    y.fill_(5.0)
    (y * a).sum().backward()
    assert a.grad.tolist() == [5.0, 5.0]


def test_index_assignment_under_no_grad() -> None:
    t = torch.zeros(3)
    t[1] = 4.0
    t[torch.tensor([0, 2])] = torch.tensor([1.0, 2.0])
    assert t.tolist() == [1.0, 4.0, 2.0]
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 1.0
    with torch.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0]


# -- regressions found by a second read (each was a silent wrong answer or a crash) -----------


def test_a_view_taken_before_a_recorded_in_place_op_refuses_to_give_wrong_gradients() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    view = y[0]
    y.mul_(3)
    with pytest.raises(RuntimeError, match="view was taken before an in-place operation"):
        view.backward()
    y[0].backward()  # a view taken afterwards is fine
    assert x.grad.tolist() == [3.0, 0.0]


def test_fill_and_zero_on_a_result_ignore_inf_and_nan() -> None:
    a = torch.tensor([1.0, float("nan")], requires_grad=True)
    assert (a * float("inf")).fill_(3).tolist() == [3.0, 3.0]
    zeroed = (a * 1).zero_()
    assert zeroed.tolist() == [0.0, 0.0] and zeroed.grad_fn.name() == "ZeroBackward0"


def test_a_numpy_number_on_the_left_gives_a_tensor_with_history() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    product = np.float64(2.0) * a
    assert isinstance(product, torch.Tensor) and product.grad_fn.name() == "MulBackward0"
    assert isinstance(np.float32(2) - torch.tensor([1.0, 2.0]), torch.Tensor)


def test_bitwise_operators_on_integers_and_bools() -> None:
    x = torch.tensor([1, 2])
    assert (x & 1).tolist() == [1, 0] and (x | 2).tolist() == [3, 2]
    assert ((x > 1) & (x < 3)).tolist() == [False, True]
    with pytest.raises(NotImplementedError, match="bitwise_and_cpu"):
        torch.ones(2) & torch.ones(2)


def test_zero_dim_tensors_squeeze_and_refuse_select() -> None:
    s = torch.tensor(3.0, requires_grad=True)
    assert s.squeeze(0).grad_fn.name() == "SqueezeBackward1"
    with pytest.raises(IndexError, match="select\\(\\) cannot be applied to a 0-dim tensor"):
        s.select(0, 0)


def test_masked_fill_needs_a_bool_mask() -> None:
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        torch.ones(2).masked_fill(torch.ones(2), 0)


def test_backward_on_a_tensor_without_history_says_so_first() -> None:
    for tensor in (torch.tensor([1.0, 2.0]), torch.tensor([1, 2]).sum()):
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
            tensor.backward()


def test_a_numpy_scalar_keeps_its_type() -> None:
    assert torch.tensor(np.float64(1.5)).dtype is torch.float64
