"""``torch.optim``: optimizers that update parameters from their gradients, with
PyTorch's update rules, defaults and rounding."""

from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]
