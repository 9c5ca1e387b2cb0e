"""The checks at the end of each lesson: ``checks.lesson1_exercise1(torch, dP_da, dP_db)``.

Each takes the tensor library the lesson runs on (minigrad or PyTorch, imported as ``torch``)
and the learner's answer: a function, evaluated at several random points (seeded, with unequal
entries and more than two samples, so that a constant or a dropped factor cannot pass by luck),
or the predicted values. It prints one line per part: ✓, or ✗ with a hint aimed at the likely
mistake, or … while the answer is still ``...``. It never prints the expected value.

>>> import minigrad as torch
>>> lesson1_exercise2(torch, [36.0, 0.0], ...)
✓ a.grad is right.
… b.grad: not answered yet. Replace the ... with your answer.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

Hints = Sequence[tuple[Callable[..., Any], str]]  # (a known mistake, the hint for it)

SEEDS = (1, 2, 3)  # one random point per seed


# --- saying it ---------------------------------------------------------------------------------


def _right(part: str, why: str = "") -> bool:
    print(f"✓ {part} is right{': ' + why if why else '.'}")
    return True


def _wrong(part: str, problem: str, hint: str) -> bool:
    print(f"✗ {part}: {problem}. Hint: {hint}")
    return False


def _not_answered(part: str) -> bool:
    print(f"… {part}: not answered yet. Replace the ... with your answer.")
    return False


def _is_unanswered(answer: Any) -> bool:
    if answer is ...:
        return True
    return isinstance(answer, (list, tuple)) and any(_is_unanswered(item) for item in answer)


def _raised(error: Exception) -> str:
    return f"your code raised {type(error).__name__}: {error}"


# --- random points and comparing ---------------------------------------------------------------


def _values(rng: random.Random, count: int) -> list[float]:
    """count distinct numbers in [-3, 3] with two decimals, none of them 0."""
    return [k / 100 for k in rng.sample([k for k in range(-300, 301) if k], count)]


def _random(torch: Any, rng: random.Random, *shape: int, requires_grad: bool = False) -> Any:
    count = 1
    for size in shape:
        count *= size
    data = torch.tensor(_values(rng, count), dtype=torch.float64).reshape(shape)
    return data.requires_grad_(requires_grad)


def _as_numbers(torch: Any, value: Any) -> Any | None:
    """value as a float64 tensor, or None when it is not numbers."""
    try:
        if torch.is_tensor(value):
            return value.detach().to(torch.float64)
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def _same(torch: Any, mine: Any, expected: Any) -> bool:
    return tuple(mine.shape) == tuple(expected.shape) and bool(
        torch.allclose(mine, expected.to(torch.float64), rtol=1e-4, atol=1e-6)
    )


def _known_mistake(torch: Any, mine: Any, hints: Hints, *args: Any) -> str | None:
    """The hint of the first known mistake that gives what the answer gave, if any."""
    for mistake, hint in hints:
        if _same(torch, mine, _as_numbers(torch, mistake(*args))):
            return hint
    return None


def _check_formula(
    torch: Any,
    part: str,
    answer: Callable[..., Any],
    points: list[tuple[tuple[Any, ...], Any]],
    hints: Hints,
    hint: str,
) -> bool:
    """answer(*args) against the expected tensor at every point; a hint on the first miss."""
    if not callable(answer):
        return _wrong(part, "this should be a function (def ...)", "keep the def line as it is")
    for args, expected in points:
        try:
            result = answer(*args)
        except Exception as error:  # the learner's code: any error is theirs to see
            return _wrong(part, _raised(error), hint)
        if _is_unanswered(result):
            return _not_answered(part)
        mine = _as_numbers(torch, result)
        if mine is None:
            return _wrong(part, "your formula does not give numbers", hint)
        if mine.dim() == 0 and expected.dim() > 0:
            return _wrong(
                part,
                "your formula gives a single number",
                "the answer has one value per element, and it changes with the inputs",
            )
        if tuple(mine.shape) != tuple(expected.shape):
            return _wrong(
                part,
                f"your formula gives shape {tuple(mine.shape)}, not {tuple(expected.shape)}",
                hint,
            )
        if not _same(torch, mine, expected):
            return _wrong(
                part,
                "not right at the test points",
                _known_mistake(torch, mine, hints, *args) or hint,
            )
    return _right(part, f"it agrees with autograd at {len(points)} random points")


def _check_prediction(
    torch: Any, part: str, answer: Any, expected: Any, hints: Hints, hint: str
) -> bool:
    """A predicted list of numbers against autograd's, at the lesson's one point."""
    if _is_unanswered(answer):
        return _not_answered(part)
    mine = _as_numbers(torch, answer)
    if mine is None:
        return _wrong(part, "that is not a list of numbers", "write it like [1.0, 2.0]")
    if tuple(mine.shape) != tuple(expected.shape):
        count = expected.numel()
        return _wrong(
            part,
            f"that is not a list of {count} numbers",
            f"{part} has one number per element of the tensor: {count} of them",
        )
    if not _same(torch, mine, expected):
        return _wrong(part, "not quite", _known_mistake(torch, mine, hints) or hint)
    return _right(part)


# --- lesson 1 ----------------------------------------------------------------------------------


def lesson1_exercise1(torch: Any, dP_da: Callable[..., Any], dP_db: Callable[..., Any]) -> None:
    """∂P/∂a and ∂P/∂b of P = a·b² − 2a, as formulas in a and b."""
    points_a, points_b = [], []
    for seed, size in zip(SEEDS, (3, 4, 5)):
        rng = random.Random(seed)
        a = _random(torch, rng, size, requires_grad=True)
        b = _random(torch, rng, size, requires_grad=True)
        (a * b**2 - 2 * a).sum().backward()
        points_a.append(((a.detach(), b.detach()), a.grad))
        points_b.append(((a.detach(), b.detach()), b.grad))
    _check_formula(
        torch,
        "∂P/∂a",
        dP_da,
        points_a,
        (
            (lambda a, b: b**2, "−2a changes with a too: its derivative is not 0"),
            (lambda a, b: 2 * a * b, "that is ∂P/∂b; for ∂P/∂a treat b as a constant number"),
        ),
        "treat b as a constant number, and differentiate each term",
    )
    _check_formula(
        torch,
        "∂P/∂b",
        dP_db,
        points_b,
        (
            (lambda a, b: 2 * b, "a multiplies b²: it stays, as a constant factor"),
            (lambda a, b: 2 * a * b - 2, "−2a does not change with b: its derivative is 0"),
            (lambda a, b: b**2 - 2, "that is ∂P/∂a; for ∂P/∂b treat a as a constant number"),
        ),
        "treat a as a constant number, and differentiate each term",
    )


def lesson1_exercise2(torch: Any, my_a_grad: Any, my_b_grad: Any) -> None:
    """a.grad and b.grad after the tutorial's Q.backward(gradient=[1., 0.])."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    (3 * a**3 - b**2).backward(gradient=torch.tensor([1.0, 0.0]))
    both = "that is the gradient for gradient=[1., 1.]: here Q₂ counts 0 times"
    hint = "gradient=[1., 0.] makes the one number 1·Q₁ + 0·Q₂ = Q₁: what does Q₁ depend on?"
    _check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: 9 * a.detach() ** 2, both),
            (lambda: b.grad, "that is b.grad: a.grad comes from 3a³"),
        ),
        hint,
    )
    _check_prediction(
        torch,
        "b.grad",
        my_b_grad,
        b.grad,
        (
            (lambda: -2 * b.detach(), both),
            (lambda: a.grad, "that is a.grad: b.grad comes from −b²"),
            (lambda: -b.grad, "mind the sign: Q subtracts b²"),
        ),
        hint,
    )


