"""Reading a department's returned 进展报送表 into plain rows: no database, no rules of the ledger.

Columns are found by their header text (a column a person moved still reads), the key sheet says which form this
is, and each data row carries its hidden key columns, its raw cells and their parsed values. A cell that cannot be
read is not fatal here: the row carries the problem, naming the column, and the import service decides.
One pass over the sheet in read-only mode, so a form of thousands of rows reads in about the time openpyxl needs.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import STATUS_LABELS, Status
from zzdesk.exchange.cell_values import clean_text, is_blank_row, parse_progress_cell, parse_status_cell
from zzdesk.exchange.layout import (
    FORM_COLUMNS,
    FORM_INPUT_HEADERS,
    FORM_KEY_HEADERS,
    FORM_KIND,
    FORM_SHEET,
    HEADER_ROW,
    KEY_NAMES,
    KEY_SHEET,
    prefill_fingerprint,
)
from zzdesk.exchange.safe_workbook import load_workbook_safely, read_guard

CODE_HEADER = "编号"
STATUS_HEADER, PROGRESS_HEADER, TEXT_HEADER, PROBLEMS_HEADER, NEXT_STEPS_HEADER = FORM_INPUT_HEADERS
REQUIRED_HEADERS = (CODE_HEADER, *FORM_INPUT_HEADERS, *FORM_KEY_HEADERS)
VISIBLE_HEADERS = tuple(column.header for column in FORM_COLUMNS if not column.hidden)
HEADER_SEARCH_ROWS = 20  # rows a person inserted above the header (a note, a signature line) are tolerated
GET_A_FORM = "请在 zzdesk 中为该单位导出进展报送表（“导出报送表”），填写后原样发回再导入"


@dataclass(frozen=True)
class FormKeys:
    """The key sheet: what the form is, its version, and whose and which period's it is."""

    kind: str
    version: str
    department: str
    period: str
    exported_at: str = ""
    exported_by: str = ""


@dataclass(frozen=True)
class CellError:
    column: str  # the header of the cell that could not be read
    message: str  # what is wrong with the value, without the row number


@dataclass(frozen=True)
class FormRow:
    """One data row: where it is, what it says, and which cells could not be read."""

    row: int  # the Excel row number
    code: str  # the visible 编号 as typed (cleaned, not yet checked)
    status: Status | None
    progress: int | None
    text: str
    problems: str
    next_steps: str
    key_code: str
    key_department: str
    key_period: str
    key_version: str
    key_prefill: str
    raw: Mapping[str, object] = field(default_factory=dict)  # header → the cell's value as read
    errors: tuple[CellError, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status] if self.status is not None else ""

    @property
    def fingerprint(self) -> str:
        """The input cells' fingerprint, as ``prefill_fingerprint`` computed it when the form was written."""
        progress = str(self.progress) if self.progress is not None else ""
        return prefill_fingerprint((self.status_label, progress, self.text, self.problems, self.next_steps))

    @property
    def untouched(self) -> bool:
        return not self.errors and bool(self.key_prefill) and self.fingerprint == self.key_prefill


@dataclass(frozen=True)
class FormFile:
    file_name: str
    sha256: str
    keys: FormKeys
    rows: tuple[FormRow, ...]


def read_form(path: Path) -> FormFile:
    """The whole form, or a ValidationError saying why the file is not a 报送表 this version can read."""
    loaded = load_workbook_safely(path, read_only=True, data_only=True)
    workbook = loaded.workbook
    try:
        with read_guard(loaded.name):  # a damaged sheet is parsed lazily, while it is iterated
            keys = _read_keys(workbook, loaded.name)
            if FORM_SHEET not in workbook.sheetnames:
                raise ValidationError(f"“{loaded.name}”缺少“{FORM_SHEET}”工作表，可能被改名或删除；{GET_A_FORM}")
            sheet = workbook[FORM_SHEET]
            sheet.reset_dimensions()  # a wrong <dimension> (some tools write one) would cut rows or columns off
            rows = tuple(_read_rows(sheet.iter_rows(), loaded.name))
    finally:
        workbook.close()
    return FormFile(file_name=loaded.name, sha256=loaded.sha256, keys=keys, rows=rows)


# ------------------------------------------------------------------------------------------------ key sheet

def _read_keys(workbook: Workbook, name: str) -> FormKeys:
    if KEY_SHEET not in workbook.sheetnames:
        raise ValidationError(f"“{name}”不是 zzdesk 导出的进展报送表（缺少隐藏的校验页）；{GET_A_FORM}")
    values: dict[str, str] = {}
    for row in workbook[KEY_SHEET].iter_rows(max_col=2, values_only=True):
        if row and row[0] is not None:
            values[clean_text(row[0])] = key_text(row[1] if len(row) > 1 else None)
    if values.get("kind") != FORM_KIND:
        raise ValidationError(f"“{name}”不是 zzdesk 导出的进展报送表（校验页不符）；{GET_A_FORM}")
    keys = FormKeys(**{key: values.get(key, "") for key in KEY_NAMES})
    if not keys.department or not keys.period:
        raise ValidationError(f"“{name}”的校验页缺少单位或报送期，文件可能被改动过；{GET_A_FORM}")
    return keys


