"""The page of a 党政机关公文 (GB/T 9704-2012) for PDF reports such as the 督查通报.

Leaders print these reports and compare them with the office's other documents, so the measures are the
standard's: A4, text block 156 × 225 mm placed 37 mm from the top and 28 mm from the binding edge, title 二号,
body 三号 仿宋 at 22 lines a page, headings 一、 in 黑体 and （一） in 楷体, page numbers 四号「— N —」7 mm below
the text block, odd pages at the right and even pages at the left, each one character in from the block's edge.

Reports hand ``build_official_pdf`` a list of platypus flowables set in ``official_styles()``; it registers the
fonts and the Chinese line-breaking rules, writes the file atomically and, by default, byte-identically for
identical input (so a re-run report can be compared and archived).
"""

import hashlib
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from zzdesk.domain.errors import StorageError
from zzdesk.reports.cjk_linebreak import install_cjk_line_rules
from zzdesk.reports.pdf_fonts import FANGSONG, HEI, KAI, SONG, TITLE, register_pdf_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP_MARGIN = 37 * mm
LEFT_MARGIN = 28 * mm  # the binding edge
TEXT_WIDTH = 156 * mm
TEXT_HEIGHT = 225 * mm
RIGHT_MARGIN = PAGE_WIDTH - LEFT_MARGIN - TEXT_WIDTH  # 26 mm
BOTTOM_MARGIN = PAGE_HEIGHT - TOP_MARGIN - TEXT_HEIGHT  # 35 mm

TITLE_SIZE = 22  # 二号
BODY_SIZE = 16  # 三号
PAGE_NUMBER_SIZE = 14  # 四号
TABLE_SIZE = 12  # 小四: tables and appendices may be set smaller
NOTE_SIZE = 12
LINES_PER_PAGE = 22
# 225 mm / 22 lines; a hair less so that float rounding never pushes the 22nd line onto the next page.
BODY_LEADING = int(TEXT_HEIGHT / LINES_PER_PAGE * 100) / 100
TITLE_LEADING = 35  # 固定值 35 磅, as the office sets titles in Word
PAGE_NUMBER_GAP = 7 * mm  # from the text block's lower edge down to the 一字线 of the page number
DASH_HEIGHT = 0.35 * PAGE_NUMBER_SIZE  # how far the em dash sits above the baseline
# Widens the spaces in「— N —」to about half a character, as printed documents show them; a font's narrow space
# would also read as no space at all to text extraction (search, screen readers).
PAGE_NUMBER_WORD_SPACE = 0.25 * PAGE_NUMBER_SIZE
PAGE_NUMBER_INSET = BODY_SIZE  # 单页码居右空一字，双页码居左空一字
CREATOR = "zzdesk"


