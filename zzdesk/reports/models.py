"""What each report prints, as plain frozen data: the services fill these in, the report builders lay them out.

A builder takes only these (never a database), so the same figures can be laid out again from memory — which is
how the benchmark measures the floor a report's own overhead is compared with.
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from zzdesk.domain.dates import Period
from zzdesk.domain.vocabulary import Light, Status

if TYPE_CHECKING:  # reports sit below services: only the shape of the numbers is shared
    from zzdesk.services.dashboard import DashboardData
    from zzdesk.services.views import TaskView


@dataclass(frozen=True)
class OfficeInfo:
    """The office's own words: 发文机关, 落款, and the 版记 lines (报送 / 抄送)."""

    office_name: str
    signature: str
    send_to: str
    copy_to: str
    requirements: str  # 下步工作要求, closing the bulletin


@dataclass(frozen=True)
class NamedItem:
    """A measure or work item named (点名) for being overdue or lagging."""

    code: str
    title: str
    lead: str | None
    deadline: date | None
    days_overdue: int
    status: Status | None
    progress: int | None
    expected: int | None
    reasons: tuple[str, ...]
    original_deadline: date | None = None  # before an approved extension


@dataclass(frozen=True)
class ChangeItem:
    """A row of 本期变化: what became completed or lagging since the previous bulletin."""

    code: str
    title: str
    lead: str | None
    note: str  # e.g. 「2025-10报送已完成」 or 「已超期12天」


@dataclass(frozen=True)
class MissingReport:
    """One department's reports that fell due and have not come in."""

    department: str
    codes: tuple[str, ...]
    due_on: date  # the earliest due date among them


@dataclass(frozen=True)
class UpdateLine:
    """A task's latest accepted report, trimmed for print."""

    code: str
    title: str
    period: str | None  # None: nothing accepted yet
    text: str


@dataclass(frozen=True)
class MeasureReport:
    """A measure in its task group's section: assignment, state and what was last reported."""

    code: str
    title: str
    lead: str | None
    co: tuple[str, ...]
    deadline_text: str
    status: Status | None
    progress: int | None
    light: Light
    update: UpdateLine
    items: tuple[UpdateLine, ...]  # work items with their latest accepted report; empty when there are many
    items_total: int = 0  # how the measure's work items stand, summed up when they are too many to list
    items_completed: int = 0
    items_lagging: int = 0


@dataclass(frozen=True)
class GroupReport:
    code: str
    title: str
    short_title: str
    measures: tuple[MeasureReport, ...]


@dataclass(frozen=True)
class DepartmentRank:
    """按时率 of one lead department: led items that are neither overdue nor completed late, over all it leads."""

    name: str
    led: int
    on_time: int
    late: int
    reports_missing: int

    @property
    def rate(self) -> float:
        return self.on_time / self.led if self.led else 1.0


@dataclass(frozen=True)
class PeriodPoint:
    """The measures as they stood at the end of one reporting month."""

    period: Period
    measures: int
    completed: int
    lagging: int
    average_progress: float  # over measures that have reported
    average_expected: float  # 序时进度 over measures with a deadline


@dataclass(frozen=True)
class PreviousBulletin:
    year: int
    number: int
    period: Period
    as_of: date


@dataclass(frozen=True)
class BulletinData:
    office: OfficeInfo
    year: int
    number: int
    period: Period
    as_of: date
    plan_title: str
    section_title: str
    dashboard: "DashboardData"  # counts by light and status, per group, per department
    measures_overdue: int  # measures past their deadline and not completed
    work_items: int
    named: tuple[NamedItem, ...]  # most overdue first
    previous: PreviousBulletin | None  # the bulletin compared with; None: compared with the previous month
    compared_with: Period
    newly_completed: tuple[ChangeItem, ...]
    newly_lagging: tuple[ChangeItem, ...]
    missing_reports: tuple[MissingReport, ...]
    departments: tuple[DepartmentRank, ...]  # lowest rate first
    history: tuple[PeriodPoint, ...]  # oldest first, ending with ``period``
    groups: tuple[GroupReport, ...]
    ledger: tuple["TaskView", ...]  # every measure, for the appendix

    @property
    def issue_text(self) -> str:
        return f"{self.year}年第{self.number}期"


@dataclass(frozen=True)
class SheetItem:
    """A row of a 部门督办单: an item the department leads or co-operates on."""

    task: "TaskView"
    role: str  # 牵头 or 配合
    next_report_due: date | None  # the next report this item owes, if any


@dataclass(frozen=True)
class ReturnedLine:
    code: str
    title: str
    period: str
    note: str
    returned_on: date | None


@dataclass(frozen=True)
class DepartmentSheetData:
    office: OfficeInfo
    department: str
    contact: str
    as_of: date
    items: tuple[SheetItem, ...]
    due_soon: tuple[SheetItem, ...]  # deadlines within the due-soon window, soonest first
    returned: tuple[ReturnedLine, ...]


@dataclass(frozen=True)
class OverdueReport:
    """A report that fell due and has not come in: which item, which months, by when."""

    code: str
    title: str
    covers: str  # 「2025年10月」 or 「2025年第三季度」
    due_on: date


@dataclass(frozen=True)
class UrgeData:
    office: OfficeInfo
    department: str
    as_of: date
    number: int  # how many urging notices this department has had, this one included
    overdue: tuple[NamedItem, ...]
    missing: tuple[OverdueReport, ...]
    reply_by: date


@dataclass(frozen=True)
class BriefData:
    office: OfficeInfo
    as_of: date
    period: Period
    dashboard: "DashboardData"
    measures_overdue: int
    work_items: int
    risks: tuple[NamedItem, ...]  # the few that most need a leader's attention
