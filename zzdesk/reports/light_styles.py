"""The lights' colours and hatches: one palette for screen (ui/lights.py) and print (reports/charts.py).

Apart from the charts so the GUI can use it without importing matplotlib, which would delay the first window.
"""

from dataclasses import dataclass

from zzdesk.domain.vocabulary import Light


@dataclass(frozen=True)
class LightStyle:
    color: str  # the same colours as the GUI's light icons (ui/lights.py)
    hatch: str


LIGHT_STYLES = {
    Light.RED: LightStyle("#d64541", "xxx"),
    Light.YELLOW: LightStyle("#e5a50a", "///"),
    Light.GREEN: LightStyle("#2e9d4f", ""),
    Light.DONE: LightStyle("#5b7db1", "..."),
    Light.NONE: LightStyle("#d9d9d9", "\\\\"),
}
