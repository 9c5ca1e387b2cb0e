"""Does backward free what the forward pass kept? Measured, not assumed.

A chain is built and backpropagated under ``tracemalloc`` (numpy reports its array memory to
it too), counting the live minigrad tensors through ``gc`` at each stage: after the forward
pass, after ``backward()`` with the root still held, and after the root is dropped.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import asdict, dataclass

import minigrad
from benchmarks.workloads import CHAIN_FACTOR


@dataclass(frozen=True)
class MemoryProbe:
    """Bytes held (beyond what was held before) and live minigrad tensors, at each stage."""

    length: int
    bytes_forward: int
    bytes_backward: int
    bytes_dropped: int
    bytes_peak: int
    tensors_forward: int
    tensors_backward: int
    tensors_dropped: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def saved_freed(self) -> bool:
        """After backward only the leaf, its ``.grad`` and the root remain as tensors."""
        return self.tensors_backward <= 3

    @property
    def all_freed(self) -> bool:
        """Dropping the root gives back all but 1% of what the forward pass held."""
        return self.bytes_dropped <= 0.01 * self.bytes_forward


def live_tensors() -> int:
    """How many minigrad tensors the collector sees (those frozen by ``gc.freeze`` excepted)."""
    tensor_type = minigrad.Tensor
    return sum(1 for obj in gc.get_objects() if type(obj) is tensor_type)


def probe_chain(length: int) -> MemoryProbe:
    """Build a ``length``-step chain, backpropagate, drop it; what stays alive at each stage."""
    gc.collect()
    gc.freeze()  # what exists already is not counted, and gc.collect() need not walk it
    tensors_before = live_tensors()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]

        def held() -> int:
            gc.collect()
            return tracemalloc.get_traced_memory()[0] - start

        x = minigrad.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(length):
            y = y * CHAIN_FACTOR
        bytes_forward, tensors_forward = held(), live_tensors() - tensors_before
        y.backward()
        bytes_backward, tensors_backward = held(), live_tensors() - tensors_before
        del y
        bytes_dropped, tensors_dropped = held(), live_tensors() - tensors_before
        bytes_peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    return MemoryProbe(
        length,
        bytes_forward,
        bytes_backward,
        bytes_dropped,
        bytes_peak,
        tensors_forward,
        tensors_backward,
        tensors_dropped,
    )
