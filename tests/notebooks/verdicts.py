"""What the exercise tests of lessons 6 and 7 share: how a rejected answer must read."""

from __future__ import annotations

import re


def assert_rejected(passed: bool, said: str, hint: str) -> None:
    """The check said no, with ``hint``, and without a number that gives the answer away."""
    assert not passed
    assert "✓" not in said and said.startswith(("✗", "…")), said
    assert hint in said, said
    assert not re.search(r"\d\.\d", said), f"a number gives the answer away: {said}"
