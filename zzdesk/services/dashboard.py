"""工作概况: the numbers behind the dashboard page and the bulletin — counts, late and soon-due items, departments.

Everything is derived from ``ledger.plan_view`` so the lights are exactly the ledger's; nothing is recounted in SQL.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from zzdesk.domain.codes import sort_key
from zzdesk.domain.dates import Period, parse_period
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.office_settings import current_values
from zzdesk.services.views import PlanView, TaskView

LIGHT_ORDER = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE)
STATUS_ORDER = (Status.NOT_STARTED, Status.ON_TRACK, Status.LAGGING, Status.COMPLETED, Status.ONGOING, None)


@dataclass(frozen=True)
class Tally:
    """Counts by light and by status (``None`` = nothing reported yet) over one set of ledger rows."""

    total: int
    by_light: Mapping[Light, int]
    by_status: Mapping[Status | None, int]

    def light(self, light: Light) -> int:
        return self.by_light.get(light, 0)

    def status(self, status: Status | None) -> int:
        return self.by_status.get(status, 0)


@dataclass(frozen=True)
class GroupStats:
    code: str
    short_title: str
    rows: Tally  # measures and work items
    measures: Tally


@dataclass(frozen=True)
class DueItem:
    """A row of the overdue list (``days`` overdue) or of the due-soon list (``days`` left)."""

    code: str
    title: str
    lead: str | None
    deadline: date
    days: int
    light: Light


@dataclass(frozen=True)
class DepartmentStats:
    name: str
    led: int
    completed: int
    completed_on_time: int
    late: int
    reports_missing: int


@dataclass(frozen=True)
class DashboardData:
    as_of: date
    due_soon_days: int
    rows: Tally  # every ledger row: measures and work items
    measures: Tally
    groups: tuple[GroupStats, ...]
    overdue: tuple[DueItem, ...]  # most overdue first
    due_soon: tuple[DueItem, ...]  # soonest first
    departments: tuple[DepartmentStats, ...]  # most late first, then by name


def dashboard(ctx: ServiceContext) -> DashboardData:
    plan = ledger.plan_view(ctx)
    return summarize(plan, ctx.today(), int(current_values(ctx)["light.due_soon_days"]))


def summarize(plan: PlanView, today: date, due_soon_days: int) -> DashboardData:
    """The same numbers from a plan view already in hand (the bulletin has one)."""
    rows = [t for g in plan.groups for m in g.measures for t in (m, *m.items)]
    measures = [m for g in plan.groups for m in g.measures]
    groups = tuple(GroupStats(code=g.code, short_title=g.short_title,
                              rows=tally([t for m in g.measures for t in (m, *m.items)]),
                              measures=tally(g.measures)) for g in plan.groups)
    return DashboardData(as_of=today, due_soon_days=due_soon_days, rows=tally(rows), measures=tally(measures),
                         groups=groups, overdue=overdue_items(rows, today),
                         due_soon=due_soon_items(rows, today, due_soon_days),
                         departments=department_stats(rows, today))


def tally(tasks: Iterable[TaskView]) -> Tally:
    tasks = list(tasks)
    lights = Counter(t.light for t in tasks)
    statuses = Counter(t.status for t in tasks)
    return Tally(total=len(tasks),
                 by_light=MappingProxyType({light: lights[light] for light in LIGHT_ORDER}),
                 by_status=MappingProxyType({status: statuses[status] for status in STATUS_ORDER}))


def is_overdue(task: TaskView, today: date) -> bool:
    """Past the deadline and not completed, by date as the ledger's 超期 filter (an unassigned task counts too)."""
    return task.deadline is not None and task.deadline < today and task.status is not Status.COMPLETED


def overdue_items(tasks: Iterable[TaskView], today: date) -> tuple[DueItem, ...]:
    late = [_due_item(t, t.deadline, (today - t.deadline).days) for t in tasks
            if t.deadline is not None and is_overdue(t, today)]
    return tuple(sorted(late, key=lambda item: (-item.days, sort_key(item.code))))


def due_soon_items(tasks: Iterable[TaskView], today: date, within_days: int) -> tuple[DueItem, ...]:
    soon = [_due_item(t, t.deadline, (t.deadline - today).days) for t in tasks
            if t.deadline is not None and t.status is not Status.COMPLETED
            and 0 <= (t.deadline - today).days <= within_days]
    return tuple(sorted(soon, key=lambda item: (item.days, sort_key(item.code))))


def _due_item(task: TaskView, deadline: date, days: int) -> DueItem:
    return DueItem(code=task.code, title=task.title, lead=task.lead, deadline=deadline, days=days, light=task.light)


def completed_on_time(task: TaskView) -> bool:
    """已完成 and reported so no later than the deadline's month.

    The newest accepted-or-pending report is the one that said 已完成, so its period is when the work was
    reported done; a report for the deadline's own month is on time (reports are monthly, not daily).
    A completed task without a deadline (长期) is on time.
    """
    if task.status is not Status.COMPLETED:
        return False
    if task.deadline is None or task.last_period is None:
        return True
    return parse_period(task.last_period) <= Period.of(task.deadline)


def department_stats(tasks: Iterable[TaskView], today: date) -> tuple[DepartmentStats, ...]:
    """One row per department that leads at least one measure or work item."""
    led: dict[str, list[TaskView]] = {}
    for task in tasks:
        if task.lead:
            led.setdefault(task.lead, []).append(task)
    stats = [DepartmentStats(
        name=name, led=len(own),
        completed=sum(t.status is Status.COMPLETED for t in own),
        completed_on_time=sum(completed_on_time(t) for t in own),
        late=sum(is_overdue(t, today) for t in own),
        reports_missing=sum(t.report_missing for t in own)) for name, own in led.items()]
    return tuple(sorted(stats, key=lambda s: (-s.late, s.name)))