def key_text(value: object) -> str:
    """A key cell as text, also when a spreadsheet program turned it into a number or a date."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _tidy(value)


# ------------------------------------------------------------------------------------------------ the sheet

def normalized_header(value: object) -> str:
    """Header text compared without width, spaces or line breaks: 「进度(%)」 and 「进度（%）」 are one column."""
    return "".join(unicodedata.normalize("NFKC", clean_text(value)).split())


_WANTED = {normalized_header(header): header for header in (*VISIBLE_HEADERS, *FORM_KEY_HEADERS)}


def _header_columns(cells: Iterable[object]) -> dict[str, int]:
    """Header → 0-based position, for the headers this reader knows; the first of duplicates wins."""
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        header = _WANTED.get(normalized_header(_value(cell)))
        if header is not None and header not in found:
            found[header] = position
    return found


def _value(cell: object) -> object:
    return getattr(cell, "value", cell)


def _is_percent(cell: object) -> bool:
    """A numeric cell shown as a percentage: 0.8 there means 80."""
    number_format = getattr(cell, "number_format", None) or ""
    return "%" in number_format


def _tidy(value: object) -> str:
    """``clean_text``, with a shortcut for the common cell that is already clean (one line, no padding)."""
    if type(value) is str and value.isprintable() and value == value.strip() and "_x" not in value:
        return value
    return clean_text(value)


@dataclass(frozen=True)
class _Columns:
    """Where the columns the reader needs are, 0-based, found once from the header row."""

    required: tuple[tuple[str, int], ...]  # header → position, for every required header
    visible: tuple[int, ...]  # the columns a person sees: a row blank in all of them is skipped
    status: int
    progress: int

    @classmethod
    def of(cls, found: dict[str, int]) -> "_Columns":
        return cls(required=tuple((header, found[header]) for header in REQUIRED_HEADERS),
                   visible=tuple(found[header] for header in VISIBLE_HEADERS if header in found),
                   status=found[STATUS_HEADER], progress=found[PROGRESS_HEADER])


def _read_rows(rows: Iterable[tuple], name: str) -> Iterable[FormRow]:
    columns: _Columns | None = None
    for number, cells in enumerate(rows, start=1):
        if columns is None:
            found = _header_columns(cells)
            if CODE_HEADER in found and len(found) > 2:
                columns = _Columns.of(_require_columns(found, name))
            elif number >= max(HEADER_SEARCH_ROWS, HEADER_ROW):
                break
            continue
        row = _read_row(number, cells, columns)
        if row is not None:
            yield row
    if columns is None:
        raise ValidationError(f"“{name}”的“{FORM_SHEET}”工作表中找不到表头行（{'、'.join(REQUIRED_HEADERS[:4])}……）；"
                              f"{GET_A_FORM}")


def _require_columns(found: dict[str, int], name: str) -> dict[str, int]:
    missing = [header for header in REQUIRED_HEADERS if header not in found]
    if missing:
        hidden = any(header in FORM_KEY_HEADERS for header in missing)
        hint = "（隐藏的校验列不能删除，也不要把内容复制到新表）" if hidden else ""
        raise ValidationError(f"“{name}”缺少以下列：{'、'.join(missing)}{hint}；请用 zzdesk 导出的报送表原文件填写，"
                              "可以调整列的顺序，但不要删除或改写表头")
    return found


def _read_row(number: int, cells: tuple, columns: _Columns) -> FormRow | None:
    values = [_value(cell) for cell in cells]
    width = len(values)
    if is_blank_row([values[position] for position in columns.visible if position < width]):
        return None
    raw = {header: values[position] if position < width else None for header, position in columns.required}
    errors: list[CellError] = []
    try:
        status = parse_status_cell(raw[STATUS_HEADER])
    except ValidationError as error:
        status = None
        errors.append(CellError(STATUS_HEADER, error.message))
    progress_value = raw[PROGRESS_HEADER]
    percent = isinstance(progress_value, int | float) and _is_percent(cells[columns.progress])
    try:
        progress = parse_progress_cell(progress_value, percent_format=percent)
    except ValidationError as error:
        progress = None
        errors.append(CellError(PROGRESS_HEADER, error.message))
    return FormRow(row=number, code=key_text(raw[CODE_HEADER]), status=status, progress=progress,
                   text=_tidy(raw[TEXT_HEADER]), problems=_tidy(raw[PROBLEMS_HEADER]),
                   next_steps=_tidy(raw[NEXT_STEPS_HEADER]), key_code=key_text(raw["key_code"]),
                   key_department=key_text(raw["key_department"]), key_period=key_text(raw["key_period"]),
                   key_version=key_text(raw["key_version"]), key_prefill=key_text(raw["key_prefill"]), raw=raw,
                   errors=tuple(errors))
