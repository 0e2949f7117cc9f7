"""What an import would do, row by row, before anything is written: shared by the 报送表 and 任务分解表 imports.

A preview is plain data the GUI shows in its dialog and the CLI prints; applying it re-reads the file (same
SHA-256) and writes every accepted row in one transaction, or nothing.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    NEW = "new"  # 报送表: a new update will be logged
    CHANGED = "changed"  # 任务分解表: the assignment will change
    UNCHANGED = "unchanged"  # nothing to write for this row
    ERROR = "error"  # refused; the message says what to fix


VERDICT_LABELS = {
    Verdict.NEW: "新报送",
    Verdict.CHANGED: "修改分工",
    Verdict.UNCHANGED: "未修改",
    Verdict.ERROR: "有错误",
}


@dataclass(frozen=True)
class FieldChange:
    label: str  # the column as the sheet says it: 「进度（%）」
    before: str
    after: str


@dataclass(frozen=True)
class PreviewRow:
    row: int  # the row number in the sheet, as Excel shows it
    code: str  # the item's code as read (may be empty or unknown on an error row)
    verdict: Verdict
    message: str = ""  # for an error: 「第 7 行“进度（%）”列：进度 120 超出范围……」
    column: str = ""  # for an error: the header of the offending column, when one is to blame
    changes: tuple[FieldChange, ...] = ()  # before → after, for NEW and CHANGED rows

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


@dataclass(frozen=True)
class ImportPreview:
    file_name: str
    sha256: str
    title: str  # 「市科技局 2025年11月 进展报送表」 or 「任务分解表」
    rows: tuple[PreviewRow, ...]
    problems: tuple[str, ...] = ()  # whole-file remarks that are not a row's fault (shown above the rows)
    unknown_departments: tuple[str, ...] = field(default=())  # 任务分解表: names to map or create

    def count(self, verdict: Verdict) -> int:
        return sum(1 for row in self.rows if row.verdict is verdict)

    @property
    def errors(self) -> tuple[PreviewRow, ...]:
        return tuple(row for row in self.rows if row.verdict is Verdict.ERROR)

    @property
    def to_write(self) -> tuple[PreviewRow, ...]:
        return tuple(row for row in self.rows if row.verdict in (Verdict.NEW, Verdict.CHANGED))

    def summary(self) -> str:
        """「新报送 5 行，未修改 3 行，有错误 2 行」 (verdicts with no rows left out)."""
        parts = [f"{VERDICT_LABELS[verdict]} {self.count(verdict)} 行" for verdict in Verdict if self.count(verdict)]
        return "，".join(parts) if parts else "没有数据行"


@dataclass(frozen=True)
class ImportResult:
    written: int  # updates logged or assignments changed
    skipped_errors: int  # error rows left out because the user chose to skip them
    created_departments: tuple[str, ...] = ()
    backup: str | None = None  # the backup taken before the import (SQLite), as a path