# --- lesson 2 ----------------------------------------------------------------------------------


def _names_of(nodes: Sequence[tuple[Any, int]]) -> list[str]:
    return ["None" if node is None else type(node).__name__ for node, _ in nodes]


def lesson2_exercise1(torch: Any, my_names: Any) -> None:
    """The class names r.grad_fn.next_functions leads to, for r = a * b + a."""
    part = "next_functions"
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    r = a * b + a
    expected = _names_of(r.grad_fn.next_functions)
    if _is_unanswered(my_names):
        _not_answered(part)
    elif not isinstance(my_names, (list, tuple)) or not all(
        isinstance(name, str) for name in my_names
    ):
        _wrong(part, "that is not a list of strings", 'write it like ["PowBackward0", "..."]')
    elif len(my_names) != len(expected):
        _wrong(
            part,
            f"you named {len(my_names)} nodes",
            "the last operation, +, has two inputs: one entry for each",
        )
    elif list(my_names) == expected:
        _right(part, "one entry per input of +, in the order of its inputs")
    elif sorted(my_names) == sorted(expected):
        _wrong(
            part,
            "right names, wrong order",
            "next_functions follows the inputs of +: a * b first, then a",
        )
    elif "AddBackward0" in my_names:
        _wrong(
            part,
            "not quite",
            "AddBackward0 is r.grad_fn itself; next_functions holds the nodes of its inputs",
        )
    elif "None" in my_names or "" in my_names:
        _wrong(
            part,
            "not quite",
            "None stands for an input that needs no gradient; a leaf "
            "that requires grad has a node of its own (lesson 2's drawing shows it)",
        )
    else:
        _wrong(
            part,
            "not quite",
            "the last operation is +: what made each of its two inputs, "
            "an operation or nothing (a leaf)?",
        )


