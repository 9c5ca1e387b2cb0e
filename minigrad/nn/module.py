"""``Module``: the base of every layer and network, as PyTorch's ``torch.nn.Module``.

A module keeps its parameters and its sub-modules in two ordered dicts, ``_parameters`` and
``_modules``, filled by assigning attributes (``self.fc = nn.Linear(2, 3)``), and reads
them back as attributes. That bookkeeping is what lets ``parameters()``, ``state_dict()``,
``zero_grad()`` and ``repr`` walk the whole tree of modules.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import RemovableHandle
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys that did not match (none, usually)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class of layers and networks: subclass it, make the layers in ``__init__`` (after
    ``super().__init__()``) and say what to compute in ``forward``; call the module itself.

    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = torch.nn.Linear(2, 1)
    ...     def forward(self, x):
    ...         return self.fc(x).tanh()
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]
    #: forward hooks, each ``(hook, with_kwargs, always_call)``; pre-hooks ``(hook, with_kwargs)``
    _forward_hooks: list[tuple[Callable, bool, bool]]
    _forward_pre_hooks: list[tuple[Callable, bool]]

    def __init__(self) -> None:
        # set through object.__setattr__: this class's own __setattr__ reads these dicts
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", [])
        object.__setattr__(self, "_forward_pre_hooks", [])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What the module computes; every subclass defines its own."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_hooks or self._forward_pre_hooks):
            return self.forward(*args, **kwargs)
        output, called = None, []
        try:
            for hook, with_kwargs in list(self._forward_pre_hooks):
                args, kwargs = _before_forward(self, hook, with_kwargs, args, kwargs)
            output = self.forward(*args, **kwargs)
            for entry in list(self._forward_hooks):
                called.append(entry)
                output = _after_forward(self, entry, args, kwargs, output)
            return output
        except Exception:
            for entry in list(self._forward_hooks):
                if entry[2] and not any(entry is done for done in called):  # always_call
                    _after_failure(self, entry, args, kwargs, output)
            raise

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; what it returns (not None)
        replaces the arguments. With ``with_kwargs``: ``hook(module, args, kwargs)``, which
        may return ``(args, kwargs)``."""
        return RemovableHandle(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward`` (to look at what a layer
        computed); what it returns (not None) replaces the output. ``always_call``: also when
        forward raised (with output None)."""
        return RemovableHandle(self._forward_hooks, (hook, with_kwargs, always_call), prepend)

    # -- attributes: parameters and sub-modules are registered when assigned -----------------
    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._keep("_parameters", name, value, "parameters")
        elif isinstance(value, Module):
            self._keep("_modules", name, value, "module")
        elif name in self.__dict__.get("_parameters", ()):
            self._empty("_parameters", name, value, "parameter", "torch.nn.Parameter")
        elif name in self.__dict__.get("_modules", ()):
            self._empty("_modules", name, value, "child module", "torch.nn.Module")
        else:
            object.__setattr__(self, name, value)

    def _keep(self, kept: str, name: str, value: Any, what: str) -> None:
        """Register ``value`` in the dict ``kept`` (``_parameters`` or ``_modules``)."""
        if kept not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")
        self._forget(name, but=kept)
        self.__dict__[kept][name] = value

    def _empty(self, kept: str, name: str, value: Any, what: str, expected: str) -> None:
        """Assign None to a registered parameter or sub-module; anything else is refused."""
        if value is not None:
            raise TypeError(
                f"cannot assign '{typename(value)}' as {what} '{name}' "
                f"({expected} or None expected)"
            )
        self.__dict__[kept][name] = None

    def _forget(self, name: str, but: str) -> None:
        """Remove ``name`` wherever it is kept but in the dict ``but``, where it is about to
        be (re)assigned: a module replaced keeps its place, as in PyTorch."""
        self.__dict__.pop(name, None)
        for kept in ("_parameters", "_modules"):
            if kept != but:
                self.__dict__[kept].pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # called only when normal lookup fails: a registered parameter or sub-module
        for kept in ("_parameters", "_modules"):
            found = self.__dict__.get(kept)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (or None, a parameter slot left empty, as ``bias=False``)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        self._forget(name, but="_parameters")
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under ``name`` (what assigning an attribute does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{typename(module)} is not a Module subclass")
        self._forget(name, but="_modules")
        self._modules[name] = module

    # -- walking the tree ---------------------------------------------------------------------
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, with its dotted name; each once, unless
        ``remove_duplicate`` is False."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate and id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{key}" if name else key, child)
                for key, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules, with their names."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter, with its dotted name (``"0.weight"``), each once."""
        walk = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for module_name, module in walk:
            for name, param in module._parameters.items():
                if param is None or (remove_duplicate and id(param) in seen):
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, each once: what an optimizer is given."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module, then on this module (e.g. to initialise weights)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- training ------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode here and below: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Start (or stop) recording gradients for every parameter."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: set it to None (or to zeros)."""
        for param in self.parameters():
            forget_grad(param, set_to_none)

    # -- saving and loading --------------------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Every parameter by dotted name, detached (sharing memory): what to save."""
        return OrderedDict(
            (name, param if keep_vars else param.detach())
            for name, param in self.named_parameters(prefix, remove_duplicate=False)
        )

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy the values of ``state_dict`` into the parameters, with PyTorch's errors for
        missing or unexpected keys and shapes that differ."""
        own = dict(self.named_parameters(remove_duplicate=False))
        errors = []
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        with grad_mode.no_grad():
            for key, param in own.items():
                if key in state_dict:
                    errors += _copy_into(key, param, state_dict[key])
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The module's own settings, printed between its parentheses."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): {_addindent(repr(module), 2)}" for key, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def _before_forward(
    module: Module, hook: Callable, with_kwargs: bool, args: tuple, kwargs: dict
) -> tuple[tuple, dict]:
    """The arguments of ``forward`` as a forward pre-hook leaves them."""
    if not with_kwargs:
        result = hook(module, args)
        if result is None:
            return args, kwargs
        return (result if isinstance(result, tuple) else (result,)), kwargs
    result = hook(module, args, kwargs)
    if result is None:
        return args, kwargs
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(
            "forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got "
            f"{result}."
        )
    return result


def _after_forward(module: Module, entry: tuple, args: tuple, kwargs: dict, output: Any) -> Any:
    """The output as the forward hook ``entry`` leaves it."""
    hook, with_kwargs, _ = entry
    result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
    return output if result is None else result


def _after_failure(module: Module, entry: tuple, args: tuple, kwargs: dict, output: Any) -> None:
    """Run an ``always_call`` forward hook after an error; its own error is only a warning."""
    try:
        _after_forward(module, entry, args, kwargs, output)
    except Exception as error:  # noqa: BLE001 - the first error is the one raised
        warnings.warn(
            "forward hook with ``always_call=True`` raised an exception that was silenced as "
            f"another error was raised in forward: {error}",
            stacklevel=3,
        )


def forget_grad(param: Tensor, set_to_none: bool) -> None:
    """Set ``param.grad`` to None, or detach it and fill it with zeros (``zero_grad``)."""
    if param.grad is None:
        return
    if set_to_none:
        param.grad = None
        return
    if param.grad.grad_fn is not None:
        param.grad.detach_()
    else:
        param.grad.requires_grad_(False)
    param.grad.zero_()


def _copy_into(key: str, param: Parameter, value: Any) -> list[str]:
    """Copy ``value`` into ``param``; PyTorch's error messages for what cannot be copied."""
    if not isinstance(value, Tensor):
        return [
            f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
            f"object from checkpoint but received {type(value)}"
        ]
    if value.shape != param.shape:
        return [
            f"size mismatch for {key}: copying a param with shape {value.shape} from "
            f"checkpoint, the shape in current model is {param.shape}."
        ]
    param.copy_(value)
    return []


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (blank lines stay empty)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    rest = [(" " * spaces + line) if line.strip() else "" for line in lines[1:]]
    return "\n".join([lines[0], *rest])


def typename(value: Any) -> str:
    """PyTorch's name for a value's type: ``torch.FloatTensor``, ``int``, ``Linear`` …"""
    if isinstance(value, Tensor):
        return f"torch.{value.dtype.title}Tensor"
    module = type(value).__module__
    name = type(value).__qualname__
    return name if module == "builtins" else f"{module}.{name}"
