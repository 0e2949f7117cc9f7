"""Dates, deadlines and reporting periods as people type them.

Accepts 2025-12-31, 2025/12/31, 2025.12.31 and 2025年12月31日 (full-width digits too), and
refuses dates that do not exist (2025-02-30) with a message naming the fault.
"""

import re
from dataclasses import dataclass
from datetime import date

from zzdesk.domain.errors import ValidationError

ONGOING_WORDS = frozenset({"长期", "持续推进", "长期坚持", "ongoing"})

_FULLWIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
_DATE_RE = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$")
_PERIOD_RE = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?$")


def parse_date(text: str, what: str = "日期") -> date:
    cleaned = (text or "").strip().translate(_FULLWIDTH)
    match = _DATE_RE.match(cleaned)
    if not match:
        raise ValidationError(f"{what}“{text}”格式不对，请写作 2025-12-31")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(f"{what}“{text}”不存在，请检查年月日（例如 2 月没有 30 日）") from None


@dataclass(frozen=True)
class Deadline:
    """A 完成时限: a date, or 长期 (ongoing, no end date)."""

    on: date | None
    ongoing: bool = False

    def __str__(self) -> str:
        return "长期" if self.ongoing else (self.on.isoformat() if self.on else "")


def parse_deadline(text: str) -> Deadline:
    if (text or "").strip().lower() in ONGOING_WORDS:
        return Deadline(on=None, ongoing=True)
    return Deadline(on=parse_date(text, "完成时限"))


@dataclass(frozen=True, order=True)
class Period:
    """A reporting month, written ``YYYY-MM``."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def shifted(self, months: int) -> "Period":
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)


def parse_period(text: str) -> Period:
    cleaned = (text or "").strip().translate(_FULLWIDTH)
    match = _PERIOD_RE.match(cleaned)
    if not match:
        raise ValidationError(f"报送期“{text}”格式不对，请写作 2025-06")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValidationError(f"报送期“{text}”的月份应在 1 到 12 之间")
    if year < 2000:
        raise ValidationError(f"报送期“{text}”的年份不对")
    return Period(year, month)
