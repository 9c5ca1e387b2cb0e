"""Step-through widgets: watch the forward and backward pass one node at a time.

>>> from minigrad.widgets import Stepper
>>> Stepper(Q, gradient=torch.tensor([1., 1.]))     # doctest: +SKIP
"""

from minigrad.widgets.stepper import Stepper
from minigrad.widgets.steps import Step

__all__ = ["Step", "Stepper"]
