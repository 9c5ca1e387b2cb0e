"""Tests for minigrad._printing: known PyTorch strings, plus differential tests against torch.

The differential tests skip when torch is not installed; the literal-string tests always run.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad._printing import format_tensor, get_printoptions, set_printoptions

DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
FLOAT_DTYPES = ["float16", "float32", "float64"]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]
ALL_DTYPES = [*FLOAT_DTYPES, *INT_DTYPES, "bool"]


@pytest.fixture(autouse=True)
def _restore_printoptions():
    """Every test starts and ends with default options, in minigrad and (if loaded) torch."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default")


def torch_repr(arr: np.ndarray, mode: str = "plain") -> str:
    """repr of the torch tensor holding `arr`; mode "grad" adds requires_grad, "clone" a grad_fn."""
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(np.array(arr, order="C"))  # writable C-order copy, keeps 0-d
    if mode != "plain":
        t.requires_grad_()
    if mode == "clone":
        t = t.clone()
    return repr(t)


def ours(arr: np.ndarray, mode: str = "plain") -> str:
    suffixes = {
        "plain": [],
        "grad": ["requires_grad=True"],
        "clone": ["grad_fn=<CloneBackward0>"],
    }[mode]
    return format_tensor(arr, arr.dtype.name, suffixes)


# --------------------------------------------------------------------------------------------
# Known PyTorch output, no torch needed.
# --------------------------------------------------------------------------------------------

KNOWN = [
    (
        np.array([-12.0, 65.0], np.float32),
        "float32",
        ["grad_fn=<SubBackward0>"],
        "tensor([-12.,  65.], grad_fn=<SubBackward0>)",
    ),
    (
        np.array([[0.73], [0.63], [0.53]], np.float32),
        "float32",
        ["requires_grad=True"],
        "tensor([[0.7300],\n        [0.6300],\n        [0.5300]], requires_grad=True)",
    ),
    (np.array(41.0, np.float32), "float32", [], "tensor(41.)"),
    (
        np.array(3.5, np.float16),
        "float16",
        ["grad_fn=<CloneBackward0>"],
        "tensor(3.5000, dtype=torch.float16, grad_fn=<CloneBackward0>)",
    ),
    (np.zeros(0, np.float32), "float32", [], "tensor([])"),
    (np.zeros((0, 3), np.float32), "float32", [], "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), "int64", [], "tensor([], dtype=torch.int64)"),
    (np.zeros((2, 0), np.bool_), "bool", [], "tensor([], size=(2, 0), dtype=torch.bool)"),
    (np.array([1, 0, 1], np.int64), "int64", [], "tensor([1, 0, 1])"),
    (np.array([1, 0, 1], np.int32), "int32", [], "tensor([1, 0, 1], dtype=torch.int32)"),
    (np.array([1, 0, 1], np.uint8), "uint8", [], "tensor([1, 0, 1], dtype=torch.uint8)"),
    (np.array([1, 0, 1], np.float16), "float16", [], "tensor([1., 0., 1.], dtype=torch.float16)"),
    (np.array([True, False, True]), "bool", [], "tensor([ True, False,  True])"),
    (
        np.array([1e-5, 1.0, -0.0, np.nan], np.float32),
        "float32",
        [],
        "tensor([1.0000e-05, 1.0000e+00, -0.0000e+00,        nan])",
    ),
    (np.array([np.nan, 1.0, -np.inf], np.float32), "float32", [], "tensor([nan, 1., -inf])"),
    (
        np.ones((2, 1, 2, 2), np.int32),
        "int32",
        [],
        "tensor([[[[1, 1],\n          [1, 1]]],\n\n\n        [[[1, 1],\n          [1, 1]]]],"
        " dtype=torch.int32)",
    ),
    (
        np.arange(30) * 1.5,
        "float64",
        [],
        "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
        "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
        "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
        "        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000],\n"
        "       dtype=torch.float64)",
    ),
]


@pytest.mark.parametrize(("data", "dtype", "suffixes", "expected"), KNOWN)
def test_known_pytorch_strings(data, dtype, suffixes, expected):
    assert format_tensor(data, dtype, suffixes) == expected


def test_torch_docstring_examples():
    set_printoptions(precision=2)
    assert format_tensor(np.array([1.12345]), "float32") == "tensor([1.12])"
    set_printoptions(threshold=5)
    assert format_tensor(np.arange(10), "int64") == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="default")
    assert format_tensor(np.array([1.12345]), "float32") == "tensor([1.1235])"
    assert format_tensor(np.arange(10), "int64") == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_data_is_converted_to_named_dtype():
    # 0.1 is not representable; float32 rounding must show up exactly as torch would show it.
    set_printoptions(precision=10)
    assert format_tensor(np.array([0.1]), "float32") == "tensor([0.1000000015])"
    assert format_tensor(np.array([0.1]), "float64") == (
        "tensor([0.1000000000], dtype=torch.float64)"
    )


