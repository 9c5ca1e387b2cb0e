"""The lessons' exercise checks (minigrad/lessons/checks/), fed scripted answers.

For every exercise of lessons 1–5: the model solution passes, and known wrong answers (every
one named in issue 12 among them) are rejected with a hint that gives away no expected value.
Each runs under minigrad and under PyTorch (skipped when PyTorch is not installed), as the
lessons do. The solution and exercise cells stored in the notebooks are run the same way.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from minigrad.lessons import checks

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
OUR_LESSONS = [
    NOTEBOOKS / name
    for name in (
        "01_basic_usage.ipynb",
        "02_computational_graph.ipynb",
        "03_disabling_gradient_tracking.ipynb",
        "04_autograd_in_a_neural_network.ipynb",
        "05_vector_jacobian_products.ipynb",
    )
]


@pytest.fixture(params=["minigrad", "torch"])
def torch(request: pytest.FixtureRequest) -> Any:
    """The library a lesson runs on, imported as `torch` there."""
    return pytest.importorskip(request.param)


def library_of(tensor: Any) -> Any:
    """minigrad or torch: the library a tensor belongs to (for answers that need no_grad)."""
    return importlib.import_module(type(tensor).__module__.split(".")[0])


def said(check: Any, *answers: Any) -> str:
    """What a check printed for these answers."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check(*answers)
    return out.getvalue()


def assert_passes(text: str) -> None:
    lines = text.splitlines()
    assert lines and all(line.startswith(("✓", "  ")) for line in lines), text


# Random points have two decimals, so any value computed from them has more: none may show.
COMPUTED_NUMBER = re.compile(r"\d\.\d{2,}")


def assert_rejected(text: str, secrets: tuple[str | float, ...] = ()) -> None:
    """✗ with a hint, and neither a computed value nor any of the secrets (expected numbers
    or words) in the text."""
    assert "✗" in text and "Hint:" in text, text
    assert not COMPUTED_NUMBER.search(text), text
    numbers = {abs(float(n)) for n in re.findall(r"-?\d+(?:\.\d+)?", text)}
    for secret in secrets:
        if isinstance(secret, str):
            assert secret not in text, (secret, text)
        else:
            assert abs(secret) not in numbers, (secret, text)


# --- lesson 1 ----------------------------------------------------------------------------------


def dP_da(a: Any, b: Any) -> Any:
    return b**2 - 2


def dP_db(a: Any, b: Any) -> Any:
    return 2 * a * b


def test_l1e1_the_solution_passes(torch: Any) -> None:
    text = said(checks.lesson1_exercise1, torch, dP_da, dP_db)
    assert_passes(text)
    assert text.count("✓") == 2


def unanswered(*args: Any) -> Any:
    return ...


@pytest.mark.parametrize(
    "wrong_a, wrong_b, hint",
    [
        (None, lambda a, b: 24.0, "single number"),  # 2ab is [24, 24] at the tutorial's a, b
        (None, lambda a, b: 2 * b, "a multiplies b²"),
        (None, lambda a, b: b**2 - 2, "that is ∂P/∂a"),
        (None, lambda a, b: 2 * a * b - 2, "its derivative is 0"),
        (None, lambda a, b: (2 * a * b)[:2], "shape"),
        (lambda a, b: b**2, None, "−2a changes with a"),
        (lambda a, b: 34.0, None, "single number"),
        (lambda a, b: a @ b, None, "single number"),
        (lambda a, b: b**2 - 2 * a, None, "treat b as a constant"),
        (lambda a, b: undefined_name, None, "NameError"),  # noqa: F821
    ],
)
def test_l1e1_wrong_formulas_are_rejected(
    torch: Any, wrong_a: Any, wrong_b: Any, hint: str
) -> None:
    text = said(checks.lesson1_exercise1, torch, wrong_a or dP_da, wrong_b or dP_db)
    assert_rejected(text, (24, 34, 14))
    assert hint in text and text.count("✓") == 1


def test_l1e1_unanswered(torch: Any) -> None:
    text = said(checks.lesson1_exercise1, torch, unanswered, unanswered)
    assert text.count("… ") == 2 and "✓" not in text and "✗" not in text


L1E2_SECRETS = (36, 12)


def test_l1e2_the_solution_passes(torch: Any) -> None:
    text = said(checks.lesson1_exercise2, torch, [36.0, 0.0], [-12.0, 0.0])
    assert_passes(text)
    assert not any(str(n) in text for n in L1E2_SECRETS)


