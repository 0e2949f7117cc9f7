"""The ledger (台账) read model: every measure and work item with its status, 序时进度 and light.

Built from a handful of set queries (never one query per row), so it stays fast on large ledgers.
"""

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, func
from sqlmodel import Session, select

from zzdesk.domain.codes import parse_code, sort_key
from zzdesk.domain.dates import Period, parse_period
from zzdesk.domain.errors import NotFoundError, ValidationError
from zzdesk.domain.lights import LightRules, TaskState, assess
from zzdesk.domain.progress import expected_progress
from zzdesk.domain.reporting import is_report_missing, latest_due_report
from zzdesk.domain.rollup import rollup
from zzdesk.domain.vocabulary import Cycle, ReviewState, Status
from zzdesk.services.context import ServiceContext
from zzdesk.services.office_settings import light_rules
from zzdesk.services.views import GroupView, PlanView, TaskView
from zzdesk.store.session import read_session
from zzdesk.store.tables import Department, Plan, StatusUpdate, Task, TaskCoDepartment, TaskGroup

REPORT_LOOKBACK_MONTHS = 7


# Most tasks share a cycle, a due day and a few dates, so the answer is worked out once per combination.
_due_report = lru_cache(maxsize=4096)(latest_due_report)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building a large ledger creates many objects at once; the cyclic collector's passes over them are
    pure overhead (nothing here forms cycles) and, holding the GIL, stall the GUI thread."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The whole ledger is read as plain rows of the columns the views need: building an ORM object for each of
# 100,000 tasks costs seconds. The rows answer to the same attribute names as Task.
_TASK_COLUMNS = (Task.id, Task.parent_id, Task.kind, Task.code, Task.title, Task.text, Task.lead_department_id,
                 Task.leader, Task.start_date, Task.deadline, Task.ongoing, Task.cycle, Task.due_day)


def plan_view(ctx: ServiceContext, through: Period | None = None) -> PlanView:
    """The whole ledger as of ``ctx.today()``; ``through`` leaves out reports for later periods (a past bulletin)."""
    with _collector_paused(), read_session(ctx.engine) as session:
        plan = session.exec(select(Plan)).first()
        if plan is None:
            raise NotFoundError("数据库中还没有规划，请先运行 zzdesk init 或 zzdesk import-plan")
        groups = session.exec(select(TaskGroup).order_by(TaskGroup.seq)).all()
        tasks = _task_views(session, ctx, session.exec(select(*_TASK_COLUMNS)).all(), whole_ledger=True,
                            through=through)
    measures_by_group: dict[str, list[TaskView]] = defaultdict(list)
    for view in sorted(tasks.values(), key=lambda v: sort_key(v.code)):
        if view.kind == "measure":
            measures_by_group[view.code.split(".")[0]].append(view)
    return PlanView(title=plan.title, section_title=plan.section_title, source_name=plan.source_name,
                    groups=tuple(GroupView(code=g.code, title=g.title, intro=g.intro,
                                           measures=tuple(measures_by_group[g.code])) for g in groups))


def task_view(ctx: ServiceContext, code: str) -> TaskView:
    with read_session(ctx.engine) as session:
        task = find_task(session, code)
        family = [task, *session.exec(select(Task).where(Task.parent_id == task.id)).all()]
        return _task_views(session, ctx, family)[task.code]


def find_task(session: Session, code: str) -> Task:
    """The measure or work item with this code (full-width digits accepted)."""
    parsed = parse_code(code)
    if parsed.level == "group":
        raise ValidationError(f"“{parsed}”是任务组编号；请给出举措编号（如 {parsed}.1）或具体任务编号")
    task = session.exec(select(Task).where(Task.code == str(parsed))).first()
    if task is None:
        raise NotFoundError(f"编号“{parsed}”不存在；请用 zzdesk tree 查看举措和任务编号")
    return task