def test_unknown_dtype_name_rejected():
    with pytest.raises(ValueError, match="complex64"):
        format_tensor(np.zeros(2), "complex64")


def test_printoptions_defaults_and_roundtrip():
    assert get_printoptions() == DEFAULTS
    set_printoptions(precision=7, threshold=12, edgeitems=1, linewidth=40, sci_mode=True)
    changed = get_printoptions()
    assert changed == {
        "precision": 7,
        "threshold": 12,
        "edgeitems": 1,
        "linewidth": 40,
        "sci_mode": True,
    }
    set_printoptions(profile="default")
    assert get_printoptions() == DEFAULTS
    set_printoptions(**changed)
    assert get_printoptions() == changed


def test_printoptions_profiles():
    set_printoptions(profile="short")
    assert get_printoptions() == {**DEFAULTS, "precision": 2, "edgeitems": 2}
    set_printoptions(profile="full", precision=6)
    assert get_printoptions() == {**DEFAULTS, "precision": 6, "threshold": math.inf}


def test_sci_mode_resets_when_omitted():
    set_printoptions(sci_mode=False)
    assert get_printoptions()["sci_mode"] is False
    assert format_tensor(np.array([1e-5, 1.0]), "float32") == "tensor([0.0000, 1.0000])"
    set_printoptions(precision=4)  # any call without sci_mode goes back to automatic
    assert get_printoptions()["sci_mode"] is None
    assert format_tensor(np.array([1e-5, 1.0]), "float32") == "tensor([1.0000e-05, 1.0000e+00])"


def test_returned_dict_is_a_copy():
    opts = get_printoptions()
    opts["precision"] = 99
    assert get_printoptions()["precision"] == 4


# --------------------------------------------------------------------------------------------
# Differential tests against real torch.
# --------------------------------------------------------------------------------------------

_rng = np.random.default_rng(0)

