"""The 进展报送表: one department's open items for one period, filled in offline and mailed back.

The liaison may type only in the input cells (状态 … 下步打算), which are prefilled with the item's latest update so
an unchanged item needs no typing. Everything else is locked; the hidden key columns and the very hidden key sheet
tell the import which item, department, period and layout each row belongs to, and the prefill fingerprint tells it
which rows were left as exported.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zzdesk.domain.dates import Period
from zzdesk.domain.vocabulary import STATUS_LABELS
from zzdesk.exchange import layout
from zzdesk.exchange.layout import FIRST_DATA_ROW, FORM_COLUMNS, column_letter, prefill_fingerprint
from zzdesk.exchange.workbook_style import (
    BODY_FONT,
    BODY_SIZE,
    TITLE_FONT,
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

ONGOING_TEXT = "长期"
# A guard against accidental edits, not a secret: the import checks the key columns and fingerprints anyway.
PROTECTION_PASSWORD = "zzdesk"
_CENTRED = ("编号", "本单位职责", "完成时限", "序时进度", "状态", "进度（%）")


@dataclass(frozen=True)
class Prefill:
    """The item's latest update as it goes into the input cells."""

    status: str = ""  # label, 「正常推进」
    progress: int | None = None
    text: str = ""
    problems: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class FormRow:
    code: str
    text: str
    role: str  # 牵头 or 配合
    deadline: date | None
    ongoing: bool
    expected: int | None  # 序时进度
    prefill: Prefill


@dataclass(frozen=True)
class FormSheet:
    department: str
    period: Period
    title: str  # 「市科技局 2025年11月 进展报送表」
    note: str
    return_by: date  # 请于此日前交回
    key: KeyInfo
    office: str = "市政府督查室"  # who collects the forms


def form_workbook_bytes(form: FormSheet, rows: Sequence[FormRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = layout.FORM_SHEET
    write_heading(sheet, FORM_COLUMNS, form.title, form.note)
    for offset, row in enumerate(rows):
        _write_row(sheet, FIRST_DATA_ROW + offset, row, form)
    last_row = FIRST_DATA_ROW + len(rows) - 1
    style_data_rows(sheet, FORM_COLUMNS, last_row, centred=_CENTRED)
    _protect_cells(sheet, last_row)
    _add_validations(sheet, last_row)
    set_up_printing(sheet, FORM_COLUMNS, last_row)
    _write_instructions(workbook.create_sheet(layout.INSTRUCTIONS_SHEET), form)
    write_key_sheet(workbook, form.key).protection.set_password(PROTECTION_PASSWORD)
    workbook.active = 0
    workbook.security = WorkbookProtection(lockStructure=True)
    workbook.security.set_workbook_password(PROTECTION_PASSWORD)
    return save_bytes(workbook)


def prefill_cells(prefill: Prefill) -> tuple[str, int | None, str, str, str]:
    """The input cells' values exactly as written (texts tidied the way the import reads them)."""
    return (prefill.status, prefill.progress, sheet_text(prefill.text), sheet_text(prefill.problems),
            sheet_text(prefill.next_steps))


def fingerprint_of(prefill: Prefill) -> str:
    status, progress, text, problems, next_steps = prefill_cells(prefill)
    return prefill_fingerprint((status, "" if progress is None else str(progress), text, problems, next_steps))


def _write_row(sheet: Worksheet, row_number: int, row: FormRow, form: FormSheet) -> None:
    shown = (row.code, sheet_text(row.text), row.role, ONGOING_TEXT if row.ongoing else row.deadline, row.expected,
             *prefill_cells(row.prefill),
             row.code, form.department, str(form.period), layout.FORM_VERSION, fingerprint_of(row.prefill))
    for index, value in enumerate(shown, start=1):
        cell = sheet.cell(row_number, index)
        if isinstance(value, date):
            put_date(cell, value)
        elif isinstance(value, str):
            put_text(cell, value)
        else:
            cell.value = value


def _protect_cells(sheet: Worksheet, last_row: int) -> None:
    """Input cells open, everything else locked; rows and columns cannot be inserted, deleted or sorted."""
    if last_row >= FIRST_DATA_ROW:
        input_font = Font(name=BODY_FONT, size=BODY_SIZE, color="1F3864")
        looks = [CellLook(sheet, protection=Protection(locked=not column.input, hidden=column.hidden),
                          font=input_font if column.input else None) for column in FORM_COLUMNS]
        for row in range(FIRST_DATA_ROW, last_row + 1):
            for index, look in enumerate(looks, start=1):
                look.apply(sheet.cell(row, index))
    protection = sheet.protection
    protection.sheet = True
    protection.formatRows = False  # a liaison may make a row taller to read a long text
    protection.formatColumns = True  # would unhide the key columns
    protection.insertRows = protection.insertColumns = True
    protection.deleteRows = protection.deleteColumns = True
    protection.sort = protection.autoFilter = True
    protection.selectLockedCells = protection.selectUnlockedCells = False
    protection.set_password(PROTECTION_PASSWORD)


def _add_validations(sheet: Worksheet, last_row: int) -> None:
    if last_row < FIRST_DATA_ROW:
        return
    labels = list(STATUS_LABELS.values())
    status = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="状态填写有误",
                            error="状态只能从下拉列表中选择：" + "、".join(labels),
                            showInputMessage=True, promptTitle="状态", prompt="请从下拉列表中选择本期状态")
    progress = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
                              showErrorMessage=True, errorTitle="进度填写有误",
                              error="进度应为 0 到 100 之间的整数（不带 % 号）",
                              showInputMessage=True, promptTitle="进度（%）",
                              prompt="填 0 到 100 之间的整数；已完成填 100，未启动填 0")
    for validation, header in ((status, "状态"), (progress, "进度（%）")):
        letter = column_letter(_column(header))
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.add_data_validation(validation)


