"""``Adam``: adaptive moment estimation with PyTorch's defaults and bias correction, step
by step as ``torch/optim/adam.py`` (``_single_tensor_adam``), so its rounding is PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad import _dtype
from minigrad.creation import tensor, zeros_like
from minigrad.ops.bounds import maximum
from minigrad.optim.optimizer import Optimizer
from minigrad.tensor import Tensor


class Adam(Optimizer):
    """Each parameter moves by ``lr · m̂ / (√v̂ + eps)``: m and v are running means of the
    gradient and of its square (``betas``), m̂ and v̂ the same corrected for starting at 0.

    >>> opt = torch.optim.Adam(model.parameters(), lr=1e-3)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _state(self, param: Tensor, amsgrad: bool) -> dict[str, Any]:
        """The parameter's state, made at its first step: a float32 step count and zeros."""
        state = self.state[param]
        if not state:
            state["step"] = tensor(0.0, dtype=_dtype.float32)
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(param)
        return state

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One parameter's step, in PyTorch's order of operations (and so its rounding)."""
        state = self._state(param, group["amsgrad"])
        grad = -param.grad if group["maximize"] else param.grad
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        state["step"] += 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = state["step"].item()
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if group["amsgrad"]:
            state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
        param.addcdiv_(exp_avg, denom, value=-step_size)


def _check(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    """PyTorch's errors for settings out of range."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
