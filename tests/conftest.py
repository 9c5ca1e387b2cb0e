"""Shared test setup."""

import pytest

import minigrad


@pytest.fixture(autouse=True)
def _numpy_warnings_as_learners_see_them():
    """pytest resets warning filters around each test, dropping the one minigrad installs at
    import; put it back so tests see what a learner sees."""
    minigrad._silence_numpy_warnings()
