"""How a warning light looks: a coloured dot plus its name, so it reads without colour too."""

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from zzdesk.domain.vocabulary import LIGHT_LABELS, Light

LIGHT_COLORS = {
    Light.RED: "#d64541",
    Light.YELLOW: "#e5a50a",
    Light.GREEN: "#2e9d4f",
    Light.DONE: "#5b7db1",
    Light.NONE: "#b0b0b0",
}
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
