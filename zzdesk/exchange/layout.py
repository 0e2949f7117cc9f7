"""The layout of the Excel files the office exchanges with departments: one place for both directions.

The writers (``ledger_workbook``, ``form_workbook``) and the readers (``ledger_reader``, ``form_reader``) take
sheet names, headers and column order from here, so a file written by one version is read back by the same rules.
A reader finds columns by their header text, not by position, so a column a person moved still reads; the hidden
key columns are how a returned 报送表 proves which item, department, period and form version each row belongs to.
"""

import hashlib
from dataclasses import dataclass

FORM_KIND = "zzdesk-progress-form"  # written into the key sheet; a workbook without it is not our 报送表
FORM_VERSION = "1"  # raise when the 报送表's columns change; an older form is then refused with a clear message
LEDGER_KIND = "zzdesk-ledger"

KEY_SHEET = "_keys"  # very hidden: form kind, version, department, period, export time
INSTRUCTIONS_SHEET = "填写说明"
FORM_SHEET = "进展报送"
LEDGER_SHEET = "任务分解表"

TITLE_ROW = 1  # the title of the sheet, merged across the columns
NOTE_ROW = 2  # department, period, date of export
HEADER_ROW = 3
FIRST_DATA_ROW = 4


@dataclass(frozen=True)
class Column:
    header: str  # the header text, also how a reader finds the column
    width: float  # in Excel character widths, chosen for an A4 landscape page
    wrap: bool = False
    input: bool = False  # an input cell of the 报送表 (unlocked); every other cell is locked
    hidden: bool = False  # a key column: hidden and locked, read back on import


# 任务分解表: the whole ledger, one row per measure or work item. The import reads the assignment columns
# (牵头单位 … 报送日) and ignores the computed ones (状态, 进度, 灯, 最新进展).
LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("编号", 7),
    Column("任务组", 14, wrap=True),
    Column("举措/具体任务", 48, wrap=True),
    Column("牵头单位", 14, wrap=True),
    Column("配合单位", 18, wrap=True),
    Column("责任领导", 12, wrap=True),
    Column("开始日期", 11),
    Column("完成时限", 11),
    Column("报送周期", 9),
    Column("报送日", 7),
    Column("状态", 9),
    Column("进度", 6),
    Column("灯", 5),
    Column("最新进展", 40, wrap=True),
)
LEDGER_ASSIGNMENT_HEADERS = ("牵头单位", "配合单位", "责任领导", "开始日期", "完成时限", "报送周期", "报送日")
CO_SEPARATORS = "、,，;；/\n"  # 配合单位 are written joined by 「、」; a person may type any of these

# 进展报送表: one department's items for one period. The first columns show the item; the input columns are
# prefilled with the item's latest update; the key columns at the end are hidden.
FORM_COLUMNS: tuple[Column, ...] = (
    Column("编号", 7),
    Column("任务内容", 40, wrap=True),
    Column("本单位职责", 8),  # 牵头 or 配合
    Column("完成时限", 11),
    Column("序时进度", 8),
    Column("状态", 10, input=True),
    Column("进度（%）", 8, input=True),
    Column("进展情况", 40, wrap=True, input=True),
    Column("存在问题", 24, wrap=True, input=True),
    Column("下步打算", 24, wrap=True, input=True),
    Column("key_code", 4, hidden=True),
    Column("key_department", 4, hidden=True),
    Column("key_period", 4, hidden=True),
    Column("key_version", 4, hidden=True),
    Column("key_prefill", 4, hidden=True),  # fingerprint of the prefilled input cells: untouched rows are 未修改
)
FORM_INPUT_HEADERS = ("状态", "进度（%）", "进展情况", "存在问题", "下步打算")
FORM_KEY_HEADERS = ("key_code", "key_department", "key_period", "key_version", "key_prefill")

# Key sheet: one "name | value" pair a row, from A1 down.
KEY_NAMES = ("kind", "version", "department", "period", "exported_at", "exported_by")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA (openpyxl has this too; kept here so the layout has no openpyxl import)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def prefill_fingerprint(values: tuple[str, ...] | list[str]) -> str:
    """The fingerprint of a 报送表 row's input cells as written (status label, progress as digits, the three texts,
    each already through ``cell_values.clean_text``). A returned row with the same fingerprint was left untouched."""
    digest = hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()
    return digest[:16]