CASES = {
    "scalar_int_valued": np.array(41.0, np.float32),
    "scalar_fraction": np.array(-0.125, np.float32),
    "scalar_nan": np.array(np.nan, np.float32),
    "scalar_neg_zero": np.array(-0.0, np.float64),
    "scalar_huge": np.array(3e12, np.float32),
    "scalar_int": np.array(-7, np.int64),
    "scalar_bool": np.array(True),
    "1d_small": np.array([1.5, -2.25, 3.0], np.float32),
    "1d_ints_as_float": np.array([-12.0, 65.0, 100.0], np.float32),
    "1d_zeros": np.zeros(5, np.float32),
    "1d_neg_zero": np.array([-0.0, 0.0, 1.0], np.float32),
    "1d_mixed_signs": _rng.standard_normal(12).astype(np.float32),
    "1d_nan_inf": np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], np.float32),
    "1d_only_nonfinite": np.array([np.nan, np.inf, -np.inf], np.float64),
    "1d_int_valued_inf": np.array([1.0, -np.inf, 300.0], np.float32),
    "1d_tiny": np.array([1e-5, 2e-5, 3e-6], np.float32),
    "1d_huge": np.array([1e9, 2e9, -3e9], np.float64),
    "1d_ratio_gt_1000": np.array([0.5, 600.0], np.float32),
    "1d_ratio_lt_1000": np.array([0.5, 400.0], np.float32),
    "1d_int_valued_sci": np.array([1.0, 1e10], np.float64),
    "1d_extreme_f64": np.array([1e308, 5e-324, -1e-300], np.float64),
    "1d_wide_wrap": np.linspace(-50, 50, 61).astype(np.float32),
    "1d_wide_sci_wrap": np.geomspace(1e-8, 1e8, 40),
    "1d_int_wrap": np.arange(-100, 100, 3, dtype=np.int64),
    "1d_bool_wrap": _rng.random(50) > 0.5,
    "2d": _rng.standard_normal((4, 5)).astype(np.float32),
    "2d_column": np.array([[0.73], [0.63], [0.53]], np.float32),
    "2d_wide_rows": _rng.standard_normal((3, 30)),
    "2d_int32": _rng.integers(-1000, 1000, (5, 6), dtype=np.int32),
    "3d": _rng.standard_normal((2, 3, 4)).astype(np.float32),
    "3d_ints": np.arange(24, dtype=np.int16).reshape(2, 3, 4),
    "4d": _rng.standard_normal((2, 2, 2, 3)).astype(np.float16),
    "4d_bool": _rng.random((2, 3, 1, 2)) > 0.3,
    "5d": np.arange(32, dtype=np.float32).reshape(2, 2, 2, 2, 2),
    "empty_1d": np.zeros(0, np.float32),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_3d_int": np.zeros((2, 0, 4), np.int64),
    "empty_f16": np.zeros(0, np.float16),
    "big_1d": np.arange(1001, dtype=np.float32),
    "big_1d_int": np.arange(5000, dtype=np.int64),
    "big_2d": _rng.standard_normal((40, 50)).astype(np.float32),
    "big_2d_narrow": np.arange(2000, dtype=np.float64).reshape(1000, 2),
    "big_3d": _rng.standard_normal((10, 11, 12)),
    "big_bool": _rng.random((20, 60)) > 0.5,
    "big_wide_rows": _rng.standard_normal((3, 400)).astype(np.float32),
    "big_outlier_hidden": np.concatenate([np.ones(3), np.full(1000, 1e-9), np.ones(3)]),
    "exactly_threshold": np.arange(1000, dtype=np.int32),
    "int8_extremes": np.array([-128, 0, 127], np.int8),
    "uint8": np.array([0, 7, 255], np.uint8),
    "f16_extremes": np.array([65504.0, -6e-8, 0.1], np.float16),
    "precision_carry": np.array([9.99996, 0.5], np.float32),
}


# Only floating tensors can require grad, so integer and bool cases run in "plain" mode only.
TABLE = [
    (name, mode)
    for name, arr in CASES.items()
    for mode in (("plain", "grad", "clone") if arr.dtype.kind == "f" else ("plain",))
]


@pytest.mark.parametrize(("name", "mode"), TABLE)
def test_matches_torch_table(name, mode):
    arr = CASES[name]
    assert ours(arr, mode) == torch_repr(arr, mode)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_matches_torch_every_dtype(dtype):
    arr = np.array([[0, 1, 3], [5, 1, 0]]).astype(dtype)
    assert ours(arr) == torch_repr(arr)
    assert ours(arr[:0]) == torch_repr(arr[:0])
    assert ours(arr[0, 0]) == torch_repr(arr[0, 0])


OPTION_CASES = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 5},
    {"threshold": 0},
    {"edgeitems": 0, "threshold": 5},
    {"edgeitems": 0},
    {"edgeitems": 1, "threshold": 10},
    {"linewidth": 20},
    {"linewidth": 1},
    {"linewidth": 200},
    {"profile": "short"},
    {"profile": "full"},
]


