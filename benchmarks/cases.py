"""The cases: what each times, against whom, and the target it is held to.

Each case is a function from a ``Config`` to a ``Plan`` (its contenders, how many rounds, its
targets); ``run_case`` measures it and judges it (see plans.py). Contenders whose library is
missing are listed as skipped; a contender that raises is reported as failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad
from benchmarks import backends, memory, workloads
from benchmarks.harness import Config, Contender
from benchmarks.plans import CaseResult, Plan, Row, Target, judge


def _tensor_contenders(
    make: Callable[[Any], Callable[[], Any]], inner: int
) -> tuple[list[Contender], dict[str, str]]:
    """minigrad, and PyTorch when installed, running ``make(lib)``'s work."""
    contenders = [Contender("minigrad", make(minigrad), inner)]
    torch = backends.torch()
    if torch is None:
        return contenders, {"torch": backends.TORCH_MISSING}
    contenders.append(Contender("torch", make(torch), inner))
    return contenders, {}


def seed(config: Config) -> Plan:
    inner = config.pick(200, 2)
    contenders, skipped = _tensor_contenders(
        lambda lib: lambda: workloads.tutorial_seed(lib), inner
    )
    contenders.append(Contender("numpy", workloads.numpy_seed, inner))
    return Plan(
        contenders,
        config.rounds(21),
        config.warmup(2),
        [
            (
                "tutorial: Q = 3a³ − b², forward + backward(gradient=)",
                Target("minigrad", "torch", 0.5),
            )
        ],
        skipped,
        notes=["seed: a and b are created inside every call, as the tutorial does."],
    )


def op(config: Config) -> Plan:
    def make(lib: Any) -> Callable[[], Any]:
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        b = lib.tensor([6.0, 4.0], requires_grad=True)
        return lambda: a + b

    inner = config.pick(5000, 10)
    contenders, skipped = _tensor_contenders(make, inner)
    a, b = np.array([2.0, 3.0], dtype=np.float32), np.array([6.0, 4.0], dtype=np.float32)
    contenders.append(Contender("numpy", lambda: a + b, inner))
    return Plan(
        contenders,
        config.rounds(21),
        config.warmup(2),
        [("one `a + b`, 2-element tensors that require grad", Target("minigrad", "torch", 1.2))],
        skipped,
    )


def mlp(config: Config) -> Plan:
    batch = config.pick(64, 4)
    data = workloads.mlp_data(batch)
    inner = config.pick(50, 2)

    def make(lib: Any) -> Callable[[], Any]:
        params, x, y = workloads.mlp_state(lib, data)
        return lambda: workloads.mlp_step(lib, params, x, y)

    contenders, skipped = _tensor_contenders(make, inner)
    nn = backends.micrograd()
    if nn is None:
        skipped["micrograd"] = backends.MICROGRAD_MISSING
    else:
        model = workloads.micrograd_mlp(nn, data)
        xs, ys = data.x.tolist(), data.y[:, 0].tolist()
        contenders.append(
            Contender(
                "micrograd",
                lambda: workloads.micrograd_step(model, xs, ys),
                result=lambda loss: workloads.micrograd_results(loss, model),
            )
        )
    params = [w.copy() for w in data.weights]
    contenders.append(
        Contender("numpy", lambda: workloads.numpy_mlp_step(params, data.x, data.y), inner)
    )
    what = f"train step, 2-16-16-1 tanh MLP, batch {batch}, MSE, SGD"
    return Plan(
        contenders,
        config.rounds(9),
        config.warmup(1),
        [
            (what, Target("minigrad", "torch", 0.9)),
            (f"{what}: speed-up over micrograd", Target("micrograd", "minigrad", 2000, True)),
        ],
        skipped,
        notes=[
            "mlp: minigrad and PyTorch run one function (zero_grad by setting .grad to None, "
            "SGD as p.sub_(p.grad, alpha=lr) under no_grad); numpy is the same step with the "
            "backward pass written out by hand.",
            f"mlp: micrograd uses its MLP(2, [16, 16, 1]) and Value ops; its batch is a loop "
            f"over the {batch} scalar samples, and tanh is added as a Value op written the way "
            "micrograd writes relu (the PyPI release has no tanh). All start from the same "
            "weights, so their losses and gradients are compared.",
        ],
    )


