"""The checks at the end of each lesson: ``checks.lesson1_exercise1(torch, dP_da, dP_db)``.

Each takes the tensor library the lesson runs on (minigrad or PyTorch, imported as ``torch``)
and the learner's answer: a function, evaluated at several random points (seeded, with unequal
entries and more than two samples, so that a constant or a dropped factor cannot pass by luck),
or the predicted values. It prints one line per part: ✓, or ✗ with a hint aimed at the likely
mistake, or … while the answer is still ``...``. It never prints the expected value.

>>> import minigrad as torch
>>> lesson1_exercise2(torch, [36.0, 0.0], ...)
✓ a.grad is right.
… b.grad: not answered yet. Replace the ... with your answer.

One module per lesson (``lesson1`` … ``lesson5``); ``_judging`` holds what they share: the
seeded random points, and the comparison of a formula or a prediction with autograd.
"""

from minigrad.lessons.checks.lesson1 import lesson1_exercise1, lesson1_exercise2
from minigrad.lessons.checks.lesson2 import lesson2_exercise1, lesson2_exercise2
from minigrad.lessons.checks.lesson3 import lesson3_exercise1, lesson3_exercise2
from minigrad.lessons.checks.lesson4 import lesson4_exercise1, lesson4_exercise2
from minigrad.lessons.checks.lesson5 import lesson5_exercise1, lesson5_exercise2

__all__ = [
    "lesson1_exercise1",
    "lesson1_exercise2",
    "lesson2_exercise1",
    "lesson2_exercise2",
    "lesson3_exercise1",
    "lesson3_exercise2",
    "lesson4_exercise1",
    "lesson4_exercise2",
    "lesson5_exercise1",
    "lesson5_exercise2",
]
