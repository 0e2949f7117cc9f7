"""报告预览: the generated PDF's pages inside the app, to check before printing or sending it.

Pages are rendered only when they scroll into view, one worker job per page, so a long bulletin opens at once
and database work can slip in between pages. Printing goes through the same renderer at the printer's resolution,
page by page on the worker, honouring the print dialog's page range, copies and page order.
"""

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QDir, QPointF, QProcess, QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QShortcut
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.ui import options
from zzdesk.ui.pdf_pages import POINTS_PER_INCH, PageSize, PdfPages
from zzdesk.ui.worker import DatabaseWorker

FIT_WIDTH = "fit"
ZOOMS = (FIT_WIDTH, "50", "75", "100", "125", "150", "200")
PAGE_GAP = 14  # pixels between pages, and around them
LOOKAHEAD = 0.5  # render pages this many viewport heights above and below the visible area
KEEP_PAGES = 6  # rendered pages kept beyond the visible ones; the rest are dropped to save memory
MAX_PRINT_DPI = 600  # a 1200 dpi A4 raster would need over half a gigabyte; 600 dpi prints text crisply
PRINT_BAND_ROWS = 1024  # printer pages are rendered in bands of this many rows
ERROR_COLOR, DONE_COLOR = "#c0392b", "#2e7d32"
BACKDROP = "#8a8f96"


def tr(text: str) -> str:
    return QCoreApplication.translate("PdfPreview", text)


def zoom_label(zoom: str) -> str:
    return tr("适合宽度") if zoom == FIT_WIDTH else f"{zoom}%"