def moons(config: Config) -> Plan:
    points, steps = config.pick(100, 10), config.pick(100, 3)
    data = workloads.moons_data(points)
    contenders, skipped = _tensor_contenders(
        lambda lib: lambda: workloads.moons_training(lib, data, steps), 1
    )
    return Plan(
        contenders,
        config.rounds(9),
        config.warmup(1),
        [
            (
                f"lesson 7: two moons ({points} points), 2-16-16-1 ReLU nn.Sequential, "
                f"{steps} steps of BCEWithLogitsLoss + SGD(momentum)",
                Target("minigrad", "torch", 2.0),
            )
        ],
        skipped,
        notes=[
            "moons: lesson 7's training as it runs in the notebook (nn + optim, the model built "
            "and its starting weights copied in at every call); target minigrad/PyTorch ≤ 2, "
            "so that the lesson trains about as fast with either library. Both start from the "
            "same weights, so their final losses and weights are compared. micrograd is not "
            "run: it has neither BCEWithLogitsLoss nor SGD with momentum (the mlp case times "
            "micrograd).",
        ],
    )


def deep(config: Config) -> Plan:
    length = config.pick(20_000, 2_000)
    contenders, skipped = _tensor_contenders(lambda lib: lambda: workloads.chain(lib, length), 1)
    nn = backends.micrograd()
    if nn is None:
        skipped["micrograd"] = backends.MICROGRAD_MISSING
    else:
        contenders.append(
            Contender("micrograd", lambda: workloads.micrograd_chain(nn.Value, length))
        )
    contenders.append(Contender("numpy", lambda: workloads.numpy_chain(length)))
    return Plan(
        contenders,
        config.rounds(9),
        config.warmup(1),
        [
            (
                f"chain of {length:,} multiplications by a Python number, forward + backward",
                Target("minigrad", "torch", 1.0),
            )
        ],
        skipped,
        tolerance=1e-3,
        notes=[
            "deep: every call builds the chain, runs backward and drops the graph (freeing is "
            "timed too); numpy is the floor: the same multiplications forward, and as many for "
            "the gradient."
        ],
    )


def deep_tensor(config: Config) -> Plan:
    length = config.pick(20_000, 2_000)
    contenders, skipped = _tensor_contenders(
        lambda lib: lambda: workloads.chain_tensor_factor(lib, length), 1
    )
    return Plan(
        contenders,
        config.rounds(9),
        config.warmup(1),
        [
            (
                f"chain of {length:,} multiplications by a 0-d tensor, forward + backward",
                Target("minigrad", "torch", 1.0),
            )
        ],
        skipped,
        tolerance=1e-3,
    )


def matmul(config: Config) -> Plan:
    size = config.pick(512, 32)
    rng = np.random.default_rng(0)
    a, b, g = (rng.standard_normal((size, size)).astype(np.float32) for _ in range(3))

    def make(lib: Any) -> Callable[[], Any]:
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        tg = lib.tensor(g)

        def run() -> Any:
            ta.grad = tb.grad = None  # what optimizer.zero_grad() does
            (ta @ tb).backward(tg)
            return ta.grad, tb.grad

        return run

    inner = config.pick(5, 1)
    contenders, skipped = _tensor_contenders(make, inner)

    def floor() -> tuple[np.ndarray, np.ndarray]:
        a @ b  # noqa: B018 - the forward product is part of the floor's work
        return g @ b.T, a.T @ g

    contenders.append(Contender("numpy", floor, inner))
    return Plan(
        contenders,
        config.rounds(15),
        config.warmup(2),
        [(f"{size}×{size} matmul, forward + backward", Target("minigrad", "numpy", 1.15))],
        skipped,
        notes=[
            "matmul: the numpy floor is its three products (a@b, g@b.T, a.T@g); minigrad uses "
            "numpy's BLAS, PyTorch its own. Gradients are set to None before each call."
        ],
    )