@dataclass(frozen=True)
class OfficialStyles:
    """The paragraph styles of an official document; all use CJK wrapping and the registered logical fonts."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading1: ParagraphStyle
    heading2: ParagraphStyle
    body: ParagraphStyle
    body_no_indent: ParagraphStyle
    table: ParagraphStyle
    note: ParagraphStyle


def official_styles() -> OfficialStyles:
    """Fresh styles (callers may derive from them without affecting others).

    Registers the fonts and line-breaking rules first: reportlab resolves a style's font when a Paragraph is
    created, not when it is drawn."""
    register_pdf_fonts()
    install_cjk_line_rules()
    body = ParagraphStyle("OfficialBody", fontName=FANGSONG, fontSize=BODY_SIZE, leading=BODY_LEADING,
                          alignment=TA_JUSTIFY, firstLineIndent=2 * BODY_SIZE, wordWrap="CJK")
    return OfficialStyles(
        title=ParagraphStyle("OfficialTitle", fontName=TITLE, fontSize=TITLE_SIZE, leading=TITLE_LEADING,
                             alignment=TA_CENTER, spaceAfter=BODY_LEADING, wordWrap="CJK"),
        subtitle=ParagraphStyle("OfficialSubtitle", parent=body, alignment=TA_CENTER, firstLineIndent=0),
        heading1=ParagraphStyle("OfficialHeading1", parent=body, fontName=HEI, alignment=TA_LEFT),
        heading2=ParagraphStyle("OfficialHeading2", parent=body, fontName=KAI, alignment=TA_LEFT),
        body=body,
        body_no_indent=ParagraphStyle("OfficialBodyNoIndent", parent=body, firstLineIndent=0),
        table=ParagraphStyle("OfficialTable", fontName=FANGSONG, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.4,
                             alignment=TA_LEFT, wordWrap="CJK"),
        note=ParagraphStyle("OfficialNote", fontName=FANGSONG, fontSize=NOTE_SIZE, leading=NOTE_SIZE * 1.5,
                            alignment=TA_JUSTIFY, wordWrap="CJK"),
    )


def page_number_text(number: int) -> str:
    return f"— {number} —"


def draw_page_number(canvas: Canvas, number: int) -> None:
    """「— N —」below the text block: odd pages at the right, even pages at the left, one character in."""
    baseline = BOTTOM_MARGIN - PAGE_NUMBER_GAP - DASH_HEIGHT
    text = page_number_text(number)
    width = stringWidth(text, SONG, PAGE_NUMBER_SIZE) + text.count(" ") * PAGE_NUMBER_WORD_SPACE
    x = LEFT_MARGIN + TEXT_WIDTH - PAGE_NUMBER_INSET - width if number % 2 else LEFT_MARGIN + PAGE_NUMBER_INSET
    canvas.saveState()
    canvas.setFont(SONG, PAGE_NUMBER_SIZE)
    canvas.drawString(x, baseline, text, wordSpace=PAGE_NUMBER_WORD_SPACE)
    canvas.restoreState()


def _on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
    draw_page_number(canvas, canvas.getPageNumber())


def _template(stream: BinaryIO, *, title: str, author: str, subject: str, invariant: bool) -> BaseDocTemplate:
    frame = Frame(LEFT_MARGIN, BOTTOM_MARGIN, TEXT_WIDTH, TEXT_HEIGHT, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="text-block")
    doc = BaseDocTemplate(stream, pagesize=A4, leftMargin=LEFT_MARGIN, rightMargin=RIGHT_MARGIN,
                          topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN, title=title, author=author,
                          subject=subject, creator=CREATOR, producer=CREATOR, initialFontName=FANGSONG,
                          initialFontSize=BODY_SIZE, invariant=1 if invariant else 0)
    doc.addPageTemplates([PageTemplate(id="official", frames=[frame], onPage=_on_page)])
    return doc


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def render_official_pdf(flowables: Sequence[Flowable], *, title: str, author: str = "", subject: str = "",
                        invariant: bool = True) -> RenderedPdf:
    """Lay out ``flowables`` on GB/T 9704 pages in memory. With ``invariant`` the same input gives the same bytes
    (no creation time or random document id)."""
    register_pdf_fonts()
    install_cjk_line_rules()
    buffer = io.BytesIO()
    doc = _template(buffer, title=title, author=author, subject=subject, invariant=invariant)
    # build() consumes the list it is given; the caller's list stays intact.
    doc.build(list(flowables))
    return RenderedPdf(buffer.getvalue(), doc.page)


def build_official_pdf(flowables: list, out: Path | BinaryIO, *, title: str, author: str = "", subject: str = "",
                       invariant: bool = True) -> None:
    """Lay out ``flowables`` on GB/T 9704 pages and write the PDF to ``out`` (a path or a binary stream).

    The whole document is made in memory first, then a path is written through a temporary file beside it and
    renamed, so neither a layout error nor a full disk leaves a half-written PDF where the user expects a report.
    With ``invariant`` the same input gives the same bytes (no creation time or random document id).
    """
    data = render_official_pdf(flowables, title=title, author=author, subject=subject, invariant=invariant).data
    if not isinstance(out, (str, os.PathLike)):
        out.write(data)
        return
    write_atomically(Path(out), data)


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside ``path`` and rename: the file is either complete or not there."""
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise StorageError(f"无法写入 {path}：{error.strerror or error}。请换一个位置保存。") from error
