"""The browser tests' fixtures: a JupyterLab started as ``make lab`` starts it, a headless
Chromium, a page in it, and where screenshots go (see jupyterlab.py)."""

from .jupyterlab import browser, lab, page, screenshots  # noqa: F401  (fixtures)