@pytest.mark.parametrize("opts", OPTION_CASES, ids=str)
@pytest.mark.parametrize(
    "name",
    [
        "1d_mixed_signs",
        "2d",
        "3d",
        "big_2d",
        "1d_tiny",
        "1d_int_wrap",
        "scalar_fraction",
        "big_bool",
        "1d_zeros",
    ],
)
def test_matches_torch_with_options(name, opts):
    torch = pytest.importorskip("torch")
    set_printoptions(**opts)
    torch.set_printoptions(**opts)
    arr = CASES[name]
    assert ours(arr) == torch_repr(arr)
    if arr.dtype.kind == "f":
        assert ours(arr, "grad") == torch_repr(arr, "grad")


@pytest.mark.parametrize("linewidth", range(20, 91))
def test_matches_torch_at_every_wrap_boundary(linewidth):
    """Sweep the width so that rows and suffixes land exactly on the wrapping limit."""
    torch = pytest.importorskip("torch")
    set_printoptions(linewidth=linewidth)
    torch.set_printoptions(linewidth=linewidth)
    for arr in (
        np.arange(7, dtype=np.float64) * 1.5,
        np.arange(9, dtype=np.float32),
        np.arange(13, dtype=np.float16).reshape(1, 13),
        np.array([[0.73], [0.63], [0.53]], np.float32),
    ):
        for mode in ("plain", "grad", "clone"):
            assert ours(arr, mode) == torch_repr(arr, mode)


@pytest.mark.parametrize(
    "calls",
    [
        [{"precision": 3}],
        [{"profile": "short"}, {"linewidth": 50}],
        [{"profile": "full", "edgeitems": 1}],
        [{"sci_mode": True}, {"precision": 2}],
        [{"profile": "bogus"}],
        [{"threshold": 7.5, "sci_mode": False}],
    ],
    ids=str,
)
def test_printoptions_state_matches_torch(calls):
    torch = pytest.importorskip("torch")
    for kwargs in calls:
        set_printoptions(**kwargs)
        torch.set_printoptions(**kwargs)
        assert get_printoptions() == torch._tensor_str.get_printoptions()


# ---- property tests --------------------------------------------------------------------------

# Values on either side of the _Formatter rules (int mode, sci mode, non-finite, signed zero).
SPECIAL_FLOATS = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 1e-5, 9.99996, 1001.0]


def _elements(dtype: str) -> st.SearchStrategy:
    if dtype == "bool":
        return st.booleans()
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        return st.integers(int(info.min), int(info.max))
    width = {"float16": 16, "float32": 32, "float64": 64}[dtype]
    return st.one_of(
        st.floats(width=width),  # any value, including nan/inf/subnormals
        st.integers(-1000, 1000).map(float),  # int-valued floats
        st.integers(-(10**6), 10**6).map(lambda i: i / 1000),  # "nice" decimals
        st.sampled_from(SPECIAL_FLOATS + ([6e4] if dtype == "float16" else [1e9, 1e-9])),
    )


@st.composite
def arrays(draw, max_side: int = 7) -> np.ndarray:
    dtype = draw(st.sampled_from(ALL_DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side))
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=_elements(dtype)))


@settings(max_examples=300, deadline=None)
@given(arr=arrays())
def test_property_matches_torch(arr):
    pytest.importorskip("torch")
    assert ours(arr) == torch_repr(arr)
    if arr.dtype.kind == "f":
        assert ours(arr, "grad") == torch_repr(arr, "grad")
        assert ours(arr, "clone") == torch_repr(arr, "clone")


@settings(max_examples=300, deadline=None)
@given(
    arr=arrays(max_side=9),
    precision=st.integers(0, 8),
    threshold=st.one_of(st.integers(0, 60), st.just(math.inf)),
    edgeitems=st.integers(0, 4),
    linewidth=st.integers(1, 120),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_property_matches_torch_with_options(
    arr, precision, threshold, edgeitems, linewidth, sci_mode
):
    torch = pytest.importorskip("torch")
    opts = {
        "precision": precision,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
        "sci_mode": sci_mode,
    }
    try:
        set_printoptions(**opts)
        torch.set_printoptions(**opts)
        assert ours(arr) == torch_repr(arr)
        if arr.dtype.kind == "f":
            assert ours(arr, "clone") == torch_repr(arr, "clone")
    finally:  # the autouse fixture only runs once per test, not per hypothesis example
        set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