@pytest.mark.parametrize(
    "a_grad, b_grad, hint",
    [
        ([36.0, 81.0], [-12.0, 0.0], "gradient=[1., 1.]"),
        ([36.0, 0.0], [-12.0, -8.0], "gradient=[1., 1.]"),
        ([-12.0, 0.0], [-12.0, 0.0], "that is b.grad"),
        ([36.0, 0.0], [12.0, 0.0], "mind the sign"),
        ([36.0], [-12.0, 0.0], "2 of them"),
        ([36.0, 0.0, 0.0], [-12.0, 0.0], "2 of them"),
        ("36, 0", [-12.0, 0.0], "not a list of numbers"),
        ([35.0, 0.0], [-12.0, 0.0], "what does Q₁ depend on"),
    ],
)
def test_l1e2_wrong_predictions_are_rejected(
    torch: Any, a_grad: Any, b_grad: Any, hint: str
) -> None:
    text = said(checks.lesson1_exercise2, torch, a_grad, b_grad)
    assert_rejected(text, L1E2_SECRETS)
    assert hint in text


# --- lesson 2 ----------------------------------------------------------------------------------

L2E1_SECRETS = ("MulBackward0", "AccumulateGrad")


def test_l2e1_the_solution_passes(torch: Any) -> None:
    assert_passes(said(checks.lesson2_exercise1, torch, ["MulBackward0", "AccumulateGrad"]))


@pytest.mark.parametrize(
    "names, hint",
    [
        (["MulBackward0"], "two inputs"),
        (["MulBackward0", "AccumulateGrad", "AccumulateGrad"], "two inputs"),
        (["AccumulateGrad", "MulBackward0"], "wrong order"),
        (["AddBackward0", "AccumulateGrad"], "r.grad_fn itself"),
        (["MulBackward0", "None"], "a node of its own"),
        (["MulBackward0", "PowBackward0"], "what made each"),
        ("MulBackward0", "not a list of strings"),
    ],
)
def test_l2e1_wrong_names_are_rejected(torch: Any, names: Any, hint: str) -> None:
    text = said(checks.lesson2_exercise1, torch, names)
    assert_rejected(text, L2E1_SECRETS)
    assert hint in text


L2E2_SECRETS = (7, 5)


def test_l2e2_the_solution_passes(torch: Any) -> None:
    text = said(checks.lesson2_exercise2, torch, [7.0, 5.0])
    assert_passes(text)
    assert "7" not in text and "5" not in text


@pytest.mark.parametrize(
    "a_grad, hint",
    [
        ([6.0, 4.0], "also reaches r directly"),
        ([1.0, 1.0], "also reaches r through a * b"),
        ([8.0, 6.0], "two paths"),
        ([7.0], "2 of them"),
        ("[7, 5]", "not a list of numbers"),
    ],
)
def test_l2e2_wrong_predictions_are_rejected(torch: Any, a_grad: Any, hint: str) -> None:
    text = said(checks.lesson2_exercise2, torch, a_grad)
    assert_rejected(text, L2E2_SECRETS)
    assert hint in text


# --- lesson 3 ----------------------------------------------------------------------------------


def test_l3e1_the_solution_passes(torch: Any) -> None:
    text = said(checks.lesson3_exercise1, torch, [False, True, False, False])
    assert_passes(text)
    assert "True" not in text and "False" not in text


@pytest.mark.parametrize(
    "answers, hint",
    [
        ([False, True], "a list of 4 answers"),  # zip() would have checked two of four
        ([False, True, False, False, True], "a list of 4 answers"),
        ([True, True, True, True], "1 of 4 right"),
        ([False, True, True, False], "3 of 4 right"),
        ([False, True, False, True], "3 of 4 right"),
        (["False", "True", "False", "False"], "without quotes"),
        ([0, 1, 0, 0], "True or False"),
        (False, "a list of 4 answers"),
    ],
)
def test_l3e1_wrong_predictions_are_rejected(torch: Any, answers: Any, hint: str) -> None:
    text = said(checks.lesson3_exercise1, torch, answers)
    assert_rejected(text, ("[False", "False, True", "1. "))
    assert hint in text


def two_layer_no_grad(inputs: Any, w1: Any, w2: Any) -> Any:
    with library_of(w1).no_grad():
        hidden = inputs @ w1
    return (hidden @ w2).sum()


def test_l3e2_the_solutions_pass(torch: Any) -> None:
    assert_passes(said(checks.lesson3_exercise2, torch, two_layer_no_grad))
    assert_passes(
        said(checks.lesson3_exercise2, torch, lambda i, w1, w2: (i @ w1.detach() @ w2).sum())
    )


def frozen_with_requires_grad(inputs: Any, w1: Any, w2: Any) -> Any:
    w1.requires_grad_(False)  # what the exercise forbids
    return (inputs @ w1 @ w2).sum()


