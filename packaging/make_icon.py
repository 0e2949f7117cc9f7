"""Draw the zzdesk icon — a red seal with 督 in white — into ``resources/icons/zzdesk.ico`` and ``zzdesk.png``.

Run from the repository root: ``python packaging/make_icon.py``. The generated files are committed; run again only to
change the design. Each size is drawn on its own (not scaled down from 256 px), so 16 and 24 px stay crisp.

The ICO container is written here rather than by Qt's ``ico`` image plugin, which stores one image per file:
frames below 256 px are 32-bit DIBs (what every Windows tool reads), the 256 px frame is PNG (Windows Vista and later).
"""

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter, QPainterPath, QPen

REPO = Path(__file__).resolve().parents[1]
FONT_FILE = REPO / "resources" / "fonts" / "wqy-microhei.ttc"
ICON_DIR = REPO / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZE = 256
SEAL_RED = QColor(0xC0, 0x1E, 0x1E)
GLYPH = "督"


def draw(size: int, family: str) -> QImage:
    """One frame: a rounded red square, a thin white inner frame from 32 px up, and 督 filling the middle."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = 0 if size <= 24 else size * 0.03
    square = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    outline = QPainterPath()
    outline.addRoundedRect(square, size * 0.14, size * 0.14)
    painter.fillPath(outline, SEAL_RED)
    if size >= 32:  # the seal's inner border; below 32 px it would only blur the glyph
        pen = QPen(QColor("white"))
        pen.setWidthF(max(1.0, size / 40))
        painter.setPen(pen)
        inset = size * 0.1
        painter.drawRoundedRect(square.adjusted(inset, inset, -inset, -inset), size * 0.06, size * 0.06)
    font = QFont(family)
    font.setPixelSize(round(size * (0.78 if size <= 24 else 0.6)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(square, Qt.AlignmentFlag.AlignCenter, GLYPH)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def dib_bytes(image: QImage) -> bytes:
    """An ICO frame as a 32-bit BGRA DIB: header with doubled height, rows bottom-up, then a 1-bit AND mask."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = bytearray()
    for y in range(size - 1, -1, -1):
        for x in range(size):
            argb = image.pixel(x, y)  # 0xAARRGGBB, not premultiplied (Format_ARGB32)
            pixels += struct.pack("<I", argb)  # little-endian: B, G, R, A
    mask_row = ((size + 31) // 32) * 4  # all zero: the alpha channel decides transparency
    return header + bytes(pixels) + bytes(mask_row * size)


def ico_bytes(frames: list[QImage]) -> bytes:
    """ICONDIR, one ICONDIRENTRY per frame, then the frames' data."""
    blobs = [png_bytes(frame) if frame.width() >= 256 else dib_bytes(frame) for frame in frames]
    offset = 6 + 16 * len(frames)
    entries = b""
    for frame, blob in zip(frames, blobs, strict=True):
        side = frame.width() % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    return struct.pack("<HHH", 0, 1, len(frames)) + entries + b"".join(blobs)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(sys.argv)
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    if font_id < 0:
        print(f"cannot load {FONT_FILE}", file=sys.stderr)
        return 1
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    frames = [draw(size, family) for size in ICO_SIZES]
    (ICON_DIR / "zzdesk.ico").write_bytes(ico_bytes(frames))
    (ICON_DIR / "zzdesk.png").write_bytes(png_bytes(draw(PNG_SIZE, family)))
    print(f"wrote {ICON_DIR / 'zzdesk.ico'} ({', '.join(map(str, ICO_SIZES))} px) and zzdesk.png ({PNG_SIZE} px)")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
