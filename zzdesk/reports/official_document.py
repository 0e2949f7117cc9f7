"""The page of a 党政机关公文 (GB/T 9704-2012) for PDF reports such as the 督查通报.

Leaders print these reports and compare them with the office's other documents, so the measures are the
standard's: A4, text block 156 × 225 mm placed 37 mm from the top and 28 mm from the binding edge, title 二号,
body 三号 仿宋 at 22 lines a page, headings 一、 in 黑体 and （一） in 楷体, page numbers 四号「— N —」7 mm below
the text block, odd pages at the right and even pages at the left, each one character in from the block's edge.

Reports hand ``build_official_pdf`` a list of platypus flowables set in ``official_styles()``; it registers the
fonts and the Chinese line-breaking rules, writes the file atomically and, by default, byte-identically for
identical input (so a re-run report can be compared and archived).
"""

import gc
import hashlib
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from zzdesk.file_write import write_atomically
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
    prepare_reportlab()
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


class _CharWidths:
    """``reportlab.lib.textsplit.getCharWidths`` remembering each character's width per font and size.

    CJK paragraphs are broken into lines character by character, and reportlab asks for every character's width
    anew (``stringWidth`` per character, in pure Python): a quarter of laying out a long bulletin. A glyph's width
    at a size never changes, so the answers are the same numbers; a font registered again under the same name gets
    a fresh table."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str, float], tuple[object, dict[str, float]]] = {}

    def __call__(self, word: str, fontName: str, fontSize: float) -> list[float]:  # reportlab's parameter names
        font = pdfmetrics.getFont(fontName)
        known = self._tables.get((fontName, fontSize))
        if known is None or known[0] is not font:
            known = self._tables[(fontName, fontSize)] = (font, {})
        widths = known[1]
        try:
            return [widths[char] for char in word]
        except KeyError:
            for char in word:
                if char not in widths:
                    widths[char] = stringWidth(char, fontName, fontSize)
            return [widths[char] for char in word]


def install_char_width_cache() -> None:
    """Have reportlab's CJK line breaking look character widths up instead of measuring them (idempotent)."""
    if not isinstance(textsplit.getCharWidths, _CharWidths):
        textsplit.getCharWidths = _CharWidths()


def prepare_reportlab() -> None:
    """Fonts, line-breaking rules and the width cache, once per process.

    Reading the fonts' tables makes hundreds of thousands of small objects, and the cyclic collector's passes over
    everything already loaded (matplotlib, the ledger) cost a third of that time; nothing read there forms cycles,
    so the collector waits until the fonts are in."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        register_pdf_fonts()
    finally:
        if was_enabled:
            gc.enable()
    install_cjk_line_rules()
    install_char_width_cache()


_END = object()


def _keeps_with_next(flowable: Flowable | None) -> bool:
    return bool(flowable is not None and flowable.getKeepWithNext())


class FlowableQueue:
    """The part of a list that ``BaseDocTemplate.build`` uses, for a long document.

    build() takes flowables off the front of its list one at a time (``del flowables[0]``) and puts split-off
    parts back there: on a Python list each of those moves every later flowable, which for a bulletin of a
    hundred thousand paragraphs is seconds of copying. Here the front is the right end of a deque. Flowables are
    also taken from ``source`` only as the layout comes to them, so a generator's parts exist (and use memory) only
    around the page being laid out. ``len()`` is at least ``LOOKAHEAD`` while more are to come, and always reaches
    past any run of keep-with-next flowables at the front, which is all that build() needs of it."""

    LOOKAHEAD = 32

    def __init__(self, source: Iterable[Flowable]) -> None:
        self._items: deque[Flowable] = deque()  # the next flowables, in order
        self._source: Iterator[Flowable] | None = iter(source)

    def _pull(self, count: int) -> None:
        while self._source is not None and len(self._items) < count:
            item = next(self._source, _END)
            if item is _END:
                self._source = None
            else:
                self._items.append(item)

    def __len__(self) -> int:
        self._pull(self.LOOKAHEAD)
        while self._source is not None and _keeps_with_next(self._items[-1]):
            self._pull(len(self._items) + 1)
        return len(self._items)

    def __getitem__(self, index: int | slice):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return [self._items[i] for i in range(start, stop, step)]
        self._pull(index + 1)
        return self._items[index]

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if start != 0 or step != 1:
                raise IndexError("only a run at the front can be removed")
            for _ in range(stop):
                self._items.popleft()
            return
        if index != 0:
            raise IndexError("only the first flowable can be removed")
        self._pull(1)
        self._items.popleft()

    def __setitem__(self, index: slice, values: Iterable[Flowable]) -> None:
        if not (isinstance(index, slice) and index.start in (0, None) and index.stop == 0 and index.step is None):
            raise IndexError("only an insertion at the front is supported")
        self._items.extendleft(reversed(list(values)))

    def insert(self, index: int, value: Flowable) -> None:
        if index != 0:
            raise IndexError("only an insertion at the front is supported")
        self._items.appendleft(value)


def render_official_pdf(flowables: Iterable[Flowable], *, title: str, author: str = "", subject: str = "",
                        invariant: bool = True) -> RenderedPdf:
    """Lay out ``flowables`` on GB/T 9704 pages in memory. With ``invariant`` the same input gives the same bytes
    (no creation time or random document id). A generator is consumed as the layout goes (see FlowableQueue)."""
    prepare_reportlab()
    sink = _PdfSink()
    doc = _template(sink, title=title, author=author, subject=subject, invariant=invariant)
    # build() consumes the queue it is given; a caller's list stays intact.
    doc.build(FlowableQueue(flowables))
    return RenderedPdf(sink.data(), doc.page)


class _PdfSink:
    """Where reportlab writes the finished PDF: it keeps the bytes it is handed, where a BytesIO and its getvalue()
    would make two more copies of a file that is tens of megabytes for a large ledger's bulletin, at the moment
    memory use peaks (reportlab writes the whole file at once)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))  # no copy of a bytes object
        return len(data)

    def data(self) -> bytes:
        return self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)


def build_official_pdf(flowables: Iterable[Flowable], out: Path | BinaryIO, *, title: str, author: str = "",
                       subject: str = "", invariant: bool = True) -> None:
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