def _count(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def scaling(config: Config) -> Plan:
    lengths = config.pick((10_000, 100_000, 200_000), (100, 1_000, 2_000))
    probe_length = lengths[1]
    names = [_count(n) for n in lengths]
    contenders = [
        Contender(name, lambda n=n: workloads.chain(minigrad, n)) for name, n in zip(names, lengths)
    ]

    def memory_row() -> list[Row]:
        probe = memory.probe_chain(probe_length)
        mb = 1e6
        text = (
            f"live Tensors {probe.tensors_forward:,} → {probe.tensors_backward} → "
            f"{probe.tensors_dropped}; traced {probe.bytes_forward / mb:.1f} MB → "
            f"{probe.bytes_backward / mb:.1f} MB → {probe.bytes_dropped / mb:.1f} MB "
            f"({probe.bytes_forward / probe_length:.0f} → {probe.bytes_backward / probe_length:.0f}"
            f" → {probe.bytes_dropped / probe_length:.2f} B/op)"
        )
        return [
            Row(
                "scaling",
                f"memory, {names[1]} chain: after forward → after backward (root held) → "
                "root dropped",
                {"minigrad": text},
                None,
                "saved tensors freed by backward; all freed with the root",
                probe.saved_freed and probe.all_freed,
                probe.as_dict(),
            )
        ]

    return Plan(
        contenders,
        config.rounds(5),
        0,
        [
            (
                f"chains of {' / '.join(names)} multiplications, forward + backward",
                Target(names[2], names[1], 2.2),
            )
        ],
        columns={name: "minigrad" for name in names},
        reference=None,
        notes=[
            "scaling: the first call of each length is the warm-up; memory is measured once, "
            "under tracemalloc (numpy reports its arrays to it) with live minigrad Tensors "
            "counted through gc."
        ],
        extra_rows=memory_row,
    )


def viz(config: Config) -> Plan:
    from minigrad.viz import build_graph, to_dot

    nodes = config.pick(1000, 100)
    root, _, _ = workloads.mul_add_chain(minigrad, nodes)
    run = lambda: to_dot(build_graph(root, max_nodes=None))  # noqa: E731
    return Plan(
        [Contender("minigrad", run)],
        config.rounds(21),
        config.warmup(2),
        [
            (
                f"DOT text for a {nodes:,}-node graph (build_graph + to_dot)",
                Target("minigrad", None, 0.05),
            )
        ],
        reference=None,
    )


def step(config: Config) -> Plan:
    """A Stepper made and displayed as Jupyter displays it (the live view and the static
    storyboard beside it): every step is computed and sent to the view at once, so a click
    re-renders in the browser and costs the kernel nothing; this is the wait a learner has
    when the cell runs."""
    rounds, warmup = config.rounds(5), config.warmup(1)
    graphs = {"MLP": workloads.stepper_mlp, "chain": workloads.stepper_chain}
    described = {"MLP": "a 2-8-1 MLP on a batch of 4, MSE", "chain": "a 50-op chain"}
    targets = [
        (f"Stepper made and displayed (all steps sent), {described[name]}", Target(name, None, 1.0))
        for name in graphs
    ]
    missing = backends.widgets_missing()
    if missing is not None:
        skipped = dict.fromkeys(graphs, missing)
        columns = dict.fromkeys(graphs, "minigrad")
        return Plan([], rounds, warmup, targets, skipped, columns, reference=None)

    from minigrad.widgets import Stepper

    def show(build: Callable[[Any], tuple[Any, dict[str, Any]]]) -> Callable[[], Any]:
        root, names = build(minigrad)
        return lambda: Stepper(root, names=names)._repr_mimebundle_()

    steps = {name: len(Stepper(build(minigrad)[0]).steps) for name, build in graphs.items()}
    return Plan(
        [Contender(name, show(build)) for name, build in graphs.items()],
        rounds,
        warmup,
        targets,
        columns=dict.fromkeys(graphs, "minigrad"),
        reference=None,
        notes=[f"step: {name}: {count} steps" for name, count in steps.items()],
    )


CASES: dict[str, Callable[[Config], Plan]] = {
    "seed": seed,
    "op": op,
    "mlp": mlp,
    "moons": moons,
    "deep": deep,
    "deep-tensor": deep_tensor,
    "matmul": matmul,
    "scaling": scaling,
    "viz": viz,
    "step": step,
}


def run_case(name: str, config: Config) -> CaseResult:
    """Measure case ``name`` and judge it against its targets."""
    return judge(name, CASES[name](config))
