"""How a warning light looks: a coloured dot plus its name, so it reads without colour too."""

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from zzdesk.domain.vocabulary import LIGHT_LABELS, Light
from zzdesk.reports.light_styles import LIGHT_STYLES

# One palette for screen and print; the charts also hatch each light so it reads in black and white.
LIGHT_COLORS = {light: style.color for light, style in LIGHT_STYLES.items()}
SEVERITY = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.DONE: 3, Light.NONE: 4}


@cache
def light_icon(light: Light, size: int = 14) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at double size: crisp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#00000040"))
    painter.setBrush(QColor(LIGHT_COLORS[light]))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def light_label(light: Light) -> str:
    return LIGHT_LABELS[light]