def frozen_by_assignment(inputs: Any, w1: Any, w2: Any) -> Any:
    w1.requires_grad = False
    return (inputs @ w1 @ w2).sum()


def all_under_no_grad(inputs: Any, w1: Any, w2: Any) -> Any:
    with library_of(w1).no_grad():
        return (inputs @ w1 @ w2).sum()


@pytest.mark.parametrize(
    "two_layer, hint",
    [
        (frozen_with_requires_grad, "w1.requires_grad was switched off"),
        (frozen_by_assignment, "w1.requires_grad was switched off"),
        (lambda i, w1, w2: (i @ w1 @ w2).sum(), "w1 still gets a gradient"),
        (all_under_no_grad, "nothing in the loss requires grad"),
        (lambda i, w1, w2: (i @ w1 @ w2).sum().detach(), "nothing in the loss requires grad"),
        (lambda i, w1, w2: i @ w1.detach() @ w2, "one number"),
        (lambda i, w1, w2: (i @ w1.detach() @ w2).mean(), "the loss has changed"),
        (lambda i, w1, w2: (i @ w1 @ w2.detach()).sum(), "w1 still gets a gradient"),
        (lambda i, w1, w2: (i @ w2).sum(), "RuntimeError"),
    ],
)
def test_l3e2_wrong_code_is_rejected(torch: Any, two_layer: Any, hint: str) -> None:
    text = said(checks.lesson3_exercise2, torch, two_layer)
    assert_rejected(text)
    assert hint in text


# --- lesson 4 ----------------------------------------------------------------------------------


def gradient_formula(x: Any, w: Any, target: Any) -> Any:
    N = x.shape[0]
    return 2 / N * x.T @ (x @ w - target)


def test_l4e1_the_solution_passes(torch: Any) -> None:
    assert_passes(said(checks.lesson4_exercise1, torch, gradient_formula))


@pytest.mark.parametrize(
    "formula, hint",
    [
        (lambda x, w, t: x.T @ (x @ w - t), "a factor 2/N is missing"),  # right when N = 2
        (lambda x, w, t: 2 / 2 * x.T @ (x @ w - t), "a factor 2/N is missing"),
        (lambda x, w, t: 2 * x.T @ (x @ w - t), "a factor 1/N is missing"),
        (lambda x, w, t: x.T @ (x @ w - t) / x.shape[0], "a factor 2 is missing"),
        (lambda x, w, t: 2 / x.shape[0] * x.T @ (t - x @ w), "mind the sign"),
        (lambda x, w, t: 2 / x.shape[0] * (x @ w - t).T @ x, "shape"),
        (lambda x, w, t: (x @ w - t) @ x, "RuntimeError"),
        (lambda x, w, t: 2 / x.shape[0] * x.T @ (x @ w), "x.T @ (...)"),
    ],
)
def test_l4e1_wrong_formulas_are_rejected(torch: Any, formula: Any, hint: str) -> None:
    text = said(checks.lesson4_exercise1, torch, formula)
    assert_rejected(text)
    assert hint in text


