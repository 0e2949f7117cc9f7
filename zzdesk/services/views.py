"""Plain, immutable results handed to the GUI and the CLI (never live ORM rows)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from zzdesk.domain.search_text import fold
from zzdesk.domain.vocabulary import (
    CYCLE_LABELS,
    KIND_LABELS,
    REVIEW_LABELS,
    STATUS_LABELS,
    Cycle,
    DepartmentKind,
    Light,
    ReviewState,
    Status,
)


@dataclass(frozen=True)
class DepartmentView:
    id: int
    name: str
    short_name: str
    kind: DepartmentKind
    active: bool
    contact: str
    version_id: int = 0  # as loaded; a form passes it back so a save over someone else's change is refused

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class UpdateView:
    id: int
    code: str
    period: str
    status: Status
    progress: int
    text: str
    problems: str
    next_steps: str
    reporter: str
    created_at: datetime
    review: ReviewState
    review_note: str
    version_id: int  # as loaded; passed back with a review so a review of a changed update is refused

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def review_label(self) -> str:
        return REVIEW_LABELS[self.review]


@dataclass(frozen=True)
class TaskView:
    """A ledger row (measure or work item) with its computed status, 序时进度 and light."""

    code: str
    kind: str
    title: str
    text: str
    lead: str | None
    co: tuple[str, ...]
    leader: str
    start: date | None
    deadline: date | None
    ongoing: bool
    cycle: Cycle | None
    due_day: int | None
    status: Status | None
    progress: int | None
    expected_progress: int | None
    light: Light
    light_reasons: tuple[str, ...]
    days_overdue: int
    last_period: str | None
    items: tuple["TaskView", ...] = field(default=())
    rolled_up: bool = False  # status and progress summed up from the work items
    report_missing: bool = False  # the report that fell due last has not come in (whatever the light)
    original_deadline: date | None = None  # the first deadline, once an extension moved it
    closed: bool = False  # 办结: confirmed by a clerk after a final update
    closed_at: datetime | None = None
    closed_by: str = ""
    version_id: int = 0  # as loaded; a form passes it back so a save over someone else's change is refused

    @cached_property
    def search_text(self) -> str:
        """Code, titles, full text, departments and leader, folded for search; "\n" keeps words within a field."""
        return fold("\n".join((self.code, self.title, self.text, self.lead or "", *self.co, self.leader)))

    @property
    def deadline_text(self) -> str | None:
        if self.ongoing:
            return "长期"
        return self.deadline.isoformat() if self.deadline else None

    @property
    def extended(self) -> bool:
        """The deadline was moved by an approved extension (the original one is kept on record)."""
        return self.original_deadline is not None and self.original_deadline != self.deadline

    @property
    def status_label(self) -> str:
        if self.closed:
            return "已办结"
        return STATUS_LABELS[self.status] if self.status else ""

    @property
    def cycle_label(self) -> str:
        return CYCLE_LABELS[self.cycle] if self.cycle else ""


@dataclass(frozen=True)
class GroupView:
    code: str
    title: str
    intro: str
    measures: tuple[TaskView, ...]

    @property
    def short_title(self) -> str:
        """The words before the first comma: 「着力扩需求稳增长」 for a tree or a chart axis."""
        return self.title.replace("，", ",").split(",", 1)[0]


@dataclass(frozen=True)
class PlanView:
    title: str
    section_title: str
    source_name: str
    groups: tuple[GroupView, ...]
