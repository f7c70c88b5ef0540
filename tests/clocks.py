"""A clock a test moves by hand, for code that takes its clock (and sleep) as arguments.

Calling it (or ``monotonic()``) answers ``now``; ``sleep`` records how long the code meant to wait and
returns at once, so a test proves a delay without spending it.
"""

from __future__ import annotations


class ManualClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
