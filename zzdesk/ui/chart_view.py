"""A chart drawn off the GUI thread.

Rendering a matplotlib figure takes 100–250 ms, too long for the GUI thread. The worker builds the figure
at this widget's size with the same chart functions the PDF uses, renders it with Agg, and hands back an
image; a resize asks for a new rendering after a short pause. matplotlib is imported there too, on first use:
importing it takes most of a second, which would otherwise delay the main window's first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from zzdesk.ui.worker import DatabaseWorker

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RESIZE_PAUSE_MS = 150
BASE_DPI = 100

ChartMaker = Callable[[tuple[float, float]], "Figure"]


@dataclass(frozen=True)
class RenderedChart:
    figure: Figure
    rgba: bytes
    width: int
    height: int
    generation: int


def render_chart(make: ChartMaker, width_px: int, height_px: int, pixel_ratio: float, generation: int) -> RenderedChart:
    """Worker-thread work: build the figure for a widget of this size and draw it to RGBA pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = make((width_px / BASE_DPI, height_px / BASE_DPI))
    figure.set_dpi(BASE_DPI * pixel_ratio)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    return RenderedChart(figure, bytes(canvas.buffer_rgba()), width, height, generation)


class ChartView(QLabel):
    def __init__(self, worker: DatabaseWorker, minimum_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.figure: Figure | None = None  # the figure last shown, for tests and for saving
        self._make: ChartMaker | None = None
        self._generation = 0
        self.setMinimumSize(200, minimum_height)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._resized = QTimer(self, singleShot=True, interval=RESIZE_PAUSE_MS)
        self._resized.timeout.connect(self._request)

    def show_chart(self, make: ChartMaker) -> None:
        self._make = make
        self._request()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        if self._make is not None:
            self._resized.start()

    def _request(self) -> None:
        if self._make is None:
            return
        self._generation += 1
        make, generation = self._make, self._generation
        width, height, ratio = max(self.width(), 200), max(self.height(), 120), self.devicePixelRatioF()
        self.worker.run(lambda: render_chart(make, width, height, ratio, generation), self._show)

    def _show(self, rendered: RenderedChart) -> None:
        if rendered.generation != self._generation:  # a newer size or newer data is on its way
            return
        image = QImage(rendered.rgba, rendered.width, rendered.height, QImage.Format.Format_RGBA8888).copy()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.figure = rendered.figure
        self.setPixmap(pixmap)