def _column(header: str) -> int:
    return next(index for index, column in enumerate(FORM_COLUMNS, start=1) if column.header == header)


def instruction_lines(form: FormSheet) -> list[str]:
    statuses = "、".join(STATUS_LABELS.values())
    due = f"{form.return_by.year}年{form.return_by.month}月{form.return_by.day}日"
    return [
        f"{form.title}填写说明",
        "",
        f"一、本表列出{form.department}牵头或配合、尚未办结的任务，请逐项填写 {form.period.year}年{form.period.month}月"
        "的进展情况。",
        "二、只需填写“状态”“进度（%）”“进展情况”“存在问题”“下步打算”五列（蓝色文字的单元格）；表中已预填各项"
        "最近一次报送的内容，本期没有变化的可不改，有变化的直接改写。",
        f"三、“状态”请从下拉列表中选择：{statuses}。",
        "四、“进度（%）”填 0 到 100 之间的整数，不带 % 号；“已完成”填 100，“未启动”填 0。",
        "五、“进展情况”写明本期做了什么、取得什么成效，尽量有具体数据；有困难的写在“存在问题”中。",
        "六、除上述五列外，表中单元格（包括“编号”）均已锁定，请勿设法修改；请勿增加或删除行、列，勿调整行的顺序，"
        "复制文字时请只粘贴到单元格内，不要整行粘贴，否则导入时该行会被拒收。",
        "七、填好后直接保存为 .xlsx 格式（用 Excel 或 WPS 表格均可，请勿另存为 .xls 或 .csv），文件名不必修改。",
        f"八、请于 {due}前将本表交回{form.office}。",
    ]


def _write_instructions(sheet: Worksheet, form: FormSheet) -> None:
    sheet.column_dimensions["A"].width = 110
    for row, line in enumerate(instruction_lines(form), start=1):
        cell = sheet.cell(row, 1)
        put_text(cell, line)
        title = row == 1
        cell.font = Font(name=TITLE_FONT if title else BODY_FONT, size=14 if title else 11)
        cell.alignment = Alignment(horizontal="center" if title else "left", vertical="center", wrap_text=True)
        sheet.row_dimensions[row].height = 28 if title else 33
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.protection.sheet = True
    sheet.protection.set_password(PROTECTION_PASSWORD)
