"""What the lessons in ``notebooks/`` import: exercise checks and small helpers.

Not part of PyTorch's surface, and not imported by the core: the lessons run unchanged under
real PyTorch (``import torch``), so everything here works on PyTorch tensors too.
"""