def lesson2_exercise2(torch: Any, my_a_grad: Any) -> None:
    """a.grad after r.sum().backward(), for r = a * b + a at the tutorial's a and b."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    (a * b + a).sum().backward()
    if _check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: b, "that is what the path through a * b brings; a also reaches r directly"),
            (
                lambda: torch.ones(2),
                "that is what the direct path brings; a also reaches r through a * b",
            ),
        ),
        "a reaches r along two paths, through a * b and directly: what does each bring?",
    ):
        print("  Both paths end in a's one AccumulateGrad node, which adds up what they bring.")


# --- lesson 3 ----------------------------------------------------------------------------------


def lesson3_exercise1(torch: Any, my_answers: Any) -> None:
    """Predicted .requires_grad of x * 2, x * z, z.detach() * 2 and z * 2 under no_grad()."""
    part = "your answers"
    x = torch.ones(2, 2)
    z = torch.ones(2, 2, requires_grad=True)
    with torch.no_grad():
        in_no_grad = z * 2
    truth = [
        (x * 2).requires_grad,
        (x * z).requires_grad,
        (z.detach() * 2).requires_grad,
        in_no_grad.requires_grad,
    ]
    if _is_unanswered(my_answers):
        _not_answered(part)
    elif not isinstance(my_answers, (list, tuple)) or len(my_answers) != len(truth):
        _wrong(part, f"write a list of {len(truth)} answers", "one True or False per expression")
    elif not all(isinstance(answer, bool) for answer in my_answers):
        _wrong(part, "each answer is True or False", "write True or False, without quotes")
    elif list(my_answers) != truth:
        right = sum(mine == answer for mine, answer in zip(my_answers, truth))
        _wrong(
            part,
            f"{right} of {len(truth)} right",
            "a result requires grad when recording "
            "is on and an input of its operation requires grad; detach() gives a tensor "
            "that does not",
        )
    else:
        _right(part, f"all {len(truth)}")


def lesson3_exercise2(torch: Any, two_layer: Callable[..., Any]) -> None:
    """two_layer(inputs, w1, w2): (inputs @ w1 @ w2).sum(), with gradients reaching w2 only,
    w1.requires_grad left True."""
    part = "two_layer"
    for seed, (samples, hidden) in zip(SEEDS, ((5, 2), (3, 4), (7, 3))):
        rng = random.Random(seed)
        inputs = _random(torch, rng, samples, 3)
        w1 = _random(torch, rng, 3, hidden, requires_grad=True)
        w2 = _random(torch, rng, hidden, 1, requires_grad=True)
        w1_before = w1.detach().clone()
        with torch.no_grad():
            expected_loss = (inputs @ w1 @ w2).sum()
            expected_w2_grad = (inputs @ w1).sum(0).reshape(hidden, 1)
        try:
            loss = two_layer(inputs, w1, w2)
        except Exception as error:  # the learner's code
            _wrong(
                part,
                _raised(error),
                "return (inputs @ w1 @ w2).sum(), with the first "
                "layer under torch.no_grad() or detached",
            )
            return
        if _is_unanswered(loss):
            _not_answered(part)
            return
        if not w1.requires_grad:
            _wrong(
                part,
                "w1.requires_grad was switched off",
                "the exercise asks you to leave "
                "w1 as it is and use torch.no_grad() or detach() instead",
            )
            return
        if not torch.is_tensor(loss) or loss.dim() != 0:
            _wrong(part, "it does not return one number", "return the .sum() of the output")
            return
        if not torch.equal(w1.detach(), w1_before) or not _same(torch, loss, expected_loss):
            _wrong(part, "the loss has changed", "compute the same (inputs @ w1 @ w2).sum()")
            return
        if not loss.requires_grad:
            _wrong(
                part,
                "nothing in the loss requires grad",
                "only the first layer, "
                "inputs @ w1, goes under torch.no_grad() (or is detached); w2 must be recorded",
            )
            return
        loss.backward()
        if w1.grad is not None:
            _wrong(
                part,
                "w1 still gets a gradient",
                "compute inputs @ w1 under "
                "torch.no_grad(), or detach it, so that autograd does not record it",
            )
            return
        if w2.grad is None or not _same(torch, w2.grad, expected_w2_grad):
            _wrong(
                part,
                "w2 does not get its gradient",
                "only the first layer is cut off; the multiplication by w2 must be recorded",
            )
            return
    _right(
        part,
        f"at {len(SEEDS)} random points w2 gets its gradient, w1.grad stays None, and "
        "w1.requires_grad stays True",
    )


# --- lesson 4 ----------------------------------------------------------------------------------


def lesson4_exercise1(torch: Any, gradient_formula: Callable[..., Any]) -> None:
    """∂loss/∂w for loss = ((x @ w - target)**2).mean(), as a formula in x, w and target."""
    points = []
    for seed, (samples, features) in zip(SEEDS, ((3, 3), (5, 3), (4, 2))):
        rng = random.Random(seed)
        x = _random(torch, rng, samples, features)
        w = _random(torch, rng, features, 1, requires_grad=True)
        target = _random(torch, rng, samples, 1)
        ((x @ w - target) ** 2).mean().backward()
        points.append(((x, w.detach(), target), w.grad))
    two_over_n = "the mean divides by N = x.shape[0] (the check tries several N, not just 2)"
    _check_formula(
        torch,
        "your gradient",
        gradient_formula,
        points,
        (
            (
                lambda x, w, t: x.T @ (x @ w - t),
                f"a factor 2/N is missing: the square's derivative brings a 2, and {two_over_n}",
            ),
            (lambda x, w, t: 2 * x.T @ (x @ w - t), f"a factor 1/N is missing: {two_over_n}"),
            (
                lambda x, w, t: x.T @ (x @ w - t) / x.shape[0],
                "a factor 2 is missing: the derivative of error² is 2·error",
            ),
            (
                lambda x, w, t: 2 / x.shape[0] * x.T @ (t - x @ w),
                "mind the sign: the error is x @ w − target",
            ),
        ),
        "each sample's row of x, times 2·error / N, summed over the samples: x.T @ (...)",
    )


def _does_nothing(function: Callable[..., Any]) -> bool:
    """True for a function whose body is still just ``...``: it names nothing."""
    code = getattr(function, "__code__", None)
    return code is not None and not code.co_names and code.co_nlocals == code.co_argcount


def lesson4_exercise2(torch: Any, sgd_step: Callable[..., Any]) -> None:
    """sgd_step(parameters, learning_rate): p ← p − learning_rate · p.grad for each p, in place
    under torch.no_grad(), then p.grad zeroed."""
    part = "sgd_step"
    rebinding = (
        "`p = p - …` makes a new tensor, which is not a leaf, and only rebinds the "
        "name p; the parameter itself is unchanged. Update it in place under "
        "torch.no_grad(): p.sub_(…) or p -= …"
    )
    for seed, learning_rate in zip(SEEDS, (0.1, 0.5, 0.05)):
        rng = random.Random(seed)
        w = _random(torch, rng, 2, 3, requires_grad=True)
        b = _random(torch, rng, 1, requires_grad=True)
        slopes = (_random(torch, rng, 2, 3), _random(torch, rng, 1))
        ((w * slopes[0]).sum() + (b * slopes[1]).sum()).backward()  # grads: the slopes
        before = [p.detach().clone() for p in (w, b)]
        parameters = [w, b]
        try:
            with warnings.catch_warnings():  # reading .grad of a non-leaf warns: hinted below
                warnings.simplefilter("ignore")
                sgd_step(parameters, learning_rate)
        except Exception as error:  # the learner's code
            _wrong(part, _raised(error), _error_hint(error, (w, b), rebinding))
            return
        moved = [not torch.equal(p.detach(), old) for p, old in zip((w, b), before)]
        if not any(moved) and _does_nothing(sgd_step):
            _not_answered(part)
            return
        if parameters[0] is not w or parameters[1] is not b:
            _wrong(
                part,
                "the list now holds new tensors that are not leaves",
                "`parameters[i] "
                "= p - …` replaces the list's entry; the model's own weight is unchanged. "
                "Update each parameter in place under torch.no_grad(): p.sub_(…)",
            )
            return
        if not all(moved):
            _wrong(part, "the parameters did not move", rebinding)
            return
        if not (w.requires_grad and b.requires_grad and w.is_leaf and b.is_leaf):
            _wrong(
                part,
                "a parameter no longer requires grad",
                "update the values in place and leave requires_grad as it is",
            )
            return
        expected = [old - learning_rate * slope for old, slope in zip(before, slopes)]
        if not all(_same(torch, p.detach(), e) for p, e in zip((w, b), expected)):
            _wrong(
                part,
                "the parameters moved by the wrong amount",
                _step_hint(torch, (w, b), before, slopes, learning_rate),
            )
            return
        if not all(p.grad is None or not bool(p.grad.abs().max() > 0) for p in (w, b)):
            _wrong(
                part,
                "the parameters took their step, but their gradients were not zeroed",
                "after the update, p.grad.zero_() (or p.grad = None), or the next "
                "backward() adds to the old gradient",
            )
            return
    _right(
        part,
        f"at {len(SEEDS)} random points each parameter took its step in place, and "
        "its gradient was zeroed",
    )


def _error_hint(error: Exception, parameters: Sequence[Any], rebinding: str) -> str:
    """What an error in sgd_step most likely means."""
    if isinstance(error, RuntimeError) and "in-place" in str(error):
        return (
            "an in-place change of a leaf that requires grad must run under "
            "torch.no_grad(), so that autograd does not record the update"
        )
    if isinstance(error, (TypeError, AttributeError)) and "NoneType" in str(error):
        if any(p.grad is None for p in parameters):
            return "p.grad was already None when the update read it: update first, then zero"
        return rebinding
    return "p ← p − learning_rate · p.grad, in place, under torch.no_grad(), then zero p.grad"


def _step_hint(
    torch: Any, parameters: Sequence[Any], before: Sequence[Any], slopes: Sequence[Any], lr: float
) -> str:
    def moved_by(step: Callable[[Any, Any], Any]) -> bool:
        return all(
            _same(torch, p.detach(), step(old, slope))
            for p, old, slope in zip(parameters, before, slopes)
        )

    if moved_by(lambda old, slope: old + lr * slope):
        return "step against the gradient: subtract learning_rate · p.grad"
    if moved_by(lambda old, slope: old - slope):
        return "scale the gradient by learning_rate"
    return "p ← p − learning_rate · p.grad, for every parameter"


# --- lesson 5 ----------------------------------------------------------------------------------


def lesson5_exercise1(torch: Any, my_a_grad: Any, my_b_grad: Any) -> None:
    """a.grad and b.grad after the tutorial's Q.backward(gradient=[0.5, 2.0])."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    v = torch.tensor([0.5, 2.0])
    (3 * a**3 - b**2).backward(gradient=v)
    plain = "that is vᵀJ for v = [1., 1.]: here each element's derivative is weighed by its vᵢ"
    swapped = "vᵢ weighs row i of J: v₁ goes with Q₁, which depends on the first elements only"
    hint = "J is diagonal, so vᵀJ multiplies each vᵢ by the derivative of Qᵢ"
    a_, b_ = a.detach(), b.detach()
    _check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: 9 * a_**2, plain),
            (lambda: 9 * a_**2 * v.flip(0), swapped),
        ),
        hint,
    )
    _check_prediction(
        torch,
        "b.grad",
        my_b_grad,
        b.grad,
        (
            (lambda: -2 * b_, plain),
            (lambda: -2 * b_ * v.flip(0), swapped),
            (lambda: 2 * b_ * v, "mind the sign: Q subtracts b²"),
        ),
        hint,
    )


