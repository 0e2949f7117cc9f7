"""Assigning a measure or work item: lead and co-operating departments, leader, dates, reporting cycle."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, delete, select

from zzdesk.domain.dates import Deadline
from zzdesk.domain.errors import ConflictError, ValidationError
from zzdesk.domain.permissions import Action
from zzdesk.domain.reporting import validate_due_day
from zzdesk.domain.vocabulary import Cycle
from zzdesk.services import audit, conflicts
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import resolve_active, resolve_many
from zzdesk.services.ledger import find_task, task_view
from zzdesk.services.views import TaskView
from zzdesk.store.session import write_session
from zzdesk.store.tables import Department, Task, TaskCoDepartment

MAX_LEADER_CHARS = 200


@dataclass(frozen=True)
class AssignmentChange:
    """What to change; a field left as None keeps its current value."""

    lead: str | None = None
    co: list[str] | None = None
    leader: str | None = None
    start: date | None = None
    deadline: Deadline | None = None
    cycle: Cycle | None = None
    due_day: int | None = None


def assign(ctx: ServiceContext, code: str, change: AssignmentChange, expected_version: int | None = None,
           force: bool = False) -> TaskView:
    """Save an assignment. ``expected_version`` is the ``TaskView.version_id`` the user's form was loaded with: a
    save over a newer version is refused (ConflictError) unless ``force`` overwrites it on purpose (audited)."""
    authorize(ctx, Action.ASSIGN, code=code)
    with conflicts.explained(ctx, _conflict(code)), write_session(ctx.engine) as session:
        task = find_task(session, code)
        overwrite = conflicts.check_version(session, task, expected_version, force, _conflict(code))
        apply_assignment(session, ctx, task, change, overwrite)
    return task_view(ctx, code)


def _conflict(code: str) -> Callable[[Session], ConflictError]:
    """The refusal of a save over someone else's change, with the task as it stands now."""
    def explain(session: Session) -> ConflictError:
        task = find_task(session, code)
        return conflicts.conflict_error(session, "task", task.code, f"任务 {task.code}", task.version_id,
                                        _snapshot(session, task))
    return explain


def apply_assignment(session: Session, ctx: ServiceContext, task: Task, change: AssignmentChange,
                     overwrite: audit.Changes | None = None) -> None:
    """Validate and write one assignment inside the caller's transaction (also used by the demo)."""
    before = _snapshot(session, task)
    version = task.version_id
    lead = resolve_active(session, change.lead, "牵头单位") if change.lead is not None else None
    co = resolve_many(session, change.co, "配合单位") if change.co is not None else None
    lead_id = lead.id if lead is not None else task.lead_department_id
    co_ids = [d.id for d in co] if co is not None else _co_ids(session, task)
    if lead_id is not None and lead_id in co_ids:
        name = session.get(Department, lead_id).name
        raise ValidationError(f"“{name}”已是牵头单位，不能同时列为配合单位")
    if co_ids and lead_id is None:
        raise ValidationError("请先指定牵头单位，再填写配合单位")
    leader = _clean_leader(change.leader) if change.leader is not None else task.leader
    start = change.start if change.start is not None else task.start_date
    if change.deadline is not None:
        deadline, ongoing = change.deadline.on, change.deadline.ongoing
    else:
        deadline, ongoing = task.deadline, task.ongoing
    if start is not None and deadline is not None and deadline < start:
        raise ValidationError(f"完成时限 {deadline.isoformat()} 早于开始日期 {start.isoformat()}，请检查")
    due_day = validate_due_day(change.due_day) if change.due_day is not None else task.due_day
    cycle = change.cycle.value if change.cycle is not None else task.cycle

    task.lead_department_id = lead_id
    task.leader = leader
    task.start_date, task.deadline, task.ongoing = start, deadline, ongoing
    task.cycle, task.due_day = cycle, due_day
    session.add(task)
    if co is not None:
        session.exec(delete(TaskCoDepartment).where(TaskCoDepartment.task_id == task.id))
        session.add_all(TaskCoDepartment(task_id=task.id, department_id=d.id) for d in co)
    session.flush()
    changes = audit.diff(before, _snapshot(session, task))
    if changes and task.version_id == version:  # only the co-operating departments changed: still a new version
        flag_modified(task, "leader")
        session.flush()
    if changes or overwrite:
        audit.record(session, ctx, "task.assign", "task", task.code, {**changes, **(overwrite or {})})


def _co_ids(session: Session, task: Task) -> list[int]:
    return list(session.exec(select(TaskCoDepartment.department_id).where(TaskCoDepartment.task_id == task.id)))


def _clean_leader(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_LEADER_CHARS:
        raise ValidationError(f"责任领导过长（最多 {MAX_LEADER_CHARS} 个字）")
    return cleaned


def _snapshot(session: Session, task: Task) -> dict[str, object]:
    names = {d.id: d.name for d in session.exec(select(Department))}
    return {
        "lead": names.get(task.lead_department_id) if task.lead_department_id else None,
        "co": [names[i] for i in sorted(_co_ids(session, task))],
        "leader": task.leader,
        "start": task.start_date,
        "deadline": "长期" if task.ongoing else task.deadline,
        "cycle": task.cycle,
        "due_day": task.due_day,
    }
