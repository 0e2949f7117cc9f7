"""PDF pages as QImages: the one place that knows the PDF rasteriser (pypdfium2), so it can be swapped.

PDFium may not be entered from two threads at once, not even for different documents, so every call into it
holds one process-wide lock: the preview renders on the worker thread while the GUI thread may open or close
another document. The file is read into memory when opened, so the report can be moved, renamed or deleted
(Windows refuses that for an open file) while its preview is still showing. pypdfium2 is imported on first use,
not when the main window (which imports the preview) starts.
"""

import math
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from zzdesk.domain.errors import DomainError

POINTS_PER_INCH = 72
_LOCK = threading.Lock()
_WHITE = 0xFFFFFFFF


class PdfReadError(DomainError):
    """The file is gone, unreadable or not a PDF."""


@dataclass(frozen=True)
class PageSize:
    """A page's size in PDF points (1/72 inch), as it is displayed (after its /Rotate)."""

    width: float
    height: float

    def pixels(self, scale: float) -> tuple[int, int]:
        return math.ceil(self.width * scale), math.ceil(self.height * scale)


class PdfPages:
    """An open PDF: its page sizes, and any page (or a horizontal band of it) rendered at a given scale."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError as error:
            raise PdfReadError(f"找不到文件“{self.path}”，它可能已被移动或删除。") from error
        except OSError as error:
            raise PdfReadError(f"无法读取文件“{self.path}”：{error.strerror or error}") from error
        import pypdfium2 as pdfium

        with _LOCK:
            try:
                self._document: pdfium.PdfDocument | None = pdfium.PdfDocument(data)
                self.sizes = tuple(PageSize(*self._document.get_page_size(i)) for i in range(len(self._document)))
            except pdfium.PdfiumError as error:
                raise PdfReadError(f"文件“{self.path.name}”不是有效的 PDF 文件，或已损坏，无法显示。") from error

    @property
    def page_count(self) -> int:
        return len(self.sizes)

    @property
    def closed(self) -> bool:
        return self._document is None

    def render(self, index: int, scale: float, top: int = 0, height: int | None = None,
               printing: bool = False) -> QImage:
        """Page ``index`` at ``scale`` pixels per point, on white; only the pixel rows ``top``…``top+height`` when
        given, so a printer page at high resolution can be drawn band by band without a huge bitmap, and the bands
        meet without a seam because they are cut from one page raster."""
        width, full_height = self.sizes[index].pixels(scale)
        rows = full_height - top if height is None else min(height, full_height - top)
        if rows < 1:
            raise ValueError(f"band {top}+{height} outside page of {full_height} rows")
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        flags = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_REVERSE_BYTE_ORDER | (pdfium_c.FPDF_PRINTING if printing else 0)
        with _LOCK:
            if self._document is None:
                raise PdfReadError(f"预览已关闭：{self.path.name}")
            page = self._document[index]
            bitmap = pdfium.PdfBitmap.new_native(width, rows, pdfium_c.FPDFBitmap_BGRx, rev_byteorder=True)
            try:
                pdfium_c.FPDFBitmap_FillRect(bitmap, 0, 0, width, rows, _WHITE)
                pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, -top, width, full_height, 0, flags)
                image = QImage(bytes(bitmap.buffer), width, rows, bitmap.stride, QImage.Format.Format_RGBX8888)
                return image.copy()  # own the pixels: the bitmap's buffer goes away below
            finally:
                bitmap.close()
                page.close()

    def close(self) -> None:
        with _LOCK:
            if self._document is not None:
                self._document.close()
                self._document = None