def sgd_step(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p.sub_(learning_rate * p.grad)
            p.grad.zero_()


def sgd_minus_equals(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p -= learning_rate * p.grad
            p.grad = None


@pytest.mark.parametrize("step", [sgd_step, sgd_minus_equals])
def test_l4e2_the_solutions_pass(torch: Any, step: Any) -> None:
    assert_passes(said(checks.lesson4_exercise2, torch, step))


def rebinding(parameters: Any, learning_rate: float) -> None:
    for p in parameters:
        p = p - learning_rate * p.grad  # the mistake under test


def rebinding_then_zero(parameters: Any, learning_rate: float) -> None:
    for p in parameters:
        p = p - learning_rate * p.grad
        p.grad.zero_()


def without_no_grad(parameters: Any, learning_rate: float) -> None:
    for p in parameters:
        p.sub_(learning_rate * p.grad)
        p.grad.zero_()


def cleared_first(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p.grad = None
            p.sub_(learning_rate * p.grad)


def replaced_in_the_list(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for i, p in enumerate(parameters):
            parameters[i] = p - learning_rate * p.grad
            p.grad.zero_()


def not_zeroed(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p.sub_(learning_rate * p.grad)


def uphill(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p.add_(learning_rate * p.grad)
            p.grad.zero_()


def no_learning_rate(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        for p in parameters:
            p.sub_(p.grad)
            p.grad.zero_()


def first_only(parameters: Any, learning_rate: float) -> None:
    with library_of(parameters[0]).no_grad():
        parameters[0].sub_(learning_rate * parameters[0].grad)
        parameters[0].grad.zero_()


@pytest.mark.parametrize(
    "step, hint",
    [
        (rebinding, "makes a new tensor, which is not a leaf"),  # issue 12: "nothing changed yet"
        (rebinding_then_zero, "makes a new tensor, which is not a leaf"),
        (without_no_grad, "must run under torch.no_grad()"),  # issue 12: a bare RuntimeError
        (cleared_first, "was already None"),  # issue 12: a bare TypeError
        (replaced_in_the_list, "not leaves"),
        (not_zeroed, "were not zeroed"),
        (uphill, "step against the gradient"),
        (no_learning_rate, "scale the gradient by learning_rate"),
        (first_only, "did not move"),
    ],
)
def test_l4e2_wrong_steps_are_rejected(torch: Any, step: Any, hint: str) -> None:
    text = said(checks.lesson4_exercise2, torch, step)
    assert_rejected(text)
    assert hint in text
    assert "nothing changed yet" not in text


def test_l4e2_unanswered(torch: Any) -> None:
    def step(parameters: Any, learning_rate: float) -> None: ...

    assert said(checks.lesson4_exercise2, torch, step).startswith("… sgd_step: not answered")


# --- lesson 5 ----------------------------------------------------------------------------------

L5E1_SECRETS = (18, 162, 6, 16)


def test_l5e1_the_solution_passes(torch: Any) -> None:
    text = said(checks.lesson5_exercise1, torch, [18.0, 162.0], [-6.0, -16.0])
    assert_passes(text)
    assert not re.search(r"\d", text), text


@pytest.mark.parametrize(
    "a_grad, b_grad, hint",
    [
        ([36.0, 81.0], [-6.0, -16.0], "v = [1., 1.]"),
        ([18.0, 162.0], [-12.0, -8.0], "v = [1., 1.]"),
        ([72.0, 40.5], [-6.0, -16.0], "v₁ goes with Q₁"),
        ([18.0, 162.0], [6.0, 16.0], "mind the sign"),
        ([180.0], [-6.0, -16.0], "2 of them"),
        ([18.0, 160.0], [-6.0, -16.0], "J is diagonal"),
    ],
)
def test_l5e1_wrong_predictions_are_rejected(
    torch: Any, a_grad: Any, b_grad: Any, hint: str
) -> None:
    text = said(checks.lesson5_exercise1, torch, a_grad, b_grad)
    assert_rejected(text, L5E1_SECRETS)
    assert hint in text


def test_l5e2_the_solution_passes(torch: Any) -> None:
    assert_passes(said(checks.lesson5_exercise2, torch, lambda x: torch.sin(x) + x * torch.cos(x)))


@pytest.mark.parametrize(
    "name, hint",
    [
        ("cos", "derivative of sin(x) alone"),
        ("sin", "second term"),
        ("x cos", "first term"),
        ("sin + cos", "keeps its factor x"),
        ("sin - x cos", "mind the sign"),
        ("one", "product rule"),
        ("error", "NameError"),
    ],
)
def test_l5e2_wrong_derivatives_are_rejected(torch: Any, name: str, hint: str) -> None:
    wrong = {
        "cos": torch.cos,
        "sin": torch.sin,
        "x cos": lambda x: x * torch.cos(x),
        "sin + cos": lambda x: torch.sin(x) + torch.cos(x),
        "sin - x cos": lambda x: torch.sin(x) - x * torch.cos(x),
        "one": lambda x: 1.0,
        "error": lambda x: undefined_name,  # noqa: F821
    }[name]
    text = said(checks.lesson5_exercise2, torch, wrong)
    assert_rejected(text)
    assert hint in text


# --- the cells stored in the lessons -----------------------------------------------------------


def exercise_cells(path: Path) -> list[tuple[str, str]]:
    """(exercise, solution) sources of a lesson, in order."""
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    return [
        (cell.source, cells[i + 1].source)
        for i, cell in enumerate(cells)
        if cell.source.startswith("# ✏️")
    ]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in OUR_LESSONS])
def test_the_lessons_cells_as_stored(torch: Any, path: Path) -> None:
    """Each exercise cell as shipped says 'not answered'; each solution cell passes."""
    pairs = exercise_cells(path)
    assert len(pairs) == 2
    for exercise, solution in pairs:
        namespace = {"torch": torch, "checks": checks}
        shipped = run_cell(exercise, namespace)
        assert shipped.startswith("…") and "✓" not in shipped and "✗" not in shipped, shipped
        assert_passes(run_cell(solution, namespace))


def run_cell(source: str, namespace: dict[str, Any]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), namespace)
    return out.getvalue()
