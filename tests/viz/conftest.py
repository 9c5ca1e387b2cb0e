"""The `backend` fixture: every graph test runs on PyTorch and, once it exists, on minigrad.

minigrad mirrors PyTorch's autograd surface exactly, so one expected picture serves both.
"""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture(params=["torch", "minigrad"])
def backend(request):
    """The tensor library under test, used like `torch`: backend.tensor(...), backend.no_grad()."""
    module = pytest.importorskip(request.param)
    if not hasattr(module, "tensor"):
        pytest.skip(f"{request.param} has no tensor() yet")
    return importlib.import_module(request.param)