class PageView(QWidget):
    """One page: white paper with its rendering, scaled while a sharper one is on its way."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.image: QImage | None = None
        self.rendered_scale = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_image(self, image: QImage | None, scale: float = 0.0) -> None:
        self.image, self.rendered_scale = image, scale
        self.update()

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)
        area = self.rect()
        painter.fillRect(area, Qt.GlobalColor.white)
        if self.image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(area, self.image)
        else:
            painter.setPen(QColor("#999999"))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, tr("第 {} 页").format(self.number))
        painter.end()


@dataclass(frozen=True)
class PrintJob:
    printer: QPrinter
    painter: QPainter
    sequence: tuple[int, ...]  # page indexes in the order they go to the printer (copies included)
    dpi: float


class PdfPreview(QWidget):
    """The preview with its zoom, page count and the 打印 / 打开 / 关闭 buttons; ``close_requested`` on 关闭."""

    close_requested = Signal()
    printed = Signal(int)  # pages sent to the printer

    def __init__(self, worker: DatabaseWorker, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker, self.settings = worker, settings
        self.path: Path | None = None
        self.document: PdfPages | None = None
        self.pages: list[PageView] = []
        self._spans: list[tuple[int, int]] = []  # each page's top and bottom within the sheet
        self._wanted: frozenset[int] = frozenset()
        self._in_flight: set[tuple[int, float]] = set()
        self._print: PrintJob | None = None
        self._loads = 0  # counts load() calls: only the latest one's document is shown

        self.zoom = QComboBox()
        for zoom in ZOOMS:
            self.zoom.addItem(zoom_label(zoom), zoom)
        saved = str(options.PREVIEW_ZOOM.read(settings)) if settings is not None else FIT_WIDTH
        self.zoom.setCurrentIndex(max(0, self.zoom.findData(saved)))
        self.zoom.setToolTip(tr("显示比例：适合宽度，或按实际大小（100%）"))
        self.page_label = QLabel()
        self.title_label = QLabel()
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.page_label)
        top.addSpacing(12)
        top.addWidget(QLabel(tr("显示比例：")))
        top.addWidget(self.zoom)

        self.sheet = QWidget()  # the pages, placed by _layout_pages (a layout would place them only later)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.sheet)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.scroll.viewport().setStyleSheet(f"background: {BACKDROP}")
        self.scroll.setMinimumSize(QSize(360, 300))

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.print_button = QPushButton(tr("打印(&P)…"))
        self.print_button.setToolTip(tr("选择打印机、页码范围和份数后打印（Ctrl+P）"))
        self.open_button = QPushButton(tr("用系统程序打开(&O)"))
        self.open_button.setToolTip(tr("用电脑上默认的 PDF 阅读程序打开这份报告"))
        self.folder_button = QPushButton(tr("打开所在文件夹(&F)"))
        self.close_button = QPushButton(tr("关闭"))
        buttons = QHBoxLayout()
        for button in (self.print_button, self.open_button, self.folder_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        self.close_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(40)  # scrolling and resizing settle before pages are rendered
        self._render_timer.timeout.connect(self.render_visible)
        self.zoom.currentIndexChanged.connect(self._zoom_changed)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.print_button.clicked.connect(lambda: self.print_document())
        self.open_button.clicked.connect(self.open_externally)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.close_requested)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=lambda: self.print_document())
        self._set_actions_enabled(False)

    # --- loading ---------------------------------------------------------------------------------
    def load(self, path: Path, title: str = "") -> None:
        """Open ``path`` on the worker; pages appear as they scroll into view."""
        self.release()
        self.path = Path(path)
        self.title_label.setText(title or self.path.name)
        self.title_label.setToolTip(str(self.path))
        self.page_label.setText(tr("正在打开…"))
        self._say("")
        self._loads += 1
        token = self._loads
        self.worker.run(lambda: PdfPages(Path(path)), lambda document: self._opened(document, token),
                        lambda error: self._failed(error, token))

    def _opened(self, document: PdfPages, token: int) -> None:
        if not shiboken6.isValid(self) or token != self._loads:  # closed, or another file asked for since
            document.close()
            return
        self.document = document
        for number in range(1, document.page_count + 1):
            page = PageView(number)
            self.pages.append(page)
            page.setParent(self.sheet)
            page.show()
        self._layout_pages()
        self._set_actions_enabled(True)
        self._update_page_label()
        self.schedule_render()

    def _failed(self, error: DomainError, token: int) -> None:
        if shiboken6.isValid(self) and token == self._loads:
            self.page_label.setText("")
            self._say(error.message, ERROR_COLOR)

    @property
    def printing(self) -> bool:
        return self._print is not None

    def refuse_close_while_printing(self) -> bool:
        """True (and says why) while pages are still going to the printer: closing now would cut the job short."""
        if self.printing:
            self._say(tr("正在打印，请等打印完成后再关闭"), ERROR_COLOR)
        return self.printing

    def release(self) -> None:
        """Drop the document and its pages (the file is not touched)."""
        self._loads += 1  # a document still being opened is dropped when it arrives
        self._wanted = frozenset()
        for page in self.pages:
            page.deleteLater()
        self.pages = []
        self._spans = []
        if self.document is not None:
            self.document.close()
            self.document = None
        self._set_actions_enabled(False)

    @property
    def page_count(self) -> int:
        return self.document.page_count if self.document else 0

    # --- layout and zoom -------------------------------------------------------------------------
    def display_scale(self) -> float:
        """Screen pixels per PDF point at the chosen zoom."""
        zoom = str(self.zoom.currentData())
        if zoom == FIT_WIDTH:
            widest = max((size.width for size in self._sizes()), default=595.0)
            return max(0.1, (self._room_for_pages() - 1) / widest)  # 1: pixel sizes are rounded up
        return int(zoom) / 100 * self.logicalDpiX() / POINTS_PER_INCH

    def _room_for_pages(self) -> int:
        """The viewport's width less the page margins, as if the vertical scroll bar were shown: it appears as
        soon as the pages are laid out, and fitting must not then call for a horizontal one."""
        room = self.scroll.viewport().width() - 2 * PAGE_GAP
        bar = self.scroll.verticalScrollBar()
        if not bar.isVisible():
            room -= self.scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
        return room

    def _sizes(self) -> tuple[PageSize, ...]:
        return self.document.sizes if self.document else ()

    def _layout_pages(self) -> None:
        """Size and place every page for the zoom, one below the other, centred; the sheet holding them takes their
        size at once, so the scroll bars and what is visible are right before any event is processed."""
        scale = self.display_scale()
        sizes = [size.pixels(scale) for size in self._sizes()]
        sheet_width = max((width for width, _ in sizes), default=0) + 2 * PAGE_GAP
        self._spans = []
        top = PAGE_GAP
        for page, (width, height) in zip(self.pages, sizes, strict=True):
            page.setGeometry((sheet_width - width) // 2, top, width, height)
            self._spans.append((top, top + height))
            top += height + PAGE_GAP
        self.sheet.resize(sheet_width, top if self.pages else 0)

    def _zoom_changed(self) -> None:
        if self.settings is not None:
            options.PREVIEW_ZOOM.write(self.settings, str(self.zoom.currentData()))
        self._layout_pages()
        self.schedule_render()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        if self.pages and self.zoom.currentData() == FIT_WIDTH:
            self._layout_pages()
        self.schedule_render()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.release()  # shown on its own; inside a dialog the dialog releases it when it closes
        super().closeEvent(event)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.schedule_render()

    def _scrolled(self) -> None:
        self._update_page_label()
        self.schedule_render()

    def visible_pages(self, lookahead: float = LOOKAHEAD) -> list[int]:
        """Indexes of the pages in (or near) the scroll area's viewport."""
        height = self.scroll.viewport().height()
        top = self.scroll.verticalScrollBar().value() - int(height * lookahead)
        bottom = top + height + 2 * int(height * lookahead)
        return [index for index, (start, end) in enumerate(self._spans) if start < bottom and end > top]

    def current_page(self) -> int:
        """The 1-based number of the page at the top of the view."""
        line = self.scroll.verticalScrollBar().value() + self.scroll.viewport().height() // 3
        return next((index + 1 for index, (_start, end) in enumerate(self._spans) if end + PAGE_GAP >= line),
                    len(self._spans))

    def _update_page_label(self) -> None:
        if self.pages:
            self.page_label.setText(tr("第 {} 页，共 {} 页").format(self.current_page(), len(self.pages)))

    # --- rendering -------------------------------------------------------------------------------
    def schedule_render(self) -> None:
        if self.pages:
            self._render_timer.start()

    def render_visible(self) -> None:
        """Ask the worker for every visible page not yet drawn sharply at the current zoom."""
        document = self.document
        if document is None or not self.isVisible():
            return
        visible = self.visible_pages()
        self._wanted = frozenset(visible)
        self._drop_far_pages(visible)
        scale = round(self.display_scale() * self.devicePixelRatioF(), 3)
        for index in visible:
            page = self.pages[index]
            if math.isclose(page.rendered_scale, scale, rel_tol=0.01) or (index, scale) in self._in_flight:
                continue
            self._in_flight.add((index, scale))
            self.worker.run(self._render_job(document, index, scale),
                            lambda image, i=index, s=scale: self._rendered(i, s, image),
                            lambda error, i=index, s=scale: self._render_failed(i, s, error))

    def _render_job(self, document: PdfPages, index: int, scale: float) -> Callable[[], QImage | None]:
        def render() -> QImage | None:
            if index not in self._wanted or document.closed:
                return None  # scrolled past before the worker got to it
            return document.render(index, scale)

        return render

    def _rendered(self, index: int, scale: float, image: QImage | None) -> None:
        if not shiboken6.isValid(self):
            return
        self._in_flight.discard((index, scale))
        if image is None or index >= len(self.pages):
            return
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self.pages[index].set_image(image, scale)

    def _render_failed(self, index: int, scale: float, error: DomainError) -> None:
        if shiboken6.isValid(self):
            self._in_flight.discard((index, scale))
            if self.document is not None:
                self._say(error.message, ERROR_COLOR)

    def _drop_far_pages(self, visible: list[int]) -> None:
        if not visible:
            return
        low, high = visible[0] - KEEP_PAGES, visible[-1] + KEEP_PAGES
        for index, page in enumerate(self.pages):
            if page.image is not None and not low <= index <= high:
                page.set_image(None)

    def rendered_pages(self) -> list[int]:
        """1-based numbers of the pages that show a rendering (for tests and the status line)."""
        return [page.number for page in self.pages if page.image is not None]

    # --- printing --------------------------------------------------------------------------------
    def print_document(self, printer: QPrinter | None = None) -> bool:
        """Ask for printer, page range and copies, then print; False when cancelled or nothing to print."""
        if self.document is None or self._print is not None:
            return False
        printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
        prepare_printer(printer, self.document, self.path)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("打印报告"))
        dialog.setMinMax(1, self.page_count)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        sequence = print_sequence(printer, self.page_count, self.current_page())
        if not sequence:
            self._say(tr("所选页码范围内没有可打印的页（本报告共 {} 页）").format(self.page_count), ERROR_COLOR)
            return False
        painter = QPainter()
        if not painter.begin(printer):
            self._say(tr("无法开始打印：打印机没有响应，或输出文件无法写入"), ERROR_COLOR)
            return False
        dpi = min(float(printer.resolution()), MAX_PRINT_DPI)
        self._print = PrintJob(printer, painter, tuple(sequence), dpi)
        self.print_button.setEnabled(False)
        self._print_step(0)
        return True

    def _print_step(self, position: int) -> None:
        job, document = self._print, self.document
        assert job is not None
        if document is None:
            self._print_failed(PrintFailed(tr("打印已中断：预览已关闭")))
            return
        if position == len(job.sequence):
            self._finish_print(position)
            return
        self._say(tr("正在打印：第 {} 页，共 {} 页…").format(position + 1, len(job.sequence)), DONE_COLOR)

        def paint() -> None:
            if position > 0 and not job.printer.newPage():
                raise PrintFailed(tr("打印中断：打印机拒绝了新的一页"))
            paint_page(job.painter, job.printer, document, job.sequence[position], job.dpi)

        self.worker.run(paint, lambda _: self._next_print_step(position + 1), self._print_failed)

    def _next_print_step(self, position: int) -> None:
        if shiboken6.isValid(self):
            self._print_step(position)
        elif self._print is not None:
            self._print.painter.end()

    def _finish_print(self, count: int) -> None:
        job = self._print
        assert job is not None
        job.painter.end()
        self._print = None
        self.print_button.setEnabled(self.document is not None)
        self._say(tr("已送往打印机：{} 页").format(count), DONE_COLOR)
        self.printed.emit(count)

    def _print_failed(self, error: DomainError) -> None:
        if self._print is not None:
            self._print.printer.abort()
            self._print.painter.end()
            self._print = None
        if shiboken6.isValid(self):
            self.print_button.setEnabled(self.document is not None)
            self._say(error.message, ERROR_COLOR)

    # --- outside the app -------------------------------------------------------------------------
    def open_externally(self) -> bool:
        if self.path is None:
            return False
        if not self.path.is_file():
            self._say(tr("找不到文件“{}”，它可能已被移动或删除。").format(self.path), ERROR_COLOR)
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path))):
            self._say(tr("这台电脑上没有找到可以打开 PDF 文件的程序，请安装 PDF 阅读器后再试"), ERROR_COLOR)
            return False
        return True

    def open_folder(self) -> bool:
        if self.path is None:
            return False
        return show_in_folder(self.path, lambda message: self._say(message, ERROR_COLOR))

    # --- helpers ---------------------------------------------------------------------------------
    def _set_actions_enabled(self, enabled: bool) -> None:
        for button in (self.print_button, self.open_button, self.folder_button):
            button.setEnabled(enabled)
        self.zoom.setEnabled(enabled)

    def _say(self, text: str, color: str = DONE_COLOR) -> None:
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def message_text(self) -> str:
        return self.message.text() if self.message.isVisible() else ""


