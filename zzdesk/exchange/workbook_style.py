"""How the office's Excel sheets look on screen and on paper: one style for the 任务分解表 and the 进展报送表.

Departments print these sheets, sign them and file them, so every sheet is set up for A4 landscape with all its
columns on the page width, the header row repeated on each page and 「第 1 页 共 3 页」 at the foot. Fonts are the
ones every Chinese Windows and WPS installation has (宋体, 黑体). Every workbook also carries a very hidden key
sheet saying what kind of file it is, so an import can refuse a stranger's workbook.
"""

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from zzdesk.exchange import layout
from zzdesk.exchange.cell_values import clean_text
from zzdesk.exchange.layout import FIRST_DATA_ROW, HEADER_ROW, NOTE_ROW, TITLE_ROW, Column, column_letter

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = 10
DATE_FORMAT = "yyyy-mm-dd"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_LINE_HEIGHT = 13.5  # points per line of 10 pt 宋体
_FORMULA_START = ("=", "+", "-", "@")
# Where openpyxl's StyleArray (a cell's format as ids) keeps each part: fontId, fillId, borderId, numFmtId, …
_STYLE_SLOTS = {"font": 0, "fill": 1, "border": 2, "protection": 4, "alignment": 5}


def sheet_text(value: object) -> str:
    """Text as a cell can hold it: tidied like an imported cell, without the control characters Excel refuses."""
    return clean_text(ILLEGAL_CHARACTERS_RE.sub("", clean_text(value)))


def put_text(cell: Cell, text: str) -> None:
    """A text cell that stays text: openpyxl would store 「=…」 as a formula, Excel would run it."""
    cell.value = text
    if cell.data_type == "f":
        cell.data_type = "s"


def put_date(cell: Cell, day: date | None) -> None:
    cell.value = day
    cell.number_format = DATE_FORMAT