def _task_views(session: Session, ctx: ServiceContext, tasks: list[Task], whole_ledger: bool = False,
                through: Period | None = None) -> dict[str, TaskView]:
    today = ctx.today()
    ids = [t.id for t in tasks]

    def only_these(column):  # type: ignore[no-untyped-def]
        return True if whole_ledger else column.in_(ids)

    def reports_in_scope():  # type: ignore[no-untyped-def]
        in_scope = only_these(StatusUpdate.task_id)
        return in_scope if through is None else and_(in_scope, StatusUpdate.period <= str(through))

    departments = {d.id: d for d in session.exec(select(Department))}
    co: dict[int, list[Department]] = defaultdict(list)
    for link in session.exec(select(TaskCoDepartment).where(only_these(TaskCoDepartment.task_id))):
        co[link.task_id].append(departments[link.department_id])
    latest = _latest_updates(session, reports_in_scope())
    since = str(Period.of(today).shifted(-REPORT_LOOKBACK_MONTHS))
    reported: dict[int, list[Period]] = defaultdict(list)
    rows = session.exec(select(StatusUpdate.task_id, StatusUpdate.period).distinct().where(
        StatusUpdate.period >= since, StatusUpdate.review_state != ReviewState.RETURNED.value,
        reports_in_scope()))
    periods: dict[str, Period] = {}  # a dozen distinct months among hundreds of thousands of rows
    for task_id, period in rows:
        parsed = periods.get(period)
        if parsed is None:
            parsed = periods[period] = parse_period(period)
        reported[task_id].append(parsed)

    rules = light_rules(session)
    child_ids: dict[int, list[int]] = defaultdict(list)
    for task in tasks:
        if task.parent_id is not None:
            child_ids[task.parent_id].append(task.id)
    children: dict[int, list[TaskView]] = defaultdict(list)
    result: dict[str, TaskView] = {}
    # Work items first: a measure without reports of its own is summed up from its items.
    for task in sorted(tasks, key=lambda t: t.parent_id is None):
        items = tuple(sorted(children[task.id], key=lambda v: sort_key(v.code)))
        own = latest.get(task.id)
        if own is not None:
            state = _Reported(Status(own.status), own.progress, own.period)
        elif items:
            status, progress = rollup([(item.status, item.progress) for item in items])
            last = max((item.last_period for item in items if item.last_period), default=None)
            state = _Reported(status, progress, last, rolled_up=status is not None)
        else:
            state = _Reported(None, None, None)
        periods = reported[task.id] + [p for child in child_ids[task.id] for p in reported[child]]
        view = _build_view(task, departments, co[task.id], state, periods, today, rules, items)
        if task.parent_id is not None:
            children[task.parent_id].append(view)
        result[view.code] = view
    return result


@dataclass(frozen=True)
class _Reported:
    status: Status | None
    progress: int | None
    last_period: str | None
    rolled_up: bool = False


def _latest_updates(session: Session, scope):  # type: ignore[no-untyped-def]
    """Each task's newest update that was not sent back (by period, then entry order): status, progress, period."""
    ranked = select(
        StatusUpdate.task_id, StatusUpdate.status, StatusUpdate.progress, StatusUpdate.period,
        func.row_number().over(partition_by=StatusUpdate.task_id,
                               order_by=(StatusUpdate.period.desc(), StatusUpdate.id.desc())).label("rank"),
    ).where(StatusUpdate.review_state != ReviewState.RETURNED.value, scope).subquery()
    rows = session.exec(select(ranked.c.task_id, ranked.c.status, ranked.c.progress, ranked.c.period)
                        .where(ranked.c.rank == 1))
    return {row.task_id: row for row in rows}


def _build_view(task: Task, departments: dict[int, Department], co: list[Department], state: _Reported,
                reported: list[Period], today: date, rules: LightRules, items: tuple[TaskView, ...]) -> TaskView:
    cycle = Cycle(task.cycle) if task.cycle else None
    status, progress = state.status, state.progress
    expected = expected_progress(task.start_date, task.deadline, today)
    due = _due_report(cycle, task.due_day, today, task.start_date, task.deadline)
    assigned = task.lead_department_id is not None
    missing = assigned and status is not Status.COMPLETED and is_report_missing(due, reported)
    assessment = assess(TaskState(assigned=assigned, status=status, progress=progress, expected=expected,
                                  deadline=task.deadline, report_missing=missing), today, rules)
    return TaskView(
        code=task.code, kind=task.kind, title=task.title, text=task.text,
        lead=departments[task.lead_department_id].name if task.lead_department_id else None,
        co=tuple(d.name for d in sorted(co, key=lambda d: (d.sort_order, d.id))),
        leader=task.leader, start=task.start_date, deadline=task.deadline,
        ongoing=task.ongoing, cycle=cycle, due_day=task.due_day, status=status, progress=progress,
        expected_progress=expected, light=assessment.light, light_reasons=assessment.reasons,
        days_overdue=assessment.days_overdue, last_period=state.last_period, items=items,
        rolled_up=state.rolled_up, report_missing=missing)
