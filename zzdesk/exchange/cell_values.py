"""Reading what people type into a spreadsheet cell: the forgiving rules every import shares.

Excel, WPS and people leave stray spaces, full-width characters, line breaks and 「_x000D_」 escapes in cells;
these functions turn a cell's value into what the services expect, or raise a ValidationError saying what to fix.
"""

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import STATUS_LABELS, Status, parse_status

_SPACES = str.maketrans({"\u3000": " ", "\xa0": " ", "\t": " "})


def clean_text(value: object) -> str:
    """A text cell as stored: None → "", line breaks unified, each line trimmed, blank lines dropped."""
    if value is None:
        return ""
    text = str(value).replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# Full-width ASCII (！…～, U+FF01–U+FF5E) sits at a fixed offset from ASCII; the ideographic space is a space.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and ．－／％ (as Chinese input methods type them) → ASCII."""
    return text.translate(_HALFWIDTH)


def _cell_text(value: object) -> str:
    """A cell as text for parsing: half-width, trimmed, every space removed."""
    return re.sub(r"\s+", "", to_halfwidth(clean_text(value)))


# ---- 进度 -------------------------------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_PROGRESS_RANGE = "请填写 0 到 100 之间的整数"


def parse_progress_cell(value: object, percent_format: bool = False) -> int | None:
    """A 进度 cell → 0–100, or None when empty.

    Accepts 80, "80", "80%", "８０％", 80.0 and fractions (0.8 → 80: a number strictly between 0 and 1 is taken as
    a fraction, as a cell typed 80% holds 0.8). ``percent_format`` is True when the cell's number format shows a
    percentage, so its value is always a fraction (1 → 100%). Same messages as ``services.updates.parse_progress``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError("进度应为 0 到 100 之间的整数")
    if isinstance(value, int | float):
        shown = f"{value * 100:g}%" if percent_format else f"{value:g}"
        number = float(value) * 100 if percent_format or 0 < value < 1 else float(value)
    elif isinstance(value, str):
        shown = clean_text(value)
        text = _cell_text(value)
        if not text:
            return None
        percent = text.endswith("%")
        digits = text.removesuffix("%")
        if not _NUMBER_RE.match(digits):
            raise ValidationError(f"进度“{shown}”不是数字，{_PROGRESS_RANGE}（如 80 或 80%）")
        number = float(digits)
        if not percent and 0 < number < 1:
            number *= 100
    else:
        raise ValidationError(f"进度“{clean_text(value)}”不是数字，{_PROGRESS_RANGE}（如 80 或 80%）")
    number = round(number, 6)  # 0.29 * 100 is 28.999999999999996
    if number != number or not number.is_integer():  # NaN, or 80.5
        raise ValidationError(f"进度“{shown}”应为 0 到 100 之间的整数")
    if not 0 <= number <= 100:
        raise ValidationError(f"进度 {shown} 超出范围，{_PROGRESS_RANGE}")
    return int(number)


# ---- 日期 -------------------------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's fictitious 1900-02-29 is accounted for
_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 … 2119-01-10: a number in this range in a date column is a serial
_YEAR_RANGE = (1900, 2100)
_SEP = r"(?:[-/.]|年)"
_FULL_DATE_RE = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})(?:[-/.]|月)(\d{{1,2}})[日号]?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})月?$")
_TIME_SUFFIX_RE = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")  # "2025-12-31 00:00:00" from a text cell


def parse_date_cell(value: object, *, month_end: bool = True) -> date | None:
    """A date cell → date, or None when empty.

    Takes real dates, Excel serial numbers, and text as people type it: 2025-12-31, 2025/12/31, 2025.12.31,
    2025年12月31日(号), 20251231, full-width digits, stray spaces. A month alone (2025-12, 2025年12月) means the last
    day of that month, or the first with ``month_end=False``. Words such as 长期 are the caller's to handle first.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValidationError(f"日期“{value}”无法识别，{_date_forms(month_end)}")
    if isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(f"日期“{value:g}”无法识别，{_date_forms(month_end)}")
        value = str(int(value))  # 20251231 typed as a number
    if not isinstance(value, str):
        raise ValidationError(f"日期“{clean_text(value)}”无法识别，{_date_forms(month_end)}")
    shown = clean_text(value)
    text = _cell_text(_TIME_SUFFIX_RE.sub("", to_halfwidth(shown)))
    if not text:
        return None
    if match := _FULL_DATE_RE.match(text) or _COMPACT_DATE_RE.match(text):
        year, month, day = (int(group) for group in match.groups())
        _check_year_month(shown, year, month)
        try:
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"日期“{shown}”不存在，请检查年月日（例如 2 月没有 30 日）") from None
    if match := _MONTH_RE.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        _check_year_month(shown, year, month)
        return date(year, month, calendar.monthrange(year, month)[1] if month_end else 1)
    raise ValidationError(f"日期“{shown}”无法识别，{_date_forms(month_end)}")


def _check_year_month(shown: str, year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError(f"日期“{shown}”不存在：月份应在 1 到 12 之间")
    if not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]:
        raise ValidationError(f"日期“{shown}”的年份不对，请写四位年份，如 2025-12-31")


def _date_forms(month_end: bool) -> str:
    month = "月底" if month_end else "月初"
    return ("请写作 2025-12-31、2025/12/31、2025.12.31、2025年12月31日 或 20251231；"
            f"只写年月（如 2025-12）表示当月{month}")


# ---- 状态 -------------------------------------------------------------------------------------------------------

def parse_status_cell(value: object) -> Status | None:
    """A 状态 cell → Status, or None when empty; the labels (未启动 …) or identifiers, spaces anywhere ignored."""
    if value is None:
        return None
    text = _cell_text(value)
    if not text:
        return None
    try:
        return parse_status(text.lower() if text.isascii() else text)
    except ValidationError:
        choices = "、".join(STATUS_LABELS.values())
        raise ValidationError(f"状态“{clean_text(value)}”无法识别，可选：{choices}") from None


def is_blank_row(values: Iterable[object]) -> bool:
    """True when every cell is empty or only spaces (Excel keeps formatted but empty rows at a sheet's end)."""
    return all(value is None or (isinstance(value, str) and not clean_text(value)) for value in values)
