"""minigrad.random draws PyTorch's numbers bit for bit.

The comparisons with PyTorch run when torch is installed (and skip otherwise); the rest holds
without it: known values, determinism, independent generators, state round trips, PyTorch's
error messages, and the vectorised algorithms checked against plain loops.
"""

from __future__ import annotations

import random as pyrandom
import subprocess
import sys
import time
import warnings
from fractions import Fraction

import numpy as np
import pytest

import minigrad
from minigrad import _exact_float
from minigrad import _random_integers as mri
from minigrad import random as mr

SEEDS = [0, 1, 42, 2**40 + 7, 67280421310721]
SIZES = [0, 1, 2, 3, 15, 16, 17, 31, 32, 100, 1000, (4, 3), (2, 3, 5)]
FLOATS = ["float32", "float64", "float16"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def bits(tensor) -> tuple:
    """dtype, shape and bytes: equal only if every number is the same, bit for bit."""
    array = tensor.numpy() if hasattr(tensor, "numpy") else np.asarray(tensor)
    if isinstance(tensor, minigrad.Tensor):
        array = tensor._data
    return str(array.dtype), array.shape, np.ascontiguousarray(array).tobytes()


def both(torch, seed: int) -> None:
    torch.manual_seed(seed)
    minigrad.manual_seed(seed)


def outcome(call, module):
    """What ``call(module)`` gives: its numbers, or its error's type and message."""
    try:
        return bits(call(module))
    except Exception as error:  # noqa: BLE001 - errors are compared too
        return type(error).__name__, str(error).split("\n")[0]


def as_tuple(size) -> tuple:
    return size if isinstance(size, tuple) else (size,)


# --- the same numbers as PyTorch ---------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("function", ["rand", "randn"])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("seed", SEEDS)
def test_rand_and_randn_match_pytorch(torch, seed, size, function, dtype) -> None:
    both(torch, seed)
    theirs = getattr(torch, function)(*as_tuple(size), dtype=getattr(torch, dtype))
    mine = getattr(minigrad, function)(*as_tuple(size), dtype=getattr(minigrad, dtype))
    assert bits(mine) == bits(theirs)
    assert bits(minigrad.get_rng_state()) == bits(torch.get_rng_state())


RANGES = [(0, 10), (-5, 5), (3, 4), (0, 2**28 - 1), (0, 2**28), (-(2**40), 2**40), (0, 2**63 - 1)]
INTEGER_DTYPES = ["int64", "int32", "int16", "uint8", "bool", "float32", "float64", "float16"]


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("bounds", RANGES, ids=str)
@pytest.mark.parametrize("size", [0, 1, 17, 100, (4, 3)], ids=str)
def test_randint_matches_pytorch(torch, size, bounds, dtype) -> None:
    def call(module):
        return module.randint(*bounds, as_tuple(size), dtype=getattr(module, dtype))

    for seed in SEEDS[:3]:
        both(torch, seed)
        with warnings.catch_warnings():  # both warn where floats cannot hold every integer
            warnings.simplefilter("ignore")
            assert outcome(call, minigrad) == outcome(call, torch)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 100, 1000, 12345, 100_000])
@pytest.mark.parametrize("seed", SEEDS)
def test_randperm_matches_pytorch(torch, seed, n) -> None:
    both(torch, seed)
    assert bits(minigrad.randperm(n)) == bits(torch.randperm(n))
    assert bits(minigrad.randperm(n, dtype=minigrad.float32)) == bits(
        torch.randperm(n, dtype=torch.float32)
    )
    assert bits(minigrad.get_rng_state()) == bits(torch.get_rng_state())


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("size", [1, 3, 15, 16, 17, 33, 1000, (4, 3)], ids=str)
@pytest.mark.parametrize(("mean", "std"), [(0.0, 1.0), (1.5, 0.3), (-2.0, 4.0), (0.25, 0.0)])
def test_normal_with_mean_and_std_matches_pytorch(torch, mean, std, size, dtype) -> None:
    for seed in SEEDS[:3]:
        both(torch, seed)
        theirs = torch.normal(mean, std, as_tuple(size), dtype=getattr(torch, dtype))
        mine = minigrad.normal(mean, std, as_tuple(size), dtype=getattr(minigrad, dtype))
        assert bits(mine) == bits(theirs)
        array = np.empty(as_tuple(size), dtype=getattr(minigrad, dtype).numpy)
        theirs = torch.empty(as_tuple(size), dtype=getattr(torch, dtype)).normal_(mean, std)
        assert bits(mr.normal_(array, mean, std)) == bits(theirs)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("size", [1, 3, 16, 17, 1000, (4, 3)], ids=str)
