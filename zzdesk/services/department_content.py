"""The contents of the reports about one department (部门督办单, 催办通知) and of the one-page 领导简报."""

from datetime import date, timedelta

from zzdesk.domain.codes import sort_key
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.reporting import covered_months_text, latest_due_report, next_report_due
from zzdesk.domain.vocabulary import Status
from zzdesk.reports.models import (
    BriefData,
    DepartmentSheetData,
    NamedItem,
    OverdueReport,
    ReturnedLine,
    SheetItem,
    UrgeData,
)
from zzdesk.services import dashboard, ledger, review_queue
from zzdesk.services.bulletin_content import collect_bulletin, default_period, named_items, office_info
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import find_existing
from zzdesk.services.office_settings import values_in
from zzdesk.services.report_archive import reminders_sent
from zzdesk.services.views import TaskView
from zzdesk.store.session import read_session
from zzdesk.store.tables import Department

REPLY_DAYS = 5  # a department urged today answers within this many days
BRIEF_RISKS = 5


def _department(ctx: ServiceContext, name: str) -> Department:
    with read_session(ctx.engine) as session:
        return find_existing(session, name)


def _rows(ctx: ServiceContext) -> list[TaskView]:
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def department_sheet(ctx: ServiceContext, name: str) -> DepartmentSheetData:
    """Every item the department leads or co-operates on, what is due next, and what was sent back."""
    department = _department(ctx, name)
    today = ctx.today()
    with read_session(ctx.engine) as session:
        office = office_info(session)
        due_soon_days = int(values_in(session)["light.due_soon_days"])
    items = []
    for task in _rows(ctx):
        role = "牵头" if task.lead == department.name else "配合" if department.name in task.co else None
        if role is None:
            continue
        next_due = None if task.status is Status.COMPLETED or role == "配合" else next_report_due(
            task.cycle, task.due_day, today, task.start, task.deadline)
        items.append(SheetItem(task=task, role=role, next_report_due=next_due))
    if not items:
        raise ValidationError(f"“{department.name}”没有牵头或配合的任务，无需生成督办单")
    items.sort(key=lambda item: (item.role != "牵头", sort_key(item.task.code)))
    due_soon = sorted((i for i in items if i.task.deadline is not None and i.task.status is not Status.COMPLETED
                       and 0 <= (i.task.deadline - today).days <= due_soon_days),
                      key=lambda i: (i.task.deadline, sort_key(i.task.code)))
    returned = tuple(ReturnedLine(code=u.code, title=u.title, period=u.period, note=u.review_note,
                                  returned_on=u.reviewed_at.date() if u.reviewed_at else None)
                     for u in review_queue.returned_updates(ctx, department.name))
    return DepartmentSheetData(office=office, department=department.name, contact=department.contact, as_of=today,
                               items=tuple(items), due_soon=tuple(due_soon), returned=returned)


def urge_content(ctx: ServiceContext, name: str) -> UrgeData:
    """The department's overdue items and missing reports; refused when there is nothing to urge."""
    department = _department(ctx, name)
    today = ctx.today()
    own = [t for t in _rows(ctx) if t.lead == department.name]
    overdue = tuple(n for n in named_items(own) if n.deadline is not None and dashboard.is_overdue(_by_code(own, n),
                                                                                                     today))
    missing = []
    for task in own:
        if not task.report_missing or (task.kind == "measure" and task.items):
            continue
        due = latest_due_report(task.cycle, task.due_day, today, task.start, task.deadline)
        if due is not None:
            missing.append(OverdueReport(code=task.code, title=task.title, covers=covered_months_text(due),
                                         due_on=due.due_on))
    if not overdue and not missing:
        raise ValidationError(f"“{department.name}”目前没有超期事项，也没有逾期未报送的进展，无需催办")
    with read_session(ctx.engine) as session:
        office = office_info(session)
        number = reminders_sent(session, int(department.id)) + 1
    return UrgeData(office=office, department=department.name, as_of=today, number=number, overdue=overdue,
                    missing=tuple(sorted(missing, key=lambda m: (m.due_on, sort_key(m.code)))),
                    reply_by=today + timedelta(days=REPLY_DAYS))


def department_id(ctx: ServiceContext, name: str) -> int:
    return int(_department(ctx, name).id)


def _by_code(rows: list[TaskView], item: NamedItem) -> TaskView:
    return next(t for t in rows if t.code == item.code)


def brief_content(ctx: ServiceContext, today: date | None = None) -> BriefData:
    """One page for a leader: the key numbers as of today and the few items most at risk."""
    bulletin = collect_bulletin(ctx, default_period(today or ctx.today()))
    return BriefData(office=bulletin.office, as_of=bulletin.as_of, period=bulletin.period,
                     dashboard=bulletin.dashboard, measures_overdue=bulletin.measures_overdue,
                     work_items=bulletin.work_items, risks=bulletin.named[:BRIEF_RISKS])
