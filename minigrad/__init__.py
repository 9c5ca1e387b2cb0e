"""minigrad: a compact numpy autograd engine with PyTorch's surface.

``import minigrad as torch`` and PyTorch's autograd tutorial runs unchanged.
"""

import math
import warnings

from minigrad import autograd, nn, optim
from minigrad._dtype import bool_ as bool  # noqa: A001 - PyTorch's name
from minigrad._dtype import (
    dtype,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from minigrad._printing import get_printoptions, set_printoptions
from minigrad.autograd import checks as _checks
from minigrad.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd import functional as _functional
from minigrad.autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from minigrad.autograd.grad_mode import is_inference_mode_enabled
from minigrad.creation import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.ops.arithmetic import add, div, mul, neg, pow, reciprocal, square, sub  # noqa: A004
from minigrad.ops.bounds import maximum, minimum
from minigrad.ops.division import floor_divide, fmod, remainder
from minigrad.ops.elementwise import (
    abs,  # noqa: A004
    clamp,
    clip,
    clone,
    cos,
    exp,
    log,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
    where,
)
from minigrad.ops.exp_log import expm1, log1p, rsqrt
from minigrad.ops.extrema import amax, amin
from minigrad.ops.indexing import cat, gather, index_select, masked_fill, narrow, select, stack
from minigrad.ops.linalg import addmm, dot, ger, matmul, mm, mv, outer
from minigrad.ops.logic import (  # noqa: A004
    all,
    allclose,
    any,
    eq,
    equal,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lt,
    ne,
)
from minigrad.ops.losses import log_softmax, softmax
from minigrad.ops.norms import norm
from minigrad.ops.pointwise import addcdiv, addcmul, lerp
from minigrad.ops.product import prod
from minigrad.ops.rearrange import diag, flip, roll, tril, triu
from minigrad.ops.reduce import argmax, argmin, max, mean, min, sum  # noqa: A004
from minigrad.ops.rounding import ceil, fix, floor, frac, round, trunc  # noqa: A004
from minigrad.ops.split import chunk, split, split_with_sizes, unbind
from minigrad.ops.statistics import cumsum, logsumexp, std, var
from minigrad.ops.trigonometry import (
    acos,
    arccos,
    arcsin,
    arctan,
    arctan2,
    asin,
    atan,
    atan2,
    cosh,
    sinh,
)
from minigrad.ops.views import (
    flatten,
    movedim,
    permute,
    reshape,
    squeeze,
    swapaxes,
    swapdims,
    t,
    transpose,
    unflatten,
    unsqueeze,
)
from minigrad.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minigrad.random_tensors import (
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from minigrad.tensor import Size, Tensor

autograd.functional = _functional
autograd.gradcheck = _checks.gradcheck
autograd.gradgradcheck = _checks.gradgradcheck
float = float32  # noqa: A001 - PyTorch's alias
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

# PyTorch's constants (``torch.pi``): Python floats, as there
pi, e, inf, nan = math.pi, math.e, math.inf, math.nan

__version__ = "0.1.0"


def _silence_numpy_warnings() -> None:
    """PyTorch computes 1/0 = inf and log(0) = -inf silently; numpy warns. Silence the numpy
    warnings raised in minigrad's own modules only: the learner's numpy code still warns."""
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad\.")


_silence_numpy_warnings()


def is_tensor(obj: object) -> bool:
    """True if ``obj`` is a minigrad tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()
