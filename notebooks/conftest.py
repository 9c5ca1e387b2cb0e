"""Prepares the machine for `pytest --nbval`, which runs these lessons and compares each cell's
output with the one stored in the notebook. Nothing here changes what is compared.

- Matplotlib builds its font cache the first time it is imported and may say so on stderr, which
  nbval would report as an unexpected output of the plotting cell: build the cache now, before
  any lesson's kernel starts.
- Without Graphviz's `dot` program the drawings show an install hint instead of a picture, so
  their stored outputs cannot match: skip the lessons, saying why, rather than fail every cell.
"""

import shutil
from contextlib import suppress
from pathlib import Path

import pytest

with suppress(ImportError):
    import matplotlib.font_manager  # noqa: F401  (loading it builds the font cache)

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items) -> None:
    if shutil.which("dot") is not None:
        return
    skip = pytest.mark.skip(
        reason="Graphviz's dot program is not installed (apt-get install graphviz, "
        "brew install graphviz or conda install -c conda-forge graphviz)"
    )
    for item in items:
        if item.path.suffix == ".ipynb" and item.path.parent == HERE:
            item.add_marker(skip)
