"""Reading a 任务分解表 (.xlsx or .csv) into plain rows of assignments: no database, no rules of the ledger.

The sheet is found by its header row, not by its name or position: the header may sit anywhere in the first rows
and the columns in any order, so a sheet a clerk typed with the same headers reads as well as our own export. Only
「编号」 and at least one assignment column (牵头单位 … 报送日) are required; the computed columns (状态, 进度, 灯,
最新进展) are ignored. Each cell is parsed here; a cell that cannot be read is not fatal: the row carries the
problem, naming the column, and the import service decides.

An empty cell means "leave as is" (an import must not clear a lead by accident); 「无」 or 「/」 in 配合单位 or
责任领导 clears that field on purpose.
"""

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from zzdesk.domain.dates import ONGOING_WORDS, Deadline
from zzdesk.domain.errors import DomainError, ValidationError
from zzdesk.domain.reporting import validate_due_day
from zzdesk.domain.vocabulary import Cycle, parse_cycle
from zzdesk.exchange.cell_values import clean_text, is_blank_row, parse_date_cell, to_halfwidth
from zzdesk.exchange.layout import CO_SEPARATORS, FORM_KIND, KEY_SHEET, LEDGER_ASSIGNMENT_HEADERS, LEDGER_SHEET
from zzdesk.exchange.safe_workbook import load_workbook_safely, read_guard

CODE_HEADER = "编号"
LEAD, CO, LEADER, START, DEADLINE, CYCLE, DUE_DAY = LEDGER_ASSIGNMENT_HEADERS
HEADER_SEARCH_ROWS = 10
MAX_DATA_ROWS = 20_000
MAX_CSV_BYTES = 20 * 1024 * 1024
CLEAR_WORDS = frozenset({"无", "/", "-", "—", "——", "－"})  # 配合单位 / 责任领导: clear on purpose
FORM_HEADERS = ("进展情况", "存在问题", "下步打算")  # a 进展报送表's input columns
IS_A_FORM = "是进展报送表，不是任务分解表；请用“导入报送表”导入"
_CO_SPLIT = re.compile("[" + re.escape(CO_SEPARATORS) + "]+")
_DUE_DAY_RE = re.compile(r"^(?:每月)?(\d{1,2})(?:日前|日|号)?$")
_HEADER_NOTE_RE = re.compile(r"[(（][^()（）]*[)）]$")  # 「完成时限（年月日）」 reads as 「完成时限」


@dataclass(frozen=True)
class CellError:
    column: str  # the header of the cell that could not be read
    message: str  # what is wrong with the value, without the row number


@dataclass(frozen=True)
class LedgerEntry:
    """One data row: what each assignment cell asks for. None = the cell was empty (or the column is missing):
    keep the field as it is. ``co == ()`` and ``leader == ""`` clear the field (「无」)."""

    row: int  # as Excel shows it
    code: str
    lead: str | None = None
    co: tuple[str, ...] | None = None
    leader: str | None = None
    start: date | None = None
    deadline: Deadline | None = None
    cycle: Cycle | None = None
    due_day: int | None = None
    errors: tuple[CellError, ...] = ()

    @property
    def asks_nothing(self) -> bool:
        """No assignment cell filled in (and none unreadable)."""
        values = (self.lead, self.co, self.leader, self.start, self.deadline, self.cycle, self.due_day)
        return not self.errors and all(value is None for value in values)

    @property
    def departments(self) -> tuple[str, ...]:
        """Every department the row names, lead first."""
        return ((self.lead,) if self.lead else ()) + (self.co or ())


@dataclass(frozen=True)
class LedgerFile:
    name: str  # the file name, for messages and the audit
    sha256: str  # of the bytes read
    title: str  # the sheet's title row, or 「任务分解表」
    columns: tuple[str, ...]  # the assignment headers found, in the layout's order
    entries: tuple[LedgerEntry, ...]


