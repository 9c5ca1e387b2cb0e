"""The seeded generator behind ``rand`` and ``randn``: same seed, same numbers, every run."""

from __future__ import annotations

import numpy as np

#: PyTorch's default seed, so that a fresh session is reproducible without a call.
DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers; ``manual_seed`` restarts it."""

    def __init__(self) -> None:
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from ``seed``."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int, but got {type(seed).__name__}")
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed % 2**64))
        return self

    def initial_seed(self) -> int:
        """The seed the sequence started from."""
        return self._seed

    def __repr__(self) -> str:
        return f"<minigrad.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: ``torch.manual_seed(0)``."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    value = int(np.random.SeedSequence().entropy % 2**63)
    default_generator.manual_seed(value)
    return value
