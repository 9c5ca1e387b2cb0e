"""Reading DOT text back in tests: boxes with their visible text, arrows with attributes.

Also the tutorial's graphs, built on any backend, and a duck-typed fake graph that needs
neither torch nor minigrad.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_NODE = re.compile(r"^\t(n\d+) \[label=<(<TABLE.*</TABLE>)>(.*)\]$")
_EDGE = re.compile(r"^\t(n\d+) -> (n\d+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ ]+)')
_CELL = re.compile(r"<TD[^>]*>(.*?)</TD>")
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<B>(.*?)</B>")


@dataclass
class Dot:
    """A parsed DOT text: box id -> visible text lines (a title row with the shape reads
    'a (2,)'), box id -> its bold title, box id -> attributes, arrows."""

    text: dict[str, list[str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    edge_attrs: list[dict[str, str]] = field(default_factory=list)

    def ids_titled(self, title: str) -> list[str]:
        return [node for node, bold in self.titles.items() if bold == title]


def parse_dot(source: str) -> Dot:
    dot = Dot()
    for line in source.splitlines():
        if node := _NODE.match(line):
            cells = [_cell_text(c) for c in _CELL.findall(node.group(2))]
            dot.text[node.group(1)] = cells
            dot.titles[node.group(1)] = html.unescape(_TITLE.search(node.group(2)).group(1))
            dot.attrs[node.group(1)] = _attrs(node.group(3))
        elif edge := _EDGE.match(line):
            dot.edges.append((edge.group(1), edge.group(2)))
            dot.edge_attrs.append(_attrs(edge.group(3) or ""))
    return dot


def _cell_text(cell: str) -> str:
    # the lines of a multi-line value are joined with ' / '
    lines = [html.unescape(_TAG.sub("", part)) for part in re.split(r"<BR[^>]*/>", cell)]
    return " / ".join(line for line in lines if line)


def _attrs(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTR.findall(text)}


def tutorial_q(torch):
    """Q = 3a³ − b² from the tutorial's section 1.1."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    return a, b, 3 * a**3 - b**2


def tutorial_z(torch):
    """z = (x + 1)² + 3 from section 1.2 (x fixed instead of random)."""
    x = torch.tensor([[2.0], [-0.5], [0.75]], requires_grad=True)
    y = x + 1
    return x, y, y**2 + 3


def tutorial_loss(torch):
    """The neural-network loss of section 1.3: ((x @ w − target)²).mean()."""
    x = torch.arange(6).reshape(2, 3) * 1.0
    target = torch.arange(2, 4).reshape(2, 1) * 1.0
    w = torch.ones((3, 1), requires_grad=True)
    output = x.matmul(w)
    loss = ((output - target) ** 2).mean()
    return {"x": x, "target": target, "w": w, "output": output, "loss": loss}


class FakeNode:
    """The grad_fn surface by duck typing only: name(), next_functions, _sequence_nr()."""

    def __init__(self, name, next_functions=(), number=0):
        self._name = name
        self.next_functions = tuple(next_functions)
        self._number = number

    def name(self):
        return self._name

    def _sequence_nr(self):
        return self._number


class FakeAccumulateGrad(FakeNode):
    def __init__(self, variable):
        super().__init__("AccumulateGrad")
        self.variable = variable


class FakeTensor:
    """The tensor surface by duck typing only; values come from .tolist()."""

    def __init__(self, values, grad_fn=None, requires_grad=True):
        self.values = values
        self.grad_fn = grad_fn
        self.requires_grad = requires_grad
        self.is_leaf = grad_fn is None
        self.grad = None
        self.shape = (len(values),)
        self.dtype = "float32"

    def detach(self):
        return self

    def tolist(self):
        return list(self.values)


def fake_chain(length):
    """A leaf and `length` ExpBackward0 nodes, each pointing at the one before."""
    leaf = FakeTensor([1.0])
    node = FakeAccumulateGrad(leaf)
    for number in range(length):
        node = FakeNode("ExpBackward0", [(node, 0)], number)
    return leaf, FakeTensor([float(length)], grad_fn=node)