def csv_text(value: str) -> str:
    """A CSV cell Excel shows as text: one starting with = + - @ would otherwise run as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def write_heading(sheet: Worksheet, columns: Sequence[Column], title: str, note: str) -> None:
    """Title and note rows merged across the visible columns, then the header row."""
    visible = sum(1 for column in columns if not column.hidden)
    last = column_letter(visible)
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    title_cell = sheet.cell(TITLE_ROW, 1)
    put_text(title_cell, title)
    title_cell.font = Font(name=TITLE_FONT, size=16)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 32
    note_cell = sheet.cell(NOTE_ROW, 1)
    put_text(note_cell, note)
    note_cell.font = Font(name=BODY_FONT, size=BODY_SIZE)
    note_cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.row_dimensions[NOTE_ROW].height = _LINE_HEIGHT * max(1, _lines(note, _merged_width(columns))) + 4
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, index)
        put_text(cell, column.header)
        cell.font = Font(name=BODY_FONT, size=BODY_SIZE, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        dimension = sheet.column_dimensions[column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    sheet.row_dimensions[HEADER_ROW].height = 24


def style_data_rows(sheet: Worksheet, columns: Sequence[Column], last_row: int,
                    centred: Sequence[str] = ()) -> None:
    """Font, borders, wrapping and a row height that shows every line of the longest cell."""
    if last_row < FIRST_DATA_ROW:
        return
    font = Font(name=BODY_FONT, size=BODY_SIZE)
    looks = [CellLook(sheet, font=font, border=_BORDER, alignment=_data_alignment(column, column.header in centred))
             for column in columns]
    wrapped = [(index, column.width) for index, column in enumerate(columns, start=1)
               if column.wrap and not column.hidden]
    for row in range(FIRST_DATA_ROW, last_row + 1):
        for index, look in enumerate(looks, start=1):
            look.apply(sheet.cell(row, index))
        lines = 1
        for index, width in wrapped:
            value = sheet.cell(row, index).value
            if isinstance(value, str):
                lines = max(lines, _lines(value, width))
        sheet.row_dimensions[row].height = _LINE_HEIGHT * lines + 4


class CellLook:
    """Part of a cell's format (font, fill, border, protection, alignment), registered with the workbook once.

    openpyxl files a format given to a cell by value, building and hashing it again for every cell: on a sheet of
    ten thousand rows that was most of an export. A look is filed once and then hands each cell the same ids, as
    openpyxl's own sheet copy does; the file holds exactly what setting the parts cell by cell would write. Parts
    not given (the number format of a date, say) keep what the cell already has. It uses openpyxl's cell style
    array (``Cell._style``, as in openpyxl 3.1.5, pinned): an upgrade of openpyxl must rerun tests/test_exchange_export.
    """

    def __init__(self, sheet: Worksheet, *, font: Font | None = None, fill: PatternFill | None = None,
                 border: Border | None = None, protection: Protection | None = None,
                 alignment: Alignment | None = None) -> None:
        template = Cell(sheet)  # never placed on the sheet: only files the parts with the workbook
        ids: list[tuple[int, int]] = []
        for name, part in (("font", font), ("fill", fill), ("border", border), ("protection", protection),
                           ("alignment", alignment)):
            if part is not None:
                setattr(template, name, part)
                ids.append((_STYLE_SLOTS[name], template._style[_STYLE_SLOTS[name]]))
        self._ids = tuple(ids)

    def apply(self, cell: Cell) -> None:
        if cell._style is None:
            cell._style = StyleArray()
        style = cell._style
        for slot, part_id in self._ids:
            style[slot] = part_id


PAGE_HEADER_CHARS = 60


def set_up_printing(sheet: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """A4 landscape, all columns on the page width, header repeated, frozen below the header, page numbers."""
    visible = sum(1 for column in columns if not column.hidden)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A{TITLE_ROW}:{column_letter(visible)}{max(last_row, HEADER_ROW)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.oddFooter.center.font = f"{BODY_FONT},常规"
    sheet.oddFooter.center.size = 9
    # Every printed page says what it is (the title row itself prints on the first page only).
    title = str(sheet.cell(TITLE_ROW, 1).value or sheet.title).replace("&", "&&")
    sheet.oddHeader.left.text = title if len(title) <= PAGE_HEADER_CHARS else title[:PAGE_HEADER_CHARS - 1] + "…"
    sheet.oddHeader.left.font = f"{BODY_FONT},常规"
    sheet.oddHeader.left.size = 9


@dataclass(frozen=True)
class KeyInfo:
    """What the very hidden key sheet records about the export."""

    kind: str
    department: str
    period: str
    exported_at: str  # ISO 8601
    exported_by: str

    def pairs(self) -> tuple[tuple[str, str], ...]:
        values = (self.kind, layout.FORM_VERSION, self.department, self.period, self.exported_at, self.exported_by)
        return tuple(zip(layout.KEY_NAMES, values, strict=True))


def write_key_sheet(workbook: Workbook, key: KeyInfo) -> Worksheet:
    """The very hidden sheet a reader checks first: which kind of file, which layout version, whose and when."""
    sheet = workbook.create_sheet(layout.KEY_SHEET)
    for row, (name, value) in enumerate(key.pairs(), start=1):
        sheet.cell(row, 1).value = name
        put_text(sheet.cell(row, 2), value)
    sheet.sheet_state = "veryHidden"
    return sheet


def save_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_alignment(column: Column, centre: bool) -> Alignment:
    return Alignment(horizontal="center" if centre else "left", vertical="center" if centre else "top",
                     wrap_text=column.wrap or None)


def _units(text: str) -> int:
    """Width in Excel character units: a Chinese character or full-width mark is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(1.0, width - 1)
    return sum(max(1, math.ceil(_units(line) / usable)) for line in text.split("\n"))


def _merged_width(columns: Sequence[Column]) -> float:
    return sum(column.width for column in columns if not column.hidden)
