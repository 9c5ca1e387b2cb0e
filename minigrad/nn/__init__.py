"""``torch.nn``: modules with parameters, the layers and losses a first network needs,
``nn.functional`` and ``nn.init``, with PyTorch's surface, printing and starting values."""

from minigrad.nn import functional, init
from minigrad.nn.layers import (
    Flatten,
    Identity,
    Linear,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from minigrad.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter

__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Flatten",
    "Identity",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleList",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
]
