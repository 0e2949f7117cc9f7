"""The 任务分解表 as an Excel workbook: the whole ledger, one row per measure and per work item.

The clerk prints it for meetings and mails it to departments; the assignment columns can be edited and imported
back (``ledger_reader``), so cells hold real values: dates as dates, 完成时限 of an ongoing task as 「长期」.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zzdesk.domain.vocabulary import CYCLE_LABELS, Light
from zzdesk.exchange import layout
from zzdesk.exchange.layout import FIRST_DATA_ROW, HEADER_ROW, LEDGER_COLUMNS, column_letter
from zzdesk.exchange.workbook_style import (
    CellLook,
    KeyInfo,
    put_date,
    put_text,
    save_bytes,
    set_up_printing,
    sheet_text,
    style_data_rows,
    write_heading,
    write_key_sheet,
)

CO_JOINER = "、"
ONGOING_TEXT = "长期"
_LIGHT_FILLS = {Light.RED: "FFC7CE", Light.YELLOW: "FFEB9C", Light.GREEN: "C6EFCE", Light.DONE: "D9D9D9"}
_CENTRED = ("编号", "开始日期", "完成时限", "报送周期", "报送日", "状态", "进度", "灯")


@dataclass(frozen=True)
class LedgerRow:
    """One ledger row as the sheet shows it (texts already typeset for reading)."""

    code: str
    group: str
    text: str
    is_item: bool  # a work item: its text is indented under its measure
    lead: str
    co: tuple[str, ...]
    leader: str
    start: date | None
    deadline: date | None
    ongoing: bool
    cycle: str  # label, 「每月」
    due_day: int | None
    status: str  # label, 「正常推进」 or 「已办结」
    progress: int | None
    light: Light
    light_label: str
    latest: str  # the latest 进展情况

    def cells(self) -> tuple[object, ...]:
        """The values in ``LEDGER_COLUMNS`` order: text, dates and numbers as Excel should hold them."""
        return (self.code, self.group, self.text, self.lead, CO_JOINER.join(self.co), self.leader, self.start,
                ONGOING_TEXT if self.ongoing else self.deadline, self.cycle, self.due_day, self.status,
                self.progress, self.light_label, self.latest)


def ledger_workbook_bytes(rows: Sequence[LedgerRow], title: str, note: str, key: KeyInfo) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = layout.LEDGER_SHEET
    write_heading(sheet, LEDGER_COLUMNS, title, note)
    for offset, row in enumerate(rows):
        _write_row(sheet, FIRST_DATA_ROW + offset, row)
    last_row = FIRST_DATA_ROW + len(rows) - 1
    style_data_rows(sheet, LEDGER_COLUMNS, last_row, centred=_CENTRED)
    finish = _RowFinish(sheet)
    for offset, row in enumerate(rows):
        finish.apply(FIRST_DATA_ROW + offset, row)
    if rows:
        last_letter = column_letter(len(LEDGER_COLUMNS))
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{last_row}"
        _add_validations(sheet, last_row)
    set_up_printing(sheet, LEDGER_COLUMNS, last_row)
    write_key_sheet(workbook, key)
    workbook.active = 0
    return save_bytes(workbook)


def _write_row(sheet: Worksheet, row_number: int, row: LedgerRow) -> None:
    for index, value in enumerate(row.cells(), start=1):
        cell = sheet.cell(row_number, index)
        if isinstance(value, date):
            put_date(cell, value)
        elif isinstance(value, str):
            put_text(cell, sheet_text(value))
        else:
            cell.value = value
    put_date(sheet.cell(row_number, _column("开始日期")), row.start)
    if not row.ongoing:
        put_date(sheet.cell(row_number, _column("完成时限")), row.deadline)


class _RowFinish:
    """A work item's text indented under its measure, the light's colour in 灯: each look filed once, when first
    needed (so the workbook files them in the order a row-by-row styling would)."""

    def __init__(self, sheet: Worksheet) -> None:
        self._sheet = sheet
        self._indent: CellLook | None = None
        self._fills: dict[str, CellLook] = {}
        self._text_column = _column("举措/具体任务")
        self._light_column = _column("灯")

    def apply(self, row_number: int, row: LedgerRow) -> None:
        if row.is_item:
            if self._indent is None:
                self._indent = CellLook(self._sheet, alignment=Alignment(horizontal="left", vertical="top",
                                                                         wrap_text=True, indent=1))
            self._indent.apply(self._sheet.cell(row_number, self._text_column))
        colour = _LIGHT_FILLS.get(row.light)
        if colour:
            if colour not in self._fills:
                self._fills[colour] = CellLook(self._sheet, fill=PatternFill("solid", fgColor=colour))
            self._fills[colour].apply(self._sheet.cell(row_number, self._light_column))


def _add_validations(sheet: Worksheet, last_row: int) -> None:
    """The assignment columns are edited and imported back: offer the cycles and keep 报送日 a day of the month."""
    cycle = DataValidation(type="list", formula1='"' + ",".join(CYCLE_LABELS.values()) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="报送周期", error="请从下拉列表中选择报送周期",
                           promptTitle="报送周期", prompt="从下拉列表中选择：" + "、".join(CYCLE_LABELS.values()),
                           showInputMessage=True)
    day = DataValidation(type="whole", operator="between", formula1="1", formula2="31", allow_blank=True,
                         showErrorMessage=True, errorTitle="报送日",
                         error="报送日应为 1 到 31 之间的整数（每月几日前报送）",
                         promptTitle="报送日", prompt="每月几日前报送：1 到 31 之间的整数", showInputMessage=True)
    for validation, header in ((cycle, "报送周期"), (day, "报送日")):
        letter = column_letter(_column(header))
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.add_data_validation(validation)


def _column(header: str) -> int:
    return next(index for index, column in enumerate(LEDGER_COLUMNS, start=1) if column.header == header)
