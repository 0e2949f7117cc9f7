"""Counts of lights over a set of tasks, and the short text the tree and reports show (「5项 · 1红 2黄」)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from zzdesk.domain.vocabulary import Light

_SHORT = ((Light.RED, "红"), (Light.YELLOW, "黄"), (Light.GREEN, "绿"), (Light.DONE, "完成"), (Light.NONE, "未分配"))


@dataclass(frozen=True)
class LightCounts:
    total: int
    by_light: dict[Light, int]

    def text(self, include_green: bool = False) -> str:
        """「5项 · 1红 2黄」: the warnings a clerk looks for; green only on request."""
        parts = [f"{self.by_light.get(light, 0)}{label}" for light, label in _SHORT
                 if self.by_light.get(light, 0) and (include_green or light in (Light.RED, Light.YELLOW))]
        return f"{self.total}项" + (" · " + " ".join(parts) if parts else "")


def count_lights(lights: Iterable[Light]) -> LightCounts:
    counter = Counter(lights)
    return LightCounts(total=sum(counter.values()), by_light=dict(counter))