class PrintFailed(DomainError):
    """The printer stopped accepting pages."""


def prepare_printer(printer: QPrinter, document: PdfPages, path: Path | None) -> None:
    """Paper as the report's first page (A4 portrait for every report), printed at actual size."""
    first = document.sizes[0] if document.sizes else PageSize(595.28, 841.89)
    portrait = first.height >= first.width
    size = QPageSize(QSize(round(min(first.width, first.height)), round(max(first.width, first.height))),
                     "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setPageSize(size)
    printer.setPageOrientation(QPageLayout.Orientation.Portrait if portrait else QPageLayout.Orientation.Landscape)
    printer.setFullPage(True)  # the PDF carries the official margins; the printer must not add its own
    printer.setFromTo(1, document.page_count)
    if path is not None:
        printer.setDocName(path.stem)


def print_sequence(printer: QPrinter, count: int, current: int) -> list[int]:
    """0-based page indexes to send, in order: the dialog's range, page order, and copies when the printer
    cannot make copies itself."""
    numbers = list(range(1, count + 1))
    chosen = printer.printRange()
    if chosen == QPrinter.PrintRange.CurrentPage:
        numbers = [current]
    elif chosen == QPrinter.PrintRange.PageRange:
        ranges = printer.pageRanges()
        if ranges.isEmpty():
            numbers = [n for n in numbers if printer.fromPage() <= n <= printer.toPage()]
        else:
            numbers = [n for n in numbers if ranges.contains(n)]
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        numbers.reverse()
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    numbers = numbers * copies if printer.collateCopies() else [n for n in numbers for _ in range(copies)]
    return [n - 1 for n in numbers]


def paint_page(painter: QPainter, printer: QPrinter, document: PdfPages, index: int, dpi: float) -> None:
    """One PDF page onto the printer's page, actual size and centred (shrunk if the paper is smaller),
    rendered band by band at ``dpi``."""
    size = document.sizes[index]
    device_dpi = float(printer.resolution())
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    natural = size.width / POINTS_PER_INCH * device_dpi, size.height / POINTS_PER_INCH * device_dpi
    fit = min(1.0, paper.width() / natural[0], paper.height() / natural[1])
    render_scale = dpi / POINTS_PER_INCH
    width, height = size.pixels(render_scale)
    to_device = natural[0] * fit / width
    painter.save()
    painter.translate(QPointF((paper.width() - natural[0] * fit) / 2, (paper.height() - natural[1] * fit) / 2))
    painter.scale(to_device, to_device)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    for top in range(0, height, PRINT_BAND_ROWS):
        band = document.render(index, render_scale, top, PRINT_BAND_ROWS, printing=True)
        painter.drawImage(QPointF(0, top), band)
    painter.restore()


def show_in_folder(path: Path, complain: Callable[[str], None]) -> bool:
    """Open the folder holding ``path`` (on Windows with the file selected)."""
    folder = path.parent
    if not folder.is_dir():
        complain(tr("找不到文件夹“{}”，它可能已被移动或删除。").format(folder))
        return False
    if sys.platform == "win32" and path.is_file():
        return QProcess.startDetached("explorer.exe", ["/select,", QDir.toNativeSeparators(str(path))])[0]
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        complain(tr("无法打开文件夹“{}”").format(folder))
        return False
    return True


class PdfPreviewDialog(QDialog):
    """The preview on its own, for a report from the archive."""

    def __init__(self, worker: DatabaseWorker, settings: QSettings | None, path: Path, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("报告预览 — {}").format(title or path.name))
        self.resize(820, 960)
        self.preview = PdfPreview(worker, settings, self)
        self.preview.close_requested.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        self.finished.connect(lambda _: self.preview.release())
        self.preview.load(path, title)

    def reject(self) -> None:
        if not self.preview.refuse_close_while_printing():
            super().reject()