def read_ledger(path: Path) -> LedgerFile:
    """Read a 任务分解表, or raise a ValidationError saying what is wrong with the whole file."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path)
    loaded = load_workbook_safely(path, read_only=True, data_only=True)
    workbook = loaded.workbook
    try:
        with read_guard(loaded.name):
            _refuse_form_by_key(workbook, loaded.name)
            for sheet in _candidate_sheets(workbook):
                found = _find_header(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), loaded.name)
                if found is None:
                    continue
                header_row, columns, title = found
                rows = sheet.iter_rows(min_row=header_row + 1, values_only=True)
                entries = tuple(_entries(rows, header_row + 1, columns, loaded.name))
                return LedgerFile(loaded.name, loaded.sha256, title or LEDGER_SHEET, _assignment_columns(columns),
                                  entries)
    finally:
        workbook.close()
    raise ValidationError(_no_header(loaded.name))


# ------------------------------------------------------------------------------------------------ workbook

def _candidate_sheets(workbook) -> Iterator:  # type: ignore[no-untyped-def]
    """The 任务分解表 sheet first, then every other worksheet (not chart sheets) but the hidden key sheet."""
    sheets = [sheet for sheet in workbook.worksheets if sheet.title != KEY_SHEET]
    sheets.sort(key=lambda sheet: sheet.title != LEDGER_SHEET)
    yield from sheets


def _refuse_form_by_key(workbook, name: str) -> None:  # type: ignore[no-untyped-def]
    if KEY_SHEET not in workbook.sheetnames:
        return
    for row in workbook[KEY_SHEET].iter_rows(max_row=20, max_col=2, values_only=True):
        if row and clean_text(row[0]) == "kind" and len(row) > 1 and clean_text(row[1]) == FORM_KIND:
            raise ValidationError(f"“{name}”{IS_A_FORM}")


# ------------------------------------------------------------------------------------------------ CSV

def _read_csv(path: Path) -> LedgerFile:
    name = path.name
    data = _csv_bytes(path)
    text = _decode(data, name)
    for delimiter in (",", "\t", ";"):
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        found = _find_header(records[:HEADER_SEARCH_ROWS], name)
        if found is None:
            continue
        header_row, columns, title = found
        entries = tuple(_entries(records[header_row:], header_row + 1, columns, name))
        return LedgerFile(name, hashlib.sha256(data).hexdigest(), title or LEDGER_SHEET,
                          _assignment_columns(columns), entries)
    raise ValidationError(_no_header(name))


def _csv_bytes(path: Path) -> bytes:
    name = path.name
    try:
        if path.is_dir():
            raise ValidationError(f"“{name}”是文件夹，请选择任务分解表文件（.xlsx 或 .csv）")
        if path.stat().st_size > MAX_CSV_BYTES:
            raise ValidationError(f"“{name}”超过 {MAX_CSV_BYTES // (1024 * 1024)} MB 的上限，不像任务分解表；"
                                  "请只保留任务分解表的内容后再导入")
        with path.open("rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError(f"找不到文件“{path}”，请检查文件是否已被移动、改名或删除") from None
    except PermissionError:
        raise ValidationError(f"无法打开“{name}”：文件可能正在 Excel/WPS 中打开，请关闭后重试") from None
    except OSError:
        raise ValidationError(f"无法读取“{name}”，请把文件复制到本机后重试") from None
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError(f"“{name}”超过 {MAX_CSV_BYTES // (1024 * 1024)} MB 的上限，请只保留任务分解表的内容")
    if not data.strip():
        raise ValidationError(f"“{name}”是空文件，请重新导出任务分解表")
    return data


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM, as we write it), UTF-16 (Excel's 「Unicode 文本」), or GB18030 (a CSV saved by
    Excel on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationError(f"无法识别“{name}”的文字编码；请在 Excel/WPS 中另存为 .xlsx 后再导入") from None
    if b"\x00" in data[:4096] or data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ValidationError(f"“{name}”不是 CSV 文本文件（可能是 Excel、PDF 或压缩包改了扩展名）；"
                              "Excel 表格请保存为 .xlsx 后再导入")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"无法识别“{name}”的文字编码；请在 Excel/WPS 中另存为 .xlsx 或 UTF-8 编码的 CSV 后再导入")


# ------------------------------------------------------------------------------------------------ header

def _header(value: object) -> str:
    """Header text compared without width, spaces, line breaks or a trailing note in brackets."""
    text = "".join(unicodedata.normalize("NFKC", clean_text(value)).split())
    return _HEADER_NOTE_RE.sub("", text) if text not in _WANTED else text


_WANTED = frozenset({CODE_HEADER, *LEDGER_ASSIGNMENT_HEADERS, *FORM_HEADERS})


def _find_header(rows: Iterable[Sequence[object]], name: str) -> tuple[int, dict[str, int], str] | None:
    """(header row number, header → 0-based column, title above it) for the first row holding 编号 and at least
    one assignment header; None when the first rows hold none. A 报送表's header row (编号, 完成时限, 进展情况, but
    no 牵头单位, 配合单位 or 责任领导) is refused: its 完成时限 column must not be read as assignments."""
    title = ""
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        columns: dict[str, int] = {}
        for position, cell in enumerate(cells):
            header = _header(cell)
            if header not in _WANTED:
                continue
            if header in columns:
                raise ValidationError(f"“{name}”第 {number} 行有两列都叫“{header}”，请删除或改名其中一列后再导入")
            columns[header] = position
        if CODE_HEADER in columns and any(header in columns for header in FORM_HEADERS):
            if not any(header in columns for header in (LEAD, CO, LEADER)):
                raise ValidationError(f"“{name}”{IS_A_FORM}")
            columns = {header: position for header, position in columns.items() if header not in FORM_HEADERS}
        if CODE_HEADER in columns and len(columns) > 1:
            return number, columns, title
        if not title:
            title = next((" ".join(clean_text(cell).split()) for cell in cells if clean_text(cell)), "")
    return None


def _assignment_columns(columns: dict[str, int]) -> tuple[str, ...]:
    return tuple(header for header in LEDGER_ASSIGNMENT_HEADERS if header in columns)


def _no_header(name: str) -> str:
    return (f"“{name}”中找不到任务分解表的表头：前 {HEADER_SEARCH_ROWS} 行中应有一行写着“{CODE_HEADER}”和至少一个分工列"
            f"（{'、'.join(LEDGER_ASSIGNMENT_HEADERS)}）；请用 zzdesk 导出的任务分解表填写，"
            "或在自制表格的表头行写上这些列名")


# ------------------------------------------------------------------------------------------------ rows

def _entries(rows: Iterable[Sequence[object]], first_row: int, columns: dict[str, int],
             name: str) -> Iterator[LedgerEntry]:
    wanted = tuple(columns.values())
    for count, (number, cells) in enumerate(enumerate(rows, start=first_row)):
        if count >= MAX_DATA_ROWS:
            raise ValidationError(f"“{name}”的数据超过 {MAX_DATA_ROWS} 行，不像任务分解表；请删除多余的行后再导入")
        values = [cells[position] if position < len(cells) else None for position in wanted]
        if is_blank_row(values):
            continue
        yield _entry(number, {header: (cells[position] if position < len(cells) else None)
                              for header, position in columns.items()})


def _entry(number: int, cells: dict[str, object]) -> LedgerEntry:
    errors: list[CellError] = []

    def parsed(header: str, parse) -> object:  # type: ignore[no-untyped-def]
        if header not in cells:
            return None
        try:
            return parse(cells[header])
        except DomainError as error:
            errors.append(CellError(header, error.message))
            return None

    values = {
        "lead": parsed(LEAD, _lead),
        "co": parsed(CO, _co),
        "leader": parsed(LEADER, _leader),
        "start": parsed(START, lambda value: parse_date_cell(value, month_end=False)),
        "deadline": parsed(DEADLINE, _deadline),
        "cycle": parsed(CYCLE, _cycle),
        "due_day": parsed(DUE_DAY, _due_day),
    }
    return LedgerEntry(row=number, code=code_text(cells.get(CODE_HEADER)), errors=tuple(errors),
                       **values)  # type: ignore[arg-type]


def code_text(value: object) -> str:
    """The 编号 cell as text: 2.1 typed as a number still reads (measures are numbered below 10 in a group)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return "".join(to_halfwidth(clean_text(value)).split()).replace("。", ".")