@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (-2, 3.7), (0.1, 0.3), (1, 2), (5, 5), (-1e-3, 5e4)]
)
def test_uniform_matches_pytorch(torch, low, high, size, dtype) -> None:
    for seed in SEEDS[:3]:
        both(torch, seed)
        theirs = torch.empty(as_tuple(size), dtype=getattr(torch, dtype)).uniform_(low, high)
        array = np.empty(as_tuple(size), dtype=getattr(minigrad, dtype).numpy)
        assert bits(mr.uniform_(array, low, high)) == bits(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_value_rounded_up_to_the_upper_bound_becomes_the_lower_one(dtype) -> None:
    """In [1, next float after 1) about half the values round up to the upper bound, which
    PyTorch replaces by the lower one: every value is 1."""
    one = np.dtype(dtype).type(1)
    array = mr.uniform_(np.empty(1000, dtype), 1.0, float(np.nextafter(one, one + 1)))
    assert (array == 1).all()


def test_the_upper_bound_replacement_matches_pytorch(torch) -> None:
    for dtype in ["float32", "float64"]:
        one = np.dtype(dtype).type(1)
        high = float(np.nextafter(one, one + 1))
        both(torch, 0)
        theirs = torch.empty(1000, dtype=getattr(torch, dtype)).uniform_(1.0, high)
        assert bits(mr.uniform_(np.empty(1000, dtype), 1.0, high)) == bits(theirs)


@pytest.mark.parametrize("fill", ["normal", "uniform", "random"])
@pytest.mark.parametrize(
    ("shape", "axes"), [((3, 4), (1, 0)), ((2, 3, 5), (2, 0, 1)), ((40,), None)]
)
def test_non_contiguous_arrays_are_filled_in_memory_order(torch, fill, shape, axes) -> None:
    both(torch, 11)
    if axes is None:  # every other element: not contiguous
        theirs, mine = torch.empty(shape)[::2], np.empty(shape, np.float32)[::2]
    else:
        theirs, mine = torch.empty(shape).permute(axes), np.empty(shape, np.float32).transpose(axes)
    if fill == "normal":
        theirs.normal_(1.0, 2.0), mr.normal_(mine, 1.0, 2.0)
    elif fill == "uniform":
        theirs.uniform_(-1, 2), mr.uniform_(mine, -1, 2)
    else:
        theirs.random_(0, 100), mri.random_(mine, 0, 100)
    assert bits(mine) == bits(theirs.contiguous())


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", *FLOATS])
def test_random__matches_pytorch(torch, dtype) -> None:
    top = 2 if dtype == "bool" else 9
    forms = [((), ()), ((top,), (0, top)), ((1, top), (1, top)), ((1, None), (1, None))]
    if dtype == "int64":
        forms.append(((-(2**63), None), (-(2**63), None)))
    for theirs_args, mine_args in forms:
        both(torch, 5)
        theirs = torch.empty(50, dtype=getattr(torch, dtype)).random_(*theirs_args)
        mine = mri.random_(np.empty(50, getattr(minigrad, dtype).numpy), *mine_args)
        assert bits(mine) == bits(theirs), theirs_args


@pytest.mark.parametrize("name", ["rand_like", "randn_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_like_functions_match_pytorch(torch, name, dtype) -> None:
    for size in [(1,), (17,), (4, 3)]:
        both(torch, 3)
        theirs = getattr(torch, name)(torch.zeros(size, dtype=getattr(torch, dtype)))
        mine = getattr(minigrad, name)(minigrad.zeros(size, dtype=getattr(minigrad, dtype)))
        assert bits(mine) == bits(theirs)
    both(torch, 3)
    theirs = getattr(torch, name)(torch.zeros(3), dtype=torch.float64)
    assert bits(getattr(minigrad, name)(minigrad.zeros(3), dtype=minigrad.float64)) == bits(theirs)


def test_randint_like_matches_pytorch(torch) -> None:
    for like in ["zeros", "ones"]:
        for dtype in ["float32", "int64", "int16"]:
            both(torch, 8)
            theirs_input = getattr(torch, like)((4, 3), dtype=getattr(torch, dtype))
            mine_input = getattr(minigrad, like)((4, 3), dtype=getattr(minigrad, dtype))
            assert bits(minigrad.randint_like(mine_input, 7)) == bits(
                torch.randint_like(theirs_input, 7)
            )
            assert bits(minigrad.randint_like(mine_input, -3, 9)) == bits(
                torch.randint_like(theirs_input, -3, 9)
            )


def _random_call(rng: pyrandom.Random):
    """One random-number call, the same for torch and minigrad: ``call(module)``."""
    n = rng.choice([0, 1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 47, 100, 1000])
    mean, std, low = rng.uniform(-3, 3), rng.uniform(0, 4), rng.uniform(-3, 3)
    high = low + rng.uniform(0, 5)
    return rng.choice(
        [
            lambda m: m.rand(n),
            lambda m: m.rand(n, dtype=m.float64),
            lambda m: m.randn(n),
            lambda m: m.randn(n, dtype=m.float64),
            lambda m: m.randn(n, dtype=m.float16),
            lambda m: m.randint(-7, 1000, (n,)),
            lambda m: m.randperm(n),
            lambda m: m.normal(mean, std, (n,)),
            lambda m: m.normal(mean, std, (n,), dtype=m.float64),
            lambda m: m.rand_like(m.zeros(n)),
            lambda m: m.randn_like(m.zeros(n, dtype=m.float64)),
            lambda m: m.randint_like(m.zeros(n), low=-2, high=2),
        ]
        + [lambda m: _uniform(m, n, low, high)] * 2
    )


def _uniform(module, n: int, low: float, high: float):
    if module is minigrad:
        return mr.uniform_(np.empty(n, np.float32), low, high)
    return module.empty(n).uniform_(low, high)


@pytest.mark.parametrize("program", range(60))
def test_interleaved_calls_match_pytorch(torch, program) -> None:
    """Stream positions and the cached normal carry over from call to call as in PyTorch."""
    rng = pyrandom.Random(program)
    both(torch, rng.randrange(2**64))
    for _ in range(10):
        call = _random_call(rng)
        assert bits(call(minigrad)) == bits(call(torch))
        assert bits(minigrad.get_rng_state()) == bits(torch.get_rng_state())


def test_generators_match_pytorch_and_leave_the_default_alone(torch) -> None:
    both(torch, 0)
    theirs, mine = torch.Generator().manual_seed(7), minigrad.Generator().manual_seed(7)
    for function in ["rand", "randn"]:
        for size in [3, 40]:
            a = getattr(torch, function)(size, generator=theirs)
            assert bits(getattr(minigrad, function)(size, generator=mine)) == bits(a)
    assert bits(minigrad.randint(0, 9, (5,), generator=mine)) == bits(
        torch.randint(0, 9, (5,), generator=theirs)
    )
    assert bits(minigrad.randperm(9, generator=mine)) == bits(torch.randperm(9, generator=theirs))
    assert bits(minigrad.rand_like(minigrad.zeros(2), generator=mine)) == bits(
        torch.rand_like(torch.zeros(2), generator=theirs)
    )
    assert bits(mine.get_state()) == bits(theirs.get_state())
    assert bits(minigrad.rand(3)) == bits(torch.rand(3))  # the default one is where it was
    assert bits(minigrad.Generator().get_state()) == bits(torch.Generator().get_state())


def test_states_move_between_pytorch_and_minigrad(torch) -> None:
    torch.manual_seed(9)
    torch.randn(5)  # leaves a cached normal
    minigrad.set_rng_state(minigrad.tensor(torch.get_rng_state().numpy()))
    assert bits(minigrad.randn(7)) == bits(torch.randn(7))
    minigrad.rand(700)
    torch.set_rng_state(torch.from_numpy(minigrad.get_rng_state().numpy()))
    assert bits(torch.randn(3, dtype=torch.float64)) == bits(
        minigrad.randn(3, dtype=minigrad.float64)
    )


@pytest.mark.parametrize("draws", [0, 1, 623, 624, 625, 1248, 5000])
def test_state_bytes_match_pytorch_at_every_stream_position(torch, draws) -> None:
    both(torch, 3)
    torch.rand(draws), minigrad.rand(draws)
    assert bits(minigrad.get_rng_state()) == bits(torch.get_rng_state())


def test_large_tensors_match_pytorch(torch) -> None:
    n = 300_007
    for dtype in ["float32", "float64"]:
        for call in [
            lambda m, d: m.randn(n, dtype=getattr(m, d)),
            lambda m, d: m.normal(0.3, 1.7, (n,), dtype=getattr(m, d)),
            lambda m, d: m.rand(n, dtype=getattr(m, d)),
        ]:
            both(torch, n)
            assert bits(call(minigrad, dtype)) == bits(call(torch, dtype))
    both(torch, n)
    assert bits(minigrad.randperm(n)) == bits(torch.randperm(n))


# --- without PyTorch ------------------------------------------------------------------------


def test_known_values_after_manual_seed_0() -> None:
    """PyTorch's numbers, recorded from torch 2.13, so that this holds without torch too."""
    minigrad.manual_seed(0)
    assert minigrad.rand(3)._data.view(np.uint32).tolist() == [1056839000, 1061464623, 1035285416]
    minigrad.manual_seed(0)
    assert minigrad.randn(3).tolist() == pytest.approx([1.5409961, -0.2934289, -2.1787894])
    minigrad.manual_seed(0)
    assert minigrad.randn(17)._data[:3].view(np.uint32).tolist() == [
        3213892485,
        3218674758,
        1058082820,
    ]
    minigrad.manual_seed(0)
    assert minigrad.randint(0, 10, (8,)).tolist() == [4, 9, 3, 0, 3, 9, 7, 3]
    minigrad.manual_seed(0)
    assert minigrad.randperm(8).tolist() == [4, 0, 7, 3, 2, 5, 1, 6]
    minigrad.manual_seed(0)
    assert minigrad.rand(2, dtype=minigrad.float64).tolist() == [
        0.9700530018065531,
        0.707819864399788,
    ]
    fresh = minigrad.Generator()
    assert minigrad.rand(2, generator=fresh)._data.view(np.uint32).tolist() == [
        1049156332,
        1063214596,
    ]


def test_a_fresh_session_starts_from_pytorchs_default_seed() -> None:
    code = "import minigrad; print(minigrad.initial_seed(), minigrad.rand(2).tolist())"
    first, second = (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    )
    assert first == second and first.startswith("67280421310721 ")
    assert minigrad.Generator().initial_seed() == 67280421310721


@pytest.mark.parametrize(
    "call",
    [
        lambda: minigrad.rand(5, 3),
        lambda: minigrad.randn(40, dtype=minigrad.float64),
        lambda: minigrad.randint(-3, 3, (20,)),
        lambda: minigrad.randperm(30),
        lambda: minigrad.normal(2.0, 3.0, (7,)),
    ],
)
def test_the_same_seed_gives_the_same_numbers(call) -> None:
    minigrad.manual_seed(123)
    first = bits(call())
    minigrad.manual_seed(123)
    assert bits(call()) == first
    assert bits(call()) != first


def test_manual_seed_returns_the_default_generator_and_accepts_what_pytorch_accepts() -> None:
    assert minigrad.manual_seed(3) is minigrad.default_generator
    assert isinstance(minigrad.manual_seed(3), minigrad.Generator)
    assert minigrad.manual_seed(-1).initial_seed() == 2**64 - 1
    assert minigrad.manual_seed(2.9).initial_seed() == 2  # int(seed), as torch.manual_seed does
    assert minigrad.manual_seed(True).initial_seed() == 1
    g = minigrad.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert repr(g).startswith("<torch._C.Generator object at 0x")


def test_generators_are_independent() -> None:
    a, b = minigrad.Generator().manual_seed(1), minigrad.Generator().manual_seed(1)
    minigrad.manual_seed(1)
    first = bits(minigrad.randn(20, generator=a))
    minigrad.randn(50)
    minigrad.rand(3, generator=a)
    assert bits(minigrad.randn(20, generator=b)) == first
    minigrad.manual_seed(1)
    assert bits(minigrad.randn(20)) == first


def test_seed_picks_a_new_seed_and_reports_it() -> None:
    chosen = minigrad.seed()
    assert chosen == minigrad.initial_seed() and 0 <= chosen < 2**64
    g = minigrad.Generator()
    assert g.seed() == g.initial_seed()


def test_the_state_round_trips_with_the_cached_normal() -> None:
    minigrad.manual_seed(4)
    minigrad.randn(3)  # an odd count: a sine is cached
    state = minigrad.get_rng_state()
    assert state.dtype is minigrad.uint8 and state.shape == (5056,)
    first = [bits(minigrad.randn(1)), bits(minigrad.rand(700)), bits(minigrad.randn(5))]
    minigrad.set_rng_state(state)
    assert [bits(minigrad.randn(1)), bits(minigrad.rand(700)), bits(minigrad.randn(5))] == first
    g = minigrad.Generator().set_state(state)
    assert bits(minigrad.randn(1, generator=g)) == first[0]
    assert bits(g.get_state()) != bits(state)


def test_manual_seed_forgets_the_cached_normal() -> None:
    minigrad.manual_seed(4)
    minigrad.randn(1)
    minigrad.manual_seed(4)
    first = bits(minigrad.randn(2))
    minigrad.manual_seed(4)
    assert bits(minigrad.randn(2)) == first


ERRORS = [
    (lambda m: m.randint(5, 2, (3,)), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda m: m.randint(5, 5, (3,)), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    (lambda m: m.rand(-1), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda m: m.randn(2, -3), RuntimeError,
     "Trying to create tensor with negative dimension -3: [2, -3]"),
    (lambda m: m.randperm(-1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda m: m.randint(0, 300, (3,), dtype=m.uint8), RuntimeError,
     "to - 1 is out of bounds for unsigned char"),
    (lambda m: m.randint(-1, 3, (3,), dtype=m.uint8), RuntimeError,
     "from is out of bounds for unsigned char"),
    (lambda m: m.randint(0, 2**40, (3,), dtype=m.int32), RuntimeError,
     "to - 1 is out of bounds for int"),
    (lambda m: m.randint(0, 10, (3,), dtype=m.bool), RuntimeError,
     "to - 1 is out of bounds for bool"),
    (lambda m: m.randint(0, 10, (0,), dtype=m.int8), None, None),
    (lambda m: m.randint(0, 300, (0,), dtype=m.uint8), RuntimeError,
     "to - 1 is out of bounds for unsigned char"),
    (lambda m: m.randint(0, 10, (3,), requires_grad=True), RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    (lambda m: m.randint(3), TypeError,
     "randint() received an invalid combination of arguments - got (int), but expected one of:"),
    (lambda m: m.randint(2.5, 3.5, (2,)), TypeError,
     "randint() received an invalid combination of arguments - got (float, float, tuple), "
     "but expected one of:"),
    (lambda m: m.rand(3, dtype=m.int64), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    (lambda m: m.rand_like(m.zeros(2, dtype=m.int64)), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    (lambda m: m.randn(3, dtype=m.int64), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Long'"),
    (lambda m: m.randn(0, dtype=m.int64), None, None),
    (lambda m: m.rand(2.5), TypeError,
     "rand(): argument 'size' (position 1) must be tuple of ints, not float"),
    (lambda m: m.normal(0.0, -1.0, (3,)), RuntimeError,
     "normal expects std >= 0.0, but found std -1"),
    (lambda m: m.randperm(2.0), TypeError,
     "randperm(): argument 'n' (position 1) must be int, not float"),
    (lambda m: m.randperm(3000, dtype=m.float16), RuntimeError,
     "n cannot be greater than 2049 for Half type."),
    (lambda m: m.randperm(2**24 + 2, dtype=m.float32), RuntimeError,
     "n cannot be greater than 2^24+1 for Float type."),
    (lambda m: m.randperm(300, dtype=m.uint8), RuntimeError,
     "value cannot be converted to type uint8_t without overflow"),
    (lambda m: m.randperm(129, dtype=m.int8), RuntimeError,
     "value cannot be converted to type int8_t without overflow"),
    (lambda m: m.randperm(3, dtype=m.bool), NotImplementedError,
     "\"randperm\" not implemented for 'Bool'"),
    (lambda m: m.randperm(3, requires_grad=True), RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    (lambda m: m.manual_seed(2**64), ValueError, "Overflow when unpacking long long"),
    (lambda m: m.manual_seed(-(2**63) - 1), ValueError, "Overflow when unpacking long long"),
    (lambda m: m.Generator().manual_seed(1.5), RuntimeError,
     "manual_seed expected a long, but got float"),
    (lambda m: m.Generator().manual_seed(True), RuntimeError,
     "manual_seed expected a long, but got bool"),
    (lambda m: m.set_rng_state(m.zeros(3, dtype=m.uint8)), RuntimeError,
     "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 3"),
    (lambda m: m.set_rng_state(m.zeros(5056)), TypeError, "RNG state must be a torch.ByteTensor"),
    (lambda m: m.Generator().set_state([1, 2]), TypeError,
     "expected a torch.ByteTensor, but got list"),
    (lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.uint8)), RuntimeError,
     "Invalid mt19937 state"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), ERRORS)
def test_bad_arguments_raise_pytorchs_errors(call, error, message) -> None:
    if error is None:
        call(minigrad)
        return
    with pytest.raises(error) as raised:
        call(minigrad)
    assert str(raised.value).split("\n")[0] == message


@pytest.mark.parametrize(("call", "error", "message"), ERRORS)
def test_the_error_table_is_pytorchs(torch, call, error, message) -> None:
    assert outcome(call, minigrad) == outcome(call, torch)


def test_uniform_bounds_are_checked_as_in_pytorch() -> None:
    array = np.empty(3, np.float32)
    with pytest.raises(
        RuntimeError,
        match=r"^uniform_ expects to return a \[from, to\) range, but found from=2 > to=1$",
    ):
        mr.uniform_(array, 2, 1)
    with pytest.raises(RuntimeError, match="^from is out of bounds for c10::Half$"):
        mr.uniform_(np.empty(3, np.float16), -1e6, 0)
    with pytest.raises(NotImplementedError):
        mr.uniform_(np.empty(3, np.int64))
    assert mr.uniform_(array, 1, 1).tolist() == [1.0, 1.0, 1.0]


def test_randint_takes_pytorchs_argument_forms() -> None:
    for call in [
        lambda: minigrad.randint(10, (3,)),
        lambda: minigrad.randint(0, 10, (3,)),
        lambda: minigrad.randint(10, size=(3,)),
        lambda: minigrad.randint(low=0, high=10, size=(3,)),
        lambda: minigrad.randint(0, 10, [3]),
    ]:
        minigrad.manual_seed(2)
        assert call().tolist() == [8, 7, 1]
    assert minigrad.randint(0, 10, (2,), dtype=minigrad.float32, requires_grad=True).requires_grad


# --- the vectorised algorithms against plain loops ---------------------------------------------


def _swaps_by_loop(n: int, first, second) -> list[int]:
    values = list(range(n))
    for a, b in zip(first, second):
        values[a], values[b] = values[b], values[a]
    return values


@pytest.mark.parametrize("trial", range(30))
def test_swaps_resolve_as_a_loop_would(trial) -> None:
    rng = np.random.default_rng(trial)
    n = int(rng.integers(1, 300))
    first = rng.integers(0, n, int(rng.integers(0, 3 * n)))
    second = rng.integers(0, n, len(first))
    assert mri._swapped_arange(n, first, second).tolist() == _swaps_by_loop(n, first, second)


def test_randperm_follows_pytorchs_loop() -> None:
    """``for i < n − 1: swap r[i], r[i + random() % (n − i)]``, TensorFactories.cpp."""
    for n in [2, 5, 64, 1000]:
        g = minigrad.Generator().manual_seed(n)
        words = g._words(n - 1).tolist()
        first = list(range(n - 1))
        second = [i + w % (n - i) for i, w in zip(first, words)]
        g.manual_seed(n)
        assert mri.permutation(n, g).tolist() == _swaps_by_loop(n, first, second)


def test_large_randperm_uses_pytorchs_inside_out_shuffle(monkeypatch) -> None:
    """From n ≥ 2³²/20 (too large to test here): ``r[i] = r[z]; r[z] = i`` with
    ``z = random64() % (i + 1)``; checked at small n by moving the threshold."""
    monkeypatch.setattr(mri, "_LARGE_PERMUTATION", 0)
    for n in [1, 2, 7, 500]:
        g = minigrad.Generator().manual_seed(n)
        words = g._words64(n).tolist()
        expected = [0] * n
        for i, w in enumerate(words):
            z = w % (i + 1)
            expected[i] = expected[z]
            expected[z] = i
        g.manual_seed(n)
        assert mri.permutation(n, g).tolist() == expected


def test_fused_multiply_add_rounds_once_where_two_roundings_would_differ() -> None:
    """(1 + 2⁻²³)·1.5 lies exactly halfway between two float32s; ±2⁻⁶⁰ decides the side, but
    is lost when the sum is first rounded to float64."""
    a, c = np.full(2, 1 + 2**-23, np.float32), np.array([2**-60, -(2**-60)], np.float32)
    upper, lower = 1.5 + 2**-22, 1.5 + 2**-23
    assert (a.astype(np.float64) * 1.5 + c).astype(np.float32).tolist() == [upper, upper]
    assert _exact_float.fma32(a, np.float32(1.5), c).tolist() == [upper, lower]


@pytest.mark.parametrize("trial", range(3))
def test_fused_multiply_add_matches_exact_arithmetic(trial) -> None:
    rng = np.random.default_rng(trial)
    scale = 10.0 ** rng.integers(-3, 4, 500)
    a32 = (rng.standard_normal(500) * scale).astype(np.float32)
    c32 = (rng.standard_normal(500) * scale[::-1]).astype(np.float32)
    b32 = np.float32(rng.standard_normal())
    got = _exact_float.fma32(a32, b32, c32)
    exact = [
        Fraction(float(x)) * Fraction(float(b32)) + Fraction(float(z)) for x, z in zip(a32, c32)
    ]
    assert got.tolist() == [_nearest_float32(v) for v in exact]
    a64, c64, b64 = (
        rng.standard_normal(500) * scale,
        rng.standard_normal(500),
        rng.standard_normal(),
    )
    got = _exact_float.fma64(a64, float(b64), c64)
    exact = [Fraction(x) * Fraction(float(b64)) + Fraction(z) for x, z in zip(a64, c64)]
    assert got.tolist() == [float(v) for v in exact]  # float(Fraction) rounds correctly


def _nearest_float32(value: Fraction) -> float:
    """``value`` rounded to the nearest float32, ties to even, by exact comparison."""
    guess = np.float32(float(value))
    neighbours = [
        np.nextafter(guess, np.float32(-np.inf)),
        guess,
        np.nextafter(guess, np.float32(np.inf)),
    ]
    distance = {float(n): abs(Fraction(float(n)) - value) for n in neighbours}
    best = min(distance.values())
    nearest = [n for n in neighbours if distance[float(n)] == best]
    return float(min(nearest, key=lambda n: int(n.view(np.uint32)) & 1))


# --- in-place Tensor methods, once Tensor has them -----------------------------------------


@pytest.mark.skipif(not hasattr(minigrad.Tensor, "normal_"), reason="Tensor.normal_ not there yet")
def test_tensor_methods_match_pytorch(torch) -> None:
    both(torch, 21)
    assert bits(minigrad.zeros(20).normal_(1.0, 2.0)) == bits(torch.zeros(20).normal_(1.0, 2.0))
    assert bits(minigrad.zeros(5).uniform_(-1, 1)) == bits(torch.zeros(5).uniform_(-1, 1))
    assert bits(minigrad.zeros(5).random_(10)) == bits(torch.zeros(5).random_(10))
    assert bits(minigrad.zeros(5).random_(2, 10)) == bits(torch.zeros(5).random_(2, 10))


# --- fast enough ----------------------------------------------------------------------------


def test_a_million_numbers_take_well_under_a_second() -> None:
    """No Python loop per number (or per block of 16): each of these takes tens of ms."""
    for call in [
        lambda: minigrad.rand(10**6),
        lambda: minigrad.randn(10**6),
        lambda: minigrad.randn(10**6, dtype=minigrad.float64),
        lambda: minigrad.randperm(10**6),
    ]:
        start = time.perf_counter()
        call()
        assert time.perf_counter() - start < 2.0