def lesson5_exercise2(torch: Any, my_derivative: Callable[..., Any]) -> None:
    """The derivative of f(x) = x·sin(x), judged by gradcheck at several random points."""
    part = "your derivative"
    hints = (
        (
            torch.cos,
            "that is the derivative of sin(x) alone: f is a product, x · sin(x), so "
            "use the product rule (uv)′ = u′v + uv′",
        ),
        (torch.sin, "that is (x)′ · sin(x): the product rule has a second term, x · (sin x)′"),
        (
            lambda x: x * torch.cos(x),
            "that is x · (sin x)′: the product rule has a first term, (x)′ · sin(x)",
        ),
        (
            lambda x: torch.sin(x) + torch.cos(x),
            "the second term of the product rule keeps its factor x",
        ),
        (lambda x: torch.sin(x) - x * torch.cos(x), "mind the sign: (sin x)′ = cos x"),
    )
    hint = "the product rule, (uv)′ = u′v + uv′, with u = x and v = sin(x)"
    if not callable(my_derivative):
        _wrong(part, "this should be a function (def ...)", "keep the def line as it is")
        return
    for seed, size in zip(SEEDS, (3, 4, 5)):
        x = _random(torch, random.Random(seed), size, requires_grad=True)
        try:
            mine = my_derivative(x.detach())
            if _is_unanswered(mine):
                _not_answered(part)
                return
            judged = torch.autograd.gradcheck(
                _with_backward(torch, my_derivative), (x,), raise_exception=False
            )
        except Exception as error:  # the learner's code
            _wrong(part, _raised(error), hint)
            return
        if not judged:
            numbers = _as_numbers(torch, mine)
            known = None if numbers is None else _known_mistake(torch, numbers, hints, x.detach())
            _wrong(
                part,
                "gradcheck disagrees: your rule does not match the finite differences of f",
                known or hint,
            )
            return
    _right(part, f"gradcheck agrees at {len(SEEDS)} random points")


def _with_backward(torch: Any, derivative: Callable[..., Any]) -> Callable[[Any], Any]:
    """x · sin(x) for the values, grad · derivative(x) for the backward pass (the lesson's
    with_backward)."""

    def function(x: Any) -> Any:
        frozen = x.detach()
        return frozen * torch.sin(frozen) + (x - frozen) * derivative(frozen)

    return function
