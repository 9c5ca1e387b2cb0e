"""The benchmark suite, run in quick mode (tiny sizes, 2 rounds) so that it never rots.

No timing is asserted: only that every case runs, reports well-formed, positive, finite
numbers, and that the contenders compute the same thing. PyTorch and micrograd are optional:
when absent they must show up as skipped, not as errors.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from benchmarks import backends, instructions, report
from benchmarks.__main__ import main
from benchmarks.cases import CASES, run_case
from benchmarks.harness import Config, Contender, measure
from benchmarks.plans import COLUMNS, CaseResult
from benchmarks.workloads import CHAIN_FACTOR

QUICK = Config(quick=True)
HAS_TORCH = backends.torch() is not None
HAS_MICROGRAD = backends.micrograd() is not None


@pytest.fixture(scope="module")
def results() -> dict[str, CaseResult]:
    return {name: run_case(name, QUICK) for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_every_case_reports_positive_finite_times(results, name) -> None:
    result = results[name]
    assert result.rows and all(row.case == name for row in result.rows)
    for contender, times in result.measurement.times.items():
        assert len(times) == QUICK.rounds(99), contender
        assert all(math.isfinite(t) and t > 0 for t in times), contender
    for row in result.rows:
        assert set(row.cells) <= set(COLUMNS)
        assert row.target and row.what
        assert row.ratio is None or (math.isfinite(row.ratio) and row.ratio > 0)
        assert row.met in (True, False, None) and row.noisy in (True, False)


@pytest.mark.parametrize("name", list(CASES))
def test_contenders_run_or_are_skipped_with_a_reason(results, name) -> None:
    result = results[name]
    ran = set(result.measurement.times) | set(result.measurement.failed)
    assert ran or result.skipped
    assert all(reason for reason in result.skipped.values())
    assert set(result.measurement.failed) <= {"micrograd"}  # only micrograd's recursion fails
    if name == "step" and backends.widgets_missing() is not None:
        assert set(result.skipped) == {"minigrad"}
    if "torch" in result.skipped:
        assert not HAS_TORCH
    if "micrograd" in result.skipped:
        assert not HAS_MICROGRAD


@pytest.mark.parametrize("name", list(CASES))
def test_contenders_compute_the_same_results(results, name) -> None:
    result = results[name]
    assert not result.disagreeing, result.agreement


def test_the_seed_case_computes_the_tutorials_gradients(results) -> None:
    q, grad_a, grad_b = results["seed"].measurement.outputs["minigrad"]
    assert q.tolist() == [-12.0, 65.0]
    assert grad_a.tolist() == [36.0, 81.0] and grad_b.tolist() == [-12.0, -8.0]
    for other in ("torch", "numpy"):
        if other in results["seed"].measurement.outputs:
            assert results["seed"].agreement[other] == 0.0


def test_contenders_are_compared_where_they_ran(results) -> None:
    expected = {"seed": {"numpy"}, "op": {"numpy"}, "mlp": {"numpy"}, "matmul": {"numpy"}}
    if HAS_TORCH:
        for compared in expected.values():
            compared.add("torch")
    if HAS_MICROGRAD:
        expected["mlp"].add("micrograd")
    for name, compared in expected.items():
        assert compared <= set(results[name].agreement), name


@pytest.mark.skipif(not HAS_MICROGRAD, reason="micrograd is not installed")
def test_micrograd_deep_chain_is_reported_as_failed_not_raised(results) -> None:
    failed = results["deep"].measurement.failed
    assert failed["micrograd"].startswith("RecursionError")
    assert "micrograd" not in results["deep"].measurement.times


def test_scaling_memory_is_freed(results) -> None:
    memory_row = results["scaling"].rows[1]
    assert memory_row.met is True, memory_row.data
    assert memory_row.data["tensors_backward"] <= 3
    assert memory_row.data["bytes_backward"] < memory_row.data["bytes_forward"]


def test_missing_libraries_are_skipped_with_a_reason(monkeypatch) -> None:
    monkeypatch.setattr(backends, "torch", lambda: None)
    monkeypatch.setattr(backends, "micrograd", lambda: None)
    monkeypatch.setattr(backends, "widgets_missing", lambda: "needs anywidget")
    mlp = run_case("mlp", QUICK)
    assert set(mlp.skipped) == {"torch", "micrograd"} and "pip install" in mlp.skipped["torch"]
    assert set(mlp.measurement.times) == {"minigrad", "numpy"}
    assert mlp.rows[0].cells["torch"] == "skipped" and mlp.rows[0].met is None
    step = run_case("step", QUICK)
    assert set(step.skipped.values()) == {"needs anywidget"} and step.rows[0].met is None
    text = report.render([mlp, step], backends.machine(), wall=1.0)
    assert "mlp: PyTorch skipped: not installed" in text


def test_measure_interleaves_rotates_and_survives_failures() -> None:
    calls: list[str] = []

    def contender(name: str) -> Contender:
        return Contender(name, lambda: calls.append(name) or 1.0)

    def broken() -> None:
        raise ValueError("no\nsecond line")

    found = measure([contender("a"), contender("b"), Contender("x", broken)], rounds=2, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]  # first calls, then rotated rounds
    assert found.failed == {"x": "ValueError: no"}
    assert len(found.times["a"]) == len(found.ratios("a", "b")) == 2
    assert found.agreement("a") == {"b": 0.0}


def test_report_has_the_table_machine_and_command(results) -> None:
    text = report.render(list(results.values()), backends.machine(), wall=1.0)
    assert (
        "| case | what | minigrad | PyTorch | micrograd | numpy | ratio | target | met? |" in text
    )
    assert "Machine: cpu " in text and "Command: `" in text
    table_lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table_lines) == 1 + sum(len(r.rows) for r in results.values())
    assert all(line.count(" | ") == len(report.HEADINGS) - 1 for line in table_lines)


def test_command_line_writes_json(tmp_path, capsys) -> None:
    path = tmp_path / "bench.json"
    assert main(["--quick", "--case", "op", "--case", "viz", "--json", str(path)]) == 0
    assert "| op |" in capsys.readouterr().out
    data = json.loads(path.read_text())
    assert [row["case"] for row in data["rows"]] == ["op", "viz"]
    assert set(data["cases"]) == {"op", "viz"} and data["machine"]["numpy"] == np.__version__
    assert all(t > 0 for t in data["cases"]["op"]["times"]["minigrad"])


def test_profile_prints_the_top_functions(capsys) -> None:
    assert main(["--quick", "--profile", "deep"]) == 0
    out = capsys.readouterr().out
    assert "cProfile of minigrad on case 'deep'" in out and "tottime" in out


def test_instruction_counting_runs_each_case_as_the_timed_benchmarks_do() -> None:
    q, a_grad, b_grad = instructions.run_calls("seed", 2)
    assert q.tolist() == [-12.0, 65.0] and a_grad.tolist() == [36.0, 81.0]
    assert b_grad.tolist() == [-12.0, -8.0]
    assert instructions.run_calls("op", 2).tolist() == [8.0, 7.0]
    assert instructions.run_calls("deep", 1).item() == pytest.approx(CHAIN_FACTOR**2000, rel=1e-4)
    assert instructions.run_calls("deep-tensor", 1).item() == pytest.approx(
        CHAIN_FACTOR**2000, rel=1e-4
    )
    loss, *grads = instructions.run_calls("mlp", 1)
    assert math.isfinite(loss.item()) and len(grads) == 6
    assert set(instructions.CASES) == set(instructions.CALLS)


def test_instruction_count_is_read_from_callgrind_and_its_absence_is_explained(
    monkeypatch,
) -> None:
    report = "==12== Events    : Ir\n==12== Collected : 123456789\n==12==\n==12== I   refs:  1"
    assert instructions.collected(report) == 123456789
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions.collected("valgrind: command not found")
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs valgrind"):
        instructions.count("op", 1)
