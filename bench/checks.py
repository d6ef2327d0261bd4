"""A target of issue 10 and what the run measured for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Check:
    scenario: int
    name: str  # what is compared, in words
    baseline: float | None  # the baseline's median (None: no baseline, e.g. an added time)
    guard: float  # the guard's median
    unit: str  # of baseline and guard: "req/s", "ms", "s", "MB/s", "MB"
    value: float  # the figure the target is about (a ratio, or an added time, or a growth)
    op: str  # ">=" or "<="
    target: float
    value_unit: str = "×"  # "×" for ratios, else "ms", "MB"
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.op == ">=" else self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


def ratio(guard: float, baseline: float) -> float:
    return guard / baseline if baseline else float("inf")