def _one_line(value: object) -> str:
    return " ".join(clean_text(value).split())


def _lead(value: object) -> str | None:
    text = _one_line(value)
    if not text:
        return None
    if text in CLEAR_WORDS:
        raise ValidationError("牵头单位不能清空；如需更换，请填写新的牵头单位")
    names = _split(text)
    if len(names) > 1:
        raise ValidationError(f"牵头单位只能填一个单位（此处填了 {len(names)} 个：{'、'.join(names)}）；"
                              "其他单位请填在“配合单位”列")
    return names[0] if names else None


def _co(value: object) -> tuple[str, ...] | None:
    text = clean_text(value)
    if not text:
        return None
    if _one_line(text) in CLEAR_WORDS:
        return ()
    return tuple(_split(text)) or None


def _split(text: str) -> list[str]:
    return [" ".join(part.split()) for part in _CO_SPLIT.split(text) if part.strip()]


def _leader(value: object) -> str | None:
    text = _one_line(value)
    if not text:
        return None
    return "" if text in CLEAR_WORDS else text


def _deadline(value: object) -> Deadline | None:
    if "".join(clean_text(value).split()).lower() in ONGOING_WORDS:
        return Deadline(on=None, ongoing=True)
    day = parse_date_cell(value, month_end=True)
    return Deadline(on=day) if day is not None else None


def _cycle(value: object) -> Cycle | None:
    text = "".join(clean_text(value).split())
    return parse_cycle(text) if text else None


def _due_day(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return validate_due_day(value)
    if isinstance(value, float) and value.is_integer():
        return validate_due_day(int(value))
    text = "".join(to_halfwidth(clean_text(value)).split())
    if not text:
        return None
    match = _DUE_DAY_RE.match(text)
    if match is None:
        raise ValidationError(f"报送日“{clean_text(value)}”应为 1 到 31 之间的整数（每月几日前报送，如 10）")
    return validate_due_day(int(match.group(1)))
